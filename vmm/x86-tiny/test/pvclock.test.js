// The tiny guest's arithmetic, on the host: the pvclock area decoded as KVM lays it
// out, and the guest's kvmclock computed from it as a Linux guest does (shift, then a
// 32.32 fixed-point multiply, plus system_time), exactly, modulo 2^64.
'use strict';
const assert = require('assert');
const fc = require('fast-check');
const tiny = require('..');

const U64 = (1n << 64n) - 1n;

/** A pvclock_vcpu_time_info as KVM writes it into guest memory. */
function area(
  { version = 2, tscTimestamp = 0n, systemTime = 0n, mul = 0, shift = 0, flags = 0 } = {},
  at = 0,
  size = 64,
) {
  const view = new DataView(new ArrayBuffer(size));
  view.setUint32(at, version, true);
  view.setBigUint64(at + 8, tscTimestamp, true);
  view.setBigUint64(at + 16, systemTime, true);
  view.setUint32(at + 24, mul, true);
  view.setInt8(at + 28, shift);
  view.setUint8(at + 29, flags);
  return view;
}

describe('tiny guest: pvclock arithmetic', () => {
  it('decodes every field of the 32-byte area at its offset, the shift signed', () => {
    const view = area(
      {
        version: 6,
        tscTimestamp: 0x1122334455667788n,
        systemTime: 123456789012n,
        mul: 0xcccccccd,
        shift: -1,
        flags: 0x03,
      },
      16,
    );
    assert.deepStrictEqual(tiny.readPvclock(view, 16), {
      version: 6,
      tscTimestamp: 0x1122334455667788n,
      systemTime: 123456789012n,
      tscToSystemMul: 0xcccccccd,
      tscShift: -1,
      flags: 0x03,
    });
  });

  it('refuses an area that does not fit in guest memory with a RangeError', () => {
    assert.throws(() => tiny.readPvclock(area({}, 0, 40), 16), RangeError);
    assert.throws(() => tiny.readPvclock(area({}, 0, 40), -1), RangeError);
  });

  it('refuses an odd version (KVM mid-update) with ERR_PVCLOCK_TORN, as a guest would retry', () => {
    assert.throws(() => tiny.readPvclockConsistent(area({ version: 7 }), 0), { code: 'ERR_PVCLOCK_TORN' });
    assert.strictEqual(tiny.readPvclockConsistent(area({ version: 8 }), 0).version, 8);
  });

  it('scales a TSC delta: the shift first, then the multiply keeps bits 32..95', () => {
    assert.strictEqual(tiny.scaleDelta(1000n, 2 ** 31, 0), 500n);
    assert.strictEqual(tiny.scaleDelta(1000n, 2 ** 31, 1), 1000n);
    assert.strictEqual(tiny.scaleDelta(1000n, 2 ** 31, -1), 250n);
    // The largest product: (2^64-1)(2^32-1) >> 32, kept whole.
    assert.strictEqual(tiny.scaleDelta(U64, 0xffffffff, 0), U64 - (1n << 32n));
    // The guest's shift is a u64 shift: bits shifted out are gone.
    assert.strictEqual(tiny.scaleDelta(1n << 63n, 2 ** 31, 1), 0n);
  });

  it('turns 2.5e9 ticks of a 2.5 GHz TSC into one second, to the nanosecond', () => {
    // What KVM picks for 2.5 GHz: halve the ticks, then times 0.8 in 32.32.
    const mul = Math.round(0.8 * 2 ** 32);
    const info = tiny.readPvclock(area({ tscTimestamp: 1000n, systemTime: 5_000_000_000n, mul, shift: -1 }), 0);
    const ns = tiny.kvmclockNs(info, 1000n + 2_500_000_000n);
    assert.ok(ns - 6_000_000_000n >= 0n && ns - 6_000_000_000n <= 1n, `${ns}`);
    assert.strictEqual(tiny.kvmclockNs(info, 1000n), 5_000_000_000n, 'at tsc_timestamp it is system_time');
  });

  it('wraps modulo 2^64 as the guest does (a TSC behind tsc_timestamp is a huge delta)', () => {
    const info = tiny.readPvclock(area({ tscTimestamp: 10n, systemTime: U64, mul: 2 ** 31, shift: 1 }), 0);
    assert.strictEqual(tiny.kvmclockNs(info, 12n), 1n); // U64 + 2 wraps to 1
    const behind = tiny.kvmclockNs(info, 9n);
    assert.strictEqual(behind, (U64 + tiny.scaleDelta(U64, 2 ** 31, 1)) & U64);
  });

  it("never goes back as the TSC moves on (any mul, shift within KVM's range)", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 1n << 40n }),
        fc.bigInt({ min: 0n, max: 1n << 40n }),
        fc.integer({ min: 1, max: 0xffffffff }),
        fc.integer({ min: -8, max: 8 }),
        fc.bigInt({ min: 0n, max: 1n << 62n }),
        (a, b, mul, shift, systemTime) => {
          const info = tiny.readPvclock(area({ tscTimestamp: 0n, systemTime, mul, shift }), 0);
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          return tiny.kvmclockNs(info, lo) <= tiny.kvmclockNs(info, hi);
        },
      ),
    );
  });
});

describe('tiny guest: its code', () => {
  it('is the 23 bytes of the listing: wrmsr of MSR_KVM_SYSTEM_TIME_NEW, then rdtsc; out 0x10; jmp back', () => {
    const code = Buffer.from(tiny.GUEST_CODE);
    assert.strictEqual(code.length, 23);
    assert.strictEqual(code.readUInt32LE(2), 0x4b564d01, 'ECX = MSR_KVM_SYSTEM_TIME_NEW');
    assert.strictEqual(code.readUInt32LE(8), tiny.PVCLOCK_AREA | 1, 'EAX = the pvclock area | enable');
    assert.deepStrictEqual([...code.subarray(15, 17)], [0x0f, 0x30], 'wrmsr');
    assert.deepStrictEqual([...code.subarray(17, 19)], [0x0f, 0x31], 'rdtsc');
    assert.deepStrictEqual([...code.subarray(19, 21)], [0xe6, tiny.REPORT_PORT], 'out REPORT_PORT, al');
    // jmp rel8 from the end of the code lands on rdtsc.
    assert.strictEqual(23 + code.readInt8(22), 17);
    assert.ok(tiny.ENTRY + code.length <= tiny.PVCLOCK_AREA && tiny.PVCLOCK_AREA + 32 <= tiny.MEMORY_SIZE);
  });
});
