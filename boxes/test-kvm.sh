#!/usr/bin/env bash
# `npm run test:kvm`: the real-KVM tests of every package (each one's test/kvm/) inside the
# KVM box (kvm-box.sh, kvm-box.md), one boot for both builds of the addon (node-gyp, then cmake-js), with
# KVM_TOD_REQUIRE_KVM=1 so that a missing /dev/kvm fails them. Closes with the tally line;
# fails when any test failed or was skipped (2 when the box itself failed).
# KVM_TOD_KVM_BUILDS="node-gyp" runs one build.
set -uo pipefail
cd "$(dirname "$0")/.."
builds=${KVM_TOD_KVM_BUILDS:-node-gyp cmake-js}
addon_of() {
  case $1 in
    node-gyp) echo build/Release/kvm_tod.node ;;
    cmake-js) echo build-cmake/Release/kvm_tod.node ;;
  esac
}

if [ "${1:-}" = --in-box ]; then
  # Inside the box: the builds are the host's (the same tree, over 9p).
  status=0
  # The Linux guest's boots take minutes each: they run on the first build only (they test
  # the project's VMM and the policy, which the other files run on every build).
  linux_build=${builds%% *}
  for build in $builds; do
    echo; echo "==> every package's test/kvm/: $build ($(addon_of "$build")), inside the KVM box"
    ignore=()
    [ "$build" = "$linux_build" ] || ignore=(--ignore 'vmm/linux/test/kvm/**')
    # One mocha for all packages (npm itself costs seconds a command in the box); each test
    # file finds the packages it needs by name, from where it is.
    KVM_TOD_REQUIRE_KVM=1 KVM_TOD_SUITE_LABEL="kvm: $build" KVM_TOD_ADDON="$(addon_of "$build")" \
      node_modules/.bin/mocha --no-config --reporter @kvm-tod/testkit/tally-reporter --timeout 300000 --slow 20000 \
      "${ignore[@]}" 'test/kvm/**/*.test.js' '*/test/kvm/**/*.test.js' 'vmm/*/test/kvm/**/*.test.js' || status=1
  done
  exit $status
fi

step() { echo; echo "==> $*"; }
outer_tally=${KVM_TOD_TALLY:-}  # .ci/run sums every script's runs from the file it exports
mkdir -p .cache/kvm-box
# The tally file must be where the box sees it too: the repository, not the host's /tmp.
tally=$(mktemp "$PWD/.cache/kvm-box/tally.XXXXXX")
trap 'rm -f "$tally"' EXIT

step "build: TypeScript and the addon ($builds)"
npm run --silent build:ts || exit 1
for build in $builds; do
  case $build in
    node-gyp)
      if [ -f build/Makefile ]; then
        npm run --silent build:native:incremental >/dev/null 2>&1 || npm run --silent build:native
      else
        npm run --silent build:native
      fi || exit 1
      ;;
    cmake-js) npm run --silent build:cmake >/dev/null || { echo "cmake-js build failed"; exit 1; } ;;
    *) echo "unknown build '$build' in KVM_TOD_KVM_BUILDS"; exit 1 ;;
  esac
done

step "the KVM box: every package's test/kvm/ on real KVM"
start=$(date +%s)
# Every test prints within a few minutes (the longest, a Linux guest's, takes about one):
# five silent minutes are a box that stopped, which the box then reports as its failure (2).
KVM_BOX_STALL=${KVM_BOX_STALL:-300} KVM_TOD_TALLY="$tally" KVM_TOD_KVM_BUILDS="$builds" \
  bash boxes/kvm-box.sh bash boxes/test-kvm.sh --in-box
box_status=$?
echo "test:kvm: $(($(date +%s) - start)) s in the box (boot included), exit status $box_status"

status=0
[ "$box_status" = 0 ] || status=1
# Zero skipped: inside the box every real-KVM test must run.
node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map(JSON.parse);
  const want = process.argv[2].split(" ").map((b) => `kvm: ${b}`);
  const missing = want.filter((l) => !lines.some((x) => x.label === l));
  const skipped = lines.filter((x) => x.pending > 0);
  if (missing.length) console.error(`test:kvm: no tally for ${missing.join(", ")}`);
  for (const x of skipped) console.error(`test:kvm: ${x.label}: ${x.pending} skipped inside the box`);
  process.exit(missing.length || skipped.length ? 1 : 0);' "$tally" "$builds" || status=1
# A box that failed (2) is booted again by .ci/run: its partial tally would count twice.
[ "$box_status" != 2 ] && [ -n "$outer_tally" ] && cat "$tally" >> "$outer_tally"
node_modules/.bin/kvm-tod-tally "$tally" || status=1
# 2, as the box says, when the box itself failed (it could not boot, its kernel locked up, or
# it stalled).
[ "$box_status" = 2 ] && exit 2
exit $status
