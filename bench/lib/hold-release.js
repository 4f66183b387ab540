// A full hold and release through GuestClock (vmStateChanged(false), then (true))
// against the two raw ioctls it issues, in C, on the same VM descriptor; and the same
// measurement over many clocks together, for VM scaling (scaling.js).
'use strict';
const { compare } = require('./harness');
const { REAL_IOCTL_TARGETS } = require('./settings');

/** Running GuestClocks over `devices`, and the warnings they give (any one fails the figure). */
function benchClocks(kvm, devices) {
  const warnings = [];
  const clocks = devices.map((device) => new kvm.GuestClock(device, { warn: (w) => warnings.push(w), name: 'bench' }));
  for (const clock of clocks) clock.vmStateChanged(true);
  return { clocks, warnings };
}

/** compare(): every clock held, then every clock released, n times, against `cLoop(n)` in C. */
function compareHoldRelease(clocks, { cLoop, settings, backend, what, ratioMax = REAL_IOCTL_TARGETS.holdRelease }) {
  const [only] = clocks;
  const js =
    clocks.length === 1
      ? (n) => {
          const t0 = process.hrtime.bigint();
          for (let i = 0; i < n; i++) {
            only.vmStateChanged(false);
            only.vmStateChanged(true);
          }
          return Number(process.hrtime.bigint() - t0);
        }
      : (n) => {
          const t0 = process.hrtime.bigint();
          for (let i = 0; i < n; i++) {
            for (const clock of clocks) clock.vmStateChanged(false);
            for (const clock of clocks) clock.vmStateChanged(true);
          }
          return Number(process.hrtime.bigint() - t0);
        };
  return compare({
    runs: settings.runs,
    targetMs: settings.callTargetMs,
    blocks: settings.blocks,
    ratioMax,
    backend,
    what,
    c: cLoop,
    js,
  });
}

function holdRelease(kvm, { device, cLoop, settings, backend, what }) {
  const { clocks, warnings } = benchClocks(kvm, [device]);
  const figure = compareHoldRelease(clocks, { cLoop, settings, backend, what });
  figure.unit = 'ns per hold and release';
  if (warnings.length) return { error: `GuestClock warned ${warnings.length} times, first: ${warnings[0].message}` };
  return figure;
}

module.exports = { holdRelease, benchClocks, compareHoldRelease };
