// Timing: a JavaScript loop against the same work in a C loop, in the same process
// and on the same descriptor, repeated; and the cost of one call on its own.
'use strict';
const { summary, round } = require('./stats');

/**
 * A count for which `loop(n)` (returns elapsed ns) takes about `targetMs`. One warm-up
 * call first, so that a one-off cost (compiling, a GC) does not pass for the per-call time.
 */
function calibrate(loop, targetMs, { min = 20, max = 5_000_000 } = {}) {
  loop(min);
  let n = min;
  for (;;) {
    const ns = loop(n);
    if (ns >= 3e6 || n >= max) {
      const perCall = ns / n;
      return Math.max(min, Math.min(max, Math.round((targetMs * 1e6) / perCall)));
    }
    n = Math.min(max, n * 4);
  }
}

/**
 * JS against C: each run times `c(n)` and `js(n)` (each returns elapsed ns) in the
 * order C, JS, JS, C (so a slow drift of the machine hits both sides alike), with
 * n iterations in all per side. Per-call times and the ratio JS/C are per run;
 * the figure is their median over `runs`.
 */
function compare({ c, js, runs, targetMs, ratioMax, backend, what }) {
  const iterations = calibrate(c, targetMs);
  const half = Math.max(1, iterations >> 1);
  js(Math.min(half, 20000)); // let the JIT settle the JS side before the first run
  const cNs = [];
  const jsNs = [];
  const ratios = [];
  const overhead = [];
  for (let r = 0; r < runs; r++) {
    const c1 = c(half);
    const j1 = js(half);
    const j2 = js(half);
    const c2 = c(half);
    const cPer = (c1 + c2) / (2 * half);
    const jsPer = (j1 + j2) / (2 * half);
    cNs.push(cPer);
    jsNs.push(jsPer);
    ratios.push(jsPer / cPer);
    overhead.push(jsPer - cPer);
  }
  const ratio = summary(ratios, 3);
  return {
    kind: 'compare',
    backend,
    what,
    unit: 'ns per call',
    iterations: 2 * half,
    runs,
    c: summary(cNs),
    js: summary(jsNs),
    ratio,
    overheadNs: summary(overhead),
    target: { ratioAtMost: ratioMax },
    met: ratio.median <= ratioMax,
  };
}

/** The cost of one call of `loop(n)` (returns elapsed ns), median over runs. */
function cost({ loop, runs, targetMs, what }) {
  const iterations = calibrate(loop, targetMs);
  loop(Math.min(iterations, 20000));
  const per = [];
  for (let r = 0; r < runs; r++) per.push(loop(iterations) / iterations);
  return { kind: 'cost', what, unit: 'ns per call', iterations, runs, nsPerCall: summary(per) };
}

/** Sleeps synchronously (the event loop is not needed while a VM is "stopped"). */
const sleepCell = new Int32Array(new SharedArrayBuffer(4));
function sleepMs(ms) {
  Atomics.wait(sleepCell, 0, 0, ms);
}

/** Keeps values the loops compute from being optimized away. */
let blackhole = 0;
function consume(value) {
  blackhole = (blackhole + Number(value)) % 1e9;
  return blackhole;
}

module.exports = { calibrate, compare, cost, sleepMs, consume, round };
