// The TOD attribute group on the real s390 kvm.ko, through the package's s390x addon:
// what the kernel answers, EXT first, and each refusal as a KvmError with its code (the raw
// HAS and HIGH calls the library never makes alone: @kvm-tod/vmm-s390-stck's tests).
// Runs in the s390 box and on IBM Z; skipped elsewhere with the reason in the title.
'use strict';
const assert = require('assert');
const fs = require('fs');
const kvm = require('kvm-tod');
const { itS390, itBox, inBox, withVm } = require('@kvm-tod/testkit/s390-kvm');

const TOD_PER_S = 4_096_000_000n;
const { sleep } = require('@kvm-tod/testkit/pause-jump');

describe('s390 kvm.ko: the TOD attribute group', () => {
  itS390('/dev/kvm: API version 12, KVM_CAP_VM_ATTRIBUTES, a VM', () => {
    const kvmFd = kvm.openKvm();
    try {
      assert.strictEqual(kvm.getApiVersion(kvmFd), 12);
      assert.strictEqual(kvm.checkExtension(kvmFd, kvm.constants.KVM_CAP_VM_ATTRIBUTES), 1);
    } finally {
      kvm.closeFd(kvmFd);
    }
  });

  itS390(
    'EXT works (probeTodExtension) and a new VM reads the host TOD, epoch index 0',
    withVm((vmFd) => {
      assert.strictEqual(kvm.probeTodExtension(vmFd), true);
      const before = kvm.hostTod();
      const tod = kvm.getTod(vmFd);
      const after = kvm.hostTod();
      assert.strictEqual(tod.high, 0);
      // The VM's epoch is 0: its TOD is the machine's, which CLOCK_REALTIME follows
      // (a minute allows for an STP leap-second offset on IBM Z).
      const offsetS = Number(kvm.todDiffNs(tod, before)) / 1e9;
      assert.ok(
        Math.abs(offsetS) < 60,
        `guest ${kvm.formatTod(tod)} is ${offsetS} s from host ${kvm.formatTod(before)}..${kvm.formatTod(after)}`,
      );
    }),
  );

  itS390(
    'setTod 10 s back reads back just past the target, and then runs at the host rate',
    withVm(async (vmFd) => {
      const target = kvm.todFromBigInt(kvm.todToBigInt(kvm.hostTod()) - 10n * TOD_PER_S);
      kvm.setTod(vmFd, target);
      const read = kvm.getTod(vmFd);
      const past = kvm.todDiffNs(read, target);
      assert.ok(past >= 0n && past < 1_000_000_000n, `read ${kvm.formatTod(read)}, ${past} ns past the target`);
      const hostBefore = kvm.hostTod();
      await sleep(500);
      const guestMoved = Number(kvm.todDiffNs(kvm.getTod(vmFd), read));
      const hostMoved = Number(kvm.todDiffNs(kvm.hostTod(), hostBefore));
      assert.ok(
        Math.abs(guestMoved - hostMoved) < hostMoved * 0.1,
        `guest moved ${guestMoved} ns, host ${hostMoved} ns`,
      );
    }),
  );

  itS390(
    `SET EXT with epoch index 1: ${inBox ? 'EINVAL (no facility 139 in the box)' : 'EINVAL, or read back (139)'}`,
    withVm((vmFd) => {
      const low = kvm.getTod(vmFd).low;
      let error;
      try {
        kvm.setTod(vmFd, { high: 1, low });
      } catch (e) {
        error = e;
      }
      if (error || inBox) {
        assert.ok(error instanceof kvm.KvmError, `setTod epoch index 1 answered ${error}`);
        assert.strictEqual(error.code, 'EINVAL');
        assert.strictEqual(error.request, 'KVM_SET_DEVICE_ATTR');
        assert.strictEqual(error.attribute, 'KVM_S390_VM_TOD_EXT');
        assert.strictEqual(kvm.getTod(vmFd).high, 0, 'a refused SET changed the epoch index');
      } else {
        assert.strictEqual(kvm.getTod(vmFd).high, 1);
      }
    }),
  );

  itBox(
    'KVM_CREATE_VM before vm.allocate_pgste is set: KvmError EINVAL; after it, a VM',
    withVm(() => {
      // A process inherits its parent's page-table extensions, so no process of this test
      // can be without them: the box's /init tried createVm before it set the knob, and kept
      // the answer (scripts/s390-box/init).
      const before = JSON.parse(fs.readFileSync('/box/create-vm-before-pgste.json', 'utf8'));
      assert.deepStrictEqual(before, { name: 'KvmError', code: 'EINVAL', errno: -22, request: 'KVM_CREATE_VM' });
      assert.strictEqual(fs.readFileSync('/proc/sys/vm/allocate_pgste', 'utf8').trim(), '1');
    }),
  );
});
