// Property-based fuzzing of the migration section decoders: any bytes, in any
// kind of Uint8Array view, either decode to exactly what an independent reading of the
// formats (docs/rules.md's todclock v1, docs/policies.md's kvm-tod v2, and kvm-tod's
// kvmclock section of docs/guest-clock.md, "Migration sections") says, or throw a
// TodSectionError / ClockSectionError; anything else is a TypeError with Node's code.
// Loaded into a kvmclock clock, a section is written exactly when it decodes, and bad
// bytes (or a TOD section) write nothing. Pure JavaScript, so it runs in the mocha process.
'use strict';
const assert = require('assert');
const fc = require('fast-check');
const kvm = require('../..');
const { anyValue, hostile, materialize, undocumented } = require('../helpers/fuzz-values');
const { CountingDevice, collectWarnings } = require('@kvm-tod/testkit/counting-device');
const { runs } = require('../helpers/scale');

const RUNS = runs(400, 'FUZZ_RUNS');
const U64 = (1n << 64n) - 1n;

// --- an independent reading of the formats -------------------------------------------

function be64(b, at) {
  let v = 0n;
  for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(b[at + i]);
  return v;
}

/** What the bytes are, read by the two specs; 'invalid' where they are neither. */
function reference(bytes) {
  const b = Array.from(bytes);
  const ktod = b.length >= 4 && b[0] === 0x4b && b[1] === 0x54 && b[2] === 0x4f && b[3] === 0x44;
  if (ktod) {
    if (b.length === 6 && b[4] === 2 && b[5] === 0) return { format: 'kvm-tod-v2', tod: null };
    if (b.length === 23 && b[4] === 2 && b[5] === 1) {
      return {
        format: 'kvm-tod-v2',
        tod: { high: b[6], low: be64(b, 7) },
        sourceWallNs: BigInt.asIntN(64, be64(b, 15)),
      };
    }
    return 'invalid';
  }
  if (b.length === 1 && b[0] === 0) return { format: 'todclock-v1', tod: null };
  if (b.length === 10 && b[0] === 1) return { format: 'todclock-v1', tod: { high: b[1], low: be64(b, 2) } };
  return 'invalid';
}

// --- bytes: random, and valid sections with one mutation ------------------------------

const tod = fc.record(
  { high: fc.integer({ min: 0, max: 255 }), low: fc.bigInt({ min: 0n, max: U64 }) },
  { noNullPrototype: true },
);
const wall = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });

function encodeV2(t, wallNs) {
  const head = Buffer.from([0x4b, 0x54, 0x4f, 0x44, 2, t ? 1 : 0]);
  if (!t) return head;
  const body = Buffer.alloc(17);
  body[0] = t.high;
  body.writeBigUInt64BE(t.low, 1);
  body.writeBigInt64BE(wallNs, 9);
  return Buffer.concat([head, body]);
}

const validSection = fc.oneof(
  fc.option(tod, { nil: null }).map((t) => kvm.encodeTodSection(t)),
  fc.tuple(fc.option(tod, { nil: null }), wall).map(([t, w]) => encodeV2(t, w)),
);

const mutation = fc.oneof(
  fc.constant({ kind: 'none' }),
  fc.record({ kind: fc.constant('truncate'), at: fc.nat(30) }),
  fc.record({ kind: fc.constant('append'), extra: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('set'), at: fc.nat(30), value: fc.integer({ min: 0, max: 255 }) }),
);

function mutate(bytes, m) {
  const b = Buffer.from(bytes);
  if (m.kind === 'truncate') return b.subarray(0, m.at % (b.length + 1));
  if (m.kind === 'append') return Buffer.concat([b, Buffer.from(m.extra)]);
  if (m.kind === 'set' && b.length > 0) b[m.at % b.length] = m.value;
  return b;
}

const sectionBytes = fc.oneof(
  fc.uint8Array({ maxLength: 32 }),
  fc.tuple(validSection, mutation).map(([b, m]) => mutate(b, m)),
  validSection,
);

// The same bytes in each kind of view the decoders may get: a Buffer (often a slice of
// Node's shared pool, so byteOffset != 0), a plain Uint8Array, a window into a larger
// buffer with garbage around it, and a view of a SharedArrayBuffer.
const container = fc.constantFrom('buffer', 'uint8array', 'window', 'shared');
function wrap(bytes, kind, garbage) {
  if (kind === 'buffer') return Buffer.from(bytes);
  if (kind === 'uint8array') return new Uint8Array(bytes);
  if (kind === 'window') {
    const big = new Uint8Array(bytes.length + 16).fill(garbage);
    big.set(bytes, 7);
    return big.subarray(7, 7 + bytes.length);
  }
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.length + 3));
  shared.set(bytes, 3);
  return shared.subarray(3);
}

