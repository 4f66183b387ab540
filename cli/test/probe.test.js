// `kvm-tod probe` driven as a user runs it: the real command in a child process.
'use strict';
const assert = require('assert');
const os = require('os');
const { kvm, devKvm } = require('@kvm-tod/testkit/kvm');

const { runKvmTod } = require('./helpers/kvm-tod-cli');

// Whether /dev/kvm opens here (on any architecture), which decides what probe must say.
const devKvmOpens = devKvm().opens;

function kvmTod(args) {
  return runKvmTod(args);
}

/** The answer on the report line of a check. */
function answer(stdout, name) {
  const line = stdout.split('\n').find((l) => l.trimStart().startsWith(name));
  assert.ok(line, `no '${name}' line in:\n${stdout}`);
  return line.trimStart().slice(name.length).trim();
}

const VM_CHECKS = [
  'tod-low',
  'tod-high',
  'tod-ext',
  'tod-ext-read',
  'kvmclock',
  'cap-adjust-clock',
  'cap-kvmclock-ctrl',
  'cap-s390-protected',
];

describe('kvm-tod probe', function () {
  let text;
  let doc;
  before(function () {
    text = kvmTod(['probe']);
    const r = kvmTod(['probe', '--json']);
    assert.strictEqual(r.status, 0, r.stderr);
    doc = JSON.parse(r.stdout);
  });

  it('exits 0 with a report, also where KVM is missing', function () {
    assert.strictEqual(text.status, 0, text.stderr);
    assert.strictEqual(text.stderr, '');
    assert.match(text.stdout, /^kvm-tod probe: /);
  });

  it('reports the architecture and the kernel', function () {
    assert.strictEqual(answer(text.stdout, 'architecture'), process.arch);
    assert.match(answer(text.stdout, 'kernel'), new RegExp(os.release().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  });

  it('answers each KVM question with yes, or no with the errno code and number', function () {
    const names = [
      '/dev/kvm opens read-write',
      'KVM API version',
      'a VM (KVM_CREATE_VM)',
      's390 TOD LOW (KVM_HAS_DEVICE_ATTR)',
      's390 TOD HIGH (KVM_HAS_DEVICE_ATTR)',
      's390 TOD EXT (KVM_HAS_DEVICE_ATTR)',
      's390 TOD EXT readable (Linux >= 4.15)',
      'kvmclock (KVM_GET_CLOCK)',
      'KVM_CAP_ADJUST_CLOCK flags',
      'KVM_CAP_KVMCLOCK_CTRL',
      'KVM_CAP_S390_PROTECTED',
    ];
    for (const name of names) {
      const a = answer(text.stdout, name);
      // A no says why: an errno, the kernel's ENXIO for a missing attribute, or a capability of 0.
      assert.match(a, /^(yes|no: .*(E[A-Z]+ \(errno -\d+\)|ENXIO|answered 0))/, `${name}: ${a}`);
    }
    const devKvm = answer(text.stdout, '/dev/kvm opens read-write');
    if (devKvmOpens) assert.match(devKvm, /^yes/);
    else assert.match(devKvm, /^no: .*E[A-Z]+ \(errno -\d+\)/);
  });

  it('names the backend the demo would pick', function () {
    const line = text.stdout.split('\n').find((l) => l.startsWith('kvm-tod demo --backend auto would use: '));
    assert.ok(line, text.stdout);
    if (process.arch === 'x64' && kvm.ok) assert.match(line, /use: kvmclock$/);
    else if (!devKvmOpens || !['x64', 's390x'].includes(process.arch)) assert.match(line, /use: simulated \(/);
    else assert.match(line, /use: (s390|simulated \(.*)$/);
  });

  it('--json: one document with every check, each with ok and, for a no with an errno, code and errno', function () {
    assert.strictEqual(doc.command, 'probe');
    const ids = doc.checks.map((c) => c.id);
    for (const id of ['arch', 'kernel', 'dev-kvm', 'api-version', 'vm', ...VM_CHECKS])
      assert.ok(ids.includes(id), `no check '${id}'`);
    for (const c of doc.checks) {
      assert.strictEqual(typeof c.ok, 'boolean', c.id);
      assert.strictEqual(typeof c.name, 'string', c.id);
      if (!c.ok) assert.strictEqual(typeof c.reason, 'string', c.id);
      if (c.error) {
        assert.match(c.error.code, /^E[A-Z0-9]+$/, c.id);
        assert.ok(Number.isInteger(c.error.errno) && c.error.errno < 0, `${c.id}: errno ${c.error.errno}`);
      }
    }
    assert.strictEqual(doc.checks.find((c) => c.id === 'arch').value, process.arch);
    assert.match(
      doc.checks.find((c) => c.id === 'kernel').value,
      new RegExp(os.release().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
    );
  });

  (devKvmOpens ? it.skip : it)(
    `--json: without KVM every VM check is a no carrying the open ` +
      `error${devKvmOpens ? ' [skipped: /dev/kvm opens here]' : ''}`,
    function () {
      const open = doc.checks.find((c) => c.id === 'dev-kvm');
      assert.strictEqual(open.ok, false);
      for (const id of ['api-version', 'vm', ...VM_CHECKS]) {
        const c = doc.checks.find((x) => x.id === id);
        assert.strictEqual(c.ok, false, id);
        assert.deepStrictEqual([c.error.code, c.error.errno], [open.error.code, open.error.errno], id);
      }
    },
  );

  it('rejects an unknown option with exit status 2', function () {
    const r = kvmTod(['probe', '--verbose']);
    assert.strictEqual(r.status, 2);
    assert.strictEqual(r.stdout, '');
    assert.strictEqual(r.stderr, "kvm-tod probe: unknown option '--verbose' (see 'kvm-tod probe --help')\n");
  });
});
