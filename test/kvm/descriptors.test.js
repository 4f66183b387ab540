// Descriptor misuse on the real /dev/kvm (inside the KVM box: `npm run test:kvm`): a VM
// number another file now holds, a /dev/kvm descriptor where a VM descriptor belongs, a
// VM descriptor inherited by another process. Each is a clear KvmError naming the call
// and the descriptor, and nothing is written where it does not belong. The same misuse
// on the s390 kernel double: test/robustness/descriptors.test.js.
'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const kvm = require('../..');
const { itKvm, withVm } = require('@kvm-tod/testkit/kvm');
const { openAt, snapshot, victimFile } = require('@kvm-tod/testkit/fd-tools');
const { assertEveryCallFails } = require('../helpers/vm-calls');

describe('descriptor misuse on real KVM', function () {
  const victim = victimFile();

  itKvm(
    'real KVM: a VM number reused by a file: kvmclock calls are ENOTTY, the file unchanged',
    withVm((vmFd, kvmFd) => {
      const vm = kvm.createVm(kvmFd);
      const clock = kvm.getKvmClock(vm).clock;
      assert.ok(clock > 0n);
      kvm.closeFd(vm);
      const fd = openAt(vm, () => fs.openSync(victim.file, 'r+'));
      try {
        const before = snapshot(victim.file);
        assertEveryCallFails(fd, ['ENOTTY'], 'reused by a file');
        assert.deepStrictEqual(snapshot(victim.file), before);
      } finally {
        fs.closeSync(fd);
      }
    }),
  );

  itKvm(
    'real KVM: kvmclock calls on the /dev/kvm descriptor are EINVAL, and it still makes VMs',
    withVm((vmFd, kvmFd) => {
      for (const call of [() => kvm.getKvmClock(kvmFd), () => kvm.setKvmClock(kvmFd, 1n)]) {
        assert.throws(call, { name: 'KvmError', code: 'EINVAL', fd: kvmFd });
      }
      assert.strictEqual(kvm.getApiVersion(kvmFd), 12);
      assert.ok(kvm.getKvmClock(vmFd).clock > 0n);
    }),
  );

  itKvm(
    'real KVM: a VM descriptor inherited by another process is EIO there, and our clock is not set',
    withVm((vmFd) => {
      const ours = kvm.getKvmClock(vmFd).clock;
      const r = spawnSync(
        process.execPath,
        [path.join(__dirname, '..', 'fixtures', 'foreign-vm-child.js'), '--inherited', '3', 'x86'],
        {
          stdio: ['ignore', 'pipe', 'pipe', vmFd],
          encoding: 'utf8',
        },
      );
      assert.strictEqual(r.status, 0, r.stderr);
      const { get, set } = JSON.parse(r.stdout);
      assert.deepStrictEqual([get.name, get.code, set.name, set.code], ['KvmError', 'EIO', 'KvmError', 'EIO']);
      assert.ok(kvm.getKvmClock(vmFd).clock >= ours, 'the other process reset our clock');
    }),
  );
});
