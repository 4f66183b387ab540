// saveClockSection / loadClockSection for both clocks, and kvm-tod's kvmclock section:
// the bytes, the rules (held value and no read while stopped, "missing" with a warning,
// load at once, downtime under 'catch-up', a source clock ahead), and every error a user
// can meet (bad arguments, a section of the other clock, malformed bytes).
'use strict';
const assert = require('assert');
const kvm = require('../..');
const { CountingDevice, collectWarnings } = require('@kvm-tod/testkit/counting-device');

const { GuestClock, SimulatedS390Tod, WarningCodes } = kvm;
const HOST_1970 = { high: 0, low: 0x7d91048bca000000n };

/** A kvmclock as the library's KvmClockDevice behaves, without KVM: counted, hand-moved. */
class FakeKvmClock extends CountingDevice {
  constructor(start) {
    super(start);
    this.clockKind = 'kvmclock';
  }
  advance(value, ns) {
    return value + ns;
  }
}

function kvmclock(options = {}) {
  const device = new FakeKvmClock(5_000_000_000n);
  const { warnings, warn } = collectWarnings();
  return { device, warnings, clock: new GuestClock(device, { warn, ...options }) };
}

function tod(options = {}) {
  const device = new SimulatedS390Tod({ hostTod: () => HOST_1970 });
  const { warnings, warn } = collectWarnings();
  return { device, warnings, clock: new GuestClock(device, { warn, ...options }) };
}

