#!/usr/bin/env bash
# The anchor (README.md, "QEMU beside it"): the same s390x guest under Debian's own QEMU 7.2
# (the s390x build of qemu-system-misc) on the same kvm.ko in the s390 box, stopped the two
# ways the QEMU commit contrasts: QMP stop, a pause, cont (QEMU holds the guest's TOD), and
# QEMU SIGSTOPped for the pause (nothing holds it). By hand, not in CI:
#   bash vmm/s390-linux/scripts/qemu-anchor.sh [PAUSE_MS]
#   bash vmm/s390-linux/scripts/qemu-anchor.sh --prepare   (only the host's part)
# Prepares on the host (cached in .cache/s390-linux-qemu/): the s390x .debs of QEMU and the
# libraries its binary needs (found by walking DT_NEEDED), unpacked; s390-ccw.img from
# qemu-system-data; the KVM_CAP_S390_COW shim (anchor/cow-shim.c). Then boots the box once
# and runs dist/qemu-anchor.js there; its JSON is on stdout, QEMU's guest's lines on stderr.
# Environment: S390_GUEST_BUSY, S390_GUEST_RCU_TIMEOUT (seconds, or kernel) as for main.js (the defaults: the
# stall settings of the tests: fork, 3 s).
set -euo pipefail
pkg=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$pkg/../.." && pwd)
cache="$root/.cache/s390-linux-qemu"
log() { echo "qemu-anchor: $*" >&2; }
fail() { echo "qemu-anchor: *** $* ***" >&2; exit 1; }
mkdir -p "$cache/debs"
command -v s390x-linux-gnu-readelf >/dev/null ||
  fail "no s390x-linux-gnu-readelf (apt-get install binutils-s390x-linux-gnu)"

fetch() {  # PKG[:ARCH]: its .deb in $cache/debs (once)
  local name=${1%%:*}
  ls "$cache/debs/${name}_"*.deb >/dev/null 2>&1 && return 0
  (cd "$cache/debs" && apt-get download -q "$1" >/dev/null 2>&1) || fail "apt-get download $1 failed"
}

tree="$cache/tree"
slim="$cache/root"
if [ ! -x "$slim/qemu-system-s390x" ]; then
  rm -rf "$tree" "$slim" && mkdir -p "$tree" "$slim/lib" "$slim/share"
  fetch qemu-system-misc:s390x
  fetch qemu-system-data
  # The library packages: qemu-system-misc's direct Depends and theirs, while any ELF file's
  # DT_NEEDED is not yet in the tree.
  queue=$(apt-cache depends qemu-system-misc:s390x | awk '/Depends: lib|Depends: zlib/ {print $2}')
  done_pkgs=" "
  while [ -n "$queue" ]; do
    next=
    for p in $queue; do
      case $done_pkgs in *" $p "*) continue ;; esac
      done_pkgs="$done_pkgs$p "
      fetch "$p"
      next="$next $(apt-cache depends "$p" | awk '/Depends: lib|Depends: zlib/ {print $2}' | grep ':s390x$' || true)"
    done
    queue=$next
  done
  for d in "$cache"/debs/*.deb; do dpkg-deb -x "$d" "$tree"; done
  bin="$tree/usr/bin/qemu-system-s390x"
  [ -x "$bin" ] || fail "no qemu-system-s390x in qemu-system-misc:s390x"
  # Copy the binary and, walking DT_NEEDED from it, every library it needs, flat into lib/.
  cp "$bin" "$slim/qemu-system-s390x"
  cp -L "$tree/lib/ld64.so.1" "$slim/lib/ld64.so.1" 2>/dev/null ||
    cp -L "$tree"/usr/lib/s390x-linux-gnu/ld64.so.1 "$slim/lib/"
  todo="$slim/qemu-system-s390x"
  while [ -n "$todo" ]; do
    more=
    for f in $todo; do
      for so in $(s390x-linux-gnu-readelf -d "$f" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
        [ -e "$slim/lib/$so" ] && continue
        src=$(find "$tree/lib" "$tree/usr/lib" -name "$so" 2>/dev/null | head -1)
        [ -n "$src" ] || fail "no $so in the unpacked packages"
        cp -L "$src" "$slim/lib/$so"
        more="$more $slim/lib/$so"
      done
    done
    todo=$more
  done
  cp -L "$tree/usr/share/qemu/s390-ccw.img" "$slim/share/"
  rm -rf "$tree"
  log "QEMU for s390x: $(ls "$slim/lib" | wc -l) libraries, $(du -sh "$slim" | cut -f1) in $slim"
fi
if [ ! -f "$slim/cow-shim.so" ] || [ "$pkg/anchor/cow-shim.c" -nt "$slim/cow-shim.so" ]; then
  s390x-linux-gnu-gcc -O2 -Wall -Wextra -Werror -shared -fPIC -o "$slim/cow-shim.so" "$pkg/anchor/cow-shim.c" -ldl
fi

[ "${1:-}" = --prepare ] && exit 0
cd "$root"
S390_BOX_FILES="$slim" S390_BOX_TIMEOUT=${S390_BOX_TIMEOUT:-3600} bash boxes/s390-box.sh env \
  S390_GUEST_BUSY="${S390_GUEST_BUSY:-fork}" S390_GUEST_RCU_TIMEOUT="${S390_GUEST_RCU_TIMEOUT:-3}" \
  node "$pkg/dist/qemu-anchor.js" "$slim" "${1:-10000}"
