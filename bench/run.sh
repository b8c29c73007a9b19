#!/bin/sh
# SPDX-License-Identifier: MIT
# The main benchmark job: install what is missing, build routematch-bench in
# Release, run the QPS-decay sweep over every compiled-in algorithm, and write
# results/decay.csv, results/decay.png and results/summary.txt (the summary
# is printed too); then time the algorithms against each other on every
# shipped table in interleaved rounds (results/ratios.txt, printed too).
# Progress goes to standard error.
#
#   bench/run.sh            full sweep: 10 .. 1,000,000 routes (under 10 min on 2 cores)
#   bench/run.sh --quick    CI: 10 .. 100,000 routes, short timings (under 1 min)
#   bench/run.sh --zipf     Zipf-distributed hits (exponent 1.1) instead of uniform
#   bench/run.sh -- ARGS    extra arguments for routematch-bench
#
# Environment: RTM_BUILD_DIR (default build-release), RTM_RESULTS_DIR
# (default results), both relative to the repository root; RTM_NO_INSTALL=1
# to never call apt-get.
set -eu

root=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
cd "$root"
build=${RTM_BUILD_DIR:-build-release}
out=${RTM_RESULTS_DIR:-results}
quick=0
zipf=""
extra=""
while [ $# -gt 0 ]; do
    case $1 in
    --quick) quick=1 ;;
    --zipf) zipf=--zipf ;;
    --zipf=*) zipf=$1 ;;
    --help | -h)
        sed -n '3,18p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    --)
        shift
        extra=$*
        break
        ;;
    *)
        echo "run.sh: unknown argument '$1' (try --help)" >&2
        exit 2
        ;;
    esac
    shift
done

t0=$(date +%s)
say() { echo "[run.sh +$(($(date +%s) - t0))s] $*" >&2; }

# ---- 1. Dependencies (Debian packages) ----
need="cmake gcc g++ make pkg-config zlib1g-dev libxxhash-dev libbenchmark-dev gnuplot-nox python3"
missing=""
for p in $need; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "${RTM_NO_INSTALL:-0}" = 1 ]; then
        say "missing packages:$missing (RTM_NO_INSTALL=1: not installing)"
        exit 1
    fi
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    say "installing:$missing"
    $sudo apt-get update >&2
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends $missing >&2
fi
generator=""
if command -v ninja >/dev/null 2>&1; then
    generator="-G Ninja"
fi

# ---- 2. Release build ----
jobs=$(nproc 2>/dev/null || echo 2)
if [ -f "$build/CMakeCache.txt" ]; then
    say "configuring $build (existing)"
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DRTM_BUILD_BENCH=ON >/dev/null
else
    say "configuring $build (Release, RTM_BUILD_BENCH=ON)"
    # shellcheck disable=SC2086
    cmake -S . -B "$build" $generator -DCMAKE_BUILD_TYPE=Release -DRTM_BUILD_BENCH=ON \
        -DRTM_BUILD_TESTS=OFF >/dev/null
fi
say "building routematch-bench"
cmake --build "$build" --target routematch-bench --parallel "$jobs" >/dev/null
bench="$build/bench/routematch-bench"

# ---- 3. The sweep ----
mkdir -p "$out"
if [ "$quick" = 1 ]; then
    mode="--quick"
    flags="--benchmark_min_time=0.01 --benchmark_repetitions=3"
else
    mode=""
    flags="--benchmark_min_time=0.1 --benchmark_repetitions=7"
fi
say "sweep: $bench --sweep $mode $zipf $flags (progress below)"
# shellcheck disable=SC2086
"$bench" --sweep $mode $zipf $extra $flags --benchmark_min_warmup_time=0.02 \
    --benchmark_out="$out/decay.json" --benchmark_out_format=json >"$build/decay-console.txt"

# ---- 4. Model, knee, table and plot ----
say "fitting the model and plotting"
python3 bench/decay.py "$out/decay.json" --out "$out" \
    --note "command: bench/run.sh $mode $zipf (flags: $flags)"

# ---- 5. Interleaved ratios on every shipped table ----
say "building routematch-ratio"
cmake --build "$build" --target routematch-ratio --parallel "$jobs" >/dev/null
if [ "$quick" = 1 ]; then
    rflags="--rounds 5 --slot-ms 5 --policy-warmup 2"
else
    rflags="--rounds 31 --slot-ms 20"
fi
say "ratios: routematch-ratio --brief $rflags, uniform and Zipf, per table"
{
    echo "# routematch-ratio --brief $rflags (bench/README.md): median ns per lookup over"
    echo "# interleaved rounds; ratio: the faster of the others' rate over the candidate's"
    echo "# (adaptive), per round: median, p25, p75; at_target: rounds at >= 1.15x"
    for f in data/routes/*.routes data/routes/*.routes.gz; do
        [ -f "$f" ] || continue
        for z in "" --zipf; do
            # shellcheck disable=SC2086
            "$build/bench/routematch-ratio" --routes "$f" $z --brief $rflags
        done
    done
} >"$out/ratios.txt"
cat "$out/ratios.txt"
say "done: $out/decay.csv $out/decay.png $out/summary.txt $out/ratios.txt"
