// What a VMM can watch: hold, release and fallback on diagnostics_channel.
'use strict';
const assert = require('assert');
const dc = require('diagnostics_channel');
const kvm = require('../..');
const { CountingDevice } = require('@kvm-tod/testkit/counting-device');

function record(name) {
  const seen = [];
  const fn = (message) => seen.push(message);
  dc.subscribe(name, fn);
  return { seen, stop: () => dc.unsubscribe(name, fn) };
}

describe('diagnostics channels', () => {
  let hold;
  let release;
  let fallback;
  beforeEach(() => {
    hold = record(kvm.Channels.HOLD);
    release = record(kvm.Channels.RELEASE);
    fallback = record(kvm.Channels.FALLBACK);
  });
  afterEach(() => [hold, release, fallback].forEach((r) => r.stop()));

  it('publishes a hold at stop and a release at cont with how long it was held', async () => {
    const device = new CountingDevice();
    const clock = new kvm.GuestClock(device, { name: 'vm1' });
    clock.vmStateChanged(true);
    clock.vmStateChanged(false);
    assert.strictEqual(hold.seen.length, 1);
    assert.deepStrictEqual(
      { name: hold.seen[0].name, value: hold.seen[0].value, reason: hold.seen[0].reason },
      { name: 'vm1', value: 1000n, reason: 'stop' },
    );
    assert.strictEqual(hold.seen[0].clock, clock);
    await new Promise((r) => setTimeout(r, 20));
    clock.vmStateChanged(true);
    assert.strictEqual(release.seen.length, 1);
    assert.strictEqual(release.seen[0].value, 1000n);
    assert.ok(release.seen[0].heldNs >= 15_000_000n, `heldNs ${release.seen[0].heldNs}`);
    assert.strictEqual(fallback.seen.length, 0);
  });

  it('publishes a fallback with the error for a failed hold and a failed restore', () => {
    const device = new CountingDevice();
    const clock = new kvm.GuestClock(device, { warn: () => {} });
    clock.vmStateChanged(true);
    device.failRead = 'EIO';
    clock.vmStateChanged(false);
    device.failRead = null;
    clock.vmStateChanged(true);
    clock.vmStateChanged(false);
    device.failWrite = 'EINVAL';
    clock.vmStateChanged(true);
    assert.deepStrictEqual(
      fallback.seen.map((m) => [m.operation, m.error.code]),
      [
        ['hold', 'EIO'],
        ['release', 'EINVAL'],
      ],
    );
    assert.strictEqual(typeof fallback.seen[1].heldNs, 'bigint');
    assert.strictEqual(release.seen.length, 0);
  });

  it('publishes a hold with reason load on a migration destination', () => {
    const clock = new kvm.GuestClock(new CountingDevice());
    clock.load(5n);
    assert.deepStrictEqual(
      hold.seen.map((m) => m.reason),
      ['load'],
    );
  });
});

// A subscriber that throws: Node's diagnostics_channel catches the throw in publish() and
// raises it again on process.nextTick, as an uncaught exception. The clock has done its
// step by then (each publish comes after the state change it reports), vmStateChanged and
// the section calls return as usual, and the rest of the step (the pause notice after a
// release) still runs. Each test takes the uncaught exception it provokes from mocha's
// handler and checks it.
describe('diagnostics: a subscriber that throws', () => {
  /** Runs `fn` with `thrower` subscribed to `channel`; what was raised, synchronously and after. */
  async function withThrowingSubscriber(channel, fn) {
    const thrown = [];
    const seen = [];
    const thrower = (message) => {
      seen.push(message);
      const error = new Error(`subscriber of ${channel}`);
      thrown.push(error);
      throw error;
    };
    const listeners = process.listeners('uncaughtException');
    const caught = [];
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', (error) => caught.push(error));
    dc.subscribe(channel, thrower);
    let caughtSync;
    try {
      fn(seen);
      caughtSync = caught.length;
      await new Promise((resolve) => setImmediate(resolve)); // the nextTick queue has run
    } finally {
      dc.unsubscribe(channel, thrower);
      process.removeAllListeners('uncaughtException');
      for (const listener of listeners) process.on('uncaughtException', listener);
    }
    assert.strictEqual(caughtSync, 0, 'the error was raised synchronously');
    assert.ok(thrown.length > 0, 'the subscriber was never called');
    assert.deepStrictEqual(caught, thrown, 'each throw comes back once, as an uncaught exception');
    return seen;
  }

  it('hold: the clock is held when the subscriber runs, and stays held; vmStateChanged does not throw', async () => {
    const device = new CountingDevice();
    const clock = new kvm.GuestClock(device, { warn: () => assert.fail('no warning') });
    clock.vmStateChanged(true);
    const seen = await withThrowingSubscriber(kvm.Channels.HOLD, (messages) => {
      clock.vmStateChanged(false);
      assert.deepStrictEqual(
        messages.map((m) => [m.reason, m.clock.held]),
        [['stop', true]],
      );
    });
    assert.deepStrictEqual([clock.held, clock.heldValue, clock.running, device.reads], [true, 1000n, false, 1]);
    assert.strictEqual(seen.length, 1);
  });

  it('release: the held value is written back and released, and the pause notice still goes out', async () => {
    const device = new CountingDevice();
    const notices = [];
    device.resumed = () => notices.push(clock.held);
    const clock = new kvm.GuestClock(device, { warn: () => assert.fail('no warning') });
    clock.vmStateChanged(true);
    clock.vmStateChanged(false);
    device.tick(5_000n); // KVM's clock ran on while stopped
    const other = [];
    const second = (message) => other.push(message.value);
    dc.subscribe(kvm.Channels.RELEASE, second);
    try {
      await withThrowingSubscriber(kvm.Channels.RELEASE, (messages) => {
        clock.vmStateChanged(true);
        assert.deepStrictEqual(
          messages.map((m) => [m.value, m.clock.held]),
          [[1000n, false]],
        );
      });
    } finally {
      dc.unsubscribe(kvm.Channels.RELEASE, second);
    }
    assert.deepStrictEqual([device.written, clock.held, clock.running], [[1000n], false, true]);
    assert.deepStrictEqual(notices, [false], 'KVMCLOCK_CTRL after the release, throw or not');
    assert.deepStrictEqual(other, [1000n], 'the other subscribers still get the message');
  });

  it('fallback: a failed hold still warns and leaves the clock running', async () => {
    const device = new CountingDevice();
    const warnings = [];
    const clock = new kvm.GuestClock(device, { warn: (w) => warnings.push(w.code) });
    clock.vmStateChanged(true);
    device.failRead = 'EIO';
    await withThrowingSubscriber(kvm.Channels.FALLBACK, () => clock.vmStateChanged(false));
    assert.deepStrictEqual([clock.held, warnings], [false, [kvm.WarningCodes.HOLD_FAILED]]);
  });

  it('load: loadClockSection returns, and the destination holds the migrated value', async () => {
    const source = new kvm.GuestClock(new CountingDevice(42n), { warn: () => {} });
    const bytes = kvm.saveClockSection(source);
    const device = new CountingDevice();
    const dest = new kvm.GuestClock(device, { warn: () => assert.fail('no warning') });
    await withThrowingSubscriber(kvm.Channels.HOLD, () => kvm.loadClockSection(dest, bytes));
    assert.deepStrictEqual([device.written, dest.held, dest.heldValue], [[42n], true, 42n]);
  });
});
