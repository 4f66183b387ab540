// GuestClock over S390TodDevice with the real addon and the kernel double: the
// guest TOD is held across stop/pause/cont, and every injected kernel failure
// becomes exactly one warning and the running-clock fallback (rules 1, 2, 4, 6, 8
// of docs/rules.md). Skipped, with the reason, where the double is not preloaded.
'use strict';
const assert = require('assert');
const kvm = require('../..');
const pauseJump = require('@kvm-tod/testkit/pause-jump');
const { itDouble, withDoubleVm, configure } = require('@kvm-tod/testkit/s390-double');
const { collectWarnings } = require('@kvm-tod/testkit/counting-device');

const { sleep } = pauseJump;
const PAUSE_MS = 600;

/** How far the guest clock moved (ms) across stop, a pause, and cont. */
function jumpAcrossPause(vmFd, useLibrary) {
  return pauseJump.jumpAcrossPause(new kvm.S390TodDevice(vmFd), useLibrary, PAUSE_MS);
}

function assertOneWarning(warnings, code, errnoCode) {
  assert.strictEqual(warnings.length, 1, `warnings: ${warnings.map((w) => w.message).join(' | ')}`);
  assert.strictEqual(warnings[0].code, code);
  assert.ok(warnings[0].cause instanceof kvm.KvmError, 'the cause is the KvmError');
  assert.strictEqual(warnings[0].cause.code, errnoCode);
}

