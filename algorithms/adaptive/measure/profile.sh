#!/bin/sh
# SPDX-License-Identifier: MIT
# Per-lookup instructions, data reads, simulated D1 read misses, conditional
# branches and their simulated mispredictions (callgrind), for each
# algorithm on one table: two runs of lookup_profile (N = 0 and N = 100000)
# and their difference over N, so set-up cancels out.
#   algorithms/adaptive/measure/profile.sh TABLE [uniform|zipf]
# Needs valgrind and a Release build of the library in build-release/.
set -eu
root=$(CDPATH='' cd -- "$(dirname -- "$0")/../../.." && pwd)
table=$1
traffic=${2:-zipf}
bin=${TMPDIR:-/tmp}/rtm-lookup-profile
out=${TMPDIR:-/tmp}/rtm-lookup-profile.cg
cmake -S "$root" -B "$root/build-release" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build-release" --target routematch >/dev/null
cc -std=c11 -O2 -D_POSIX_C_SOURCE=200809L -I"$root/include" -I"$root/lib" -I"$root/bench" \
    -I"$root/algorithms/adaptive" "$root/algorithms/adaptive/measure/lookup_profile.c" \
    "$root/bench/workload.c" "$root/build-release/libroutematch.a" -lxxhash -lz -lpthread -lm \
    -o "$bin"
totals() { # the PROGRAM TOTALS row: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw Bc Bcm Bi Bim
    callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ {
        for (i = 1; i <= NF; i++) if ($i ~ /^[0-9,]+$/) { gsub(",", "", $i); printf "%s ", $i } }'
}
echo "table $(basename "$table"), $traffic traffic: per lookup (callgrind, N = 100000 minus N = 0)"
printf '%-14s %8s %8s %8s %8s %8s\n' algorithm instr reads D1miss branches mispred
for alg in trie radix adaptive adaptive+pack; do
    name=${alg%+pack}
    extra=""
    [ "$alg" = "$name" ] || extra=pack
    for n in 0 100000; do
        valgrind --tool=callgrind --cache-sim=yes --branch-sim=yes --callgrind-out-file="$out.$n" \
            "$bin" "$table" "$name" "$n" "$traffic" $extra >/dev/null 2>&1
    done
    # shellcheck disable=SC2046
    set -- $(totals "$out.0") $(totals "$out.100000")
    echo "$alg $*" | awk '{ n = 100000; printf "%-14s %8.0f %8.1f %8.2f %8.1f %8.2f\n",
        $1, ($15 - $2) / n, ($16 - $3) / n, ($19 - $6) / n, ($24 - $11) / n, ($25 - $12) / n }'
done
rm -f "$out.0" "$out.100000"
