// The instant of a hold's read (lib/read-instant.ts, native/src/read_instant.h): the
// library's get calls take the host monotonic clock right after their ioctl when asked,
// and only then; a read that makes no such call leaves it to JavaScript. GuestClock's
// `since` is that instant. Through the kernel double (EXT, and pre-4.15 LOW + HIGH), and,
// for getKvmClock, on a real /dev/kvm.
'use strict';
const assert = require('assert');
const kvm = require('../..');
const internal = require('../../dist/internals');
const { askReadInstant, takeReadInstant } = require('../../dist/read-instant');
const native = require('../../dist/native');
const { itDouble, withDoubleVm } = require('@kvm-tod/testkit/s390-double');

const STATE = 8; // the state half of scratch word 4 (read-instant.ts)
const TAKEN = 2;

/** `call()`, then the instant it took: asserts it lies within the call. */
function instantOf(call) {
  const before = process.hrtime.bigint();
  askReadInstant();
  call();
  const taken = native.scratchHalves[STATE] === TAKEN;
  const instant = takeReadInstant();
  const after = process.hrtime.bigint();
  assert.ok(before <= instant && instant <= after, `${instant} is not within ${before}..${after}`);
  return { taken, instant };
}

describe('the instant of a read', () => {
  for (const [label, config] of [
    ['EXT', {}],
    ['pre-4.15 LOW + HIGH', { pre415: true }],
  ]) {
    itDouble(
      `${label}: getTod takes it right after its ioctl when asked, on the host's monotonic clock`,
      withDoubleVm(config, (vmFd) => {
        assert.strictEqual(instantOf(() => kvm.getTod(vmFd)).taken, true);
      }),
    );
  }

  itDouble(
    'unasked, a get call takes none; a failed one takes none',
    withDoubleVm((vmFd, kvmFd) => {
      kvm.getTod(vmFd);
      assert.notStrictEqual(native.scratchHalves[STATE], TAKEN);
      const closed = kvm.createVm(kvmFd);
      kvm.closeFd(closed);
      askReadInstant();
      assert.throws(() => kvm.getTod(closed), { code: 'EBADF' });
      assert.notStrictEqual(native.scratchHalves[STATE], TAKEN);
      takeReadInstant();
    }),
  );

  it('a read that makes no get call leaves the instant to process.hrtime.bigint()', () => {
    const device = new kvm.SimulatedS390Tod();
    assert.strictEqual(instantOf(() => device.read()).taken, false);
  });

  itDouble(
    "GuestClock's hold keeps the instant of its device's read as `since`",
    withDoubleVm((vmFd) => {
      const clock = new kvm.GuestClock(new kvm.S390TodDevice(vmFd), { warn: (w) => assert.fail(w.message) });
      clock.vmStateChanged(true);
      const before = process.hrtime.bigint();
      clock.vmStateChanged(false);
      const after = process.hrtime.bigint();
      const { since } = clock[internal.heldBase];
      assert.ok(before <= since && since <= after, `${since} is not within ${before}..${after}`);
      assert.notStrictEqual(native.scratchHalves[STATE], TAKEN, 'the hold took the instant it asked for');
    }),
  );
});
