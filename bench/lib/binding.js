// Binding overhead: each public call from JavaScript, as a user calls it, against
// the same ioctl in the helper's C loop, on the same VM descriptor.
'use strict';
const { compare, consume } = require('./harness');
const { REAL_IOCTL_TARGETS } = require('./settings');

const RATIO_MAX = REAL_IOCTL_TARGETS.call;

/** getKvmClock and setKvmClock on a kvmclock VM (x86 /dev/kvm). */
function kvmclockBinding(kvm, helper, vmFd, settings) {
  const { getKvmClock, setKvmClock } = kvm;
  const clock = getKvmClock(vmFd).clock;
  const common = {
    runs: settings.runs,
    targetMs: settings.callTargetMs,
    blocks: settings.blocks,
    ratioMax: RATIO_MAX,
    backend: 'kvm',
  };
  return {
    'binding.getKvmClock': compare({
      ...common,
      what: 'getKvmClock(vmFd) vs KVM_GET_CLOCK in C',
      c: (n) => helper.getClockLoop(vmFd, n),
      js: (n) => {
        let acc = 0;
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < n; i++) acc += getKvmClock(vmFd).flags;
        const ns = Number(process.hrtime.bigint() - t0);
        consume(acc);
        return ns;
      },
    }),
    'binding.setKvmClock': compare({
      ...common,
      what: 'setKvmClock(vmFd, clock) vs KVM_SET_CLOCK in C',
      c: (n) => helper.setClockLoop(vmFd, n, clock),
      js: (n) => {
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < n; i++) setKvmClock(vmFd, clock);
        return Number(process.hrtime.bigint() - t0);
      },
    }),
  };
}

/** getTod and setTod on an s390 VM (the kernel double, or a real s390x /dev/kvm). */
function todBinding(kvm, helper, vmFd, settings, backend) {
  const { getTod, setTod } = kvm;
  const tod = getTod(vmFd);
  const common = {
    runs: settings.runs,
    targetMs: settings.callTargetMs,
    blocks: settings.blocks,
    ratioMax: RATIO_MAX,
    backend,
  };
  return {
    'binding.getTod': compare({
      ...common,
      what: 'getTod(vmFd) vs KVM_GET_DEVICE_ATTR of KVM_S390_VM_TOD_EXT in C',
      c: (n) => helper.getTodLoop(vmFd, n),
      js: (n) => {
        let acc = 0;
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < n; i++) acc += getTod(vmFd).high;
        const ns = Number(process.hrtime.bigint() - t0);
        consume(acc);
        return ns;
      },
    }),
    'binding.setTod': compare({
      ...common,
      what: 'setTod(vmFd, tod) vs KVM_SET_DEVICE_ATTR of KVM_S390_VM_TOD_EXT in C',
      c: (n) => helper.setTodLoop(vmFd, n, tod.high, tod.low),
      js: (n) => {
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < n; i++) setTod(vmFd, tod);
        return Number(process.hrtime.bigint() - t0);
      },
    }),
  };
}

module.exports = { kvmclockBinding, todBinding };
