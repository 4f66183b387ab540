// A Linux guest (Debian's 6.1 kernel, the project's initramfs) under the project's own
// Node VMM (vmm/linux/), across stop, a pause and cont: what the guest itself printed, its
// clocks and its kernel's watchdogs, without kvm-tod and with it. Each test boots its own
// guest; inside the KVM box a boot takes 30-60 s, so the pause is kept short
// (KVM_TOD_LINUX_PAUSE_MS, 15 s by default) but far beyond every watchdog threshold the
// guest is booted with (watchdog_thresh=1: soft lockup after 2 s; RCU stall after 3 s).
'use strict';
const assert = require('assert');
const { itKvm, kvm } = require('@kvm-tod/testkit/kvm');

const PAUSE_MS = Number(process.env.KVM_TOD_LINUX_PAUSE_MS || 15000);
// The guest under load: a task that never sleeps and keeps RCU busy (vmm/linux/guest/init.c).
const settings = { tickMs: 250, busy: true, watchdogThresh: 1, rcuStallTimeout: 3 };

describe('Linux guest under the Node VMM: stop, a pause, cont', function () {
  this.timeout(10 * 60 * 1000);
  let files;
  let runStopCont;

  before(function () {
    if (!kvm.ok) return;
    ({ runStopCont } = require('../../dist/stop-cont'));
    files = require('../../dist/guest-files').guestFiles();
  });

  const run = (hold) => runStopCont({ ...files, hold, pauseMs: PAUSE_MS, settings });
  // Only what the kernel said about the pause: under the emulated TSC of the KVM box it also
  // marks the TSC unstable now and then, pause or not (vmm/linux/src/kernel-complaints.ts).
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

// The QEMU commit's four test scenarios, each read from what the guest printed, in one boot
// per case (vmm/linux/qemu-scenarios.ts): a simple start, stop/cont repeated, a live
// migration to a second VM and an offline migration from there to a third. The guest moves
// with its RAM and its KVM state (vmm/linux/migrate.ts); its clock with the library's
// sections, or without the library not at all. Each pause and downtime is MIGRATION_PAUSE_MS.
const MIGRATION_PAUSE_MS = Number(process.env.KVM_TOD_LINUX_MIGRATION_PAUSE_MS || 10000);

describe("Linux guest under the Node VMM: the QEMU commit's four scenarios", function () {
  this.timeout(10 * 60 * 1000);
  const results = {};
  const ran = (hold) =>
    async function () {
      if (!kvm.ok) return;
      const { runQemuScenarios } = require('../../dist/qemu-scenarios');
      const files = require('../../dist/guest-files').guestFiles();
      results[hold] = await runQemuScenarios({ ...files, hold, pauseMs: MIGRATION_PAUSE_MS, settings });
    };
  const show = (s) =>
    `leap ${s.leapMs.toFixed(1)} ms of ${s.pauseMs.toFixed(1)} ms (own clock ${s.ownClockLeapMs.toFixed(1)} ms); ` +
    `calls ${JSON.stringify(s.calls)}; the guest printed:\n${s.excerpt.join('\n')}`;
  const aboutIt = (s) => s.kernelComplaints.filter((c) => c.aboutPause).map((c) => c.text);
  const within = (value, target, of) => Math.abs(value - target) < 0.05 * of;

  describe("with kvm-tod 'freeze' and the pause notice", function () {
    before(ran('freeze'));
    const r = () => results.freeze;

    itKvm("simple start: the guest's clocks run with the host's, and the library reads and writes nothing", () => {
      const { simpleStart: s, clocksource } = r();
      assert.strictEqual(clocksource, 'kvm-clock');
      assert.ok(Math.abs(s.rateError) < 0.05, JSON.stringify(s));
      assert.ok(Math.abs(s.realtimeOffsetMs) < 2000, JSON.stringify(s)); // the CMOS clock has whole seconds
      assert.deepStrictEqual(s.calls, { reads: 0, writes: 0 });
    });

    itKvm('stop, stop, a pause, cont, cont: the clocks go on where they stopped; one read, one write', () => {
      const s = r().stopCont;
      assert.ok(within(s.leapMs, 0, s.pauseMs), show(s));
      assert.ok(within(s.realtimeLeapMs, 0, s.pauseMs), show(s));
      assert.deepStrictEqual(s.calls, { source: { reads: 1, writes: 1 } });
      assert.deepStrictEqual(aboutIt(s), [], show(s));
      assert.ok(s.linesAfter > 0, show(s));
    });

    itKvm("live migration: on the destination the guest goes on from the source's time", () => {
      const s = r().liveMigration;
      assert.ok(s.linesAfter > 0, `the guest did not run on the destination; ${show(s)}`);
      assert.ok(within(s.leapMs, 0, s.pauseMs), show(s));
      assert.ok(within(s.realtimeLeapMs, 0, s.pauseMs), show(s));
      assert.deepStrictEqual(s.calls.destination, { reads: 0, writes: 2 }, show(s)); // at load, at start
      assert.deepStrictEqual(aboutIt(s), [], show(s));
    });

    itKvm('offline migration: the value held at stop goes on at cont on the destination', () => {
      const s = r().offlineMigration;
      assert.ok(s.linesAfter > 0, `the guest did not run on the destination; ${show(s)}`);
      assert.ok(within(s.leapMs, 0, s.pauseMs), show(s));
      assert.ok(within(s.realtimeLeapMs, 0, s.pauseMs), show(s));
      // The source reads once, at stop (the save sends that value); the destination writes
      // at load and at cont.
      assert.deepStrictEqual(
        s.calls,
        { destination: { reads: 1, writes: 0 }, 'offline destination': { reads: 0, writes: 2 } },
        show(s),
      );
      assert.deepStrictEqual(aboutIt(s), [], show(s));
      assert.deepStrictEqual(r().warnings, []);
    });
  });

  describe('without kvm-tod', function () {
    before(ran('none'));
    const r = () => results.none;

    itKvm("simple start: the guest's clocks run with the host's", () => {
      const { simpleStart: s } = r();
      assert.ok(Math.abs(s.rateError) < 0.05, JSON.stringify(s));
      assert.ok(Math.abs(s.realtimeOffsetMs) < 2000, JSON.stringify(s));
    });

    itKvm('stop, stop, a pause, cont, cont: the clocks leap by the pause', () => {
      const s = r().stopCont;
      assert.ok(within(s.leapMs, s.pauseMs, s.pauseMs), show(s));
    });

    for (const [key, title] of [
      ['liveMigration', 'live migration'],
      ['offlineMigration', 'offline migration'],
    ]) {
      itKvm(`${title}: the guest runs on the destination's own kvmclock and leaps`, () => {
        const s = r()[key];
        assert.ok(s.linesAfter > 0, `the guest did not run on the destination; ${show(s)}`);
        // The destination's kvmclock ran all the while (and from its own VM's creation):
        // the guest leaps by the downtime and by how far that clock was ahead of the source's.
        assert.ok(s.leapMs > 0.5 * s.pauseMs, show(s));
        assert.ok(within(s.leapMs, s.ownClockLeapMs, s.pauseMs), show(s));
      });
    }
  });
});
