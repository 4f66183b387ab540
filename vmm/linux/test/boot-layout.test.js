// The Linux VMM's boot layout (vmm/linux/), checked without KVM: the bzImage header it
// reads, the zero page, e820 map and MP table it writes, the registers at entry, the
// serial port the kernel's 8250 driver probes, and the x86 kernel's complaints about time.
'use strict';
const assert = require('assert');
const { parseBzImage } = require('../dist/bzimage');
const { planBoot, BOOT_PARAMS_ADDRESS, CMDLINE_ADDRESS, MPTABLE_ADDRESS } = require('../dist/boot-layout');
const { buildMpTable } = require('../dist/mptable');
const { Serial16550 } = require('../dist/serial');
const { Cmos } = require('../dist/cmos');
const { fixCpuid, cpuidLeaf } = require('../dist/cpuid');
const { kernelComplaint, aboutPause } = require('../dist/kernel-complaints');

const { fakeBzImage: fakeImage } = require('./fixtures/bzimage');

const sum8 = (bytes) => bytes.reduce((s, b) => (s + b) & 0xff, 0);

describe('Linux VMM: bzImage and boot layout', () => {
  it('reads the setup header: protocol, code32_start, the protected-mode kernel after the setup sectors', () => {
    const { header, kernel, headerBytes } = parseBzImage(fakeImage());
    assert.strictEqual(header.version, 0x20f);
    assert.strictEqual(header.code32Start, 0x100000);
    assert.strictEqual(header.cmdlineSize, 2047);
    assert.strictEqual(header.headerEnd, 0x26c);
    assert.strictEqual(headerBytes.length, 0x26c - 0x1f1);
    assert.strictEqual(kernel.length, 8192);
    assert.ok(kernel.every((b) => b === 0xcc));
  });

  it('refuses what it cannot boot: no boot flag, no HdrS, protocol < 2.06, a zImage', () => {
    const noFlag = fakeImage();
    noFlag.writeUInt16LE(0, 0x1fe);
    assert.throws(() => parseBzImage(noFlag), /0xAA55/);
    const noMagic = fakeImage();
    noMagic.write('XXXX', 0x202, 'latin1');
    assert.throws(() => parseBzImage(noMagic), /HdrS/);
    assert.throws(() => parseBzImage(fakeImage({ version: 0x205 })), /older than 2\.06/);
    assert.throws(() => parseBzImage(fakeImage({ loadflags: 0 })), /zImage/);
    assert.throws(() => parseBzImage(Buffer.alloc(100)), RangeError);
  });

  it('zero page: loader type, command line and initrd pointers, e820 map; entry at code32_start, %esi at it', () => {
    const image = parseBzImage(fakeImage());
    const initrd = Buffer.alloc(5000, 1);
    const memorySize = 256 << 20;
    const plan = planBoot({ image, initrd, cmdline: 'console=ttyS0', memorySize });
    const zero = plan.writes.find((w) => w.what === 'zero page');
    assert.strictEqual(zero.address, BOOT_PARAMS_ADDRESS);
    const z = Buffer.from(zero.bytes);
    assert.strictEqual(z.readUInt32LE(0x202), 0x53726448, 'the setup header is copied in');
    assert.strictEqual(z[0x210], 0xff);
    assert.strictEqual(z.readUInt32LE(0x228), CMDLINE_ADDRESS);
    assert.strictEqual(z.readUInt32LE(0x218), plan.initrd.address);
    assert.strictEqual(z.readUInt32LE(0x21c), 5000);
    assert.strictEqual(plan.initrd.address % 4096, 0);
    assert.ok(plan.initrd.address + 5000 <= memorySize, 'the initrd fits below the end of memory');
    assert.ok(plan.initrd.address >= 0x100000 + 0x3f97000, "the initrd is clear of the kernel's init_size");
    assert.strictEqual(z[0x1e8], plan.e820.length);
    const e820 = [];
    for (let i = 0; i < z[0x1e8]; i++) {
      const at = 0x2d0 + i * 20;
      e820.push({
        address: Number(z.readBigUInt64LE(at)),
        size: Number(z.readBigUInt64LE(at + 8)),
        type: z.readUInt32LE(at + 16),
      });
    }
    assert.deepStrictEqual(e820, plan.e820);
    const ram = e820.filter((e) => e.type === 1).reduce((s, e) => s + e.size, 0);
    assert.strictEqual(ram, memorySize - 0x100000 + MPTABLE_ADDRESS);
    const cmd = plan.writes.find((w) => w.what === 'command line');
    assert.strictEqual(Buffer.from(cmd.bytes).toString('latin1'), 'console=ttyS0\0');
    assert.deepStrictEqual(plan.regs, { rip: 0x100000, rsi: BOOT_PARAMS_ADDRESS, rflags: 2 });
    assert.strictEqual(plan.sregs.cs.selector, 0x10);
    assert.strictEqual(plan.sregs.ds.selector, 0x18);
    assert.strictEqual(plan.sregs.cr0 & 1, 1, 'protected mode');
    assert.strictEqual(plan.sregs.cr0 & 0x80000000, 0, 'no paging');
  });

  it('no two writes overlap, and each lies inside guest memory', () => {
    const plan = planBoot({
      image: parseBzImage(fakeImage()),
      initrd: Buffer.alloc(1 << 20),
      cmdline: 'x',
      memorySize: 128 << 20,
    });
    const spans = plan.writes.map((w) => [w.address, w.address + w.bytes.length, w.what]).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++)
      assert.ok(spans[i - 1][1] <= spans[i][0], `${spans[i - 1][2]} overlaps ${spans[i][2]}`);
    assert.ok(spans[spans.length - 1][1] <= 128 << 20);
  });

  it('refuses a command line longer than the kernel takes, and memory too small for kernel and initrd', () => {
    const image = parseBzImage(fakeImage());
    assert.throws(
      () => planBoot({ image, initrd: Buffer.alloc(1), cmdline: 'x'.repeat(2048), memorySize: 256 << 20 }),
      /command line/,
    );
    assert.throws(
      () => planBoot({ image, initrd: Buffer.alloc(32 << 20), cmdline: '', memorySize: 64 << 20 }),
      /cannot hold/,
    );
  });

  it('MP table: valid checksums, one CPU, an IOAPIC and 16 ISA interrupts', () => {
    const t = Buffer.from(buildMpTable(0x9fc00, 1));
    assert.strictEqual(t.toString('latin1', 0, 4), '_MP_');
    assert.strictEqual(sum8(t.subarray(0, 16)), 0);
    assert.strictEqual(t.readUInt32LE(4), 0x9fc00 + 16);
    const c = t.subarray(16);
    assert.strictEqual(c.toString('latin1', 0, 4), 'PCMP');
    assert.strictEqual(c.readUInt16LE(4), c.length);
    assert.strictEqual(sum8(c), 0);
    assert.strictEqual(c.readUInt32LE(36), 0xfee00000);
    const types = [];
    for (let at = 44; at < c.length; at += c[at] === 0 ? 20 : 8) types.push(c[at]);
    assert.deepStrictEqual(types, [0, 1, 2, ...Array(16).fill(3), 4, 4]);
    assert.strictEqual(c.readUInt16LE(34), types.length);
    assert.strictEqual(c[44 + 3] & 2, 2, 'CPU 0 is the bootstrap processor');
  });

  it('CPUID: leaf 1 says a hypervisor and APIC id 0, the KVM leaves stay as KVM gave them', () => {
    const kvmSig = [0x40000001, 0x4b4d564b, 0x564b4d56, 0x4d];
    const supported = new Uint32Array([
      1,
      0,
      0,
      0x306,
      0x07000800,
      0x1,
      0x2,
      0x40000000,
      0,
      0,
      ...kvmSig,
      0x40000001,
      0,
      0,
      0x0100_0eff,
      0,
      0,
      0,
    ]);
    const fixed = fixCpuid(supported, 0);
    const [, ebx, ecx] = cpuidLeaf(fixed, 1);
    assert.strictEqual(ebx >>> 24, 0);
    assert.strictEqual(ecx >>> 31, 1);
    assert.deepStrictEqual(cpuidLeaf(fixed, 0x40000000), kvmSig);
    assert.deepStrictEqual(cpuidLeaf(fixed, 0x40000001), [0x0100_0eff, 0, 0, 0]);
    assert.strictEqual(supported[4], 0x07000800, 'the input is not changed');
  });
});

