#!/usr/bin/env bash
# `npm run test:s390x`: every package's mocha suite big-endian, on the official s390x Node
# under qemu-user, with the addon and the s390 kernel double cross-compiled for s390x.
# Under qemu-user every KVM ioctl is ENOSYS, so the double stands in for /dev/kvm.
#   - installs what is missing (apt): qemu-user-static, g++-s390x-linux-gnu,
#     linux-libc-dev-s390x-cross (the s390 <asm/kvm.h> the addon checks itself against);
#   - fetches node-linux-s390x@20 once (npm pack, ~40 MB download, 152 MB unpacked)
#     into .cache/s390x/ (git-ignored);
#   - builds into build/s390x/ (git-ignored): the addon with node-gyp, the double with
#     make, and scripts/qemu-exec-shim.c (binfmt_misc's job, for tests that spawn Node).
# Closes with the same tally line as scripts/test.sh.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out="$root/build/s390x"
started=$(date +%s)
# The toolchain, the s390x Node and the addon's cross-compile, shared with scripts/prebuild.sh.
. scripts/s390x-cross.sh

step() { echo; echo "==> $*"; }

step "tools: qemu-user-static, s390x cross compiler and kernel headers"
s390x_tools test:s390x qemu || exit 1

step "s390x Node.js ($s390x_node_pkg, cached in .cache/s390x)"
s390x_fetch_node test:s390x || exit 1
node390=$s390x_node
export QEMU_LD_PREFIX="$s390x_sysroot"
echo "$(qemu-s390x-static "$node390" --version) from $s390x_cache"

step "TypeScript (dist/)"
[ -f dist/index.js ] || npm run --silent build:ts || exit 1

step "cross-compile: the addon (node-gyp --arch=s390x, headers from the s390x Node)"
# node-gyp always builds into ./build, so it works on a copy of the sources (in
# build/s390x/gyp): the host addon in build/Release stays untouched.
s390x_build_addon test:s390x "$out" || exit 1
addon=$s390x_addon

step "cross-compile: the s390 kernel double"
double=$(node -p "require('@kvm-tod/testkit/s390-double').build({ cc: 's390x-linux-gnu-gcc', out: '$out/double' })") ||
  exit 1

step "cross-compile: the exec shim (s390x programs start s390x programs through qemu)"
mkdir -p "$out/exec"
s390x-linux-gnu-gcc -O2 -Wall -Wextra -Werror -shared -fPIC -o "$out/exec/qemu_exec_shim.so" \
  scripts/qemu-exec-shim.c -ldl || exit 1
export KVM_TOD_QEMU="$(command -v qemu-s390x-static)"

run390() { qemu-s390x-static -E LD_PRELOAD="$double $out/exec/qemu_exec_shim.so" "$node390" "$@"; }
step "suite: mocha on s390x under qemu-user"
KVM_TOD_ADDON="$addon" run390 -e 'const os = require("os");
  console.log(`running on: process.arch=${process.arch}, os.endianness()=${os.endianness()},` +
    ` node ${process.version}, addon ${process.env.KVM_TOD_ADDON}`);
  if (process.arch !== "s390x" || os.endianness() !== "BE") process.exit(1);' ||
  { echo "test:s390x: not running on big-endian s390x"; exit 1; }

outer_tally=${KVM_TOD_TALLY:-}  # .ci/run sums every script's runs from the file it exports
tally=$(mktemp)
trap 'rm -f "$tally"' EXIT
# mocha runs in-process (no node flags, so bin/mocha.js spawns no child Node).
# The selftest test compiles the double's selftest.c (@kvm-tod/testkit) with the cross gcc and runs it under qemu.
# qemu-user answers KVM ioctls with ENOSYS even on closed or non-KVM descriptors;
# KVM_TOD_EMULATED tells timing tests that every call is 10-50 times slower here.
# KVM_S390_DOUBLE_QEMU_ERRNO=1 has the double give the kernel's EBADF/ENOTTY instead.
# A test that starts process.execPath (an s390x binary) needs binfmt_misc, which this
# host may lack: the exec shim (scripts/qemu-exec-shim.c) runs it through $KVM_TOD_QEMU.
export KVM_S390_DOUBLE_QEMU_ERRNO=1 KVM_TOD_TALLY="$tally" KVM_TOD_ADDON="$addon" KVM_TOD_EXPECT_ARCH=s390x \
  KVM_TOD_EMULATED=qemu-user KVM_S390_DOUBLE_CC=s390x-linux-gnu-gcc KVM_S390_DOUBLE_RUNNER=qemu-s390x-static
label="s390x big-endian (qemu-user, kernel double)"
status=0
KVM_TOD_SUITE_LABEL="$label" run390 node_modules/mocha/bin/mocha.js || status=1
# Then each workspace package's own suite, in its folder (its .mocharc.json), as npm test runs them.
for dir in $(node -p "require('./package.json').workspaces.join(' ')"); do
  node -e 'process.exit(require(`./${process.argv[1]}/package.json`).scripts?.test ? 0 : 1)' "$dir" || continue
  step "suite: $dir on s390x under qemu-user"
  (cd "$dir" && KVM_TOD_SUITE_LABEL="$label · $(node -p "require('./package.json').name")" \
    run390 "$root/node_modules/mocha/bin/mocha.js") || status=1
done
[ -n "$outer_tally" ] && cat "$tally" >> "$outer_tally"
echo "test:s390x took $(( $(date +%s) - started )) s"
node_modules/.bin/kvm-tod-tally "$tally" || status=1
exit $status
