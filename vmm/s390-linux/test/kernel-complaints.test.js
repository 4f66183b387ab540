// The s390x kernel's complaints about time (src/kernel-complaints.ts): no kernel, the lines
// are real ones, from the guest's console in the s390 box. The console's lines, the clock
// lines and the leap are @kvm-tod/vmm-common's (its own tests).
'use strict';
const assert = require('assert');
const { kernelComplaint } = require('../dist/kernel-complaints');

describe('s390-linux: the kernel complaints (no kernel)', () => {
  it('knows the s390 6.1 kernel complaints seen in the box', () => {
    const seen = {
      '[  134.548525] rcu: INFO: rcu_sched self-detected stall on CPU': 'rcu-stall',
      '[  154.844862] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:': 'rcu-stall',
      "[  134.553690] rcu: rcu_sched kthread timer wakeup didn't happen for 2505 jiffies! g4929 f0x0": 'rcu-stall',
      '[  154.845705] rcu: rcu_sched kthread starved for 2506 jiffies! g10185 f0x2 RCU_GP_WAIT_FQS(5)': 'rcu-stall',
      '[  200.1] INFO: task init:1 blocked for more than 5 seconds.': 'hung-task',
      '[  303.1] hrtimer: interrupt took 32306000 ns': 'hrtimer',
    };
    for (const [line, kind] of Object.entries(seen)) assert.strictEqual(kernelComplaint(line), kind, line);
    assert.strictEqual(kernelComplaint('[  144.269493] rcu: RCU grace-period kthread stack dump:'), undefined);
    assert.strictEqual(kernelComplaint('kvmtod-clock 1 2.000000000 3.000000000'), undefined);
  });
});
