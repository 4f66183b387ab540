// The epoch index (bits 64-71 of the TOD), which a VM has only with facility 139 (the
// multiple-epoch facility, z14 and later): refused where it is missing, and where it is
// there carried on GET and borrowed on SET across the wrap of the 64-bit clock (in 2042).
'use strict';
const assert = require('assert');
const kvm = require('kvm-tod');
const { sleep } = require('../pause-jump');
const { TOD_PER_MS } = require('./bounds');

const MAX64 = (1n << 64n) - 1n;

/** `a` is at `b` or at most `ms` after it. */
function assertJustAfter(a, b, ms, what) {
  const diff = kvm.todToBigInt(a) - kvm.todToBigInt(b);
  assert.ok(
    diff >= 0n && diff < BigInt(ms) * TOD_PER_MS,
    `${what}: ${kvm.formatTod(a)} is ${diff} units after ${kvm.formatTod(b)}`,
  );
}

module.exports = [
  {
    title: 'without facility 139 SET EXT with epoch index 1 is EINVAL, and the clock keeps index 0',
    facility139: false,
    body({ vmFd }) {
      const low = kvm.getTod(vmFd).low;
      assert.throws(
        () => kvm.setTod(vmFd, { high: 1, low }),
        (error) => {
          assert.ok(error instanceof kvm.KvmError, `setTod epoch index 1 answered ${error}`);
          assert.deepStrictEqual(
            [error.code, error.errno, error.request, error.attribute],
            ['EINVAL', -22, 'KVM_SET_DEVICE_ATTR', 'KVM_S390_VM_TOD_EXT'],
          );
          return true;
        },
      );
      assert.strictEqual(kvm.getTod(vmFd).high, 0, 'a refused SET changed the epoch index');
    },
  },
  {
    title: 'with facility 139 a nonzero epoch index is accepted and reads back',
    facility139: true,
    body({ vmFd }) {
      for (const value of [
        { high: 1, low: kvm.getTod(vmFd).low },
        { high: 7, low: 0x0123456789abcdefn },
        { high: 255, low: 0x7d91048bca000000n },
      ]) {
        kvm.setTod(vmFd, value);
        assertJustAfter(kvm.getTod(vmFd), value, 5000, 'read after set');
      }
    },
  },
  {
    title: 'with facility 139 the epoch index carries on GET when the 64-bit clock wraps',
    facility139: true,
    async body({ vmFd }) {
      const justBelow = { high: 4, low: MAX64 - 2n * TOD_PER_MS }; // 2 ms before the wrap
      kvm.setTod(vmFd, justBelow);
      await sleep(20);
      const after = kvm.getTod(vmFd);
      assert.strictEqual(after.high, 5, `epoch index after the wrap: ${kvm.formatTod(after)}`);
      assert.ok(after.low < 10_000n * TOD_PER_MS, `low wrapped to near 0: ${after.low}`);
      assertJustAfter(after, justBelow, 10_000, 'the clock ran on across the wrap');
    },
  },
  {
    title: 'with facility 139 a small value with a nonzero epoch index reads back (the kernel borrows on SET)',
    facility139: true,
    body({ vmFd }) {
      const value = { high: 3, low: 5n };
      kvm.setTod(vmFd, value);
      const tod = kvm.getTod(vmFd);
      assert.strictEqual(tod.high, 3, `read ${kvm.formatTod(tod)}`);
      assertJustAfter(tod, value, 5000, 'read after set');
    },
  },
];
