#!/usr/bin/env bash
# The README's test command (`npm test`): the whole mocha suite once per build of
# the addon (node-gyp, then cmake-js), closing with one tally line.
set -uo pipefail
cd "$(dirname "$0")/.."

tally=$(mktemp)
trap 'rm -f "$tally"' EXIT
status=0

step() { echo; echo "==> $*"; }

step "build: TypeScript, node-gyp addon"
npm run --silent build:ts || exit 1
[ -f build/Release/kvm_tod.node ] || npm run --silent build:native || exit 1

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

node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").filter(Boolean).map(JSON.parse);
  const sum = (k) => lines.reduce((n, l) => n + l[k], 0);
  for (const l of lines) console.log(`  ${l.label}: ${l.passes} passed, ${l.failures} failed, ${l.pending} skipped`);
  console.log(`tests: ${sum("passes")} passed, ${sum("failures")} failed, ${sum("pending")} skipped`);
' "$tally"
exit $status
