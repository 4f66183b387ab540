#!/usr/bin/env bash
# The README's test command (`npm test`): the whole mocha suite once per build of
# the addon (node-gyp, then cmake-js), closing with one tally line.
set -uo pipefail
cd "$(dirname "$0")/.."

outer_tally=${KVM_TOD_TALLY:-}  # .ci/run sums every script's runs from the file it exports
tally=$(mktemp)
trap 'rm -f "$tally"' EXIT
status=0

step() { echo; echo "==> $*"; }

step "build: TypeScript, node-gyp addon"
npm run --silent build:ts || exit 1
# node-gyp build is incremental (make); a first build needs configure too.
if [ -f build/Makefile ]; then
  npm run --silent build:native:incremental >/dev/null 2>&1 || npm run --silent build:native
else
  npm run --silent build:native
fi || exit 1

step "build: s390 kernel double (test/double, host cc)"
# Preloaded into every mocha run below; inert unless a test sets KVM_S390_DOUBLE=1.
make -s -C test/double OUT="$PWD/build/double" || { echo "s390 kernel double build failed"; exit 1; }
double="$PWD/build/double/s390_kvm_double.so"

step "build: cmake-js addon"
npm run --silent build:cmake >/dev/null || { echo "cmake-js build failed"; exit 1; }

suite() {  # label addon
  step "suite: $1 ($2)"
  KVM_TOD_TALLY="$tally" KVM_TOD_SUITE_LABEL="$1" KVM_TOD_ADDON="$2" LD_PRELOAD="$double" npx mocha || status=1
}

suite node-gyp build/Release/kvm_tod.node
suite cmake-js build-cmake/Release/kvm_tod.node

[ -n "$outer_tally" ] && cat "$tally" >> "$outer_tally"
node scripts/print-tally.js "$tally" || status=1
exit $status
