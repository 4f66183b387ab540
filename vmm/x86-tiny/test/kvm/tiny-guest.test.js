// A real guest testifies: the tiny x86 guest (vmm/x86-tiny) runs under KVM_RUN and
// computes its own kvmclock from the pvclock area, as a Linux guest does. What it saw
// across running, stop/pause/cont and migration, with kvm-tod holding its clock and
// with a VMM that does not. Bounds are relative to the host's own time over the same
// interval, and wide: inside the KVM box everything is emulated.
'use strict';
const assert = require('assert');
const diagnostics_channel = require('diagnostics_channel');
const kvmTod = require('kvm-tod');
const { kvm, itKvm } = require('@kvm-tod/testkit/kvm');
const tiny = require('../..');

const PAUSE_MS = 1000;
const ms = (ns) => Number(ns) / 1e6;
const { sleep } = require('@kvm-tod/testkit/pause-jump');

/** The guest's jump over the host's time for the same interval, in words for a failure. */
const describe_ = (o) => `guest saw ${ms(o.guestJumpNs).toFixed(2)} ms over ${ms(o.hostNs).toFixed(2)} ms of host time`;

/** Within `fraction` of the host's time over the same interval: the clock ran. */
function assertRanWithHost(o, fraction = 0.15) {
  const ratio = Number(o.guestJumpNs) / Number(o.hostNs);
  assert.ok(Math.abs(ratio - 1) <= fraction, `${o.scenario}: ${describe_(o)} (ratio ${ratio.toFixed(3)})`);
}

// Held: not backwards, and under 5% of the pause. A migration's destination also pays its
// vCPU's first KVM_RUN (a cold vCPU: its first entry sets up its MMU and maps the guest's
// pages) between the write-back and the guest's first rdtsc: the guest rightly counts that
// as running time, tens of ms in the emulated box, a few µs on a host. So a migration is
// judged against a control: the same migration with no pause at all, its cost counted
// twice (it varies from run to run), beside the 5% of the pause.
const HELD_FRACTION = 0.05;
const isMigration = (scenario) => scenario.endsWith('-migration');

async function heldLimitMs(scenario) {
  if (!isMigration(scenario)) return HELD_FRACTION * PAUSE_MS;
  const control = await tiny.observeGuestScenario(scenario, { library: true, pauseMs: 0 });
  assert.deepStrictEqual(control.warnings, []);
  return HELD_FRACTION * PAUSE_MS + 2 * Math.max(0, ms(control.guestJumpNs));
}

const heldOk = (o, limitMs) => o.guestJumpNs >= 0n && ms(o.guestJumpNs) < limitMs && ms(o.hostNs) >= PAUSE_MS;

/**
 * A run with kvm-tod in which the guest saw little of the pause (heldLimitMs), and not
 * backwards. An emulator stall between the write-back and the guest's next rdtsc is
 * counted by the guest too (it happens: the box is emulated and its host is shared), so up
 * to three runs, each with its own control; a hold that does not work shows in every run
 * as the whole pause.
 */
async function observeHeld(scenario) {
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const limitMs = await heldLimitMs(scenario);
    const o = await tiny.observeGuestScenario(scenario, { library: true, pauseMs: PAUSE_MS });
    assert.deepStrictEqual(o.warnings, []);
    if (heldOk(o, limitMs)) return o;
    runs.push(`${describe_(o)} (limit ${limitMs.toFixed(2)} ms)`);
  }
  assert.fail(`${scenario}: no run under its limit: ${runs.join('; ')}`);
}

const heldTitle = (scenario) =>
  isMigration(scenario)
    ? `under 5% of the 1 s pause, beyond what the same migration costs without a pause`
    : 'under 5% of the 1 s pause';

