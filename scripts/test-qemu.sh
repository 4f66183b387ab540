#!/usr/bin/env bash
# `npm run test:qemu`: QEMU judges the library's migration bytes (test/qemu/, docs/qemu-judge.md).
# A real qemu-system-s390x (TCG, no KVM needed) writes its "todclock" section for the
# library to decode, and loads the library's own section spliced into its stream.
#   - installs Debian's qemu-system-misc (qemu-system-s390x) where it is missing, as the
#     boxes install what they need; where it cannot (not root and no sudo, no apt), the
#     tests skip and say why;
#   - runs test/qemu/ with mocha, closing with the same tally line as scripts/test.sh.
set -uo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

step() { echo; echo "==> $*"; }

if ! command -v qemu-system-s390x >/dev/null; then
  step "install: qemu-system-misc (Debian's qemu-system-s390x)"
  sudo=
  [ "$(id -u)" = 0 ] || sudo=sudo
  if [ -z "$sudo" ] || command -v sudo >/dev/null; then
    { $sudo apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends qemu-system-misc; } \
      || echo "test:qemu: apt-get install qemu-system-misc failed: the tests will skip"
  else
    echo "test:qemu: not root and no sudo: qemu-system-misc cannot be installed; the tests will skip"
  fi
fi
command -v qemu-system-s390x >/dev/null && echo "$(qemu-system-s390x --version | head -1)"

step "build: TypeScript (dist/)"
[ -f dist/index.js ] || npm run --silent build:ts || exit 1

outer_tally=${KVM_TOD_TALLY:-} # .ci/run sums every script's runs from the file it exports
tally=$(mktemp)
trap 'rm -f "$tally"' EXIT
step "suite: test/qemu"
KVM_TOD_TALLY="$tally" KVM_TOD_SUITE_LABEL="qemu-system-s390x" npx mocha --config test/qemu/mocharc.json
status=$?
[ -n "$outer_tally" ] && cat "$tally" >> "$outer_tally"
echo "test:qemu took $(($(date +%s) - started)) s"
node_modules/.bin/kvm-tod-tally "$tally" || status=1
exit $status
