// The s390x kernel's complaints about time, in its own words: which lines of what the guest
// printed are complaints. Pure, so the unit tests feed it lines. The guest's clock lines and
// its leap are @kvm-tod/vmm-common's.
import { firstMatch } from '@kvm-tod/vmm-common';

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
  return firstMatch(COMPLAINTS, text);
}
