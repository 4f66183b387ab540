// The point of the library on a real VM: stop, wait 1 s, cont; with GuestClock the kvmclock
// moved by under 5 ms, without it by the whole second.
'use strict';
const assert = require('assert');
const kvm = require('../..');
const pauseJump = require('../helpers/pause-jump');
const { itKvm, withVm } = require('../helpers/kvm');

/** How far the guest clock moved (ms) across stop, a pause, and cont. */
function jumpAcrossPause(vmFd, useLibrary) {
  return pauseJump.jumpAcrossPause(new kvm.KvmClockDevice(vmFd), useLibrary, 1000);
}

describe('GuestClock on real kvmclock', () => {
  itKvm(
    'stop, 1 s, cont: under 5 ms (plus the control run) with the library, about 1 s without',
    withVm(async (vmFd) => {
      const control = await pauseJump.controlJumpMs(new kvm.KvmClockDevice(vmFd));
      const withLib = await jumpAcrossPause(vmFd, true);
      const without = await jumpAcrossPause(vmFd, false);
      const limit = pauseJump.heldLimitMs(control);
      assert.ok(withLib >= 0 && withLib < limit, `with the library the clock moved ${withLib} ms (limit ${limit} ms)`);
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
