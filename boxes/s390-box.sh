#!/usr/bin/env bash
# `npm run s390-box -- <command> [args...]`: runs <command> inside an s390x Linux guest
# with a real s390 kvm.ko and /dev/kvm, booted under the Hercules z/Architecture emulator,
# and passes back its output (stdout and stderr, merged, on stdout) and its exit status.
# The command runs at the workspace's path (the same absolute path as here), with the
# s390x Node (node, npm and kvm-tod on PATH), the library's s390x addon in build/Release/,
# every package's dist/ and the s390 VMMs' cross-built addons (their build/s390x/), the
# workspace's files, and node_modules/ with node-gyp-build, mocha and the workspace's own
# links (kvm-tod, @kvm-tod/*). See s390-box.md.
#
# Exit status: the command's; 2 when the box could not boot (the reason on stderr);
# 3 when the command's output was damaged on the way back (its exit status on stderr);
# 124 when S390_BOX_TIMEOUT seconds (default 1800) passed while the command ran.
# Environment:
#   S390_BOX_FILES   colon-separated absolute paths (files or folders) carried into the
#                    guest at the same paths, beside the project;
#   S390_BOX_OUT     an absolute folder: the guest gets it (empty), and what the command
#                    leaves in it comes back into it here after the run;
#   S390_BOX_TIMEOUT seconds for the whole run (boot included);
#   S390_BOX_KEEP=1  keep the run's folder (Hercules log, initrd) and say where.
# Inside the guest: S390_BOX=1 and KVM_TOD_REQUIRE_S390_KVM=1 (the s390-kernel tests
# then fail instead of skipping), and S390_BOX_OUT as above.
#
# Everything it builds is cached in .cache/s390-box/ (git-ignored): the Debian s390x
# kernel and busybox, and the base initramfs (busybox, kvm.ko, Node, its libraries, npm,
# /init), rebuilt when one of those changes. The project's part of the initramfs is
# packed anew on every run. Hercules takes about one host core while it runs.
set -uo pipefail
# The box carries the whole workspace: this package's parent.
box_dir=$(cd "$(dirname "$0")" && pwd)/s390-box
cd "$(dirname "$0")/.."
root=$PWD
cache="$root/.cache/s390-box"
timeout_s=${S390_BOX_TIMEOUT:-1800}
started=$(date +%s)

