// The x86 kernel's complaints about time (the watchdogs'), in its own words: which lines of
// what the guest printed are complaints, and which of those are about a pause. Pure, so the
// unit tests feed it lines. The guest's clock lines and its leap are @kvm-tod/vmm-common's.
import { firstMatch } from '@kvm-tod/vmm-common';

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
  return firstMatch(COMPLAINTS, text);
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
