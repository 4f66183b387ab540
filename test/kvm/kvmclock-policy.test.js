// kvmclock under the policies and KVMCLOCK_CTRL on a real vCPU, on the real /dev/kvm
// (inside the KVM box: `npm run test:kvm`).
'use strict';
const assert = require('assert');
const kvm = require('../..');
const { itKvm, withVm } = require('../helpers/kvm');
const { collectWarnings } = require('../helpers/counting-device');

const { heldLimitMs, sleep } = require('../helpers/pause-jump');

describe('kvmclock policies and the pause notice on real KVM', () => {
  async function jump(vmFd, policy, pauseMs) {
    const device = new kvm.KvmClockDevice(vmFd);
    const clock = new kvm.GuestClock(device, { policy, warn: (w) => assert.fail(w.message) });
    clock.vmStateChanged(true);
    const atStop = device.read();
    clock.vmStateChanged(false);
    await sleep(pauseMs);
    clock.vmStateChanged(true);
    return Number(device.read() - atStop) / 1e6;
  }

  /** The control run: the worst of three held stop/cont jumps with no pause (ms). */
  async function controlMs(vmFd) {
    let worst = 0;
    for (let i = 0; i < 3; i++) worst = Math.max(worst, await jump(vmFd, 'freeze', 0));
    return worst;
  }

  itKvm(
    'freeze vs catch-up across a 1 s pause: ~0 vs ~1 s',
    withVm(async (vmFd) => {
      const control = await controlMs(vmFd);
      const frozen = await jump(vmFd, 'freeze', 1000);
      const caught = await jump(vmFd, 'catch-up', 1000);
      assert.ok(frozen >= 0 && frozen < heldLimitMs(control), `freeze: ${frozen} ms (control ${control} ms)`);
      assert.ok(caught > 990 && caught < 1100 + 4 * control, `catch-up: ${caught} ms (control ${control} ms)`);
    }),
  );

  itKvm(
    'a function policy switches at its threshold',
    withVm(async (vmFd) => {
      const control = await controlMs(vmFd);
      const policy = kvm.catchUpAfter(500_000_000n);
      const short = await jump(vmFd, policy, 100);
      const long = await jump(vmFd, policy, 700);
      assert.ok(short < heldLimitMs(control), `100 ms pause: ${short} ms (control ${control} ms)`);
      assert.ok(long > 690 && long < 800 + 4 * control, `700 ms pause: ${long} ms (control ${control} ms)`);
    }),
  );

  itKvm(
    'KVMCLOCK_CTRL on a real vCPU: EINVAL (no kvmclock in the guest yet) is ignored',
    withVm((vmFd) => {
      const vcpuFd = kvm.createVcpu(vmFd, 0);
      try {
        assert.throws(() => kvm.kvmclockCtrl(vcpuFd), { code: 'EINVAL', request: 'KVM_KVMCLOCK_CTRL' });
        const device = new kvm.KvmClockDevice(vmFd);
        device.addVcpu(vcpuFd);
        const { warnings, warn } = collectWarnings();
        const clock = new kvm.GuestClock(device, { warn });
        clock.vmStateChanged(true);
        clock.vmStateChanged(false);
        clock.vmStateChanged(true);
        assert.deepStrictEqual(warnings, []);
      } finally {
        kvm.closeFd(vcpuFd);
      }
    }),
  );
});
