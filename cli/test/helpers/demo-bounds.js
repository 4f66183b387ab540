// How far a `kvm-tod demo --json` run's guest clock may be from what the rules say, taken
// from the run's own facts rather than from another run: another run (the control) is
// timed apart from it, and under emulation two runs of the same steps differ by far more
// than a tolerance. The base is the demo's own 25 ms; on top of it goes the run's host time
// outside its holds (a few µs on a quiet host; an emulator's or a loaded machine's slow
// steps land there) or, for a running clock, the demo's clock-rate allowance; and for
// both, how long the run's two clock reads took (hostUncertaintyMs).
'use strict';
const assert = require('assert');

const BASE_MS = 25;
const RATE = 1000 / 1e6; // the demo's ratePpm

/** Host time (ms) of a run that its holds do not cover. */
function unheldMs(run, holds) {
  const heldMs = holds.reduce((n, h) => n + h.ms, 0);
  return Math.max(0, run.hostElapsedMs + run.hostUncertaintyMs - heldMs);
}

/** A held clock (freeze, or a hold the policy did not catch up) barely moved. */
function assertHeld(run, holds, label) {
  const limit = BASE_MS + unheldMs(run, holds);
  assert.ok(Math.abs(run.jumpMs) <= limit, `${label}: held, moved ${run.jumpMs} ms (allowed ${limit} ms)`);
}

/**
 * Host time (ms) a run's migration copy was in flight, from the start of its save to the
 * end of its load (0 without a migration): a VMM that writes at load the value it read at
 * save, as the demo's control does, loses that much.
 */
function inFlightMs(run) {
  const save = run.steps.find((s) => s.action.startsWith('save'));
  const load = run.steps.find((s) => s.action.startsWith('load'));
  return save && load ? Math.max(0, load.atMs - save.startMs) : 0;
}

/**
 * A clock that ran (the control, a simple start) or was caught up (it ends where it would
 * have been) moved by the run's host time, less up to `lostMs`.
 */
function assertMovedWithHost(run, label, lostMs = 0) {
  const limit = BASE_MS + run.hostElapsedMs * RATE + run.hostUncertaintyMs;
  const off = run.jumpMs - run.hostElapsedMs;
  assert.ok(
    off >= -limit - lostMs && off <= limit,
    `${label}: moved ${run.jumpMs} ms in ${run.hostElapsedMs} ms of host time (allowed ±${limit} ms, less ${lostMs})`,
  );
}

module.exports = { BASE_MS, unheldMs, inFlightMs, assertHeld, assertMovedWithHost };
