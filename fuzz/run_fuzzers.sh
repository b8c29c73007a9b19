#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build the libFuzzer targets (clang, ASan+UBSan, the settings of the "fuzz"
# CMake preset) and run each for SECONDS. Exits non-zero when any target
# finds something (crash, assertion, leak, timeout, out-of-memory) or does
# not build. CI runs it with about 60 seconds per target.
#
# usage: fuzz/run_fuzzers.sh [SECONDS] [BUILD_DIR]
#   SECONDS    per target (default 60)
#   BUILD_DIR  default: $RTM_FUZZ_BUILD_DIR, else build/fuzz in this checkout
# environment:
#   FUZZ_TARGETS   space-separated subset (e.g. "diff_match pattern")
#
# Each target starts from its committed corpus (fuzz/corpus/<target>/) plus
# a working corpus kept in BUILD_DIR/fuzz-work/<target>/ between runs, with
# fuzz/dict/routes.dict. Findings are written to BUILD_DIR/fuzz-artifacts/;
# replay one with BUILD_DIR/fuzz/regress_<target> FILE (FUZZ_VERBOSE=1 or 2
# prints the decoded program), minimise it, and add it to the corpus with
# the fix.
set -euo pipefail

secs=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${2:-${RTM_FUZZ_BUILD_DIR:-$root/build/fuzz}}

case $secs in
  '' | *[!0-9]*) echo "usage: $0 [SECONDS] [BUILD_DIR]" >&2; exit 2 ;;
esac
if ! command -v clang >/dev/null 2>&1; then
  echo "run_fuzzers: clang not found (tools/setup.sh fuzz installs it)" >&2
  exit 2
fi

generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
echo "run_fuzzers: building in $build" >&2
mkdir -p "$build"
# A build directory configured from another checkout cannot be reused.
if [ -f "$build/CMakeCache.txt" ] &&
  ! grep -qxF "CMAKE_HOME_DIRECTORY:INTERNAL=$root" "$build/CMakeCache.txt"; then
  echo "run_fuzzers: $build belongs to another source tree; rebuilding from scratch" >&2
  find "$build" -mindepth 1 -maxdepth 1 ! -name fuzz-work -exec rm -rf {} +
fi
cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_C_COMPILER=clang \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRTM_BUILD_FUZZ=ON -DRTM_SANITIZE=address,undefined \
  -DRTM_BUILD_TESTS=OFF -DRTM_INSTALL=OFF >"$build/configure.log" 2>&1 || {
  cat "$build/configure.log" >&2
  exit 1
}
cmake --build "$build" >"$build/build.log" 2>&1 || {
  tail -50 "$build/build.log" >&2
  exit 1
}

targets=${FUZZ_TARGETS:-}
if [ -z "$targets" ]; then
  for bin in "$build"/fuzz/fuzz_*; do
    [ -x "$bin" ] && targets="$targets ${bin##*/fuzz_}"
  done
fi
if [ -z "$targets" ]; then
  echo "run_fuzzers: no fuzz targets were built" >&2
  exit 1
fi

mkdir -p "$build/fuzz-work" "$build/fuzz-artifacts"
status=0
printf '%-12s %10s %8s %10s  %s\n' target runs seconds exec/s result
for t in $targets; do
  bin="$build/fuzz/fuzz_$t"
  work="$build/fuzz-work/$t"
  log="$build/fuzz-work/$t.log"
  mkdir -p "$work"
  seeds=()
  [ -d "$root/fuzz/corpus/$t" ] && seeds=("$root/fuzz/corpus/$t")
  set +e
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "$bin" -max_total_time="$secs" -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
    -dict="$root/fuzz/dict/routes.dict" -artifact_prefix="$build/fuzz-artifacts/$t-" \
    "$work" "${seeds[@]}" >"$log" 2>&1
  rc=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  if [ $rc -eq 0 ]; then
    result=ok
  else
    result="FINDING (exit $rc), log $log"
    status=1
  fi
  printf '%-12s %10s %8s %10s  %s\n' "$t" "${runs:-?}" "$secs" "${rate:-?}" "$result"
  if [ $rc -ne 0 ]; then
    grep -E 'FUZZ_ASSERT|ERROR: |SUMMARY: |runtime error|Test unit written' "$log" | head -20 >&2
  fi
done
exit $status
