// Endurance: a million hold/release cycles through one GuestClock. Heap after a
// forced GC and RSS, before and after; and how much guest time the cycles added
// beyond the time the clock was not held.
//
// "Not held" is the VMM's view: from each vmStateChanged(true) returning to the next
// vmStateChanged(false) being called (the VM would run there), plus the stretches
// before the first and after the last cycle up to the reads that bracket the run.
// With the freeze policy the guest clock should advance by exactly that; anything
// more is what each stop/cont leaks (the time inside the calls outside the ioctls'
// own read and write instants).
'use strict';
const { performance } = require('perf_hooks');
const { round } = require('./stats');

const HEAP_GROWTH_KIB_BELOW = 1024;
const MiB = 2 ** 20;

function forcedGc() {
  if (typeof global.gc !== 'function') throw new Error('run node with --expose-gc');
  global.gc();
  global.gc();
}

function endurance(kvm, { device, diffNs, settings, backend }) {
  const warnings = [];
  const clock = new kvm.GuestClock(device, { warn: (w) => warnings.push(w), name: 'bench' });
  clock.vmStateChanged(true);
  const cycles = settings.enduranceCycles;

  function run(n) {
    let notHeld = 0;
    const g0 = device.read();
    let tPrev = performance.now();
    const tStart = tPrev;
    for (let i = 0; i < n; i++) {
      const tA = performance.now();
      notHeld += tA - tPrev;
      clock.vmStateChanged(false);
      clock.vmStateChanged(true);
      tPrev = performance.now();
    }
    const tEnd = performance.now();
    notHeld += tEnd - tPrev;
    const g1 = device.read();
    return { advanceNs: Number(diffNs(g1, g0)), notHeldNs: notHeld * 1e6, wallNs: (tEnd - tStart) * 1e6 };
  }

  run(settings.enduranceWarmup); // JIT and lazy allocations settle before the baseline
  forcedGc();
  const heap0 = process.memoryUsage().heapUsed;
  const rss0 = process.memoryUsage.rss();
  const r = run(cycles);
  forcedGc();
  const heap1 = process.memoryUsage().heapUsed;
  const rss1 = process.memoryUsage.rss();
  if (warnings.length) return { error: `GuestClock warned ${warnings.length} times, first: ${warnings[0].message}` };
  const growthKiB = (heap1 - heap0) / 1024;
  const addedNs = r.advanceNs - r.notHeldNs;
  return {
    kind: 'endurance',
    backend,
    cycles,
    wallS: round(r.wallNs / 1e9, 2),
    usPerCycle: round(r.wallNs / 1e3 / cycles, 3),
    heap: { beforeMiB: round(heap0 / MiB, 2), afterMiB: round(heap1 / MiB, 2), growthKiB: round(growthKiB, 1) },
    rss: { beforeMiB: round(rss0 / MiB, 1), afterMiB: round(rss1 / MiB, 1), growthMiB: round((rss1 - rss0) / MiB, 1) },
    guest: {
      advanceMs: round(r.advanceNs / 1e6, 3),
      notHeldMs: round(r.notHeldNs / 1e6, 3),
      addedMs: round(addedNs / 1e6, 3),
      addedNsPerCycle: round(addedNs / cycles, 1),
    },
    target: { heapGrowthKiBBelow: HEAP_GROWTH_KIB_BELOW },
    met: growthKiB < HEAP_GROWTH_KIB_BELOW,
  };
}

module.exports = { endurance };
