#!/usr/bin/env bash
# The test command: install what is missing, build with warnings as errors,
# run every ctest (unit suites for every algorithm, golden CLI cases, fuzz
# corpus replays, the install/consumer check).
# usage: tools/test.sh [--sanitize address,undefined|thread] [--compiler gcc|clang] [ctest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
sanitize="" cc=gcc
while [ $# -gt 0 ]; do
  case $1 in
    --sanitize) sanitize=$2; shift 2 ;;
    --compiler) cc=$2; shift 2 ;;
    *) break ;;
  esac
done
tools/setup.sh test
build="build/test-${cc}${sanitize:+-${sanitize//,/-}}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER="$cc" \
  -DRTM_WERROR=ON -DRTM_DEBUG_VISITS=ON -DRTM_SANITIZE="$sanitize" >/dev/null
cmake --build "$build"
ctest --test-dir "$build" --output-on-failure -j2 "$@"
