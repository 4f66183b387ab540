#!/usr/bin/env bash
# The KVM box: runs one command inside a Linux guest that has a real /dev/kvm, on a
# machine that has none. QEMU's TCG emulates AMD SVM, so Debian's 6.1 kernel booted under
# `qemu-system-x86_64 -cpu max` loads kvm_amd; the guest sees the host's / over 9p and
# runs the command in a chroot of it, in the caller's directory. See kvm-box.md.
#
#   npm run kvm-box -- <command> [args...]
#
# stdout and stderr of the command stream live to this script's stdout and stderr
# (each through its own serial port, so they stay apart). Exit status: the command's
# own; 2 when the box could not boot, its kernel locked up, or the command printed
# nothing for KVM_BOX_STALL seconds (the reason and the console's tail on stderr);
# 124 when KVM_BOX_TIMEOUT (seconds) ran out after the command had started.
# Environment passed in: PATH HOME USER LANG LC_* TZ CI KVM_TOD_*, plus the names (or
# NAME* prefixes) listed in KVM_BOX_ENV, separated by spaces or commas; inside, KVM_BOX_KERNEL
# names the kernel the box booted (the Linux VMM's guest uses the same one).
# Knobs: KVM_BOX_MEM (MiB, 6144), KVM_BOX_SMP (1: see kvm-box.md), KVM_BOX_STALL (0: off),
# KVM_BOX_CACHE (<workspace>/.cache/kvm-box),
# KVM_BOX_ALWAYS=1 (boot the box even where the host's /dev/kvm works),
# KVM_BOX_VERBOSE=1 (boot times and the console on stderr), KVM_BOX_CONSOLE=<file> (keep
# the guest's whole console there), KVM_BOX_APPEND (more kernel command line).
set -uo pipefail

# The box carries the whole workspace (this package's parent), and runs the command in the
# directory it was started from (npm run -w moves into this package's folder: INIT_CWD).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
start_dir=$PWD
[ "${npm_package_name:-}" = @kvm-tod/boxes ] && start_dir=${INIT_CWD:-$PWD}
cache=${KVM_BOX_CACHE:-$repo/.cache/kvm-box}
mem=${KVM_BOX_MEM:-6144}
smp=${KVM_BOX_SMP:-1}
timeout_s=${KVM_BOX_TIMEOUT:-0}
stall_s=${KVM_BOX_STALL:-0}
# The modules the box needs (their dependencies come along, loaded first; the order
# is taken from each module's own "depends", since it changes between 6.1 updates).
modules="virtio_pci 9pnet_virtio 9p kvm-amd"

say() { echo "kvm-box: $*" >&2; }
verbose() { [ "${KVM_BOX_VERBOSE:-}" = 1 ] && say "$@"; return 0; }
die() { say "$*"; exit 2; }

[ $# -gt 0 ] || die "usage: npm run kvm-box -- <command> [args...]"
[[ $timeout_s =~ ^[0-9]+$ ]] || die "KVM_BOX_TIMEOUT must be a whole number of seconds, not '$timeout_s'"
[[ $stall_s =~ ^[0-9]+$ ]] || die "KVM_BOX_STALL must be a whole number of seconds, not '$stall_s'"

bounded() {  # runs "$@" within KVM_BOX_TIMEOUT, if set
  if [ "$timeout_s" -gt 0 ]; then timeout "$timeout_s" "$@"; else "$@"; fi
}

# A host whose /dev/kvm opens read-write needs no box.
if [ "${KVM_BOX_ALWAYS:-}" != 1 ] && [ -c /dev/kvm ] && { : <>/dev/kvm; } 2>/dev/null; then
  say "this host has a working /dev/kvm: running the command directly, without the box"
  bounded "$@"
  exit $?
fi

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi; }

ensure_packages() {
  local missing=() pkg
  for pkg in qemu-system-x86 busybox-static cpio kmod; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]}"
  { as_root apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}"; } >&2 ||
    die "could not install ${missing[*]} (needs root or sudo and Debian's apt)"
}

newest_kernel_package() {
  apt-cache search --names-only '^linux-image-6\.1\.[0-9.-]+-amd64-unsigned$' 2>/dev/null |
    awk '{print $1}' | sort -V | tail -1
}

