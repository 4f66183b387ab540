// Reading what the guest printed: its own clock lines (vmm/linux/guest/init.c) and the
// kernel's complaints about time (the watchdogs'). Pure, so the unit tests feed it lines.

/** One "kvmtod-clock" line: the guest's CLOCK_REALTIME and CLOCK_MONOTONIC, in ns. */
export interface ClockSample {
  seq: number;
  realtimeNs: bigint;
  monotonicNs: bigint;
  /** The host's monotonic clock when the line's first byte reached the VMM. */
  hostNs: bigint;
}

/**
 * Any line with a clock reading in it, for waiting on a guest that runs: a kernel message
 * can share a console line with the guest's output (the console and the tty write the same
 * UART), and such a line proves the guest runs though parseClockLine rejects it (its host
 * stamp is the kernel's first byte, not the reading's).
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
  | 'soft-lockup'
  | 'hard-lockup'
  | 'rcu-stall'
  | 'clocksource-watchdog'
  | 'tsc-unstable'
  | 'hung-task'
  | 'workqueue-lockup'
  | 'hrtimer';

// The kernel's own words (Linux 6.1): kernel/watchdog.c, kernel/rcu/tree_stall.h,
// kernel/time/clocksource.c, arch/x86/kernel/tsc.c, kernel/hung_task.c,
// kernel/workqueue.c, kernel/time/hrtimer.c.
const COMPLAINTS: [ComplaintKind, RegExp][] = [
  ['soft-lockup', /BUG: soft lockup/],
  ['hard-lockup', /hard LOCKUP/],
  ['rcu-stall', /rcu: INFO: .*stall|rcu_\w+ kthread (timer wakeup didn't happen|starved)|rcu: .*detected stall/],
  // The watchdog saw an interval far longer than it sleeps: the pause itself.
  ['clocksource-watchdog', /clocksource: Long readout interval/],
  // Its verdict on the TSC's rate against kvm-clock. Under an emulated TSC (the KVM box) it
  // can come at any time, pause or not; its continuation lines are not complaints of their own.
  ['tsc-unstable', /clocksource: timekeeping watchdog on CPU\d+: Marking clocksource|Marking TSC unstable/],
  ['hung-task', /INFO: task .* blocked for more than/],
  ['workqueue-lockup', /BUG: workqueue lockup/],
  ['hrtimer', /hrtimer: interrupt took/],
];

export function kernelComplaint(text: string): ComplaintKind | undefined {
  for (const [kind, pattern] of COMPLAINTS) if (pattern.test(text)) return kind;
  return undefined;
}

/**
 * Whether a complaint is about a pause of `pauseMs`: the lockup, stall and hung-task
 * detectors only speak when time jumps past their thresholds (all far below a pause we
 * test); the clocksource watchdog's "Long readout interval" also fires once for any
 * interval above 1 s, so only one at least half the pause long counts; its TSC verdict and
 * the hrtimer's note are about an emulated TSC and a slow host, pause or not.
 */
export function aboutPause(kind: ComplaintKind, text: string, pauseMs: number): boolean {
  if (kind === 'tsc-unstable' || kind === 'hrtimer') return false;
  if (kind !== 'clocksource-watchdog') return true;
  const m = /cs_nsec: (\d+)/.exec(text);
  return m !== null && Number(m[1]) >= (pauseMs / 2) * 1e6;
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
