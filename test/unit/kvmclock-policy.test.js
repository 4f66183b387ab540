// kvmclock under the policies, KVMCLOCK_CTRL on resume: on the real /dev/kvm where
// there is one; the failure paths of the pause notice on any host.
'use strict';
const assert = require('assert');
const fs = require('fs');
const kvm = require('../..');
const { itKvm, withVm } = require('../helpers/kvm');
const { collectWarnings } = require('../helpers/counting-device');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

describe('kvmclock policies and the pause notice', () => {
  async function jump(vmFd, policy, pauseMs) {
    const device = new kvm.KvmClockDevice(vmFd);
    const clock = new kvm.GuestClock(device, { policy, warn: (w) => assert.fail(w.message) });
    clock.vmStateChanged(true);
    const atStop = device.read();
    clock.vmStateChanged(false);
    await sleep(pauseMs);
    clock.vmStateChanged(true);
    return Number(device.read() - atStop) / 1e6;
  }

  itKvm(
    'freeze vs catch-up across a 1 s pause: ~0 vs ~1 s',
    withVm(async (vmFd) => {
      const frozen = await jump(vmFd, 'freeze', 1000);
      const caught = await jump(vmFd, 'catch-up', 1000);
      assert.ok(frozen >= 0 && frozen < 5, `freeze: ${frozen} ms`);
      assert.ok(caught > 990 && caught < 1100, `catch-up: ${caught} ms`);
    }),
  );

  itKvm(
    'a function policy switches at its threshold',
    withVm(async (vmFd) => {
      const policy = kvm.catchUpAfter(500_000_000n);
      const short = await jump(vmFd, policy, 100);
      const long = await jump(vmFd, policy, 700);
      assert.ok(short < 5, `100 ms pause: ${short} ms`);
      assert.ok(long > 690 && long < 800, `700 ms pause: ${long} ms`);
    }),
  );

  itKvm(
    'KVMCLOCK_CTRL on a real vCPU: EINVAL (no kvmclock in the guest yet) is ignored',
    withVm((vmFd) => {
      const vcpuFd = kvm.createVcpu(vmFd, 0);
      try {
        assert.throws(() => kvm.kvmclockCtrl(vcpuFd), { code: 'EINVAL', request: 'KVM_KVMCLOCK_CTRL' });
        const device = new kvm.KvmClockDevice(vmFd);
        device.addVcpu(vcpuFd);
        const { warnings, warn } = collectWarnings();
        const clock = new kvm.GuestClock(device, { warn });
        clock.vmStateChanged(true);
        clock.vmStateChanged(false);
        clock.vmStateChanged(true);
        assert.deepStrictEqual(warnings, []);
      } finally {
        kvm.closeFd(vcpuFd);
      }
    }),
  );

  it('a vCPU descriptor that fails KVMCLOCK_CTRL otherwise gives one warning per resume, and every vCPU is tried', () => {
    const notKvm = fs.openSync('/dev/null', 'r');
    const closed = fs.openSync('/dev/null', 'r'); // a different number while notKvm is open
    fs.closeSync(closed);
    try {
      const device = new kvm.KvmClockDevice(0);
      device.read = () => 1n; // no VM needed for the notice path
      device.write = () => {};
      device.addVcpu(closed);
      device.addVcpu(notKvm);
      const { warnings, warn } = collectWarnings();
      const clock = new kvm.GuestClock(device, { warn });
      clock.vmStateChanged(true);
      clock.vmStateChanged(false);
      clock.vmStateChanged(true);
      assert.strictEqual(warnings.length, 1);
      assert.strictEqual(warnings[0].code, 'KVM_TOD_PAUSE_NOTICE_FAILED');
      assert.ok(warnings[0].cause instanceof AggregateError);
      assert.deepStrictEqual(warnings[0].cause.errors.map((e) => e.code).sort(), ['EBADF', 'ENOTTY']);
      device.removeVcpu(closed);
      clock.vmStateChanged(false);
      clock.vmStateChanged(true);
      assert.strictEqual(warnings[1].cause.code, 'ENOTTY');
    } finally {
      fs.closeSync(notKvm);
    }
  });

  it('the pause notice goes out on every resume after a pause, held or not, but not on a first start', () => {
    const { CountingDevice } = require('../helpers/counting-device');
    const device = new CountingDevice();
    let notices = 0;
    device.resumed = () => notices++;
    const clock = new kvm.GuestClock(device, { warn: () => {} });
    clock.vmStateChanged(true);
    assert.strictEqual(notices, 0, 'a first start follows no pause');
    clock.vmStateChanged(false);
    clock.vmStateChanged(true);
    assert.strictEqual(notices, 1);
    device.failRead = 'EIO'; // the hold fails: the guest is still paused
    clock.vmStateChanged(false);
    clock.vmStateChanged(true);
    assert.strictEqual(notices, 2);
    device.failRead = null;
    device.failWrite = 'EIO'; // the restore fails: still paused
    clock.vmStateChanged(false);
    clock.vmStateChanged(true);
    clock.vmStateChanged(true); // not a change
    assert.strictEqual(notices, 3);
    const destination = new CountingDevice();
    let destinationNotices = 0;
    destination.resumed = () => destinationNotices++;
    const incoming = new kvm.GuestClock(destination);
    incoming.load(5n);
    incoming.vmStateChanged(true);
    assert.strictEqual(destinationNotices, 1, 'a migrated guest was paused too');
  });

  it('catch-up on kvmclock without KVM_CLOCK_REALTIME adds the held time in userspace', () => {
    const device = new kvm.KvmClockDevice(0);
    assert.strictEqual(device.advance(10n, 5n), 15n);
    assert.strictEqual(device.writeCaughtUp(10n), false); // nothing read yet: no realtime pairing
  });
});
