// The direct boot's layout (src/boot-layout.ts): the kernel at 0, the parm area, the initrd,
// the initial PSW. On a made-up image, and on the box's own kernel where it is cached. And
// what else the boot is given: the CPU model's facility bits (src/cpu-model.ts) and the
// command line (src/settings.ts).
'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { planBoot } = require('../dist/boot-layout');
const { clearFacility, facilities, hasFacility, CPU_PROCESSOR_SIZE } = require('../dist/cpu-model');
const { commandLine, defaultSettings } = require('../dist/settings');

const MIB = 0x100000;

/** An image of `size` bytes with the S390EP entry table and, if given, a stated command line size. */
function image(size = 0x20000, maxCommandLine = 0) {
  const b = Buffer.alloc(size);
  b.write('S390EP', 0x10008, 'latin1');
  b.writeBigUInt64BE(BigInt(maxCommandLine), 0x10430);
  return b;
}

const writeAt = (plan, address) => plan.writes.find((w) => w.address === address);
const be64 = (bytes) => Buffer.from(bytes).readBigUInt64BE(0);

describe('s390-linux boot layout (no kernel)', () => {
  it('kernel at 0, initrd at 32 MiB, its start and size at 0x10408/0x10410, the command line at 0x10480', () => {
    const initrd = Buffer.alloc(3000, 7);
    const plan = planBoot({ kernel: image(), initrd, cmdline: 'console=ttysclp0 rdinit=/init', memorySize: 64 * MIB });
    assert.strictEqual(writeAt(plan, 0).bytes.length, 0x20000);
    assert.strictEqual(writeAt(plan, 32 * MIB).bytes, initrd);
    assert.strictEqual(be64(writeAt(plan, 0x10408).bytes), BigInt(32 * MIB));
    assert.strictEqual(be64(writeAt(plan, 0x10410).bytes), 3000n);
    assert.strictEqual(Buffer.from(writeAt(plan, 0x10480).bytes).toString('latin1'), 'console=ttysclp0 rdinit=/init\0');
    assert.deepStrictEqual(plan.psw, { mask: 0x0000000180000000n, addr: 0x10000n });
    // The parm area is written after the image, which has its own (zeroed) one.
    const order = plan.writes.map((w) => w.address);
    assert.ok(order.indexOf(0) < order.indexOf(0x10408) && order.indexOf(0) < order.indexOf(0x10480));
  });

  it('the command line may be as long as the image says at 0x10430 (else 896 with the NUL)', () => {
    assert.strictEqual(
      planBoot({ kernel: image(), initrd: Buffer.alloc(0), cmdline: 'x', memorySize: 64 * MIB }).maxCommandLine,
      896,
    );
    const long = 'x'.repeat(2000);
    assert.throws(
      () => planBoot({ kernel: image(), initrd: Buffer.alloc(0), cmdline: long, memorySize: 64 * MIB }),
      /at most 895/,
    );
    const plan = planBoot({
      kernel: image(0x20000, 4096),
      initrd: Buffer.alloc(0),
      cmdline: long,
      memorySize: 64 * MIB,
    });
    assert.strictEqual(plan.maxCommandLine, 4096);
  });

  it('no initrd: start and size 0', () => {
    const plan = planBoot({ kernel: image(), initrd: Buffer.alloc(0), cmdline: '', memorySize: 64 * MIB });
    assert.strictEqual(be64(writeAt(plan, 0x10408).bytes), 0n);
    assert.strictEqual(be64(writeAt(plan, 0x10410).bytes), 0n);
  });

  it('refuses what cannot boot: not an s390 image, too little memory', () => {
    const noMagic = Buffer.alloc(0x20000);
    assert.throws(
      () => planBoot({ kernel: noMagic, initrd: Buffer.alloc(0), cmdline: '', memorySize: 64 * MIB }),
      /S390EP/,
    );
    assert.throws(
      () => planBoot({ kernel: image(), initrd: Buffer.alloc(2 * MIB), cmdline: '', memorySize: 32 * MIB }),
      /cannot hold/,
    );
  });

  const vmlinuz = path.join(__dirname, '..', 'build', 's390x', 'guest', 'vmlinuz');
  const noKernel =
    ' [skipped: no build/s390x/guest/vmlinuz: `npm run s390-box -- true` once, then `npm run build:s390x` here]';
  const real = fs.existsSync(vmlinuz) ? it : it.skip;
  real(
    `the box's own kernel: S390EP at 0x10008, and it states 4096 for the command line${real === it ? '' : noKernel}`,
    () => {
      const plan = planBoot({
        kernel: fs.readFileSync(vmlinuz),
        initrd: Buffer.alloc(0),
        cmdline: '',
        memorySize: 256 * MIB,
      });
      assert.strictEqual(plan.maxCommandLine, 4096);
    },
  );
});

describe('s390-linux: what the boot is given besides the layout', () => {
  it('CPU model: facility n is bit n of the list from the left, after the 16-byte head', () => {
    const p = new Uint8Array(CPU_PROCESSOR_SIZE);
    p[16] = 0xf0; // 0-3
    p[17] = 0x10; // 11
    assert.deepStrictEqual(facilities(p), [0, 1, 2, 3, 11]);
    assert.ok(hasFacility(p, 11));
    clearFacility(p, 11);
    assert.deepStrictEqual(facilities(p), [0, 1, 2, 3]);
  });

  it('the command line: the SCLP VT220 console, /init, topology hidden, the settings as words', () => {
    const line = commandLine({ ...defaultSettings, busy: ['fork'], rcuStallTimeout: 3, hungTaskTimeout: 5 }).split(' ');
    for (const w of [
      'console=ttysclp0',
      'rdinit=/init',
      'facilities=!11',
      'kvmtod_busy=fork',
      'rcupdate.rcu_cpu_stall_timeout=3',
      'sysctl.kernel.hung_task_timeout_secs=5',
    ])
      assert.ok(line.includes(w), w);
    assert.ok(!commandLine(defaultSettings).includes('kvmtod_busy'));
  });
});
