#!/usr/bin/env bash
# `npm run prebuild` (and `prepack`, so `npm pack` and `npm publish` ship them): the
# prebuilt addons that let `npm install kvm-tod` work without a compiler:
#   prebuilds/linux-x64/node.napi.node     node-gyp on this (x86_64) host
#   prebuilds/linux-s390x/node.napi.node   cross-compiled exactly as `npm run test:s390x`
#                                          does (scripts/s390x-cross.sh)
# node-gyp-build (lib/native.ts, the `install` script) picks the one for the platform and
# arch it runs on; "napi" in the name means any Node with Node-API 8 (Node >= 18).
# Both are built from scratch in build/prebuild/ (git-ignored), stripped, and checked to be
# ELF shared objects for the right machine. Any failure, a missing s390x cross toolchain
# included, stops this script with a non-zero status, and with it `npm pack`: a package
# never goes out with one prebuild missing. It installs nothing (no apt-get behind the
# packer's back): a missing tool is named, with the command that installs it.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out="$root/build/prebuild"
started=$(date +%s)
. scripts/s390x-cross.sh

step() { echo; echo "==> prebuild: $*"; }
fail() { echo "prebuild: *** $* ***" >&2; exit 1; }

[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || fail "builds on linux x86_64 only (this is $(uname -s) $(uname -m))"

# Packing installs nothing: a missing tool is named up front, and packing stops (the test
# scripts, test:package and test:s390x, install what they need themselves).
missing=$(s390x_missing)
[ -z "$missing" ] || fail "the linux-s390x prebuild needs the Debian packages: $missing
  (apt-get install $missing, or npm run test:package, which installs them)"

# elf_check FILE MACHINE NAME: a 64-bit ELF shared object (ET_DYN) for e_machine MACHINE.
elf_check() {
  node -e '
    const [file, machine, name] = process.argv.slice(1);
    const b = require("fs").readFileSync(file);
    if (b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2) throw new Error(`${file}: not a 64-bit ELF file`);
    const be = b[5] === 2;
    const type = be ? b.readUInt16BE(16) : b.readUInt16LE(16);
    const m = be ? b.readUInt16BE(18) : b.readUInt16LE(18);
    if (type !== 3 || m !== Number(machine))
      throw new Error(`${file}: ELF type ${type}, machine ${m}; want a shared object for ${name} (${machine})`);
    console.log(`${file}: ELF shared object, ${name}, ${be ? "big" : "little"}-endian, ${b.length} bytes`);
  ' "$@"
}

gyp_js=${npm_config_node_gyp:-$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js}
[ -f "$gyp_js" ] || fail "node-gyp not found (npm's bundled copy: $gyp_js)"
# Headers of the running Node (offline): its install prefix, unless npm says otherwise.
nodedir=${npm_config_nodedir:-$(node -p 'require("path").resolve(process.execPath, "../..")')}
[ -f "$nodedir/include/node/node_api.h" ] || nodedir=

rm -rf prebuilds "$out"
mkdir -p prebuilds/linux-x64 prebuilds/linux-s390x "$out/x64/gyp"

step "linux-x64: node-gyp on this host${nodedir:+ (headers from $nodedir)}"
cp -r binding.gyp native "$out/x64/gyp/" || fail "copying the sources failed"
(cd "$out/x64/gyp" &&
  node "$gyp_js" rebuild ${nodedir:+--nodedir="$nodedir"} -j 2 --loglevel=warn >"$out/x64/gyp.log" 2>&1) \
  || { tail -30 "$out/x64/gyp.log"; fail "building the linux-x64 addon failed (log: $out/x64/gyp.log)"; }
strip --strip-unneeded -o prebuilds/linux-x64/node.napi.node "$out/x64/gyp/build/Release/kvm_tod.node" \
  || fail "strip (binutils) failed on the linux-x64 addon"
elf_check prebuilds/linux-x64/node.napi.node 62 x86_64 || fail "the linux-x64 prebuild is not an x86_64 shared object"
node -e 'require(process.argv[1])' "$root/prebuilds/linux-x64/node.napi.node" ||
  fail "the linux-x64 prebuild does not load in this Node"

step "linux-s390x: headers from the s390x Node ($s390x_node_pkg, cached in .cache/s390x)"
s390x_fetch_node prebuild || fail "cannot build the linux-s390x prebuild without the s390x Node headers"
step "linux-s390x: node-gyp --arch=s390x"
s390x_build_addon prebuild "$out/s390x" || fail "building the linux-s390x addon failed"
s390x-linux-gnu-strip --strip-unneeded -o prebuilds/linux-s390x/node.napi.node "$s390x_addon" \
  || fail "s390x-linux-gnu-strip failed on the linux-s390x addon"
elf_check prebuilds/linux-s390x/node.napi.node 22 s390x || fail "the linux-s390x prebuild is not an s390x shared object"

echo
echo "prebuild: done in $(( $(date +%s) - started )) s:"
ls -l prebuilds/*/*.node
