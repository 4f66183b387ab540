// Resume policies on the simulated s390 TOD: freeze, catch-up, a function; set at
// run time; and what a policy does to a failing device.
'use strict';
const assert = require('assert');
const kvm = require('../..');
const { CountingDevice, collectWarnings } = require('@kvm-tod/testkit/counting-device');

const { clockAcrossPause, sleep, msBetween } = require('@kvm-tod/testkit/pause-jump');

// 20 ms on a quiet host; plus the time the clock was surely not held on a slow one.
const frozen = ({ jumpMs, unheldMs }) => jumpMs >= 0 && jumpMs < 20 + unheldMs;
const caughtUp = ({ jumpMs, heldMs, unheldMs }) => Math.abs(jumpMs - heldMs) < 20 + unheldMs;

describe('resume policies', () => {
  it("'freeze' (the default): the guest does not see a 300 ms pause", async () => {
    const device = new kvm.SimulatedS390Tod();
    const clock = new kvm.GuestClock(device);
    assert.strictEqual(clock.policy, 'freeze');
    const r = await clockAcrossPause(clock, device, 300);
    assert.ok(frozen(r), `jump ${r.jumpMs} ms after ${r.heldMs} ms stopped`);
  });

  it("'catch-up': the guest ends where it would have been: it sees the whole pause", async () => {
    const device = new kvm.SimulatedS390Tod();
    const clock = new kvm.GuestClock(device, { policy: 'catch-up' });
    const r = await clockAcrossPause(clock, device, 300);
    assert.ok(r.jumpMs >= 295 && caughtUp(r), `jump ${r.jumpMs} ms after ${r.heldMs} ms stopped`);
  });

  it('a function picks at each resume from how long the clock was held', async () => {
    const device = new kvm.SimulatedS390Tod();
    const asked = [];
    const threshold = kvm.catchUpAfter(200_000_000n);
    const clock = new kvm.GuestClock(device, {
      policy: (heldNs) => {
        asked.push(heldNs);
        return threshold(heldNs);
      },
    });
    const short = await clockAcrossPause(clock, device, 50);
    const long = await clockAcrossPause(clock, device, 300);
    // what the policy saw decides; the machine's load decides how long it saw
    assert.strictEqual(frozen(short), asked[0] < 200_000_000n, `first pause: ${JSON.stringify(short)}`);
    assert.ok(caughtUp(long) && long.jumpMs >= 295, `300 ms pause caught up: ${JSON.stringify(long)}`);
    assert.strictEqual(asked.length, 2);
    assert.ok(asked[0] >= 45_000_000n && asked[1] >= 295_000_000n); // timers may fire up to 1 ms early
  });

  it('can be changed at run time, effective at the next resume', async () => {
    const device = new kvm.SimulatedS390Tod();
    const clock = new kvm.GuestClock(device);
    clock.vmStateChanged(true);
    const atStop = device.read();
    clock.vmStateChanged(false);
    await sleep(200);
    clock.policy = 'catch-up'; // while held
    clock.vmStateChanged(true);
    assert.ok(msBetween(device.read(), atStop) >= 195);
    clock.policy = 'freeze';
    assert.ok(frozen(await clockAcrossPause(clock, device, 200)));
  });

  it('rejects a policy that is not one', () => {
    const clock = new kvm.GuestClock(new kvm.SimulatedS390Tod());
    for (const bad of ['thaw', '', null, 5, {}]) {
      assert.throws(() => (clock.policy = bad), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
    }
    assert.throws(() => new kvm.GuestClock(new kvm.SimulatedS390Tod(), { policy: 'Catch-Up' }), TypeError);
    assert.strictEqual(clock.policy, 'freeze');
    assert.throws(() => kvm.catchUpAfter(-1n), RangeError);
  });

  it("refuses 'catch-up' for a device that cannot advance", () => {
    const plain = { read: () => 1n, write() {} };
    assert.throws(() => new kvm.GuestClock(plain, { policy: 'catch-up' }), /cannot 'catch-up'/);
  });

  it('a policy function that throws or answers nonsense freezes, with one warning each', () => {
    const device = new CountingDevice();
    device.advance = (v, ns) => v + ns;
    const { warnings, warn } = collectWarnings();
    let answer = () => {
      throw new Error('policy bug');
    };
    const clock = new kvm.GuestClock(device, { warn, policy: (ns) => answer(ns) });
    for (const next of [() => 'sometimes', () => undefined]) {
      clock.vmStateChanged(true);
      clock.vmStateChanged(false);
      device.tick(1_000_000n);
      clock.vmStateChanged(false);
      clock.vmStateChanged(true);
      answer = next;
    }
    clock.vmStateChanged(false);
    clock.vmStateChanged(true);
    // frozen every time: each cont wrote back exactly the value held at stop
    assert.deepStrictEqual(device.written, [1000n, 1000n, 1000n]);
    assert.strictEqual(warnings.length, 3);
    assert.ok(warnings.every((w) => w.code === 'KVM_TOD_POLICY_FAILED'));
    assert.match(warnings[0].message, /policy bug/);
    assert.match(warnings[1].message, /answered sometimes/);
    assert.match(warnings[2].message, /answered undefined/);
  });

  it('catch-up with a failing write warns and releases, like freeze', () => {
    const device = new CountingDevice();
    device.advance = (v, ns) => v + ns;
    const { warnings, warn } = collectWarnings();
    const clock = new kvm.GuestClock(device, { warn, policy: 'catch-up' });
    clock.vmStateChanged(true);
    clock.vmStateChanged(false);
    device.failWrite = 'EIO';
    clock.vmStateChanged(true);
    assert.strictEqual(clock.held, false);
    assert.deepStrictEqual(
      warnings.map((w) => w.code),
      ['KVM_TOD_RESTORE_FAILED'],
    );
  });

  it('the release event says which policy ran and what was written', async () => {
    const dc = require('diagnostics_channel');
    const seen = [];
    const fn = (m) => seen.push(m);
    dc.subscribe(kvm.Channels.RELEASE, fn);
    try {
      const device = new kvm.SimulatedS390Tod();
      const clock = new kvm.GuestClock(device, { policy: 'catch-up' });
      await clockAcrossPause(clock, device, 50);
      assert.strictEqual(seen.length, 1);
      assert.strictEqual(seen[0].policy, 'catch-up');
      const movedMs = msBetween(seen[0].value, seen[0].held);
      assert.ok(movedMs >= 45 && movedMs < 200, `written value is ${movedMs} ms past the held one`);
    } finally {
      dc.unsubscribe(kvm.Channels.RELEASE, fn);
    }
  });
});