# The kernel and its modules come out of Debian's unsigned 6.1 image (the -cloud flavour
# has no 9p). Only vmlinuz and the modules the box loads are kept.
ensure_kernel() {
  [ -f "$cache/kernel/vmlinuz" ] && [ -f "$cache/kernel/package" ] && return 0
  local pkg work
  pkg=$(newest_kernel_package)
  if [ -z "$pkg" ]; then as_root apt-get update -qq >&2; pkg=$(newest_kernel_package); fi
  [ -n "$pkg" ] || die "apt-cache offers no linux-image-6.1.*-amd64-unsigned package"
  say "fetching $pkg (once; cached in $cache)"
  work=$(mktemp -d "$cache/fetch.XXXXXX") || die "cannot write to $cache"
  (cd "$work" && apt-get download "$pkg" >/dev/null 2>&1) || { rm -rf "$work"; die "apt-get download $pkg failed"; }
  dpkg-deb -x "$work"/*.deb "$work/x" || { rm -rf "$work"; die "dpkg-deb -x of $pkg failed"; }
  local kver m ko
  kver=$(ls "$work/x/lib/modules")
  mkdir -p "$work/kernel/modules"
  cp "$work/x/boot/vmlinuz-$kver" "$work/kernel/vmlinuz"
  : >"$work/kernel/modules.order"
  add_module() {  # name: its dependencies first, then itself
    local name=${1//-/_} dep ko
    grep -qx "$name" "$work/kernel/modules.order" && return 0
    ko=$(find "$work/x/lib/modules/$kver/kernel" \( -name "$name.ko" -o -name "${name//_/-}.ko" \) | head -1)
    [ -n "$ko" ] || return 1
    for dep in $(modinfo -F depends "$ko" | tr ',' ' '); do add_module "$dep" || return 1; done
    cp "$ko" "$work/kernel/modules/$name.ko"
    echo "$name" >>"$work/kernel/modules.order"
  }
  for m in $modules; do
    add_module "$m" || { rm -rf "$work"; die "$pkg lacks $m or one of its dependencies"; }
  done
  echo "$pkg $kver" >"$work/kernel/package"
  rm -rf "$cache/kernel" && mv "$work/kernel" "$cache/kernel"
  rm -rf "$work"
}

# The initramfs: static busybox, the init, the modules in load order. Rebuilt when the
# init or the kernel changes (its name carries their hash).
ensure_initrd() {
  local hash root
  hash=$(cat "$here/kvm-box/init" "$cache/kernel/package" "$cache/kernel/modules.order" /bin/busybox |
    sha256sum | cut -c1-16)
  initrd="$cache/initrd-$hash.gz"
  [ -f "$initrd" ] && return 0
  root=$(mktemp -d "$cache/initrd.XXXXXX") || die "cannot write to $cache"
  mkdir -p "$root"/{bin,proc,sys,dev,mnt,modules}
  cp /bin/busybox "$root/bin/busybox"
  cp "$here/kvm-box/init" "$root/init" && chmod +x "$root/init"
  cp "$cache"/kernel/modules/*.ko "$root/modules/"
  cp "$cache/kernel/modules.order" "$root/modules.order"
  (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$initrd.tmp" ||
    { rm -rf "$root"; die "packing the initramfs failed"; }
  mv "$initrd.tmp" "$initrd"
  rm -rf "$root"
  find "$cache" -maxdepth 1 -name 'initrd-*.gz' ! -name "initrd-$hash.gz" -delete
}

mkdir -p "$cache" || die "cannot create $cache"
command -v flock >/dev/null || die "flock (util-linux) is missing"
exec 9>"$cache/.lock"
flock 9
ensure_packages
ensure_kernel
ensure_initrd
flock -u 9
exec 9>&-

# The job the guest reads over 9p before it covers /tmp with its own tmpfs: the
# environment, the directory and the command. The FIFOs QEMU writes the serial ports
# to live in a separate directory the guest never touches (9p refuses special files).
job=$(mktemp -d /tmp/kvm-box-job.XXXXXX) && ports=$(mktemp -d /tmp/kvm-box-ports.XXXXXX) ||
  die "cannot create temporary directories"
qemu_pid= out_pid= err_pid= watch_pid=
cleanup() {
  [ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null
  [ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null
  [ -n "$out_pid" ] && kill "$out_pid" 2>/dev/null
  [ -n "$err_pid" ] && kill "$err_pid" 2>/dev/null
    [ -n "${KVM_BOX_CONSOLE:-}" ] && [ -f "$ports/console" ] && cp "$ports/console" "$KVM_BOX_CONSOLE"
  rm -rf "$job" "$ports"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

{
  forwarded=" ${KVM_BOX_ENV:-} "
  forwarded=${forwarded//,/ }
  while IFS= read -r name; do
    keep=
    case $name in PATH | HOME | USER | LANG | LC_* | TZ | CI | KVM_TOD_*) keep=1 ;; esac
    for pattern in $forwarded; do
      # shellcheck disable=SC2053 # NAME* in KVM_BOX_ENV is a prefix pattern on purpose
      [[ $name == $pattern ]] && keep=1
    done
    [ -n "$keep" ] && printf 'export %s=%q\n' "$name" "${!name}"
  done < <(compgen -e)
  printf 'export KVM_BOX_KERNEL=%q\n' "$cache/kernel/vmlinuz"
} >"$job/env.sh"
printf '%s\n' "$start_dir" >"$job/cwd"
{ printf 'exec'; printf ' %q' "$@"; printf '\n'; } >"$job/argv.sh"
printf '%s\n' "$here/kvm-box/guest-run.sh" >"$job/guest"

mkfifo "$ports/out" "$ports/err"
cat "$ports/out" & out_pid=$!
cat "$ports/err" >&2 & err_pid=$!

if [ "$(id -u)" = 0 ]; then security=passthrough; else security=none; fi
start=$(date +%s.%N)
# A simple command in the background, so that $! is QEMU (or timeout, which passes a
# TERM on to it) and cleanup can stop it.
runner=()
[ "$timeout_s" -gt 0 ] && runner=(timeout "$timeout_s")
"${runner[@]}" qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp "$smp" -m "$mem" \
  -nodefaults -display none -no-reboot \
  -serial "file:$ports/console" -serial "file:$ports/out" -serial "file:$ports/err" -serial "file:$ports/status" \
  -virtfs "local,path=/,mount_tag=hostroot,security_model=$security,multidevs=remap" \
  -kernel "$cache/kernel/vmlinuz" -initrd "$initrd" \
  -append "console=ttyS0 quiet loglevel=4 panic=-1 ${KVM_BOX_APPEND:-} kvmbox.job=$job" \
  </dev/null >"$ports/qemu.log" 2>&1 &
qemu_pid=$!
# A guest kernel stuck inside KVM reports soft lockups on the console and never comes
# back: stop such a box after 100 s of lockup instead of waiting for KVM_BOX_TIMEOUT.
# A box can also stop without a word on its console: with KVM_BOX_STALL, a command that
# has printed nothing for that long is taken for such a box. (Writing to a FIFO updates
# its mtime, so the ports' mtimes say when the command last printed.)
(
  while sleep 10; do
    if grep -qE 'soft lockup - CPU#[0-9]+ stuck for [0-9]{3,}s' "$ports/console" 2>/dev/null; then
      : >"$ports/lockup"
      kill "$qemu_pid" 2>/dev/null
      exit 0
    fi
    if [ "$stall_s" -gt 0 ] && grep -q '^started ' "$ports/status" 2>/dev/null; then
      last=$(stat -c %Y "$ports/out" "$ports/err" "$ports/status" | sort -n | tail -1)
      if [ $(($(date +%s) - last)) -ge "$stall_s" ]; then
        : >"$ports/stalled"
        kill "$qemu_pid" 2>/dev/null
        exit 0
      fi
    fi
  done
) &
watch_pid=$!
wait "$qemu_pid"
qemu_status=$?
qemu_pid=
kill "$watch_pid" 2>/dev/null
wait "$watch_pid" 2>/dev/null
watch_pid=
# QEMU has closed the ports: the readers drain and end. (Opening a FIFO read-write never
# blocks; it releases a reader still waiting in open because QEMU never started.)
for fifo in "$ports/out" "$ports/err"; do exec 7<>"$fifo"; exec 7>&-; done
wait "$out_pid" "$err_pid"
out_pid= err_pid=
end=$(date +%s.%N)

status_line() { sed -n "s/^$1 //p" "$ports/status" 2>/dev/null | tail -1; }
console_tail() {
  echo "kvm-box: the console's last lines:" >&2
  tail -n 40 "$ports/console" 2>/dev/null | sed 's/^/  | /' >&2
  [ -s "$ports/qemu.log" ] && { echo "kvm-box: QEMU said:" >&2; tail -n 20 "$ports/qemu.log" | sed 's/^/  | /' >&2; }
}

verbose "guest booted at $(status_line booted) s of its uptime," \
  "the command started at $(status_line started) s," \
  "$(awk "BEGIN{printf \"%.1f\", $end-$start}") s wall in all"
[ "${KVM_BOX_VERBOSE:-}" = 1 ] && console_tail

status=$(status_line status)
if [ -n "$status" ]; then exit "$status"; fi
if [ -f "$ports/lockup" ]; then
  say "the box's kernel locked up (a soft lockup of 100 s or more, see the console):" \
    "the command was stopped with the box"
  console_tail
  exit 2
fi
if [ -f "$ports/stalled" ]; then
  say "the command printed nothing for KVM_BOX_STALL ($stall_s s): taken for a box that stopped, and stopped with it"
  console_tail
  exit 2
fi
if [ "$qemu_status" = 124 ] && [ -n "$(status_line started)" ]; then
  say "KVM_BOX_TIMEOUT ($timeout_s s) ran out; the command was stopped with the box"
  console_tail
  exit 124
fi
reason=$(status_line box-error)
if [ -n "$reason" ]; then say "the box could not boot: $reason"
elif [ "$qemu_status" = 124 ]; then say "the box could not boot within KVM_BOX_TIMEOUT ($timeout_s s)"
else say "the box ended without the command's exit status (QEMU exit status $qemu_status)"; fi
console_tail
exit 2
