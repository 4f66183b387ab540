// The point of the library on a real VM: stop, wait 1 s, cont; with GuestClock the kvmclock
// moved by under 5 ms, without it by the whole second.
'use strict';
const assert = require('assert');
const kvm = require('../..');
const pauseJump = require('@kvm-tod/testkit/pause-jump');
const { itKvm, withVm } = require('@kvm-tod/testkit/kvm');

describe('GuestClock on real kvmclock', () => {
  itKvm(
    'stop, 1 s, cont: under 5 ms (plus the control run) with the library, about 1 s without',
    withVm(async (vmFd) => {
      const device = new kvm.KvmClockDevice(vmFd);
      const control = await pauseJump.controlJumpMs(device);
      const held = await pauseJump.measureAcrossPause(device, 1000);
      const without = await pauseJump.jumpAcrossPause(device, false, 1000);
      const limit = pauseJump.heldLimitMs(control, held.unheldMs);
      assert.ok(
        held.jumpMs >= 0 && held.jumpMs < limit,
        `with the library the clock moved ${held.jumpMs} ms (limit ${limit} ms)`,
      );
      assert.ok(without > 950 && without < 2000, `without the library the clock moved ${without} ms`);
    }),
  );

  itKvm(
    'createGuestClock picks kvmclock on x64 and migrates between two VMs',
    withVm((srcFd, kvmFd) => {
      const dstFd = kvm.createVm(kvmFd);
      try {
        const src = kvm.createGuestClock(srcFd);
        const dst = kvm.createGuestClock(dstFd);
        assert.ok(src.device instanceof kvm.KvmClockDevice);
        src.vmStateChanged(true);
        src.vmStateChanged(false);
        const value = src.save();
        dst.load(value);
        assert.strictEqual(dst.held, true);
        dst.vmStateChanged(true);
        const ms = Number(kvm.getKvmClock(dstFd).clock - value) / 1e6;
        assert.ok(ms >= 0 && ms < 5, `destination is ${ms} ms past the migrated value`);
      } finally {
        kvm.closeFd(dstFd);
      }
    }),
  );
});
