// The hardware suite (`npm run test:hardware`): what IBM Z CI runs on an s390x host
// with /dev/kvm. Elsewhere it runs the same tests against the s390 kernel double and
// every title says so (see backend.js and docs/s390-testing.md).
'use strict';
const assert = require('assert');
const kvm = require('../..');
const pauseJump = require('@kvm-tod/testkit/pause-jump');
const { backend, itBackend, withVm } = require('./backend');

const PAUSE_MS = 1000;
const TOD_PER_S = 4_096_000_000n;

/** How far the guest clock moved (ms) across stop, a pause, and cont. */
function jumpAcrossPause(vmFd, useLibrary) {
  return pauseJump.jumpAcrossPause(new kvm.S390TodDevice(vmFd), useLibrary, PAUSE_MS);
}

describe(`hardware suite [backend: ${backend.label}]`, () => {
  itBackend(
    'creates a VM whose guest TOD is near the host TOD',
    withVm((vmFd) => {
      const tod = kvm.getTod(vmFd);
      const host = kvm.hostTod();
      // A new VM's epoch is 0, so its TOD is the machine's. The machine's TOD may differ
      // from CLOCK_REALTIME by the leap seconds its STP configuration carries (27 s in
      // 2026), hence a minute.
      const offsetS = Number(kvm.todDiffNs(tod, host)) / 1e9;
      assert.ok(Math.abs(offsetS) < 60, `guest ${kvm.formatTod(tod)} is ${offsetS} s from host ${kvm.formatTod(host)}`);
    }),
  );

  itBackend(
    `stop, ${PAUSE_MS} ms, cont: GuestClock holds the guest TOD (and without it the guest sees the pause)`,
    withVm(async function (vmFd) {
      this.timeout(60000);
      const withLib = await jumpAcrossPause(vmFd, true);
      const without = await jumpAcrossPause(vmFd, false);
      assert.ok(withLib >= 0 && withLib < 200, `with the library the guest TOD moved ${withLib} ms`);
      assert.ok(
        without >= PAUSE_MS - 5 && without < PAUSE_MS + 5000,
        `without the library the guest TOD moved ${without} ms`,
      );
    }),
  );

  itBackend(
    'setTod / getTod round-trip: an hour back, and a patterned value',
    withVm((vmFd) => {
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
    }),
  );

  itBackend(
    'hasTodAttribute agrees with what works: low and high are there and read; ext only if it reads',
    withVm((vmFd) => {
      assert.strictEqual(kvm.hasTodAttribute(vmFd, 'low'), true);
      assert.strictEqual(kvm.hasTodAttribute(vmFd, 'high'), true);
      kvm.getTod(vmFd); // by EXT or, where probeTodExtension is false, by LOW + HIGH
      const probe = kvm.probeTodExtension(vmFd);
      const hasExt = kvm.hasTodAttribute(vmFd, 'ext');
      // Kernels so far report only LOW and HIGH; if one ever reports EXT, it must read.
      if (hasExt) assert.strictEqual(probe, true, 'HAS reports EXT but reading it fails');
      if (!probe) {
        assert.throws(() => kvm.setTod(vmFd, { high: 1, low: 1n }), {
          code: 'EINVAL',
          attribute: 'KVM_S390_VM_TOD_HIGH',
        });
      }
    }),
  );

  itBackend(
    'a closed VM descriptor is EBADF',
    withVm((vmFd, kvmFd) => {
      const other = kvm.createVm(kvmFd);
      kvm.getTod(other);
      kvm.closeFd(other);
      assert.throws(() => kvm.getTod(other), { code: 'EBADF' });
    }),
  );
});
