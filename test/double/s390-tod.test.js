// The native s390 TOD path (native/src/s390_tod.cc) through the real addon, with the
// kernel played by the LD_PRELOAD double (@kvm-tod/testkit). Skipped, with the reason in
// the title, where the double is not preloaded. The epoch index with and without facility 139
// (a nonzero index accepted or refused, the carry and the borrow across the wrap) is checked
// once for the double and the real kernels alike: the shared checks of
// @kvm-tod/testkit/s390-checks, which the hardware suite (test/hardware/) runs on the double.
'use strict';
const assert = require('assert');
const os = require('os');
const kvm = require('../..');
const { itDouble, withDoubleVm, configure } = require('@kvm-tod/testkit/s390-double');

const TOD_PER_MS = 4_096_000n;
const MAX64 = (1n << 64n) - 1n;
const { sleep } = require('@kvm-tod/testkit/pause-jump');

/** What a KvmError from the TOD group must say. */
function kvmError(code, request, attribute, vmFd) {
  return (error) => {
    assert.ok(error instanceof kvm.KvmError, `expected a KvmError, got ${error && error.stack}`);
    assert.strictEqual(error.code, code);
    assert.strictEqual(error.errno, -os.constants.errno[code]);
    assert.strictEqual(error.syscall, 'ioctl');
    assert.strictEqual(error.request, request);
    assert.strictEqual(error.attribute, attribute);
    if (vmFd !== undefined) assert.strictEqual(error.fd, vmFd);
    return true;
  };
}

/** a is at b or a little after it (the clock ran for at most `ms`). */
function assertJustAfter(a, b, ms, what) {
  const diff = kvm.todToBigInt(a) - kvm.todToBigInt(b);
  assert.ok(
    diff >= 0n && diff < BigInt(ms) * TOD_PER_MS,
    `${what}: ${kvm.formatTod(a)} is ${diff} units after ${kvm.formatTod(b)}`,
  );
}

const EXT = 'KVM_S390_VM_TOD_EXT';
const LOW = 'KVM_S390_VM_TOD_LOW';
const HIGH = 'KVM_S390_VM_TOD_HIGH';
const GET = 'KVM_GET_DEVICE_ATTR';
const SET = 'KVM_SET_DEVICE_ATTR';
const HAS = 'KVM_HAS_DEVICE_ATTR';

describe('s390 TOD through the kernel double (extended attribute, facility 139)', () => {
  itDouble(
    'a new VM reads the host TOD',
    withDoubleVm((vmFd) => {
      const before = kvm.hostTod();
      const tod = kvm.getTod(vmFd);
      assert.strictEqual(tod.high, 0);
      // The double's host TOD is CLOCK_REALTIME; hostTod() is wall time read through the monotonic clock.
      assert.ok(
        Math.abs(Number(kvm.todDiffNs(tod, before))) < 2e9,
        `guest ${kvm.formatTod(tod)} vs host ${kvm.formatTod(before)}`,
      );
    }),
  );

  itDouble(
    'hasTodAttribute: low and high true, ext false (as the kernel reports)',
    withDoubleVm((vmFd) => {
      assert.strictEqual(kvm.hasTodAttribute(vmFd, 'low'), true);
      assert.strictEqual(kvm.hasTodAttribute(vmFd, 'high'), true);
      assert.strictEqual(kvm.hasTodAttribute(vmFd, 'ext'), false);
    }),
  );

  itDouble(
    'probeTodExtension is true where EXT reads',
    withDoubleVm((vmFd) => {
      assert.strictEqual(kvm.probeTodExtension(vmFd), true);
    }),
  );

  itDouble(
    'checkExtension(KVM_CAP_VM_ATTRIBUTES) is 1 on the KVM and the VM descriptor',
    withDoubleVm((vmFd, kvmFd) => {
      assert.strictEqual(kvm.checkExtension(kvmFd, kvm.constants.KVM_CAP_VM_ATTRIBUTES), 1);
      assert.strictEqual(kvm.checkExtension(vmFd, kvm.constants.KVM_CAP_VM_ATTRIBUTES), 1);
    }),
  );

  itDouble(
    'a closed VM descriptor is EBADF, not the double',
    withDoubleVm((vmFd, kvmFd) => {
      const other = kvm.createVm(kvmFd);
      kvm.closeFd(other);
      assert.throws(() => kvm.getTod(other), kvmError('EBADF', GET, EXT, other));
    }),
  );
});

