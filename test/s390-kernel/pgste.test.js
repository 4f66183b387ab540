// s390x: who may create a VM. A process gets the page-table extensions (PGSTE) KVM_CREATE_VM
// needs when vm.allocate_pgste is 1 as it starts, when its program carries PT_S390_PGSTE, or
// from its parent; in the s390 box every command descends from one started after /init set
// the knob. So these tests start node from the one process tree that never had PGSTE, /init's
// runner (boxes/s390-box/init: a script path written to /box/no-pgste/run), with the knob as
// each test sets it: as on a stock IBM Z host (0), after `sysctl vm.allocate_pgste=1`, and
// through a launcher linked with --s390-pgste (examples/s390-pgste-launcher.c, cross-built and
// carried in by npm run test:s390-kernel as $S390_PGSTE_LAUNCHER). Only the box is root there.
'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { itBox } = require('@kvm-tod/testkit/s390-kvm');
const { sleep } = require('@kvm-tod/testkit/pause-jump');

const KNOB = '/proc/sys/vm/allocate_pgste';
const RUNNER = '/box/no-pgste/run';
const ROOT = path.join(__dirname, '..', '..');

/** What a node that creates a VM prints: the VM, or the KvmError with its hint. */
const CREATE_VM = `
const k = require(${JSON.stringify(ROOT)});
let r;
try { k.closeFd(k.createVm(k.openKvm())); r = { vm: 'created' }; }
catch (e) {
  r = { name: e.name, code: e.code, errno: e.errno, syscall: e.syscall, request: e.request };
  Object.assign(r, { hint: e.hint, message: e.message });
}
console.log(JSON.stringify(r));`;

let jobs = 0;
/** Runs `script` (sh) from the tree without PGSTE with the knob at `knob`: { status, out }. */
async function withoutPgste(knob, script) {
  fs.writeFileSync(KNOB, `${knob}\n`);
  const job = `/tmp/no-pgste-${process.pid}-${++jobs}.sh`;
  fs.writeFileSync(job, `cd ${JSON.stringify(ROOT)}\n${script}\n`);
  try {
    fs.writeFileSync(RUNNER, `${job}\n`);
    for (let waited = 0; !fs.existsSync(`${job}.status`); waited += 200) {
      if (waited > 300000) throw new Error(`no answer from /init's runner after 300 s (${job})`);
      await sleep(200);
    }
    await sleep(50); // the status file is written in one go, but let its write end
    return { status: Number(fs.readFileSync(`${job}.status`, 'utf8')), out: fs.readFileSync(`${job}.out`, 'utf8') };
  } finally {
    fs.writeFileSync(KNOB, '1\n'); // as the box keeps it for everything else
  }
}

const node = (prefix = '') => `${prefix}node -e ${shellQuote(CREATE_VM)}`;
const shellQuote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
const answer = (run) => {
  assert.strictEqual(run.status, 0, run.out);
  return JSON.parse(run.out.trim().split('\n').pop());
};

describe('s390 kvm.ko: who may create a VM (PGSTE)', function () {
  this.timeout(600000);

  itBox(
    'vm.allocate_pgste 0: createVm is KvmError EINVAL with the PGSTE hint; kvm-tod probe says what to do',
    async () => {
      const r = answer(await withoutPgste(0, node()));
      assert.deepStrictEqual(
        [r.name, r.code, r.errno, r.syscall, r.request],
        ['KvmError', 'EINVAL', -22, 'ioctl', 'KVM_CREATE_VM'],
      );
      assert.strictEqual(r.hint.code, 'KVM_TOD_S390_PGSTE');
      assert.match(r.hint.reason, /no page-table extensions \(PGSTE\).*vm\.allocate_pgste is 0/);
      assert.match(r.message, /Fix: as root, run sysctl -w vm\.allocate_pgste=1 .*--s390-pgste/);
      const probe = await withoutPgste(0, 'kvm-tod probe; echo; kvm-tod probe --json');
      assert.strictEqual(probe.status, 0, probe.out);
      const text = probe.out.slice(0, probe.out.indexOf('\n{'));
      const doc = JSON.parse(probe.out.slice(probe.out.indexOf('\n{')));
      assert.deepStrictEqual([doc.allocatePgste, doc.vm.status, doc.vm.hint.code], [0, 'failed', 'KVM_TOD_S390_PGSTE']);
      assert.match(text, /vm\.allocate_pgste \(s390x\) +0: a node started now cannot create a VM/);
      assert.match(text, /What to do:\n {2}a VM \(KVM_CREATE_VM\): EINVAL \(errno -22\) \[KVM_TOD_S390_PGSTE\]/);
      const out = process.env.S390_BOX_OUT; // the texts, for the docs
      if (out) {
        fs.writeFileSync(path.join(out, 'kvm-tod-probe-no-pgste.txt'), `$ kvm-tod probe\n${text}`);
        fs.writeFileSync(path.join(out, 'create-vm-no-pgste.txt'), `${r.message}\n`);
      }
    },
  );

  itBox('vm.allocate_pgste 1: a node started afterwards creates the VM, from the same process tree', async () => {
    assert.deepStrictEqual(answer(await withoutPgste(1, node())), { vm: 'created' });
  });

  const launcher = process.env.S390_PGSTE_LAUNCHER;
  (launcher ? itBox : it.skip)(
    'vm.allocate_pgste 0, node started through a launcher linked with --s390-pgste (PT_S390_PGSTE): the VM is created' +
      (launcher ? '' : ' [skipped: S390_PGSTE_LAUNCHER not set: npm run test:s390-kernel builds and carries it]'),
    async () => {
      assert.deepStrictEqual(answer(await withoutPgste(0, node(`${launcher} `))), { vm: 'created' });
      // And the same tree without the launcher, at the same knob, still cannot.
      assert.strictEqual(answer(await withoutPgste(0, node())).code, 'EINVAL');
    },
  );
});