describe('GuestClock over S390TodDevice through the kernel double', () => {
  for (const [label, config] of [
    ['EXT', {}],
    ['pre-4.15 LOW + HIGH', { pre415: true }],
  ]) {
    itDouble(
      `${label}: stop, ${PAUSE_MS} ms, cont: the guest sees almost nothing with the library, the whole pause without`,
      withDoubleVm(config, async (vmFd) => {
        const withLib = await jumpAcrossPause(vmFd, true);
        const without = await jumpAcrossPause(vmFd, false);
        // Generous: under qemu-user a call takes milliseconds.
        assert.ok(withLib >= 0 && withLib < 200, `with the library the TOD moved ${withLib} ms`);
        assert.ok(
          without >= PAUSE_MS - 5 && without < PAUSE_MS + 5000,
          `without the library the TOD moved ${without} ms`,
        );
      }),
    );
  }

  itDouble(
    'the held value is the TOD at stop, and cont writes exactly it back',
    withDoubleVm(async (vmFd) => {
      const clock = new kvm.GuestClock(new kvm.S390TodDevice(vmFd), { warn: (w) => assert.fail(w.message) });
      kvm.setTod(vmFd, { high: 9, low: 0x1000000000000000n });
      clock.vmStateChanged(true);
      clock.vmStateChanged(false);
      assert.strictEqual(clock.held, true);
      assert.strictEqual(clock.heldValue.high, 9);
      const held = clock.heldValue;
      await sleep(50);
      clock.vmStateChanged(true);
      const after = kvm.getTod(vmFd);
      const diff = kvm.todDiffNs(after, held);
      assert.ok(diff >= 0n && diff < 50_000_000n, `after cont the TOD is ${diff} ns past the held value`);
    }),
  );

  itDouble(
    'migration between two VMs: saved on one, loaded and held on the other',
    withDoubleVm(async (srcFd, kvmFd) => {
      const dstFd = kvm.createVm(kvmFd);
      try {
        const src = new kvm.GuestClock(new kvm.S390TodDevice(srcFd), { warn: (w) => assert.fail(w.message) });
        const dst = new kvm.GuestClock(new kvm.S390TodDevice(dstFd), { warn: (w) => assert.fail(w.message) });
        kvm.setTod(srcFd, { high: 1, low: 0x2222333344445555n });
        src.vmStateChanged(true);
        src.vmStateChanged(false);
        const section = kvm.saveTodSection(src);
        assert.strictEqual(section.length, 10);
        await sleep(PAUSE_MS);
        kvm.loadTodSection(dst, section);
        assert.strictEqual(dst.held, true);
        dst.vmStateChanged(true);
        const moved = kvm.todDiffNs(kvm.getTod(dstFd), kvm.decodeTodSection(section));
        assert.ok(
          moved >= 0n && moved < 200_000_000n,
          `the destination continued ${moved} ns after the source stopped`,
        );
      } finally {
        kvm.closeFd(dstFd);
      }
    }),
  );

  describe('an injected failure is one warning and the running-clock fallback', () => {
    for (const code of ['EIO', 'EFAULT', 'EBUSY', 'ENOMEM']) {
      itDouble(
        `stop: GET fails with ${code} -> one ${kvm.WarningCodes.HOLD_FAILED}, not held, cont silent`,
        withDoubleVm({ failGet: code }, (vmFd) => {
          const { warnings, warn } = collectWarnings();
          const clock = new kvm.GuestClock(new kvm.S390TodDevice(vmFd), { warn });
          clock.vmStateChanged(true);
          clock.vmStateChanged(false);
          assert.strictEqual(clock.held, false);
          clock.vmStateChanged(true);
          assertOneWarning(warnings, kvm.WarningCodes.HOLD_FAILED, code);
          assert.strictEqual(warnings[0].cause.attribute, 'KVM_S390_VM_TOD_EXT');
        }),
      );

      itDouble(
        `cont: SET fails with ${code} -> one ${kvm.WarningCodes.RESTORE_FAILED}, clock released`,
        withDoubleVm((vmFd) => {
          const { warnings, warn } = collectWarnings();
          const clock = new kvm.GuestClock(new kvm.S390TodDevice(vmFd), { warn });
          clock.vmStateChanged(true);
          clock.vmStateChanged(false);
          assert.strictEqual(clock.held, true);
          configure({ failSet: code });
          clock.vmStateChanged(true);
          assert.strictEqual(clock.held, false);
          clock.vmStateChanged(true); // nothing changed: no second warning
          assertOneWarning(warnings, kvm.WarningCodes.RESTORE_FAILED, code);
        }),
      );
    }

    // Pre-4.15 fallback: GET number 1 is EXT (ENXIO), 2 is LOW, 3 is HIGH; SET number 1
    // is EXT, 2 is HIGH, 3 is LOW (HIGH first: see native/src/s390_tod.cc).
    const setOrder = { 2: 'KVM_S390_VM_TOD_HIGH', 3: 'KVM_S390_VM_TOD_LOW' };
    for (const [nth, attribute] of [
      [2, 'KVM_S390_VM_TOD_LOW'],
      [3, 'KVM_S390_VM_TOD_HIGH'],
    ]) {
      itDouble(
        `pre-4.15: stop with ${attribute} GET failing (EIO) -> one ${kvm.WarningCodes.HOLD_FAILED}`,
        withDoubleVm({ pre415: true, failGet: { errno: 'EIO', nth } }, (vmFd) => {
          const { warnings, warn } = collectWarnings();
          const clock = new kvm.GuestClock(new kvm.S390TodDevice(vmFd), { warn });
          clock.vmStateChanged(true);
          clock.vmStateChanged(false);
          assert.strictEqual(clock.held, false);
          assertOneWarning(warnings, kvm.WarningCodes.HOLD_FAILED, 'EIO');
          assert.strictEqual(warnings[0].cause.attribute, attribute);
        }),
      );

      itDouble(
        `pre-4.15: cont with ${setOrder[nth]} SET failing (ENXIO) -> one ${kvm.WarningCodes.RESTORE_FAILED}`,
        withDoubleVm({ pre415: true }, (vmFd) => {
          const { warnings, warn } = collectWarnings();
          const clock = new kvm.GuestClock(new kvm.S390TodDevice(vmFd), { warn });
          clock.vmStateChanged(true);
          clock.vmStateChanged(false);
          configure({ failSet: { errno: 'ENXIO', nth } });
          clock.vmStateChanged(true);
          assertOneWarning(warnings, kvm.WarningCodes.RESTORE_FAILED, 'ENXIO');
          assert.strictEqual(warnings[0].cause.attribute, setOrder[nth]);
        }),
      );
    }

    itDouble(
      `migration save: GET fails (EIO) -> the "missing" section and one ${kvm.WarningCodes.NOT_MIGRATED}`,
      withDoubleVm({ failGet: 'EIO' }, (vmFd) => {
        const { warnings, warn } = collectWarnings();
        const clock = new kvm.GuestClock(new kvm.S390TodDevice(vmFd), { warn });
        clock.vmStateChanged(true);
        const section = kvm.saveTodSection(clock);
        assert.deepStrictEqual([...section], [0x00]);
        assertOneWarning(warnings, kvm.WarningCodes.NOT_MIGRATED, 'EIO');
      }),
    );

    itDouble(
      'migration load: SET fails (EBUSY) -> load throws the KvmError, the clock is not held',
      withDoubleVm({ failSet: 'EBUSY' }, (vmFd) => {
        const clock = new kvm.GuestClock(new kvm.S390TodDevice(vmFd), { warn: (w) => assert.fail(w.message) });
        const section = kvm.encodeTodSection({ high: 0, low: 1n << 63n });
        assert.throws(
          () => kvm.loadTodSection(clock, section),
          (e) => e instanceof kvm.KvmError && e.code === 'EBUSY',
        );
        assert.strictEqual(clock.held, false);
      }),
    );
  });

  describe('a protected (PV) guest', () => {
    itDouble(
      'with protectedGuest: true, stop and cont touch nothing: no warning even though SET is refused',
      withDoubleVm({ pv: 'all' }, (vmFd) => {
        const { warnings, warn } = collectWarnings();
        const clock = new kvm.GuestClock(new kvm.S390TodDevice(vmFd), { warn, protectedGuest: true });
        clock.vmStateChanged(true);
        clock.vmStateChanged(false);
        clock.vmStateChanged(true);
        assert.strictEqual(clock.held, false);
        assert.deepStrictEqual(warnings, []);
      }),
    );

    itDouble(
      `without protectedGuest, the kernel's EOPNOTSUPP at cont is one ${kvm.WarningCodes.RESTORE_FAILED}`,
      withDoubleVm({ pv: true }, (vmFd) => {
        const { warnings, warn } = collectWarnings();
        const clock = new kvm.GuestClock(new kvm.S390TodDevice(vmFd), { warn });
        clock.vmStateChanged(true);
        clock.vmStateChanged(false);
        clock.vmStateChanged(true);
        assertOneWarning(warnings, kvm.WarningCodes.RESTORE_FAILED, 'EOPNOTSUPP');
      }),
    );
  });
});
