// The mission as a user checks it: how far a guest clock moves (ms) across stop, a
// pause, and cont, with GuestClock holding it or (useLibrary false) not.
'use strict';
const assert = require('assert');
const kvm = require('../..');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Nanoseconds between two readings of a device: kvmclock values or Tods. */
function diffNs(later, earlier) {
  return typeof later === 'bigint' ? later - earlier : kvm.todDiffNs(later, earlier);
}

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
  return Number(diffNs(device.read(), atStop)) / 1e6;
}

module.exports = { jumpAcrossPause, sleep };
