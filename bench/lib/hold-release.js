// A full hold and release through GuestClock (vmStateChanged(false), then (true))
// against the two raw ioctls it issues, in C, on the same VM descriptor.
'use strict';
const { compare } = require('./harness');
const { RATIO_MAX } = require('./binding');

function holdRelease(kvm, { device, cLoop, settings, backend, what }) {
  const warnings = [];
  const clock = new kvm.GuestClock(device, { warn: (w) => warnings.push(w), name: 'bench' });
  clock.vmStateChanged(true);
  const figure = compare({
    runs: settings.runs,
    targetMs: settings.callTargetMs,
    blocks: settings.blocks,
    ratioMax: RATIO_MAX,
    backend,
    what,
    c: cLoop,
    js: (n) => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        clock.vmStateChanged(false);
        clock.vmStateChanged(true);
      }
      return Number(process.hrtime.bigint() - t0);
    },
  });
  figure.unit = 'ns per hold and release';
  if (warnings.length) return { error: `GuestClock warned ${warnings.length} times, first: ${warnings[0].message}` };
  return figure;
}

module.exports = { holdRelease };
