// `kvm-tod demo --guest linux`'s answers to bad command lines, and where /dev/kvm is missing.
// The guest itself runs in test/kvm/linux-guest.test.js (inside the KVM box).
'use strict';
const assert = require('assert');
const { kvm } = require('@kvm-tod/testkit/kvm');

const { runKvmTod } = require('./helpers/kvm-tod-cli');

function kvmTod(args) {
  return runKvmTod(args, { inert: false });
}

describe('kvm-tod demo --guest linux', function () {
  it('a guest other than linux is a usage error', function () {
    const r = kvmTod(['demo', '--guest', 'windows']);
    assert.strictEqual(r.status, 2, r.stderr);
    assert.match(r.stderr, /bad --guest 'windows': the only guest is linux/);
  });

  it('a threshold policy or a backend does not apply to the Linux guest: usage errors', function () {
    let r = kvmTod(['demo', '--guest', 'linux', '--policy', 'threshold:2s']);
    assert.strictEqual(r.status, 2, r.stderr);
    assert.match(r.stderr, /--guest linux runs freeze, catch-up or both/);
    r = kvmTod(['demo', '--guest', 'linux', '--backend', 'simulated']);
    assert.strictEqual(r.status, 2, r.stderr);
    assert.match(r.stderr, /--guest linux runs on this host's \/dev\/kvm/);
  });

  it('--help names the Linux guest', function () {
    const r = kvmTod(['demo', '--help']);
    assert.strictEqual(r.status, 0);
    assert.match(r.stdout, /--guest linux/);
  });

  it("the demo's usage line names --guest linux, with the policies it runs", function () {
    const usage = kvmTod(['demo', '--help']).stdout.split('\n\n')[0];
    assert.match(usage, /^ +kvm-tod demo --guest linux \[--pause <duration>\] \[--policy freeze\|catch-up\|both\]/m);
  });

  // The guest is the host's architecture's: an s390x host is sent to the s390 box.
  const box = process.arch === 's390x' ? 'npm run s390-box -- kvm-tod' : 'npm run kvm-box -- npx kvm-tod';
  (kvm.ok ? it.skip : it)(
    `without a working /dev/kvm: exit 3, and it says to use the ${process.arch === 's390x' ? 's390' : 'KVM'} box` +
      `${kvm.ok ? ' [skipped: /dev/kvm works]' : ''}`,
    function () {
      const r = kvmTod(['demo', '--guest', 'linux']);
      assert.strictEqual(r.status, 3, r.stderr);
      assert.ok(r.stderr.includes(`needs a working /dev/kvm (`), r.stderr);
      assert.ok(r.stderr.includes(`${box} demo --guest linux`), r.stderr);
      assert.doesNotMatch(r.stderr, /\s+at .*\(/, 'no stack trace');
    },
  );
});
