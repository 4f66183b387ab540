#!/bin/sh
# Runs inside the s390 box (see ../test-s390-kernel.sh): every check that needs the
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
# One mocha for every package's test/s390-kernel/ (npm itself takes minutes here).
part "every package's test/s390-kernel (mocha, KVM_TOD_REQUIRE_S390_KVM=1)" \
  env KVM_TOD_SUITE_LABEL="s390 kernel (real kvm.ko in the s390 box)" \
  node "$mocha" --no-config --reporter @kvm-tod/testkit/tally-reporter --timeout 120000 \
  'test/s390-kernel/**/*.test.js' '*/test/s390-kernel/**/*.test.js' 'vmm/*/test/s390-kernel/**/*.test.js'
# The script npm run test:hardware runs, without npm's own seconds here (the IBM Z jobs' steps
# below run it through npm).
part "scripts/test-hardware.sh (npm run test:hardware; JUnit, TAP, environment record: hardware/)" \
  bash scripts/test-hardware.sh --results "$out/hardware"
if [ -n "${IBM_Z_CI_TARBALL:-}" ]; then
  # Bounded, so that a stuck npm cannot take the tallies of the parts above with it.
  part "scripts/ibm-z-ci.sh --kvm (the dedicated KVM job's steps, from the packed tarball, offline)" \
    env IBM_Z_CI_RESULTS="$out/ibm-z-kvm" timeout 1800 bash scripts/ibm-z-ci.sh --kvm "$IBM_Z_CI_TARBALL"
  # The hosted runner has no /dev/kvm: hidden for this part (and put back after it, whatever happens).
  mv /dev/kvm /dev/kvm.hidden-for-the-hosted-job
  part "scripts/ibm-z-ci.sh --hosted (the hosted job's steps, /dev/kvm unavailable; library tests: test/double)" \
    env IBM_Z_CI_RESULTS="$out/ibm-z-hosted" IBM_Z_CI_LIBRARY_TESTS='test/double/**/*.test.js' \
    timeout 1800 bash scripts/ibm-z-ci.sh --hosted "$IBM_Z_CI_TARBALL"
  mv /dev/kvm.hidden-for-the-hosted-job /dev/kvm
fi
echo "whole suite $(awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f", b - a }') s" \
  >>"$out/times"
exit $status
