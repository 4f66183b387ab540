// GuestClock over S390TodDevice on the real s390 kvm.ko: held across stop, a pause and
// cont, released afterwards, and migrated between two real VMs through the todclock
// section (QEMU's v1) and the extended one. The bounds are relative to the control
// without the library, for the machine may be emulated.
'use strict';
const assert = require('assert');
const kvm = require('../..');
const pauseJump = require('@kvm-tod/testkit/pause-jump');
const { itS390, withVm } = require('@kvm-tod/testkit/s390-kvm');

const PAUSE_MS = 1000;
const { sleep } = pauseJump;
const noWarnings = { warn: (w) => assert.fail(w.message) };

/** A second VM on the same /dev/kvm, for a migration's destination: `fn(dstFd)`. */
async function withSecondVm(kvmFd, fn) {
  const dstFd = kvm.createVm(kvmFd);
  try {
    return await fn(dstFd);
  } finally {
    kvm.closeFd(dstFd);
  }
}

describe('s390 kvm.ko: GuestClock over S390TodDevice', () => {
  itS390(
    `stop, ${PAUSE_MS} ms, cont: held, the guest TOD does not jump; the control without the library sees the pause`,
    withVm(async function (vmFd) {
      this.timeout(120000);
      const device = new kvm.S390TodDevice(vmFd);
      const without = await pauseJump.jumpAcrossPause(device, false, PAUSE_MS);
      const withLib = await pauseJump.jumpAcrossPause(device, true, PAUSE_MS);
      assert.ok(without >= PAUSE_MS - 5, `without the library the guest TOD moved ${without} ms`);
      assert.ok(
        withLib >= 0 && withLib < without / 5,
        `held, the guest TOD moved ${withLib} ms (control: ${without} ms)`,
      );
    }),
  );

  itS390(
    'held at stop (no ioctl moves it), released at cont: then the TOD runs again',
    withVm(async (vmFd) => {
      const clock = new kvm.GuestClock(new kvm.S390TodDevice(vmFd), noWarnings);
      clock.vmStateChanged(true);
      clock.vmStateChanged(false);
      assert.strictEqual(clock.held, true);
      const held = clock.heldValue;
      await sleep(300);
      assert.deepStrictEqual(clock.save(), held, 'save() while stopped is the held value');
      clock.vmStateChanged(true);
      assert.strictEqual(clock.held, false);
      const atCont = kvm.getTod(vmFd);
      const sinceHold = Number(kvm.todDiffNs(atCont, held)) / 1e6;
      await sleep(300);
      const ran = Number(kvm.todDiffNs(kvm.getTod(vmFd), atCont)) / 1e6;
      assert.ok(sinceHold >= 0 && sinceHold < 150, `at cont the TOD was ${sinceHold} ms past the held value`);
      assert.ok(ran >= 295, `after cont the TOD ran ${ran} ms in 300 ms`);
    }),
  );

  for (const format of ['todclock', 'extended']) {
    itS390(
      `migration between two real VMs through the ${format} section: the destination continues from the source's stop`,
      withVm(async (srcFd, kvmFd) => {
        await withSecondVm(kvmFd, async (dstFd) => {
          // A source TOD an hour behind the host's, so that a destination that kept its own
          // (host) TOD, or the wrong bytes, cannot pass.
          kvm.setTod(srcFd, kvm.todFromBigInt(kvm.todToBigInt(kvm.hostTod()) - 3600n * 4_096_000_000n));
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
          dst.vmStateChanged(true);
          const moved = Number(kvm.todDiffNs(kvm.getTod(dstFd), src.heldValue)) / 1e6;
          assert.ok(
            moved >= 0 && moved < PAUSE_MS / 5,
            `the destination continued ${moved} ms after the source stopped`,
          );
        });
      }),
    );
  }
});
