// The console as lines (src/console.ts), the guest's clock lines and the kernel's complaints
// (src/guest-output.ts), the CPU model's facility bits (src/cpu-model.ts) and the command
// line (src/settings.ts): no kernel. The kernel lines are real ones, from the guest's console
// in the s390 box.
'use strict';
const assert = require('assert');
const { LineAssembler } = require('../dist/console');
const { guestLeap, kernelComplaint, parseClockLine } = require('../dist/guest-output');
const { clearFacility, facilities, hasFacility, CPU_PROCESSOR_SIZE } = require('../dist/cpu-model');
const { commandLine, defaultSettings } = require('../dist/settings');

describe('s390-linux console and guest output (no kernel)', () => {
  it('cuts VT220 bytes into lines across messages, drops the CR, stamps the first and last byte', () => {
    const lines = [];
    const a = new LineAssembler((l) => lines.push(l));
    a.push(Buffer.from('kvmtod-guest re'), 10n);
    a.push(Buffer.from('ady\r\nsecond\r\nthi'), 20n);
    assert.deepStrictEqual(lines, [
      { text: 'kvmtod-guest ready', startNs: 10n, endNs: 20n },
      { text: 'second', startNs: 20n, endNs: 20n },
    ]);
    const saved = a.snapshot();
    const b = new LineAssembler((l) => lines.push(l));
    b.restore(saved);
    b.flush(30n);
    assert.deepStrictEqual(lines[2], { text: 'thi', startNs: 20n, endNs: 30n });
  });

  it('reads a clock line; rejects one a kernel message broke into', () => {
    assert.deepStrictEqual(parseClockLine('kvmtod-clock 7 1796392595.290793000 114.716947000', 5n), {
      seq: 7,
      realtimeNs: 1796392595290793000n,
      monotonicNs: 114716947000n,
      hostNs: 5n,
    });
    assert.strictEqual(parseClockLine('kvmtod-clock 7 1796392595.29079[  12.3] rcu: x', 5n), undefined);
  });

  it('knows the s390 6.1 kernel complaints seen in the box', () => {
    const seen = {
      '[  134.548525] rcu: INFO: rcu_sched self-detected stall on CPU': 'rcu-stall',
      '[  154.844862] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:': 'rcu-stall',
      "[  134.553690] rcu: rcu_sched kthread timer wakeup didn't happen for 2505 jiffies! g4929 f0x0": 'rcu-stall',
      '[  154.845705] rcu: rcu_sched kthread starved for 2506 jiffies! g10185 f0x2 RCU_GP_WAIT_FQS(5)': 'rcu-stall',
      '[  200.1] INFO: task init:1 blocked for more than 5 seconds.': 'hung-task',
      '[  303.1] hrtimer: interrupt took 32306000 ns': 'hrtimer',
    };
    for (const [line, kind] of Object.entries(seen)) assert.strictEqual(kernelComplaint(line), kind, line);
    assert.strictEqual(kernelComplaint('[  144.269493] rcu: RCU grace-period kthread stack dump:'), undefined);
    assert.strictEqual(kernelComplaint('kvmtod-clock 1 2.000000000 3.000000000'), undefined);
  });

  it("the leap: the clocks' movement beyond the host time the guest ran, from the least delayed lines", () => {
    const MS = 1000000n;
    const s = (hostMs, monoMs) => ({
      seq: 0,
      realtimeNs: BigInt(monoMs) * MS,
      monotonicNs: BigInt(monoMs) * MS,
      hostNs: BigInt(hostMs) * MS,
    });
    // Lines every 500 ms, each reaching the VMM 5 ms after its reading; a stop at 1010 ms, a
    // 10 s pause: held, the guest's clock goes on from 1000 ms; not held, it went on with the host's.
    const before = [s(5, 0), s(505, 500), s(1005, 1000)];
    const held = guestLeap([...before, s(11505, 1500), s(12005, 2000)], 1010n * MS, 11010n * MS);
    assert.strictEqual(held.monotonicLeapNs, 0n);
    const ran = guestLeap([...before, s(11505, 11500), s(12005, 12000)], 1010n * MS, 11010n * MS);
    assert.strictEqual(ran.monotonicLeapNs, 10000n * MS);
    assert.strictEqual(ran.realtimeLeapNs, 10000n * MS);
    // The first line after the cont came 3 s late (the kernel was printing a stall report): the
    // next one, on time, decides.
    const late = guestLeap([...before, s(14505, 11500), s(15005, 15000)], 1010n * MS, 11010n * MS);
    assert.strictEqual(late.monotonicLeapNs, 10000n * MS);
    assert.strictEqual(guestLeap([s(0, 100)], 100n, 200n), undefined);
  });

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
