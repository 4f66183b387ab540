// VM scaling: N VMs held and released together (a VMM stopping all its guests at once),
// through one GuestClock per VM, against the raw ioctl pairs in C on the same VMs:
// the per-VM cost as N grows from 1 to 1000 (or as far as the machine lets it go).
'use strict';
const { REAL_IOCTL_TARGETS } = require('./settings');

const RATIO_MAX = REAL_IOCTL_TARGETS.scaling;
const { benchClocks, compareHoldRelease } = require('./hold-release');

/**
 * `createVm()` returns a VM descriptor (throws when no more can be made); `device(fd)` the
 * device a GuestClock drives; `cMany(fds, n)` the C loop over the same VMs.
 */
function scaling(kvm, { counts, createVm, closeFd, device, cMany, settings, backend, what }) {
  const fds = [];
  const points = [];
  let stoppedAt;
  try {
    for (const count of counts) {
      const t0 = process.hrtime.bigint();
      try {
        while (fds.length < count) fds.push(createVm());
      } catch (error) {
        stoppedAt = `${fds.length} VMs: ${error.code || ''} ${error.message}`.trim();
        break;
      }
      const createUsPerVm =
        Number(process.hrtime.bigint() - t0) / 1000 / Math.max(1, count - (points.at(-1)?.vms || 0));
      const { clocks, warnings } = benchClocks(
        kvm,
        fds.map((fd) => device(fd)),
      );
      const typed = Int32Array.from(fds);
      // Fewer calls per block as N grows: each block still holds and releases every VM.
      const f = compareHoldRelease(clocks, {
        cLoop: (n) => cMany(typed, n),
        settings,
        backend,
        what,
        ratioMax: RATIO_MAX,
      });
      if (warnings.length)
        return { error: `GuestClock warned ${warnings.length} times at ${count} VMs, first: ${warnings[0].message}` };
      points.push({
        vms: count,
        createUsPerVm: Math.round(createUsPerVm),
        cNsPerVm: Math.round(f.c.median / count),
        jsNsPerVm: Math.round(f.js.median / count),
        ratio: f.ratio.median,
        overheadNsPerVm: Math.round(f.overheadNs.median / count),
      });
    }
  } finally {
    for (const fd of fds) closeFd(fd);
  }
  if (points.length === 0) return { error: `not even one VM: ${stoppedAt}` };
  return {
    kind: 'scaling',
    backend,
    what,
    unit: 'ns per VM per hold and release',
    counts,
    points,
    stoppedAt,
    target: { ratioAtMost: RATIO_MAX },
    met: points.every((p) => p.ratio <= RATIO_MAX),
  };
}

module.exports = { scaling };
