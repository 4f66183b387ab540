// The Linux VMM's silence watchdog, without KVM: the vCPU's exit statistics as the worker
// keeps them, the watchdog's timing against a fake console, and the error it ends a run
// with. The same watchdog on a real guest that hangs: test/kvm/silent-guest.test.js.
'use strict';
const assert = require('assert');
const {
  newStats,
  recordExit,
  recordOutput,
  outputBytes,
  summarizeExits,
  ioDetail,
  LAST_EXITS,
} = require('../dist/vcpu-stats');
const {
  SilenceWatchdog,
  GuestSilentError,
  silenceText,
  defaultSilenceLimit,
  machineSlowness,
} = require('../dist/silence-watchdog');

const NAMES = { IO: 2, HLT: 5, MMIO: 6, INTR: 10 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('Linux VMM: what the vCPU did (vcpu-stats)', () => {
  it('counts exits by reason, most frequent first, and keeps the last ones with their port or address', () => {
    const stats = new Int32Array(newStats());
    for (let i = 0; i < 5; i++) recordExit(stats, NAMES.IO, ioDetail(0x3f8, true, 1));
    recordExit(stats, NAMES.HLT, 0);
    recordExit(stats, NAMES.MMIO, 0xfee000b0 | 0);
    recordExit(stats, NAMES.IO, ioDetail(0x71, false, 2));
    const s = summarizeExits(stats, NAMES);
    assert.strictEqual(s.total, 8);
    assert.deepStrictEqual(s.byReason, [
      { reason: 'IO', count: 6 },
      { reason: 'HLT', count: 1 },
      { reason: 'MMIO', count: 1 },
    ]);
    assert.deepStrictEqual(s.last.slice(-4), [
      'IO out 0x3f8 (1 byte)',
      'HLT',
      'MMIO 0xfee000b0',
      'IO in 0x71 (2 bytes)',
    ]);
  });

  it(`keeps only the last ${LAST_EXITS} exits, oldest first, across the ring's wrap`, () => {
    const stats = new Int32Array(newStats());
    for (let port = 0; port < LAST_EXITS + 5; port++) recordExit(stats, NAMES.IO, ioDetail(port, true, 1));
    const { last, total } = summarizeExits(stats, NAMES);
    assert.strictEqual(total, LAST_EXITS + 5);
    assert.strictEqual(last.length, LAST_EXITS);
    assert.strictEqual(last[0], 'IO out 0x5 (1 byte)');
    assert.strictEqual(last[LAST_EXITS - 1], `IO out 0x${(LAST_EXITS + 4).toString(16)} (1 byte)`);
  });

  it('names an exit reason it has no name for by its number, and counts console bytes', () => {
    const stats = new Int32Array(newStats());
    recordExit(stats, 42, 0);
    recordOutput(stats);
    recordOutput(stats);
    assert.deepStrictEqual(summarizeExits(stats, NAMES).byReason, [{ reason: 'exit 42', count: 1 }]);
    assert.strictEqual(outputBytes(stats), 2);
  });
});

describe('Linux VMM: the silence watchdog', () => {
  it('fires once the running guest has written nothing for the bound, with how long it was silent', async () => {
    let fired;
    const dog = new SilenceWatchdog(
      150,
      () => 7,
      () => true,
      (ms) => (fired = ms),
      10,
    );
    try {
      await sleep(60);
      assert.strictEqual(fired, undefined, 'fired before the bound');
      const deadline = Date.now() + 5000;
      while (fired === undefined && Date.now() < deadline) await sleep(20);
      assert.ok(fired > 150, `fired after ${fired} ms`);
    } finally {
      dog.stop();
    }
  });

  it('does not fire while the guest writes, nor while it is stopped; resume starts the silence anew', async () => {
    let bytes = 0;
    let running = true;
    let fired = 0;
    const dog = new SilenceWatchdog(
      100,
      () => bytes,
      () => running,
      () => fired++,
      10,
    );
    try {
      for (let i = 0; i < 15; i++) {
        bytes++; // a byte every 20 ms: never 100 ms of silence
        await sleep(20);
      }
      running = false; // stopped by the VMM: 250 ms without a byte is no silence
      await sleep(250);
      running = true;
      dog.resume();
      await sleep(50);
      assert.strictEqual(fired, 0);
    } finally {
      dog.stop();
    }
  });

  it('its error names the bound, where the guest is, its exits and its last lines', () => {
    const stats = new Int32Array(newStats());
    recordExit(stats, NAMES.IO, ioDetail(0x80, true, 1));
    const error = new GuestSilentError({
      silentMs: 21_500,
      limitMs: 20_000,
      limitWhy: 'as the VMM was told',
      where: {
        rip: 0x100004,
        rsp: 0,
        rflags: 2,
        cs: { selector: 0x10, base: 0 },
        cr0: 0x11,
        cr3: 0,
        cr4: 0,
        efer: 0,
      },
      exits: summarizeExits(stats, NAMES),
      outputBytes: 0,
      lastLines: [],
    });
    assert.strictEqual(error.code, 'ERR_GUEST_SILENT');
    assert.match(
      error.message,
      /wrote nothing on its console for 21\.5 s \(the bound here: 20\.0 s, as the VMM was told\)/,
    );
    assert.match(error.message, /RIP 0x100004 .*CR0 0x11/);
    assert.match(error.message, /KVM_RUN exits: 1 \(IO 1\)/);
    assert.match(error.message, /the last exits, oldest first: IO out 0x80 \(1 byte\)$/m);
    assert.match(error.message, /printed no line at all/);
  });

  it('says so when the vCPU could not even be stopped', () => {
    const text = silenceText({
      silentMs: 1000,
      limitMs: 500,
      limitWhy: 'x',
      stuck: 'the vCPU did not stop within 30000 ms',
      exits: { total: 0, byReason: [], last: [] },
      outputBytes: 10,
      lastLines: ['[    0.000000] Linux version 6.1'],
    });
    assert.match(text, /where it is: unknown \(the vCPU did not stop within 30000 ms\)/);
    assert.match(text, /its last lines:\n {2}\[ {4}0\.000000\] Linux version 6\.1/);
  });

  it('bounds the silence by 20 s scaled to this machine, or by LINUX_VMM_SILENCE_MS', () => {
    const { factor, loopMs } = machineSlowness();
    assert.ok(factor >= 1 && loopMs > 0);
    const scaled = defaultSilenceLimit();
    assert.ok(scaled.limitMs >= 20_000 && scaled.limitMs <= 240_000, `${scaled.limitMs} ms`);
    assert.match(scaled.why, /calibration loop took \d+ ms/);
    const saved = process.env.LINUX_VMM_SILENCE_MS;
    process.env.LINUX_VMM_SILENCE_MS = '1500';
    try {
      assert.deepStrictEqual(defaultSilenceLimit(), { limitMs: 1500, why: 'LINUX_VMM_SILENCE_MS' });
    } finally {
      if (saved === undefined) delete process.env.LINUX_VMM_SILENCE_MS;
      else process.env.LINUX_VMM_SILENCE_MS = saved;
    }
  });
});
