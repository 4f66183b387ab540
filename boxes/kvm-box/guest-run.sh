#!/usr/bin/env bash
# Runs inside the KVM box, chrooted into the host's root (kvm-box/init starts it).
# $1 holds the job the host wrote: env.sh (the forwarded environment), cwd, argv.sh.
# The command's stdout and stderr go through pipes (so it sees pipes, as under CI, not
# the serial ttys) to ttyS1 and ttyS2; its exit status goes to ttyS3 as "status N".
job=$1
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
source "$job/env.sh"
cd "$(cat "$job/cwd")" || {
  echo "kvm-box: cannot cd to $(cat "$job/cwd") in the box" >&2
  echo "status 2" >/dev/ttyS3
  exit 0
}
mkfifo "$job/out" "$job/err"
cat "$job/out" >/dev/ttyS1 & out=$!
cat "$job/err" >/dev/ttyS2 & err=$!
echo "started $(cut -d' ' -f1 /proc/uptime)" >/dev/ttyS3
( source "$job/argv.sh" ) </dev/null >"$job/out" 2>"$job/err"
status=$?
wait "$out" "$err"
echo "status $status" >/dev/ttyS3
