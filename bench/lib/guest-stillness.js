// Stillness as a guest sees it: the tiny x86 guest (vmm/x86-tiny) reads its own kvmclock
// just before stop and just after cont, each cycle on one VM held by kvm-tod and on one
// without it. In ms: what the guest saw, the VMM's own steps between its two looks
// (hold, write-back, KVMCLOCK_CTRL, entering KVM_RUN) included.
'use strict';
const { median, percentile, round } = require('./stats');
const { sleepMs } = require('./harness');

const PAUSE_MS = 20;

function loadTiny() {
  try {
    const tiny = require('@kvm-tod/vmm-x86-tiny');
    const raw = tiny.loadTinyVmm();
    return raw instanceof Error ? { reason: raw.message } : { tiny };
  } catch (error) {
    return { reason: `the tiny VMM is not built: ${error.message.split('\n')[0]}` };
  }
}

/** The guest-observed figure, or { skipped } with the reason. */
function guestStillness(kvm, { settings }) {
  const { tiny, reason } = loadTiny();
  if (!tiny) return { skipped: reason };
  const cycles = Math.min(settings.stillCycles, 100);
  const ms = (later, earlier) => Number(later.kvmclockNs - earlier.kvmclockNs) / 1e6;
  const warnings = [];
  const vm = tiny.TinyVm.create();
  let control;
  try {
    control = tiny.TinyVm.create();
    const clock = kvm.createKvmClock(vm.vmFd, {
      name: 'bench-guest',
      vcpus: [vm.vcpuFd],
      warn: (w) => warnings.push(w),
    });
    clock.vmStateChanged(true);
    // Warm-up: a vCPU's first runs set up its MMU; the JIT compiles the path.
    for (let i = 0; i < 5; i++) {
      vm.nextReport();
      clock.vmStateChanged(false);
      clock.vmStateChanged(true);
      control.nextReport();
    }
    const withLib = [];
    const without = [];
    for (let i = 0; i < cycles; i++) {
      const a = vm.nextReport();
      clock.vmStateChanged(false);
      sleepMs(PAUSE_MS);
      clock.vmStateChanged(true);
      withLib.push(ms(vm.nextReport(), a));
      const c = control.nextReport();
      sleepMs(PAUSE_MS);
      without.push(ms(control.nextReport(), c));
    }
    if (warnings.length)
      return { skipped: `GuestClock warned ${warnings.length} times, first: ${warnings[0].message}` };
    return {
      guest: 'tiny x86 real-mode guest, its own kvmclock from the pvclock area',
      cycles,
      pauseMs: PAUSE_MS,
      withLibraryMs: {
        median: round(median(withLib), 3),
        p99: round(percentile(withLib, 99), 3),
        worst: round(Math.max(...withLib), 3),
      },
      withoutLibraryMs: { median: round(median(without), 3) },
    };
  } finally {
    vm.close();
    if (control) control.close();
  }
}

module.exports = { guestStillness };
