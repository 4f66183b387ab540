#!/usr/bin/env bash
# The Linux guest of this VMM: Debian's 6.1 amd64 kernel and an initramfs built here (static
# busybox, and guest/init.c built with gcc -static as /init), in this package's .cache/.
# Idempotent: rebuilds the initramfs only when init.c or busybox changed.
# Prints two lines on stdout, for scripts and the VMM to read:
#   kernel=/abs/path/vmlinuz-6.1...
#   initrd=/abs/path/initramfs.cpio.gz
# Environment: KVM_TOD_LINUX_KERNEL=path uses that bzImage instead of finding one; inside the
# KVM box KVM_BOX_KERNEL names the kernel the box booted (the same Debian package), used next.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out="$root/.cache/guest"
mkdir -p "$out"
log() { echo "linux-guest: $*" >&2; }
fail() { echo "linux-guest: *** $* ***" >&2; exit 1; }

need_pkg() {  # need_pkg PACKAGE...: apt-get install those not installed yet
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  apt-get install -y -q "${missing[@]}" >&2 || fail "apt-get install ${missing[*]} failed"
}

# The kernel: the one asked for, else the one the KVM box booted (the same Debian package),
# else our own copy of a current 6.1 amd64 package.
find_kernel() {
  if [ -n "${KVM_TOD_LINUX_KERNEL:-}" ]; then echo "$KVM_TOD_LINUX_KERNEL"; return; fi
  local k
  if [ -n "${KVM_BOX_KERNEL:-}" ] && [ -f "$KVM_BOX_KERNEL" ]; then echo "$KVM_BOX_KERNEL"; return; fi
  k=$(find "$out/pkg" -path '*boot/vmlinuz-6.1*-amd64' -type f 2>/dev/null | sort | tail -n 1 || true)
  if [ -n "$k" ]; then echo "$k"; return; fi
  local pkg
  pkg=$(apt-cache search --names-only '^linux-image-6\.1\.[0-9.-]*-amd64-unsigned$' |
    awk '{print $1}' | sort -V | tail -n 1)
  [ -n "$pkg" ] || fail "no linux-image-6.1.*-amd64-unsigned in apt (apt-get update?)"
  log "downloading $pkg"
  rm -rf "$out/pkg" && mkdir -p "$out/pkg"
  (cd "$out/pkg" && apt-get download -q "$pkg" >&2 2>/dev/null) || fail "apt-get download $pkg failed"
  dpkg-deb --fsys-tarfile "$out"/pkg/*.deb | tar -x -C "$out/pkg" ./boot
  rm -f "$out"/pkg/*.deb
  find "$out/pkg" -path '*boot/vmlinuz-6.1*-amd64' -type f | sort | tail -n 1
}

kernel=$(find_kernel)
[ -f "$kernel" ] || fail "kernel not found: $kernel"

command -v gcc >/dev/null || need_pkg gcc
[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || need_pkg libc6-dev
[ -x /bin/busybox ] && /bin/busybox --help 2>&1 | head -n 1 | grep -q BusyBox || need_pkg busybox-static
command -v cpio >/dev/null || need_pkg cpio

initrd="$out/initramfs.cpio.gz"
stamp="$out/initramfs.stamp"
want=$(cat guest/init.c /bin/busybox "$0" | sha256sum | cut -d' ' -f1)
if [ ! -f "$initrd" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  tree=$(mktemp -d)
  trap 'rm -rf "$tree"' EXIT
  mkdir -p "$tree"/{bin,dev,proc,sys,tmp}
  gcc -static -O2 -Wall -Wextra -Werror -o "$tree/init" guest/init.c || fail "building init failed"
  strip "$tree/init"
  cp /bin/busybox "$tree/bin/busybox"
  ln -s busybox "$tree/bin/sh"
  (cd "$tree" && find . | sort | cpio -o -H newc -R 0:0 --quiet | gzip -9) > "$initrd.tmp"
  mv "$initrd.tmp" "$initrd"
  echo "$want" > "$stamp"
  log "built $initrd ($(stat -c %s "$initrd") bytes)"
fi
echo "kernel=$kernel"
echo "initrd=$initrd"
