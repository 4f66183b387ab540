// Stillness: how far the guest clock moves across stop, a pause, cont.
//
// Each cycle, on the same device:
//   with the library:  read; vmStateChanged(false); pause; vmStateChanged(true); read
//   without it:        read; pause; read                  (the guest sees the pause)
//   measuring floor:   read; read                         (what the two reads alone add)
// The jump is the difference of the two reads. It includes the reads' own time, so
// it bounds from above what a guest could see; "net" takes the floor's median off.
'use strict';
const { median, percentile, round } = require('./stats');
const { sleepMs } = require('./harness');

const MEDIAN_US_BELOW = 10;

function stillness(kvm, { device, diffNs, settings, backend }) {
  const warnings = [];
  const clock = new kvm.GuestClock(device, { warn: (w) => warnings.push(w), name: 'bench' });
  clock.vmStateChanged(true);
  const us = (a, b) => Number(diffNs(a, b)) / 1e3;
  const withLib = [];
  const without = [];
  const floor = [];
  const pauses = [];
  // Warm-up: the JIT compiles the hook and the device's read and write first.
  for (let i = 0; i < settings.stillWarmup; i++) {
    device.read();
    clock.vmStateChanged(false);
    clock.vmStateChanged(true);
  }
  for (let i = 0; i < settings.stillCycles; i++) {
    let r0 = device.read();
    clock.vmStateChanged(false);
    const p0 = process.hrtime.bigint();
    sleepMs(settings.pauseMs);
    pauses.push(Number(process.hrtime.bigint() - p0) / 1e6);
    clock.vmStateChanged(true);
    let r1 = device.read();
    withLib.push(us(r1, r0));

    r0 = device.read();
    sleepMs(settings.pauseMs);
    r1 = device.read();
    without.push(us(r1, r0));

    r0 = device.read();
    r1 = device.read();
    floor.push(us(r1, r0));
  }
  if (warnings.length) return { error: `GuestClock warned ${warnings.length} times, first: ${warnings[0].message}` };
  const withMedian = median(withLib);
  return {
    kind: 'stillness',
    backend,
    cycles: settings.stillCycles,
    pauseMs: { asked: settings.pauseMs, median: round(median(pauses), 3) },
    withLibraryUs: {
      median: round(withMedian, 2),
      p90: round(percentile(withLib, 90), 2),
      worst: round(Math.max(...withLib), 2),
    },
    withoutLibraryUs: { median: round(median(without), 1), worst: round(Math.max(...without), 1) },
    measuringFloorUs: { median: round(median(floor), 2) },
    withLibraryNetUs: { median: round(withMedian - median(floor), 2) },
    target: { medianUsBelow: MEDIAN_US_BELOW },
    met: withMedian < MEDIAN_US_BELOW,
  };
}

module.exports = { stillness };
