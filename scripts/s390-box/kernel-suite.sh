#!/bin/sh
# Runs inside the s390 box (see scripts/test-s390-kernel.sh): every check that needs the
# real s390 kvm.ko, in one boot. Tallies go to $S390_BOX_OUT/tally, which comes back to
# the host; timings to $S390_BOX_OUT/times. Exit status: 1 if any part failed.
cd "$(dirname "$0")/../.." || exit 1
out=${S390_BOX_OUT:?S390_BOX_OUT must be set}
export KVM_TOD_TALLY="$out/tally"
status=0
t0=$(cut -d' ' -f1 /proc/uptime)
part() {  # NAME COMMAND...: runs one part, notes its time and whether it passed
  name=$1
  shift
  echo
  echo "==> $name"
  start=$(cut -d' ' -f1 /proc/uptime)
  "$@" || { status=1; echo "*** $name failed"; }
  echo "$name $(awk -v a="$start" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f", b - a }') s" \
    >>"$out/times"
}
echo "s390 box: $(uname -srm), node $(node --version), $(grep -m1 '^features' /proc/cpuinfo)"
mocha=$(node -p "require.resolve('mocha/bin/mocha.js')")
part "test/s390-kernel (mocha, KVM_TOD_REQUIRE_S390_KVM=1)" \
  env KVM_TOD_SUITE_LABEL="s390 kernel (real kvm.ko in the s390 box)" \
  node "$mocha" --no-config --reporter ./test/helpers/tally-reporter.js --timeout 120000 'test/s390-kernel/**/*.test.js' \
  'vmm/s390-linux/test/s390-kernel/*.test.js'
part "npm run test:hardware (unchanged)" npm run --silent test:hardware
if [ -n "${IBM_Z_CI_TARBALL:-}" ]; then
  # Bounded, so that a stuck npm cannot take the tallies of the parts above with it.
  part "scripts/ibm-z-ci.sh (the IBM Z CI job's steps, from the packed tarball, offline)" \
    timeout 1800 bash scripts/ibm-z-ci.sh "$IBM_Z_CI_TARBALL"
fi
echo "whole suite $(awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f", b - a }') s" \
  >>"$out/times"
exit $status
