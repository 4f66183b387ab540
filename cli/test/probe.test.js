// `kvm-tod probe` driven as a user runs it: the real command in a child process, on this host's
// KVM and on the s390 kernel double's; and the text a VM refused for want of PGSTE gets.
'use strict';
const assert = require('assert');
const os = require('os');
const path = require('path');
const kvmTodLib = require('kvm-tod');
const { kvm, devKvm } = require('@kvm-tod/testkit/kvm');
const double = require('@kvm-tod/testkit/s390-double');

const { runKvmTod } = require('./helpers/kvm-tod-cli');

// Whether /dev/kvm opens here (on any architecture), which decides what probe must say.
const devKvmOpens = devKvm().opens;

function kvmTod(args, env) {
  return runKvmTod(args, { env });
}

/** The answer on the report line of a check. */
function answer(stdout, name) {
  const line = stdout.split('\n').find((l) => l.trimStart().startsWith(name));
  assert.ok(line, `no '${name}' line in:\n${stdout}`);
  return line.trimStart().slice(name.length).trim();
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const STATUSES = ['works', 'absent', 'failed', 'untried'];

/** Every check of a probe document, by its path: [['vm', check], ['tod.low', check], ...]. */
function checksOf(doc) {
  const out = [];
  for (const key of ['addon', 'kvm', 'apiVersion', 'vm']) out.push([key, doc[key]]);
  for (const group of ['tod', 'capabilities'])
    for (const [key, check] of Object.entries(doc[group])) out.push([`${group}.${key}`, check]);
  out.push(['kvmclock', doc.kvmclock]);
  return out;
}

const VM_CHECKS = [
  'tod.low',
  'tod.high',
  'tod.extReported',
  'tod.ext',
  'kvmclock',
  'capabilities.adjustClock',
  'capabilities.kvmclockCtrl',
  'capabilities.s390Protected',
  'capabilities.vmAttributes',
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
    assert.match(answer(text.stdout, 'kernel'), new RegExp(escape(os.release())));
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
    const open = answer(text.stdout, '/dev/kvm opens read-write');
    if (devKvmOpens) assert.match(open, /^yes/);
    else assert.match(open, /^no: .*E[A-Z]+ \(errno -\d+\)/);
  });

  it(`shows vm.allocate_pgste on s390x only${process.arch === 's390x' ? '' : ' (here: no such line)'}`, function () {
    const line = text.stdout.split('\n').find((l) => l.trimStart().startsWith('vm.allocate_pgste'));
    if (process.arch === 's390x') assert.match(answer(text.stdout, 'vm.allocate_pgste (s390x)'), /^(0|1|unknown):/);
    else assert.strictEqual(line, undefined);
  });

  it('names the backend the demo would pick', function () {
    const line = text.stdout.split('\n').find((l) => l.startsWith('kvm-tod demo --backend auto would use: '));
    assert.ok(line, text.stdout);
    if (process.arch === 'x64' && kvm.ok) assert.match(line, /use: kvmclock$/);
    else if (!devKvmOpens || !['x64', 's390x'].includes(process.arch)) assert.match(line, /use: simulated \(/);
    else assert.match(line, /use: (s390|simulated \(.*)$/);
  });

  it('--json: machine tokens (a status per check, numbers, booleans), the words apart in detail', function () {
    assert.strictEqual(doc.command, 'probe');
    assert.strictEqual(doc.arch, process.arch);
    assert.strictEqual(doc.kernel, os.release());
    assert.ok([null, 'tod', 'kvmclock'].includes(doc.clockKind), doc.clockKind);
    assert.ok(doc.allocatePgste === null || Number.isInteger(doc.allocatePgste), String(doc.allocatePgste));
    if (process.arch !== 's390x') assert.strictEqual(doc.allocatePgste, null);
    for (const [id, c] of checksOf(doc)) {
      assert.ok(STATUSES.includes(c.status), `${id}: status ${c.status}`);
      assert.strictEqual(typeof c.detail, 'string', id);
      if (c.status === 'failed' || c.status === 'untried') assert.ok(c.error, `${id}: a ${c.status} without error`);
      if (c.error) {
        assert.match(c.error.code, /^E[A-Z0-9]+$/, id);
        assert.ok(Number.isInteger(c.error.errno) && c.error.errno < 0, `${id}: errno ${c.error.errno}`);
      }
    }
    assert.strictEqual(doc.kvm.status, devKvmOpens ? 'works' : doc.kvm.status === 'absent' ? 'absent' : 'failed');
    assert.ok(['s390', 'kvmclock', 'simulated'].includes(doc.demo.autoBackend.backend));
    assert.strictEqual(typeof doc.demo.autoBackend.detail, 'string');
  });

  (devKvmOpens ? it.skip : it)(
    `--json: without KVM every later check is untried, carrying the open ` +
      `error${devKvmOpens ? ' [skipped: /dev/kvm opens here]' : ''}`,
    function () {
      assert.notStrictEqual(doc.kvm.status, 'works');
      for (const id of ['apiVersion', 'vm', ...VM_CHECKS]) {
        const c = checksOf(doc).find(([x]) => x === id)[1];
        assert.strictEqual(c.status, 'untried', id);
        assert.deepStrictEqual([c.error.code, c.error.errno], [doc.kvm.error.code, doc.kvm.error.errno], id);
      }
    },
  );

  double.itDouble('--json on the double: tod.ext "works", tod.extReported "absent", vmAttributes 1', function () {
    const r = kvmTod(['probe', '--json'], { KVM_S390_DOUBLE: '1' });
    assert.strictEqual(r.status, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.deepStrictEqual(
      [d.kvm.status, d.vm.status, d.tod.low.status, d.tod.extReported.status, d.tod.ext.status],
      ['works', 'works', 'works', 'absent', 'works'],
    );
    assert.deepStrictEqual(d.capabilities.vmAttributes, { status: 'works', detail: '1', value: 1 });
    assert.deepStrictEqual(d.apiVersion.value, 12);
  });

  double.itDouble('a VM refused (KVM_CREATE_VM EINVAL): vm "failed", the rest "untried"; exit 0', function () {
    const r = kvmTod(['probe', '--json'], { KVM_S390_DOUBLE: '1', KVM_S390_DOUBLE_NO_PGSTE: '1' });
    assert.strictEqual(r.status, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.deepStrictEqual([d.vm.status, d.vm.error.code, d.vm.error.request], ['failed', 'EINVAL', 'KVM_CREATE_VM']);
    assert.strictEqual(d.vm.hint?.code, process.arch === 's390x' ? 'KVM_TOD_S390_PGSTE' : undefined);
    for (const id of VM_CHECKS) assert.strictEqual(checksOf(d).find(([x]) => x === id)[1].status, 'untried', id);
    const t = kvmTod(['probe'], { KVM_S390_DOUBLE: '1', KVM_S390_DOUBLE_NO_PGSTE: '1' });
    assert.match(answer(t.stdout, 'a VM (KVM_CREATE_VM)'), /^no: .*EINVAL \(errno -22\)/);
  });

  it('rejects an unknown option with exit status 2', function () {
    const r = kvmTod(['probe', '--verbose']);
    assert.strictEqual(r.status, 2);
    assert.strictEqual(r.stdout, '');
    assert.strictEqual(r.stderr, "kvm-tod probe: unknown option '--verbose' (see 'kvm-tod probe --help')\n");
  });
});

describe('kvm-tod probe: the report of an s390x host without PGSTE', () => {
  // The text a user on a stock IBM Z host sees (vm.allocate_pgste 0), from a report whose VM
  // check carries a hint as createVm gives it there (only s390x does; the real one: s390 box).
  const { renderProbe } = require(path.join(__dirname, '..', 'dist', 'probe'));
  const error = new kvmTodLib.KvmError(22, 'ioctl', {
    request: 'KVM_CREATE_VM',
    fd: 20,
    hint: {
      code: kvmTodLib.HintCodes.S390_PGSTE,
      reason: 'this process has no page-table extensions (PGSTE), which KVM on s390x needs: vm.allocate_pgste is 0',
      fix:
        'as root, run sysctl -w vm.allocate_pgste=1 (to keep it across boots, put vm.allocate_pgste=1 in a file ' +
        'in /etc/sysctl.d/), then start ' +
        'node again; or start node through a launcher linked with --s390-pgste (ELF program header PT_S390_PGSTE)',
    },
  });
  const untried = { status: 'untried', detail: `needs a VM: ${error.message}`, error: { code: 'EINVAL', errno: -22 } };
  const doc = {
    command: 'probe',
    arch: 's390x',
    kernel: '6.1.0-50-s390x',
    clockKind: 'tod',
    addon: { status: 'works', detail: 'loaded', value: '/x' },
    kvm: { status: 'works', detail: 'opens read-write' },
    apiVersion: { status: 'works', detail: '12', value: 12 },
    vm: {
      status: 'failed',
      detail: error.message,
      error: { code: 'EINVAL', errno: -22, syscall: 'ioctl', request: 'KVM_CREATE_VM', message: error.message },
      hint: error.hint,
    },
    allocatePgste: 0,
    tod: { low: untried, high: untried, extReported: untried, ext: untried },
    kvmclock: untried,
    capabilities: { adjustClock: untried, kvmclockCtrl: untried, s390Protected: untried, vmAttributes: untried },
    demo: { autoBackend: { backend: 'simulated', detail: 'the s390 backend is not usable here: EINVAL (errno -22)' } },
  };
  const out = renderProbe(doc);

  it('the VM line says no with the errno; vm.allocate_pgste says 0 and what it means', function () {
    assert.strictEqual(answer(out, 'a VM (KVM_CREATE_VM)'), 'no: KVM_CREATE_VM failed: EINVAL (errno -22); see below');
    assert.match(answer(out, 'vm.allocate_pgste (s390x)'), /^0: a node started now cannot create a VM/);
  });

  it('"What to do" gives the reason and both fixes, the sysctl and a --s390-pgste launcher', function () {
    const at = out.indexOf('\nWhat to do:\n');
    assert.ok(at > 0, out);
    const tail = out.slice(at).replace(/\n\s+/g, ' ');
    assert.match(tail, /a VM \(KVM_CREATE_VM\): EINVAL \(errno -22\) \[KVM_TOD_S390_PGSTE\]/);
    assert.match(tail, /Likely reason: this process has no page-table extensions \(PGSTE\).*vm\.allocate_pgste is 0/);
    assert.match(tail, /Fix: as root, run sysctl -w vm\.allocate_pgste=1 .*start node again.*--s390-pgste/);
    const lines = out.split('\n');
    for (const line of lines.slice(
      lines.indexOf('What to do:'),
      lines.findIndex((l) => l.startsWith('kvm-tod demo')),
    ))
      assert.ok(line.length <= 100, `a line over 100 columns: ${line}`);
  });
});
