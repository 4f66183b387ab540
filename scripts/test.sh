#!/usr/bin/env bash
# The README's test command (`npm test`): every package's mocha suite (the library's test/,
# then each workspace package's own), once per build of the library's addon (node-gyp, then
# cmake-js), closing with one tally line.
set -uo pipefail
cd "$(dirname "$0")/.."

outer_tally=${KVM_TOD_TALLY:-}  # .ci/run sums every script's runs from the file it exports
tally=$(mktemp)
trap 'rm -f "$tally"' EXIT
status=0

step() { echo; echo "==> $*"; }

step "build: TypeScript of every package, the node-gyp addons"
npm run --silent build:ts || exit 1
# node-gyp build is incremental (make); a first build needs configure too.
if [ -f build/Makefile ]; then
  npm run --silent build:native:incremental >/dev/null 2>&1 || npm run --silent build:native
else
  npm run --silent build:native
fi || exit 1
# The VMMs' and the bench's addons are built when the workspace is installed; build any missing.
for pkg in vmm/x86-tiny vmm/linux; do
  [ -d "$pkg/build" ] || npm run --silent build:native -w "$pkg" >/dev/null || exit 1
done

step "build: s390 kernel double (@kvm-tod/testkit, host cc)"
# Preloaded into every mocha run below; inert unless a test sets KVM_S390_DOUBLE=1.
double=$(node -p "require('@kvm-tod/testkit/s390-double').build()") ||
  { echo "s390 kernel double build failed"; exit 1; }

step "build: cmake-js addon"
npm run --silent build:cmake >/dev/null || { echo "cmake-js build failed"; exit 1; }

suite() {  # label addon
  step "suite: $1 ($2): the library"
  export KVM_TOD_TALLY="$tally" KVM_TOD_SUITE_LABEL="$1" KVM_TOD_ADDON="$PWD/$2" LD_PRELOAD="$double"
  npx mocha || status=1
  step "suite: $1 ($2): each workspace package"
  npm test --workspaces --if-present || status=1
  unset KVM_TOD_TALLY KVM_TOD_SUITE_LABEL KVM_TOD_ADDON LD_PRELOAD
}

suite node-gyp build/Release/kvm_tod.node
suite cmake-js build-cmake/Release/kvm_tod.node

[ -n "$outer_tally" ] && cat "$tally" >> "$outer_tally"
node_modules/.bin/kvm-tod-tally "$tally" || status=1
exit $status
