// Bounded catch-up: a migration section's source wall time is the source's claim, so a
// catch-up destination adds at most maxDowntimeNs (30 days by default), and nothing for a
// wall time at or before 1970, ahead of this host's, or whose catch-up would carry the
// clock past its last value: each with a warning, the clock held as under freeze. The
// same for the extended TOD section and the kvmclock section. The whole range of wall
// times, by property: test/robustness/fuzz-catch-up.test.js.
'use strict';
const assert = require('assert');
const kvm = require('../..');
const { CountingDevice, collectWarnings } = require('@kvm-tod/testkit/counting-device');

const { GuestClock, SimulatedS390Tod, WarningCodes } = kvm;
const SECOND = 1_000_000_000n;
const DAY = 86_400n * SECOND;
const HOST_1970 = { high: 0, low: 0x7d91048bca000000n };
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

/** A kvmclock as KvmClockDevice computes catch-up, without KVM. */
class FakeKvmClock extends CountingDevice {
  constructor(start) {
    super(start);
    this.clockKind = 'kvmclock';
  }
  advance(value, ns) {
    return value + ns;
  }
}

/** The extended TOD section with any 64 bits of wall time, as a source could send it. */
function extendedSection(tod, wallBits) {
  const bytes = Buffer.alloc(23);
  Buffer.from('KTOD\x02\x01', 'latin1').copy(bytes);
  bytes[6] = tod.high;
  bytes.writeBigUInt64BE(tod.low, 7);
  bytes.writeBigUInt64BE(BigInt.asUintN(64, wallBits), 15);
  return bytes;
}

/** The kvmclock section with any 64 bits of wall time. */
function kvmclockSection(clock, wallBits) {
  return kvm.encodeKvmClockSection(clock, BigInt.asIntN(64, wallBits));
}

// Each section kind: a clock under `options`, a value, its section, and how far a load moved it (ns).
const KINDS = {
  'extended TOD section': {
    value: kvm.todFromUnixNs(1_700_000_000n * SECOND),
    clock: (options) => {
      const { warnings, warn } = collectWarnings();
      const device = new SimulatedS390Tod({ hostTod: () => HOST_1970 });
      return { warnings, clock: new GuestClock(device, { warn, ...options }), device };
    },
    section: extendedSection,
    added: (clock, value) => kvm.todDiffNs(clock.heldValue, value),
    current: (device) => device.read(), // the simulated host TOD stands still
  },
  'kvmclock section': {
    value: 5_000n * SECOND,
    clock: (options) => {
      const { warnings, warn } = collectWarnings();
      const device = new FakeKvmClock(1n);
      return { warnings, clock: new GuestClock(device, { warn, ...options }), device };
    },
    section: kvmclockSection,
    added: (clock, value) => clock.heldValue - value,
    current: (device) => device.now,
  },
};

