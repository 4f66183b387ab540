// The TOD attribute group as the library uses it, on an s390 KVM: what the kernel answers
// through getTod/setTod/hasTodAttribute/probeTodExtension, and each refusal as a KvmError.
'use strict';
const assert = require('assert');
const kvm = require('kvm-tod');
const { sleep } = require('../pause-jump');
const { TOD_PER_S } = require('./bounds');

module.exports = [
  {
    title: '/dev/kvm: API version 12, KVM_CAP_VM_ATTRIBUTES, a VM',
    body({ kvmFd, vmFd }) {
      assert.strictEqual(kvm.getApiVersion(kvmFd), 12);
      assert.strictEqual(kvm.checkExtension(kvmFd, kvm.constants.KVM_CAP_VM_ATTRIBUTES), 1);
      assert.ok(Number.isInteger(vmFd) && vmFd >= 0, `createVm gave ${vmFd}`);
    },
  },
  {
    title: 'EXT works (probeTodExtension) and a new VM reads the host TOD, epoch index 0',
    body({ vmFd }) {
      assert.strictEqual(kvm.probeTodExtension(vmFd), true);
      const before = kvm.hostTod();
      const tod = kvm.getTod(vmFd);
      const after = kvm.hostTod();
      assert.strictEqual(tod.high, 0);
      // The VM's epoch is 0: its TOD is the machine's, which CLOCK_REALTIME follows (a minute
      // allows for the leap seconds an STP configuration may keep between them on IBM Z).
      const offsetS = Number(kvm.todDiffNs(tod, before)) / 1e9;
      assert.ok(
        Math.abs(offsetS) < 60,
        `guest ${kvm.formatTod(tod)} is ${offsetS} s from host ${kvm.formatTod(before)}..${kvm.formatTod(after)}`,
      );
    },
  },
  {
    title: 'setTod 10 s back reads back just past the target, and then runs at the host rate',
    async body({ vmFd }) {
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
    },
  },
  {
    title: 'setTod / getTod round-trip: an hour back, and a patterned value with the current epoch index',
    body({ vmFd }) {
      const now = kvm.getTod(vmFd);
      const hourBack = kvm.todFromBigInt(kvm.todToBigInt(now) - 3600n * TOD_PER_S);
      // The same epoch index as now: it works with and without facility 139.
      const patterned = { high: now.high, low: 0x0123456789000000n };
      for (const value of [hourBack, patterned]) {
        kvm.setTod(vmFd, value);
        const read = kvm.getTod(vmFd);
        const diff = kvm.todDiffNs(read, value);
        assert.ok(diff >= 0n && diff < 5_000_000_000n, `set ${kvm.formatTod(value)}, read ${kvm.formatTod(read)}`);
      }
    },
  },
  {
    title: 'hasTodAttribute agrees with what works: LOW and HIGH reported and read; EXT reported only if it reads',
    body({ vmFd }) {
      assert.strictEqual(kvm.hasTodAttribute(vmFd, 'low'), true);
      assert.strictEqual(kvm.hasTodAttribute(vmFd, 'high'), true);
      kvm.getTod(vmFd); // by EXT or, where probeTodExtension is false, by LOW + HIGH
      const reads = kvm.probeTodExtension(vmFd);
      // Kernels so far report only LOW and HIGH; if one ever reports EXT, it must read.
      if (kvm.hasTodAttribute(vmFd, 'ext')) assert.strictEqual(reads, true, 'HAS reports EXT but reading it fails');
      if (!reads) {
        assert.throws(() => kvm.setTod(vmFd, { high: 1, low: 1n }), {
          code: 'EINVAL',
          attribute: 'KVM_S390_VM_TOD_HIGH',
        });
      }
    },
  },
  {
    title: 'a closed VM descriptor is EBADF',
    body({ kvmFd }) {
      const other = kvm.createVm(kvmFd);
      kvm.getTod(other);
      kvm.closeFd(other);
      assert.throws(() => kvm.getTod(other), { name: 'KvmError', code: 'EBADF', request: 'KVM_GET_DEVICE_ATTR' });
    },
  },
];
