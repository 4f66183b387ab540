// How far a held clock may move, relative to what this run measured: the checks' one bound.
'use strict';
const { heldLimitMs } = require('../pause-jump');

/**
 * The largest jump (ms) a held clock may show across stop, a pause and cont. Tight (real
 * hardware): the library's promise plus four control runs and this run's unheld host time
 * (pause-jump's heldLimitMs: a few ms on a real host). Otherwise (emulated, loaded): a fifth
 * of what the control without the library saw, which is at least the pause, plus the unheld
 * host time (a stall of the emulated CPU there is time the clock really ran).
 */
function heldBoundMs(tight, { withoutMs, controlMs = 0, unheldMs = 0 }) {
  return tight ? heldLimitMs(controlMs, unheldMs) : withoutMs / 5 + unheldMs;
}

module.exports = { heldBoundMs, PAUSE_MS: 1000, TOD_PER_MS: 4_096_000n, TOD_PER_S: 4_096_000_000n };
