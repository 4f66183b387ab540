// `kvm-tod demo` and `kvm-tod probe` on the real /dev/kvm, run as a user runs them (the
// real command in a child process); inside the KVM box: `npm run test:kvm`. The same
// commands on the simulated backend and the s390 kernel double: test/cli/.
'use strict';
const assert = require('assert');
const { itKvm } = require('@kvm-tod/testkit/kvm');
const { assertMovedWithHost } = require('../helpers/demo-bounds');

const { runKvmTod, parseJson: json, row } = require('../helpers/kvm-tod-cli');
const PAUSE_MS = 200;

// The timeout only stops a hang: the box runs everything 10-40x slower than a host.
function kvmTod(args, env = {}) {
  return runKvmTod(args, { env, timeout: 300000 });
}

describe('kvm-tod demo on real KVM', function () {
  itKvm('--backend kvmclock runs every scenario on /dev/kvm VMs and passes', function () {
    const r = kvmTod(['demo', '--backend', 'kvmclock', '--pause', `${PAUSE_MS}ms`, '--json']);
    const doc = json(r);
    assert.strictEqual(r.status, 0, JSON.stringify(doc.scenarios.map((s) => [s.id, s.checks.filter((c) => !c.pass)])));
    assert.strictEqual(doc.backend.used, 'kvmclock');
    assert.strictEqual(doc.backend.device, 'KvmClockDevice');
    for (const s of doc.scenarios) {
      assert.strictEqual(s.pass, true, s.id);
      assert.ok(
        s.withoutLibrary.jumpMs >= PAUSE_MS * 0.9,
        `${s.id}: the kvmclock ran through the pause without the library`,
      );
    }
  });

  itKvm('--backend kvmclock with a fault fails the scenario', function () {
    const r = kvmTod(['demo', '--backend', 'kvmclock', '--pause', `${PAUSE_MS}ms`], {
      KVM_TOD_DEMO_FAULT: 'offline-migration',
    });
    assert.strictEqual(r.status, 1);
    assert.match(row(r.stdout, 'offline migration'), /\sFAIL$/);
  });

  itKvm('--backend kvmclock --policy both passes on /dev/kvm VMs', function () {
    const r = kvmTod(['demo', '--backend', 'kvmclock', '--pause', '300ms', '--policy', 'both', '--json']);
    const doc = json(r);
    assert.strictEqual(r.status, 0, JSON.stringify(doc.scenarios.map((s) => [s.id, s.checks.filter((c) => !c.pass)])));
    for (const s of doc.scenarios.filter((x) => x.id !== 'simple-start')) {
      const caught = s.policies[1];
      // against its own host time: the control is another run, timed apart
      assert.ok(caught.withLibrary.jumpMs >= 300 * 0.95, `${s.id}: catch-up ${caught.withLibrary.jumpMs} ms`);
      assertMovedWithHost(caught.withLibrary, `${s.id} catch-up`);
    }
  });
});

describe('kvm-tod probe on real KVM', function () {
  let doc;
  before(function () {
    const r = kvmTod(['probe', '--json']);
    assert.strictEqual(r.status, 0, r.stderr);
    doc = JSON.parse(r.stdout);
  });

  itKvm('names kvmclock as the clock to use', function () {
    const r = kvmTod(['probe']);
    assert.strictEqual(r.status, 0, r.stderr);
    assert.match(r.stdout, /use: kvmclock$/m);
  });

  itKvm(
    '--json on KVM: API version 12, a VM, kvmclock readable, ADJUST_CLOCK decoded, no s390 TOD on x86',
    function () {
      assert.deepStrictEqual([doc.arch, doc.clockKind, doc.allocatePgste], ['x64', 'kvmclock', null]);
      assert.deepStrictEqual([doc.apiVersion.status, doc.apiVersion.value], ['works', 12]);
      assert.strictEqual(doc.vm.status, 'works', JSON.stringify(doc.vm));
      assert.strictEqual(doc.kvmclock.status, 'works', JSON.stringify(doc.kvmclock));
      const adjust = doc.capabilities.adjustClock;
      assert.strictEqual(adjust.status, 'works', JSON.stringify(adjust));
      assert.ok(Number.isInteger(adjust.value) && adjust.value > 0, JSON.stringify(adjust));
      assert.match(adjust.detail, new RegExp(`^${adjust.value}: `), 'the flags decoded');
      // The s390 TOD attributes are not an x86 VM's: KVM_HAS_DEVICE_ATTR is not one of its
      // ioctls (ENOTTY, as in the KVM box's 6.1), or it has no such group (ENXIO).
      assert.strictEqual(doc.tod.low.status, 'absent', JSON.stringify(doc.tod.low));
      assert.ok(['ENOTTY', 'ENXIO'].includes(doc.tod.low.error.code), JSON.stringify(doc.tod.low));
    },
  );
});

describe('kvm-tod demo --guest linux on real KVM: a guest that does not boot', function () {
  this.timeout(10 * 60 * 1000);
  let dir;
  before(function () {
    // A "kernel" that never prints (a synthetic bzImage looping on an I/O port).
    const fs = require('fs');
    const os = require('os');
    const path = require('path');
    const { fakeBzImage, SILENT_KERNELS } = require('@kvm-tod/vmm-linux/test/fixtures/bzimage');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvm-tod-silent-'));
    fs.writeFileSync(path.join(dir, 'bzImage'), fakeBzImage({ code: SILENT_KERNELS.ioLoop.code }));
  });
  after(() => dir && require('fs').rmSync(dir, { recursive: true, force: true }));

  itKvm('ends with exit status 1 and an error that says where the guest is, not a silent hang', function () {
    const r = runKvmTod(['demo', '--guest', 'linux', '--policy', 'freeze', '--pause', '1s'], {
      env: { KVM_TOD_LINUX_KERNEL: require('path').join(dir, 'bzImage'), LINUX_VMM_SILENCE_MS: '2000' },
      timeout: 8 * 60 * 1000,
    });
    assert.strictEqual(r.status, 1, `${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /the guest wrote nothing on its console for \d+\.\d s \(the bound here: 2\.0 s/);
    assert.match(r.stderr, /where it is: RIP 0x10000[246]/);
    assert.match(r.stderr, /the last exits, oldest first: IO out 0x80/);
  });
});