describe('Linux VMM: devices', () => {
  it("serial: passes the 8250 driver's probe (scratch, IER, loopback MSR, FIFO) and sends what the THR gets", () => {
    const sent = [];
    const irq = [];
    const uart = new Serial16550(
      (b) => sent.push(b),
      (level) => irq.push(level),
    );
    uart.write(7, 0xa5);
    assert.strictEqual(uart.read(7), 0xa5);
    uart.write(1, 0x0f);
    assert.strictEqual(uart.read(1), 0x0f);
    uart.write(1, 0);
    uart.write(4, 0x1a); // loopback, OUT2, RTS
    assert.strictEqual(uart.read(6) & 0xf0, 0x90);
    uart.write(4, 0x1f);
    assert.strictEqual(uart.read(6) & 0xf0, 0xf0);
    uart.write(4, 0x08);
    uart.write(2, 0x01);
    assert.strictEqual(uart.read(2) & 0xc0, 0xc0, 'a 16550A: FIFO bits in IIR');
    assert.strictEqual(uart.read(5) & 0x60, 0x60, 'THR empty');
    for (const ch of 'hi\n') uart.write(0, ch.charCodeAt(0));
    assert.strictEqual(Buffer.from(sent).toString(), 'hi\n');
    assert.deepStrictEqual(irq, [true, false], 'the interrupt only while IER enabled it (during the IER check)');
  });

  it('serial: THR-empty interrupt when enabled, cleared by reading IIR, raised again by the next byte', () => {
    const irq = [];
    const uart = new Serial16550(
      () => {},
      (level) => irq.push(level),
    );
    uart.write(1, 0x02);
    assert.deepStrictEqual(irq, [true]);
    assert.strictEqual(uart.read(2) & 0x0f, 0x02);
    assert.deepStrictEqual(irq, [true, false]);
    assert.strictEqual(uart.read(2) & 0x0f, 0x01, 'no interrupt pending');
    uart.write(0, 0x41);
    assert.deepStrictEqual(irq, [true, false, true]);
    uart.write(1, 0);
    assert.deepStrictEqual(irq, [true, false, true, false]);
  });

  it('serial: the divisor latch under DLAB does not transmit', () => {
    const sent = [];
    const uart = new Serial16550(
      (b) => sent.push(b),
      () => {},
    );
    uart.write(3, 0x83);
    uart.write(0, 0x01);
    uart.write(1, 0x00);
    assert.strictEqual(uart.read(0), 0x01);
    uart.write(3, 0x03);
    assert.deepStrictEqual(sent, []);
  });

  it("serial: a migrated port (snapshot, restore into a fresh one) keeps the driver's settings and interrupt", () => {
    const source = new Serial16550(
      () => {},
      () => {},
    );
    source.write(3, 0x83);
    source.write(0, 0x01); // divisor 1
    source.write(3, 0x03);
    source.write(4, 0x0b);
    source.write(2, 0x01);
    source.write(7, 0x5a);
    source.write(1, 0x02); // THR-empty interrupt enabled, and pending
    const irq = [];
    const sent = [];
    const destination = new Serial16550(
      (b) => sent.push(b),
      (level) => irq.push(level),
    );
    destination.restore(JSON.parse(JSON.stringify(source.snapshot())));
    assert.deepStrictEqual(irq, [true], 'the line driven to the level the source had');
    assert.deepStrictEqual(
      [1, 3, 4, 7].map((o) => destination.read(o)),
      [0x02, 0x03, 0x0b, 0x5a],
    );
    assert.strictEqual(destination.read(2), 0xc2, 'FIFO on, THR-empty pending; reading IIR clears it');
    assert.deepStrictEqual(irq, [true, false]);
    destination.write(0, 0x41);
    assert.deepStrictEqual(sent, [0x41]);
    assert.deepStrictEqual(irq, [true, false, true], 'and the next byte raises it again');
  });

  it('CMOS: the host time in BCD, valid, no update in progress', () => {
    const cmos = new Cmos(() => new Date(Date.UTC(2026, 11, 1, 19, 58, 7)));
    const reg = (i) => (cmos.write(0, i), cmos.read(1));
    assert.deepStrictEqual(
      [reg(0x09), reg(0x08), reg(0x07), reg(0x04), reg(0x02), reg(0x00), reg(0x32)],
      [0x26, 0x12, 0x01, 0x19, 0x58, 0x07, 0x20],
    );
    assert.strictEqual(reg(0x0a) & 0x80, 0);
    assert.strictEqual(reg(0x0b), 0x02);
    assert.strictEqual(reg(0x0d), 0x80);
  });
});

