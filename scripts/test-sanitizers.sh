#!/usr/bin/env bash
# npm run test:sanitizers: the addon built with AddressSanitizer and
# UndefinedBehaviorSanitizer into build-sanitizers/, and the tests that drive the addon
# (argument checks, descriptors, the s390 double-backed tests, the fuzzing, fault
# schedules, descriptor misuse and threads) run against it. Fails if any test fails or
# if a sanitizer reports anything, in mocha's process or in any process a test starts.
#
# Node itself is not instrumented, so the ASan runtime is preloaded (it must be the
# first library loaded), followed by the s390 kernel double, also instrumented.
# Options, and why:
#   ASAN_OPTIONS
#     detect_leaks=0   LeakSanitizer cannot see pointers held inside V8's heap (its pages
#                      are mmap'ed, not malloc'ed, and LSan does not scan them), so it
#                      reports every malloc'ed object that only JavaScript objects
#                      reference, plus V8's own page metadata at exit: hundreds of false
#                      reports per process, none of them in the addon. Leaks are covered
#                      by test/robustness/threads.test.js (RSS over 50 worker generations).
#     log_path=...     every report of every process (mocha, the fuzzing child, the
#                      foreign-VM child, worker threads) lands in a file here, so a report
#                      fails this job even where the test that started the process
#                      expected it to fail.
#     (halt_on_error=1 is ASan's default: the first error ends the process.)
#   UBSAN_OPTIONS
#     halt_on_error=1, print_stacktrace=1   fatal (as the build makes it too, with
#                      -fno-sanitize-recover=undefined), with the stack. GCC's UBSan
#                      runtime, loaded beside ASan's, ignores log_path and always writes
#                      to stderr: so mocha's stderr is kept and searched as well, and the
#                      tests that start processes fail on their exit status or stderr.
# Needs g++ (with its libasan/libubsan), make and cmake; installs them with apt-get
# where they are missing, as CI starts from a clean machine.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/build-sanitizers
logs=$out/logs
SAN_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"

step() { echo; echo "==> $*"; }

need_packages=()
command -v g++ >/dev/null || need_packages+=(g++)
command -v make >/dev/null || need_packages+=(make)
command -v cmake >/dev/null || need_packages+=(cmake)
if [ ${#need_packages[@]} -gt 0 ]; then
  step "install: ${need_packages[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_packages[@]}" || exit 1
fi
asan_runtime=$(g++ -print-file-name=libasan.so)
if [ ! -e "$asan_runtime" ]; then
  step "install: the ASan/UBSan runtimes of g++ $(g++ -dumpversion)"
  # libgcc-N-dev brings the runtimes (libasan, libubsan) of that g++ version
  apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "libgcc-$(g++ -dumpversion | cut -d. -f1)-dev" || exit 1
  asan_runtime=$(g++ -print-file-name=libasan.so)
fi
[ -e "$asan_runtime" ] || { echo "no libasan.so for g++ ($asan_runtime)"; exit 1; }
asan_runtime=$(readlink -f "$asan_runtime")
[ -d node_modules ] || { step "npm ci"; npm ci --no-audit --no-fund || exit 1; }

step "build: TypeScript"
npm run --silent build:ts || exit 1

step "build: the addon with $SAN_FLAGS (cmake-js, $out)"
build_log=$(mktemp)
trap 'rm -f "$build_log"' EXIT
npx cmake-js rebuild --directory native --out "$out" -B RelWithDebInfo \
  "--CDCMAKE_CXX_FLAGS=$SAN_FLAGS" "--CDCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" \
  "--CDCMAKE_SHARED_LINKER_FLAGS=-fsanitize=address,undefined" >"$build_log" 2>&1 \
  || { cat "$build_log"; echo "sanitizer build failed"; exit 1; }
addon=$out/RelWithDebInfo/kvm_tod.node
linked=$(ldd "$addon")
grep -q libasan <<<"$linked" && grep -q libubsan <<<"$linked" \
  || { echo "$addon is not linked with the sanitizer runtimes"; exit 1; }

step "build: the s390 kernel double, instrumented the same way"
double=$(node -p "require('@kvm-tod/testkit/s390-double')
  .build({ out: '$out/double', cflags: '-O1 -g $SAN_FLAGS', force: true })") ||
  { echo "double build failed"; exit 1; }

rm -rf "$logs" && mkdir -p "$logs"
export ASAN_OPTIONS="detect_leaks=0:log_path=$logs/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"

reports() { find "$logs" -type f -name 'asan.*' -size +0 | sort; }
MARKS='ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|SUMMARY: (Address|UndefinedBehavior)Sanitizer'

step "preflight: the sanitizers are live and report into $logs"
probe=$(mktemp -d)
cat >"$probe/probe.c" <<'EOF'
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
  (void)argv;
  if (argc > 1) { int x = 0x7fffffff; x += argc; return x == 0; }   /* UBSan: signed overflow */
  char *p = malloc(8); memset(p, 0, 9); free(p); return 0;         /* ASan: heap overflow */
}
EOF
gcc -g $SAN_FLAGS -o "$probe/probe" "$probe/probe.c" 2>/dev/null || exit 1
"$probe/probe" >/dev/null 2>&1
ubsan_said=$("$probe/probe" ubsan 2>&1 >/dev/null)
found=$(reports | xargs -r cat)
rm -rf "$probe"
echo "$found" | grep -q "heap-buffer-overflow" &&
  echo "$ubsan_said" | grep -q "runtime error: signed integer overflow" \
  || {
    echo "the sanitizers did not report the planted errors: this job would see nothing"
    echo "$found$ubsan_said"
    exit 1
  }
rm -f "$logs"/*
echo "ok: ASan and UBSan reports are caught"

step "suite: the native tests on the sanitized addon"
shopt -s nullglob  # every package's test/kvm/*.test.js: every real-KVM test, wherever /dev/kvm opens
files=(
  test/unit/arguments.test.js test/unit/kvmclock-policy.test.js
  test/kvm/*.test.js cli/test/kvm/*.test.js vmm/*/test/kvm/*.test.js
  test/double/s390-tod.test.js test/double/s390-guest-clock.test.js test/double/s390-byte-order.test.js
  test/robustness/descriptors.test.js test/robustness/threads.test.js test/robustness/faults-guest-clock.test.js
  test/robustness/fuzz-native.test.js test/robustness/fuzz-api.test.js test/robustness/fuzz-sections.test.js
)
present=()
for f in "${files[@]}"; do
  if [ -f "$f" ]; then present+=("$f"); else echo "note: $f is gone; skipped"; fi
done
status=0
KVM_TOD_SUITE_LABEL="sanitizers (ASan+UBSan)" KVM_TOD_ADDON="$addon" LD_PRELOAD="$asan_runtime $double" \
  node node_modules/mocha/bin/mocha.js --no-config --reporter @kvm-tod/testkit/tally-reporter \
  --timeout 600000 --slow 20000 "${present[@]}" 2> >(tee "$logs/mocha.stderr" >&2) || status=1
wait  # for tee

step "sanitizer reports"
if [ -n "$(reports)" ] || grep -qE "$MARKS" "$logs/mocha.stderr"; then
  for r in $(reports); do echo "--- $r"; cat "$r"; done
  grep -E -A30 "$MARKS" "$logs/mocha.stderr"
  echo "FAIL: the sanitizers reported the above"
  status=1
else
  echo "none"
fi
exit $status
