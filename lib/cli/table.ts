// A plain-text table: columns padded to their widest cell, a rule under the header.

export type Align = 'left' | 'right';

export interface Column {
  header: string;
  align?: Align;
}

/** The table as lines, each without trailing spaces. */
export function renderTable(columns: Column[], rows: string[][], indent = '  '): string[] {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    (
      indent +
      cells
        .map((cell, i) => (columns[i].align === 'right' ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
        .join('  ')
    ).trimEnd();
  return [
    line(columns.map((c) => c.header)),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(columns.map((_, i) => r[i] ?? ''))),
  ];
}
