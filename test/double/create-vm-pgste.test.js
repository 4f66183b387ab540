// createVm through the real addon when the kernel refuses a process without page-table
// extensions (the double's KVM_S390_DOUBLE_NO_PGSTE): a KvmError EINVAL from
// KVM_CREATE_VM, with the PGSTE hint on s390x (npm run test:s390x runs this big-endian
// s390x) and without it elsewhere, where EINVAL means something else.
'use strict';
const assert = require('assert');
const kvm = require('../..');
const double = require('@kvm-tod/testkit/s390-double');

describe('createVm through the kernel double: a process without PGSTE', () => {
  double.itDouble(
    `KVM_CREATE_VM is EINVAL; ${process.arch === 's390x' ? 'with' : 'without'} the PGSTE hint on ${process.arch}`,
    () => {
      double.enable({ noPgste: true });
      let kvmFd;
      try {
        kvmFd = kvm.openKvm();
        const fd = kvmFd;
        assert.throws(
          () => kvm.createVm(fd),
          (error) => {
            assert.ok(error instanceof kvm.KvmError, String(error));
            assert.deepStrictEqual(
              [error.code, error.errno, error.syscall, error.request, error.fd],
              ['EINVAL', -22, 'ioctl', 'KVM_CREATE_VM', fd],
            );
            if (process.arch === 's390x') {
              assert.strictEqual(error.hint.code, 'KVM_TOD_S390_PGSTE');
              // The fix follows the sysctl as it is now (here the double refuses whatever it says).
              assert.match(error.message, /Likely reason: .*vm\.allocate_pgste.* Fix: .*--s390-pgste/);
            } else {
              assert.strictEqual(error.hint, undefined);
              assert.doesNotMatch(error.message, /PGSTE/);
            }
            return true;
          },
        );
      } finally {
        double.reset();
        if (kvmFd !== undefined) kvm.closeFd(kvmFd);
      }
    },
  );
});
