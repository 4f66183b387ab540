// How much work the stress tests do. Under emulation (KVM_TOD_EMULATED, set by
// scripts/test-s390x.sh: the whole suite big-endian under qemu-user, where everything
// is 10-50 times slower) they do a tenth of it, which still exercises every path
// big-endian; an explicit count in the environment (FUZZ_RUNS, ...) always wins.
'use strict';

const EMULATED = Boolean(process.env.KVM_TOD_EMULATED);

/** `n` runs here, a tenth (at least `min`) under emulation, or the environment's `name`. */
function runs(n, name, min = 5) {
  if (name && process.env[name]) return Number(process.env[name]);
  return EMULATED ? Math.max(min, Math.ceil(n / 10)) : n;
}

module.exports = { EMULATED, runs };
