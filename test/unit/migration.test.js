// The migration sections: QEMU's "todclock" v1, byte for byte, and every malformed input;
// then the extended section (the TOD plus the source's wall time, so a 'catch-up'
// destination counts the migration downtime) and the decoder telling formats apart.
'use strict';
const assert = require('assert');
const kvm = require('../..');
const { CountingDevice, collectWarnings } = require('@kvm-tod/testkit/counting-device');

describe('todclock migration section', () => {
  it('encodes a present value as QEMU does: 01, epoch index, big-endian TOD', () => {
    const bytes = kvm.encodeTodSection({ high: 0xab, low: 0x0123456789abcdefn });
    assert.deepStrictEqual([...bytes], [0x01, 0xab, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]);
  });

  it('encodes a missing value as the single byte 00', () => {
    assert.deepStrictEqual([...kvm.encodeTodSection(null)], [0x00]);
  });

  it('decodes hand-built QEMU sections', () => {
    const qemu = Buffer.from('01007d91048bca000000', 'hex');
    assert.deepStrictEqual(kvm.decodeTodSection(qemu), { high: 0, low: 0x7d91048bca000000n });
    assert.strictEqual(kvm.decodeTodSection(Buffer.from([0])), null);
    const max = Uint8Array.from([1, 255, 255, 255, 255, 255, 255, 255, 255, 255]);
    assert.deepStrictEqual(kvm.decodeTodSection(max), { high: 255, low: (1n << 64n) - 1n });
  });

  it('decodes a view into a larger buffer at an odd offset', () => {
    const big = Buffer.alloc(32, 0xee);
    kvm.encodeTodSection({ high: 7, low: 42n }).copy(big, 3);
    assert.deepStrictEqual(kvm.decodeTodSection(big.subarray(3, 13)), { high: 7, low: 42n });
  });

  const malformed = {
    empty: [[], /empty/],
    'unknown flag 02': [[2, 0, 0, 0, 0, 0, 0, 0, 0, 0], /unknown flag 0x02/],
    'unknown flag ff': [[0xff], /unknown flag 0xff/],
    'present but 1 byte': [[1], /truncated: 1 bytes/],
    'present but 9 bytes': [[1, 0, 0, 0, 0, 0, 0, 0, 0], /truncated: 9 bytes/],
    'present with a trailing byte': [[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], /1 trailing byte/],
    'missing with trailing bytes': [[0, 0, 0], /2 trailing byte/],
  };
  for (const [name, [bytes, message]] of Object.entries(malformed)) {
    it(`rejects ${name} with a TodSectionError`, () => {
      assert.throws(
        () => kvm.decodeTodSection(Uint8Array.from(bytes)),
        (e) => {
          assert.ok(e instanceof kvm.TodSectionError);
          assert.strictEqual(e.code, 'ERR_KVM_TOD_BAD_SECTION');
          assert.match(e.message, message);
          return true;
        },
      );
    });
  }

  it('rejects what is not bytes', () => {
    for (const bad of [undefined, null, 'AQ==', [1, 0], 5, new ArrayBuffer(10)]) {
      assert.throws(() => kvm.decodeTodSection(bad), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    }
  });

  it('refuses to encode a malformed Tod', () => {
    assert.throws(() => kvm.encodeTodSection({ high: 256, low: 0n }), RangeError);
    assert.throws(() => kvm.encodeTodSection(undefined), TypeError);
  });

  describe('saveTodSection / loadTodSection (rules 4 and 5)', () => {
    function todClock() {
      const device = new CountingDevice({ high: 1, low: 99n });
      const { warnings, warn } = collectWarnings();
      return { device, warnings, clock: new kvm.GuestClock(device, { warn }) };
    }

    it('a failed read on the source gives the missing section and one warning', () => {
      const { device, warnings, clock } = todClock();
      clock.vmStateChanged(true);
      device.failRead = 'EIO';
      const bytes = kvm.saveTodSection(clock);
      assert.deepStrictEqual([...bytes], [0]);
      assert.strictEqual(warnings.length, 1);
      assert.strictEqual(warnings[0].code, 'KVM_TOD_NOT_MIGRATED');
      assert.strictEqual(warnings[0].cause.code, 'EIO');
    });

    it('a missing section on the destination only warns', () => {
      const { device, warnings, clock } = todClock();
      assert.doesNotThrow(() => kvm.loadTodSection(clock, Buffer.from([0])));
      assert.strictEqual(device.writes, 0);
      assert.strictEqual(clock.held, false);
      assert.strictEqual(warnings.length, 1);
      assert.strictEqual(warnings[0].code, 'KVM_TOD_NOT_MIGRATED');
    });

    it('a present section is written at once and held while the VM is not running', () => {
      const { device, clock } = todClock();
      kvm.loadTodSection(clock, kvm.encodeTodSection({ high: 2, low: 5n }));
      assert.deepStrictEqual(device.written, [{ high: 2, low: 5n }]);
      assert.strictEqual(clock.held, true);
    });

    it('a malformed section fails the load and touches nothing', () => {
      const { device, clock } = todClock();
      assert.throws(() => kvm.loadTodSection(clock, Buffer.from([1, 2])), kvm.TodSectionError);
      assert.strictEqual(device.writes, 0);
    });

    it('a failing write fails the load', () => {
      const { device, clock } = todClock();
      device.failWrite = 'EINVAL';
      assert.throws(() => kvm.loadTodSection(clock, kvm.encodeTodSection({ high: 1, low: 0n })), { code: 'EINVAL' });
    });
  });
});

const { sleep } = require('@kvm-tod/testkit/pause-jump');

function vm(policy) {
  const device = new kvm.SimulatedS390Tod();
  const { warnings, warn } = collectWarnings();
  return { device, warnings, clock: new kvm.GuestClock(device, { warn, policy }) };
}

describe('extended migration section (kvm-tod v2)', () => {
  it('is "KTOD", version 2, flag, epoch index, big-endian TOD, big-endian wall time', () => {
    const src = vm();
    src.device.write({ high: 3, low: 0x0102030405060708n });
    src.clock.vmStateChanged(true);
    src.clock.vmStateChanged(false);
    const bytes = kvm.saveTodSection(src.clock, { format: 'extended' });
    assert.strictEqual(bytes.length, 23);
    assert.strictEqual(bytes.subarray(0, 4).toString('latin1'), 'KTOD');
    const held = src.clock.heldValue;
    assert.strictEqual(held.high, 3);
    assert.deepStrictEqual([...bytes.subarray(4, 7)], [2, 1, 3]);
    assert.strictEqual(bytes.readBigUInt64BE(7), held.low);
    const wall = bytes.readBigInt64BE(15);
    assert.ok(Math.abs(Number(wall / 1_000_000n) - Date.now()) < 1000);
    const section = kvm.decodeMigrationSection(bytes);
    assert.strictEqual(section.format, 'kvm-tod-v2');
    assert.deepStrictEqual(section.tod, held);
    assert.strictEqual(section.sourceWallNs, wall);
    assert.deepStrictEqual(kvm.decodeTodSection(bytes), section.tod);
  });

  it('the decoder still reads QEMU todclock v1 and says which it read', () => {
    const v1 = kvm.decodeMigrationSection(Buffer.from('01007d91048bca000000', 'hex'));
    assert.deepStrictEqual(v1, { format: 'todclock-v1', tod: { high: 0, low: 0x7d91048bca000000n } });
    assert.deepStrictEqual(kvm.decodeMigrationSection(Buffer.from('KTOD\x02\x00', 'latin1')), {
      format: 'kvm-tod-v2',
      tod: null,
    });
  });

  const malformed = {
    'another magic': [Buffer.from('QTOD\x02\x00', 'latin1'), /unknown flag 0x51/],
    'version 3': [Buffer.from('KTOD\x03\x00', 'latin1'), /version 3/],
    'header cut short': [Buffer.from('KTOD\x02', 'latin1'), /truncated: 5 bytes/],
    'present but short': [
      Buffer.concat([Buffer.from('KTOD\x02\x01', 'latin1'), Buffer.alloc(10)]),
      /truncated: 16 bytes/,
    ],
    'trailing bytes': [Buffer.concat([Buffer.from('KTOD\x02\x01', 'latin1'), Buffer.alloc(18)]), /1 trailing byte/],
    'unknown flag': [Buffer.from('KTOD\x02\x07', 'latin1'), /unknown flag 0x07/],
  };
  for (const [name, [bytes, message]] of Object.entries(malformed)) {
    it(`rejects ${name}`, () => {
      assert.throws(
        () => kvm.decodeMigrationSection(bytes),
        (e) => e instanceof kvm.TodSectionError && message.test(e.message),
      );
    });
  }

  it("between two VMs under 'catch-up' the destination counts the downtime", async () => {
    const src = vm('catch-up');
    const dst = vm('catch-up');
    src.clock.vmStateChanged(true);
    const saving = process.hrtime.bigint();
    const bytes = kvm.saveTodSection(src.clock, { format: 'extended' });
    const saved = process.hrtime.bigint();
    const sent = kvm.decodeTodSection(bytes);
    await sleep(300); // downtime
    const loading = process.hrtime.bigint();
    kvm.loadTodSection(dst.clock, bytes);
    dst.clock.vmStateChanged(true);
    const lagMs = Number(kvm.todDiffNs(src.device.read(), dst.device.read())) / 1e6;
    // 20 ms, plus the host time inside save and load and the reads, where a slow or loaded
    // machine puts its delays between a clock value and the wall time that goes with it
    const slackMs = Number(saved - saving + process.hrtime.bigint() - loading) / 1e6;
    assert.ok(Math.abs(lagMs) < 20 + slackMs, `destination lags the source by ${lagMs} ms (slack ${slackMs} ms)`);
    const aheadMs = Number(kvm.todDiffNs(dst.device.read(), sent)) / 1e6;
    assert.ok(aheadMs >= 295, `destination is ${aheadMs} ms past the sent value`);
    assert.deepStrictEqual(dst.warnings, []);
  });

  it("between two VMs under 'freeze' the destination continues from the sent value", async () => {
    const src = vm();
    const dst = vm();
    src.clock.vmStateChanged(true);
    const bytes = kvm.saveTodSection(src.clock, { format: 'extended' });
    await sleep(200);
    const loading = process.hrtime.bigint();
    kvm.loadTodSection(dst.clock, bytes);
    dst.clock.vmStateChanged(true);
    const ms = Number(kvm.todDiffNs(dst.device.read(), kvm.decodeTodSection(bytes))) / 1e6;
    const slackMs = Number(process.hrtime.bigint() - loading) / 1e6; // the destination ran from the load on
    assert.ok(ms >= 0 && ms < 20 + slackMs, `destination is ${ms} ms past the sent value (slack ${slackMs} ms)`);
  });

  it('a source clock ahead of ours never moves the guest backwards: nothing added, one warning', () => {
    const dst = vm('catch-up');
    const tod = kvm.todFromUnixNs(1_700_000_000_000_000_000n);
    const future = kvm.hostUnixNs() + 10_000_000_000n;
    const bytes = Buffer.alloc(23);
    Buffer.from('KTOD\x02\x01', 'latin1').copy(bytes);
    bytes[6] = tod.high;
    bytes.writeBigUInt64BE(tod.low, 7);
    bytes.writeBigInt64BE(future, 15);
    kvm.loadTodSection(dst.clock, bytes);
    assert.deepStrictEqual(dst.clock.heldValue, tod);
    assert.deepStrictEqual(
      dst.warnings.map((w) => w.code),
      ['KVM_TOD_SOURCE_CLOCK_AHEAD'],
    );
    assert.match(dst.warnings[0].message, /ahead of this host's/);
  });

  it('a failed read on the source gives the extended "missing" section', () => {
    const { warnings, warn } = collectWarnings();
    const clock = new kvm.GuestClock(
      {
        read() {
          throw new kvm.KvmError(5, 'ioctl');
        },
        write() {},
      },
      { warn },
    );
    const bytes = kvm.saveTodSection(clock, { format: 'extended' });
    assert.strictEqual(bytes.toString('latin1'), 'KTOD\x02\x00');
    assert.deepStrictEqual(
      warnings.map((w) => w.code),
      ['KVM_TOD_NOT_MIGRATED'],
    );
  });
});
