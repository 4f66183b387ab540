// A Linux guest (Debian's 6.1 kernel, the project's initramfs) under the project's own
// Node VMM (vmm/linux/), across stop, a pause and cont: what the guest itself printed, its
// clocks and its kernel's watchdogs, without kvm-tod and with it. Each test boots its own
// guest; inside the KVM box a boot takes 30-60 s, so the pause is kept short
// (KVM_TOD_LINUX_PAUSE_MS, 15 s by default) but far beyond every watchdog threshold the
// guest is booted with (watchdog_thresh=1: soft lockup after 2 s; RCU stall after 3 s).
'use strict';
const assert = require('assert');
const { itKvm, kvm } = require('../helpers/kvm');

const PAUSE_MS = Number(process.env.KVM_TOD_LINUX_PAUSE_MS || 15000);
// The guest under load: a task that never sleeps and keeps RCU busy (vmm/linux/guest/init.c).
const settings = { tickMs: 250, busy: true, watchdogThresh: 1, rcuStallTimeout: 3 };

describe('Linux guest under the Node VMM: stop, a pause, cont', function () {
  this.timeout(10 * 60 * 1000);
  let files;
  let runStopCont;

  before(function () {
    if (!kvm.ok) return;
    ({ runStopCont } = require('../../dist/vmm/linux/stop-cont'));
    files = require('../../dist/vmm/linux/guest-files').guestFiles();
  });

  const run = (hold) => runStopCont({ ...files, hold, pauseMs: PAUSE_MS, settings });
  // Only what the kernel said about the pause: under the emulated TSC of the KVM box it also
  // marks the TSC unstable now and then, pause or not (vmm/linux/guest-output.ts).
  const aboutPause = (r) => r.kernelComplaints.filter((c) => c.aboutPause).map((c) => c.text);
  const show = (r) =>
    `leap ${r.leapMs.toFixed(1)} ms of ${r.pauseMs.toFixed(1)} ms; kernel said:\n${r.excerpt.join('\n')}`;

  itKvm("without kvm-tod: the guest's clocks leap by the pause, and its kernel notices", async () => {
    const r = await run('none');
    assert.strictEqual(r.clocksource, 'kvm-clock');
    assert.ok(Math.abs(r.leapMs - r.pauseMs) < 0.05 * r.pauseMs, show(r));
    assert.ok(Math.abs(r.realtimeLeapMs - r.pauseMs) < 0.05 * r.pauseMs, show(r));
    assert.ok(
      r.kernelComplaints.some((c) => c.aboutPause),
      `no complaint from the kernel; ${show(r)}`,
    );
  });

  itKvm(
    "kvm-tod 'freeze' with the pause notice: the clocks go on where they stopped, the kernel says nothing",
    async () => {
      const r = await run('freeze');
      assert.strictEqual(r.clocksource, 'kvm-clock');
      assert.ok(Math.abs(r.leapMs) < 0.05 * r.pauseMs, show(r));
      assert.ok(Math.abs(r.realtimeLeapMs) < 0.05 * r.pauseMs, show(r));
      assert.deepStrictEqual(aboutPause(r), [], show(r));
      assert.deepStrictEqual(r.warnings, []);
    },
  );

  itKvm(
    "kvm-tod 'catch-up' with the pause notice: the clocks catch up by the pause, the kernel says nothing",
    async () => {
      const r = await run('catch-up');
      assert.ok(Math.abs(r.leapMs - r.pauseMs) < 0.05 * r.pauseMs, show(r));
      assert.ok(Math.abs(r.realtimeLeapMs - r.pauseMs) < 0.05 * r.pauseMs, show(r));
      assert.deepStrictEqual(aboutPause(r), [], show(r));
      assert.deepStrictEqual(r.warnings, []);
    },
  );
});
