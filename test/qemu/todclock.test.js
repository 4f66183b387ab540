// QEMU as the judge of the library's "todclock" bytes (docs/qemu-judge.md). A real
// qemu-system-s390x (TCG: its TOD device reads and writes the same "todclock" section as
// the KVM one, hw/s390x/tod.c) is stopped (-S) and migrated to a file; the library finds
// the section in QEMU's stream and decodes QEMU's guest TOD. Then the library's own section
// (a value chosen here, then "missing") is spliced into that stream, a second QEMU loads it
// (-incoming) and is migrated again, and the library decodes what QEMU wrote back.
// `npm run test:qemu` (scripts/test-qemu.sh) installs QEMU and runs this; about 5 s.
'use strict';
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const kvm = require('../..');
const { itQemu, qemu, launchQemu, qemuExit, startQemu } = require('../helpers/qemu');
const { migrateToFile, migrationDone, incomingFrom } = require('../helpers/qemu');
const { findSection, spliceSection, todclockLength, SECTION_FULL } = require('../helpers/migration-stream');
const { collectWarnings } = require('@kvm-tod/testkit/counting-device');
const { sleep } = require('@kvm-tod/testkit/pause-jump');

const SECOND = 1_000_000_000n;
// How far below the host's realtime QEMU's TCG TOD starts (hw/s390x/tod-tcg.c): it takes the
// realtime in whole seconds (up to 1 s lost), turns those seconds into TOD units by way of
// a whole number of 1/4.096 s (up to 1/4.096 s = 244.140625 ms lost more), and then moves
// with the virtual clock, which stands still in a VM that never ran (-S).
const QEMU_START_ROUNDING = SECOND + 244_140_625n;
// A value no clock of this host would hold by chance: 2050, past the 64-bit TOD's wrap in
// 2042, so the epoch index is 1 (a byte QEMU must carry too), and odd to the last TOD unit.
const CHOSEN = kvm.todAddNs(kvm.todFromDate(new Date('2050-01-01T00:00:00.123Z')), 456_789n);

/** Migrates the QEMU `vm` into `file` and returns its todclock section, found and checked. */
async function todclockOf(vm, file) {
  await migrateToFile(vm.qmp, file);
  return findSection(fs.readFileSync(file), 'todclock', todclockLength);
}

/**
 * How far this process's hostTod() may be from the host's realtime clock now, in ns: it
 * is Date.now() at the process's start (whole ms) carried on by the monotonic clock,
 * which NTP may have slewed apart from realtime since.
 */
function hostTodError() {
  const gap = kvm.hostUnixNs() - BigInt(Date.now()) * 1_000_000n;
  return (gap < 0n ? -gap : gap) + 2_000_000n;
}

/** A GuestClock holding `tod`, as a VMM's source holds its stopped VM's clock. */
function heldClock(tod) {
  const host = kvm.hostTod();
  const device = new kvm.SimulatedS390Tod({ hostTod: () => host }); // a host TOD that stands still
  device.write(tod);
  const clock = new kvm.GuestClock(device, { name: 'source' });
  clock.vmStateChanged(true);
  clock.vmStateChanged(false);
  return clock;
}

