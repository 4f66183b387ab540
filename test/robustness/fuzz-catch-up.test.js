// Property-based: what a migration section can do to a destination's guest clock, over the
// whole range of source wall times (every 64-bit pattern of the field: -2^63 .. 2^63-1, the
// bytes ff..ff that is 2^64-1 unsigned and -1 signed, around 1970, around now, around the
// bound), any value of the clock, any bound, any policy, a running or a stopped VM:
//   - the guest clock is never moved backwards, and never by more than maxDowntimeNs;
//   - a wall time at or before 1970, ahead of this host's, or beyond the bound adds nothing
//     and warns (KVM_TOD_DOWNTIME_REFUSED, KVM_TOD_SOURCE_CLOCK_AHEAD), the value held as
//     under freeze; a believable one under 'catch-up' adds exactly the downtime, unless that
//     would carry the clock past its last value (then refused as well);
//   - decoding stays strict: bytes that are not a section throw and write nothing.
// The same for the extended TOD section and the kvmclock section. Examples of each case:
// test/unit/bounded-catch-up.test.js.
'use strict';
const assert = require('assert');
const fc = require('fast-check');
const kvm = require('../..');
const { collectWarnings } = require('@kvm-tod/testkit/counting-device');
const { runs } = require('../helpers/scale');

const RUNS = runs(2000, 'FUZZ_RUNS');
const { WarningCodes } = kvm;
const SECOND = 1_000_000_000n;
const DAY = 86_400n * SECOND;
const U64_MAX = (1n << 64n) - 1n;
const TOD_END = (1n << 72n) - 1n;
const HOST_1970 = { high: 0, low: 0x7d91048bca000000n };

/** A kvmclock without KVM: KvmClockDevice's own advance, and a write that refuses what setKvmClock refuses. */
class SimulatedKvmClock {
  constructor() {
    this.clockKind = 'kvmclock';
    this.value = 0n;
    this.writes = 0;
  }
  read() {
    return this.value;
  }
  write(value) {
    if (typeof value !== 'bigint' || value < 0n || value > U64_MAX) throw new RangeError(`kvmclock ${value}`);
    this.writes++;
    this.value = value;
  }
  advance(value, ns) {
    return kvm.KvmClockDevice.prototype.advance.call(this, value, ns);
  }
}

/** A simulated s390 TOD whose host clock stands still: what it reads is what was written. */
class StillTod extends kvm.SimulatedS390Tod {
  constructor() {
    super({ hostTod: () => HOST_1970 });
    this.writes = 0;
  }
  write(value) {
    super.write(value);
    this.writes++;
  }
}

const KINDS = {
  tod: {
    device: () => new StillTod(),
    value: fc.record({ high: fc.integer({ min: 0, max: 255 }), low: fc.bigInt({ min: 0n, max: U64_MAX }) }),
    encode: (tod, wallNs) => {
      const bytes = Buffer.alloc(23);
      Buffer.from('KTOD\x02\x01', 'latin1').copy(bytes);
      bytes[6] = tod.high;
      bytes.writeBigUInt64BE(tod.low, 7);
      bytes.writeBigInt64BE(wallNs, 15);
      return bytes;
    },
    decode: (bytes) => {
      const s = kvm.decodeMigrationSection(bytes);
      return { value: s.tod, sourceWallNs: s.sourceWallNs };
    },
    units: (tod) => kvm.todToBigInt(tod), // the clock's own scale, to compare
    addedNs: (later, earlier) => kvm.todDiffNs(later, earlier),
    // how far a catch-up of `ns` would carry `value`: past the end, or not
    pastTheEnd: (tod, ns) => kvm.todToBigInt(tod) + (ns * 4096n) / 1000n > TOD_END,
  },
  kvmclock: {
    device: () => new SimulatedKvmClock(),
    value: fc.bigInt({ min: 0n, max: U64_MAX }),
    encode: (clock, wallNs) => kvm.encodeKvmClockSection(clock, wallNs),
    decode: (bytes) => {
      const s = kvm.decodeKvmClockSection(bytes);
      return { value: s.clock, sourceWallNs: s.sourceWallNs };
    },
    units: (clock) => clock,
    addedNs: (later, earlier) => later - earlier,
    pastTheEnd: (clock, ns) => clock + ns > U64_MAX,
  },
};

