// Text for people: a plain-text table (columns padded to their widest cell, a rule under
// the header), and durations on the command line and in reports (`500ms`, `3s`, `1m30s`).

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

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)/y;

/**
 * Parses a duration into milliseconds. Returns an error message instead of throwing,
 * so that the caller can turn it into a usage error.
 */
export function parseDuration(text: string): { ms: number } | { error: string } {
  const input = text.trim();
  if (input === '') return { error: 'empty duration' };
  if (/^\d+(\.\d+)?$/.test(input)) {
    return { error: `'${text}' has no unit: write e.g. ${input}s or ${input}ms (units: ms, s, m, h)` };
  }
  let ms = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < input.length) {
    const at = PART.lastIndex;
    const match = PART.exec(input);
    if (match === null) {
      return { error: `'${text}' is not a duration (at '${input.slice(at)}'): write e.g. 500ms, 3s, 1.5s, 2m, 1m30s` };
    }
    ms += Number(match[1]) * UNIT_MS[match[2]];
  }
  if (!Number.isFinite(ms)) return { error: `'${text}' is too long` };
  return { ms: Math.round(ms) };
}

/** A readable duration: `200ms`, `3s`, `1.5s`, `2m`, `2m 05s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) {
    const s = ms / 1000;
    return `${Number.isInteger(s) ? s : s.toFixed(1)}s`;
  }
  const totalS = Math.round(ms / 1000);
  const m = Math.floor(totalS / 60);
  const s = totalS % 60;
  return s === 0 ? `${m}m` : `${m}m ${String(s).padStart(2, '0')}s`;
}

/** Nanoseconds (bigint) as milliseconds with 3 decimals and a sign: `+3000.215 ms`. */
export function formatNsAsMs(ns: bigint): string {
  const sign = ns < 0n ? '-' : '+';
  const abs = ns < 0n ? -ns : ns;
  const whole = abs / 1_000_000n;
  const frac = (abs % 1_000_000n) / 1000n;
  return `${sign}${whole}.${frac.toString().padStart(3, '0')} ms`;
}

/** Nanoseconds (bigint) as a number of milliseconds, for JSON. */
export function nsToMs(ns: bigint): number {
  return Number(ns) / 1e6;
}
