// The host monotonic instant of a guest clock read, for GuestClock's hold (`since`: how
// long the clock is held, and when the held value was true), read on every stop. From
// JavaScript, process.hrtime.bigint() costs that clock read plus a call and a bigint,
// more than the addon's own call; so the hold asks the addon instead, and the library's
// get calls (getTod, getKvmClock, and the devices over them) read the same clock
// (CLOCK_MONOTONIC) right after their ioctl (native/src/read_instant.h). A read that makes
// no such call (a device of one's own, the simulated one) leaves the instant untaken, and
// the clock is read here, as before.
import { scratch, scratchHalves } from './native';

// The state: the first 32-bit half of scratch word 4; the instant: word 3.
const STATE = 8;
const INSTANT = 3;
const ASKED = 1;
const TAKEN = 2;
const IDLE = 0;

/** Right before a read: the next get call is to take the instant of its ioctl. */
export function askReadInstant(): void {
  scratchHalves[STATE] = ASKED;
}

/**
 * Right after the read: the instant a get call took since {@link askReadInstant}, else
 * `process.hrtime.bigint()` now. Either is host monotonic ns.
 */
export function takeReadInstant(): bigint {
  const taken = scratchHalves[STATE] === TAKEN;
  scratchHalves[STATE] = IDLE;
  return taken ? scratch[INSTANT] : process.hrtime.bigint();
}

/**
 * {@link takeReadInstant} into `target` (the halves of a bigint word) without making a
 * bigint: a taken instant is copied half by half, else the clock is read here.
 */
export function takeReadInstantInto(target: Uint32Array): void {
  const taken = scratchHalves[STATE] === TAKEN;
  scratchHalves[STATE] = IDLE;
  if (taken) {
    target[0] = scratchHalves[INSTANT * 2];
    target[1] = scratchHalves[INSTANT * 2 + 1];
  } else {
    new BigUint64Array(target.buffer, target.byteOffset, 1)[0] = process.hrtime.bigint();
  }
}
