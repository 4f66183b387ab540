// Bad arguments to every native function: a TypeError or RangeError with Node's
// codes, before any system call (so even fd 0, which is open, is never touched).
'use strict';
const assert = require('assert');
const kvm = require('../..');

const NOT_NUMBERS = ['3', 3n, null, undefined, {}, [], true, Symbol('fd'), () => 3];
const BAD_FD_NUMBERS = [-1, 1.5, NaN, Infinity, -Infinity, 2 ** 31, Number.MAX_SAFE_INTEGER + 2];

const fdFunctions = {
  createVm: (fd) => kvm.createVm(fd),
  createVcpu: (fd) => kvm.createVcpu(fd),
  closeFd: (fd) => kvm.closeFd(fd),
  checkExtension: (fd) => kvm.checkExtension(fd, 39),
  getApiVersion: (fd) => kvm.getApiVersion(fd),
  getTod: (fd) => kvm.getTod(fd),
  setTod: (fd) => kvm.setTod(fd, { high: 0, low: 0n }),
  hasTodAttribute: (fd) => kvm.hasTodAttribute(fd, 'low'),
  probeTodExtension: (fd) => kvm.probeTodExtension(fd),
  getKvmClock: (fd) => kvm.getKvmClock(fd),
  setKvmClock: (fd) => kvm.setKvmClock(fd, 0n),
  kvmclockCtrl: (fd) => kvm.kvmclockCtrl(fd),
};

describe('argument checks', () => {
  for (const [name, call] of Object.entries(fdFunctions)) {
    describe(name, () => {
      it('rejects a descriptor that is not a number with ERR_INVALID_ARG_TYPE', () => {
        for (const bad of NOT_NUMBERS) {
          assert.throws(() => call(bad), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }, String(typeof bad));
        }
      });

      it('rejects a negative, fractional or huge descriptor with ERR_OUT_OF_RANGE', () => {
        for (const bad of BAD_FD_NUMBERS) {
          assert.throws(() => call(bad), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }, String(bad));
        }
      });
    });
  }

  it('each function names its descriptor argument as its signature does (getApiVersion: kvmFd)', () => {
    const names = {
      createVm: 'kvmFd',
      createVcpu: 'vmFd',
      closeFd: 'fd',
      checkExtension: 'fd',
      getApiVersion: 'kvmFd',
      getTod: 'vmFd',
      setTod: 'vmFd',
      hasTodAttribute: 'vmFd',
      probeTodExtension: 'vmFd',
      getKvmClock: 'vmFd',
      setKvmClock: 'vmFd',
      kvmclockCtrl: 'vcpuFd',
    };
    assert.deepStrictEqual(Object.keys(names).sort(), Object.keys(fdFunctions).sort());
    for (const [name, call] of Object.entries(fdFunctions)) {
      assert.throws(
        () => call('x'),
        { message: `The "${names[name]}" argument must be of type number. Received type string` },
        name,
      );
    }
  });

  it('names the argument and what it got', () => {
    assert.throws(() => kvm.getTod('3'), {
      message: 'The "vmFd" argument must be of type number. Received type string',
    });
    assert.throws(() => kvm.getTod(1.5), {
      message: 'The value of "vmFd" is out of range. It must be an integer >= 0 && <= 2147483647. Received 1.5',
    });
  });

  describe('setTod', () => {
    const fd = 0; // never reached: the checks come first
    const cases = [
      [undefined, TypeError],
      [null, TypeError],
      [5, TypeError],
      [{ high: '0', low: 0n }, TypeError],
      [{ high: 0, low: 0 }, TypeError],
      [{ high: 0 }, TypeError],
      [{ low: 0n }, TypeError],
      [{ high: 256, low: 0n }, RangeError],
      [{ high: -1, low: 0n }, RangeError],
      [{ high: 0.5, low: 0n }, RangeError],
      [{ high: NaN, low: 0n }, RangeError],
      [{ high: 0, low: -1n }, RangeError],
      [{ high: 0, low: 1n << 64n }, RangeError],
    ];
    for (const [tod, type] of cases) {
      it(`rejects ${describeValue(tod)} with ${type.name}`, () => {
        assert.throws(
          () => kvm.setTod(fd, tod),
          (e) => e instanceof type && /ERR_/.test(e.code),
        );
      });
    }

    it('accepts the extremes of the range (and then fails in the kernel, not in the checks)', () => {
      const devNull = require('fs').openSync('/dev/null', 'r');
      try {
        for (const tod of [
          { high: 0, low: 0n },
          { high: 255, low: (1n << 64n) - 1n },
        ]) {
          assert.throws(() => kvm.setTod(devNull, tod), { name: 'KvmError', code: 'ENOTTY' });
        }
      } finally {
        require('fs').closeSync(devNull);
      }
    });
  });

  describe('setKvmClock', () => {
    for (const bad of [undefined, 5, '5', null]) {
      it(`rejects clock ${describeValue(bad)} with TypeError`, () => {
        assert.throws(() => kvm.setKvmClock(0, bad), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
      });
    }
    for (const bad of [-1n, 1n << 64n]) {
      it(`rejects clock ${bad}n with RangeError`, () => {
        assert.throws(() => kvm.setKvmClock(0, bad), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
      });
    }
    it('rejects a realtime that is not a bigint', () => {
      assert.throws(() => kvm.setKvmClock(0, 1n, { realtime: 5 }), { name: 'TypeError' });
    });
  });

  describe('hasTodAttribute', () => {
    for (const bad of ['LOW', 'lo', '', 0, undefined, null, 'toString', '__proto__']) {
      it(`rejects attribute ${describeValue(bad)}`, () => {
        assert.throws(() => kvm.hasTodAttribute(0, bad), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
      });
    }
  });

  describe('openKvm', () => {
    for (const bad of [5, null, {}, Symbol('p')]) {
      it(`rejects path ${describeValue(bad)} with ERR_INVALID_ARG_TYPE`, () => {
        assert.throws(() => kvm.openKvm(bad), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
      });
    }
    it('rejects an empty path and a path with a NUL byte with ERR_INVALID_ARG_VALUE', () => {
      assert.throws(() => kvm.openKvm(''), { code: 'ERR_INVALID_ARG_VALUE' });
      assert.throws(() => kvm.openKvm('/dev/kvm\0/etc/passwd'), { code: 'ERR_INVALID_ARG_VALUE' });
    });
  });

  it('checkExtension needs a capability number', () => {
    assert.throws(() => kvm.checkExtension(0), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => kvm.checkExtension(0, -1), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => kvm.checkExtension(0, 'x'), { name: 'TypeError' });
  });

  it('createVm and createVcpu check their second argument', () => {
    assert.throws(() => kvm.createVm(0, -1), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => kvm.createVm(0, 2 ** 32), { name: 'RangeError' });
    assert.throws(() => kvm.createVcpu(0, 0.5), { name: 'RangeError' });
    assert.throws(() => kvm.createVcpu(0, 'a'), { name: 'TypeError' });
  });
});

function describeValue(v) {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'symbol') return v.toString();
  try {
    return JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
  } catch {
    return String(v);
  }
}
