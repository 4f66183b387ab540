// GuestClock over S390TodDevice on an s390 KVM: held across stop, a pause and cont, released
// afterwards, migrated between two VMs through the todclock section (QEMU's v1) and the
// extended one (KTOD), and many VMs held and released at once. Each bound is relative to
// what the run measured (a control without the library, the host time the clock could run).
'use strict';
const assert = require('assert');
const kvm = require('kvm-tod');
const pauseJump = require('../pause-jump');
const { heldBoundMs, PAUSE_MS, TOD_PER_S } = require('./bounds');

const { sleep } = pauseJump;
const noWarnings = { warn: (w) => assert.fail(w.message) };
const hostMs = (since) => Number(process.hrtime.bigint() - since) / 1e6;

/** A second VM on the same /dev/kvm, for a migration's destination: `fn(dstFd)`. */
async function withSecondVm(kvmFd, fn) {
  const dstFd = kvm.createVm(kvmFd);
  try {
    return await fn(dstFd);
  } finally {
    kvm.closeFd(dstFd);
  }
}

function migration(format) {
  return {
    title: `migration between two VMs through the ${format} section: the destination continues from the source's stop`,
    async body({ vmFd: srcFd, kvmFd, tight }) {
      this.timeout(120000);
      await withSecondVm(kvmFd, async (dstFd) => {
        // A source TOD an hour behind the host's, so that a destination that kept its own
        // (host) TOD, or the wrong bytes, cannot pass.
        kvm.setTod(srcFd, kvm.todFromBigInt(kvm.todToBigInt(kvm.hostTod()) - 3600n * TOD_PER_S));
        const src = new kvm.GuestClock(new kvm.S390TodDevice(srcFd), noWarnings);
        const dst = new kvm.GuestClock(new kvm.S390TodDevice(dstFd), noWarnings);
        src.vmStateChanged(true);
        src.vmStateChanged(false);
        const section = kvm.saveTodSection(src, { format });
        assert.strictEqual(
          kvm.decodeMigrationSection(section).format,
          format === 'todclock' ? 'todclock-v1' : 'kvm-tod-v2',
        );
        await sleep(PAUSE_MS);
        kvm.loadTodSection(dst, section);
        assert.strictEqual(dst.held, true);
        const contStart = process.hrtime.bigint();
        dst.vmStateChanged(true);
        const moved = Number(kvm.todDiffNs(kvm.getTod(dstFd), src.heldValue)) / 1e6;
        const bound = heldBoundMs(tight, { withoutMs: PAUSE_MS, unheldMs: hostMs(contStart) });
        assert.ok(
          moved >= 0 && moved < bound,
          `the destination continued ${moved} ms after the source stopped (allowed ${bound} ms)`,
        );
      });
    },
  };
}

/** How many VMs the many-VMs check holds: KVM_TOD_MANY_VMS, else 32 on real hardware, 8 emulated. */
const manyVms = (tight) => Number(process.env.KVM_TOD_MANY_VMS) || (tight ? 32 : 8);

module.exports = [
  {
    title: `stop, ${PAUSE_MS} ms, cont: held, the guest TOD does not jump; the control without the library sees it`,
    async body({ vmFd, tight }) {
      this.timeout(120000);
      const device = new kvm.S390TodDevice(vmFd);
      const without = await pauseJump.measureAcrossPause(device, PAUSE_MS, { useLibrary: false });
      const controlMs = tight ? await pauseJump.controlJumpMs(device) : 0;
      const held = await pauseJump.measureAcrossPause(device, PAUSE_MS);
      assert.ok(without.jumpMs >= PAUSE_MS - 5, `without the library the guest TOD moved ${without.jumpMs} ms`);
      const bound = heldBoundMs(tight, { withoutMs: without.jumpMs, controlMs, unheldMs: held.unheldMs });
      assert.ok(
        held.jumpMs >= 0 && held.jumpMs < bound,
        `held, the guest TOD moved ${held.jumpMs} ms (allowed ${bound} ms; control without: ${without.jumpMs} ms)`,
      );
    },
  },
  {
    title: 'held at stop (no ioctl moves it), released at cont: then the TOD runs again',
    async body({ vmFd, tight }) {
      const clock = new kvm.GuestClock(new kvm.S390TodDevice(vmFd), noWarnings);
      clock.vmStateChanged(true);
      clock.vmStateChanged(false);
      assert.strictEqual(clock.held, true);
      const held = clock.heldValue;
      await sleep(300);
      assert.deepStrictEqual(clock.save(), held, 'save() while stopped is the held value');
      const contStart = process.hrtime.bigint();
      clock.vmStateChanged(true);
      assert.strictEqual(clock.held, false);
      const atCont = kvm.getTod(vmFd);
      const sinceHold = Number(kvm.todDiffNs(atCont, held)) / 1e6;
      const bound = tight ? heldBoundMs(true, { unheldMs: hostMs(contStart) }) : 150;
      await sleep(300);
      const ran = Number(kvm.todDiffNs(kvm.getTod(vmFd), atCont)) / 1e6;
      assert.ok(sinceHold >= 0 && sinceHold < bound, `at cont the TOD was ${sinceHold} ms past the held value`);
      assert.ok(ran >= 295, `after cont the TOD ran ${ran} ms in 300 ms`);
    },
  },
  migration('todclock'),
  migration('extended'),
  {
    title: 'many VMs at once: each held at stop and released at cont, one read and one write each, then closed',
    async body({ kvmFd, tight }) {
      this.timeout(300000);
      const count = manyVms(tight);
      const vms = [];
      try {
        for (let i = 0; i < count; i++) {
          const fd = kvm.createVm(kvmFd);
          const device = new kvm.S390TodDevice(fd);
          let reads = 0;
          let writes = 0;
          const counted = {
            clockKind: 'tod',
            read: () => (reads++, device.read()),
            write: (v) => (writes++, device.write(v)),
          };
          vms.push({ fd, device, clock: new kvm.GuestClock(counted, noWarnings), calls: () => [reads, writes] });
        }
        for (const vm of vms) vm.clock.vmStateChanged(true);
        // The host time in which a held clock could move: from the first reading to the
        // last stop, and from the first cont to the last reading.
        const stopStart = process.hrtime.bigint();
        const atStop = vms.map((vm) => vm.device.read());
        for (const vm of vms) vm.clock.vmStateChanged(false);
        const stopMs = hostMs(stopStart);
        assert.ok(
          vms.every((vm) => vm.clock.held),
          'every clock is held',
        );
        await sleep(PAUSE_MS);
        const contStart = process.hrtime.bigint();
        for (const vm of vms) vm.clock.vmStateChanged(true);
        const jumps = vms.map((vm, i) => Number(kvm.todDiffNs(vm.device.read(), atStop[i])) / 1e6);
        const unheldMs = stopMs + hostMs(contStart);
        const bound = heldBoundMs(tight, { withoutMs: PAUSE_MS, unheldMs });
        assert.ok(
          vms.every((vm) => !vm.clock.held),
          'every clock is released',
        );
        for (const [i, vm] of vms.entries()) {
          assert.deepStrictEqual(vm.calls(), [1, 1], `VM ${i}: [reads, writes] by the library`);
          assert.ok(
            jumps[i] >= 0 && jumps[i] < bound,
            `VM ${i} of ${count}: moved ${jumps[i]} ms (allowed ${bound} ms)`,
          );
        }
      } finally {
        for (const vm of vms) kvm.closeFd(vm.fd);
      }
    },
  },
];
