// kvm-unit-tests s390x/migration-sck, as this library must keep it: a guest sets its TOD
// clock (SET CLOCK) 600 s ahead of the host, is migrated, and reads its clock again:
// "the TOD clock ... doesn't move backwards after migration". Here across any migration:
// live or offline, QEMU's todclock section or kvm-tod's extended one (and the kvmclock
// section, for x86), either policy or a policy function, hosts whose clocks are not in
// step, a source wall time tampered with in transit, chains of migrations; and never more
// than the time that passed plus the destination's maxDowntimeNs. The VMs are simulated,
// each on its own simulated host clock, and run on real time.
'use strict';
const assert = require('assert');
const fc = require('fast-check');
const kvm = require('../..');
const { collectWarnings } = require('@kvm-tod/testkit/counting-device');
const { runs } = require('../helpers/scale');

const SECOND = 1_000_000_000n;
const DAY = 86_400n * SECOND;
const U64_MAX = (1n << 64n) - 1n;
const SCK_AHEAD_NS = 600n * SECOND; // migration-sck's own choice: more than any migration takes

/** A VM's kvmclock on a host: it runs with the host's monotonic clock, as KVM's does. */
class RunningKvmClock {
  constructor() {
    this.clockKind = 'kvmclock';
    this.offset = 0n;
  }
  read() {
    return process.hrtime.bigint() + this.offset;
  }
  write(value) {
    if (value < 0n || value > U64_MAX) throw new RangeError(`kvmclock ${value}`);
    this.offset = value - process.hrtime.bigint();
  }
  advance(value, ns) {
    return kvm.KvmClockDevice.prototype.advance.call(this, value, ns);
  }
}

const KINDS = {
  // an s390 VM on a host whose TOD is `skewNs` off this process's clock
  tod: {
    vm: (skewNs) => new kvm.SimulatedS390Tod({ hostTod: () => kvm.todAddNs(kvm.hostTod(), skewNs) }),
    formats: ['todclock', 'extended'],
    ns: (tod) => kvm.todToUnixNs(tod), // the clock's value on one scale, to compare
    sck: (device, ns) => device.write(kvm.todAddNs(device.read(), ns)),
  },
  kvmclock: {
    vm: () => new RunningKvmClock(),
    formats: ['kvmclock'],
    ns: (clock) => clock,
    sck: (device, ns) => device.write(device.read() + (ns < 0n ? -ns : ns)), // a kvmclock has no value below 0
  },
};
const WALL_AT = { kvmclock: 14, extended: 15 }; // where a section carries the source's wall time

/**
 * One migration of a running guest from `source` to a new VM on a host `hop.skewNs` off:
 * the section in `hop.format`, saved live or after a stop, its wall time moved by the source
 * host's own skew and, if `hop.tamper` is set, replaced in transit; loaded under `hop.policy`
 * and run. Returns the destination, running, the guest's clock read just before the save, and
 * the host's monotonic time just before that read.
 */
function migrate(kind, source, hop) {
  const { warnings, warn } = collectWarnings();
  const options = { warn, name: 'destination', policy: hop.policy };
  if (hop.maxDowntimeNs !== undefined) options.maxDowntimeNs = hop.maxDowntimeNs;
  const device = kind.vm(hop.skewNs);
  const dest = new kvm.GuestClock(device, options);
  const startedAt = process.hrtime.bigint();
  const lastRead = source.device.read(); // the guest's last look at its clock on the source
  if (!hop.live) source.vmStateChanged(false);
  const bytes = kvm.saveClockSection(source, { format: hop.format });
  if (hop.live) source.vmStateChanged(false);
  const at = WALL_AT[hop.format];
  if (at !== undefined && bytes.length > at) {
    const wall = BigInt.asIntN(64, bytes.readBigInt64BE(at) + source.skewNs);
    bytes.writeBigInt64BE(hop.tamper === undefined ? wall : BigInt.asIntN(64, hop.tamper), at);
  }
  kvm.loadClockSection(dest, bytes);
  dest.vmStateChanged(true);
  dest.skewNs = hop.skewNs;
  return { dest, lastRead, startedAt, warnings };
}

