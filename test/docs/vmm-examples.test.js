// The examples/ programs run as a reader runs them: `node examples/<file>`, and what they
// print is what they say (the guest clock about still across the stop, the migrated
// clock held on the destination).
'use strict';
const assert = require('assert');
const { spawnSync } = require('child_process');
const path = require('path');
const { itKvm } = require('@kvm-tod/testkit/kvm');

const root = path.join(__dirname, '..', '..');
const PAUSE_MS = 300;

function runExample(file) {
  const r = spawnSync(process.execPath, [path.join(root, 'examples', file), String(PAUSE_MS)], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60000,
  });
  if (r.error) throw r.error;
  return r;
}

/** The "moved N ms" figure a hook example prints. */
function movedMs(stdout) {
  const m = /moved (-?\d+\.\d{3}) ms across/.exec(stdout);
  assert.ok(m, `no "moved ... ms" line in:\n${stdout}`);
  return Number(m[1]);
}

describe('examples/', function () {
  it('s390-vmm-hook.js: the guest TOD stays still across the stop and the destination holds it', function () {
    const r = runExample('s390-vmm-hook.js');
    assert.strictEqual(r.status, 0, r.stdout + r.stderr);
    assert.ok(Math.abs(movedMs(r.stdout)) < 25, r.stdout);
    assert.match(r.stdout, /^migrated 10 bytes; destination held: true$/m);
  });

  itKvm('x86-vmm-hook.js: kvmclock stays still across the stop and the destination holds it', function () {
    const r = runExample('x86-vmm-hook.js');
    assert.strictEqual(r.status, 0, r.stdout + r.stderr);
    assert.ok(Math.abs(movedMs(r.stdout)) < 25, r.stdout);
    assert.match(r.stdout, /^migrated 22 bytes; destination held: true$/m);
  });
});