// The wall time field, as any 64 bits (read signed), or relative to the destination's now
// (`ago`), drawn where the rules change: 1970, now, the bound.
const wallTime = fc.oneof(
  fc.bigInt({ min: 0n, max: U64_MAX }).map((bits) => ({ bits })),
  fc.constantFrom(0n, 1n, U64_MAX, 1n << 63n, (1n << 63n) - 1n, 1_000_000n).map((bits) => ({ bits })),
  fc.bigInt({ min: -DAY, max: 60n * DAY }).map((ago) => ({ ago })),
  fc.constantFrom(0n, SECOND, -SECOND, 30n * DAY - SECOND, 30n * DAY + SECOND).map((ago) => ({ ago })),
);
const bound = fc.oneof(
  fc.constant(undefined), // the default, 30 days
  fc.constantFrom(0n, 1n, SECOND, 1n << 70n),
  fc.bigInt({ min: 0n, max: 400n * DAY }),
);
const policy = fc.oneof(
  fc.constantFrom('freeze', 'catch-up'),
  fc.bigInt({ min: 0n, max: 60n * DAY }).map((threshold) => ({ threshold })),
  fc.anything().map((answer) => ({ answer })),
);
const clockPolicy = (p) =>
  typeof p === 'string' ? p : 'threshold' in p ? kvm.catchUpAfter(p.threshold) : () => p.answer;

/** Loads `bytes` into a fresh clock; checks every rule; returns what happened, for coverage. */
function loadAndCheck(kind, bytes, { maxDowntimeNs, policy: p, running }) {
  const { warnings, warn } = collectWarnings();
  const device = kind.device();
  const options = { warn, policy: clockPolicy(p) };
  if (maxDowntimeNs !== undefined) options.maxDowntimeNs = maxDowntimeNs;
  const clock = new kvm.GuestClock(device, options);
  clock.vmStateChanged(running);
  const writesBefore = device.writes;
  let sent;
  try {
    sent = kind.decode(bytes);
  } catch (error) {
    assert.ok(error instanceof kvm.ClockSectionError, `${error.name}: ${error.message}`);
    assert.throws(() => kvm.loadClockSection(clock, bytes), kvm.ClockSectionError);
    assert.strictEqual(device.writes, writesBefore, 'malformed bytes wrote to the clock');
    assert.strictEqual(clock.held, false);
    return 'malformed';
  }
  const nowBefore = kvm.hostUnixNs();
  kvm.loadClockSection(clock, bytes);
  const nowAfter = kvm.hostUnixNs();
  const codes = warnings.map((w) => w.code);
  if (sent.value === null) {
    assert.deepStrictEqual(codes, [WarningCodes.NOT_MIGRATED]);
    return 'missing';
  }
  const loaded = device.read();
  assert.strictEqual(device.writes, writesBefore + 1, 'written once, at the load');
  if (sent.sourceWallNs === undefined) {
    assert.deepStrictEqual([loaded, codes], [sent.value, []], 'a section without a wall time loads as sent');
    return 'no wall time';
  }
  assert.strictEqual(clock.held, !running);
  if (!running) assert.deepStrictEqual(clock.heldValue, loaded);

  // never backwards, never more than the bound, never more than the downtime claimed
  const max = clock.maxDowntimeNs;
  assert.ok(kind.units(loaded) >= kind.units(sent.value), 'the guest clock was moved backwards');
  const added = kind.addedNs(loaded, sent.value);
  assert.ok(added <= max, `added ${added} ns, more than maxDowntimeNs ${max}`);
  const wall = sent.sourceWallNs;
  assert.ok(added === 0n || added <= nowAfter - wall, `added ${added} ns, more than the downtime claimed`);

  const refusals = codes.filter((c) => c === WarningCodes.DOWNTIME_REFUSED || c === WarningCodes.SOURCE_CLOCK_AHEAD);
  assert.ok(refusals.length <= 1, `warnings ${codes}`);
  if (refusals.length === 1) assert.strictEqual(added, 0n, 'a refusal added something');
  if (wall <= 0n) {
    assert.deepStrictEqual(codes, [WarningCodes.DOWNTIME_REFUSED], `wall ${wall}`);
    return 'before 1970';
  }
  if (wall > nowAfter) {
    assert.deepStrictEqual(codes, [WarningCodes.SOURCE_CLOCK_AHEAD], `wall ${wall}`);
    return 'ahead';
  }
  if (nowBefore - wall > max) {
    assert.deepStrictEqual(codes, [WarningCodes.DOWNTIME_REFUSED], `wall ${wall}`);
    return 'beyond the bound';
  }
  if (wall > nowBefore || nowAfter - wall > max) return 'on an edge'; // the load straddled it: either is right
  // a believable downtime
  if (p === 'freeze') {
    assert.deepStrictEqual([added, codes], [0n, []]);
    return 'freeze';
  }
  if (p === 'catch-up') {
    if (kind.pastTheEnd(sent.value, nowBefore - wall)) {
      assert.deepStrictEqual([added, codes], [0n, [WarningCodes.DOWNTIME_REFUSED]]);
      return 'past the end';
    }
    if (!kind.pastTheEnd(sent.value, nowAfter - wall)) {
      assert.deepStrictEqual(codes, []);
      // the TOD counts in 1/4.096 ns: a catch-up may round down by a unit
      assert.ok(added >= nowBefore - wall - 1n, `added ${added} ns for a downtime of ${nowBefore - wall}+ ns`);
    }
    return 'caught up';
  }
  return 'a policy function';
}

