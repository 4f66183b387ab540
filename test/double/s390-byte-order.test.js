// Byte order: the same assertions on a little-endian x86_64 run and on the big-endian
// s390x run of scripts/test-s390x.sh (qemu-user), where they prove that the addon's
// structs, its scratch words and the migration section come through unchanged.
// Values are chosen with a different byte in every position, so a swap anywhere shows.
'use strict';
const assert = require('assert');
const os = require('os');
const kvm = require('../..');
const { itDouble, withDoubleVm } = require('@kvm-tod/testkit/s390-double');

const PATTERN = { high: 0x5a, low: 0x0102030405000000n };
// The clock runs on between a set and a get (slowly under qemu-user), so compare by
// distance: under 2^32 units (about 1 s); a swapped byte anywhere is far more.
function assertNear(low, expected, what) {
  const d = low - expected;
  assert.ok(d >= 0n && d < 1n << 32n, `${what}: 0x${low.toString(16)} is not just after 0x${expected.toString(16)}`);
}

describe(`byte order (this run: ${process.arch}, ${os.endianness()})`, () => {
  const expected = process.env.KVM_TOD_EXPECT_ARCH;
  (expected ? it : it.skip)(
    expected
      ? `runs on ${expected} (${expected === 's390x' ? 'big' : 'little'}-endian), as the script that started it asked`
      : 'runs on the architecture its script asked for [skipped: ' +
          'KVM_TOD_EXPECT_ARCH is not set; scripts/test-s390x.sh sets it]',
    () => {
      assert.strictEqual(process.arch, expected);
      assert.strictEqual(os.endianness(), expected === 's390x' ? 'BE' : 'LE');
    },
  );

  it('the migration section of a patterned TOD is 01, epoch index, big-endian TOD, and decodes back', () => {
    const tod = { high: 0x5a, low: 0x0102030405060708n };
    const bytes = kvm.encodeTodSection(tod);
    assert.strictEqual(bytes.toString('hex'), '015a0102030405060708');
    assert.deepStrictEqual(kvm.decodeTodSection(bytes), tod);
    for (const low of [0n, 1n, 0xff00000000000000n, (1n << 64n) - 1n, 0x8000000000000001n]) {
      assert.deepStrictEqual(kvm.decodeTodSection(kvm.encodeTodSection({ high: 0xa5, low })), { high: 0xa5, low });
    }
  });

  itDouble(
    'getTod of a patterned TOD: the EXT struct and the scratch words keep every byte',
    withDoubleVm((vmFd) => {
      kvm.setTod(vmFd, PATTERN);
      const tod = kvm.getTod(vmFd);
      assert.strictEqual(tod.high, 0x5a);
      assertNear(tod.low, PATTERN.low, 'getTod');
      // The addon leaves the 64-bit result in its scratch buffer in the host's byte
      // order, and lib/ reads it through a BigUint64Array: check that buffer directly.
      const { binding } = require('../../dist/native');
      const view = new DataView(binding.scratch);
      assert.strictEqual(view.getBigUint64(0, os.endianness() === 'LE'), tod.low);
    }),
  );

  itDouble(
    'pre-4.15 LOW (u64) and HIGH (u8) keep every byte',
    withDoubleVm({ pre415: true }, (vmFd) => {
      kvm.setTod(vmFd, { high: 0, low: PATTERN.low });
      const tod = kvm.getTod(vmFd);
      assert.strictEqual(tod.high, 0);
      assertNear(tod.low, PATTERN.low, 'getTod (LOW + HIGH)');
    }),
  );

  itDouble(
    'a held TOD goes out in a section byte for byte and comes back on another VM',
    withDoubleVm((srcFd, kvmFd) => {
      const dstFd = kvm.createVm(kvmFd);
      try {
        const src = new kvm.GuestClock(new kvm.S390TodDevice(srcFd), { warn: (w) => assert.fail(w.message) });
        kvm.setTod(srcFd, PATTERN);
        src.vmStateChanged(true);
        src.vmStateChanged(false);
        const held = src.heldValue;
        const section = kvm.saveTodSection(src);
        const expected = Buffer.alloc(10);
        expected[0] = 1;
        expected[1] = held.high;
        expected.writeBigUInt64BE(held.low, 2);
        assert.strictEqual(section.toString('hex'), expected.toString('hex'));
        assertNear(held.low, PATTERN.low, 'held');
        const dst = new kvm.GuestClock(new kvm.S390TodDevice(dstFd), { warn: (w) => assert.fail(w.message) });
        kvm.loadTodSection(dst, section);
        assert.deepStrictEqual(dst.heldValue, held);
        const read = kvm.getTod(dstFd);
        assert.strictEqual(read.high, 0x5a);
        assertNear(read.low, held.low, 'destination read');
      } finally {
        kvm.closeFd(dstFd);
      }
    }),
  );
});
