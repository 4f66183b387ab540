// createTodClock, createKvmClock, createGuestClock and the devices: descriptors checked
// at construction (Node's codes, as the addon's), the vCPUs of the pause notice (given at
// creation, added and removed later), and vmStateChanged's one throw.
'use strict';
const assert = require('assert');
const kvm = require('../..');

const { GuestClock, KvmClockDevice, S390TodDevice, SimulatedS390Tod } = kvm;
const BAD_TYPE = ['3', null, undefined, 3n, {}, true];
const BAD_RANGE = [-3, -1, 1.5, 2 ** 31, NaN, Infinity];

describe('creating a guest clock', () => {
  describe('the clock of each architecture', () => {
    it('createTodClock gives a GuestClock over an S390TodDevice, createKvmClock over a KvmClockDevice', () => {
      const t = kvm.createTodClock(7, { name: 'vm-t' });
      assert.ok(t instanceof GuestClock && t.device instanceof S390TodDevice);
      assert.deepStrictEqual([t.device.vmFd, t.device.clockKind, t.name], [7, 'tod', 'vm-t']);
      const k = kvm.createKvmClock(8, { vcpus: [9, 10] });
      assert.ok(k instanceof GuestClock && k.device instanceof KvmClockDevice);
      assert.deepStrictEqual([k.device.vmFd, k.device.clockKind, k.device.vcpus], [8, 'kvmclock', [9, 10]]);
    });

    it('createGuestClock follows clockKindFor(process.arch)', () => {
      const expected = { s390x: S390TodDevice, x64: KvmClockDevice }[process.arch];
      if (expected === undefined) {
        assert.throws(() => kvm.createGuestClock(3), { code: 'ERR_KVM_TOD_UNSUPPORTED_ARCH' });
        return;
      }
      assert.ok(kvm.createGuestClock(3).device instanceof expected);
    });

    it('clockKindFor: s390x is the TOD, x64 kvmclock, anything else ERR_KVM_TOD_UNSUPPORTED_ARCH', () => {
      assert.strictEqual(kvm.clockKindFor('s390x'), 'tod');
      assert.strictEqual(kvm.clockKindFor('x64'), 'kvmclock');
      for (const arch of ['arm64', 'ia32', '', 5, Symbol('x')]) {
        assert.throws(() => kvm.clockKindFor(arch), {
          code: 'ERR_KVM_TOD_UNSUPPORTED_ARCH',
          message: /s390x and x64 only/,
        });
      }
      assert.ok(kvm.deviceFor(3, 's390x') instanceof S390TodDevice);
      assert.ok(kvm.deviceFor(3, 'x64') instanceof KvmClockDevice);
    });

    it('createTodClock ignores vcpus (s390x has no pause notice) but still checks them', () => {
      const clock = kvm.createTodClock(3, { vcpus: [4] });
      assert.strictEqual(clock.device.vcpus, undefined);
      clock.addVcpu(5);
      clock.removeVcpu(5);
      assert.throws(() => kvm.createTodClock(3, { vcpus: ['4'] }), { code: 'ERR_INVALID_ARG_TYPE' });
    });
  });

  describe("descriptors are checked at construction, with the addon's codes and words", () => {
    const makers = {
      'new S390TodDevice': (fd) => new S390TodDevice(fd),
      'new KvmClockDevice': (fd) => new KvmClockDevice(fd),
      createTodClock: (fd) => kvm.createTodClock(fd),
      createKvmClock: (fd) => kvm.createKvmClock(fd),
      createGuestClock: (fd) => kvm.createGuestClock(fd),
      deviceFor: (fd) => kvm.deviceFor(fd, 'x64'),
    };
    for (const [name, make] of Object.entries(makers)) {
      it(`${name}: a TypeError ERR_INVALID_ARG_TYPE for a non-number, ERR_OUT_OF_RANGE outside 0..2^31-1`, () => {
        for (const fd of BAD_TYPE) {
          assert.throws(() => make(fd), {
            name: 'TypeError',
            code: 'ERR_INVALID_ARG_TYPE',
            message: /^The "vmFd" argument must be of type number\. Received /,
          });
        }
        for (const fd of BAD_RANGE) {
          assert.throws(() => make(fd), {
            name: 'RangeError',
            code: 'ERR_OUT_OF_RANGE',
            message: /^The value of "vmFd" is out of range\. It must be an integer >= 0 && <= 2147483647\. Received /,
          });
        }
        assert.doesNotThrow(() => make(0));
        assert.doesNotThrow(() => make(2 ** 31 - 1));
      });
    }

    it("the wording is the addon's own (getKvmClock on the same values)", () => {
      // The native check names its argument "vmFd" too: the two messages are the same.
      for (const fd of [-3, 1.5]) {
        let native;
        try {
          kvm.getKvmClock(fd);
        } catch (error) {
          native = error;
        }
        assert.throws(
          () => new KvmClockDevice(fd),
          (e) => e.code === native.code && e.message.split('. Received')[0] === native.message.split('. Received')[0],
        );
      }
    });

    it('vCPU descriptors: options.vcpus, addVcpu and removeVcpu', () => {
      assert.throws(() => kvm.createKvmClock(3, { vcpus: 4 }), {
        name: 'TypeError',
        code: 'ERR_INVALID_ARG_TYPE',
        message: /"options\.vcpus" property must be an array/,
      });
      assert.throws(() => kvm.createKvmClock(3, { vcpus: [4, '5'] }), {
        name: 'TypeError',
        code: 'ERR_INVALID_ARG_TYPE',
        message: /"options\.vcpus\[1\]"/,
      });
      assert.throws(() => kvm.createKvmClock(3, { vcpus: [4, -5] }), {
        name: 'RangeError',
        code: 'ERR_OUT_OF_RANGE',
        message: /"options\.vcpus\[1\]"/,
      });
      const clock = kvm.createKvmClock(3);
      for (const call of ['addVcpu', 'removeVcpu']) {
        assert.throws(() => clock[call]('4'), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: /"vcpuFd"/ });
        assert.throws(() => clock[call](-4), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE', message: /"vcpuFd"/ });
        assert.throws(() => clock.device[call](4.5), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
      }
      assert.deepStrictEqual(clock.device.vcpus, []);
    });

    it('a bad vCPU among good ones adds none of them', () => {
      const device = new KvmClockDevice(3);
      assert.throws(() => new GuestClock(device, { vcpus: [4, 5, 'x'] }), { code: 'ERR_INVALID_ARG_TYPE' });
      assert.deepStrictEqual(device.vcpus, []);
    });
  });

  describe('hotplug: the vCPUs told about pauses', () => {
    it('vcpus at creation, then added and removed; each once', () => {
      const clock = kvm.createKvmClock(3, { vcpus: [4, 5] });
      clock.addVcpu(6);
      clock.addVcpu(4);
      clock.removeVcpu(5);
      clock.removeVcpu(99); // never added: ignored
      assert.deepStrictEqual(clock.device.vcpus, [4, 6]);
    });

    it('GuestClock forwards to any device that has addVcpu/removeVcpu', () => {
      const calls = [];
      const device = {
        read: () => 1n,
        write() {},
        addVcpu: (fd) => calls.push(['add', fd]),
        removeVcpu: (fd) => calls.push(['remove', fd]),
      };
      const clock = new GuestClock(device, { vcpus: [1] });
      clock.addVcpu(2);
      clock.removeVcpu(1);
      assert.deepStrictEqual(calls, [
        ['add', 1],
        ['add', 2],
        ['remove', 1],
      ]);
    });
  });

  describe('vmStateChanged takes a boolean', () => {
    it("'false', 0, undefined: TypeError ERR_INVALID_ARG_TYPE, its only throw; nothing is read", () => {
      const device = new SimulatedS390Tod();
      let reads = 0;
      const read = device.read.bind(device);
      device.read = () => (reads++, read());
      const clock = new GuestClock(device);
      clock.vmStateChanged(true);
      for (const state of ['false', 0, undefined]) {
        assert.throws(() => clock.vmStateChanged(state), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
      }
      assert.deepStrictEqual([clock.running, reads], [true, 0]);
    });
  });
});
