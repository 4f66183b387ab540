// kvm-tod/native-glue's addon_target (internal to the workspace: the bench links its
// stand-in addon from it) must be the addon binding.gyp builds: the same sources, defines
// and compiler flags, or the bench would measure another addon than the one users load.
'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const glue = require('kvm-tod/native-glue');

const root = path.join(__dirname, '..', '..');

/** A .gyp file's targets by name (gyp files are JSON with # comments). */
function targets(file) {
  const text = fs
    .readFileSync(path.join(root, file), 'utf8')
    .split('\n')
    .map((line) => line.replace(/^\s*#.*$/, ''))
    .join('\n');
  return Object.fromEntries(JSON.parse(text).targets.map((t) => [t.target_name, t]));
}

describe('kvm-tod/native-glue addon_target', () => {
  const addon = targets('binding.gyp').kvm_tod;
  const [gypFile, name] = glue.addon_target.split(':');
  const copy = targets(path.relative(root, path.resolve(gypFile)))[name];

  it('names a static library target of native/glue.gyp', () => {
    assert.strictEqual(path.resolve(gypFile), path.join(root, 'native', 'glue.gyp'));
    assert.ok(copy, `${name} is not a target of native/glue.gyp`);
    assert.strictEqual(copy.type, 'static_library');
  });

  it("compiles exactly binding.gyp's sources, with its defines and flags", () => {
    const fromRoot = (sources) => sources.map((s) => path.posix.join('native', s)).sort();
    assert.deepStrictEqual(fromRoot(copy.sources), [...addon.sources].sort());
    assert.deepStrictEqual(copy.defines, addon.defines);
    assert.deepStrictEqual(copy['cflags!'], addon['cflags!']);
    assert.deepStrictEqual(copy['cflags_cc!'], addon['cflags_cc!']);
    // -fPIC: objects of a static library linked into a shared one (binding.gyp's own
    // loadable module gets it from gyp).
    assert.deepStrictEqual(
      copy.cflags_cc.filter((f) => f !== '-fPIC'),
      addon.cflags_cc,
    );
  });
});
