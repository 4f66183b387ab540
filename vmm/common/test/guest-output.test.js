// What both Linux-guest VMMs read of the guest's console, whatever the architecture: the
// bytes as stamped lines (src/guest-console.ts), the clock lines and the leap across a pause
// (src/guest-output.ts). No kernel: the lines are the guests' own, as seen in the boxes.
'use strict';
const assert = require('assert');
const { LineAssembler, parseClockLine, guestLeap, firstMatch, NEAREST_SAMPLES } = require('..');

const MS = 1_000_000n;
const ms = (n) => BigInt(n) * MS;

describe('vmm-common: the guest console as lines', () => {
  it('cuts bytes into lines across writes, drops the CR, stamps the first and last byte', () => {
    const lines = [];
    const a = new LineAssembler((l) => lines.push(l));
    a.push(Buffer.from('kvmtod-guest re'), 10n);
    a.push(Buffer.from('ady\r\nsecond\r\nthi'), 20n);
    assert.deepStrictEqual(lines, [
      { text: 'kvmtod-guest ready', startNs: 10n, endNs: 20n },
      { text: 'second', startNs: 20n, endNs: 20n },
    ]);
  });

  it('one byte at a time (a UART) gives the same lines, an empty line stamped at its newline', () => {
    const lines = [];
    const a = new LineAssembler((l) => lines.push(l));
    [...Buffer.from('ab\r\n\n')].forEach((byte, i) => a.pushByte(byte, BigInt(i)));
    assert.deepStrictEqual(lines, [
      { text: 'ab', startNs: 0n, endNs: 3n },
      { text: '', startNs: 4n, endNs: 4n },
    ]);
  });

  it('a half-written line travels with a migration (JSON) and is ended when the thread ends', () => {
    const lines = [];
    const a = new LineAssembler((l) => lines.push(l));
    a.push(Buffer.from('thi'), 20n);
    const b = new LineAssembler((l) => lines.push(l));
    b.restore(JSON.parse(JSON.stringify(a.snapshot())));
    b.push(Buffer.from('rd'), 25n);
    b.flush(30n);
    b.flush(40n); // nothing pending: no empty line
    assert.deepStrictEqual(lines, [{ text: 'third', startNs: 20n, endNs: 30n }]);
  });
});

describe("vmm-common: the guest's clock lines and its leap", () => {
  it('reads a clock line; rejects one a kernel message broke into or led', () => {
    assert.deepStrictEqual(parseClockLine('kvmtod-clock 7 1796392595.290793000 114.716947000', 5n), {
      seq: 7,
      realtimeNs: 1796392595290793000n,
      monotonicNs: 114716947000n,
      hostNs: 5n,
    });
    assert.strictEqual(parseClockLine('kvmtod-clock 7 1796392595.29079[  12.3] rcu: x', 5n), undefined);
    assert.strictEqual(parseClockLine('[    1.0] kvmtod-clock 1 2.000000000 3.000000000', 0n), undefined);
  });

  it('the nearest samples: the movement across the pause beyond the time the guest ran', () => {
    const sample = (seq, guestMs, hostMs) => ({
      seq,
      realtimeNs: ms(1_000_000 + guestMs),
      monotonicNs: ms(guestMs),
      hostNs: ms(hostMs),
    });
    // The guest ticks every 250 ms; the host stops it at 1100 and lets it go at 11100.
    const noHold = [0, 1, 2, 3, 4].map((i) => sample(i, 250 * i, 250 * i)).concat(sample(5, 11250, 11250));
    const leap = guestLeap(noHold, ms(1100), ms(11100));
    assert.strictEqual(leap.monotonicLeapNs, ms(10000));
    assert.strictEqual(leap.realtimeLeapNs, ms(10000));
    assert.strictEqual(leap.before.seq, 4);
    assert.strictEqual(leap.after.seq, 5);
    const frozen = [...noHold.slice(0, 5), sample(5, 1250, 11250)];
    assert.strictEqual(guestLeap(frozen, ms(1100), ms(11100), NEAREST_SAMPLES).monotonicLeapNs, 0n);
    assert.strictEqual(guestLeap(noHold.slice(0, 5), ms(1100), ms(11100)), undefined, 'no sample after the cont');
    assert.strictEqual(guestLeap(noHold.slice(5), ms(1100), ms(11100)), undefined, 'no sample before the stop');
  });

  it('a wider window reads each side from its least delayed line', () => {
    const s = (hostMs, monoMs) => ({ seq: 0, realtimeNs: ms(monoMs), monotonicNs: ms(monoMs), hostNs: ms(hostMs) });
    // Lines every 500 ms, each reaching the VMM 5 ms after its reading; a stop at 1010 ms, a
    // 10 s pause: held, the guest's clock goes on from 1000 ms; not held, with the host's.
    const before = [s(5, 0), s(505, 500), s(1005, 1000)];
    const window = { before: 4, after: 8 };
    const held = guestLeap([...before, s(11505, 1500), s(12005, 2000)], ms(1010), ms(11010), window);
    assert.strictEqual(held.monotonicLeapNs, 0n);
    const ran = guestLeap([...before, s(11505, 11500), s(12005, 12000)], ms(1010), ms(11010), window);
    assert.strictEqual(ran.monotonicLeapNs, ms(10000));
    assert.strictEqual(ran.realtimeLeapNs, ms(10000));
    // The first line after the cont came 3 s late (the kernel was printing a stall report):
    // the next one, on time, decides; the nearest sample alone would read 3 s less.
    const late = [...before, s(14505, 11500), s(15005, 15000)];
    assert.strictEqual(guestLeap(late, ms(1010), ms(11010), window).monotonicLeapNs, ms(10000));
    assert.strictEqual(guestLeap(late, ms(1010), ms(11010)).monotonicLeapNs, ms(7000));
  });

  it('firstMatch: the first kind in the list whose pattern matches', () => {
    const kinds = [
      ['tasks', /rcu_tasks/],
      ['rcu', /rcu/],
    ];
    assert.strictEqual(firstMatch(kinds, 'INFO: rcu_tasks detected stalls'), 'tasks');
    assert.strictEqual(firstMatch(kinds, 'rcu: INFO: stall'), 'rcu');
    assert.strictEqual(firstMatch(kinds, 'kvmtod-clock 1'), undefined);
  });
});
