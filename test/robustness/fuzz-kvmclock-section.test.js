// Property-based fuzzing of kvm-tod's kvmclock section (docs/guest-clock.md, "Migration
// sections"): any bytes either decode to exactly what an independent reading of the
// format says, or throw a ClockSectionError ERR_KVM_TOD_BAD_SECTION; loaded into a
// kvmclock clock, a section is written exactly when it decodes, and bad bytes (or a TOD
// section) write nothing. Pure JavaScript, so it runs in the mocha process.
'use strict';
const assert = require('assert');
const fc = require('fast-check');
const kvm = require('../..');
const { CountingDevice, collectWarnings } = require('../helpers/counting-device');
const { runs } = require('../helpers/scale');

const RUNS = runs(400, 'FUZZ_RUNS');
const MAGIC = [0x4b, 0x56, 0x4d, 0x43]; // "KVMC"

function be64(b, at) {
  let v = 0n;
  for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(b[at + i]);
  return v;
}

/** The bytes as the format's description reads them; 'invalid' where they are not a section. */
function reference(bytes) {
  const b = Array.from(bytes);
  if (b.length < 6 || MAGIC.some((m, i) => b[i] !== m) || b[4] !== 1) return 'invalid';
  if (b[5] === 0) return b.length === 6 ? { clock: null } : 'invalid';
  if (b[5] !== 1 || b.length !== 22) return 'invalid';
  return { clock: be64(b, 6), sourceWallNs: BigInt.asIntN(64, be64(b, 14)) };
}

const valid = fc.oneof(
  fc.constant(kvm.encodeKvmClockSection(null)),
  fc
    .tuple(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }))
    .map(([clock, wall]) => kvm.encodeKvmClockSection(clock, wall)),
);
// a valid section with one byte changed, cut short, or grown; and plain random bytes
const mutated = fc.oneof(
  fc
    .tuple(valid, fc.nat(), fc.integer({ min: 0, max: 255 }))
    .map(([b, at, v]) => Buffer.from(b.map((x, i) => (i === at % b.length ? v : x)))),
  fc.tuple(valid, fc.nat()).map(([b, n]) => b.subarray(0, n % (b.length + 1))),
  fc.tuple(valid, fc.uint8Array({ minLength: 1, maxLength: 4 })).map(([b, extra]) => Buffer.concat([b, extra])),
);
const bytes = fc.oneof(valid, mutated, fc.uint8Array({ maxLength: 30 }));

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
      fc.property(bytes, (b) => {
        const expected = reference(b);
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
      fc.property(bytes, fc.boolean(), (b, running) => {
        const device = new FakeKvmClock();
        const { warnings, warn } = collectWarnings();
        const clock = new kvm.GuestClock(device, { warn });
        clock.vmStateChanged(running);
        const writesBefore = device.writes;
        const expected = reference(b);
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
      fc.property(bytes, (b) => {
        const r = reference(b);
        seen.add(r === 'invalid' ? 'invalid' : r.clock === null ? 'missing' : 'value');
      }),
      { numRuns: 300 },
    );
    assert.deepStrictEqual([...seen].sort(), ['invalid', 'missing', 'value']);
  });
});
