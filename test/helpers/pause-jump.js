// What kvm-tod is for, as a user checks it: how far a guest clock moves (ms) across stop, a
// pause, and cont, with GuestClock holding it or (useLibrary false) not.
'use strict';
const assert = require('assert');
const kvm = require('../..');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Nanoseconds between two readings of a device: kvmclock values or Tods. */
function diffNs(later, earlier) {
  return typeof later === 'bigint' ? later - earlier : kvm.todDiffNs(later, earlier);
}

/** Milliseconds between two readings of a device: kvmclock values or Tods. */
const msBetween = (later, earlier) => Number(diffNs(later, earlier)) / 1e6;

/**
 * Runs the VM, reads the clock, stops (held when useLibrary), waits pauseMs, conts,
 * and returns how far the clock moved in ms. Any warning fails the test.
 */
async function jumpAcrossPause(device, useLibrary, pauseMs) {
  const clock = new kvm.GuestClock(device, { warn: (w) => assert.fail(w.message) });
  clock.vmStateChanged(true);
  const atStop = device.read();
  clock.vmStateChanged(!useLibrary);
  await sleep(pauseMs);
  clock.vmStateChanged(true);
  return msBetween(device.read(), atStop);
}

/**
 * The control run: the largest jump (ms) across stop and cont with no pause at all, held,
 * over `runs` tries. It is what the reads, the two calls and one turn of the event loop
 * cost on this machine: a few µs on a host, milliseconds under emulation (the KVM box).
 */
async function controlJumpMs(device, runs = 3) {
  let worst = 0;
  for (let i = 0; i < runs; i++) worst = Math.max(worst, await jumpAcrossPause(device, true, 0));
  return worst;
}

/**
 * How far a held clock may move across a pause: the library's promise (5 ms) plus four
 * times the control run, so the bound follows the machine's speed and stays tight on a host.
 */
const heldLimitMs = (controlMs) => 5 + 4 * controlMs;

module.exports = { jumpAcrossPause, controlJumpMs, heldLimitMs, sleep, msBetween };
