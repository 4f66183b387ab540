// The package as a user loads it: require, import, and the types that ship.
'use strict';
const assert = require('assert');
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const pkg = require('../package.json');

describe('package', () => {
  it('require and import give the same functions', () => {
    const out = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', `
        import * as esm from 'kvm-tod';
        import { createRequire } from 'module';
        const cjs = createRequire(import.meta.url)('kvm-tod');
        const names = Object.keys(cjs).filter((k) => k !== 'default').sort();
        const missing = names.filter((n) => esm[n] !== cjs[n]);
        console.log(JSON.stringify({ count: names.length, missing }));
      `],
      { cwd: root, encoding: 'utf8' },
    );
    const { count, missing } = JSON.parse(out);
    assert.ok(count > 30, `only ${count} exports`);
    assert.deepStrictEqual(missing, []);
  });

  it('ships type declarations for both entry points', () => {
    for (const condition of ['import', 'require']) {
      const types = pkg.exports['.'][condition].types;
      assert.ok(fs.existsSync(path.join(root, types)), `${condition}: ${types} missing`);
    }
    const dts = fs.readFileSync(path.join(root, 'dist/index.d.ts'), 'utf8');
    for (const name of ['getTod', 'setTod', 'GuestClock', 'KvmError', 'encodeTodSection']) {
      assert.match(dts, new RegExp(`\\b${name}\\b`));
    }
  });

  it('is MIT licensed and states the Node-API version it needs', () => {
    assert.strictEqual(pkg.license, 'MIT');
    assert.match(fs.readFileSync(path.join(root, 'LICENSE'), 'utf8'), /^MIT License/);
    assert.deepStrictEqual(pkg.binary.napi_versions, [8]);
  });
});
