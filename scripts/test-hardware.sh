#!/usr/bin/env bash
# `npm run test:hardware [-- options]`: the hardware suite (test/hardware/), as CI rigs consume it.
# It writes, into the results folder: environment.json (the record of where it ran: backend,
# kernel, machine, facilities, vm.allocate_pgste, the KVM's answers, versions),
# hardware.junit.xml (JUnit XML), hardware.tap (TAP version 13) and hardware.summary.json; the
# console shows the environment, mocha's spec output and the tally line.
#   --results DIR       the results folder (KVM_TOD_HW_RESULTS; default test-results/hardware of
#                       the package); a relative DIR is taken from where npm was run
#   --backend kvm       (default) real s390x KVM (IBM Z, LinuxONE, the s390 box); where there is
#                       none every KVM check is a SKIP with the reason, and the exit status is 77
#   --backend double    the s390 kernel double, said in every title (an x86 CI checks the suite)
#   --require-kvm       (KVM_TOD_REQUIRE_HARDWARE=1) a missing s390x KVM, or a check that cannot
#                       run on it for want of its helper, fails instead (a dedicated KVM runner)
# Exit status: 0 every check ran and passed, or was skipped for a reason of the machine (no
# facility 139: each skip names it); 1 a check failed (or the suite could not run); 2 a usage
# error; 77 no s390x KVM here: every KVM check was skipped (automake's and kvm-unit-tests' SKIP).
set -uo pipefail
from=${INIT_CWD:-$PWD}
cd "$(dirname "$0")/.."

usage() {
  echo "test:hardware: $*; usage: npm run test:hardware -- [--results DIR] [--backend kvm|double] [--require-kvm]" >&2
  exit 2
}
results=${KVM_TOD_HW_RESULTS:-}
backend=kvm
while [ $# -gt 0 ]; do
  case $1 in
    --results) [ $# -ge 2 ] || usage "--results needs a folder"; results=$2; shift 2 ;;
    --results=*) results=${1#--results=}; shift ;;
    --backend) [ $# -ge 2 ] || usage "--backend needs kvm or double"; backend=$2; shift 2 ;;
    --backend=*) backend=${1#--backend=}; shift ;;
    --require-kvm) export KVM_TOD_REQUIRE_HARDWARE=1; shift ;;
    -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) usage "unknown option '$1'" ;;
  esac
done
case $backend in kvm | double) ;; *) usage "--backend $backend: expected kvm or double" ;; esac
[ -n "$results" ] || { results=$PWD/test-results/hardware; from=$PWD; }
case $results in /*) ;; *) results=$from/$results ;; esac
mkdir -p "$results" || { echo "test:hardware: cannot make $results"; exit 1; }
rm -f "$results"/hardware.* "$results"/environment.json

preload=
if [ "$backend" = double ]; then
  echo "test:hardware: *** BACKEND = the s390 kernel double, NOT real IBM Z hardware (--backend double) ***"
  preload=$(node -p "require('@kvm-tod/testkit/s390-double').build()") || exit 1
fi
[ -f dist/index.js ] || npm run --silent build:ts || exit 1
# A source build (build/Release) or, in an installed package, its prebuild: build only if neither.
node -e "require('node-gyp-build').path('.')" 2>/dev/null || npm run --silent build:native || exit 1

export KVM_TOD_HW_BACKEND=$backend
LD_PRELOAD="$preload" node test/hardware/environment.js "$results/environment.json" || exit 1
# One Node for what follows needs (each start costs seconds on an emulated CPU): the backend the
# record names, and mocha, the reporter and the tally printer wherever Node finds them (the
# repository's node_modules, or above an installed package: scripts/ibm-z-ci.sh), with no npx
# that could go to the registry.
# shellcheck disable=SC2046
set -- $(node -p "[require('$results/environment.json').backend,
  ...['mocha/bin/mocha.js', '@kvm-tod/testkit/ci-reporter', '@kvm-tod/testkit/print-tally'].map(require.resolve)]
  .join(' ')") || exit 1
kind=$1 mocha=$2 reporter=$3 print_tally=$4
[ "$kind" = none ] && echo "test:hardware: no s390x KVM here: every KVM check is a SKIP, with the reason"

outer_tally=${KVM_TOD_TALLY:-}  # .ci/run sums every script's runs from the file it exports
tally=$(mktemp)
trap 'rm -f "$tally"' EXIT
KVM_TOD_TALLY="$tally" KVM_TOD_SUITE_LABEL="hardware ($kind)" LD_PRELOAD="$preload" \
  KVM_TOD_RESULTS="$results" KVM_TOD_RESULTS_NAME=hardware KVM_TOD_RESULTS_PROPERTIES="$results/environment.json" \
  node "$mocha" --no-config --reporter "$reporter" --timeout 60000 'test/hardware/**/*.test.js'
mocha_status=$?
[ -n "$outer_tally" ] && cat "$tally" >> "$outer_tally"
node "$print_tally" "$tally" || mocha_status=1
echo "test:hardware: results in $results: environment.json, hardware.junit.xml, hardware.tap"
# The reporter's summary must exist and count no failure (mocha's status alone misses a crash).
grep -q '"failed": 0,' "$results/hardware.summary.json" 2>/dev/null || mocha_status=1
if [ "$mocha_status" != 0 ]; then exit 1; fi
if [ "$kind" = none ]; then
  echo "test:hardware: exit 77: skipped for want of an s390x KVM (--require-kvm makes that a failure)"
  exit 77
fi
exit 0
