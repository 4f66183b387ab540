// Reading a TOD: Unix time, Date, 72-bit values, the readable form.
'use strict';
const assert = require('assert');
const tod = require('../..');

describe('TOD helpers', () => {
  it('1970-01-01 is 0x7D91048BCA000000 and maps to Unix 0', () => {
    assert.deepStrictEqual(tod.todFromUnixNs(0n), { high: 0, low: 0x7d91048bca000000n });
    assert.strictEqual(tod.todToUnixNs({ high: 0, low: 0x7d91048bca000000n }), 0n);
    assert.strictEqual(tod.todToDate({ high: 0, low: 0x7d91048bca000000n }).toISOString(), '1970-01-01T00:00:00.000Z');
  });

  it('one microsecond is 4096 units (bit 51)', () => {
    const a = tod.todFromUnixNs(0n);
    const b = tod.todFromUnixNs(1000n);
    assert.strictEqual(b.low - a.low, 4096n);
    assert.strictEqual(tod.todDiffNs(b, a), 1000n);
    assert.strictEqual(tod.todDiffNs(a, b), -1000n);
  });

  it('the 1900 epoch is TOD zero', () => {
    const t = { high: 0, low: 0n };
    assert.strictEqual(tod.todToDate(t).toISOString(), '1900-01-01T00:00:00.000Z');
    assert.ok(tod.todToUnixNs(t) < 0n);
  });

  it('the 64-bit clock wraps in 2042 into epoch index 1', () => {
    const last = { high: 0, low: (1n << 64n) - 1n };
    assert.match(tod.todToIsoString(last), /^2042-09-17T23:53:47\.370495/);
    const next = tod.todFromUnixNs(tod.todToUnixNs(last) + 1000n);
    assert.strictEqual(next.high, 1);
    assert.ok(next.low < 4096n * 2n);
    assert.ok(tod.todDiffNs(next, last) > 0n);
  });

  it('round-trips Unix ns within the TOD resolution (1/4.096 ns) and Dates exactly', () => {
    const ns = 1_764_099_000_123_456_789n;
    const back = tod.todToUnixNs(tod.todFromUnixNs(ns));
    assert.ok(back <= ns && ns - back <= 1n, `${ns} came back as ${back}`);
    const date = new Date('2026-11-25T19:28:36.123Z');
    assert.strictEqual(tod.todToDate(tod.todFromDate(date)).getTime(), date.getTime());
  });

  it('formats hex and UTC with the epoch index', () => {
    assert.strictEqual(
      tod.formatTod({ high: 0, low: 0x7d91048bca000000n }),
      'epoch 0 0x7d91048bca000000 (1970-01-01T00:00:00.000000000Z)',
    );
    assert.match(tod.formatTod({ high: 1, low: 0n }), /^epoch 1 0x0000000000000000 \(2042-09-17T23:53:47\.37049/);
  });

  it('72-bit values split and join', () => {
    const v = (0xabn << 64n) | 0x0123456789abcdefn;
    assert.deepStrictEqual(tod.todFromBigInt(v), { high: 0xab, low: 0x0123456789abcdefn });
    assert.strictEqual(tod.todToBigInt({ high: 0xab, low: 0x0123456789abcdefn }), v);
    assert.throws(() => tod.todFromBigInt(1n << 72n), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => tod.todFromBigInt(-1n), RangeError);
    assert.throws(() => tod.todFromBigInt(1), TypeError);
  });

  it('rejects what is not a Tod or a time', () => {
    assert.throws(() => tod.formatTod({ high: 0, low: 1 }), { name: 'TypeError' });
    assert.throws(() => tod.todToUnixNs(null), { name: 'TypeError' });
    assert.throws(() => tod.todFromDate(new Date(NaN)), { name: 'TypeError' });
    assert.throws(() => tod.todFromDate('2026-01-01'), { name: 'TypeError' });
    assert.throws(() => tod.todFromUnixNs(5), { name: 'TypeError' });
    assert.throws(() => tod.todFromUnixNs(-(10n ** 20n)), { name: 'RangeError' });
    assert.throws(
      () =>
        tod.assertTod({
          high: 0,
          get low() {
            throw new Error('getter');
          },
        }),
      /getter/,
    );
  });

  it('hostTod is near Date.now', () => {
    const diffMs = Number(tod.todToUnixNs(tod.hostTod()) / 1_000_000n) - Date.now();
    assert.ok(Math.abs(diffMs) < 1000, `host TOD is ${diffMs} ms off Date.now()`);
  });
});
