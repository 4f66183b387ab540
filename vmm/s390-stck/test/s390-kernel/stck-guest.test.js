// The guest testifies: a vCPU in a VM made by kvm-tod runs STCK (store the TOD clock)
// under KVM_RUN and exits through a DIAG, and we read what it stored. Across stop, a
// pause and cont its own clock jumps by the pause without kvm-tod, and not with it.
'use strict';
const assert = require('assert');
const kvm = require('kvm-tod');
const { itS390, withVm } = require('@kvm-tod/testkit/s390-kvm');

const PAUSE_MS = 1000;
const TOD_PER_MS = 4_096_000n;
const { sleep } = require('@kvm-tod/testkit/pause-jump');

/** The STCK guest in the VM `vmFd`: `fn(guest)`; its vCPU closed afterwards. */
function withGuest(fn) {
  return withVm(async function (vmFd, kvmFd) {
    this.timeout(120000);
    const { StckGuest } = require('../..');
    const guest = new StckGuest(kvmFd, vmFd);
    try {
      return await fn(guest, vmFd);
    } finally {
      guest.close();
    }
  });
}

/** ms the guest's own TOD moved across stop, PAUSE_MS, cont (held or not). */
async function guestJump(guest, vmFd, useLibrary) {
  const clock = new kvm.GuestClock(new kvm.S390TodDevice(vmFd), { warn: (w) => assert.fail(w.message) });
  clock.vmStateChanged(true);
  const before = guest.readTod();
  clock.vmStateChanged(!useLibrary); // the vCPU is not run while stopped
  await sleep(PAUSE_MS);
  clock.vmStateChanged(true);
  return Number(guest.readTod() - before) / Number(TOD_PER_MS);
}

describe('s390 kvm.ko: a guest that stores its own TOD (STCK) under KVM_RUN', () => {
  itS390(
    'runs: each KVM_RUN ends at the DIAG with the TOD the guest stored, the VM TOD as getTod reads it',
    withGuest(async (guest, vmFd) => {
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
      assert.ok(back > 3_599_000 && back < 3_601_000, `after setTod an hour back the guest's TOD went back ${back} ms`);
      const before = guest.readTod();
      await sleep(300);
      const ran = Number(guest.readTod() - before) / Number(TOD_PER_MS);
      assert.ok(ran >= 295, `over 300 ms of host time the guest's TOD ran ${ran} ms`);
    }),
  );

  itS390(
    `stop, ${PAUSE_MS} ms, cont: the guest's own TOD jumps by the pause without kvm-tod, and not with it`,
    withGuest(async (guest, vmFd) => {
      const without = await guestJump(guest, vmFd, false);
      const withLib = await guestJump(guest, vmFd, true);
      assert.ok(without >= PAUSE_MS - 5, `without kvm-tod the guest saw ${without} ms`);
      assert.ok(
        withLib >= 0 && withLib < without / 5,
        `with kvm-tod the guest saw ${withLib} ms (control: ${without} ms)`,
      );
    }),
  );
});
