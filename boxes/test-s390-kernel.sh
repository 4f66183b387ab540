#!/usr/bin/env bash
# `npm run test:s390-kernel`: everything that needs the real s390 kvm.ko, in ONE boot of
# the s390 box (s390-box.sh): every package's test/s390-kernel/ (the library's TOD ioctls
# and their errnos, GuestClock, migration between two VMs, many VMs, PGSTE; the STCK guest;
# the kvm-tod command), the hardware suite (`npm run test:hardware`: its JUnit, TAP and
# environment record come back), and the two IBM Z CI jobs' steps (scripts/ibm-z-ci.sh --kvm,
# and --hosted with /dev/kvm made unavailable) on the packed tarball, installed offline from
# an npm cache filled here. Closes with the tally line of npm test; KVM_TOD_TALLY as there.
#   S390_KERNEL_IBM_Z_CI=0  leave out the IBM Z CI job's steps (minutes of emulated npm).
#   S390_KERNEL_KEEP=DIR  keep what came back from the guest (tally, times, the text
#                         output of kvm-tod probe and demo, the hardware suite's and the
#                         IBM Z jobs' results) in DIR.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$(date +%s)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/out"

pack_ok=
# S390_KERNEL_IBM_Z_CI=0 leaves out the IBM Z CI job's steps: their offline npm install
# alone takes ~9 minutes of the emulated CPU, so .ci/run leaves them to a run by hand.
if [ "${S390_KERNEL_IBM_Z_CI:-1}" = 0 ]; then
  echo "==> the IBM Z CI job's steps: left out (S390_KERNEL_IBM_Z_CI=0)"
  ibm_z=skip
else
  echo "==> the IBM Z CI job's input: npm pack (prebuilds for linux-x64 and linux-s390x), an npm cache for its install"
fi
if [ "${ibm_z:-}" = skip ]; then
  pack_ok=skip
elif npm pack --silent --pack-destination "$work" >"$work/pack.log" 2>&1; then
  tarball=$(ls "$work"/kvm-tod-*.tgz)
  # The guest has no network: npm installs there from this cache, offline. mocha comes
  # from this checkout's node_modules (IBM_Z_CI_MOCHA_FROM), not from the cache.
  mkdir -p "$work/npm-install"
  if (cd "$work/npm-install" && npm init -y >/dev/null &&
    npm install --cache "$work/npm-cache" --no-audit --no-fund --ignore-scripts \
      "$tarball" >"$work/cache.log" 2>&1); then
    pack_ok=1
    echo "$(basename "$tarball"), npm cache $(du -sh "$work/npm-cache" | cut -f1) (the package's dependencies)"
  else
    tail -20 "$work/cache.log"; echo "test:s390-kernel: filling the npm cache failed"
  fi
else
  tail -20 "$work/pack.log"; echo "test:s390-kernel: npm pack failed"
fi
rm -rf "$work/npm-install"
packed=$(( $(date +%s) - started ))

# The PT_S390_PGSTE route (test/s390-kernel/pgste.test.js): examples/s390-pgste-launcher.c linked
# with --s390-pgste for s390x; and, for the hosted IBM Z job's library tests, the double for s390x.
. scripts/s390x-cross.sh
s390x_tools test:s390-kernel >/dev/null || echo "test:s390-kernel: the s390x cross toolchain is missing"
launcher="$work/pgste-exec"
if s390x-linux-gnu-gcc -O2 -Wl,--s390-pgste -o "$launcher" examples/s390-pgste-launcher.c &&
  s390x-linux-gnu-readelf -lW "$launcher" | grep -q S390_PGSTE; then
  echo "the --s390-pgste launcher: $(s390x-linux-gnu-readelf -lW "$launcher" | grep S390_PGSTE | tr -s ' ')"
else
  echo "test:s390-kernel: building the --s390-pgste launcher failed"; launcher=
fi
build_double="require('@kvm-tod/testkit/s390-double').build({ out: '$work/double', cc: 's390x-linux-gnu-gcc' })"
double390=$(node -p "$build_double") || { echo "test:s390-kernel: cross-building the s390 double failed"; double390=; }

echo "==> the s390 box: one boot for all of it"
box_files=$launcher
box_env=(S390_PGSTE_LAUNCHER="$launcher")
if [ "$pack_ok" = 1 ]; then
  box_files="$box_files:$tarball:$work/npm-cache:$double390"
  box_env+=(IBM_Z_CI_TARBALL="$tarball" IBM_Z_CI_MOCHA_FROM="$root/node_modules" IBM_Z_CI_DOUBLE="$double390"
    npm_config_cache="$work/npm-cache" npm_config_offline=true)
fi
# An hour: npm on the emulated CPU takes minutes per command, and the machine may be shared.
S390_BOX_TIMEOUT=${S390_BOX_TIMEOUT:-3600} S390_BOX_OUT="$work/out" S390_BOX_FILES="$box_files" \
  bash boxes/s390-box.sh env "${box_env[@]}" sh boxes/s390-box/kernel-suite.sh
box_status=$?
status=$box_status
[ -n "$pack_ok" ] || status=1
[ -f "$work/out/tally" ] || { echo "test:s390-kernel: no tally came back from the box"; status=1; }
# A box that failed (2) is booted again by .ci/run: its partial tally would count twice.
[ "$box_status" != 2 ] && [ -n "${KVM_TOD_TALLY:-}" ] && [ -f "$work/out/tally" ] &&
  cat "$work/out/tally" >>"$KVM_TOD_TALLY"
if [ -n "${S390_KERNEL_KEEP:-}" ]; then mkdir -p "$S390_KERNEL_KEEP" && cp -r "$work/out/." "$S390_KERNEL_KEEP/"; fi
echo
echo "times inside the guest:"; sed 's/^/  /' "$work/out/times" 2>/dev/null
echo "test:s390-kernel took $(( $(date +%s) - started )) s (npm pack and the cache: $packed s)"
node_modules/.bin/kvm-tod-tally "$work/out/tally" || status=1
# 2, as the box says, when the box itself failed (it could not boot, or ran out of time).
[ "$box_status" = 2 ] && exit 2
exit $status
