// Timing: a JavaScript loop against the same work in a C loop, in the same process
// and on the same descriptor, repeated; and the cost of one call on its own.
'use strict';
const { median, summary, round } = require('./stats');

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
 * JS against C. Each run times `blocks` pairs of adjacent blocks, `c(b)` and `js(b)`
 * (each returns elapsed ns), their order swapped every pair so that neither side always
 * runs first; `iterations` = calls per side per run, about `targetMs` of C.
 * Within a run the per-call times and the ratio are medians over the pairs (two
 * adjacent blocks see the same machine, which matters on a shared one); the figure is
 * the median of the runs.
 */
function compare({ c, js, runs, targetMs, blocks, ratioMax, backend, what }) {
  const iterations = calibrate(c, targetMs);
  const b = Math.max(1, Math.round(iterations / blocks));
  js(Math.min(iterations, 20000)); // let the JIT settle the JS side before the first run
  const cNs = [];
  const jsNs = [];
  const ratios = [];
  const overhead = [];
  for (let r = 0; r < runs; r++) {
    const cs = [];
    const jss = [];
    const rs = [];
    for (let k = 0; k < blocks; k++) {
      let cb;
      let jb;
      if ((k + r) % 2 === 0) {
        cb = c(b);
        jb = js(b);
      } else {
        jb = js(b);
        cb = c(b);
      }
      cs.push(cb / b);
      jss.push(jb / b);
      rs.push(jb / cb);
    }
    const cPer = median(cs);
    const jsPer = median(jss);
    cNs.push(cPer);
    jsNs.push(jsPer);
    ratios.push(median(rs));
    overhead.push(jsPer - cPer);
  }
  const ratio = summary(ratios, 3);
  return {
    kind: 'compare',
    backend,
    what,
    unit: 'ns per call',
    iterations: b * blocks,
    runs,
    c: summary(cNs),
    js: summary(jsNs),
    ratio,
    overheadNs: summary(overhead),
    target: { ratioAtMost: ratioMax },
    met: ratio.median <= ratioMax,
  };
}

/** The cost of one call of `loop(n)` (returns elapsed ns): per run the median of `blocks`
 * blocks, then the median of the runs. */
function cost({ loop, runs, targetMs, blocks, what }) {
  const iterations = calibrate(loop, targetMs);
  const b = Math.max(1, Math.round(iterations / blocks));
  loop(Math.min(iterations, 20000));
  const per = [];
  for (let r = 0; r < runs; r++) {
    const block = [];
    for (let k = 0; k < blocks; k++) block.push(loop(b) / b);
    per.push(median(block));
  }
  return { kind: 'cost', what, unit: 'ns per call', iterations: b * blocks, runs, nsPerCall: summary(per) };
}

/**
 * The cost of one call of `loop(n)` as a ratio to `floor(n)` (both return elapsed ns), the
 * bare native call it is judged against. Each run times `targetMs / pairMs` pairs of adjacent
 * blocks (at least `blocks`), a floor block and a loop block of about `pairMs` each, their
 * order swapped every pair; a run's ratio is the median over its pairs of (loop ns per call)
 * / (floor ns per call), so that both sides of every ratio saw the same machine. Blocks
 * shorter than a scheduler's time slice are seldom cut by another process; those that are
 * fall out of the median. The figure is the median of the runs.
 */
function costVsFloor({ loop, floor, runs, targetMs, blocks, pairMs, ratioMax, what }) {
  const pairs = Math.max(blocks, Math.round(targetMs / pairMs));
  const iterations = calibrate(loop, targetMs);
  const floorIterations = calibrate(floor, targetMs);
  const b = Math.max(1, Math.round(iterations / pairs));
  const bf = Math.max(1, Math.round(floorIterations / pairs));
  loop(Math.min(iterations, 20000));
  const per = [];
  const floors = [];
  const ratios = [];
  for (let r = 0; r < runs; r++) {
    const ls = [];
    const fs = [];
    const rs = [];
    for (let k = 0; k < pairs; k++) {
      let l;
      let f;
      if ((k + r) % 2 === 0) {
        f = floor(bf) / bf;
        l = loop(b) / b;
      } else {
        l = loop(b) / b;
        f = floor(bf) / bf;
      }
      ls.push(l);
      fs.push(f);
      rs.push(l / f);
    }
    per.push(median(ls));
    floors.push(median(fs));
    ratios.push(median(rs));
  }
  const ratio = summary(ratios, 2);
  return {
    kind: 'cost',
    what,
    unit: 'ns per call',
    iterations: b * pairs,
    runs,
    nsPerCall: summary(per),
    floorNs: summary(floors),
    ratioToFloor: ratio,
    target: { ratioToFloorAtMost: ratioMax },
    met: ratio.median <= ratioMax,
  };
}

/**
 * Per-VM cost as N grows: `loopFor(count)` returns a loop over `count` VMs (elapsed ns for
 * n rounds, each round one call per VM). For each count, each run times pairs of adjacent
 * blocks as costVsFloor does, one VM and `count` VMs, about `pairMs` each; a run's ratio is
 * the median over its pairs of (ns per VM at `count`) / (ns per VM at one VM). The figure's
 * points are the medians of the runs.
 */
function scalingVsOne({ loopFor, counts, runs, targetMs, blocks, pairMs, ratioMax, what }) {
  const pairs = Math.max(blocks, Math.round(targetMs / pairMs));
  const one = loopFor(1);
  const oneIterations = calibrate(one, targetMs);
  const b1 = Math.max(1, Math.round(oneIterations / pairs));
  const points = [];
  for (const count of counts) {
    const many = loopFor(count);
    const bn = Math.max(1, Math.round(b1 / count));
    many(Math.max(1, Math.round(20000 / count)));
    const perVm = [];
    const ratios = [];
    for (let r = 0; r < runs; r++) {
      const ns = [];
      const rs = [];
      for (let k = 0; k < pairs; k++) {
        let o;
        let m;
        if ((k + r) % 2 === 0) {
          o = one(b1) / b1;
          m = many(bn) / (bn * count);
        } else {
          m = many(bn) / (bn * count);
          o = one(b1) / b1;
        }
        ns.push(m);
        rs.push(m / o);
      }
      perVm.push(median(ns));
      ratios.push(median(rs));
    }
    points.push({ vms: count, nsPerVm: round(median(perVm)), ratioToOneVm: round(median(ratios), 3) });
  }
  return {
    kind: 'costScaling',
    what,
    unit: 'ns per VM per hold and release',
    runs,
    counts,
    points,
    target: { ratioToOneVmAtMost: ratioMax },
    met: points.every((p) => p.ratioToOneVm <= ratioMax),
  };
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

module.exports = { calibrate, compare, cost, costVsFloor, scalingVsOne, sleepMs, consume };