describe('fuzz: what a migration section may add to a guest clock', function () {
  this.timeout(300_000);
  for (const [name, kind] of Object.entries(KINDS)) {
    const title = `${name}: any wall time, value, bound, policy and run state`;
    it(`${title}: never backwards, never past the bound (${RUNS} runs)`, () => {
      const seen = new Set();
      fc.assert(
        fc.property(kind.value, wallTime, bound, policy, fc.boolean(), (value, w, maxDowntimeNs, p, running) => {
          const wallNs = 'bits' in w ? BigInt.asIntN(64, w.bits) : BigInt.asIntN(64, kvm.hostUnixNs() - w.ago);
          seen.add(loadAndCheck(kind, kind.encode(value, wallNs), { maxDowntimeNs, policy: p, running }));
        }),
        { numRuns: RUNS },
      );
      for (const outcome of ['before 1970', 'ahead', 'beyond the bound', 'freeze', 'caught up']) {
        assert.ok(seen.has(outcome), `no run reached "${outcome}": ${[...seen]}`);
      }
    });

    it(`${name}: a section cut, grown or with a byte changed writes nothing, or obeys the rules (${RUNS} runs)`, () => {
      const mutation = fc.oneof(
        fc.record({ at: fc.nat(30), value: fc.integer({ min: 0, max: 255 }) }),
        fc.record({ cut: fc.nat(30) }),
        fc.record({ grow: fc.uint8Array({ minLength: 1, maxLength: 3 }) }),
      );
      fc.assert(
        fc.property(
          kind.value,
          fc.bigInt({ min: 0n, max: U64_MAX }),
          mutation,
          bound,
          policy,
          (value, bits, m, maxDowntimeNs, p) => {
            let bytes = Buffer.from(kind.encode(value, BigInt.asIntN(64, bits)));
            if ('at' in m) bytes[m.at % bytes.length] = m.value;
            else if ('cut' in m) bytes = bytes.subarray(0, m.cut % bytes.length);
            else bytes = Buffer.concat([bytes, m.grow]);
            loadAndCheck(kind, bytes, { maxDowntimeNs, policy: p, running: false });
          },
        ),
        { numRuns: RUNS },
      );
    });
  }
});
