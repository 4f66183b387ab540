#!/usr/bin/env bash
# The IBM Z CI jobs, as shell steps any CI can run on s390x, from a checkout of the commit and the
# packed tarball (`npm pack` on any build machine: it carries the linux-s390x prebuild). No
# compiler is involved: the package is installed from the tarball, its addon must be the prebuild.
# .github/workflows/ibm-z.yml runs exactly this, in two jobs (docs/s390-testing.md):
#   bash scripts/ibm-z-ci.sh --kvm <kvm-tod-x.y.z.tgz>     a dedicated s390x host with KVM
#     (LinuxONE, an IBM Z LPAR or a z/VM guest): /dev/kvm and vm.allocate_pgste=1 required; the
#     hardware suite against the installed package with every KVM check required (--require-kvm).
#   bash scripts/ibm-z-ci.sh --hosted <kvm-tod-x.y.z.tgz>  IBM's hosted ubuntu-24.04-s390x runner
#     (an LXD container: no /dev/kvm): the library's own tests natively on s390x Node, big-endian,
#     with the tarball's addon (from the checkout, whose devDependencies `npm ci --ignore-scripts`
#     installed), then the hardware suite, which skips every KVM check with the reason (its exit
#     77 is this job's pass: there is no KVM to test).
# Environment:
#   IBM_Z_CI_RESULTS        the results folder (default ./ibm-z-results): hardware/ (the environment
#                           record, JUnit XML, TAP 13) and, --hosted, library/ (JUnit XML, TAP 13)
#   IBM_Z_CI_DOUBLE         --hosted: the s390 kernel double built for s390x (the pack job
#                           cross-builds it), for the library's tests of test/double/
#   IBM_Z_CI_LIBRARY_TESTS  --hosted: the library's test files (default: all, test/**/*.test.js)
#   IBM_Z_CI_STCK           @kvm-tod/vmm-s390-stck with its s390x addon, for the STCK checks
#                           (default: the checkout's vmm/s390-stck when its dist/ and addon are built)
#   IBM_Z_CI_MOCHA_FROM     a node_modules with mocha, instead of installing mocha (the s390 box)
# Needs Node >= 18 with npm, and mocha from the registry (or an npm cache with
# npm_config_offline=true, as the s390 box does). Exit status: the job's verdict (0 passed),
# 1 a failure, 2 a usage error.
set -eu
usage() { echo "usage: bash scripts/ibm-z-ci.sh --kvm|--hosted <kvm-tod-x.y.z.tgz>" >&2; exit 2; }
mode=kvm
case ${1:-} in --kvm | --hosted) mode=${1#--}; shift ;; -*) usage ;; esac
[ $# = 1 ] || usage
tarball=$1
case $tarball in /*) ;; *) tarball="$PWD/$tarball" ;; esac
results=${IBM_Z_CI_RESULTS:-$PWD/ibm-z-results}
case $results in /*) ;; *) results="$PWD/$results" ;; esac
repo=$(cd "$(dirname "$0")/.." && pwd)
fail() { echo "ibm-z-ci: $*" >&2; exit 1; }

echo "==> host: $(uname -srm), node $(node --version), npm $(npm --version); job: $mode"
[ "$(uname -m)" = s390x ] || fail "this is $(uname -m): the job is for an s390x host (IBM Z, LinuxONE)"
if [ "$mode" = kvm ]; then
  [ -c /dev/kvm ] || fail "no /dev/kvm: KVM is not enabled on this host (or this user cannot see it)"
  pgste=$(cat /proc/sys/vm/allocate_pgste 2>/dev/null || echo unreadable)
  echo "vm.allocate_pgste: $pgste"
  # A node started while it is 0 cannot create a VM (KVM_CREATE_VM is EINVAL): see README, "On IBM Z".
  [ "$pgste" = 1 ] || fail "vm.allocate_pgste is $pgste: node cannot create a VM here. Run" \
    "'sudo sysctl -w vm.allocate_pgste=1' (and keep it in /etc/sysctl.d/) before the job's node starts"
else
  [ ! -e /dev/kvm ] || echo "note: this host has /dev/kvm; --hosted runs the hardware suite without requiring it"
fi
mkdir -p "$results"

echo "==> install $(basename "$tarball") into a fresh project, building nothing"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mocha_version=$(node -p "require('$repo/node_modules/mocha/package.json').version" 2>/dev/null \
  || node -p "require('$repo/package.json').devDependencies.mocha")
cd "$work"
npm init -y >/dev/null
# IBM_Z_CI_MOCHA_FROM=<a node_modules with mocha>: take the suite's runner from there
# instead of installing it (the s390 box does, where the emulated npm takes minutes for
# mocha's ~90 packages). The package under test is always installed from the tarball.
extra="mocha@$mocha_version"
if [ -n "${IBM_Z_CI_MOCHA_FROM:-}" ]; then
  export NODE_PATH="$IBM_Z_CI_MOCHA_FROM"
  extra=
fi
# build_from_source=false: node-gyp-build must find the prebuild; a compile would fail the check below.
# shellcheck disable=SC2086
npm_config_build_from_source=false npm install --no-audit --no-fund "$tarball" $extra
pkg="$work/node_modules/kvm-tod"
[ ! -d "$pkg/build" ] ||
  fail "the install compiled the addon ($pkg/build exists): the linux-s390x prebuild was not used"
addon=$(cd "$pkg" && node -p "require('node-gyp-build').path('.')")
case $addon in
  */prebuilds/linux-s390x/*) echo "addon: $addon" ;;
  *) fail "the addon in use is $addon, not the linux-s390x prebuild" ;;
esac
node -e "const k = require('kvm-tod'); console.log('kvm-tod loads:', typeof k.GuestClock, 'GuestClock')"

status=0
if [ "$mode" = hosted ]; then
  echo "==> the library's tests on this s390x Node (big-endian), with the tarball's addon"
  double=${IBM_Z_CI_DOUBLE:-}
  [ -z "$double" ] || [ -f "$double" ] || fail "IBM_Z_CI_DOUBLE=$double: no such file"
  [ -n "$double" ] || echo "no IBM_Z_CI_DOUBLE: the tests of the s390 kernel double skip, each with the reason"
  # The patterns are split on spaces and left to mocha to expand (set -f: not the shell).
  set -f
  # shellcheck disable=SC2086
  (cd "$repo" && KVM_TOD_ADDON="$addon" KVM_TOD_EXPECT_ARCH=s390x LD_PRELOAD="$double" \
    KVM_TOD_RESULTS="$results/library" KVM_TOD_RESULTS_NAME=library KVM_TOD_SUITE_LABEL="library (s390x Node)" \
    node "$(node -p "require.resolve('mocha/bin/mocha.js')")" --no-config --timeout 120000 \
    --reporter "$repo/testkit/ci-reporter.js" ${IBM_Z_CI_LIBRARY_TESTS:-test/**/*.test.js}) || status=1
  set +f
