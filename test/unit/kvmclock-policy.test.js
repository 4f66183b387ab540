// The pause notice (KVMCLOCK_CTRL on resume) and kvmclock catch-up, without a VM: the
// failure paths on any host. The same on a real /dev/kvm: test/kvm/kvmclock-policy.test.js.
'use strict';
const assert = require('assert');
const fs = require('fs');
const kvm = require('../..');
const { collectWarnings } = require('@kvm-tod/testkit/counting-device');

describe('the pause notice and kvmclock catch-up, without a VM', () => {
  it(
    'a vCPU descriptor that fails KVMCLOCK_CTRL otherwise ' + 'gives one warning per resume, and every vCPU is tried',
    () => {
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
    },
  );

  it('the pause notice goes out on every resume after a pause, held or not, but not on a first start', () => {
    const { CountingDevice } = require('@kvm-tod/testkit/counting-device');
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
