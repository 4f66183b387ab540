// The real /dev/kvm of an x86_64 host: VMs, capabilities, kvmclock, and the s390
// TOD calls answering ENOTTY on an x86 VM. Run inside the KVM box by `npm run test:kvm`.
'use strict';
const assert = require('assert');
const kvm = require('../..');
const { itKvm, withVm } = require('@kvm-tod/testkit/kvm');

const { sleep } = require('@kvm-tod/testkit/pause-jump');
const { askReadInstant, takeReadInstant } = require('../../dist/read-instant');
const native = require('../../dist/native');

describe('real /dev/kvm (x86_64)', () => {
  itKvm('opens /dev/kvm, reports API version 12, creates and closes a VM', () => {
    const kvmFd = kvm.openKvm();
    try {
      assert.strictEqual(kvm.getApiVersion(kvmFd), 12);
      const vmFd = kvm.createVm(kvmFd);
      assert.ok(Number.isInteger(vmFd) && vmFd > kvmFd);
      kvm.closeFd(vmFd);
      assert.throws(() => kvm.getKvmClock(vmFd), { code: 'EBADF' });
    } finally {
      kvm.closeFd(kvmFd);
    }
  });

  itKvm(
    "getKvmClock takes the instant of its read when asked (GuestClock's hold), on the host's monotonic clock",
    withVm((vmFd) => {
      const before = process.hrtime.bigint();
      askReadInstant();
      kvm.getKvmClock(vmFd);
      const taken = native.scratchHalves[8] === 2; // read-instant.ts: TAKEN, in scratch word 4
      const instant = takeReadInstant();
      const after = process.hrtime.bigint();
      assert.ok(taken, 'the addon took no instant');
      assert.ok(before <= instant && instant <= after, `${instant} is not within ${before}..${after}`);
    }),
  );

  itKvm(
    'KVM_CAP_ADJUST_CLOCK answers the kvmclock flags',
    withVm((vmFd, kvmFd) => {
      const flags = kvm.checkExtension(kvmFd, kvm.constants.KVM_CAP_ADJUST_CLOCK);
      assert.ok(flags > 0, `KVM_CAP_ADJUST_CLOCK = ${flags}`);
      assert.strictEqual(kvm.checkExtension(vmFd, kvm.constants.KVM_CAP_ADJUST_CLOCK), flags);
    }),
  );

  itKvm(
    'kvmclock reads advance with time',
    withVm(async (vmFd) => {
      const a = kvm.getKvmClock(vmFd);
      await sleep(200);
      const b = kvm.getKvmClock(vmFd);
      const ms = Number(b.clock - a.clock) / 1e6;
      assert.ok(ms > 150 && ms < 1000, `advanced ${ms} ms across 200 ms`);
      assert.strictEqual(typeof a.flags, 'number');
      if (a.flags & kvm.constants.KVM_CLOCK_REALTIME) assert.strictEqual(typeof a.realtime, 'bigint');
      else assert.strictEqual(a.realtime, undefined);
    }),
  );

  itKvm(
    'writing an earlier value rewinds the clock',
    withVm(async (vmFd) => {
      const before = kvm.getKvmClock(vmFd).clock;
      await sleep(200);
      kvm.setKvmClock(vmFd, before);
      const after = kvm.getKvmClock(vmFd).clock;
      const ms = Number(after - before) / 1e6;
      assert.ok(ms >= 0 && ms < 50, `after rewinding the clock is ${ms} ms past the written value`);
    }),
  );

  itKvm(
    's390 TOD calls on an x86 VM fail with KvmError ENOTTY',
    withVm((vmFd) => {
      const check = { name: 'KvmError', code: 'ENOTTY', errno: -25, syscall: 'ioctl', fd: vmFd };
      assert.throws(() => kvm.getTod(vmFd), {
        ...check,
        request: 'KVM_GET_DEVICE_ATTR',
        attribute: 'KVM_S390_VM_TOD_EXT',
      });
      assert.throws(() => kvm.setTod(vmFd, { high: 0, low: 1n }), { ...check, request: 'KVM_SET_DEVICE_ATTR' });
      assert.throws(() => kvm.hasTodAttribute(vmFd, 'low'), { ...check, request: 'KVM_HAS_DEVICE_ATTR' });
      assert.throws(() => kvm.probeTodExtension(vmFd), check);
    }),
  );

  itKvm('a /dev/kvm descriptor where a VM descriptor belongs is EINVAL (kvm_arch_dev_ioctl)', () => {
    const kvmFd = kvm.openKvm();
    try {
      assert.throws(() => kvm.getKvmClock(kvmFd), { code: 'EINVAL', request: 'KVM_GET_CLOCK' });
    } finally {
      kvm.closeFd(kvmFd);
    }
  });
});
