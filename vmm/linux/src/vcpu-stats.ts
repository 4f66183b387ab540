// What the vCPU has been doing, kept by its worker in words the main thread reads at any
// time without stopping it (an Int32Array over a SharedArrayBuffer): the console bytes the
// guest wrote, each KVM_RUN exit counted by reason, and the last exits with what they were
// about. The silence watchdog (silence-watchdog.ts) watches the byte count and, when the
// guest says nothing for too long, names the exits in its error: a guest spinning in a loop
// of I/O exits, one halted for good and one that never leaves the guest look different.

/** Exit reasons are counted below this; a larger one (none the kernel has now) counts here. */
const REASONS = 64;
const OUT_BYTES = REASONS; // console bytes the guest has written
const EXITS = REASONS + 1; // every exit, whatever its reason
const RING_NEXT = REASONS + 2; // where the next exit goes in the ring
const RING = REASONS + 3;
/** How many of the last exits are kept. */
export const LAST_EXITS = 16;
const ENTRY = 2; // words per exit in the ring: reason, detail
export const STATS_WORDS = RING + LAST_EXITS * ENTRY;

/** A new, zeroed block of statistics words, to share with the worker (WorkerSetup.stats). */
export function newStats(): SharedArrayBuffer {
  return new SharedArrayBuffer(STATS_WORDS * 4);
}

/** The detail word of an I/O exit: the port, the direction (bit 16: out) and the size (bits 20-23). */
export function ioDetail(port: number, out: boolean, size: number): number {
  return (port & 0xffff) | (out ? 1 << 16 : 0) | ((size & 0xf) << 20);
}

/** The worker's side: counts an exit and remembers it, with its detail (ioDetail, an MMIO address). */
export function recordExit(stats: Int32Array, reason: number, detail: number): void {
  Atomics.add(stats, reason < REASONS ? reason : REASONS - 1, 1);
  Atomics.add(stats, EXITS, 1);
  const slot = Atomics.add(stats, RING_NEXT, 1) % LAST_EXITS;
  Atomics.store(stats, RING + slot * ENTRY, reason);
  Atomics.store(stats, RING + slot * ENTRY + 1, detail | 0);
}

/** The worker's side: one more byte on the console. */
export function recordOutput(stats: Int32Array): void {
  Atomics.add(stats, OUT_BYTES, 1);
}

/** Console bytes written so far (it only grows; the watchdog compares two readings). */
export function outputBytes(stats: Int32Array): number {
  return Atomics.load(stats, OUT_BYTES);
}

export interface ExitSummary {
  total: number;
  /** Exits by name (KVM_EXIT_*, without the prefix), most frequent first. */
  byReason: { reason: string; count: number }[];
  /** The last exits, oldest first, each in words: "IO out 0x80 (1 byte)", "HLT", "MMIO write 0xfee000b0". */
  last: string[];
}

/** `names`: exit reason numbers to names, as the addon's runLayout.exits gives them. */
export function summarizeExits(stats: Int32Array, names: Record<string, number>): ExitSummary {
  const nameOf = (reason: number): string =>
    Object.entries(names).find(([, n]) => n === reason)?.[0] ?? `exit ${reason}`;
  const byReason: ExitSummary['byReason'] = [];
  for (let reason = 0; reason < REASONS; reason++) {
    const count = Atomics.load(stats, reason);
    if (count > 0) byReason.push({ reason: nameOf(reason), count });
  }
  byReason.sort((a, b) => b.count - a.count);
  const total = Atomics.load(stats, EXITS);
  const next = Atomics.load(stats, RING_NEXT);
  const kept = Math.min(next, LAST_EXITS);
  const last: string[] = [];
  for (let i = next - kept; i < next; i++) {
    const slot = i % LAST_EXITS;
    const reason = Atomics.load(stats, RING + slot * ENTRY);
    const detail = Atomics.load(stats, RING + slot * ENTRY + 1) >>> 0;
    last.push(describeExit(nameOf(reason), detail));
  }
  return { total, byReason, last };
}

function describeExit(name: string, detail: number): string {
  const hex = (n: number): string => `0x${n.toString(16)}`;
  if (name === 'IO') {
    const size = (detail >>> 20) & 0xf;
    return `IO ${detail & (1 << 16) ? 'out' : 'in'} ${hex(detail & 0xffff)} (${size} byte${size === 1 ? '' : 's'})`;
  }
  if (name === 'MMIO') return `MMIO ${hex(detail)}`;
  return name;
}
