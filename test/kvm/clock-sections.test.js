// On real KVM (x86 kvmclock): a migration between two real VMs through saveClockSection /
// loadClockSection, under 'freeze' and under 'catch-up', and KVMCLOCK_CTRL reaching the
// real vCPUs given to createKvmClock. Bounds are relative to the pause the test makes,
// since the KVM box's emulated clocks run slow and uneven.
'use strict';
const assert = require('assert');
const kvm = require('../..');
const { itKvm, withVm } = require('@kvm-tod/testkit/kvm');
const { sleep } = require('@kvm-tod/testkit/pause-jump');

const PAUSE_MS = 1000;
const noWarning = (w) => assert.fail(`unexpected warning ${w.code}: ${w.message}`);

/** A second VM on the same KVM for the body, closed afterwards. */
function withTwoVms(fn) {
  return withVm(async (sourceFd, kvmFd) => {
    const destFd = kvm.createVm(kvmFd);
    try {
      return await fn(sourceFd, destFd);
    } finally {
      kvm.closeFd(destFd);
    }
  });
}

/**
 * Source runs, stops (held), waits PAUSE_MS (the migration's downtime), the destination
 * loads the section and runs: how far the destination's clock is past the source's held
 * value (ms), and the host time from the hold to that reading (ms).
 */
async function migrate(sourceFd, destFd, policy) {
  const source = kvm.createKvmClock(sourceFd, { warn: noWarning, name: 'source' });
  const dest = kvm.createKvmClock(destFd, { warn: noWarning, name: 'dest', policy });
  source.vmStateChanged(true);
  const start = process.hrtime.bigint();
  source.vmStateChanged(false);
  await sleep(PAUSE_MS);
  const bytes = kvm.saveClockSection(source);
  assert.strictEqual(bytes.length, 22);
  kvm.loadClockSection(dest, bytes);
  assert.strictEqual(dest.held, true, 'held from the load to the first run');
  dest.vmStateChanged(true);
  const jumpMs = Number(kvm.getKvmClock(destFd).clock - source.heldValue) / 1e6;
  const hostMs = Number(process.hrtime.bigint() - start) / 1e6;
  return { jumpMs, hostMs };
}

describe('migration sections and the pause notice on real KVM (kvmclock)', function () {
  this.timeout(120_000);

  itKvm(
    "freeze: the destination continues from the source's held clock, whatever the downtime",
    withTwoVms(async (sourceFd, destFd) => {
      const { jumpMs, hostMs } = await migrate(sourceFd, destFd, 'freeze');
      assert.ok(hostMs >= PAUSE_MS, `the migration took ${hostMs} ms`);
      assert.ok(
        jumpMs >= 0 && jumpMs < hostMs / 4,
        `destination ${jumpMs} ms past the held value, ${hostMs} ms host time`,
      );
    }),
  );

  itKvm(
    "catch-up: the destination adds the downtime from the section's wall time",
    withTwoVms(async (sourceFd, destFd) => {
      const { jumpMs, hostMs } = await migrate(sourceFd, destFd, 'catch-up');
      // The downtime counted is the wall time from the source's hold to the load, at
      // least the pause and at most what the host saw in all.
      assert.ok(jumpMs >= PAUSE_MS * 0.9, `destination ${jumpMs} ms past the held value: the downtime was not added`);
      assert.ok(
        jumpMs <= hostMs * 1.25,
        `destination ${jumpMs} ms past the held value, more than the ${hostMs} ms host time`,
      );
    }),
  );

  itKvm(
    'a section from a kvmclock VM is refused by a TOD clock, and the s390 section by a kvmclock VM',
    withTwoVms((sourceFd, destFd) => {
      const source = kvm.createKvmClock(sourceFd, { warn: noWarning });
      source.vmStateChanged(true);
      const bytes = kvm.saveClockSection(source);
      const before = kvm.getKvmClock(destFd).clock;
      const dest = kvm.createKvmClock(destFd, { warn: noWarning });
      assert.throws(() => kvm.loadClockSection(dest, kvm.encodeTodSection({ high: 0, low: 1n })), {
        code: 'ERR_KVM_TOD_SECTION_MISMATCH',
      });
      assert.throws(() => kvm.loadClockSection(kvm.createTodClock(destFd), bytes), {
        code: 'ERR_KVM_TOD_SECTION_MISMATCH',
      });
      const after = kvm.getKvmClock(destFd).clock;
      assert.ok(after >= before && after - before < 5_000_000_000n, 'the destination clock was not written');
    }),
  );

  itKvm(
    'KVMCLOCK_CTRL reaches each real vCPU: EINVAL from vCPUs that never ran is no failure',
    withVm((vmFd) => {
      const vcpus = [kvm.createVcpu(vmFd, 0), kvm.createVcpu(vmFd, 1)];
      try {
        // The kernel's answer on such a vCPU: its guest never enabled kvmclock.
        for (const fd of vcpus)
          assert.throws(() => kvm.kvmclockCtrl(fd), { code: 'EINVAL', request: 'KVM_KVMCLOCK_CTRL' });
        const clock = kvm.createKvmClock(vmFd, { warn: noWarning, vcpus: [vcpus[0]] });
        clock.addVcpu(vcpus[1]); // hotplugged
        clock.vmStateChanged(true);
        clock.vmStateChanged(false);
        clock.vmStateChanged(true); // both told; both answer EINVAL; no warning
        assert.deepStrictEqual(clock.device.vcpus, vcpus);
      } finally {
        for (const fd of vcpus) kvm.closeFd(fd);
      }
    }),
  );

  itKvm(
    'KVMCLOCK_CTRL is sent to every registered descriptor: one that is not a vCPU warns, naming it',
    withVm((vmFd) => {
      const vcpu = kvm.createVcpu(vmFd, 0);
      const warnings = [];
      try {
        // The VM descriptor is no vCPU: KVM answers KVMCLOCK_CTRL on it with ENOTTY.
        const clock = kvm.createGuestClock(vmFd, { warn: (w) => warnings.push(w), vcpus: [vcpu, vmFd] });
        clock.vmStateChanged(true);
        clock.vmStateChanged(false);
        clock.vmStateChanged(true);
      } finally {
        kvm.closeFd(vcpu);
      }
      assert.deepStrictEqual(
        warnings.map((w) => [w.code, w.cause.code, w.cause.fd]),
        [[kvm.WarningCodes.PAUSE_NOTICE_FAILED, 'ENOTTY', vmFd]],
      );
    }),
  );
});
