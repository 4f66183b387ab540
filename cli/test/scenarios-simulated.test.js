// The test plan of the QEMU commit (docs/background.md), end to end, on the simulated s390 TOD with a host clock
// the test moves: a source and a destination VM, each with its own GuestClock.
'use strict';
const assert = require('assert');
const kvm = require('kvm-tod');
const { collectWarnings } = require('@kvm-tod/testkit/counting-device');

const SECOND = 4096n * 1_000_000n; // TOD units

function world() {
  const host = { high: 0, low: kvm.todFromUnixNs(1_764_000_000_000_000_000n).low };
  const hostTod = () => ({ ...host });
  const { warnings, warn } = collectWarnings();
  const vm = () => {
    const device = new kvm.SimulatedS390Tod({ hostTod });
    return { device, clock: new kvm.GuestClock(device, { warn }) };
  };
  return { pass: (s) => (host.low += BigInt(s) * SECOND), hostTod, vm, warnings };
}

describe('the test plan of the QEMU commit on the simulated s390 TOD', () => {
  it('1. a simple VM: the TOD keeps running, nothing is held or restored', () => {
    const w = world();
    const { device, clock } = w.vm();
    const t0 = device.read();
    clock.vmStateChanged(true);
    w.pass(5);
    assert.strictEqual(clock.held, false);
    assert.strictEqual(device.read().low - t0.low, 5n * SECOND);
    assert.deepStrictEqual(device.read(), w.hostTod()); // never set: still the host's TOD
  });

  it('2. live migration: held on the destination when set, running when the guest starts', () => {
    const w = world();
    const src = w.vm();
    const dst = w.vm();
    src.clock.vmStateChanged(true);
    w.pass(3);
    src.device.write({ high: 0, low: 1000n * SECOND }); // the guest's own time
    w.pass(1);
    const bytes = kvm.saveTodSection(src.clock); // source still running
    assert.strictEqual(bytes.length, 10);
    kvm.loadTodSection(dst.clock, bytes);
    assert.strictEqual(dst.clock.held, true);
    w.pass(2); // downtime before the destination starts
    dst.clock.vmStateChanged(true);
    assert.deepStrictEqual(dst.device.read(), { high: 0, low: 1001n * SECOND });
    w.pass(1);
    assert.deepStrictEqual(dst.device.read(), { high: 0, low: 1002n * SECOND });
    assert.deepStrictEqual(w.warnings, []);
  });

  it('3. offline migration: stopped on the source at stop, held on the destination until cont', () => {
    const w = world();
    const src = w.vm();
    const dst = w.vm();
    src.clock.vmStateChanged(true);
    w.pass(10);
    const atStop = src.device.read();
    src.clock.vmStateChanged(false);
    w.pass(60); // the user waits, then migrates
    const bytes = kvm.saveTodSection(src.clock);
    assert.deepStrictEqual(kvm.decodeTodSection(bytes), atStop);
    kvm.loadTodSection(dst.clock, bytes);
    w.pass(120); // ... and waits again before cont
    dst.clock.vmStateChanged(true);
    assert.deepStrictEqual(dst.device.read(), atStop);
  });

  it('4. stop/cont stops and starts the TOD; repeated stops or conts have no effect', () => {
    const w = world();
    const { device, clock } = w.vm();
    clock.vmStateChanged(true);
    w.pass(1);
    const atStop = device.read();
    clock.vmStateChanged(false);
    w.pass(60);
    clock.vmStateChanged(false);
    w.pass(60);
    clock.vmStateChanged(true);
    assert.deepStrictEqual(device.read(), atStop, 'two minutes of stop are invisible');
    w.pass(1);
    clock.vmStateChanged(true);
    assert.strictEqual(device.read().low - atStop.low, SECOND, 'a second cont does not restore again');
  });

  it('the symptom: without the library a two-minute stop is a two-minute jump', () => {
    const w = world();
    const { device } = w.vm();
    const atStop = device.read();
    w.pass(120);
    assert.strictEqual(kvm.todDiffNs(device.read(), atStop), 120_000_000_000n);
  });
});
