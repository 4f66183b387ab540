// The SCLP as the guest's kernel drives it (src/sclp.ts), on a plain byte array: no kernel.
'use strict';
const assert = require('assert');
const { RC, EVTYP, PGM, Sclp, realToAbsolute } = require('../dist/sclp');

const MIB = 0x100000;
const SCCB = 0x25000; // where the guest's boot code keeps its early SCCB (page-aligned, below 2 GiB)

/** A guest of `mib` MiB with an SCCB of `length` bytes at `at`, and its SCLP. */
function guest(length, at = SCCB, mib = 4) {
  const memory = new Uint8Array(mib * MIB);
  const view = new DataView(memory.buffer);
  view.setUint16(at, length);
  return { memory, view, sclp: new Sclp(memory, mib * MIB) };
}

/** An event mask of `n` bytes with event types `types` set (type T is bit T-1 from the left). */
function mask(n, types) {
  const bytes = new Uint8Array(n);
  for (const t of types) bytes[(t - 1) >> 3] |= 0x80 >> ((t - 1) & 7);
  return bytes;
}

describe('s390-linux SCLP (no kernel)', () => {
  it('READ SCP INFO: the memory in 1 MiB increments, one CPU (core 0) at offset 128, response 0x0010', () => {
    const { view, sclp } = guest(4096, SCCB, 256);
    const r = sclp.serviceCall(0x00020001, SCCB, 0);
    assert.deepStrictEqual(r, { cc: 0, responseCode: 0x10, serviceSignal: SCCB });
    assert.strictEqual(view.getUint16(SCCB + 6), 0x10);
    assert.strictEqual(view.getUint16(SCCB + 8), 256, 'rnmax');
    assert.strictEqual(view.getUint8(SCCB + 10), 1, 'rnsize (MiB)');
    assert.strictEqual(view.getUint16(SCCB + 16), 1, 'ncpurl');
    assert.strictEqual(view.getUint16(SCCB + 18), 128, 'cpuoff');
    assert.strictEqual(view.getUint8(SCCB + 128), 0, 'core id of the one CPU');
    assert.strictEqual(view.getBigUint64(SCCB + 48), 0n, 'no SCLP facilities (no CPU or memory reconfiguration)');
  });

  it('READ SCP INFO "forced" is the same command; a too short SCCB gets 0x0300 and nothing else', () => {
    const a = guest(4096);
    assert.strictEqual(a.sclp.serviceCall(0x00120001, SCCB, 0).responseCode, RC.READ_COMPLETION);
    const b = guest(64);
    assert.strictEqual(b.sclp.serviceCall(0x00120001, SCCB, 0).responseCode, RC.INSUFFICIENT_LENGTH);
    assert.strictEqual(b.view.getUint16(SCCB + 8), 0, 'no memory size written');
  });

  for (const n of [4, 8]) {
    it(`WRITE EVENT MASK (${n}-byte masks): the guest's masks in, the SCLP's out (VT220 both ways)`, () => {
      const { memory, view, sclp } = guest(12 + 4 * n);
      view.setUint16(SCCB + 10, n);
      memory.set(mask(n, [EVTYP.OPCMD]), SCCB + 12); // what the guest receives
      memory.set(mask(n, [EVTYP.MSG, EVTYP.VT220MSG]), SCCB + 12 + n); // what it sends
      assert.strictEqual(sclp.serviceCall(0x00780005, SCCB, 0).responseCode, RC.COMPLETION);
      assert.deepStrictEqual(sclp.state, { guestReceives: [EVTYP.OPCMD], guestSends: [EVTYP.MSG, EVTYP.VT220MSG] });
      assert.deepStrictEqual([...memory.subarray(SCCB + 12 + 2 * n, SCCB + 12 + 3 * n)], [...mask(n, [2, 0x1a])]);
      assert.deepStrictEqual([...memory.subarray(SCCB + 12 + 3 * n, SCCB + 12 + 4 * n)], [...mask(n, [0x1a])]);
    });
  }

  it('WRITE EVENT MASK with mask length 0 or 9 is 0x74f0 (the kernel then retries with 4 bytes)', () => {
    for (const n of [0, 9]) {
      const { view, sclp } = guest(12 + 4 * 9);
      view.setUint16(SCCB + 10, n);
      assert.strictEqual(sclp.serviceCall(0x00780005, SCCB, 0).responseCode, RC.INVALID_MASK_LENGTH);
    }
  });

  it('WRITE EVENT DATA: the VT220 buffers are the console output, each marked processed (0x80)', () => {
    const text = Buffer.from('kvmtod-clock 1 2.000000000 3.000000000\n');
    const { memory, view, sclp } = guest(8 + 2 * (6 + text.length));
    for (const at of [SCCB + 8, SCCB + 8 + 6 + text.length]) {
      view.setUint16(at, 6 + text.length);
      view.setUint8(at + 2, EVTYP.VT220MSG);
      memory.set(text, at + 6);
    }
    const r = sclp.serviceCall(0x00760005, SCCB, 0);
    assert.strictEqual(r.responseCode, RC.COMPLETION);
    assert.strictEqual(Buffer.from(r.console).toString(), text.toString() + text.toString());
    assert.strictEqual(view.getUint8(SCCB + 8 + 3), 0x80);
    assert.strictEqual(view.getUint8(SCCB + 8 + 6 + text.length + 3), 0x80);
  });

  it('WRITE EVENT DATA of a type the SCLP does not receive is 0x40f0, unprocessed (sclp_sd waits for a reply)', () => {
    const { view, sclp } = guest(8 + 6 + 16);
    view.setUint16(SCCB + 8, 6 + 16);
    view.setUint8(SCCB + 8 + 2, 0x3e); // a Store Data request
    const r = sclp.serviceCall(0x00760005, SCCB, 0);
    assert.strictEqual(r.responseCode, RC.INVALID_FUNCTION);
    assert.strictEqual(r.console, undefined);
    assert.strictEqual(view.getUint8(SCCB + 8 + 3), 0, 'not marked processed');
    assert.strictEqual(r.serviceSignal, SCCB, 'the command still completes with a service signal');
  });

  it('READ EVENT DATA: no event buffers (0x60f0); an unknown command: invalid command (0x01f0)', () => {
    const { sclp } = guest(4096);
    assert.strictEqual(sclp.serviceCall(0x00770005, SCCB, 0).responseCode, RC.NO_EVENT_BUFFERS);
    assert.strictEqual(sclp.serviceCall(0x00010001, SCCB, 0).responseCode, RC.INVALID_COMMAND);
    assert.strictEqual(sclp.serviceCall(0x00040001, SCCB, 0).responseCode, RC.INVALID_COMMAND);
  });

  it('SERVC faults: problem state, a misaligned or too high SCCB, one outside memory; crossing a page: 0x0100', () => {
    const { sclp, view } = guest(4096);
    assert.deepStrictEqual(sclp.serviceCall(0x00020001, SCCB, 0, true), { cc: 0, programInterrupt: PGM.PRIVILEGED });
    assert.strictEqual(sclp.serviceCall(0x00020001, SCCB + 4, 0).programInterrupt, PGM.SPECIFICATION);
    assert.strictEqual(sclp.serviceCall(0x00020001, 0x80000000, 0).programInterrupt, PGM.SPECIFICATION);
    assert.strictEqual(sclp.serviceCall(0x00020001, 64 * MIB, 0).programInterrupt, PGM.ADDRESSING);
    view.setUint16(SCCB + 0x800, 4096);
    assert.strictEqual(sclp.serviceCall(0x00020001, SCCB + 0x800, 0).responseCode, RC.BOUNDARY_VIOLATION);
  });

  it('an SCCB address is real: the first 8 KiB and the prefix area swap places', () => {
    const prefix = 0x10000;
    assert.strictEqual(realToAbsolute(0x1000, prefix), 0x11000);
    assert.strictEqual(realToAbsolute(0x11000, prefix), 0x1000);
    assert.strictEqual(realToAbsolute(0x25000, prefix), 0x25000);
    const { view, sclp } = guest(4096, 0x10000 + 0x1000);
    assert.strictEqual(sclp.serviceCall(0x00020001, 0x1000, prefix).responseCode, RC.READ_COMPLETION);
    assert.strictEqual(view.getUint16(0x11000 + 6), 0x10);
  });
});
