// The hot calls' argument block (native/src/call_block.h, lib/native.ts armCall): the
// library passes a checked descriptor (and a TOD's epoch index) in the addon's scratch
// words and arms them right before its call. An armed block must never stand in for
// arguments someone passed, nor outlive the call it was armed for: the raw binding,
// called as before, answers as before.
'use strict';
const assert = require('assert');
const kvm = require('../..');
const { binding, armCall } = require('../../dist/native');

const NOT_OPEN = 2 ** 30; // far above any open descriptor: the kernel answers EBADF
const noArgument = { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' };

describe('the hot calls argument block', () => {
  it("carries a library call's descriptor: the call fails as before, on that descriptor", () => {
    for (const call of [
      () => kvm.getTod(NOT_OPEN),
      () => kvm.setTod(NOT_OPEN, { high: 1, low: 2n }),
      () => kvm.getKvmClock(NOT_OPEN),
      () => kvm.setKvmClock(NOT_OPEN, 5n),
    ]) {
      assert.throws(call, { name: 'KvmError', code: 'EBADF', fd: NOT_OPEN });
    }
  });

  it('is used up by its call: a raw call without its arguments afterwards is an argument error', () => {
    assert.throws(() => kvm.getTod(NOT_OPEN), { code: 'EBADF' });
    assert.throws(() => binding.getTod(), noArgument);
    assert.throws(() => kvm.setKvmClock(NOT_OPEN, 5n), { code: 'EBADF' });
    assert.throws(() => binding.setKvmClock(5n), noArgument);
  });

  it('never stands in for arguments passed, and a call that passes them uses it up', () => {
    armCall(NOT_OPEN);
    assert.throws(() => binding.getTod(NOT_OPEN + 1), { code: 'EBADF', fd: NOT_OPEN + 1 });
    assert.throws(() => binding.getTod(), noArgument);
    armCall(NOT_OPEN, 7);
    assert.throws(() => binding.setTod(NOT_OPEN + 2, 0, 1n), { code: 'EBADF', fd: NOT_OPEN + 2 });
    assert.throws(() => binding.setTod(1n), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  });

  it('is not taken when it holds what the library never arms (a descriptor or epoch index out of range)', () => {
    armCall(-1);
    assert.throws(() => binding.getKvmClock(), noArgument);
    armCall(NOT_OPEN, 256);
    // Read as the raw call it is: 5n is no descriptor.
    assert.throws(() => binding.setTod(5n), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  });

  it("a library call's bad Tod is reported before its descriptor, as before", () => {
    assert.throws(() => kvm.setTod(NOT_OPEN, { high: 0, low: -1n }), {
      name: 'RangeError',
      code: 'ERR_OUT_OF_RANGE',
      message: /"tod\.low"/,
    });
    assert.throws(() => kvm.setTod(-1, { high: 0, low: 1n << 64n }), {
      name: 'RangeError',
      code: 'ERR_OUT_OF_RANGE',
      message: /"tod\.low"/,
    });
  });
});