describe('tiny guest on real KVM: what the guest itself sees', function () {
  this.timeout(120000);

  before(async function () {
    if (!kvm.ok) return;
    // Inside the KVM box the first VM runs of a boot are slow (TCG translating the
    // kernel's SVM paths for the first time): a short throwaway run first, so the
    // measured runs see the steady state.
    await tiny.observeGuestScenario('live-migration', { pauseMs: 20 });
  });

  itKvm(
    'the guest enables kvmclock and reports its TSC; its clock tracks host time within 15% over 500 ms',
    async () => {
      const vmm = new tiny.TinyVmm();
      try {
        const first = vmm.cont();
        assert.ok(first.version > 0 && first.version % 2 === 0, `pvclock version ${first.version}`);
        await sleep(500);
        const last = vmm.observe();
        assert.ok(last.tsc > first.tsc, 'the guest TSC moves on');
        assertRanWithHost({
          scenario: 'running',
          guestJumpNs: last.kvmclockNs - first.kvmclockNs,
          hostNs: last.hostNs - first.hostNs,
        });
        assert.ok(vmm.reports.length > 5, `the run loop let the guest report ${vmm.reports.length} times`);
      } finally {
        vmm.close();
      }
    },
  );

  for (const scenario of tiny.GUEST_SCENARIOS) {
    const runs = scenario === 'simple-start';
    const sees = runs ? 'its clock run with the host' : heldTitle(scenario);
    itKvm(`${scenario}, with kvm-tod: the guest sees ${sees}`, async () => {
      if (runs) {
        const o = await tiny.observeGuestScenario(scenario, { library: true, pauseMs: PAUSE_MS });
        assert.deepStrictEqual(o.warnings, []);
        assertRanWithHost(o);
      } else {
        await observeHeld(scenario);
      }
    });

    itKvm(
      `${scenario}, without kvm-tod: the guest sees about the whole ${runs ? 'run' : 'pause'} (within 15%)`,
      async () => {
        const o = await tiny.observeGuestScenario(scenario, { library: false, pauseMs: PAUSE_MS });
        assert.ok(ms(o.hostNs) >= PAUSE_MS);
        assertRanWithHost(o);
      },
    );
  }

  for (const scenario of ['live-migration', 'offline-migration']) {
    itKvm(
      `${scenario}: the destination guest continues from the source guest's time, not from its own VM's`,
      async () => {
        const o = await observeHeld(scenario);
        // A VM's kvmclock starts near 0 when it is created: had the clock not been
        // migrated, the destination guest would read less than the source did.
        assert.ok(
          o.last.kvmclockNs >= o.first.kvmclockNs,
          `destination ${o.last.kvmclockNs} ns < source ${o.first.kvmclockNs} ns`,
        );
      },
    );
  }

  itKvm('stop, stop, stop, pause, cont, cont, cont: kvm-tod reads the clock once and writes it once', async () => {
    const events = { hold: 0, release: 0 };
    const onHold = () => events.hold++;
    const onRelease = () => events.release++;
    diagnostics_channel.subscribe(kvmTod.Channels.HOLD, onHold);
    diagnostics_channel.subscribe(kvmTod.Channels.RELEASE, onRelease);
    try {
      const o = await tiny.observeGuestScenario('stop-cont', { library: true, pauseMs: PAUSE_MS });
      assert.ok(o.guestJumpNs < o.hostNs / 2n, describe_(o));
    } finally {
      diagnostics_channel.unsubscribe(kvmTod.Channels.HOLD, onHold);
      diagnostics_channel.unsubscribe(kvmTod.Channels.RELEASE, onRelease);
    }
    assert.deepStrictEqual(events, { hold: 1, release: 1 });
  });

  itKvm(
    'the pause notice reaches the guest: PVCLOCK_GUEST_STOPPED (0x02) after cont with kvm-tod, not before nor without',
    async () => {
      const withLibrary = await tiny.observeGuestScenario('stop-cont', { library: true, pauseMs: PAUSE_MS });
      assert.strictEqual(withLibrary.first.flags & tiny.PVCLOCK_GUEST_STOPPED, 0, 'not set before the pause');
      assert.strictEqual(withLibrary.pauseNoticed, true, `flags after cont: 0x${withLibrary.last.flags.toString(16)}`);
      const without = await tiny.observeGuestScenario('stop-cont', { library: false, pauseMs: PAUSE_MS });
      assert.strictEqual(
        without.pauseNoticed,
        false,
        `flags after cont without kvm-tod: 0x${without.last.flags.toString(16)}`,
      );
    },
  );

  itKvm('the run loop tells the GuestClock: held while stopped, released when running, no warning', async () => {
    const warnings = [];
    const vmm = new tiny.TinyVmm({ clock: { warn: (w) => warnings.push(w.message) } });
    try {
      assert.strictEqual(vmm.clock.held, false, 'a new VM is not held');
      vmm.cont();
      assert.strictEqual(vmm.clock.running, true);
      const last = vmm.stop();
      assert.strictEqual(vmm.clock.held, true);
      assert.strictEqual(vmm.clock.heldValue >= last.kvmclockNs, true, "held at or after the guest's last report");
      assert.throws(() => vmm.observe(), { code: 'ERR_TINY_VM_STOPPED' });
      vmm.cont();
      assert.strictEqual(vmm.clock.held, false);
    } finally {
      vmm.close();
    }
    assert.deepStrictEqual(warnings, []);
  });

  itKvm('a closed VM: its run is refused (ERR_TINY_VM_CLOSED), and its vCPU descriptor answers EBADF', () => {
    const vm = tiny.TinyVm.create();
    const runPage = tiny.tinyVmm().mapRun(vm.kvmFd, vm.vcpuFd);
    const vcpuFd = vm.vcpuFd;
    vm.nextReport();
    vm.close();
    vm.close(); // idempotent
    assert.throws(() => vm.nextReport(), { code: 'ERR_TINY_VM_CLOSED' });
    assert.throws(
      () => tiny.tinyVmm().run(vcpuFd, runPage),
      (e) => e instanceof kvmTod.KvmError && e.code === 'EBADF' && e.request === 'KVM_RUN',
    );
  });

  itKvm('a bad guest exit is an error with the exit reason, not a hang: a guest that halts', () => {
    const vm = tiny.TinyVm.create();
    try {
      // Overwrite the first instruction with hlt (0xf4): KVM_EXIT_HLT, not a report.
      new Uint8Array(vm.guestMemory.buffer, tiny.ENTRY, 1)[0] = 0xf4;
      assert.throws(
        () => vm.nextReport(),
        (e) => e.code === 'ERR_TINY_GUEST_EXIT' && /reason 5\b/.test(e.message),
      );
    } finally {
      vm.close();
    }
  });
});
