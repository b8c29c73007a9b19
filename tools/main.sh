#!/usr/bin/env bash
# The main job: install what is missing, build a release, benchmark every
# algorithm on the shipped tables across route counts, fit the QPS-decay
# model and write results/decay.csv, results/decay.png and the summary table.
# usage: tools/main.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x bench/run.sh ]; then
  exec bench/run.sh "$@"
fi
# Until the benchmark harness exists: build, check and answer the shipped tables.
tools/setup.sh base
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build/release
for t in data/routes/*.routes data/routes/*.routes.gz; do
  build/release/routematch check "$t" 2>/dev/null || true
done
