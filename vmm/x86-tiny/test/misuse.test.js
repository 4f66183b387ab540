// The tiny VMM's native glue misused: bad arguments fail with Node's codes before any
// system call, closed descriptors with the library's KvmError naming the call, and a
// missing addon with a reason instead of a crash. None of it needs /dev/kvm.
'use strict';
const assert = require('assert');
const { execFileSync } = require('child_process');
const path = require('path');
const kvm = require('kvm-tod');
const tiny = require('..');

const { closedFd } = require('@kvm-tod/testkit/fd-tools');

const skipReason = (() => {
  const raw = tiny.loadTinyVmm();
  return raw instanceof Error ? raw.message : undefined;
})();
const itVmm = (title, fn) => (skipReason ? it.skip(`${title} [skipped: ${skipReason}]`, fn) : it(title, fn));

describe('tiny VMM glue: misuse', () => {
  const raw = () => tiny.tinyVmm();
  const page = () => new ArrayBuffer(4096);
  const calls = {
    mapGuestMemory: (fd) => raw().mapGuestMemory(fd, 0, 0, 4096),
    setSupportedCpuid: (fd) => raw().setSupportedCpuid(fd, fd),
    setRealMode: (fd) => raw().setRealMode(fd, 0x1000),
    mapRun: (fd) => raw().mapRun(fd, fd),
    run: (fd) => raw().run(fd, page()),
  };

  for (const [name, call] of Object.entries(calls)) {
    itVmm(`${name}: a descriptor that is not a number is ERR_INVALID_ARG_TYPE, a negative one ERR_OUT_OF_RANGE`, () => {
      for (const bad of ['3', 3n, null, undefined, {}])
        assert.throws(() => call(bad), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
      for (const bad of [-1, 1.5, NaN, 2 ** 31])
        assert.throws(() => call(bad), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    });

    itVmm(`${name}: a closed descriptor is a KvmError EBADF naming the call`, () => {
      const fd = closedFd();
      assert.throws(
        () => call(fd),
        (error) =>
          error instanceof kvm.KvmError &&
          error.code === 'EBADF' &&
          error.errno === -9 &&
          (error.request !== undefined || error.syscall === 'mmap'),
      );
    });
  }

  itVmm('run: a kvm_run page that is not an ArrayBuffer, or too small to be one, is refused before KVM_RUN', () => {
    assert.throws(() => raw().run(0, new Uint8Array(4096)), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => raw().run(0, undefined), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => raw().run(0, new ArrayBuffer(16)), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
  });

  itVmm('mapGuestMemory and setRealMode check their numbers: slot, address, size, ip', () => {
    const r = raw();
    assert.throws(() => r.mapGuestMemory(0, -1, 0, 4096), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => r.mapGuestMemory(0, 0, 2 ** 32, 4096), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => r.mapGuestMemory(0, 0, 0, 2 ** 31), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => r.mapGuestMemory(0, 0, 0), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => r.setRealMode(0, 0x10000), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => r.setRealMode(0), { code: 'ERR_INVALID_ARG_TYPE' });
  });

  itVmm('mapGuestMemory of zero bytes fails in mmap with EINVAL, leaving nothing mapped', () => {
    assert.throws(
      () => raw().mapGuestMemory(0, 0, 0, 0),
      (e) => e instanceof kvm.KvmError && e.syscall === 'mmap' && e.code === 'EINVAL',
    );
  });

  it('a missing addon is a reason, and TinyVm.create throws ERR_TINY_VMM_UNAVAILABLE, not a crash', () => {
    const program = `
      const tiny = require(${JSON.stringify(path.join(__dirname, '..'))});
      const loaded = tiny.loadTinyVmm();
      let code;
      try { tiny.TinyVm.create(); } catch (e) { code = e.code; }
      console.log(JSON.stringify({ reason: loaded instanceof Error ? loaded.message : null, code }));`;
    const out = execFileSync(process.execPath, ['-e', program], {
      env: { ...process.env, KVM_TOD_TINY_VMM_ADDON: '/nonexistent/tiny_vmm.node' },
      encoding: 'utf8',
    });
    const { reason, code } = JSON.parse(out);
    assert.match(reason, /nonexistent\/tiny_vmm\.node|needs linux x64/);
    assert.strictEqual(code, 'ERR_TINY_VMM_UNAVAILABLE');
  });
});
