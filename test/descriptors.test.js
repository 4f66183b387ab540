// Descriptors that are not what the caller thinks: closed, not KVM at all. Each
// gets a KvmError carrying errno, code, syscall, request and the descriptor.
'use strict';
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const kvm = require('..');

const vmCalls = {
  getTod: { call: (fd) => kvm.getTod(fd), request: 'KVM_GET_DEVICE_ATTR', attribute: 'KVM_S390_VM_TOD_EXT' },
  setTod: { call: (fd) => kvm.setTod(fd, { high: 0, low: 1n }), request: 'KVM_SET_DEVICE_ATTR', attribute: 'KVM_S390_VM_TOD_EXT' },
  hasTodAttribute: { call: (fd) => kvm.hasTodAttribute(fd, 'low'), request: 'KVM_HAS_DEVICE_ATTR', attribute: 'KVM_S390_VM_TOD_LOW' },
  probeTodExtension: { call: (fd) => kvm.probeTodExtension(fd), request: 'KVM_GET_DEVICE_ATTR', attribute: 'KVM_S390_VM_TOD_EXT' },
  getKvmClock: { call: (fd) => kvm.getKvmClock(fd), request: 'KVM_GET_CLOCK' },
  setKvmClock: { call: (fd) => kvm.setKvmClock(fd, 1n), request: 'KVM_SET_CLOCK' },
  kvmclockCtrl: { call: (fd) => kvm.kvmclockCtrl(fd), request: 'KVM_KVMCLOCK_CTRL' },
  checkExtension: { call: (fd) => kvm.checkExtension(fd, 39), request: 'KVM_CHECK_EXTENSION' },
  getApiVersion: { call: (fd) => kvm.getApiVersion(fd), request: 'KVM_GET_API_VERSION' },
  createVm: { call: (fd) => kvm.createVm(fd), request: 'KVM_CREATE_VM' },
  createVcpu: { call: (fd) => kvm.createVcpu(fd), request: 'KVM_CREATE_VCPU' },
};

function closedFd() {
  const fd = fs.openSync('/dev/null', 'r');
  fs.closeSync(fd);
  return fd;
}

describe('descriptors', () => {
  describe('a closed descriptor is EBADF', () => {
    for (const [name, { call, request, attribute }] of Object.entries(vmCalls)) {
      it(name, () => {
        const fd = closedFd();
        assert.throws(() => call(fd), (e) => {
          assert.ok(e instanceof kvm.KvmError);
          assert.ok(e instanceof Error);
          assert.strictEqual(e.name, 'KvmError');
          assert.strictEqual(e.code, 'EBADF');
          assert.strictEqual(e.errno, -9);
          assert.strictEqual(e.syscall, 'ioctl');
          assert.strictEqual(e.request, request);
          assert.strictEqual(e.attribute, attribute);
          assert.strictEqual(e.fd, fd);
          assert.match(e.message, new RegExp(`${request}.* on fd ${fd} failed: ioctl EBADF \\(errno -9\\)`));
          return true;
        });
      });
    }

    it('closeFd', () => {
      const fd = closedFd();
      assert.throws(() => kvm.closeFd(fd), { name: 'KvmError', code: 'EBADF', errno: -9, syscall: 'close', fd });
    });
  });

  describe('a descriptor that is not KVM is ENOTTY, and nothing is written to it', () => {
    let dir;
    let file;
    let fd;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvm-tod-'));
      file = path.join(dir, 'not-kvm');
      fs.writeFileSync(file, 'untouched');
    });
    beforeEach(() => {
      fd = fs.openSync(file, 'r+');
    });
    afterEach(() => fs.closeSync(fd));
    after(() => fs.rmSync(dir, { recursive: true }));

    for (const [name, { call, request }] of Object.entries(vmCalls)) {
      it(name, () => {
        assert.throws(() => call(fd), { name: 'KvmError', code: 'ENOTTY', errno: -25, request, fd });
        assert.strictEqual(fs.readFileSync(file, 'utf8'), 'untouched');
      });
    }
  });

  describe('openKvm', () => {
    it('a missing device is ENOENT with the path', () => {
      assert.throws(() => kvm.openKvm('/dev/no-such-kvm'), {
        name: 'KvmError',
        code: 'ENOENT',
        errno: -2,
        syscall: 'open',
        path: '/dev/no-such-kvm',
        message: "open '/dev/no-such-kvm' failed: ENOENT (errno -2): no such file or directory",
      });
    });

    it('opens any path it is given (KVM or not) and the descriptor closes', () => {
      const fd = kvm.openKvm('/dev/null');
      assert.ok(Number.isInteger(fd) && fd > 2);
      kvm.closeFd(fd);
      assert.throws(() => kvm.closeFd(fd), { code: 'EBADF' });
    });
  });

  describe('KvmError', () => {
    it('takes the errno either way round and names unknown ones', () => {
      assert.strictEqual(new kvm.KvmError(25, 'ioctl').errno, -25);
      assert.strictEqual(new kvm.KvmError(-25, 'ioctl').code, 'ENOTTY');
      const unknown = new kvm.KvmError(4000, 'ioctl', { request: 'KVM_X' });
      assert.strictEqual(unknown.errno, -4000);
      assert.match(unknown.message, /KVM_X failed/);
    });
  });
});