describe('fuzz: migration section decoders', function () {
  this.timeout(300000);
  it(
    `decodeMigrationSection: any bytes decode exactly as the ` + `formats say, or throw TodSectionError (${RUNS} runs)`,
    () => {
      fc.assert(
        fc.property(sectionBytes, container, fc.integer({ min: 0, max: 255 }), (bytes, kind, garbage) => {
          const input = wrap(bytes, kind, garbage);
          const expected = reference(bytes);
          let got;
          try {
            got = kvm.decodeMigrationSection(input);
          } catch (error) {
            assert.ok(error instanceof kvm.TodSectionError, `threw ${error && error.name}: ${error && error.message}`);
            assert.strictEqual(error.code, 'ERR_KVM_TOD_BAD_SECTION');
            assert.strictEqual(expected, 'invalid', `rejected a valid section: ${error.message}`);
            return;
          }
          assert.deepStrictEqual(got, expected);
          // decodeTodSection is the tod of the same reading
          assert.deepStrictEqual(kvm.decodeTodSection(input), expected.tod);
          // the input was not modified
          assert.deepStrictEqual(Buffer.from(input), Buffer.from(bytes));
        }),
        { numRuns: RUNS },
      );
    },
  );

  it(`encodeTodSection and decodeTodSection round-trip every Tod and null (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.option(tod, { nil: null }), (t) => {
        const bytes = kvm.encodeTodSection(t);
        assert.strictEqual(bytes.length, t === null ? 1 : 10);
        assert.deepStrictEqual(kvm.decodeTodSection(bytes), t);
      }),
      { numRuns: RUNS },
    );
  });

  it(`a section loads into a GuestClock exactly when it decodes, and a bad one changes nothing (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(sectionBytes, fc.boolean(), (bytes, running) => {
        const { warnings, warn } = collectWarnings();
        const device = new kvm.SimulatedS390Tod({ hostTod: () => ({ high: 0, low: 0x7d91048bca000000n }) });
        const clock = new kvm.GuestClock(device, { warn });
        clock.vmStateChanged(running);
        const before = device.read();
        const expected = reference(bytes);
        let threw;
        try {
          kvm.loadTodSection(clock, Buffer.from(bytes));
        } catch (error) {
          threw = error;
        }
        if (expected === 'invalid') {
          assert.ok(
            threw instanceof kvm.TodSectionError,
            `accepted invalid bytes ${Buffer.from(bytes).toString('hex')}`,
          );
          assert.deepStrictEqual(device.read(), before, 'a rejected section changed the guest clock');
          assert.strictEqual(clock.held, false);
          assert.strictEqual(warnings.length, 0);
        } else if (expected.tod === null) {
          assert.strictEqual(threw, undefined);
          assert.strictEqual(clock.held, false);
          assert.deepStrictEqual(
            warnings.map((w) => w.code),
            [kvm.WarningCodes.NOT_MIGRATED],
          );
        } else {
          assert.strictEqual(threw, undefined);
          assert.deepStrictEqual(
            device.read(),
            expected.tod,
            'the loaded value was written at once (freeze: no downtime added)',
          );
          assert.strictEqual(clock.held, !running);
          if (!running) assert.deepStrictEqual(clock.heldValue, expected.tod);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it(
    `anything that is not a Uint8Array is a TypeError with ` +
      `ERR_INVALID_ARG_TYPE, or the caller's own error (${RUNS} runs)`,
    () => {
      const notBytes = fc.oneof(
        anyValue,
        hostile,
        fc.constantFrom('01', [1, 0], new Uint16Array(1), new DataView(new ArrayBuffer(10)), new ArrayBuffer(10)),
      );
      fc.assert(
        fc.property(notBytes, fc.constantFrom('decodeTodSection', 'decodeMigrationSection'), (raw, fn) => {
          const value = materialize(raw);
          try {
            kvm[fn](value);
          } catch (error) {
            const why = undocumented(error, kvm);
            assert.strictEqual(why, null, why);
            return;
          }
          assert.ok(value instanceof Uint8Array, 'accepted something that is not a Uint8Array');
        }),
        { numRuns: RUNS },
      );
    },
  );

  it('fixed: a Proxy of a Uint8Array makes decodeTodSection throw an undocumented TypeError (no code)', () => {
    // lib/todclock-section.ts assertBytes checks `instanceof Uint8Array`, which a Proxy
    // passes; reading `.length` through the Proxy then throws V8's "incompatible receiver".
    // Fix: `require('util').types.isUint8Array(bytes)` there (false for a Proxy, true for
    // a Uint8Array of another realm, which instanceof wrongly rejects).
    const proxy = new Proxy(new Uint8Array([0]), {});
    for (const fn of ['decodeTodSection', 'decodeMigrationSection']) {
      assert.throws(() => kvm[fn](proxy), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    }
  });
});

// --- the kvmclock section ------------------------------------------------------------

const KVMC_MAGIC = [0x4b, 0x56, 0x4d, 0x43]; // "KVMC"

/** The bytes as the kvmclock format's description reads them; 'invalid' where they are not a section. */
function kvmclockReference(bytes) {
  const b = Array.from(bytes);
  if (b.length < 6 || KVMC_MAGIC.some((m, i) => b[i] !== m) || b[4] !== 1) return 'invalid';
  if (b[5] === 0) return b.length === 6 ? { clock: null } : 'invalid';
  if (b[5] !== 1 || b.length !== 22) return 'invalid';
  return { clock: be64(b, 6), sourceWallNs: BigInt.asIntN(64, be64(b, 14)) };
}

const validKvmclock = fc.oneof(
  fc.constant(kvm.encodeKvmClockSection(null)),
  fc
    .tuple(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }))
    .map(([clock, wall]) => kvm.encodeKvmClockSection(clock, wall)),
);
// a valid section with one byte changed, cut short, or grown; and plain random bytes
const mutatedKvmclock = fc.oneof(
  fc
    .tuple(validKvmclock, fc.nat(), fc.integer({ min: 0, max: 255 }))
    .map(([b, at, v]) => Buffer.from(b.map((x, i) => (i === at % b.length ? v : x)))),
  fc.tuple(validKvmclock, fc.nat()).map(([b, n]) => b.subarray(0, n % (b.length + 1))),
  fc.tuple(validKvmclock, fc.uint8Array({ minLength: 1, maxLength: 4 })).map(([b, extra]) => Buffer.concat([b, extra])),
);
const kvmclockBytes = fc.oneof(validKvmclock, mutatedKvmclock, fc.uint8Array({ maxLength: 30 }));

class FakeKvmClock extends CountingDevice {
  constructor() {
    super(1_000_000n);
    this.clockKind = 'kvmclock';
  }
  advance(value, ns) {
    return value + ns;
  }
}

describe('fuzz: the kvmclock section', () => {
  it(`decodeKvmClockSection agrees with an independent reading, else ERR_KVM_TOD_BAD_SECTION (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(kvmclockBytes, (b) => {
        const expected = kvmclockReference(b);
        let got;
        try {
          got = kvm.decodeKvmClockSection(b);
        } catch (error) {
          assert.ok(error instanceof kvm.ClockSectionError, `${error.name}: ${error.message}`);
          assert.strictEqual(error.code, 'ERR_KVM_TOD_BAD_SECTION');
          assert.strictEqual(expected, 'invalid', `a valid section was refused: ${error.message}`);
          return;
        }
        assert.deepStrictEqual(got, expected);
      }),
      { numRuns: RUNS },
    );
  });

  it(`loadClockSection into a kvmclock clock writes exactly when the section has a value (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(kvmclockBytes, fc.boolean(), (b, running) => {
        const device = new FakeKvmClock();
        const { warnings, warn } = collectWarnings();
        const clock = new kvm.GuestClock(device, { warn });
        clock.vmStateChanged(running);
        const writesBefore = device.writes;
        const expected = kvmclockReference(b);
        try {
          kvm.loadClockSection(clock, b);
        } catch (error) {
          assert.ok(error instanceof kvm.ClockSectionError, `${error.name}: ${error.message}`);
          assert.strictEqual(expected, 'invalid');
          assert.strictEqual(device.writes, writesBefore, 'a refused section wrote nothing');
          return;
        }
        if (expected.clock === null) {
          assert.strictEqual(device.writes, writesBefore);
          assert.deepStrictEqual(
            warnings.map((w) => w.code),
            [kvm.WarningCodes.NOT_MIGRATED],
          );
        } else {
          assert.deepStrictEqual(device.written.slice(writesBefore), [expected.clock], "freeze: the section's value");
          assert.strictEqual(clock.held, !running);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('the generators reach every outcome: values, "missing" and each refusal', () => {
    const seen = new Set();
    fc.assert(
      fc.property(kvmclockBytes, (b) => {
        const r = kvmclockReference(b);
        seen.add(r === 'invalid' ? 'invalid' : r.clock === null ? 'missing' : 'value');
      }),
      { numRuns: 300 },
    );
    assert.deepStrictEqual([...seen].sort(), ['invalid', 'missing', 'value']);
  });
});
