// The package's types under tsc --strict, as a TypeScript VMM sees them: createGuestClock's
// result works with save/load and the section calls without a cast; createTodClock and
// createKvmClock give the exact value types; internals are absent (test/fixtures/strict-types.ts).
'use strict';
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { scratch, tscStrict } = require('@kvm-tod/testkit/doc-examples');

const root = path.join(__dirname, '..', '..');

/** Compiles `files` (absolute paths) with --strict against the built package; returns tsc's output. */
function tscStrictFiles(files) {
  const { dir, done } = scratch();
  try {
    const copies = files.map((file, i) => {
      const copy = path.join(dir, `${i}-${path.basename(file)}`);
      fs.copyFileSync(file, copy);
      return copy;
    });
    return tscStrict(dir, copies)
      .split(dir + path.sep)
      .join('');
  } finally {
    done();
  }
}

describe('types under tsc --strict', function () {
  this.timeout(120_000);

  it('a VMM written against the package compiles, and what it must not write does not (@ts-expect-error)', () => {
    assert.ok(fs.existsSync(path.join(root, 'dist', 'index.d.ts')), 'dist/index.d.ts is built (npm run build:ts)');
    assert.strictEqual(tscStrictFiles([path.join(root, 'test', 'fixtures', 'strict-types.ts')]), '');
  });

  it('the check can fail: a cast-free misuse is reported', () => {
    const bad = path.join(os.tmpdir(), `kvm-tod-bad-${process.pid}.ts`);
    fs.writeFileSync(
      bad,
      "import { createKvmClock, saveTodSection } from 'kvm-tod';\nsaveTodSection(createKvmClock(3));\n",
    );
    try {
      assert.match(tscStrictFiles([bad]), /error TS2345/);
    } finally {
      fs.rmSync(bad, { force: true });
    }
  });

  it('internals cannot be reached from outside: not by name, and their module is not exported', () => {
    const kvm = require('../..');
    const clock = new kvm.GuestClock(new kvm.SimulatedS390Tod());
    for (const name of ['saveAt', 'warnWith', 'publishFallback', 'policyFor']) {
      assert.strictEqual(clock[name], undefined, name);
      assert.strictEqual(kvm[name], undefined, name);
    }
    // the symbols live in dist/internals.js, which the package's exports map does not serve
    assert.throws(() => require('kvm-tod/dist/internals'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
  });

  it('the shipped .d.ts carries no @internal member (saveAt, warnWith, publishFallback, policyFor)', () => {
    const dts = fs.readFileSync(path.join(root, 'dist', 'guest-clock.d.ts'), 'utf8');
    for (const name of ['saveAt', 'warnWith', 'publishFallback', 'policyFor', 'heldBase', '@internal'])
      assert.ok(!dts.includes(name), name);
  });
});
