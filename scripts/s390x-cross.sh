# Sourced (not run) by scripts/test-s390x.sh and scripts/prebuild.sh, from the repo root:
# the one recipe for building the addon for s390x on an x86_64 host.
#   s390x_tools WHO [qemu]   installs what is missing (apt): g++-s390x-linux-gnu,
#                            linux-libc-dev-s390x-cross (the s390 <asm/kvm.h> the addon checks
#                            itself against), make, and with "qemu" qemu-user-static; names
#                            what is still missing and returns 1 when it cannot.
#   s390x_fetch_node WHO     the official s390x Node ($s390x_node_pkg) unpacked once into
#                            .cache/s390x/ (git-ignored): its headers for node-gyp, its binary
#                            for qemu-user. Sets s390x_node.
#   s390x_build_addon WHO OUT
#                            node-gyp --arch=s390x on a copy of binding.gyp + native/ in OUT/gyp
#                            (the host addon in build/Release stays untouched), log in
#                            OUT/gyp.log. Sets s390x_addon to OUT/gyp/build/Release/kvm_tod.node.
# WHO is the caller's name, for its messages. Every function says why it failed.

s390x_root=$PWD
s390x_cache="$s390x_root/.cache/s390x"
s390x_sysroot=/usr/s390x-linux-gnu
s390x_node_pkg=node-linux-s390x@20
s390x_node="$s390x_cache/package/bin/node"
s390x_addon=

s390x_missing() {  # [qemu]: the Debian packages still missing, one line
  local need=()
  if [ "${1:-}" = qemu ] && ! command -v qemu-s390x-static >/dev/null; then need+=(qemu-user-static); fi
  command -v s390x-linux-gnu-g++ >/dev/null || need+=(g++-s390x-linux-gnu)
  [ -f "$s390x_sysroot/include/asm/kvm.h" ] || need+=(linux-libc-dev-s390x-cross)
  command -v make >/dev/null || need+=(make)
  echo "${need[*]}"
}

s390x_tools() {  # WHO [qemu]
  local who=$1 need
  need=$(s390x_missing "${2:-}")
  if [ -n "$need" ]; then
    echo "installing: $need"
    local sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
    # shellcheck disable=SC2086
    { $sudo apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $need; } \
      || echo "$who: apt-get install $need failed"
    need=$(s390x_missing "${2:-}")
    if [ -n "$need" ]; then
      echo "$who: *** the s390x cross toolchain is missing: $need (Debian packages;" \
        "the s390x-linux-gnu-g++ cross compiler and the s390 kernel headers) ***"
      return 1
    fi
  fi
  return 0
}

s390x_fetch_node() {  # WHO
  local who=$1
  if [ ! -x "$s390x_node" ]; then
    rm -rf "$s390x_cache" && mkdir -p "$s390x_cache"
    # npm install refuses the package on x64 ("cpu": "s390x"); pack and unpack it instead.
    # --pack-destination explicitly: under `npm pack --pack-destination DIR` (this runs in
    # its prepack) npm_config_pack_destination=DIR is in the environment and would send
    # the s390x Node's tarball to DIR instead.
    (cd "$s390x_cache" && npm pack "$s390x_node_pkg" --pack-destination "$s390x_cache" --silent >/dev/null) \
      || { echo "$who: npm pack $s390x_node_pkg failed"; return 1; }
    tar xzf "$s390x_cache"/node-linux-s390x-*.tgz -C "$s390x_cache" && rm -f "$s390x_cache"/node-linux-s390x-*.tgz \
      || { echo "$who: unpacking $s390x_node_pkg failed"; return 1; }
  fi
  [ -f "$s390x_cache/package/include/node/node_api.h" ] ||
    { echo "$who: no Node-API headers in $s390x_cache/package"; return 1; }
}

s390x_build_addon() {  # WHO OUT
  local who=$1 out=$2
  # The copy sits inside the repo so that binding.gyp finds node-addon-api in node_modules.
  local gyp_js=${npm_config_node_gyp:-}
  [ -n "$gyp_js" ] || gyp_js=$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js
  [ -f "$gyp_js" ] || { echo "$who: node-gyp not found (npm's bundled copy: $gyp_js)"; return 1; }
  mkdir -p "$out/gyp" && rm -rf "$out/gyp/native" &&
    cp -r "$s390x_root/binding.gyp" "$s390x_root/native" "$out/gyp/" || return 1
  (cd "$out/gyp" && CC=s390x-linux-gnu-gcc CXX=s390x-linux-gnu-g++ LINK=s390x-linux-gnu-g++ AR=s390x-linux-gnu-ar \
    node "$gyp_js" rebuild --arch=s390x --nodedir="$s390x_cache/package" -j 2 --loglevel=warn >"$out/gyp.log" 2>&1) \
    || {
      tail -30 "$out/gyp.log"
      echo "$who: cross-compiling the addon for s390x failed (log: $out/gyp.log)"
      return 1
    }
  s390x_addon="$out/gyp/build/Release/kvm_tod.node"
}
