// kvmclock under the policies and KVMCLOCK_CTRL on a real vCPU, on the real /dev/kvm
// (inside the KVM box: `npm run test:kvm`).
'use strict';
const assert = require('assert');
const kvm = require('../..');
const { itKvm, withVm } = require('@kvm-tod/testkit/kvm');
const { collectWarnings } = require('@kvm-tod/testkit/counting-device');

const { controlJumpMs, heldLimitMs, measureAcrossPause } = require('@kvm-tod/testkit/pause-jump');

describe('kvmclock policies and the pause notice on real KVM', () => {
  /** Across stop, pauseMs and cont under `policy`: the jump and the unheld host time (ms). */
  const across = (vmFd, policy, pauseMs) => measureAcrossPause(new kvm.KvmClockDevice(vmFd), pauseMs, { policy });
  const text = (r, control) => `${r.jumpMs} ms (unheld ${r.unheldMs} ms, control ${control} ms)`;

  itKvm(
    'freeze vs catch-up across a 1 s pause: ~0 vs ~1 s',
    withVm(async (vmFd) => {
      const control = await controlJumpMs(new kvm.KvmClockDevice(vmFd));
      const frozen = await across(vmFd, 'freeze', 1000);
      const caught = await across(vmFd, 'catch-up', 1000);
      assert.ok(
        frozen.jumpMs >= 0 && frozen.jumpMs < heldLimitMs(control, frozen.unheldMs),
        `freeze: ${text(frozen, control)}`,
      );
      assert.ok(
        caught.jumpMs > 990 && caught.jumpMs < 1100 + 4 * control + caught.unheldMs,
        `catch-up: ${text(caught, control)}`,
      );
    }),
  );

  itKvm(
    'a function policy switches at its threshold',
    withVm(async (vmFd) => {
      const control = await controlJumpMs(new kvm.KvmClockDevice(vmFd));
      const policy = kvm.catchUpAfter(500_000_000n);
      const short = await across(vmFd, policy, 100);
      const long = await across(vmFd, policy, 700);
      assert.ok(short.jumpMs < heldLimitMs(control, short.unheldMs), `100 ms pause: ${text(short, control)}`);
      assert.ok(
        long.jumpMs > 690 && long.jumpMs < 800 + 4 * control + long.unheldMs,
        `700 ms pause: ${text(long, control)}`,
      );
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