describe('migration sections for either clock (saveClockSection, loadClockSection)', () => {
  describe('kvm-tod kvmclock section: the bytes', () => {
    it('a value is 22 bytes: "KVMC", version 1, flag 1, be64 clock, be64 signed source wall time', () => {
      const bytes = kvm.encodeKvmClockSection(0x0102030405060708n, -2n);
      assert.strictEqual(bytes.toString('hex'), '4b564d43' + '01' + '01' + '0102030405060708' + 'fffffffffffffffe');
      assert.deepStrictEqual(kvm.decodeKvmClockSection(bytes), { clock: 0x0102030405060708n, sourceWallNs: -2n });
    });

    it('"missing" is 6 bytes and decodes to clock null', () => {
      const bytes = kvm.encodeKvmClockSection(null);
      assert.strictEqual(bytes.toString('hex'), '4b564d430100');
      assert.deepStrictEqual(kvm.decodeKvmClockSection(bytes), { clock: null });
    });

    it('the extremes round-trip: clock 0 and 2^64-1, wall time -2^63 and 2^63-1', () => {
      for (const [clock, wallNs] of [
        [0n, -(1n << 63n)],
        [(1n << 64n) - 1n, (1n << 63n) - 1n],
      ]) {
        assert.deepStrictEqual(kvm.decodeKvmClockSection(kvm.encodeKvmClockSection(clock, wallNs)), {
          clock,
          sourceWallNs: wallNs,
        });
      }
    });

    it('encode refuses bad values with Node codes', () => {
      assert.throws(() => kvm.encodeKvmClockSection(5, 0n), {
        name: 'TypeError',
        code: 'ERR_INVALID_ARG_TYPE',
        message: /"clock"/,
      });
      assert.throws(() => kvm.encodeKvmClockSection(-1n, 0n), {
        name: 'RangeError',
        code: 'ERR_OUT_OF_RANGE',
        message: /"clock"/,
      });
      assert.throws(() => kvm.encodeKvmClockSection(1n << 64n, 0n), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
      assert.throws(() => kvm.encodeKvmClockSection(1n), {
        name: 'TypeError',
        code: 'ERR_INVALID_ARG_TYPE',
        message: /"sourceWallNs"/,
      });
      assert.throws(() => kvm.encodeKvmClockSection(1n, 1n << 63n), {
        name: 'RangeError',
        code: 'ERR_OUT_OF_RANGE',
        message: /"sourceWallNs"/,
      });
    });

    const present = kvm.encodeKvmClockSection(7n, 9n);
    const malformed = {
      empty: [Buffer.alloc(0), /must start with "KVMC"/],
      'a TOD section': [kvm.encodeTodSection(HOST_1970), /must start with "KVMC"/],
      'a short header': [present.subarray(0, 5), /kvmclock section is truncated: 5 bytes, its header takes 6/],
      'another version': [
        Buffer.concat([present.subarray(0, 4), Buffer.from([2]), present.subarray(5)]),
        /kvmclock section has version 2: this kvm-tod reads version 1/,
      ],
      'an unknown flag': [
        Buffer.concat([present.subarray(0, 5), Buffer.from([7]), present.subarray(6)]),
        /kvmclock section has unknown flag 0x07/,
      ],
      'a short value': [present.subarray(0, 21), /kvmclock section is truncated: 21 bytes, a present value takes 22/],
      'a trailing byte': [
        Buffer.concat([present, Buffer.from([0])]),
        /kvm-tod kvmclock section has 1 trailing byte\(s\): 23 bytes, expected 22/,
      ],
      '"missing" with a trailing byte': [Buffer.from('4b564d43010000', 'hex'), /kvmclock section has 1 trailing byte/],
    };
    for (const [name, [bytes, message]] of Object.entries(malformed)) {
      it(`decode: ${name} is a ClockSectionError ERR_KVM_TOD_BAD_SECTION`, () => {
        assert.throws(
          () => kvm.decodeKvmClockSection(bytes),
          (e) =>
            e instanceof kvm.ClockSectionError &&
            e.name === 'ClockSectionError' &&
            e.code === 'ERR_KVM_TOD_BAD_SECTION' &&
            message.test(e.message),
        );
      });
    }

    it('decode of something that is not bytes is ERR_INVALID_ARG_TYPE', () => {
      assert.throws(() => kvm.decodeKvmClockSection('KVMC'), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    });
  });

  describe('the fixed message of a bad extended TOD section', () => {
    it('an extended ("KTOD") section with a trailing byte names the extended section, not todclock', () => {
      const bytes = Buffer.concat([kvm.saveTodSection(tod().clock, { format: 'extended' }), Buffer.from([0])]);
      assert.throws(
        () => kvm.decodeTodSection(bytes),
        (e) => e instanceof kvm.TodSectionError && /^kvm-tod extended section has 1 trailing byte\(s\)/.test(e.message),
      );
      assert.throws(
        () => kvm.loadClockSection(tod().clock, bytes),
        /^TodSectionError: kvm-tod extended section has 1 trailing byte/,
      );
    });
  });

  describe('an s390 TOD clock: the very bytes of saveTodSection', () => {
    for (const options of [undefined, {}, { format: 'todclock' }, { format: 'extended' }]) {
      it(`saveClockSection(clock, ${JSON.stringify(options)}) equals saveTodSection while held`, () => {
        const { clock } = tod();
        clock.vmStateChanged(true);
        clock.vmStateChanged(false); // held: both calls send the held value and its hold time
        assert.deepStrictEqual(kvm.saveClockSection(clock, options), kvm.saveTodSection(clock, options));
      });
    }

    it("format 'kvmclock' on a TOD clock is ERR_INVALID_ARG_VALUE", () => {
      assert.throws(() => kvm.saveClockSection(tod().clock, { format: 'kvmclock' }), {
        name: 'TypeError',
        code: 'ERR_INVALID_ARG_VALUE',
        message: /is for an x86 kvmclock clock; this is an s390 TOD clock/,
      });
    });

    it('loadClockSection loads both TOD formats into a TOD clock', () => {
      for (const format of ['todclock', 'extended']) {
        const source = tod();
        const dest = tod();
        kvm.loadClockSection(dest.clock, kvm.saveClockSection(source.clock, { format }));
        assert.deepStrictEqual(dest.clock.heldValue, source.device.read());
        assert.deepStrictEqual(dest.warnings, []);
      }
    });
  });

  describe('a kvmclock clock', () => {
    it('saves its held value with the hold time, and makes no read while stopped', () => {
      const { device, clock } = kvmclock();
      clock.vmStateChanged(true);
      const before = kvm.hostUnixNs();
      clock.vmStateChanged(false);
      const after = kvm.hostUnixNs();
      device.tick(1_000_000n); // KVM's clock would run on; the held value must not
      const bytes = kvm.saveClockSection(clock);
      assert.strictEqual(device.reads, 1, 'one read: the hold');
      const section = kvm.decodeKvmClockSection(bytes);
      assert.strictEqual(section.clock, 5_000_000_000n);
      assert.ok(
        section.sourceWallNs >= before - 1_000_000n && section.sourceWallNs <= after + 1_000_000n,
        'the wall time of the hold',
      );
      assert.deepStrictEqual(kvm.saveClockSection(clock, { format: 'kvmclock' }), bytes);
      assert.deepStrictEqual(
        kvm.saveClockSection(clock, { format: 'extended' }),
        bytes,
        "'extended' is the same section on kvmclock",
      );
    });

    it('while running, reads the clock now', () => {
      const { device, clock } = kvmclock();
      clock.vmStateChanged(true);
      device.tick(3n);
      assert.strictEqual(kvm.decodeKvmClockSection(kvm.saveClockSection(clock)).clock, 5_000_000_003n);
      assert.strictEqual(device.reads, 1);
    });

    it("format 'todclock' on a kvmclock clock is ERR_INVALID_ARG_VALUE, and nothing is read", () => {
      const { device, clock } = kvmclock();
      assert.throws(() => kvm.saveClockSection(clock, { format: 'todclock' }), {
        name: 'TypeError',
        code: 'ERR_INVALID_ARG_VALUE',
        message: /is for an s390 TOD clock; this is an x86 kvmclock clock/,
      });
      assert.strictEqual(device.reads, 0);
    });

    it('saveTodSection and loadTodSection refuse a kvmclock clock with a clear error', () => {
      const { device, clock } = kvmclock();
      assert.throws(() => kvm.saveTodSection(clock), {
        name: 'TypeError',
        code: 'ERR_INVALID_ARG_VALUE',
        message: /must be an s390 TOD clock; this is an x86 kvmclock clock/,
      });
      assert.throws(() => kvm.loadTodSection(clock, kvm.encodeTodSection(HOST_1970)), {
        name: 'ClockSectionError',
        code: 'ERR_KVM_TOD_SECTION_MISMATCH',
      });
      assert.deepStrictEqual([device.reads, device.writes], [0, 0]);
    });

    it('a failed read sends "missing" with a KVM_TOD_NOT_MIGRATED warning and a fallback event', () => {
      const { device, clock, warnings } = kvmclock();
      clock.vmStateChanged(true);
      device.failRead = 'EIO';
      const events = [];
      const listener = (message) => events.push(message);
      require('diagnostics_channel').subscribe(kvm.Channels.FALLBACK, listener);
      try {
        assert.strictEqual(kvm.saveClockSection(clock).toString('hex'), '4b564d430100');
      } finally {
        require('diagnostics_channel').unsubscribe(kvm.Channels.FALLBACK, listener);
      }
      assert.deepStrictEqual(
        warnings.map((w) => w.code),
        [WarningCodes.NOT_MIGRATED],
      );
      assert.strictEqual(warnings[0].cause.code, 'EIO');
      assert.deepStrictEqual(
        events.map((e) => [e.operation, e.error.code]),
        [['save', 'EIO']],
      );
    });

    it('load writes at once and holds the value until the VM runs; freeze ignores the downtime', () => {
      const { device, clock, warnings } = kvmclock();
      kvm.loadClockSection(clock, kvm.encodeKvmClockSection(42n, kvm.hostUnixNs() - 10_000_000_000n));
      assert.deepStrictEqual(device.written, [42n]);
      assert.strictEqual(clock.heldValue, 42n);
      clock.vmStateChanged(true);
      assert.deepStrictEqual(device.written, [42n, 42n]);
      assert.deepStrictEqual(warnings, []);
    });

    it("'catch-up' adds the downtime since the source's wall time", () => {
      const { device, clock } = kvmclock({ policy: 'catch-up' });
      const downtime = 10_000_000_000n;
      const before = kvm.hostUnixNs();
      kvm.loadClockSection(clock, kvm.encodeKvmClockSection(42n, before - downtime));
      const after = kvm.hostUnixNs();
      const added = device.written[0] - 42n;
      assert.ok(added >= downtime && added <= downtime + (after - before) + 1_000_000n, `added ${added} ns`);
    });

    it('a policy function is asked with the downtime', () => {
      const asked = [];
      const { device, clock } = kvmclock({ policy: (ns) => (asked.push(ns), 'freeze') });
      kvm.loadClockSection(clock, kvm.encodeKvmClockSection(42n, kvm.hostUnixNs() - 5_000_000_000n));
      assert.strictEqual(asked.length, 1);
      assert.ok(asked[0] >= 5_000_000_000n && asked[0] < 6_000_000_000n);
      assert.deepStrictEqual(device.written, [42n]);
    });

    it('a source clock ahead adds nothing and warns KVM_TOD_SOURCE_CLOCK_AHEAD', () => {
      const { device, clock, warnings } = kvmclock({ policy: 'catch-up' });
      kvm.loadClockSection(clock, kvm.encodeKvmClockSection(42n, kvm.hostUnixNs() + 60_000_000_000n));
      assert.deepStrictEqual(device.written, [42n]);
      assert.deepStrictEqual(
        warnings.map((w) => w.code),
        [WarningCodes.SOURCE_CLOCK_AHEAD],
      );
      assert.match(warnings[0].message, /ahead of this host's; no downtime was added/);
    });

    it('a "missing" section loads nothing and warns KVM_TOD_NOT_MIGRATED', () => {
      const { device, clock, warnings } = kvmclock();
      kvm.loadClockSection(clock, kvm.encodeKvmClockSection(null));
      assert.deepStrictEqual([device.writes, clock.held], [0, false]);
      assert.deepStrictEqual(
        warnings.map((w) => w.code),
        [WarningCodes.NOT_MIGRATED],
      );
    });

    it('a failed write fails the load with the device error, and the clock is unchanged', () => {
      const { device, clock } = kvmclock();
      device.failWrite = 'EINVAL';
      assert.throws(() => kvm.loadClockSection(clock, kvm.encodeKvmClockSection(42n, 0n)), {
        name: 'KvmError',
        code: 'EINVAL',
      });
      assert.deepStrictEqual([clock.held, clock.running], [false, false]);
    });

    it('a save on one kvmclock loads on another: migration end to end, with the pause notice at the first run', () => {
      const source = kvmclock();
      const dest = kvmclock();
      let notices = 0;
      dest.device.resumed = () => notices++;
      source.clock.vmStateChanged(true);
      source.clock.vmStateChanged(false);
      kvm.loadClockSection(dest.clock, kvm.saveClockSection(source.clock));
      dest.clock.vmStateChanged(true);
      assert.deepStrictEqual(dest.device.written, [5_000_000_000n, 5_000_000_000n]);
      assert.strictEqual(notices, 1, 'a migration destination was paused: it is told so at its first run');
    });
  });

  describe('a section of the other clock is a clear error, and nothing is written', () => {
    it('TOD sections into a kvmclock clock', () => {
      for (const bytes of [
        kvm.encodeTodSection(HOST_1970),
        kvm.encodeTodSection(null),
        kvm.saveTodSection(tod().clock, { format: 'extended' }),
      ]) {
        const { device, clock } = kvmclock();
        assert.throws(
          () => kvm.loadClockSection(clock, bytes),
          (e) =>
            e instanceof kvm.ClockSectionError &&
            e.code === 'ERR_KVM_TOD_SECTION_MISMATCH' &&
            /an s390 TOD section \(todclock or extended\) cannot be loaded into an x86 kvmclock clock; /.test(
              e.message,
            ),
        );
        assert.strictEqual(device.writes, 0);
      }
    });

    it('a kvmclock section into a TOD clock (loadClockSection and loadTodSection)', () => {
      for (const load of [kvm.loadClockSection, kvm.loadTodSection]) {
        const { clock } = tod();
        assert.throws(() => load(clock, kvm.encodeKvmClockSection(1n, 0n)), {
          name: 'ClockSectionError',
          code: 'ERR_KVM_TOD_SECTION_MISMATCH',
          message: /a kvmclock section cannot be loaded into an s390 TOD clock/,
        });
        assert.strictEqual(clock.held, false);
      }
    });

    it('a device that does not say its kind takes either, by its values', () => {
      const device = new CountingDevice(9n); // bigint values, no clockKind
      const clock = new GuestClock(device, { warn: () => {} });
      const bytes = kvm.saveClockSection(clock);
      assert.deepStrictEqual(kvm.decodeKvmClockSection(bytes).clock, 9n);
      kvm.loadClockSection(clock, bytes);
      assert.deepStrictEqual(device.written, [9n]);
    });
  });

  describe('malformed bytes: a clear error with a code, nothing written', () => {
    const cases = {
      kvmclock: [kvmclock, [Buffer.alloc(0), Buffer.from([0x05]), kvm.encodeKvmClockSection(1n, 0n).subarray(0, 10)]],
      tod: [tod, [Buffer.alloc(0), Buffer.from([0x05]), kvm.encodeTodSection(HOST_1970).subarray(0, 4)]],
    };
    for (const [name, [make, list]] of Object.entries(cases)) {
      it(`into a ${name} clock`, () => {
        for (const bytes of list) {
          const { clock, device } = make();
          const writesBefore = device.writes ?? 0;
          assert.throws(
            () => kvm.loadClockSection(clock, bytes),
            (e) => e instanceof kvm.ClockSectionError && e.code === 'ERR_KVM_TOD_BAD_SECTION',
          );
          assert.strictEqual(clock.held, false);
          assert.strictEqual(device.writes ?? 0, writesBefore);
        }
      });
    }
  });

  describe('arguments', () => {
    it('a clock that is not a GuestClock is ERR_INVALID_ARG_TYPE', () => {
      for (const notClock of [undefined, {}, new SimulatedS390Tod()]) {
        assert.throws(() => kvm.saveClockSection(notClock), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
        assert.throws(() => kvm.loadClockSection(notClock, Buffer.alloc(6)), {
          name: 'TypeError',
          code: 'ERR_INVALID_ARG_TYPE',
        });
      }
    });

    it('bad options: not an object (ERR_INVALID_ARG_TYPE), an unknown format (ERR_INVALID_ARG_VALUE)', () => {
      const { clock } = kvmclock();
      for (const options of [null, 'kvmclock', 5]) {
        assert.throws(() => kvm.saveClockSection(clock, options), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
      }
      for (const format of ['v1', 'KVMCLOCK', 1]) {
        assert.throws(() => kvm.saveClockSection(clock, { format }), {
          name: 'TypeError',
          code: 'ERR_INVALID_ARG_VALUE',
        });
      }
    });

    it('bytes that are not a Uint8Array are ERR_INVALID_ARG_TYPE', () => {
      for (const bytes of [undefined, 'KVMC', [0x4b], new ArrayBuffer(6)]) {
        assert.throws(() => kvm.loadClockSection(kvmclock().clock, bytes), {
          name: 'TypeError',
          code: 'ERR_INVALID_ARG_TYPE',
        });
      }
    });
  });
});