describe(`QEMU judges the todclock section (${qemu.ok ? qemu.version : 'qemu-system-s390x'}, TCG)`, function () {
  let dir;
  let stream; // QEMU's own migration stream
  let section; // its todclock section
  let window; // the host's TOD before QEMU started and after its migration ended

  before(async function () {
    if (!qemu.ok) return;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvm-tod-qemu-'));
    const started = kvm.hostTod();
    const vm = await startQemu(dir, 'source');
    try {
      section = await todclockOf(vm, path.join(dir, 'source.bin'));
    } finally {
      await vm.quit();
    }
    window = { started, ended: kvm.hostTod() };
    stream = fs.readFileSync(path.join(dir, 'source.bin'));
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  itQemu('QEMU\'s stream has one "todclock" section: QEMU_VM_SECTION_FULL, instance 0, version 1, 10 bytes', () => {
    assert.deepStrictEqual(
      [section.type, section.instanceId, section.versionId, section.data.length],
      [SECTION_FULL, 0, 1, 10],
    );
    assert.strictEqual(kvm.decodeMigrationSection(section.data).format, 'todclock-v1');
  });

  itQemu("the library decodes QEMU's guest TOD: the host's TOD at QEMU's start, by hostTod()", () => {
    const tod = kvm.decodeTodSection(section.data);
    // QEMU's TCG TOD is the host's realtime at its start, rounded down (QEMU_START_ROUNDING),
    // and stands still while the VM never runs: so the TOD it sent is between its start,
    // less that rounding, and the end of its migration.
    const slack = hostTodError();
    const earliest = kvm.todAddNs(window.started, -QEMU_START_ROUNDING - slack);
    const latest = kvm.todAddNs(window.ended, slack);
    assert.ok(
      kvm.todDiffNs(tod, earliest) >= 0n && kvm.todDiffNs(latest, tod) >= 0n,
      `QEMU's TOD ${kvm.formatTod(tod)}, the host's from ${kvm.formatTod(earliest)} to ${kvm.formatTod(latest)}`,
    );
    // and a GuestClock takes QEMU's bytes as a destination
    const { warnings, warn } = collectWarnings();
    const dest = new kvm.GuestClock(new kvm.SimulatedS390Tod(), { warn });
    kvm.loadTodSection(dest, section.data);
    assert.deepStrictEqual([dest.heldValue, warnings], [tod, []]);
  });

  itQemu("QEMU loads the library's section and, stopped, sends back the very value (2050, epoch index 1)", async () => {
    const ours = kvm.saveTodSection(heldClock(CHOSEN));
    assert.deepStrictEqual(ours, kvm.encodeTodSection(CHOSEN));
    const file = path.join(dir, 'ours.bin');
    fs.writeFileSync(file, spliceSection(stream, section, ours));
    const vm = await startQemu(dir, 'ours', incomingFrom(file));
    try {
      await migrationDone(vm.qmp);
      await sleep(500); // stopped, its clock must not move
      const back = await todclockOf(vm, path.join(dir, 'ours-back.bin'));
      assert.deepStrictEqual(kvm.decodeTodSection(back.data), CHOSEN);
      assert.deepStrictEqual(back.data, ours, 'the very bytes');
      assert.strictEqual(vm.stderr(), '', 'QEMU complained');
    } finally {
      await vm.quit();
    }
  });

  itQemu('QEMU loads the library\'s "missing" section with its warning, and keeps a clock of its own', async () => {
    const { warnings, warn } = collectWarnings();
    const unreadable = {
      read() {
        throw new kvm.KvmError(5, 'ioctl', { request: 'KVM_GET_DEVICE_ATTR' });
      },
      write() {},
    };
    const missing = kvm.saveTodSection(new kvm.GuestClock(unreadable, { warn })); // rule 4: the clock cannot be read
    assert.deepStrictEqual([[...missing], warnings.map((w) => w.code)], [[0x00], [kvm.WarningCodes.NOT_MIGRATED]]);
    const file = path.join(dir, 'missing.bin');
    fs.writeFileSync(file, spliceSection(stream, section, missing));
    const started = kvm.hostTod();
    const vm = await startQemu(dir, 'missing', incomingFrom(file));
    try {
      await migrationDone(vm.qmp);
      assert.match(vm.stderr(), /warning: Guest clock was not migrated\. This could cause the guest to hang\./);
      const back = await todclockOf(vm, path.join(dir, 'missing-back.bin'));
      const tod = kvm.decodeTodSection(back.data);
      const slack = hostTodError();
      assert.ok(
        kvm.todDiffNs(tod, kvm.todAddNs(started, -QEMU_START_ROUNDING - slack)) >= 0n &&
          kvm.todDiffNs(kvm.todAddNs(kvm.hostTod(), slack), tod) >= 0n,
        `QEMU's own TOD ${kvm.formatTod(tod)}, started at ${kvm.formatTod(started)}`,
      );
    } finally {
      await vm.quit();
    }
  });

  itQemu(
    "the extended section is kvm-tod's own: QEMU refuses it in the todclock slot, and the load fails",
    async () => {
      const extended = kvm.saveTodSection(heldClock(CHOSEN), { format: 'extended' });
      const file = path.join(dir, 'extended.bin');
      fs.writeFileSync(file, spliceSection(stream, section, extended));
      // QEMU reads a flag byte that is not 0x00 ("K"), then nine bytes as the TOD, and finds
      // no section footer where those ten bytes end: the load fails and QEMU exits by itself.
      const vm = launchQemu(dir, 'extended', incomingFrom(file));
      const exit = await qemuExit(vm);
      assert.deepStrictEqual(exit, { code: 1, signal: null }, vm.stderr());
      assert.match(vm.stderr(), /Missing section footer for todclock\n.*load of migration failed/);
    },
  );
});
