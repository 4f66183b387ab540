#!/usr/bin/env bash
# `npm run test:hardware`: the hardware suite (test/hardware/). On an s390x host with
# /dev/kvm (IBM Z CI) it runs against real KVM and requires it; anywhere else it runs
# the same tests against the s390 kernel double and says so first, and in every title.
# Closes with the same tally line as scripts/test.sh.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ "$(uname -m)" = s390x ] && [ -c /dev/kvm ]; then
  echo "test:hardware: BACKEND = real s390x KVM (/dev/kvm, $(uname -r));" \
    "anything else fails (KVM_TOD_REQUIRE_HARDWARE=1)"
  export KVM_TOD_REQUIRE_HARDWARE=1
  preload=
else
  echo "test:hardware: *** BACKEND = the s390 kernel double, NOT real IBM Z hardware ***" \
    "($(uname -m) host$([ -c /dev/kvm ] || echo ", no /dev/kvm")):" \
    "this proves the suite and the library against a model of the kernel, not the kernel"
  preload=$(node -p "require('@kvm-tod/testkit/s390-double').build()") || exit 1
fi

[ -f dist/index.js ] || npm run --silent build:ts || exit 1
# A source build (build/Release) or, in an installed package, its prebuild: build only if neither.
node -e "require('node-gyp-build').path('.')" 2>/dev/null || npm run --silent build:native || exit 1

outer_tally=${KVM_TOD_TALLY:-}  # .ci/run sums every script's runs from the file it exports
tally=$(mktemp)
trap 'rm -f "$tally"' EXIT
# mocha wherever Node finds it: the repository's node_modules, or above an installed package
# (scripts/ibm-z-ci.sh), with no npx that could go to the registry.
label="hardware ($([ -n "$preload" ] && echo "s390 kernel double, NOT hardware" || echo "s390x KVM"))"
KVM_TOD_TALLY="$tally" KVM_TOD_SUITE_LABEL="$label" LD_PRELOAD="$preload" \
  node "$(node -p "require.resolve('mocha/bin/mocha.js')")" --no-config \
    --reporter @kvm-tod/testkit/tally-reporter --timeout 60000 'test/hardware/**/*.test.js'
status=$?
[ -n "$outer_tally" ] && cat "$tally" >> "$outer_tally"
node "$(node -p "require.resolve('@kvm-tod/testkit/print-tally')")" "$tally" || status=1
exit $status