fi

echo "==> npm run test:hardware, against the installed package"
# The suite and its script come from the checkout; the package under test is the installed one.
# @kvm-tod/testkit (the checks, the gates, the reports) comes from the checkout too, beside the
# package, and so does the STCK guest (@kvm-tod/vmm-s390-stck) where its s390x addon is built.
mkdir -p "$pkg/test" "$pkg/scripts" "$work/node_modules/@kvm-tod"
cp -r "$repo/test/hardware" "$pkg/test/"
cp -r "$repo/testkit" "$work/node_modules/@kvm-tod/testkit"
cp "$repo/scripts/test-hardware.sh" "$pkg/scripts/"
stck=${IBM_Z_CI_STCK:-$repo/vmm/s390-stck}
if [ -f "$stck/dist/index.js" ] && ls "$stck"/build/*/s390_stck.node >/dev/null 2>&1; then
  mkdir -p "$work/node_modules/@kvm-tod/vmm-s390-stck"
  cp -r "$stck/package.json" "$stck/dist" "$stck/build" "$work/node_modules/@kvm-tod/vmm-s390-stck/"
  echo "the STCK guest: $(ls "$stck"/build/*/s390_stck.node)"
else
  echo "no STCK guest built in $stck (dist/ and build/*/s390_stck.node): its checks say so"
fi
cd "$pkg"
hw=0
if [ "$mode" = kvm ]; then
  npm run test:hardware -- --results "$results/hardware" --require-kvm || hw=$?
else
  npm run test:hardware -- --results "$results/hardware" || hw=$?
  # No KVM on a hosted runner: 77 (every KVM check skipped, with the reason) is what it can give.
  if [ "$hw" = 77 ]; then
    echo "ibm-z-ci: the hardware suite skipped its KVM checks (no /dev/kvm here), as expected"
    hw=0
  fi
fi
[ "$hw" = 0 ] || status=1
echo "ibm-z-ci: results in $results: $(cd "$results" && find . -type f | sort | tr '\n' ' ')"
exit $status
