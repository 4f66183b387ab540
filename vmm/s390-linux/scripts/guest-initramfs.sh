#!/usr/bin/env bash
# The s390x Linux guest of the s390 Linux VMM, built into build/s390x/guest/ (the s390 box
# carries every package's build/s390x/ in): the kernel is the s390 box's own Debian s390x 6.1
# kernel, taken out of the .deb the box caches in .cache/s390-box/debs/ (fetched before it
# runs `npm run build:s390x`), and the initramfs is built here: static s390x busybox from the
# box's cached busybox-static:s390x .deb, and guest/init.c built with s390x-linux-gnu-gcc
# -static as /init. An uncompressed newc cpio (gunzip on the emulated CPU of the box is
# slow). Idempotent: rebuilds only when the kernel .deb, init.c, busybox or this script
# changed. Prints two lines on stdout, for scripts and the VMM:
#   kernel=/abs/path/vmlinuz
#   initrd=/abs/path/initramfs.cpio
# With --check, builds nothing and prints what it lacks (exit status 1 if anything).
# Environment: S390_LINUX_KERNEL=path uses that kernel image instead; S390_LINUX_GUEST_OUT=dir
# builds into dir instead of build/s390x/guest/ (the unit test does).
set -euo pipefail
pkg=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$pkg/../.." && pwd)
out=${S390_LINUX_GUEST_OUT:-$pkg/build/s390x/guest}
mkdir -p "$out"
log() { echo "s390-linux guest: $*" >&2; }
fail() { echo "s390-linux guest: *** $* ***" >&2; exit 1; }
# --check: prints what is missing to build the initramfs (the unit test's skip reason), and
# exits 1 if something is; builds nothing.
if [ "${1:-}" = --check ]; then fail() { echo "$*"; exit 1; }; fi

command -v s390x-linux-gnu-gcc >/dev/null || fail "no s390x-linux-gnu-gcc (apt-get install gcc-s390x-linux-gnu)"
[ -f /usr/s390x-linux-gnu/lib/libc.a ] || fail "no s390x libc.a (apt-get install libc6-dev-s390x-cross)"
command -v cpio >/dev/null || fail "no cpio (apt-get install cpio)"

if [ "${1:-}" = --check ]; then
  ls "$root"/.cache/s390-box/debs/busybox-static_*_s390x.deb >/dev/null 2>&1 ||
    apt-cache policy busybox-static:s390x 2>/dev/null | grep -q 'Candidate: [0-9]' ||
    fail "needs busybox-static:s390x (run \`npm run s390-box -- true\` once, which caches it)"
  exit 0
fi

# The kernel is the box's: its .deb (the newest cached), else the image the box unpacked, else
# none yet (a fresh clone's first `npm run s390-box` fetches the .deb before this runs).
kernel=${S390_LINUX_KERNEL:-}
if [ -z "$kernel" ]; then
  kdeb=$(ls "$root"/.cache/s390-box/debs/linux-image-6.1*-s390x_*_s390x.deb 2>/dev/null | sort -V | tail -n 1 || true)
  kernel=$out/vmlinuz
  if [ -n "$kdeb" ]; then
    if [ ! -f "$kernel" ] || [ "$kdeb" -nt "$kernel" ]; then
      image=$(dpkg-deb -c "$kdeb" | awk '$NF ~ /^\.\/boot\/vmlinuz-/ && !n++ { print $NF }')
      [ -n "$image" ] || fail "no vmlinuz in $kdeb"
      dpkg-deb --fsys-tarfile "$kdeb" | tar -xO "$image" >"$kernel.tmp" || fail "cannot unpack $image from $kdeb"
      mv "$kernel.tmp" "$kernel"
      log "kernel $kernel from $(basename "$kdeb")"
    fi
  elif [ -f "$root/.cache/s390-box/vmlinuz" ]; then
    cp "$root/.cache/s390-box/vmlinuz" "$kernel"
  else
    log "no kernel yet: \`npm run s390-box -- true\` caches the box's kernel .deb"
  fi
fi

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
  s390x-linux-gnu-gcc -static -O2 -Wall -Wextra -Werror -o "$tree/init" "$pkg/guest/init.c" ||
    fail "building init failed"
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
