// Descriptors that are not what the caller thinks. First the plain cases: closed, not
// KVM at all, each a KvmError carrying errno, code, syscall, request and the descriptor.
// Then misuse: a VM descriptor that was closed, a VM descriptor number
// that another file now holds, a /dev/kvm descriptor where a VM descriptor is expected
// (and the other way round), and a VM descriptor number from another process. Each is
// a clear KvmError naming the call and the descriptor, GuestClock turns it into its
// warning, and nothing is written to the descriptor that is not the VM (file bytes,
// size and mtime unchanged; a FIFO stays empty; the other process's VM keeps its clock).
// Here the VMs come from the s390 kernel double; the real /dev/kvm variants are in
// test/kvm/descriptors.test.js (run inside the KVM box).
'use strict';
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const { spawn, execFileSync } = require('child_process');
const kvm = require('../..');
const double = require('@kvm-tod/testkit/s390-double');
const { assertEveryCallFails } = require('../helpers/vm-calls');
const { closedFd, isOpen, openAt, openAtOrAbove, snapshot, victimFile } = require('@kvm-tod/testkit/fd-tools');
const { collectWarnings } = require('@kvm-tod/testkit/counting-device');

const vmCalls = {
  getTod: { call: (fd) => kvm.getTod(fd), request: 'KVM_GET_DEVICE_ATTR', attribute: 'KVM_S390_VM_TOD_EXT' },
  setTod: {
    call: (fd) => kvm.setTod(fd, { high: 0, low: 1n }),
    request: 'KVM_SET_DEVICE_ATTR',
    attribute: 'KVM_S390_VM_TOD_EXT',
  },
  hasTodAttribute: {
    call: (fd) => kvm.hasTodAttribute(fd, 'low'),
    request: 'KVM_HAS_DEVICE_ATTR',
    attribute: 'KVM_S390_VM_TOD_LOW',
  },
  probeTodExtension: {
    call: (fd) => kvm.probeTodExtension(fd),
    request: 'KVM_GET_DEVICE_ATTR',
    attribute: 'KVM_S390_VM_TOD_EXT',
  },
  getKvmClock: { call: (fd) => kvm.getKvmClock(fd), request: 'KVM_GET_CLOCK' },
  setKvmClock: { call: (fd) => kvm.setKvmClock(fd, 1n), request: 'KVM_SET_CLOCK' },
  kvmclockCtrl: { call: (fd) => kvm.kvmclockCtrl(fd), request: 'KVM_KVMCLOCK_CTRL' },
  checkExtension: { call: (fd) => kvm.checkExtension(fd, 39), request: 'KVM_CHECK_EXTENSION' },
  getApiVersion: { call: (fd) => kvm.getApiVersion(fd), request: 'KVM_GET_API_VERSION' },
  createVm: { call: (fd) => kvm.createVm(fd), request: 'KVM_CREATE_VM' },
  createVcpu: { call: (fd) => kvm.createVcpu(fd), request: 'KVM_CREATE_VCPU' },
};

