// Where a call's time goes, without any system call, measured on this machine:
//   - a bare Node-API call (plain C, then through node-addon-api as the addon does);
//   - each public function with the addon's native function swapped, on the object
//     lib/native.ts loaded, for the helper's call of the same shape (argument checks,
//     scratch words written, a Number returned) that issues no ioctl: what the
//     binding adds to any ioctl, all JavaScript of lib/ included;
//   - a whole hold and release through GuestClock over each device, the same way: the
//     JavaScript a stop/cont adds to its two ioctls;
//   - process.hrtime.bigint(), which GuestClock reads at each hold and release;
//   - a Node-API call that makes one cheap real system call (getppid) against the same
//     system call in a C loop: what a native call costs beside a system call, which
//     on some machines is far more than on its own (caches and TLB after a syscall);
//   - the design the addon avoids: the kvmclock result built as a fresh object with
//     BigInts in C++.
// The originals are put back before this returns.
'use strict';
const path = require('path');
const { compare, cost, consume } = require('./harness');

// KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC: what KVM_GET_CLOCK
// answers on a host with a stable TSC, so getKvmClock builds all four properties.
const KVMCLOCK_FLAGS = 2 | 4 | 8;
const FD = 7; // never used for a system call here

function overhead(kvm, helper, settings) {
  // TODO(#25): the raw binding is the library's internal dist/native.js, reached by path.
  const native = require(path.join(path.dirname(require.resolve('kvm-tod')), 'native.js'));
  const binding = native.binding;
  const names = ['getKvmClock', 'setKvmClock', 'getTod', 'setTod'];
  const saved = Object.fromEntries(names.map((n) => [n, binding[n]]));
  const common = { runs: settings.runs, targetMs: settings.callTargetMs, blocks: settings.blocks };
  const figures = {};

  figures['overhead.napiCallRaw'] = cost({
    ...common,
    what: 'a no-op Node-API function in plain C: the floor of any native call',
    loop: (n) => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) helper.noopRaw();
      return Number(process.hrtime.bigint() - t0);
    },
  });
  figures['overhead.napiCall'] = cost({
    ...common,
    what: 'a no-op Node-API function through node-addon-api (as every addon function is)',
    loop: (n) => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) helper.noop();
      return Number(process.hrtime.bigint() - t0);
    },
  });

  figures['overhead.hrtimeBigint'] = cost({
    ...common,
    what: 'process.hrtime.bigint(): GuestClock reads it at each hold and release',
    loop: (n) => {
      let acc = 0n;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) acc += process.hrtime.bigint();
      const ns = Number(process.hrtime.bigint() - t0);
      consume(acc & 1n);
      return ns;
    },
  });
  const beside = compare({
    ...common,
    ratioMax: Infinity,
    backend: 'none',
    what:
      'a Node-API call that makes one getppid() minus getppid() ' +
      'in a C loop: a native call beside a real system call',
    c: (n) => helper.syscallLoop(n),
    js: (n) => {
      let acc = 0;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) acc += helper.syscallOnce();
      const ns = Number(process.hrtime.bigint() - t0);
      consume(acc);
      return ns;
    },
  });
  figures['overhead.napiCallBesideSyscall'] = {
    kind: 'cost',
    what: beside.what,
    unit: 'ns per call',
    iterations: beside.iterations,
    runs: beside.runs,
    nsPerCall: beside.overheadNs,
    syscallNs: beside.c,
  };

  try {
    helper.useScratch(binding.scratch, KVMCLOCK_FLAGS);
    binding.getKvmClock = helper.getShape;
    binding.setKvmClock = helper.setShape;
    binding.getTod = helper.getShape;
    binding.setTod = helper.setShape;
    const { getKvmClock, setKvmClock, getTod, setTod } = kvm;
    const clock = 0x1234_5678_9abc_def0n;
    const tod = { high: 0, low: 0xe3a2_f330_2d70_5da5n };
    figures['overhead.getKvmClock'] = cost({
      ...common,
      what: `getKvmClock() without its ioctl (flags ${KVMCLOCK_FLAGS}: clock, flags, realtime, hostTsc)`,
      loop: (n) => {
        let acc = 0;
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < n; i++) acc += getKvmClock(FD).flags;
        const ns = Number(process.hrtime.bigint() - t0);
        consume(acc);
        return ns;
      },
    });
    figures['overhead.setKvmClock'] = cost({
      ...common,
      what: 'setKvmClock() without its ioctl',
      loop: (n) => {
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < n; i++) setKvmClock(FD, clock);
        return Number(process.hrtime.bigint() - t0);
      },
    });
    helper.useScratch(binding.scratch, 0); // the epoch index getTod returns
    figures['overhead.getTod'] = cost({
      ...common,
      what: 'getTod() without its ioctl',
      loop: (n) => {
        let acc = 0;
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < n; i++) acc += getTod(FD).high;
        const ns = Number(process.hrtime.bigint() - t0);
        consume(acc);
        return ns;
      },
    });
    figures['overhead.setTod'] = cost({
      ...common,
      what: 'setTod() without its ioctl',
      loop: (n) => {
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < n; i++) setTod(FD, tod);
        return Number(process.hrtime.bigint() - t0);
      },
    });
    const holdRelease = (device, what) => {
      const clock = new kvm.GuestClock(device, {
        warn: (w) => {
          throw w;
        },
        name: 'bench',
      });
      clock.vmStateChanged(true);
      return cost({
        ...common,
        what,
        loop: (n) => {
          const t0 = process.hrtime.bigint();
          for (let i = 0; i < n; i++) {
            clock.vmStateChanged(false);
            clock.vmStateChanged(true);
          }
          return Number(process.hrtime.bigint() - t0);
        },
      });
    };
    helper.useScratch(binding.scratch, KVMCLOCK_FLAGS);
    figures['overhead.holdReleaseKvmclock'] = holdRelease(
      new kvm.KvmClockDevice(FD),
      'GuestClock over KvmClockDevice: vmStateChanged(false) + (true) without their two ioctls',
    );
    helper.useScratch(binding.scratch, 0);
    figures['overhead.holdReleaseTod'] = holdRelease(
      new kvm.S390TodDevice(FD),
      'GuestClock over S390TodDevice: vmStateChanged(false) + (true) without their two ioctls',
    );
    helper.useScratch(binding.scratch, KVMCLOCK_FLAGS);
    figures['overhead.naiveObject'] = cost({
      ...common,
      what: 'the naive design: the getKvmClock result object and its BigInts built in C++ per call',
      loop: (n) => {
        let acc = 0;
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < n; i++) acc += helper.getShapeObject(FD).flags;
        const ns = Number(process.hrtime.bigint() - t0);
        consume(acc);
        return ns;
      },
    });
  } finally {
    Object.assign(binding, saved);
  }
  return figures;
}

module.exports = { overhead };
