// Reading what the guest printed: its own clock lines (each VMM's guest/init.c prints them)
// and the leap of its clocks across a pause. Pure, so the unit tests feed it lines. Which
// kernel lines are complaints is each VMM's own (its kernel's words differ by architecture).

/** One "kvmtod-clock" line: the guest's CLOCK_REALTIME and CLOCK_MONOTONIC, in ns. */
export interface ClockSample {
  seq: number;
  realtimeNs: bigint;
  monotonicNs: bigint;
  /** The host's monotonic clock when the line's first byte reached the VMM. */
  hostNs: bigint;
}

/**
 * Any line with a clock reading in it, for waiting on a guest that runs: a kernel message can
 * share a console line with the guest's output (the kernel's console and the guest's tty write
 * the same UART or SCLP console), and such a line proves the guest runs though parseClockLine
 * rejects it (its host stamp is the kernel's first byte, not the reading's).
 */
export const CLOCK_SEEN = /kvmtod-clock \d+ /;

const CLOCK_LINE = /^kvmtod-clock (\d+) (\d+)\.(\d{9}) (\d+)\.(\d{9})$/;

export function parseClockLine(text: string, hostNs: bigint): ClockSample | undefined {
  const m = CLOCK_LINE.exec(text);
  if (!m) return undefined;
  return {
    seq: Number(m[1]),
    realtimeNs: BigInt(m[2]) * 1_000_000_000n + BigInt(m[3]),
    monotonicNs: BigInt(m[4]) * 1_000_000_000n + BigInt(m[5]),
    hostNs,
  };
}

/** The first kind whose pattern matches `text`, in the list's order. */
export function firstMatch<Kind extends string>(
  patterns: readonly (readonly [Kind, RegExp])[],
  text: string,
): Kind | undefined {
  for (const [kind, pattern] of patterns) if (pattern.test(text)) return kind;
  return undefined;
}

/** How far the guest's clocks moved across a pause beyond the time the guest ran. */
export interface GuestLeap {
  /** CLOCK_MONOTONIC's leap, ns: about the pause without a hold, about 0 with freeze. */
  monotonicLeapNs: bigint;
  realtimeLeapNs: bigint;
  /** The samples before the stop and after the cont that the leap was read from. */
  before: ClockSample;
  after: ClockSample;
}

/** How many samples each side of a pause the leap may be read from. */
export interface LeapWindow {
  before: number;
  after: number;
}

/** The last sample before the stop and the first after the cont. */
export const NEAREST_SAMPLES: LeapWindow = { before: 1, after: 1 };

/**
 * The guest's leap across a pause from `stopNs` to `contNs` (host monotonic). A sample's host
 * stamp is when its line reached the VMM, some time after the guest read its clock, and a line
 * the guest wrote while its kernel printed a long report arrives late. So each side's offset
 * between the host's clock and the guest's is taken from its sample with the smallest one (the
 * least delayed) among the `window.before` samples before the stop and the `window.after`
 * after the cont; the leap is the pause minus how much that offset grew across it. A guest
 * whose clock ran on through the pause leaps by the pause, one held still by 0. With
 * NEAREST_SAMPLES it is the movement between the two samples beyond the host time between
 * them less the pause.
 */
export function guestLeap(
  samples: readonly ClockSample[],
  stopNs: bigint,
  contNs: bigint,
  window: LeapWindow = NEAREST_SAMPLES,
): GuestLeap | undefined {
  const before = samples.filter((s) => s.hostNs <= stopNs).slice(-window.before);
  const after = samples.filter((s) => s.hostNs >= contNs).slice(0, window.after);
  if (!before.length || !after.length) return undefined;
  type Clock = 'monotonicNs' | 'realtimeNs';
  const least = (list: ClockSample[], clock: Clock): ClockSample =>
    list.reduce((a, b) => (b.hostNs - b[clock] < a.hostNs - a[clock] ? b : a));
  const leap = (clock: Clock): bigint => {
    const b = least(before, clock);
    const a = least(after, clock);
    return contNs - stopNs - (a.hostNs - a[clock] - (b.hostNs - b[clock]));
  };
  return {
    monotonicLeapNs: leap('monotonicNs'),
    realtimeLeapNs: leap('realtimeNs'),
    before: least(before, 'monotonicNs'),
    after: least(after, 'monotonicNs'),
  };
}
