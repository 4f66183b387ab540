#!/usr/bin/env bash
# The IBM Z CI job, as shell steps any CI can run on an s390x host with KVM (LinuxONE,
# an IBM Z LPAR or a z/VM guest with /dev/kvm): installs kvm-tod from its packed tarball
# (`npm pack` on any build machine: it carries the linux-s390x prebuild) with no compiler
# involved, then runs the unchanged hardware suite (`npm run test:hardware`) against the
# installed package. .github/workflows/ibm-z.yml runs exactly this.
#   bash scripts/ibm-z-ci.sh <kvm-tod-x.y.z.tgz>     (from a checkout of the same commit)
# Needs Node >= 18 with npm, and mocha from the registry (or from an npm cache with
# npm_config_offline=true, as the s390 box does). Exit status: the suite's, 1 on a setup failure.
set -eu
tarball=${1:?usage: bash scripts/ibm-z-ci.sh <kvm-tod-x.y.z.tgz>}
case $tarball in /*) ;; *) tarball="$PWD/$tarball" ;; esac
repo=$(cd "$(dirname "$0")/.." && pwd)
fail() { echo "ibm-z-ci: $*" >&2; exit 1; }

echo "==> host: $(uname -srm), node $(node --version), npm $(npm --version)"
[ "$(uname -m)" = s390x ] || fail "this is $(uname -m): the job is for an s390x host (IBM Z, LinuxONE)"
[ -c /dev/kvm ] || fail "no /dev/kvm: KVM is not enabled on this host (or this user cannot see it)"

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

echo "==> npm run test:hardware, against the installed package"
# The suite and its script come from the checkout; the package under test is the installed one.
# @kvm-tod/testkit (the gates, the tally) comes from the checkout too, beside the package.
mkdir -p "$pkg/test" "$pkg/scripts" "$work/node_modules/@kvm-tod"
cp -r "$repo/test/hardware" "$pkg/test/"
cp -r "$repo/testkit" "$work/node_modules/@kvm-tod/testkit"
cp "$repo/scripts/test-hardware.sh" "$pkg/scripts/"
cd "$pkg"
npm run test:hardware
