#!/usr/bin/env bash
# `npm run test:package`: the package as a user gets it (test/package/package.test.js):
# `npm pack` (prepack builds both prebuilds, scripts/prebuild.sh), the tarball's exact
# contents, `npm install` of it with no compiler on PATH, require and import of the
# installed copy, the linux-s390x prebuild under qemu-user with the s390x Node, and the
# fallback build from the shipped sources. Slow (pack, installs, a cross-compile), so it
# is a script of its own that CI runs, not part of `npm test`.
# Closes with the same tally line as scripts/test.sh.
set -uo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
. scripts/s390x-cross.sh

echo "==> test:package: tools (the s390x cross toolchain for the prebuild, qemu-user-static to load it)"
s390x_tools test:package qemu || exit 1
s390x_fetch_node test:package || exit 1

outer_tally=${KVM_TOD_TALLY:-}  # .ci/run sums every script's runs from the file it exports
tally=$(mktemp)
trap 'rm -f "$tally"' EXIT
# No LD_PRELOAD double and no KVM_TOD_ADDON: the installed package must find its own addon.
env -u LD_PRELOAD -u KVM_TOD_ADDON KVM_TOD_PACKAGE_TEST=1 KVM_TOD_S390X_NODE="$s390x_node" \
  QEMU_LD_PREFIX="$s390x_sysroot" KVM_TOD_TALLY="$tally" \
  KVM_TOD_SUITE_LABEL="package (npm pack, install without a compiler)" \
  npx mocha --no-config --reporter @kvm-tod/testkit/tally-reporter --timeout 240000 --slow 20000 \
    --grep 'package tarball' test/package/package.test.js
status=$?
[ -n "$outer_tally" ] && cat "$tally" >> "$outer_tally"
echo "test:package took $(( $(date +%s) - started )) s"
node_modules/.bin/kvm-tod-tally "$tally" || status=1
exit $status
