#!/usr/bin/env bash
# The s390x Linux guest of the s390 Linux VMM: the s390 box's own Debian s390x 6.1 kernel
# (.cache/s390-box/vmlinuz, there after one `npm run s390-box -- true`) and an initramfs
# built here: static s390x busybox from the box's cached busybox-static:s390x .deb, and
# guest/init.c built with s390x-linux-gnu-gcc -static as /init. An uncompressed newc cpio
# (gunzip on the emulated CPU of the box is slow). Idempotent: rebuilds only when init.c,
# busybox or this script changed. Prints two lines on stdout, for scripts and the VMM:
#   kernel=/abs/path/vmlinuz
#   initrd=/abs/path/initramfs.cpio
# Environment: S390_LINUX_KERNEL=path uses that kernel image instead; S390_LINUX_GUEST_OUT=dir
# builds into dir instead of build/guest/ (the unit test does).
set -euo pipefail
pkg=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$pkg/../.." && pwd)
out=${S390_LINUX_GUEST_OUT:-$pkg/build/guest}
mkdir -p "$out"
log() { echo "s390-linux guest: $*" >&2; }
fail() { echo "s390-linux guest: *** $* ***" >&2; exit 1; }

# The kernel is the box's: scripts/s390-box.sh caches it when it packs its base initramfs,
# which may come after this script in a fresh clone's first box run, so it is not required here.
kernel=${S390_LINUX_KERNEL:-$root/.cache/s390-box/vmlinuz}
[ -f "$kernel" ] || log "no kernel at $kernel yet: \`npm run s390-box -- true\` caches the box's kernel"

command -v s390x-linux-gnu-gcc >/dev/null || fail "no s390x-linux-gnu-gcc (apt-get install gcc-s390x-linux-gnu)"
[ -f /usr/s390x-linux-gnu/lib/libc.a ] || fail "no s390x libc.a (apt-get install libc6-dev-s390x-cross)"
command -v cpio >/dev/null || fail "no cpio (apt-get install cpio)"

# busybox: the box's cached .deb, else our own download of the same package.
bdeb=$(ls "$root"/.cache/s390-box/debs/busybox-static_*_s390x.deb 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bdeb" ]; then
  bdeb=$(ls "$out"/busybox-static_*_s390x.deb 2>/dev/null | sort -V | tail -n 1 || true)
fi
if [ -z "$bdeb" ]; then
  log "downloading busybox-static:s390x"
  (cd "$out" && apt-get download -q busybox-static:s390x >&2) || fail "apt-get download busybox-static:s390x failed"
  bdeb=$(ls "$out"/busybox-static_*_s390x.deb | sort -V | tail -n 1)
fi

initrd="$out/initramfs.cpio"
stamp="$out/initramfs.stamp"
want=$(cat "$pkg/guest/init.c" "$bdeb" "$0" | sha256sum | cut -d' ' -f1)
if [ ! -f "$initrd" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  tree=$(mktemp -d)
  trap 'rm -rf "$tree"' EXIT
  mkdir -p "$tree"/{bin,dev,proc,sys,tmp} "$tree/deb"
  s390x-linux-gnu-gcc -static -O2 -Wall -Wextra -Werror -o "$tree/init" "$pkg/guest/init.c" || fail "building init failed"
  s390x-linux-gnu-strip "$tree/init"
  dpkg-deb -x "$bdeb" "$tree/deb"
  cp "$tree/deb/bin/busybox" "$tree/bin/busybox"
  rm -rf "$tree/deb"
  ln -s busybox "$tree/bin/sh"
  (cd "$tree" && find . | sort | cpio -o -H newc -R 0:0 --quiet) >"$initrd.tmp"
  mv "$initrd.tmp" "$initrd"
  echo "$want" >"$stamp"
  log "built $initrd ($(stat -c %s "$initrd") bytes)"
fi
echo "kernel=$kernel"
echo "initrd=$initrd"
