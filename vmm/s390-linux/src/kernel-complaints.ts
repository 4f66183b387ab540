// Reading what the guest printed: its own clock lines (guest/init.c) and the kernel's
// complaints about time. Pure, so the unit tests feed it lines.

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
 * the same SCLP console), and such a line proves the guest runs though parseClockLine rejects it.
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

/** What a kernel line complains about. */
export type ComplaintKind =
  'rcu-stall' | 'rcu-tasks-stall' | 'hung-task' | 'soft-lockup' | 'workqueue-lockup' | 'clocksource' | 'hrtimer';

// The kernel's own words (Linux 6.1): kernel/rcu/tree_stall.h, kernel/rcu/tasks.h,
// kernel/hung_task.c, kernel/watchdog.c, kernel/workqueue.c, kernel/time/clocksource.c,
// kernel/time/hrtimer.c. Debian's s390x 6.1 has no soft-lockup detector and no workqueue
// watchdog (CONFIG_SOFTLOCKUP_DETECTOR, CONFIG_WQ_WATCHDOG unset): their patterns are here for
// kernels that do.
const COMPLAINTS: [ComplaintKind, RegExp][] = [
  ['rcu-tasks-stall', /INFO: rcu_tasks\w* detected stalls on tasks/],
  [
    'rcu-stall',
    /rcu: INFO: .*stall|rcu_\w+ kthread (timer wakeup didn't happen|starved)|rcu: .*detected (expedited )?stall/,
  ],
  ['hung-task', /INFO: task .* blocked for more than/],
  ['soft-lockup', /BUG: soft lockup/],
  ['workqueue-lockup', /BUG: workqueue lockup/],
  ['clocksource', /clocksource: (Long readout interval|timekeeping watchdog)/],
  ['hrtimer', /hrtimer: interrupt took/],
];

export function kernelComplaint(text: string): ComplaintKind | undefined {
  for (const [kind, pattern] of COMPLAINTS) if (pattern.test(text)) return kind;
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

/** Samples each side of a pause that the leap is read from. */
const BEFORE = 4;
const AFTER = 8;

/**
 * The guest's leap across a pause from `stopNs` to `contNs` (host monotonic). A sample's host
 * stamp is when its line reached the VMM, some time after the guest read its clock: a line the
 * guest wrote while its kernel was printing a stall report arrives seconds late. So each side's
 * offset between the host's clock and the guest's is taken from its sample with the smallest
 * one (the least delayed) among the last BEFORE samples before the stop and the first AFTER
 * after the cont; the leap is the pause minus how much that offset grew across it. A guest whose
 * clock ran on through the pause leaps by the pause, one held still by 0.
 */
export function guestLeap(samples: ClockSample[], stopNs: bigint, contNs: bigint): GuestLeap | undefined {
  const before = samples.filter((s) => s.hostNs <= stopNs).slice(-BEFORE);
  const after = samples.filter((s) => s.hostNs >= contNs).slice(0, AFTER);
  if (!before.length || !after.length) return undefined;
  const least = (list: ClockSample[], clock: 'monotonicNs' | 'realtimeNs'): ClockSample =>
    list.reduce((a, b) => (b.hostNs - b[clock] < a.hostNs - a[clock] ? b : a));
  const leap = (clock: 'monotonicNs' | 'realtimeNs'): bigint => {
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
