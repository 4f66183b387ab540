// saveClockSection / loadClockSection on the s390 kernel double's VMs: the same bytes as
// saveTodSection (QEMU's todclock v1, kvm-tod's extended v2), and a migration from one VM
// to another through them, for a clock from createTodClock (and createGuestClock on s390x).
'use strict';
const assert = require('assert');
const kvm = require('../..');
const double = require('@kvm-tod/testkit/s390-double');
const { collectWarnings } = require('@kvm-tod/testkit/counting-device');

const { itDouble, withTwoDoubleVms } = double;

describe('saveClockSection / loadClockSection on the s390 kernel double', () => {
  for (const format of ['todclock', 'extended']) {
    itDouble(
      `'${format}': the very bytes of saveTodSection, and nothing read while held`,
      double.withDoubleVm((vmFd) => {
        const clock = kvm.createTodClock(vmFd, { warn: (w) => assert.fail(w.message) });
        clock.vmStateChanged(true);
        clock.vmStateChanged(false);
        // Reads would now fail: a held clock's save makes no ioctl.
        double.configure({ failGet: 'EIO' });
        const bytes = kvm.saveClockSection(clock, { format });
        assert.deepStrictEqual(bytes, kvm.saveTodSection(clock, { format }));
        assert.strictEqual(bytes.length, format === 'todclock' ? 10 : 23);
        assert.deepStrictEqual(kvm.decodeTodSection(bytes), clock.heldValue);
      }),
    );
  }

  itDouble(
    "a migration between two VMs: the destination holds the source's TOD from the load to its first run",
    withTwoDoubleVms({}, (sourceFd, destFd) => {
      const source = kvm.createTodClock(sourceFd, { warn: (w) => assert.fail(w.message) });
      const dest = kvm.createTodClock(destFd, { warn: (w) => assert.fail(w.message) });
      source.vmStateChanged(true);
      source.vmStateChanged(false);
      kvm.loadClockSection(dest, kvm.saveClockSection(source, { format: 'extended' }));
      assert.deepStrictEqual(dest.heldValue, source.heldValue);
      assert.deepStrictEqual(kvm.getTod(destFd).high, source.heldValue.high);
      dest.vmStateChanged(true);
      const jumpNs = kvm.todDiffNs(kvm.getTod(destFd), source.heldValue);
      assert.ok(
        jumpNs >= 0n && jumpNs < 1_000_000_000n,
        `the destination continues from the source's TOD (+${jumpNs} ns)`,
      );
    }),
  );

  itDouble(
    'a failed KVM_SET_DEVICE_ATTR fails loadClockSection with the KvmError; nothing is held',
    withTwoDoubleVms({}, (sourceFd, destFd) => {
      const source = kvm.createTodClock(sourceFd);
      const dest = kvm.createTodClock(destFd);
      const bytes = kvm.saveClockSection(source);
      double.configure({ failSet: 'EIO' });
      assert.throws(() => kvm.loadClockSection(dest, bytes), {
        name: 'KvmError',
        code: 'EIO',
        request: 'KVM_SET_DEVICE_ATTR',
      });
      assert.strictEqual(dest.held, false);
    }),
  );

  itDouble(
    'a failed KVM_GET_DEVICE_ATTR while running: the "missing" section and a KVM_TOD_NOT_MIGRATED warning',
    double.withDoubleVm({ failGet: 'EIO' }, (vmFd) => {
      const { warnings, warn } = collectWarnings();
      const clock = kvm.createTodClock(vmFd, { warn });
      clock.vmStateChanged(true);
      assert.deepStrictEqual([...kvm.saveClockSection(clock)], [0]);
      assert.deepStrictEqual(
        warnings.map((w) => [w.code, w.cause.code]),
        [[kvm.WarningCodes.NOT_MIGRATED, 'EIO']],
      );
    }),
  );

  itDouble(
    'a kvmclock section is refused by a TOD clock before any ioctl',
    double.withDoubleVm({ failSet: 'EIO' }, (vmFd) => {
      const clock = kvm.createTodClock(vmFd);
      assert.throws(() => kvm.loadClockSection(clock, kvm.encodeKvmClockSection(1n, 0n)), {
        code: 'ERR_KVM_TOD_SECTION_MISMATCH',
      });
    }),
  );
});
