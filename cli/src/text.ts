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

/** How wide the reports are by default: a 120-column terminal. `--wide` lifts it. */
export const REPORT_WIDTH = 120;

/**
 * `line` as lines of at most `width` columns, broken before a ' -> ' where it can (a run of
 * steps stays whole by step) and else at spaces; the lines after the first are indented
 * `hang` (by default the line's own indent and two more). A word longer than a whole line
 * is cut. A line that fits, or any line when `width` is Infinity, is left as it is.
 */
export function wrapLine(line: string, width: number, hang?: string): string[] {
  if (line.length <= width) return [line];
  const indent = /^ */.exec(line)![0];
  const next = hang ?? `${indent}  `;
  const room = width - next.length;
  const units: string[] = [];
  for (const chunk of line.slice(indent.length).split(/ (?=-> )/)) {
    if (chunk.length <= room) units.push(chunk);
    else
      for (const word of chunk.split(' '))
        for (let at = 0; at < word.length || at === 0; at += room) units.push(word.slice(at, at + room));
  }
  const lines: string[] = [];
  let current = indent;
  let fresh = true;
  for (const unit of units) {
    if (!fresh && current.length + 1 + unit.length > width) {
      lines.push(current);
      current = next;
      fresh = true;
    }
    current += fresh ? unit : ` ${unit}`;
    fresh = false;
  }
  lines.push(current);
  return lines;
}

/** Every line of `lines` wrapped to `width` (see {@link wrapLine}). */
export function wrapLines(lines: string[], width: number): string[] {
  return lines.flatMap((line) => wrapLine(line, width));
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)/y;

/** The durations a caller accepts, so that a suggestion is one of them. */
export interface DurationRange {
  minMs?: number;
  maxMs?: number;
}

/**
 * Parses a duration into milliseconds. Returns an error message instead of throwing,
 * so that the caller can turn it into a usage error. The range only shapes the advice
 * in a message: the caller checks the value against it.
 */
export function parseDuration(text: string, range: DurationRange = {}): { ms: number } | { error: string } {
  const { minMs = 0, maxMs = Infinity } = range;
  const input = text.trim();
  if (input === '') return { error: 'empty duration' };
  if (/^-(\d|\.\d)/.test(input)) {
    return {
      error: `'${text}' is negative: ${minMs > 0 ? `give at least ${formatDuration(minMs)}` : 'give 0 or more'}`,
    };
  }
  if (/^\d+(\.\d+)?$/.test(input)) {
    // The number with each unit that gives an accepted duration, else the nearest bound.
    const n = Number(input);
    const fits = [`${input}s`, `${input}ms`].filter((_, i) => {
      const ms = n * (i === 0 ? 1000 : 1);
      return ms >= minMs && ms <= maxMs;
    });
    if (fits.length > 0)
      return { error: `'${text}' has no unit: write e.g. ${fits.join(' or ')} (units: ms, s, m, h)` };
    const [bound, which] = n * 1000 > maxMs ? [maxMs, 'longest'] : [minMs, 'shortest'];
    return {
      error: `'${text}' has no unit: write e.g. ${formatDuration(bound)}, the ${which} accepted (units: ms, s, m, h)`,
    };
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