describe('descriptors', () => {
  describe('a closed descriptor is EBADF', () => {
    for (const [name, { call, request, attribute }] of Object.entries(vmCalls)) {
      it(name, () => {
        const fd = closedFd();
        assert.throws(
          () => call(fd),
          (e) => {
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
          },
        );
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

/** A GuestClock over an s390 device on fd, with its warnings collected. */
function s390Clock(fd) {
  const { warnings, warn } = collectWarnings();
  const clock = new kvm.GuestClock(new kvm.S390TodDevice(fd), { warn });
  return { clock, warnings };
}

function assertWarnings(warnings, code, errnoCode) {
  assert.deepStrictEqual(
    warnings.map((w) => [w.code, w.cause && w.cause.code]),
    [[code, errnoCode]],
  );
  warnings.length = 0;
}

describe('descriptor misuse', function () {
  this.timeout(30000);
  const victim = victimFile();
  const { CONTENT } = victim;

  describe('a VM descriptor that was closed', () => {
    double.itDouble(
      'every call is EBADF, and a GuestClock over it warns and keeps nothing',
      double.withDoubleVm((vmFd, kvmFd) => {
        const stale = kvm.createVm(kvmFd);
        const { clock, warnings } = s390Clock(stale);
        clock.vmStateChanged(true);
        kvm.closeFd(stale);
        assert.ok(!isOpen(stale));

        assertEveryCallFails(stale, ['EBADF'], 'closed VM');
        clock.vmStateChanged(false);
        assert.strictEqual(clock.held, false);
        assertWarnings(warnings, kvm.WarningCodes.HOLD_FAILED, 'EBADF');
        assert.throws(() => clock.load({ high: 0, low: 1n }), { name: 'KvmError', code: 'EBADF' });
        assert.strictEqual(clock.held, false, 'a failed load holds nothing');
        assert.deepStrictEqual([...kvm.saveTodSection(clock)], [0], 'the section says "missing"');
        assertWarnings(warnings, kvm.WarningCodes.NOT_MIGRATED, 'EBADF');
        // the other VM of the same /dev/kvm is untouched and works
        kvm.setTod(vmFd, { high: 0, low: 42n });
        assert.ok(kvm.getTod(vmFd).low >= 42n);
        assert.throws(() => kvm.closeFd(stale), { name: 'KvmError', code: 'EBADF', syscall: 'close', fd: stale });
      }),
    );

    double.itDouble(
      'closed while held: cont is one KVM_TOD_RESTORE_FAILED (EBADF) and the clock is released',
      double.withDoubleVm((vmFd, kvmFd) => {
        const vm = kvm.createVm(kvmFd);
        const { clock, warnings } = s390Clock(vm);
        clock.vmStateChanged(true);
        clock.vmStateChanged(false);
        assert.strictEqual(clock.held, true);
        kvm.closeFd(vm);
        assert.doesNotThrow(() => clock.vmStateChanged(true));
        assert.strictEqual(clock.held, false);
        assertWarnings(warnings, kvm.WarningCodes.RESTORE_FAILED, 'EBADF');
      }),
    );
  });

  describe('a VM descriptor number that another file now holds', () => {
    /** Creates a VM, holds its clock, closes it, and opens `open()` at the same number. */
    function reuse(kvmFd, open) {
      const vm = kvm.createVm(kvmFd);
      const held = s390Clock(vm);
      held.clock.vmStateChanged(true);
      held.clock.vmStateChanged(false);
      assert.strictEqual(held.clock.held, true);
      kvm.closeFd(vm);
      const fd = openAt(vm, open);
      return { fd, ...held };
    }

    double.itDouble(
      'a regular file: every call is ENOTTY, cont warns, and the file is byte for byte the same',
      double.withDoubleVm((vmFd, kvmFd) => {
        const { fd, clock, warnings } = reuse(kvmFd, () => fs.openSync(victim.file, 'r+'));
        try {
          const before = snapshot(victim.file);
          assertEveryCallFails(fd, ['ENOTTY'], 'reused by a file');
          clock.vmStateChanged(true); // writes the held value back: to the file's number
          assertWarnings(warnings, kvm.WarningCodes.RESTORE_FAILED, 'ENOTTY');
          assert.strictEqual(clock.held, false);
          assert.throws(() => clock.load({ high: 0, low: 5n }), { name: 'KvmError', code: 'ENOTTY' });
          assert.deepStrictEqual(snapshot(victim.file), before);
          assert.strictEqual(fs.readFileSync(victim.file, 'utf8'), CONTENT);
          assert.strictEqual(fs.fstatSync(fd).size, CONTENT.length);
        } finally {
          fs.closeSync(fd);
        }
      }),
    );

    double.itDouble(
      'a FIFO: every call is ENOTTY and nothing arrives at its other end',
      double.withDoubleVm((vmFd, kvmFd) => {
        const fifo = path.join(victim.dir, 'fifo');
        execFileSync('mkfifo', [fifo]);
        const { fd, clock, warnings } = reuse(kvmFd, () =>
          fs.openSync(fifo, fs.constants.O_RDWR | fs.constants.O_NONBLOCK),
        );
        try {
          assertEveryCallFails(fd, ['ENOTTY'], 'reused by a FIFO');
          clock.vmStateChanged(true);
          assertWarnings(warnings, kvm.WarningCodes.RESTORE_FAILED, 'ENOTTY');
          assert.throws(
            () => fs.readSync(fd, Buffer.alloc(64)),
            { code: 'EAGAIN' },
            'something was written into the FIFO',
          );
        } finally {
          fs.closeSync(fd);
          fs.rmSync(fifo);
        }
      }),
    );
  });

  describe('a /dev/kvm descriptor where a VM descriptor is expected, and the other way round', () => {
    // The kernel answers EINVAL here (kvm_dev_ioctl's default: kvm_arch_dev_ioctl, -EINVAL
    // on x86 and s390); the double answers ENOTTY (a known difference). Either is a
    // KvmError naming the request and the descriptor.
    double.itDouble(
      'every VM call on the /dev/kvm descriptor fails clearly, and /dev/kvm still works afterwards',
      double.withDoubleVm((vmFd, kvmFd) => {
        assertEveryCallFails(kvmFd, ['EINVAL', 'ENOTTY'], '/dev/kvm');
        const { clock, warnings } = s390Clock(kvmFd);
        clock.vmStateChanged(true);
        clock.vmStateChanged(false);
        assert.strictEqual(clock.held, false);
        assert.strictEqual(warnings.length, 1);
        assert.strictEqual(warnings[0].code, kvm.WarningCodes.HOLD_FAILED);
        assert.strictEqual(warnings[0].cause.fd, kvmFd);
        // /dev/kvm is unharmed: it still answers and still makes VMs
        assert.strictEqual(kvm.getApiVersion(kvmFd), 12);
        const another = kvm.createVm(kvmFd);
        kvm.setTod(another, { high: 0, low: 99n });
        kvm.closeFd(another);
      }),
    );

    double.itDouble(
      'a VM descriptor where /dev/kvm or a vCPU is expected is ENOTTY, and the VM keeps its clock',
      double.withDoubleVm((vmFd) => {
        kvm.setTod(vmFd, { high: 3, low: 0x4000n });
        assert.throws(() => kvm.createVm(vmFd), {
          name: 'KvmError',
          code: 'ENOTTY',
          request: 'KVM_CREATE_VM',
          fd: vmFd,
        });
        assert.throws(() => kvm.getApiVersion(vmFd), {
          name: 'KvmError',
          code: 'ENOTTY',
          request: 'KVM_GET_API_VERSION',
          fd: vmFd,
        });
        assert.throws(() => kvm.kvmclockCtrl(vmFd), {
          name: 'KvmError',
          code: 'ENOTTY',
          request: 'KVM_KVMCLOCK_CTRL',
          fd: vmFd,
        });
        const tod = kvm.getTod(vmFd);
        assert.strictEqual(tod.high, 3);
        assert.ok(
          tod.low >= 0x4000n && tod.low < 0x4000n + 4096n * 1_000_000n,
          'the VM clock runs on from where it was set',
        );
      }),
    );
  });

  describe('a VM descriptor number from another process', () => {
    /** Starts a child whose VM sits at `target`; resolves { child, vmFd, tod, ask }. */
    function foreignVm(target) {
      const child = spawn(
        process.execPath,
        [path.join(__dirname, '..', 'fixtures', 'foreign-vm-child.js'), String(target)],
        {
          env: { ...process.env, KVM_S390_DOUBLE: '1' },
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const lines = readline.createInterface({ input: child.stdout });
      const waiting = [];
      lines.on('line', (l) => waiting.shift()?.resolve(JSON.parse(l)));
      child.on('exit', (code) =>
        waiting.splice(0).forEach((w) => w.reject(new Error(`child exited ${code}: ${stderr}`))),
      );
      const next = () => new Promise((resolve, reject) => waiting.push({ resolve, reject }));
      const ask = (cmd) => {
        const p = next();
        child.stdin.write(`${cmd}\n`);
        return p;
      };
      return next().then((first) => ({ child, ask, ...first }));
    }

    const big = (s) => BigInt(s);

    double.itDouble(
      'the same number is our own file here: ENOTTY, our file unchanged, the other VM untouched',
      async () => {
        // Our file at a number well above what a fresh child has open, and the child's VM
        // at that same number.
        const fd = openAtOrAbove(64, () => fs.openSync(victim.file, 'r+'));
        let foreign;
        try {
          foreign = await foreignVm(fd);
          assert.strictEqual(foreign.vmFd, fd);
          const before = snapshot(victim.file);
          assertEveryCallFails(fd, ['ENOTTY'], "the other process's number");
          const { clock, warnings } = s390Clock(fd);
          clock.vmStateChanged(true);
          clock.vmStateChanged(false);
          assertWarnings(warnings, kvm.WarningCodes.HOLD_FAILED, 'ENOTTY');
          assert.throws(() => clock.load({ high: 0, low: 7n }), { name: 'KvmError', code: 'ENOTTY' });
          assert.deepStrictEqual(snapshot(victim.file), before);
          // the child's VM still runs on from its own value, not ours (0x7777, 7)
          const { tod } = await foreign.ask('read');
          assert.strictEqual(tod.high, 0);
          assert.ok(
            big(tod.low) >= big(foreign.tod.low) && big(tod.low) < big(foreign.tod.low) + 4096n * 60_000_000n,
            `the other VM's clock is ${tod.low}`,
          );
        } finally {
          if (foreign) foreign.child.stdin.end('exit\n');
          fs.closeSync(fd);
        }
      },
    );

    double.itDouble('the same number is not open here: EBADF for every call', async () => {
      let target = 64;
      while (isOpen(target)) target++;
      const foreign = await foreignVm(target);
      try {
        assert.ok(!isOpen(target));
        assertEveryCallFails(target, ['EBADF'], 'a number not open here');
      } finally {
        foreign.child.stdin.end('exit\n');
      }
    });
  });
});
