// The guest testifies: a vCPU of @kvm-tod/vmm-s390-stck runs STCK (store the TOD clock) under
// KVM_RUN and exits through a DIAG, and the check reads what it stored. Across stop, a pause and
// cont its own clock jumps by the pause without kvm-tod, and not with it. Needs a real s390
// KVM (the double has no vCPUs): ctx.stck(kvmFd, vmFd) makes the guest.
'use strict';
const assert = require('assert');
const kvm = require('kvm-tod');
const { sleep } = require('../pause-jump');
const { heldBoundMs, PAUSE_MS, TOD_PER_MS } = require('./bounds');

const hostMs = (since) => Number(process.hrtime.bigint() - since) / 1e6;

/** The STCK guest in the check's VM for `fn(guest)`; its vCPU closed afterwards. */
async function withGuest({ stck, kvmFd, vmFd }, fn) {
  const guest = stck(kvmFd, vmFd);
  try {
    return await fn(guest);
  } finally {
    guest.close();
  }
}

/**
 * How far (ms) the guest's own TOD moved across stop, PAUSE_MS, cont (held or not), and the
 * host time in which a held clock could move (from the guest's reading to the end of stop,
 * and from cont to the end of the guest's next reading).
 */
async function guestJump(guest, vmFd, useLibrary) {
  const clock = new kvm.GuestClock(new kvm.S390TodDevice(vmFd), { warn: (w) => assert.fail(w.message) });
  clock.vmStateChanged(true);
  const readStart = process.hrtime.bigint();
  const before = guest.readTod();
  clock.vmStateChanged(!useLibrary); // the vCPU is not run while stopped
  const stopMs = hostMs(readStart);
  await sleep(PAUSE_MS);
  const contStart = process.hrtime.bigint();
  clock.vmStateChanged(true);
  const jumpMs = Number(guest.readTod() - before) / Number(TOD_PER_MS);
  return { jumpMs, unheldMs: stopMs + hostMs(contStart) };
}

module.exports = [
  {
    title: 'the STCK guest runs: each KVM_RUN ends at the DIAG with the TOD it stored, the VM TOD as getTod reads it',
    needs: 'stck',
    async body(ctx) {
      this.timeout(120000);
      await withGuest(ctx, async (guest) => {
        const { vmFd } = ctx;
        const first = guest.readTod();
        const vm = kvm.getTod(vmFd).low;
        const second = guest.readTod();
        const slack = TOD_PER_MS; // a millisecond either way for the emulated TOD's own steps
        assert.ok(
          first > 0n && first <= second && vm + slack >= first && vm <= second + slack,
          `guest ${first}, VM ${vm}, guest ${second}`,
        );
        // The guest's clock is the VM's: move the VM's TOD an hour back and the guest sees it.
        kvm.setTod(vmFd, kvm.todFromBigInt(kvm.todToBigInt(kvm.getTod(vmFd)) - 3_600_000n * TOD_PER_MS));
        const back = Number(second - guest.readTod()) / Number(TOD_PER_MS);
        assert.ok(
          back > 3_599_000 && back < 3_601_000,
          `after setTod an hour back the guest's TOD went back ${back} ms`,
        );
        const before = guest.readTod();
        await sleep(300);
        const ran = Number(guest.readTod() - before) / Number(TOD_PER_MS);
        assert.ok(ran >= 295, `over 300 ms of host time the guest's TOD ran ${ran} ms`);
      });
    },
  },
  {
    title: `stop, ${PAUSE_MS} ms, cont: the STCK guest's own TOD jumps by the pause without kvm-tod, and not with it`,
    needs: 'stck',
    async body(ctx) {
      this.timeout(120000);
      await withGuest(ctx, async (guest) => {
        const without = await guestJump(guest, ctx.vmFd, false);
        const held = await guestJump(guest, ctx.vmFd, true);
        assert.ok(without.jumpMs >= PAUSE_MS - 5, `without kvm-tod the guest saw ${without.jumpMs} ms`);
        const bound = heldBoundMs(ctx.tight, { withoutMs: without.jumpMs, unheldMs: held.unheldMs });
        assert.ok(
          held.jumpMs >= 0 && held.jumpMs < bound,
          `with kvm-tod the guest saw ${held.jumpMs} ms (allowed ${bound} ms; control: ${without.jumpMs} ms)`,
        );
      });
    },
  },
];