describe("Linux VMM: the x86 kernel's complaints", () => {
  it("knows the kernel's time complaints by their words", () => {
    const cases = [
      ['[   31.2] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [init:1]', 'soft-lockup'],
      ['[   31.2] rcu: INFO: rcu_preempt self-detected stall on CPU', 'rcu-stall'],
      ['[   31.2] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:', 'rcu-stall'],
      [
        '[   31.2] clocksource: Long readout interval, skipping watchdog check: cs_nsec: 15407175030 wd_nsec: 1540717',
        'clocksource-watchdog',
      ],
      [
        "[   31.2] clocksource: timekeeping watchdog on CPU0: Marking clocksource 'tsc' as unstable because the skew",
        'tsc-unstable',
      ],
      [
        "[   31.3] clocksource:                       'kvm-clock' wd_nsec: 567235625 wd_now: 1010ea96f0 wd_last: f",
        undefined,
      ],
      ['[   31.2] INFO: task sh:70 blocked for more than 5 seconds.', 'hung-task'],
      ['[   31.2] hrtimer: interrupt took 3125 ns', 'hrtimer'],
      ['[    0.1] clocksource: Switched to clocksource kvm-clock', undefined],
      ['kvmtod-clock 1 2.000000000 3.000000000', undefined],
    ];
    for (const [text, kind] of cases) assert.strictEqual(kernelComplaint(text), kind, text);
  });

  it('tells complaints about the pause from background noise', () => {
    const long = (ns) =>
      `[   32.6] clocksource: Long readout interval, skipping watchdog check: cs_nsec: ${ns} wd_nsec: ${ns}`;
    assert.strictEqual(aboutPause('clocksource-watchdog', long(21928329408), 15000), true);
    assert.strictEqual(
      aboutPause('clocksource-watchdog', long(1009524854), 15000),
      false,
      'a 1 s interval is a slow host',
    );
    assert.strictEqual(aboutPause('rcu-stall', 'rcu: INFO: rcu_preempt self-detected stall on CPU', 15000), true);
    assert.strictEqual(aboutPause('tsc-unstable', "Marking clocksource 'tsc' as unstable", 15000), false);
    assert.strictEqual(aboutPause('hrtimer', 'hrtimer: interrupt took 9627034 ns', 15000), false);
  });
});
