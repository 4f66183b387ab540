// What kvm-tod is for, as a user checks it: how far a guest clock moves (ms) across stop, a
// pause, and cont, with GuestClock holding it or (useLibrary false) not.
'use strict';
const assert = require('assert');
const kvm = require('kvm-tod');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Nanoseconds between two readings of a device: kvmclock values or Tods. */
function diffNs(later, earlier) {
  return typeof later === 'bigint' ? later - earlier : kvm.todDiffNs(later, earlier);
}

/** Milliseconds between two readings of a device: kvmclock values or Tods. */
const msBetween = (later, earlier) => Number(diffNs(later, earlier)) / 1e6;

const hostMsSince = (startNs) => Number(process.hrtime.bigint() - startNs) / 1e6;

/**
 * Runs `clock`'s VM, reads `device`, stops (held, or when `hold` is false not held at
 * all, as without the library), waits pauseMs, conts and reads again. Returns how far the
 * clock moved (`jumpMs`); how long the stop really lasted (`heldMs`, from after the first
 * read to the end of cont: a loaded machine can oversleep a timer by far more than a
 * tolerance); and `unheldMs`, the host time in which it may have run even when held: from
 * before the first read to the end of stop, and from the start of cont to the end of the
 * last read. That is a few µs on a host; on a slow one a stall there (a GC, a deschedule,
 * an emulator's slow step) is where a held clock's movement comes from, so a bound adds it.
 */
async function clockAcrossPause(clock, device, pauseMs, { hold = true } = {}) {
  clock.vmStateChanged(true);
  const readStart = process.hrtime.bigint();
  const atStop = device.read();
  const stopStart = process.hrtime.bigint();
  clock.vmStateChanged(!hold);
  const beforePause = hostMsSince(readStart);
  await sleep(pauseMs);
  const contStart = process.hrtime.bigint();
  clock.vmStateChanged(true);
  const heldMs = hostMsSince(stopStart);
  const after = device.read();
  return { jumpMs: msBetween(after, atStop), heldMs, unheldMs: beforePause + hostMsSince(contStart) };
}

/**
 * clockAcrossPause on a new GuestClock of `device` under `policy` (held unless useLibrary
 * is false); any warning fails the test.
 */
function measureAcrossPause(device, pauseMs, { useLibrary = true, policy } = {}) {
  const clock = new kvm.GuestClock(device, { policy, warn: (w) => assert.fail(w.message) });
  return clockAcrossPause(clock, device, pauseMs, { hold: useLibrary });
}

/** How far the clock moved (ms) across stop, pauseMs and cont, held when useLibrary. */
async function jumpAcrossPause(device, useLibrary, pauseMs) {
  return (await measureAcrossPause(device, pauseMs, { useLibrary })).jumpMs;
}

/**
 * The control run: the largest jump (ms) across stop and cont with no pause at all, held,
 * over `runs` tries. It is what the reads, the two calls and one turn of the event loop
 * cost on this machine: a few µs on a host, milliseconds under emulation (the KVM box).
 */
async function controlJumpMs(device, runs = 3) {
  let worst = 0;
  for (let i = 0; i < runs; i++) worst = Math.max(worst, (await measureAcrossPause(device, 0)).jumpMs);
  return worst;
}

/**
 * How far a held clock may move across a pause: the library's promise (5 ms), four times
 * the control run, and the run's own unheld host time (measureAcrossPause), so the bound
 * follows the machine's speed and stays tight on a host.
 */
const heldLimitMs = (controlMs, unheldMs = 0) => 5 + 4 * controlMs + unheldMs;

module.exports = {
  clockAcrossPause,
  measureAcrossPause,
  jumpAcrossPause,
  controlJumpMs,
  heldLimitMs,
  sleep,
  msBetween,
};
