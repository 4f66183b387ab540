// Where a call's time goes, without any system call. This runs in the stand-in phase: the
// library ('kvm-tod', used by its name as any user does) has loaded the stand-in addon
// through KVM_TOD_ADDON, which is its own addon built from its own sources with ioctl()
// answered at once (native/standin.cc). So every figure here is exactly the library's code
// around the system call: its JavaScript, its Node-API calls, its argument checks, its
// scratch words, its BigInts.
//   - the floor: a bare Node-API call (plain C, then through node-addon-api as the addon's
//     functions were written);
//   - each public function, and a whole hold and release through GuestClock over each
//     device, as ratios to the node-addon-api call timed in adjacent blocks, with targets;
//   - the same hold and release over N VMs at once, per VM, as a ratio to one VM;
//   - process.hrtime.bigint(), a clock read from JavaScript;
//   - a Node-API call that makes one cheap real system call (getppid) against the same
//     system call in a C loop: what a native call costs beside a system call, which
//     on some machines is far more than on its own (caches and TLB after a syscall);
//   - the design the addon avoids: the kvmclock result built as a fresh object with
//     BigInts in C++.
'use strict';
const { compare, cost, costVsFloor, scalingVsOne, consume } = require('./harness');
const { WITHOUT_IOCTL_TARGETS } = require('./settings');

// What the stand-in answers KVM_GET_CLOCK: TSC_STABLE | REALTIME | HOST_TSC, what a host with
// a stable TSC answers, so getKvmClock builds all four properties.
const KVMCLOCK_FLAGS = 2 | 4 | 8;
// Descriptor numbers far above any open one: the stand-in never touches a descriptor, and a
// real kernel would answer EBADF, which is how the check below tells the two apart.
const FD = 1_000_000;

/** Throws unless the library runs the stand-in addon (a real kernel answers EBADF here). */
function assertStandIn(kvm) {
  let data;
  try {
    data = kvm.getKvmClock(FD);
  } catch (error) {
    throw new Error(`the library did not load the stand-in addon: getKvmClock(${FD}) threw ${error.message}`, {
      cause: error,
    });
  }
  if (data.flags !== KVMCLOCK_FLAGS) throw new Error(`the stand-in answered flags ${data.flags}`);
}

function overhead(kvm, helper, settings) {
  assertStandIn(kvm);
  const common = { runs: settings.runs, targetMs: settings.callTargetMs, blocks: settings.blocks };
  const { pairMs } = settings;
  const floor = (n) => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) helper.noop();
    return Number(process.hrtime.bigint() - t0);
  };
  const vsFloor = (ratioMax, what, loop) => costVsFloor({ ...common, pairMs, ratioMax, what, loop, floor });
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
    what: 'a no-op Node-API function through node-addon-api: the floor, which the targets are ratios to',
    loop: floor,
  });

  const { getKvmClock, setKvmClock, getTod, setTod } = kvm;
  const clock = 0x0006_2388_1234_5678n;
  const tod = { high: 0, low: 0xe3a2_f330_2d70_5da5n };
  const call = WITHOUT_IOCTL_TARGETS.call;
  figures['overhead.getKvmClock'] = vsFloor(
    call,
    `getKvmClock() without its ioctl (flags ${KVMCLOCK_FLAGS}: clock, flags, realtime, hostTsc)`,
    (n) => {
      let acc = 0;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) acc += getKvmClock(FD).flags;
      const ns = Number(process.hrtime.bigint() - t0);
      consume(acc);
      return ns;
    },
  );
  figures['overhead.setKvmClock'] = vsFloor(call, 'setKvmClock() without its ioctl', (n) => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) setKvmClock(FD, clock);
    return Number(process.hrtime.bigint() - t0);
  });
  figures['overhead.getTod'] = vsFloor(call, 'getTod() without its ioctl', (n) => {
    let acc = 0;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) acc += getTod(FD).high;
    const ns = Number(process.hrtime.bigint() - t0);
    consume(acc);
    return ns;
  });
  figures['overhead.setTod'] = vsFloor(call, 'setTod() without its ioctl', (n) => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) setTod(FD, tod);
    return Number(process.hrtime.bigint() - t0);
  });

  // GuestClocks as a VMM makes them (default policy 'freeze', no diagnostics subscriber),
  // running; any warning fails the figure.
  const warned = [];
  const runningClocks = (count, device) => {
    const clocks = [];
    for (let v = 0; v < count; v++) {
      const c = new kvm.GuestClock(device(FD + v), { warn: (w) => warned.push(w), name: `bench-${v}` });
      c.vmStateChanged(true);
      clocks.push(c);
    }
    return clocks;
  };
  const holdRelease = WITHOUT_IOCTL_TARGETS.holdRelease;
  for (const [id, device, what] of [
    ['overhead.holdReleaseKvmclock', (fd) => new kvm.KvmClockDevice(fd), 'KvmClockDevice'],
    ['overhead.holdReleaseTod', (fd) => new kvm.S390TodDevice(fd), 'S390TodDevice'],
  ]) {
    const [only] = runningClocks(1, device);
    figures[id] = vsFloor(
      holdRelease,
      `GuestClock over ${what}: vmStateChanged(false) + (true) without their two ioctls`,
      (n) => {
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < n; i++) {
          only.vmStateChanged(false);
          only.vmStateChanged(true);
        }
        return Number(process.hrtime.bigint() - t0);
      },
    );
  }
  // The same over N VMs held together, then released together (as scaling.js does with
  // real VMs), one VM being the same loop over one clock.
  for (const [id, device, what] of [
    ['overhead.scalingKvmclock', (fd) => new kvm.KvmClockDevice(fd), 'KvmClockDevice'],
    ['overhead.scalingTod', (fd) => new kvm.S390TodDevice(fd), 'S390TodDevice'],
  ]) {
    figures[id] = scalingVsOne({
      ...common,
      pairMs,
      counts: settings.scalingCounts,
      ratioMax: WITHOUT_IOCTL_TARGETS.scalingPerVm,
      what: `N GuestClocks over ${what}, all held then all released, without the ioctls: per VM, against one VM`,
      loopFor: (count) => {
        const clocks = runningClocks(count, device);
        return (n) => {
          const t0 = process.hrtime.bigint();
          for (let i = 0; i < n; i++) {
            for (const c of clocks) c.vmStateChanged(false);
            for (const c of clocks) c.vmStateChanged(true);
          }
          return Number(process.hrtime.bigint() - t0);
        };
      },
    });
  }
  if (warned.length) throw new Error(`GuestClock warned ${warned.length} times, first: ${warned[0].message}`);

  figures['overhead.hrtimeBigint'] = cost({
    ...common,
    what: 'process.hrtime.bigint(): a clock read from JavaScript',
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
  return figures;
}

module.exports = { overhead, KVMCLOCK_FLAGS };
