// Each rule of docs/rules.md, as its own test, on a
// device that counts calls and fails on demand.
'use strict';
const assert = require('assert');
const { GuestClock, KvmTodWarning, WarningCodes, KvmError } = require('../..');
const { CountingDevice, collectWarnings } = require('@kvm-tod/testkit/counting-device');

function setup(options = {}) {
  const device = new CountingDevice();
  const { warnings, warn } = collectWarnings();
  const clock = new GuestClock(device, { warn, ...options });
  return { device, clock, warnings };
}

describe('GuestClock rules', () => {
  describe('state of a new VM', () => {
    it('is not running and not held', () => {
      const { clock } = setup();
      assert.strictEqual(clock.running, false);
      assert.strictEqual(clock.held, false);
      assert.strictEqual(clock.heldValue, undefined);
    });

    it('a plain start costs no ioctl: the clock keeps running', () => {
      const { device, clock, warnings } = setup();
      clock.vmStateChanged(true);
      assert.strictEqual(clock.running, true);
      assert.strictEqual(clock.held, false);
      assert.deepStrictEqual([device.reads, device.writes], [0, 0]);
      assert.deepStrictEqual(warnings, []);
    });
  });

  describe('rule 1: stop reads the clock once and holds it', () => {
    it('holds the value read at stop', () => {
      const { device, clock } = setup();
      clock.vmStateChanged(true);
      device.tick(500n);
      clock.vmStateChanged(false);
      assert.strictEqual(device.reads, 1);
      assert.strictEqual(device.writes, 0);
      assert.strictEqual(clock.held, true);
      assert.strictEqual(clock.heldValue, 1500n);
    });

    it('a failed read warns once with KVM_TOD_HOLD_FAILED and leaves the clock running', () => {
      const { device, clock, warnings } = setup();
      clock.vmStateChanged(true);
      device.failRead = 'EIO';
      assert.doesNotThrow(() => clock.vmStateChanged(false));
      assert.strictEqual(clock.held, false);
      assert.strictEqual(clock.running, false);
      assert.strictEqual(warnings.length, 1);
      assert.ok(warnings[0] instanceof KvmTodWarning);
      assert.strictEqual(warnings[0].code, WarningCodes.HOLD_FAILED);
      assert.ok(warnings[0].cause instanceof KvmError);
      assert.strictEqual(warnings[0].cause.code, 'EIO');
      assert.match(warnings[0].message, /EIO/);
      // cont after a failed hold: nothing to restore
      device.failRead = null;
      clock.vmStateChanged(true);
      assert.strictEqual(device.writes, 0);
      assert.strictEqual(warnings.length, 1);
    });
  });

  describe('rule 2: cont writes the held value back once and releases', () => {
    it('the guest continues from the instant it stopped', () => {
      const { device, clock } = setup();
      clock.vmStateChanged(true);
      clock.vmStateChanged(false);
      device.tick(120_000_000_000n); // two minutes pass in KVM
      clock.vmStateChanged(true);
      assert.strictEqual(device.writes, 1);
      assert.deepStrictEqual(device.written, [1000n]);
      assert.strictEqual(device.now, 1000n);
      assert.strictEqual(clock.held, false);
    });

    it('a failed write warns once with KVM_TOD_RESTORE_FAILED and releases anyway', () => {
      const { device, clock, warnings } = setup();
      clock.vmStateChanged(true);
      clock.vmStateChanged(false);
      device.failWrite = 'EINVAL';
      assert.doesNotThrow(() => clock.vmStateChanged(true));
      assert.strictEqual(clock.held, false);
      assert.strictEqual(clock.running, true);
      assert.strictEqual(warnings.length, 1);
      assert.strictEqual(warnings[0].code, WarningCodes.RESTORE_FAILED);
      assert.strictEqual(warnings[0].cause.code, 'EINVAL');
      // the next stop holds afresh (no stale base)
      device.failWrite = null;
      device.tick(7n);
      clock.vmStateChanged(false);
      assert.strictEqual(clock.heldValue, 1007n);
    });
  });

  describe('rule 3: a change that changes nothing does nothing', () => {
    it('stop twice, cont twice: one read, one write, no warning', () => {
      const { device, clock, warnings } = setup();
      clock.vmStateChanged(true);
      clock.vmStateChanged(true);
      clock.vmStateChanged(false);
      clock.vmStateChanged(false);
      clock.vmStateChanged(false);
      clock.vmStateChanged(true);
      clock.vmStateChanged(true);
      assert.deepStrictEqual([device.reads, device.writes], [1, 1]);
      assert.deepStrictEqual(warnings, []);
    });

    it('a stop of a VM that never ran does nothing', () => {
      const { device, clock } = setup();
      clock.vmStateChanged(false);
      assert.deepStrictEqual([device.reads, device.writes], [0, 0]);
      assert.strictEqual(clock.held, false);
    });
  });

  describe('rule 4: save', () => {
    it('while held returns the held value without touching the device', () => {
      const { device, clock } = setup();
      clock.vmStateChanged(true);
      clock.vmStateChanged(false);
      device.tick(999n);
      device.failRead = 'EIO';
      assert.strictEqual(clock.save(), 1000n);
      assert.strictEqual(device.reads, 1);
    });

    it('while running reads the device', () => {
      const { device, clock } = setup();
      clock.vmStateChanged(true);
      device.tick(5n);
      assert.strictEqual(clock.save(), 1005n);
      assert.strictEqual(device.reads, 1);
    });

    it('throws the device error when the read fails', () => {
      const { device, clock } = setup();
      clock.vmStateChanged(true);
      device.failRead = 'EIO';
      assert.throws(
        () => clock.save(),
        (e) => e instanceof KvmError && e.code === 'EIO',
      );
    });
  });

  describe('rule 5: load', () => {
    it('while not running writes at once and holds the loaded value', () => {
      const { device, clock } = setup();
      clock.load(77n);
      assert.deepStrictEqual(device.written, [77n]);
      assert.strictEqual(clock.held, true);
      assert.strictEqual(clock.heldValue, 77n);
      device.tick(1000n);
      clock.vmStateChanged(true); // rule 2 writes it again
      assert.deepStrictEqual(device.written, [77n, 77n]);
      assert.strictEqual(device.now, 77n);
    });

    it('while running writes at once and does not hold', () => {
      const { device, clock } = setup();
      clock.vmStateChanged(true);
      clock.load(77n);
      assert.deepStrictEqual(device.written, [77n]);
      assert.strictEqual(clock.held, false);
    });

    it('replaces a value held since a stop', () => {
      const { device, clock } = setup();
      clock.vmStateChanged(true);
      clock.vmStateChanged(false);
      clock.load(5n);
      assert.strictEqual(clock.heldValue, 5n);
      clock.vmStateChanged(true);
      assert.strictEqual(device.now, 5n);
    });

    it('throws when the write fails and leaves the state as it was', () => {
      const { device, clock, warnings } = setup();
      device.failWrite = 'EINVAL';
      assert.throws(
        () => clock.load(77n),
        (e) => e instanceof KvmError && e.code === 'EINVAL',
      );
      assert.strictEqual(clock.held, false);
      assert.deepStrictEqual(warnings, []);
    });
  });

  describe('rule 6: protected guests', () => {
    it('protectedGuest: true makes state changes no-ops', () => {
      const { device, clock, warnings } = setup({ protectedGuest: true });
      clock.vmStateChanged(true);
      clock.vmStateChanged(false);
      clock.vmStateChanged(true);
      assert.deepStrictEqual([device.reads, device.writes], [0, 0]);
      assert.strictEqual(clock.running, true);
      assert.deepStrictEqual(warnings, []);
    });

    it('a protectedGuest function is asked at each state change', () => {
      let isProtected = false;
      const { device, clock } = setup({ protectedGuest: () => isProtected });
      clock.vmStateChanged(true);
      clock.vmStateChanged(false);
      assert.strictEqual(clock.held, true);
      isProtected = true;
      clock.vmStateChanged(true);
      assert.strictEqual(device.writes, 0);
    });

    it('a protectedGuest function that throws warns and changes nothing', () => {
      const { device, clock, warnings } = setup({
        protectedGuest: () => {
          throw new Error('boom');
        },
      });
      assert.doesNotThrow(() => clock.vmStateChanged(true));
      assert.doesNotThrow(() => clock.vmStateChanged(false));
      assert.deepStrictEqual([device.reads, device.writes], [0, 0]);
      assert.strictEqual(warnings.length, 2);
      assert.strictEqual(warnings[0].code, WarningCodes.PROTECTED_CHECK_FAILED);
    });
  });

  describe('rule 8: the state hook never throws', () => {
    it('not even when the device throws a non-Error or the sink throws', async () => {
      const device = {
        read() {
          throw 'a string';
        },
        write() {},
      };
      const clock = new GuestClock(device, {
        warn() {
          throw new Error('sink broke');
        },
      });
      // the warning the sink refused goes to process.emitWarning instead
      const emitted = new Promise((resolve) => process.once('warning', resolve));
      clock.vmStateChanged(true);
      assert.doesNotThrow(() => clock.vmStateChanged(false));
      assert.strictEqual(clock.held, false);
      const warning = await emitted;
      assert.strictEqual(warning.code, WarningCodes.HOLD_FAILED);
      assert.match(warning.message, /a string$/);
    });

    it('a run state that is not a boolean is its only throw: ERR_INVALID_ARG_TYPE, and nothing changes', () => {
      const { device, clock } = setup();
      clock.vmStateChanged(true);
      for (const state of ['false', 0, 1, undefined, null, {}]) {
        assert.throws(() => clock.vmStateChanged(state), {
          name: 'TypeError',
          code: 'ERR_INVALID_ARG_TYPE',
          message: /"running" argument must be of type boolean/,
        });
      }
      assert.deepStrictEqual([clock.running, clock.held, device.reads, device.writes], [true, false, 0, 0]);
      clock.vmStateChanged(false);
      assert.throws(() => clock.vmStateChanged('true'), { code: 'ERR_INVALID_ARG_TYPE' });
      assert.deepStrictEqual([clock.running, clock.held, device.reads, device.writes], [false, true, 1, 0]);
    });
  });

  describe('warnings by default', () => {
    it('go through process.emitWarning with their code', async () => {
      const device = new CountingDevice();
      device.failRead = 'EIO';
      const clock = new GuestClock(device, { name: 'vm7' });
      const got = new Promise((resolve) => process.once('warning', resolve));
      clock.vmStateChanged(true);
      clock.vmStateChanged(false);
      const warning = await got;
      assert.strictEqual(warning.name, 'KvmTodWarning');
      assert.strictEqual(warning.code, 'KVM_TOD_HOLD_FAILED');
      assert.match(warning.message, /^vm7: could not hold the guest clock/);
    });
  });

  it('rejects a device without read and write', () => {
    assert.throws(() => new GuestClock({}), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => new GuestClock(null), TypeError);
  });
});