describe('s390 TOD through the kernel double: without facility 139', () => {
  itDouble(
    'epoch index 0 round-trips, and the index stays 0 across a wrap',
    withDoubleVm({ facility139: false }, async (vmFd) => {
      const value = { high: 0, low: MAX64 - TOD_PER_MS };
      kvm.setTod(vmFd, value);
      await sleep(10);
      const after = kvm.getTod(vmFd);
      assert.strictEqual(after.high, 0);
      assert.ok(after.low < 10_000n * TOD_PER_MS, `low wrapped: ${after.low}`);
    }),
  );
});

describe('s390 TOD through the kernel double: a kernel before 4.15 (no EXT)', () => {
  const pre415 = { pre415: true };

  itDouble(
    'reads fall back to LOW + HIGH; HIGH is 0',
    withDoubleVm(pre415, (vmFd) => {
      const tod = kvm.getTod(vmFd);
      assert.strictEqual(tod.high, 0);
      assert.ok(Math.abs(Number(kvm.todDiffNs(tod, kvm.hostTod()))) < 2e9);
    }),
  );

  itDouble(
    'setTod with epoch index 0 writes LOW (+ HIGH 0) and reads back',
    withDoubleVm(pre415, (vmFd) => {
      const value = { high: 0, low: 0x0123456789abcdefn };
      kvm.setTod(vmFd, value);
      assertJustAfter(kvm.getTod(vmFd), value, 5000, 'read after set');
    }),
  );

  itDouble(
    'setTod with epoch index 1 is EINVAL from KVM_S390_VM_TOD_HIGH, and the clock is untouched',
    withDoubleVm(pre415, (vmFd) => {
      const before = kvm.getTod(vmFd);
      assert.throws(() => kvm.setTod(vmFd, { high: 1, low: 42n }), kvmError('EINVAL', SET, HIGH, vmFd));
      // HIGH goes first, so a refused epoch index cannot leave LOW half-written
      assertJustAfter(kvm.getTod(vmFd), before, 5000, 'read after the refused set');
    }),
  );

  itDouble(
    'probeTodExtension is false; hasTodAttribute still says low and high',
    withDoubleVm(pre415, (vmFd) => {
      assert.strictEqual(kvm.probeTodExtension(vmFd), false);
      assert.strictEqual(kvm.hasTodAttribute(vmFd, 'low'), true);
      assert.strictEqual(kvm.hasTodAttribute(vmFd, 'high'), true);
      assert.strictEqual(kvm.hasTodAttribute(vmFd, 'ext'), false);
    }),
  );
});

describe('s390 TOD through the kernel double: a protected (PV) guest', () => {
  itDouble(
    'setTod is EOPNOTSUPP; getTod still reads (as kvm-s390.c does)',
    withDoubleVm({ pv: true }, (vmFd) => {
      assert.throws(() => kvm.setTod(vmFd, { high: 0, low: 1n }), kvmError('EOPNOTSUPP', SET, EXT, vmFd));
      assert.strictEqual(kvm.getTod(vmFd).high, 0);
    }),
  );

  itDouble(
    'where GET is refused too (as vm.rst documents), getTod and probeTodExtension are EOPNOTSUPP',
    withDoubleVm({ pv: 'all' }, (vmFd) => {
      assert.throws(() => kvm.getTod(vmFd), kvmError('EOPNOTSUPP', GET, EXT, vmFd));
      assert.throws(() => kvm.probeTodExtension(vmFd), kvmError('EOPNOTSUPP', GET, EXT, vmFd));
    }),
  );
});

