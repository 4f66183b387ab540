// What the VMM does with the instructions KVM leaves to it (src/intercepts.ts): no kernel.
'use strict';
const assert = require('assert');
const { ccOf, instructionIntercept, withCc, diagnoseCode, DIAG308_RC_NO_CONFIG } = require('../dist/intercepts');
const { Sclp } = require('../dist/sclp');

function cpu(regs = {}, pswMask = 0x0000000180000000n) {
  const gprs = Array.from({ length: 16 }, (_, i) => regs[i] ?? 0n);
  return { gpr: (n) => gprs[n], setGpr: (n, v) => (gprs[n] = v), pswMask, prefix: 0, gprs };
}

describe('s390-linux intercepts (no kernel)', () => {
  const sclp = new Sclp(new Uint8Array(1 << 20), 1 << 20);
  const noMask = () => assert.fail('no PSW change expected');

  it('DIAGNOSE 0x308 subcode 6 (store IPL information): r1+1 = 0x0102, no IPL information', () => {
    // diag %r2,%r3,0x308: ipa 0x8323, ipb b2=0 d2=0x308
    const c = cpu({ 3: 6n });
    assert.deepStrictEqual(instructionIntercept(0x8323, 0x03080000, c, sclp, noMask), { kind: 'resume' });
    assert.strictEqual(c.gprs[3], DIAG308_RC_NO_CONFIG);
  });

  it('DIAGNOSE codes come from base + displacement; any other DIAGNOSE is a specification exception (0x06)', () => {
    assert.strictEqual(diagnoseCode(0x8300, 0x12600000, cpu({ 1: 0x200n })), 0x460);
    const a = instructionIntercept(0x8324, 0x02600000, cpu(), sclp, noMask);
    assert.deepStrictEqual(a, { kind: 'program', code: 0x06, what: 'DIAGNOSE 0x260' });
    const b = instructionIntercept(0x8323, 0x03080000, cpu({ 3: 5n }), sclp, noMask);
    assert.strictEqual(b.code, 0x06, 'DIAGNOSE 0x308 subcode 5');
  });

  it('SERVC: the SCLP answers, the condition code is set to 0 and a service signal is due', () => {
    const memory = new Uint8Array(1 << 20);
    new DataView(memory.buffer).setUint16(0x8000, 4096);
    const s = new Sclp(memory, 1 << 20);
    const c = cpu({ 1: 0x00020001n, 2: 0x8000n }, withCc(0x0000000180000000n, 3));
    let mask;
    const a = instructionIntercept(0xb220, 0x00120000, c, s, (m) => (mask = m));
    assert.deepStrictEqual(a, { kind: 'service', parm: 0x8000 });
    assert.strictEqual(ccOf(mask), 0);
  });

  it('another privileged instruction is an operation exception (0x01); SIGP left to user space stops the VMM', () => {
    assert.strictEqual(instructionIntercept(0xb9a2, 0x00110000, cpu(), sclp, noMask).code, 0x01); // PTF
    assert.strictEqual(instructionIntercept(0xae12, 0x00060000, cpu(), sclp, noMask).kind, 'stop');
  });
});
