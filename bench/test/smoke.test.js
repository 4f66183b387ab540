// `npm run bench` cannot rot: its quick run, as a child process, with --json, and the
// shape of what it reports. Every figure must be there, measured or skipped with a
// reason; none may fail. No number is asserted: a benchmark is not a test.
'use strict';
const assert = require('assert');
const { execFile } = require('child_process');
const fs = require('fs');
const path = require('path');
const { kvm } = require('@kvm-tod/testkit/kvm');
const double = require('@kvm-tod/testkit/s390-double');

const root = path.join(__dirname, '..');

// The figures by kind, from the bench's own list; that list must be the one
// README.md describes (checked below), so that a figure the script stops
// producing, or one the docs do not name, fails this test.
const { FIGURES, WITHOUT_IOCTL_TARGET_IDS } = require('../lib/settings');

/** The figure ids README.md lists ("The ids: ..."), in its order. */
function documentedIds() {
  const text = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const m = /^The ids: ([^]*?)\.\n/m.exec(text);
  assert.ok(m, 'README.md has no "The ids:" paragraph');
  return [...m[1].matchAll(/`([^`]+)`/g)].map((x) => x[1]);
}

const isNumber = (v) => typeof v === 'number' && Number.isFinite(v);
const spread = (v) => v && isNumber(v.median) && isNumber(v.min) && isNumber(v.max);

function assertNumbers(id, object, paths) {
  for (const p of paths) {
    const value = p.split('.').reduce((o, k) => (o === undefined || o === null ? undefined : o[k]), object);
    assert.ok(isNumber(value), `${id}: ${p} is ${JSON.stringify(value)}, not a number`);
  }
}

const SHAPES = {
  compare(id, f) {
    assert.ok(f.backend, `${id}: no backend`);
    for (const k of ['c', 'js', 'ratio', 'overheadNs'])
      assert.ok(spread(f[k]), `${id}: ${k} is not { median, min, max }`);
    assert.ok(f.c.median > 0 && f.js.median > 0, `${id}: a per-call time is not positive`);
    assertNumbers(id, f, ['iterations', 'runs', 'target.ratioAtMost']);
  },
  stillness(id, f) {
    // kvmclock's figure carries what the tiny x86 guest saw on its own clock, or why not.
    if (id === 'stillness.kvmclock') {
      const g = f.guestObserved;
      if (g && typeof g.skipped === 'string')
        assert.ok(g.skipped.length > 0, `${id}: guestObserved skipped without a reason`);
      else
        assertNumbers(id, g, [
          'cycles',
          'pauseMs',
          'withLibraryMs.median',
          'withLibraryMs.p99',
          'withoutLibraryMs.median',
        ]);
    }
    assertNumbers(id, f, [
      'cycles',
      'pauseMs.median',
      'withLibraryUs.median',
      'withLibraryUs.p90',
      'withLibraryUs.worst',
      'withoutLibraryUs.median',
      'withoutLibraryUs.worst',
      'measuringFloorUs.median',
      'withLibraryNetUs.median',
      'target.medianUsBelow',
    ]);
  },
  endurance(id, f) {
    assertNumbers(id, f, [
      'cycles',
      'wallS',
      'usPerCycle',
      'heap.beforeMiB',
      'heap.afterMiB',
      'heap.growthKiB',
      'rss.beforeMiB',
      'rss.afterMiB',
      'guest.advanceMs',
      'guest.notHeldMs',
      'guest.addedMs',
      'guest.addedNsPerCycle',
      'target.heapGrowthKiBBelow',
    ]);
  },
  scaling(id, f) {
    assert.ok(f.backend, `${id}: no backend`);
    assert.ok(Array.isArray(f.points) && f.points.length > 0, `${id}: no points`);
    for (const p of f.points)
      assertNumbers(id, p, ['vms', 'createUsPerVm', 'cNsPerVm', 'jsNsPerVm', 'ratio', 'overheadNsPerVm']);
    assert.deepStrictEqual(
      f.points.map((p) => p.vms),
      f.counts.slice(0, f.points.length),
      `${id}: the VM counts measured`,
    );
    assertNumbers(id, f, ['target.ratioAtMost']);
  },
  cost(id, f) {
    // A difference of two timings (napiCallBesideSyscall) may come out below 0 in a quick run.
    assert.ok(spread(f.nsPerCall), `${id}: nsPerCall is not { median, min, max }`);
    assertNumbers(id, f, ['iterations', 'runs']);
    // The costs without the ioctl that have a target: a ratio to the floor of the same run.
    if (WITHOUT_IOCTL_TARGET_IDS.includes(id)) {
      for (const k of ['floorNs', 'ratioToFloor']) assert.ok(spread(f[k]), `${id}: ${k} is not { median, min, max }`);
      assertNumbers(id, f, ['target.ratioToFloorAtMost']);
      assert.strictEqual(typeof f.met, 'boolean', `${id}: met is not a boolean`);
    }
  },
  costScaling(id, f) {
    assert.ok(Array.isArray(f.points) && f.points.length > 0, `${id}: no points`);
    for (const p of f.points) assertNumbers(id, p, ['vms', 'nsPerVm', 'ratioToOneVm']);
    assert.deepStrictEqual(
      f.points.map((p) => p.vms),
      f.counts,
      `${id}: the VM counts measured`,
    );
    assertNumbers(id, f, ['target.ratioToOneVmAtMost']);
  },
};

// Under qemu-user (npm run test:s390x) the script would build its helper and the double
// for the host, not for the emulated s390x Node that runs this file.
const qemuReason =
  process.env.KVM_TOD_EMULATED || process.env.KVM_S390_DOUBLE_QEMU_ERRNO === '1'
    ? 'under qemu-user the benchmark builds for the host, not for ' +
      'this emulated Node; run npm run bench on the machine itself'
    : undefined;
const itBench = qemuReason ? (title, fn) => it.skip(`${title} [skipped: ${qemuReason}]`, fn) : it;

describe('the bench figures', () => {
  it('are the ones README.md lists, in its order', () => {
    assert.deepStrictEqual(documentedIds(), Object.keys(FIGURES));
  });
});

describe('npm run bench -- --quick --json (smoke run)', function () {
  // Seconds once built; the first run also builds the helper and the double.
  this.timeout(120000);
  let report;
  let stderr;

  before(function (done) {
    if (qemuReason) return done();
    execFile(
      process.execPath,
      [path.join(root, 'run.js'), '--quick', '--json'],
      { cwd: root, encoding: 'utf8', maxBuffer: 16 * 2 ** 20, timeout: 110000 },
      (error, stdout, err) => {
        stderr = err;
        if (error) return done(new Error(`bench exited ${error.code}: ${err.split('\n').slice(-10).join('\n')}`));
        try {
          report = JSON.parse(stdout);
        } catch (e) {
          return done(new Error(`stdout is not one JSON document: ${e.message}\n${stdout.slice(0, 500)}`));
        }
        return done();
      },
    );
  });

  itBench('is a quick run of the documented schema, with the machine described', () => {
    assert.strictEqual(report.schema, 'kvm-tod-bench/1');
    assert.strictEqual(report.mode, 'quick');
    for (const k of ['cpuModel', 'kernel', 'arch', 'node'])
      assert.ok(typeof report.machine[k] === 'string' && report.machine[k], `machine.${k}`);
    assert.ok(report.machine.cores >= 1);
    assert.ok(Array.isArray(report.machine.loadAverage));
    assert.ok(isNumber(report.settings.runs) && report.settings.runs >= 1);
  });

  itBench('has every figure, each measured with all its numbers or skipped with a reason, none failed', () => {
    assert.deepStrictEqual(Object.keys(report.figures).sort(), Object.keys(FIGURES).sort());
    for (const [id, kind] of Object.entries(FIGURES)) {
      const f = report.figures[id];
      assert.ok(!f.error, `${id} failed: ${f.error}\n${stderr}`);
      if ('skipped' in f) {
        assert.ok(typeof f.skipped === 'string' && f.skipped.length > 10, `${id}: skipped without a reason`);
        continue;
      }
      assert.strictEqual(f.kind, kind, `${id}: kind`);
      SHAPES[kind](id, f);
      if (kind !== 'cost') assert.strictEqual(typeof f.met, 'boolean', `${id}: met is not a boolean`);
    }
  });

  itBench('judges the costs without the ioctl against their targets, and says whether all are met', () => {
    const t = report.withoutIoctlTargets;
    assert.strictEqual(typeof t.met, 'boolean');
    assert.ok(Array.isArray(t.notMet) && Array.isArray(t.notMeasured));
    const measured = WITHOUT_IOCTL_TARGET_IDS.filter((id) => !report.figures[id].skipped);
    assert.deepStrictEqual(
      t.notMet,
      measured.filter((id) => !report.figures[id].met),
    );
    assert.strictEqual(t.met, t.notMet.length === 0 && t.notMeasured.length === 0);
  });

  itBench('measures the costs without the ioctl through the stand-in addon wherever it builds', () => {
    assert.match(report.backends.withoutIoctl, /stand-in addon|skipped/);
    if (!/^skipped/.test(report.backends.withoutIoctl)) {
      for (const id of WITHOUT_IOCTL_TARGET_IDS) assert.ok(!report.figures[id].skipped, `${id} skipped`);
    }
  });

  itBench('measures what this host can: kvmclock exactly where /dev/kvm works, the simulated device always', () => {
    for (const id of ['binding.getKvmClock', 'holdRelease.kvmclock', 'stillness.kvmclock', 'endurance.kvmclock']) {
      const f = report.figures[id];
      if (kvm.ok && process.arch === 'x64')
        assert.ok(!f.skipped, `${id} skipped on a host with /dev/kvm: ${f.skipped}`);
      else assert.match(f.skipped, /kvm|x86_64/i, `${id}: ${JSON.stringify(f)}`);
    }
    assert.ok(!report.figures['stillness.simulated'].skipped);
    assert.ok(!report.figures['endurance.simulated'].skipped);
  });

  // Where this suite runs with the double preloaded, a C compiler built it: so can the bench.
  (qemuReason ? itBench : double.itDouble)(
    'measures the s390 TOD through the kernel double where the double builds',
    () => {
      for (const id of ['binding.getTod', 'binding.setTod', 'holdRelease.s390', 'stillness.s390', 'endurance.s390']) {
        assert.ok(!report.figures[id].skipped, `${id} skipped: ${report.figures[id].skipped}`);
      }
      assert.match(report.backends.s390, /double|real \/dev\/kvm/);
    },
  );
});