describe('s390 TOD through the kernel double: injected errors surface as KvmError', () => {
  for (const code of ['EIO', 'EFAULT', 'EBUSY', 'ENOMEM', 'EPERM']) {
    itDouble(
      `getTod: ${code} from GET EXT`,
      withDoubleVm({ failGet: code }, (vmFd) => {
        assert.throws(() => kvm.getTod(vmFd), kvmError(code, GET, EXT, vmFd));
      }),
    );
    itDouble(
      `setTod: ${code} from SET EXT`,
      withDoubleVm({ failSet: code }, (vmFd) => {
        assert.throws(() => kvm.setTod(vmFd, { high: 0, low: 1n }), kvmError(code, SET, EXT, vmFd));
      }),
    );
  }

  itDouble(
    'only the Nth call fails: the 2nd getTod is EIO, the 1st and 3rd read',
    withDoubleVm({ failGet: { errno: 'EIO', nth: 2 } }, (vmFd) => {
      kvm.getTod(vmFd);
      assert.throws(() => kvm.getTod(vmFd), kvmError('EIO', GET, EXT, vmFd));
      kvm.getTod(vmFd);
    }),
  );

  itDouble(
    'EINTR is retried: one interrupted GET and SET still succeed',
    withDoubleVm({ failGet: { errno: 'EINTR', nth: 1 }, failSet: { errno: 'EINTR', nth: 1 } }, (vmFd) => {
      kvm.setTod(vmFd, { high: 2, low: 1000n });
      assert.strictEqual(kvm.getTod(vmFd).high, 2);
    }),
  );

  itDouble(
    'ENXIO from GET EXT falls back to LOW + HIGH (a pre-4.15 answer), which then read',
    withDoubleVm({ failGet: { errno: 'ENXIO', nth: 1 } }, (vmFd) => {
      const tod = kvm.getTod(vmFd);
      assert.strictEqual(tod.high, 0);
      assert.ok(Math.abs(Number(kvm.todDiffNs(tod, kvm.hostTod()))) < 2e9);
    }),
  );

  itDouble(
    'on the fallback path, the failing attribute is named: GET LOW then GET HIGH',
    withDoubleVm({ pre415: true }, (vmFd) => {
      // GETs on the fallback path: 1 = EXT (ENXIO, the kernel's), 2 = LOW, 3 = HIGH.
      for (const [nth, attribute] of [
        [2, LOW],
        [3, HIGH],
      ]) {
        for (const code of ['EIO', 'ENXIO', 'EFAULT']) {
          configure({ failGet: { errno: code, nth } });
          assert.throws(() => kvm.getTod(vmFd), kvmError(code, GET, attribute, vmFd));
        }
      }
    }),
  );

  itDouble(
    'on the fallback path, the failing attribute is named: SET HIGH then SET LOW',
    withDoubleVm({ pre415: true }, (vmFd) => {
      for (const [nth, attribute] of [
        [2, HIGH],
        [3, LOW],
      ]) {
        for (const code of ['EBUSY', 'ENXIO', 'EFAULT']) {
          configure({ failSet: { errno: code, nth } });
          assert.throws(() => kvm.setTod(vmFd, { high: 0, low: 7n }), kvmError(code, SET, attribute, vmFd));
        }
      }
    }),
  );

  itDouble(
    'hasTodAttribute: an injected EIO throws, an injected ENXIO is false',
    withDoubleVm((vmFd) => {
      configure({ failHas: 'EIO' });
      assert.throws(() => kvm.hasTodAttribute(vmFd, 'low'), kvmError('EIO', HAS, LOW, vmFd));
      configure({ failHas: 'ENXIO' });
      assert.strictEqual(kvm.hasTodAttribute(vmFd, 'high'), false);
    }),
  );

  itDouble(
    'probeTodExtension: EBUSY throws, an ENXIO answer is false',
    withDoubleVm((vmFd) => {
      configure({ failGet: 'EBUSY' });
      assert.throws(() => kvm.probeTodExtension(vmFd), kvmError('EBUSY', GET, EXT, vmFd));
      configure({ failGet: 'ENXIO' });
      assert.strictEqual(kvm.probeTodExtension(vmFd), false);
    }),
  );
});

describe('the kernel double itself: descriptors closed behind its back', () => {
  const fs = require('fs');
  const path = require('path');
  const { enable, reset } = require('@kvm-tod/testkit/s390-double');

  itDouble('a fake VM closed with fs.closeSync (a raw close) and its number reused by a file is not a VM', () => {
    enable();
    const file = path.join(os.tmpdir(), `kvm-tod-double-${process.pid}`);
    fs.writeFileSync(file, 'untouched');
    let kvmFd;
    let fileFd;
    try {
      kvmFd = kvm.openKvm();
      const vmFd = kvm.createVm(kvmFd);
      kvm.setTod(vmFd, { high: 0, low: 1n });
      fs.closeSync(vmFd); // libuv closes with a raw syscall: the double never sees it
      fileFd = fs.openSync(file, 'r+');
      assert.strictEqual(fileFd, vmFd, 'the test needs the number reused');
      assert.throws(() => kvm.setTod(fileFd, { high: 0, low: 1n }), { name: 'KvmError', code: 'ENOTTY' });
      assert.strictEqual(fs.readFileSync(file, 'utf8'), 'untouched');
    } finally {
      reset();
      if (fileFd !== undefined) fs.closeSync(fileFd);
      if (kvmFd !== undefined) kvm.closeFd(kvmFd);
      fs.rmSync(file, { force: true });
    }
  });
});