describe('bounded catch-up: what a section may add', () => {
  describe('the bound: maxDowntimeNs', () => {
    it('is 30 days by default, DEFAULT_MAX_DOWNTIME_NS', () => {
      assert.strictEqual(kvm.DEFAULT_MAX_DOWNTIME_NS, 30n * DAY);
      assert.strictEqual(new GuestClock(new SimulatedS390Tod()).maxDowntimeNs, 30n * DAY);
      assert.strictEqual(kvm.createKvmClock(3).maxDowntimeNs, 30n * DAY);
    });

    it('is an option of GuestClock and the create functions, and can be set at run time', () => {
      assert.strictEqual(new GuestClock(new SimulatedS390Tod(), { maxDowntimeNs: SECOND }).maxDowntimeNs, SECOND);
      assert.strictEqual(kvm.createTodClock(3, { maxDowntimeNs: 0n }).maxDowntimeNs, 0n);
      const clock = kvm.createKvmClock(3);
      clock.maxDowntimeNs = 400n * DAY;
      assert.strictEqual(clock.maxDowntimeNs, 400n * DAY);
    });

    it('a bound that is not a bigint >= 0 is refused with Node codes, and leaves the bound unchanged', () => {
      for (const bad of [5, '5', null, 1.5]) {
        assert.throws(() => new GuestClock(new SimulatedS390Tod(), { maxDowntimeNs: bad }), {
          name: 'TypeError',
          code: 'ERR_INVALID_ARG_TYPE',
          message: /^The "options\.maxDowntimeNs" property must be of type bigint/,
        });
      }
      assert.throws(() => kvm.createKvmClock(3, { maxDowntimeNs: -1n }), {
        name: 'RangeError',
        code: 'ERR_OUT_OF_RANGE',
        message: /"options\.maxDowntimeNs" is out of range. It must be >= 0n. Received -1n/,
      });
      const clock = kvm.createKvmClock(3, { maxDowntimeNs: SECOND });
      assert.throws(
        () => {
          clock.maxDowntimeNs = -SECOND;
        },
        { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' },
      );
      assert.throws(
        () => {
          clock.maxDowntimeNs = 1;
        },
        { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' },
      );
      assert.strictEqual(clock.maxDowntimeNs, SECOND);
    });
  });

  for (const [kindName, kind] of Object.entries(KINDS)) {
    describe(`the ${kindName}`, () => {
      /** Loads a section with wall time `wallBits` into a fresh clock; what it added and warned. */
      function load(wallBits, options = { policy: 'catch-up' }) {
        const { clock, warnings, device } = kind.clock(options);
        kvm.loadClockSection(clock, kind.section(kind.value, wallBits));
        return { clock, device, added: kind.added(clock, kind.value), codes: warnings.map((w) => w.code), warnings };
      }

      it('a downtime within the bound is added under catch-up, without a warning', () => {
        for (const ago of [SECOND, DAY, 29n * DAY]) {
          const before = kvm.hostUnixNs();
          const r = load(before - ago);
          const after = kvm.hostUnixNs();
          assert.ok(r.added >= ago - 1n && r.added <= ago + (after - before) + 1n, `${ago} ns ago: added ${r.added}`);
          assert.deepStrictEqual(r.codes, []);
          assert.strictEqual(r.clock.held, true);
        }
      });

      const refusals = {
        '1970 itself (0)': 0n,
        '1 ns after 1970': 1n,
        'before 1970 (-1: the bytes ff..ff, 2^64-1 unsigned)': U64_MAX,
        '-2^63, the first value of the encoding': I64_MIN,
        '31 days ago, beyond the default bound': null,
      };
      for (const [name, wall] of Object.entries(refusals)) {
        it(`${name}: adds nothing, warns KVM_TOD_DOWNTIME_REFUSED, the clock held as under freeze`, () => {
          const r = load(wall ?? kvm.hostUnixNs() - 31n * DAY);
          assert.strictEqual(r.added, 0n);
          assert.deepStrictEqual(r.codes, [WarningCodes.DOWNTIME_REFUSED]);
          assert.strictEqual(r.clock.held, true);
          assert.deepStrictEqual(kind.current(r.device), kind.value, 'the guest clock is the value sent');
          assert.match(r.warnings[0].message, /no downtime was added, the clock is held as under freeze$/);
        });
      }

      it('the warning names the wall time and the bound', () => {
        assert.match(load(0n).warnings[0].message, /wall time \(1970-01-01T00:00:00\.000Z\) is not after 1970/);
        assert.match(load(I64_MIN).warnings[0].message, /wall time \(1677-09-21T00:12:43\.145Z\) is not after 1970/);
        const old = load(kvm.hostUnixNs() - 40n * DAY);
        assert.match(
          old.warnings[0].message,
          /is 40\.0 days before this host's, more than maxDowntimeNs \(30\.0 days\)/,
        );
      });

      it("a wall time ahead of this host's (up to 2^63-1) adds nothing and warns KVM_TOD_SOURCE_CLOCK_AHEAD", () => {
        for (const wall of [kvm.hostUnixNs() + 60n * SECOND, I64_MAX]) {
          const r = load(wall);
          assert.strictEqual(r.added, 0n);
          assert.deepStrictEqual(r.codes, [WarningCodes.SOURCE_CLOCK_AHEAD]);
        }
      });

      it('a bound of its own: 1 s refuses a 10 s downtime; raised at run time, the same section is believed', () => {
        const { clock, warnings } = kind.clock({ policy: 'catch-up', maxDowntimeNs: SECOND });
        const bytes = kind.section(kind.value, kvm.hostUnixNs() - 10n * SECOND);
        kvm.loadClockSection(clock, bytes);
        assert.strictEqual(kind.added(clock, kind.value), 0n);
        assert.deepStrictEqual(
          warnings.map((w) => w.code),
          [WarningCodes.DOWNTIME_REFUSED],
        );
        clock.maxDowntimeNs = 60n * SECOND;
        kvm.loadClockSection(clock, bytes);
        assert.ok(kind.added(clock, kind.value) >= 10n * SECOND);
        assert.strictEqual(warnings.length, 1);
      });

      it('maxDowntimeNs 0n: no section adds anything', () => {
        const r = load(kvm.hostUnixNs() - SECOND, { policy: 'catch-up', maxDowntimeNs: 0n });
        assert.strictEqual(r.added, 0n);
        assert.deepStrictEqual(r.codes, [WarningCodes.DOWNTIME_REFUSED]);
      });

      it('under freeze nothing is added either way, but a wall time that cannot be believed still warns', () => {
        assert.deepStrictEqual(load(kvm.hostUnixNs() - DAY, {}).codes, []);
        const r = load(0n, {});
        assert.strictEqual(r.added, 0n);
        assert.deepStrictEqual(r.codes, [WarningCodes.DOWNTIME_REFUSED]);
      });

      it('a policy function is not asked about a downtime that is refused', () => {
        const asked = [];
        const policy = (ns) => (asked.push(ns), 'catch-up');
        const r = load(kvm.hostUnixNs() - 31n * DAY, { policy });
        assert.deepStrictEqual([asked, r.added], [[], 0n]);
        load(kvm.hostUnixNs() - DAY, { policy });
        assert.strictEqual(asked.length, 1);
      });

      it('malformed bytes are still a ClockSectionError, and nothing is written', () => {
        const { clock, device } = kind.clock({ policy: 'catch-up' });
        const writes = device.writes ?? 0;
        const bytes = kind.section(kind.value, 0n);
        for (const bad of [bytes.subarray(0, bytes.length - 1), Buffer.concat([bytes, Buffer.from([0])])]) {
          assert.throws(
            () => kvm.loadClockSection(clock, bad),
            (e) => e instanceof kvm.ClockSectionError && e.code === 'ERR_KVM_TOD_BAD_SECTION',
          );
        }
        assert.strictEqual(device.writes ?? 0, writes);
        assert.strictEqual(clock.held, false);
      });
    });
  }

  describe('a catch-up counts the time its own load takes', () => {
    it('the hold of a caught-up value starts when the downtime was measured, not after a slow write', () => {
      const device = new FakeKvmClock(1n);
      const write = device.write.bind(device);
      device.write = (value) => {
        const until = process.hrtime.bigint() + 50_000_000n; // a write that takes 50 ms (emulation, a busy host)
        while (process.hrtime.bigint() < until);
        write(value);
      };
      const clock = new GuestClock(device, { warn: () => assert.fail('no warning'), policy: 'catch-up' });
      const sent = 5_000n * SECOND;
      const wall = kvm.hostUnixNs() - SECOND;
      kvm.loadClockSection(clock, kvm.encodeKvmClockSection(sent, wall));
      const cont = kvm.hostUnixNs();
      clock.vmStateChanged(true);
      const added = device.written[1] - sent;
      // the guest continues where it would be had it never stopped: all the time since the
      // source's wall time, the 50 ms write included (before, the write's time was lost)
      assert.ok(added >= cont - wall, `added ${added} ns, ${cont - wall - added} ns short of the time since`);
    });
  });

  describe('a catch-up never carries a clock past its last value', () => {
    it("a TOD section near the 72-bit clock's end: the downtime would wrap it to 1900, so nothing is added", () => {
      const { warnings, warn } = collectWarnings();
      const clock = new GuestClock(new SimulatedS390Tod({ hostTod: () => HOST_1970 }), { warn, policy: 'catch-up' });
      const end = { high: 255, low: U64_MAX - 10n };
      kvm.loadClockSection(clock, extendedSection(end, kvm.hostUnixNs() - SECOND));
      assert.deepStrictEqual(clock.heldValue, end);
      assert.deepStrictEqual(
        warnings.map((w) => w.code),
        [WarningCodes.DOWNTIME_REFUSED],
      );
      assert.match(warnings[0].message, /past its last value, back to its start: nothing was added/);
    });

    it('a kvmclock section near 2^64-1: nothing is added (the write would fail the load)', () => {
      const device = new FakeKvmClock(1n);
      const { warnings, warn } = collectWarnings();
      const clock = new GuestClock(device, { warn, policy: 'catch-up' });
      kvm.loadClockSection(clock, kvm.encodeKvmClockSection(U64_MAX - 10n, kvm.hostUnixNs() - SECOND));
      assert.deepStrictEqual(device.written, [U64_MAX - 10n]);
      assert.deepStrictEqual(
        warnings.map((w) => w.code),
        [WarningCodes.DOWNTIME_REFUSED],
      );
    });

    it("at cont: a device's values the library cannot compare are trusted: one write, the advanced value", () => {
      for (const held of ['opaque', undefined]) {
        const written = [];
        const device = { read: () => held, write: (v) => written.push(v), advance: (v) => v };
        const clock = new GuestClock(device, { warn: () => assert.fail('no warning'), policy: 'catch-up' });
        clock.vmStateChanged(true);
        clock.vmStateChanged(false);
        clock.vmStateChanged(true);
        assert.deepStrictEqual(written, [held]);
      }
    });

    it('at cont: a held TOD at its last value is written back as held, with a warning, not wrapped', () => {
      const device = new SimulatedS390Tod({ hostTod: () => HOST_1970 });
      const { warnings, warn } = collectWarnings();
      const clock = new GuestClock(device, { warn, policy: 'catch-up' });
      const end = { high: 255, low: U64_MAX };
      device.write(end);
      clock.vmStateChanged(true);
      clock.vmStateChanged(false);
      const released = [];
      const listener = (m) => released.push(m);
      require('diagnostics_channel').subscribe(kvm.Channels.RELEASE, listener);
      try {
        clock.vmStateChanged(true);
      } finally {
        require('diagnostics_channel').unsubscribe(kvm.Channels.RELEASE, listener);
      }
      assert.deepStrictEqual(device.read(), end);
      assert.deepStrictEqual(
        warnings.map((w) => w.code),
        [WarningCodes.DOWNTIME_REFUSED],
      );
      assert.deepStrictEqual(
        released.map((m) => [m.policy, m.value]),
        [['freeze', end]],
        'the release says what was done: frozen',
      );
    });
  });
});
