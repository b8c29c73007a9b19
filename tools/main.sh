#!/usr/bin/env bash
# The main job: install what is missing, build a release, benchmark every
# algorithm on the shipped tables across route counts, fit the QPS-decay
# model and write results/decay.csv, results/decay.png and the summary table.
# usage: tools/main.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
exec bench/run.sh "$@"
