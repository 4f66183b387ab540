// QEMU's "todclock" v1 section, byte for byte, and every malformed input.
'use strict';
const assert = require('assert');
const kvm = require('..');
const { CountingDevice, collectWarnings } = require('./helpers/counting-device');

describe('todclock migration section', () => {
  it('encodes a present value as QEMU does: 01, epoch index, big-endian TOD', () => {
    const bytes = kvm.encodeTodSection({ high: 0xab, low: 0x0123456789abcdefn });
    assert.deepStrictEqual([...bytes], [0x01, 0xab, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]);
  });

  it('encodes a missing value as the single byte 00', () => {
    assert.deepStrictEqual([...kvm.encodeTodSection(null)], [0x00]);
  });

  it('decodes hand-built QEMU sections', () => {
    const qemu = Buffer.from('01007d91048bca000000', 'hex');
    assert.deepStrictEqual(kvm.decodeTodSection(qemu), { high: 0, low: 0x7d91048bca000000n });
    assert.strictEqual(kvm.decodeTodSection(Buffer.from([0])), null);
    const max = Uint8Array.from([1, 255, 255, 255, 255, 255, 255, 255, 255, 255]);
    assert.deepStrictEqual(kvm.decodeTodSection(max), { high: 255, low: (1n << 64n) - 1n });
  });

  it('decodes a view into a larger buffer at an odd offset', () => {
    const big = Buffer.alloc(32, 0xee);
    kvm.encodeTodSection({ high: 7, low: 42n }).copy(big, 3);
    assert.deepStrictEqual(kvm.decodeTodSection(big.subarray(3, 13)), { high: 7, low: 42n });
  });

  const malformed = {
    empty: [[], /empty/],
    'unknown flag 02': [[2, 0, 0, 0, 0, 0, 0, 0, 0, 0], /unknown flag 0x02/],
    'unknown flag ff': [[0xff], /unknown flag 0xff/],
    'present but 1 byte': [[1], /truncated: 1 bytes/],
    'present but 9 bytes': [[1, 0, 0, 0, 0, 0, 0, 0, 0], /truncated: 9 bytes/],
    'present with a trailing byte': [[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], /1 trailing byte/],
    'missing with trailing bytes': [[0, 0, 0], /2 trailing byte/],
  };
  for (const [name, [bytes, message]] of Object.entries(malformed)) {
    it(`rejects ${name} with a TodSectionError`, () => {
      assert.throws(() => kvm.decodeTodSection(Uint8Array.from(bytes)), (e) => {
        assert.ok(e instanceof kvm.TodSectionError);
        assert.strictEqual(e.code, 'ERR_KVM_TOD_BAD_SECTION');
        assert.match(e.message, message);
        return true;
      });
    });
  }

  it('rejects what is not bytes', () => {
    for (const bad of [undefined, null, 'AQ==', [1, 0], 5, new ArrayBuffer(10)]) {
      assert.throws(() => kvm.decodeTodSection(bad), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    }
  });

  it('refuses to encode a malformed Tod', () => {
    assert.throws(() => kvm.encodeTodSection({ high: 256, low: 0n }), RangeError);
    assert.throws(() => kvm.encodeTodSection(undefined), TypeError);
  });

  describe('saveTodSection / loadTodSection (rules 4 and 5)', () => {
    function todClock() {
      const device = new CountingDevice({ high: 1, low: 99n });
      const { warnings, warn } = collectWarnings();
      return { device, warnings, clock: new kvm.GuestClock(device, { warn }) };
    }

    it('a failed read on the source gives the missing section and one warning', () => {
      const { device, warnings, clock } = todClock();
      clock.vmStateChanged(true);
      device.failRead = 'EIO';
      const bytes = kvm.saveTodSection(clock);
      assert.deepStrictEqual([...bytes], [0]);
      assert.strictEqual(warnings.length, 1);
      assert.strictEqual(warnings[0].code, 'KVM_TOD_NOT_MIGRATED');
      assert.strictEqual(warnings[0].cause.code, 'EIO');
    });

    it('a missing section on the destination only warns', () => {
      const { device, warnings, clock } = todClock();
      assert.doesNotThrow(() => kvm.loadTodSection(clock, Buffer.from([0])));
      assert.strictEqual(device.writes, 0);
      assert.strictEqual(clock.held, false);
      assert.strictEqual(warnings.length, 1);
      assert.strictEqual(warnings[0].code, 'KVM_TOD_NOT_MIGRATED');
    });

    it('a present section is written at once and held while the VM is not running', () => {
      const { device, clock } = todClock();
      kvm.loadTodSection(clock, kvm.encodeTodSection({ high: 2, low: 5n }));
      assert.deepStrictEqual(device.written, [{ high: 2, low: 5n }]);
      assert.strictEqual(clock.held, true);
    });

    it('a malformed section fails the load and touches nothing', () => {
      const { device, clock } = todClock();
      assert.throws(() => kvm.loadTodSection(clock, Buffer.from([1, 2])), kvm.TodSectionError);
      assert.strictEqual(device.writes, 0);
    });

    it('a failing write fails the load', () => {
      const { device, clock } = todClock();
      device.failWrite = 'EINVAL';
      assert.throws(() => kvm.loadTodSection(clock, kvm.encodeTodSection({ high: 1, low: 0n })), { code: 'EINVAL' });
    });
  });
});
