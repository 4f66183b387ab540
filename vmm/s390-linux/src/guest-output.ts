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
  /** The last sample before the stop and the first after the cont. */
  before: ClockSample;
  after: ClockSample;
}

/**
 * The guest's leap across a pause from `stopNs` to `contNs` (host monotonic): between the
 * last sample before and the first after, the guest ran for the host time between them
 * minus the pause, and any movement of its clocks beyond that is the leap.
 */
export function guestLeap(samples: ClockSample[], stopNs: bigint, contNs: bigint): GuestLeap | undefined {
  let before: ClockSample | undefined;
  let after: ClockSample | undefined;
  for (const s of samples) {
    if (s.hostNs <= stopNs) before = s;
    else if (s.hostNs >= contNs && after === undefined) after = s;
  }
  if (!before || !after) return undefined;
  const ran = after.hostNs - before.hostNs - (contNs - stopNs);
  return {
    monotonicLeapNs: after.monotonicNs - before.monotonicNs - ran,
    realtimeLeapNs: after.realtimeNs - before.realtimeNs - ran,
    before,
    after,
  };
}
