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