die() { echo "s390-box: $*" >&2; exit 2; }
note() { echo "s390-box: $*" >&2; }
[ $# -gt 0 ] || die "usage: npm run s390-box -- <command> [args...]"

# --- what it needs from Debian ---------------------------------------------------------
. scripts/s390x-cross.sh
sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
need=()
command -v hercules >/dev/null || need+=(hercules)
command -v cpio >/dev/null || need+=(cpio)
[ -f "$s390x_sysroot/lib/ld64.so.1" ] || need+=(libc6-dev-s390x-cross)
[ -f "$s390x_sysroot/lib/libstdc++.so.6" ] || need+=(libstdc++6-s390x-cross)
if ! dpkg --print-foreign-architectures | grep -qx s390x; then
  note "adding the s390x architecture to dpkg (for the s390x kernel and busybox packages)"
  $sudo dpkg --add-architecture s390x && $sudo apt-get update -qq || die "dpkg --add-architecture s390x failed"
fi
if [ ${#need[@]} -gt 0 ]; then
  note "installing: ${need[*]}"
  { $sudo apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"; } >&2 \
    || die "apt-get install ${need[*]} failed"
fi
s390x_tools s390-box >&2 || die "the s390x cross toolchain is missing"

# --- the s390x kernel and busybox (the newest Debian offers), cached -------------------
newest() {  # PATTERN: the newest package name apt knows that matches
  apt-cache search --names-only "$1" 2>/dev/null | cut -d' ' -f1 | sort -V | tail -1
}
kpkg=$(newest '^linux-image-6\.1\.[0-9]+-[0-9]+-s390x$')
if [ -z "$kpkg" ]; then
  $sudo apt-get update -qq >&2
  kpkg=$(newest '^linux-image-6\.1\.[0-9]+-[0-9]+-s390x$')
fi
[ -n "$kpkg" ] || die "apt knows no linux-image-6.1.*-s390x package (is the s390x architecture in the sources?)"
mkdir -p "$cache/debs"
fetch_deb() {  # NAME: the .deb of NAME:s390x at its candidate version, in $cache/debs
  local name=$1 version file
  version=$(apt-cache policy "$name:s390x" | awk '/Candidate:/ {print $2}')
  [ -n "$version" ] && [ "$version" != "(none)" ] || { note "apt has no candidate for $name:s390x"; return 1; }
  file=$(ls "$cache/debs/${name}_"*"_s390x.deb" 2>/dev/null | grep -F "_${version//:/%3a}_" | head -1)
  if [ -z "$file" ]; then
    note "downloading $name:s390x $version"
    (cd "$cache/debs" && apt-get download -q "$name:s390x=$version" >&2 2>&1) ||
      { note "apt-get download $name:s390x failed"; return 1; }
    file=$(ls "$cache/debs/${name}_"*"_s390x.deb" | grep -F "_${version//:/%3a}_" | head -1)
  fi
  echo "$file"
}
kdeb=$(fetch_deb "$kpkg") || die "cannot get the s390x kernel"
bdeb=$(fetch_deb busybox-static) || die "cannot get busybox-static:s390x"

# --- the s390x Node, the addon, dist/ ---------------------------------------------------
s390x_fetch_node s390-box >&2 || die "cannot get the s390x Node"
addon_out="$root/build/s390-box"
addon="$addon_out/gyp/build/Release/kvm_tod.node"
if [ ! -f "$addon" ] || [ -n "$(find binding.gyp native -newer "$addon" -print -quit)" ]; then
  note "cross-compiling the addon for s390x"
  s390x_build_addon s390-box "$addon_out" >&2 || die "cannot cross-compile the addon"
fi
note "compiling the TypeScript of every package (npm run build:ts)"
npm run --silent build:ts >&2 || die "npm run build:ts failed"
# The s390 VMMs' native halves, cross-compiled for s390x (each package's build:s390x).
npm run --silent --workspaces --if-present build:s390x >&2 || die "npm run build:s390x failed in a workspace package"
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
[ -f "$npm_dir/package.json" ] || die "cannot find npm's own folder (for the guest's npm)"

# --- the base initramfs: busybox, kvm.ko, Node + libraries, npm, /init (cached) ----------
libs=(ld64.so.1 libc.so.6 libm.so.6 libdl.so.2 libpthread.so.0 libstdc++.so.6 libgcc_s.so.1)
key=$( { echo "$kdeb $bdeb"; "$s390x_node" --version 2>/dev/null || md5sum <"$s390x_node";
  cat "$npm_dir/package.json" "$box_dir/init"
  for l in "${libs[@]}"; do md5sum <"$s390x_sysroot/lib/$l"; done; } | md5sum | cut -c1-16)
base="$cache/base-$key.cpio"
if [ ! -f "$base" ]; then
  note "packing the base initramfs ($base)"
  rm -f "$cache"/base-*.cpio
  stage=$(mktemp -d "$cache/stage.XXXXXX")
  dpkg-deb -x "$kdeb" "$stage/k" && dpkg-deb -x "$bdeb" "$stage/b" || die "unpacking the .debs failed"
  r="$stage/root"
  mkdir -p "$r"/{bin,sbin,box,lib/s390x-linux-gnu,usr/local/bin,usr/lib/node_modules,dev,proc,sys,tmp,root}
  cp "$stage/b/bin/busybox" "$r/bin/busybox" && ln -s busybox "$r/bin/sh"
  # The project's scripts say bash; busybox ash runs them (they keep to what both know).
  printf '#!/bin/sh\nexec /bin/sh "$@"\n' >"$r/bin/bash" && chmod +x "$r/bin/bash"
  cp "$box_dir/init" "$r/init" && chmod +x "$r/init"
  kvmko=$(find "$stage/k/lib/modules" -name kvm.ko | head -1)
  [ -n "$kvmko" ] || die "no kvm.ko in $kdeb"
  cp "$kvmko" "$r/box/kvm.ko"
  cp "$(ls "$stage"/k/boot/vmlinuz-* | head -1)" "$cache/vmlinuz" || die "no vmlinuz in $kdeb"
  cp "$s390x_node" "$r/usr/local/bin/node"
  cp "${s390x_sysroot}/lib/ld64.so.1" "$r/lib/ld64.so.1"
  for l in "${libs[@]:1}"; do cp -L "$s390x_sysroot/lib/$l" "$r/lib/s390x-linux-gnu/$l"; done
  cp -r "$npm_dir" "$r/usr/lib/node_modules/npm"
  ln -s ../../lib/node_modules/npm/bin/npm-cli.js "$r/usr/local/bin/npm"
  ln -s ../../lib/node_modules/npm/bin/npx-cli.js "$r/usr/local/bin/npx"
  (cd "$r" && find . | cpio -o -H newc --quiet >"$base.tmp") && mv "$base.tmp" "$base" || die "cpio of the base failed"
  rm -rf "$stage"
fi

# --- this run: the project, the overlay (s390x addon, the command), the IPL files --------
run=$(mktemp -d "$cache/run.XXXXXX")
hpid=
# Hercules usually ends on TERM, but once it ignored it after the command had exited and
# this script then waited on it for 50 minutes: TERM, up to 10 s, then KILL.
stop_hercules() {
  [ -n "$hpid" ] || return 0
  kill "$hpid" 2>/dev/null
  for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$hpid" 2>/dev/null || break; sleep 1; done
  kill -9 "$hpid" 2>/dev/null
  wait "$hpid" 2>/dev/null
  hpid=
}
cleanup() {
  stop_hercules
  if [ "${S390_BOX_KEEP:-}" = 1 ]; then note "kept $run"; else rm -rf "$run"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

{
  if git rev-parse --git-dir >/dev/null 2>&1; then
    git ls-files --cached --others --exclude-standard | grep -vxF -f <(git ls-files --deleted)
  else
    find . -path ./node_modules -prune -o -path ./.cache -prune -o -path ./build -prune -o -type f -print
  fi
  # Every package's dist/ and cross-built addons (git ignores them).
  find . -path ./node_modules -prune -o -path ./.cache -prune -o \
    \( -name dist -o -path '*/build/s390x' \) -type d -print |
    xargs -r -I{} find {} -print
  node "$box_dir/node-modules.js" | xargs -r -I{} find {} -print
} | sed "s|^\./||; s|^|$root/|" >"$run/list"
IFS=: read -r -a extra <<<"${S390_BOX_FILES:-}"
for p in "${extra[@]}"; do
  [ -z "$p" ] && continue
  case $p in /*) ;; *) die "S390_BOX_FILES: $p is not an absolute path" ;; esac
  [ -e "$p" ] || die "S390_BOX_FILES: $p does not exist"
  find "$p" -print >>"$run/list"
done
# Every parent folder too: the kernel's initramfs unpacker does not make them.
awk '{ p = $0; while ((i = match(p, /\/[^\/]*$/)) > 1) { p = substr(p, 1, i - 1); print p } print $0 }' "$run/list" \
  | sort -u | sed 's|^/||' >"$run/list.all"
# (a tracked file deleted in the work tree is left out: cpio names it and goes on)

q() { printf "'%s' " "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }  # one word, quoted for sh
over="$run/overlay"
mkdir -p "$over/box" "$over/${root#/}/build/Release"
cp "$addon" "$over/${root#/}/build/Release/kvm_tod.node"
printf '#!/bin/sh\nexec node %s "$@"\n' "$(q "$root/cli/dist/main.js")" >"$over/box/kvm-tod" &&
  chmod +x "$over/box/kvm-tod"
{
  echo "export BOX_ROOT=$(q "$root")"
  echo "export S390_BOX=1 KVM_TOD_REQUIRE_S390_KVM=1 HOME=/root TMPDIR=/tmp"
  echo "export S390_BOX_OUT=$(q "${S390_BOX_OUT:-}")"
  echo "ln -sf /box/kvm-tod /usr/local/bin/kvm-tod"
} >"$over/box/env"
{ printf 'exec '; for a in "$@"; do q "$a"; done; echo; } >"$over/box/cmd"
if [ -n "${S390_BOX_OUT:-}" ]; then
  case $S390_BOX_OUT in /*) ;; *) die "S390_BOX_OUT: $S390_BOX_OUT is not an absolute path" ;; esac
fi

(cd / && cpio -o -H newc --quiet <"$run/list.all" >"$run/project.cpio") || die "cpio of the project failed"
(cd "$over" && find . | cpio -o -H newc --quiet >"$run/overlay.cpio") || die "cpio of the overlay failed"
cat "$base" "$run/project.cpio" "$run/overlay.cpio" >"$run/initrd"

# The IPL layout of the 6.1 kernel (its parm area at 0x10400): kernel at 0, initrd at
# 32 MiB, its start and size as 8-byte big-endian values at 0x10408 / 0x10410, and the
# command line (NUL-terminated) at 0x10480.
be64() { printf '%016x' "$1" | sed 's/../\\x&/g' | xargs -0 printf; }
be64 $((0x02000000)) >"$run/initrd.off"
be64 "$(stat -c %s "$run/initrd")" >"$run/initrd.siz"
printf 'console=ttyS0 rdinit=/init nokaslr quiet panic=-1\0' >"$run/parm"
cat >"$run/linux.ins" <<EOF
* the s390 box (names relative to this file: Hercules puts its folder in front)
vmlinuz 0x00000000
initrd 0x02000000
initrd.off 0x00010408
initrd.siz 0x00010410
parm 0x00010480
EOF
ln "$cache/vmlinuz" "$run/vmlinuz" 2>/dev/null || cp "$cache/vmlinuz" "$run/vmlinuz"  # Hercules refuses symlinks
cat >"$run/hercules.cnf" <<EOF
CPUSERIAL 000611
CPUMODEL  2817
MAINSIZE  2048
NUMCPU    1
MAXCPU    1
ARCHMODE  z/Arch
OSTAILOR  LINUX
000E 1403 $run/printer.txt
EOF
echo "ipl $run/linux.ins" >"$run/boot.rc"
note "initrd $(( $(stat -c %s "$run/initrd") / 1048576 )) MiB," \
  "ready after $(( $(date +%s) - started )) s; booting Hercules"

# --- boot, follow the console, pass back what the command did ----------------------------
(cd "$run" && HERCULES_RC="$run/boot.rc" exec hercules -d -f "$run/hercules.cnf" >"$run/hercules.log" 2>&1 </dev/null) &
hpid=$!
node "$box_dir/console.js" "$run/hercules.log" "$run/out.tgz" "$(( timeout_s - ($(date +%s) - started) ))" "$hpid"
status=$?
stop_hercules
if [ -n "${S390_BOX_OUT:-}" ] && [ -s "$run/out.tgz" ]; then
  mkdir -p "$S390_BOX_OUT" && tar -xzf "$run/out.tgz" -C "$S390_BOX_OUT" ||
    { note "S390_BOX_OUT: unpacking failed"; status=3; }
fi
if [ $status = 2 ] && [ -f "$run/hercules.log" ]; then
  note "Hercules log (last lines):"
  grep -v S390BOX: "$run/hercules.log" | tail -15 >&2
fi
note "took $(( $(date +%s) - started )) s"
exit $status