/** A source guest running on a host `skewNs` off, that has set its clock `sckNs` ahead. */
function sourceGuest(kind, skewNs, sckNs) {
  const clock = new kvm.GuestClock(kind.vm(skewNs), { name: 'source', warn: () => {} });
  clock.skewNs = skewNs;
  clock.vmStateChanged(true);
  kind.sck(clock.device, sckNs);
  return clock;
}

describe('migration-sck: the guest clock never moves backwards across a migration', () => {
  for (const [kindName, kind] of Object.entries(KINDS)) {
    for (const format of kind.formats) {
      for (const policy of ['freeze', 'catch-up']) {
        for (const live of [false, true]) {
          const how = `${format} section, ${policy}, ${live ? 'live' : 'offline'}`;
          it(`${kindName}, ${how}: the clock set 600 s ahead, the destination host an hour behind`, () => {
            const source = sourceGuest(kind, 0n, SCK_AHEAD_NS);
            const timeToSet = kind.ns(source.device.read());
            const { dest, warnings } = migrate(kind, source, { format, policy, live, skewNs: -3600n * SECOND });
            const afterMigration = kind.ns(dest.device.read());
            assert.ok(afterMigration >= timeToSet, `moved back ${timeToSet - afterMigration} ns`);
            assert.deepStrictEqual(warnings, []);
          });
        }
      }
    }

    it(`${kindName}: a source whose wall time reads 1970, or -2^63: no step back, no leap ahead`, () => {
      for (const tamper of [0n, -(1n << 63n), (1n << 63n) - 1n]) {
        const source = sourceGuest(kind, 0n, SCK_AHEAD_NS);
        const format = kind.formats[kind.formats.length - 1]; // the one with the wall time
        const hop = { format, policy: 'catch-up', live: true, skewNs: 0n, tamper };
        const { dest, lastRead, warnings } = migrate(kind, source, hop);
        const movedNs = kind.ns(dest.device.read()) - kind.ns(lastRead);
        assert.ok(movedNs >= 0n && movedNs < 60n * SECOND, `moved ${movedNs} ns`);
        assert.strictEqual(warnings.length, 1);
      }
    });
  }

  // Any chain of migrations, each hop anything a VMM and a network can do.
  for (const [kindName, kind] of Object.entries(KINDS)) {
    const hop = fc.record({
      format: fc.constantFrom(...kind.formats),
      live: fc.boolean(),
      skewNs: fc.oneof(fc.constant(0n), fc.bigInt({ min: -400n * DAY, max: 400n * DAY })),
      policy: fc.oneof(
        fc.constantFrom('freeze', 'catch-up'),
        fc.bigInt({ min: 0n, max: 2n * DAY }).map((t) => kvm.catchUpAfter(t)),
        fc.constantFrom('catch-up', 'freeze', 'sideways', undefined).map((answer) => () => answer),
      ),
      maxDowntimeNs: fc.option(fc.bigInt({ min: 0n, max: 1n << 66n }), { nil: undefined }),
      tamper: fc.option(fc.bigInt({ min: -(1n << 63n), max: U64_MAX }), { nil: undefined }),
    });
    const RUNS = runs(200, 'FUZZ_RUNS');
    it(`${kindName}: any chain of migrations (${RUNS} runs): forward, by at most the bound and the time passed`, () => {
      fc.assert(
        fc.property(
          fc.bigInt({ min: -100n * 365n * DAY, max: 100n * 365n * DAY }),
          fc.array(hop, { minLength: 1, maxLength: 4 }),
          (sckNs, hops) => {
            let guest = sourceGuest(kind, hops[0].skewNs, sckNs);
            for (const h of hops) {
              const { dest, lastRead, startedAt } = migrate(kind, guest, h);
              const now = kind.ns(dest.device.read());
              const elapsedNs = process.hrtime.bigint() - startedAt;
              const movedNs = now - kind.ns(lastRead);
              assert.ok(movedNs >= 0n, `moved back ${-movedNs} ns`);
              // the downtime a section may add, and the time that really passed since the
              // guest's last read (a TOD counts in 1/4.096 ns: a few ns of rounding)
              const limit = dest.maxDowntimeNs + elapsedNs + 10n;
              assert.ok(movedNs <= limit, `moved ${movedNs} ns, more than ${limit}`);
              guest = dest;
            }
          },
        ),
        { numRuns: RUNS },
      );
    });
  }
});
