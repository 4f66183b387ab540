// Each ioctl behind createKvmClock / createTodClock failing for real (a descriptor that is
// not KVM's: ENOTTY; one that is closed: EBADF), as a user meets it: the state hook and
// saveClockSection warn and go on, loadClockSection fails and changes nothing, the pause
// notice warns once per resume after every vCPU was tried.
'use strict';
const assert = require('assert');
const fs = require('fs');
const kvm = require('../..');
const { collectWarnings } = require('@kvm-tod/testkit/counting-device');

const { WarningCodes } = kvm;

describe('clock ioctls that fail (createKvmClock, createTodClock on descriptors that are not a VM)', () => {
  let devNull;
  let closed;
  beforeEach(() => {
    devNull = fs.openSync('/dev/null', 'r');
    closed = fs.openSync('/dev/null', 'r');
    fs.closeSync(closed);
  });
  afterEach(() => fs.closeSync(devNull));

  it('KVM_GET_CLOCK fails at stop: KVM_TOD_HOLD_FAILED, not held; saveClockSection sends "missing" and warns', () => {
    const { warnings, warn } = collectWarnings();
    const clock = kvm.createKvmClock(devNull, { warn });
    clock.vmStateChanged(true);
    clock.vmStateChanged(false);
    assert.strictEqual(clock.held, false);
    const bytes = kvm.saveClockSection(clock);
    assert.deepStrictEqual(kvm.decodeKvmClockSection(bytes), { clock: null });
    assert.deepStrictEqual(
      warnings.map((w) => [w.code, w.cause.code, w.cause.request]),
      [
        [WarningCodes.HOLD_FAILED, 'ENOTTY', 'KVM_GET_CLOCK'],
        [WarningCodes.NOT_MIGRATED, 'ENOTTY', 'KVM_GET_CLOCK'],
      ],
    );
  });

  it('KVM_SET_CLOCK fails at load: loadClockSection throws the KvmError and the clock stays as it was', () => {
    const clock = kvm.createKvmClock(closed, { warn: () => assert.fail('no warning: the load fails') });
    assert.throws(() => kvm.loadClockSection(clock, kvm.encodeKvmClockSection(1n, kvm.hostUnixNs())), {
      name: 'KvmError',
      code: 'EBADF',
      request: 'KVM_SET_CLOCK',
    });
    assert.deepStrictEqual([clock.held, clock.running], [false, false]);
  });

  it('KVMCLOCK_CTRL fails on one vCPU: one KVM_TOD_PAUSE_NOTICE_FAILED with its KvmError', () => {
    const { warnings, warn } = collectWarnings();
    const clock = kvm.createKvmClock(devNull, { warn, vcpus: [devNull] });
    clock.vmStateChanged(true);
    clock.vmStateChanged(false);
    clock.vmStateChanged(true);
    const notice = warnings.filter((w) => w.code === WarningCodes.PAUSE_NOTICE_FAILED);
    assert.strictEqual(notice.length, 1);
    assert.deepStrictEqual(
      [notice[0].cause.code, notice[0].cause.request, notice[0].cause.fd],
      ['ENOTTY', 'KVM_KVMCLOCK_CTRL', devNull],
    );
  });

  it('KVMCLOCK_CTRL fails on several vCPUs: every one is tried, one warning carries an AggregateError', () => {
    const { warnings, warn } = collectWarnings();
    const clock = kvm.createKvmClock(devNull, { warn, vcpus: [devNull] });
    clock.addVcpu(closed); // hotplugged later
    clock.vmStateChanged(true);
    clock.vmStateChanged(false);
    clock.vmStateChanged(true);
    const notice = warnings.filter((w) => w.code === WarningCodes.PAUSE_NOTICE_FAILED);
    assert.strictEqual(notice.length, 1);
    assert.ok(notice[0].cause instanceof AggregateError);
    assert.deepStrictEqual(
      notice[0].cause.errors.map((e) => [e.code, e.fd]),
      [
        ['ENOTTY', devNull],
        ['EBADF', closed],
      ],
    );
  });

  it('a removed vCPU is no longer told: no warning once the bad one is unplugged', () => {
    const { warnings, warn } = collectWarnings();
    const clock = kvm.createKvmClock(devNull, { warn, vcpus: [closed] });
    clock.removeVcpu(closed);
    clock.vmStateChanged(true);
    clock.vmStateChanged(false);
    clock.vmStateChanged(true);
    assert.deepStrictEqual(
      warnings.map((w) => w.code),
      [WarningCodes.HOLD_FAILED],
    );
  });

  it('the s390 TOD: a failed KVM_GET_DEVICE_ATTR sends QEMU\'s 1-byte "missing"; a load fails with it', () => {
    const { warnings, warn } = collectWarnings();
    const clock = kvm.createTodClock(devNull, { warn, vcpus: [closed] /* no effect on s390 */ });
    assert.deepStrictEqual([...kvm.saveClockSection(clock)], [0]);
    assert.deepStrictEqual(
      [...kvm.saveClockSection(clock, { format: 'extended' })],
      [...Buffer.from('KTOD\x02\x00', 'latin1')],
    );
    assert.deepStrictEqual(
      warnings.map((w) => [w.code, w.cause.code]),
      [
        [WarningCodes.NOT_MIGRATED, 'ENOTTY'],
        [WarningCodes.NOT_MIGRATED, 'ENOTTY'],
      ],
    );
    assert.throws(() => kvm.loadClockSection(clock, kvm.encodeTodSection({ high: 0, low: 1n })), {
      name: 'KvmError',
      code: 'ENOTTY',
      request: 'KVM_SET_DEVICE_ATTR',
    });
    clock.vmStateChanged(true);
    clock.vmStateChanged(false);
    clock.vmStateChanged(true);
    assert.ok(!warnings.some((w) => w.code === WarningCodes.PAUSE_NOTICE_FAILED), 's390x sends no pause notice');
  });
});
