#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""QPS-decay analysis of a routematch-bench sweep (standard library only).

Reads the Google Benchmark JSON of `routematch-bench --sweep`, and writes:
  decay.csv    one row per algorithm and route count: medians and spread of
               the repetitions, every counter, the model's prediction;
  memlat.csv   the memory-latency curve measured in the same run;
  summary.txt  the summary table (also printed), model parameters, knees;
  decay.gp     the gnuplot script, and decay.png, the plot (when gnuplot runs).

The model (see bench/README.md, "The QPS-decay model"): per algorithm,

    t(N) = a + b * J(N) + c * M(N)

t     ns per lookup (median of the repetitions);
J     jumps per lookup: distinct heap blocks a lookup reads (memtrace), or the
      algorithm's nodes per lookup when blocks were not traced;
M     the memory stall of a lookup if each jump were a dependent load (ns):
      the sum over the blocks it reads of lat(F) - lat0. lat(F) is the
      dependent-load latency the memlat benchmarks measured for a working set
      of F bytes (log-linear interpolation), lat0 its smallest value (an L1
      hit). F is the block's reuse footprint: the distinct bytes the lookups
      between two uses of it read. A block that k of the K traced lookups
      read is reused every K/k lookups; D(w), the distinct lines w lookups
      read, comes from the traced lines' frequencies; F = min(W, 64 D(K/k))
      with W the router's bytes. A block read by one traced lookup only has a
      frequency between once per stream and once per K lookups; its weight is
      spread log-uniformly over that range. So the top of a tree costs an L1
      hit and the blocks of a single route cost what a table of W bytes
      costs. (Without memtrace's histograms: M = J * (lat(W) - lat0).)
a, b >= 0 and 0 <= c <= 1 are fitted by least squares on relative residuals
(each row divided by its measured time), the bounds enforced exactly by
trying every parameter free, at 0 and at its bound; c <= 1 because a
dependent miss costs at most its measured latency (c < 1: loads overlap).
The predictive fit uses N <= 10,000 only; its error is reported on the
larger N.

The knee is Kneedle (Satopaa, Albrecht, Irwin, Raghavan, "Finding a
'Kneedle' in a Haystack", ICDCS workshops 2011) on (log10 N, log10 median
QPS), the axes of the plot, sensitivity S = 1, no smoothing (the points are
medians already).
"""

import argparse
import csv
import datetime
import json
import math
import os
import shutil
import statistics
import subprocess
import sys

TRAIN_MAX = 10000  # the predictive fit sees N <= this
C_MAX = 1.0  # a dependent miss costs at most its measured latency

COUNTERS = [
    "nodes_per_lookup", "blocks_per_lookup", "lines_per_lookup", "accesses_per_lookup",
    "locality", "hook_lines_per_lookup", "hook_bytes_per_lookup", "llc_misses_per_lookup",
    "bytes_per_route", "router_bytes", "bindings", "tree_nodes", "build_ms", "hit_ratio",
    "stream_len", "traced_lookups", "stall_ns",
]
REUSE_BUCKETS = 24

COLORS = {"reference": "#7f7f7f", "trie": "#1f77b4", "radix": "#d62728",
          "adaptive": "#2ca02c", "hashfloor": "#000000"}


# ---- Reading ----

def parse_name(name):
    """'match/trie/1000' -> ('trie', 1000); 'floor/hash/10' -> ('hashfloor', 10);
    'memlat/16384' -> ('memlat', 16384); anything else -> None."""
    parts = [p for p in name.split("/") if p and p != "real_time"]
    try:
        if parts[0] == "match" and len(parts) >= 3:
            return parts[1], int(parts[2])
        if parts[0] == "floor" and len(parts) >= 3:
            return "hashfloor", int(parts[2])
        if parts[0] == "memlat" and len(parts) >= 2:
            return "memlat", int(parts[1])
    except ValueError:
        pass
    return None


def median(v):
    return statistics.median(v) if v else math.nan


def quantile(v, q):
    """Linear-interpolation quantile of a list (q in [0, 1])."""
    if not v:
        return math.nan
    s = sorted(v)
    pos = q * (len(s) - 1)
    lo = int(math.floor(pos))
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def load(path):
    with open(path) as f:
        doc = json.load(f)
    groups = {}  # (algo, n) -> {"runs": [...], "errors": [...]}
    for b in doc.get("benchmarks", []):
        if b.get("run_type", "iteration") != "iteration":
            continue
        key = parse_name(b.get("run_name", b.get("name", "")))
        if key is None:
            continue
        g = groups.setdefault(key, {"runs": [], "errors": [], "label": ""})
        if b.get("error_occurred"):
            g["errors"].append(b.get("error_message", "error"))
        else:
            g["runs"].append(b)
            g["label"] = b.get("label", g["label"])
    return doc.get("context", {}), groups


def summarize(groups):
    """Rows for every (algorithm, N) plus the memlat curve."""
    rows, memlat = [], []
    for (algo, n), g in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        runs = g["runs"]
        if algo == "memlat":
            if runs:
                memlat.append((n, median([r["ns_per_load"] for r in runs])))
            continue
        row = {"algorithm": algo, "routes": n, "table": g["label"], "reps": len(runs)}
        if not runs:
            row["status"] = g["errors"][0] if g["errors"] else "not run"
            rows.append(row)
            continue
        row["status"] = "ok"
        ns = [r["ns_per_lookup"] for r in runs]
        qps = [r["items_per_second"] for r in runs]
        row.update({
            "qps_median": median(qps), "qps_min": min(qps), "qps_max": max(qps),
            "ns_median": median(ns), "ns_p25": quantile(ns, 0.25), "ns_p75": quantile(ns, 0.75),
            "ns_min": min(ns), "ns_max": max(ns),
            "ns_cv_pct": (100 * statistics.stdev(ns) / statistics.mean(ns)) if len(ns) > 1
            else math.nan,
            "x_floor": median([r["x_floor"] for r in runs if "x_floor" in r]),
        })
        for c in COUNTERS + ["%s_%d" % (p, k) for p in ("reuse", "breuse")
                             for k in range(REUSE_BUCKETS)]:
            src = "routes" if c == "bindings" else c  # the counter is "routes"
            v = [r[src] for r in runs if src in r]
            row[c] = median(v)
        rows.append(row)
    memlat.sort()
    return rows, memlat


# ---- Memory latency curve ----

def make_lat(memlat):
    """Latency (ns) for a working set of w bytes: log2-linear interpolation of
    the memlat points, flat outside their range."""
    if not memlat:
        return None, math.nan
    xs = [math.log2(b) for b, _ in memlat]
    ys = [ns for _, ns in memlat]
    lat0 = min(ys)

    def lat(w):
        if not (w > 0):
            return math.nan
        x = math.log2(w)
        if x <= xs[0]:
            return ys[0]
        if x >= xs[-1]:
            return ys[-1]
        for i in range(1, len(xs)):
            if x <= xs[i]:
                t = (x - xs[i - 1]) / (xs[i] - xs[i - 1])
                return ys[i - 1] + t * (ys[i] - ys[i - 1])
        return ys[-1]
    return lat, lat0


# ---- Least squares with non-negative parameters ----

def solve(a, b):
    """Solve the square system a x = b (Gaussian elimination, partial
    pivoting). None when singular."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        if abs(m[p][c]) < 1e-12 * max(1.0, max(abs(v) for v in m[p][:n])):
            return None
        m[c], m[p] = m[p], m[c]
        for r in range(n):
            if r != c:
                f = m[r][c] / m[c][c]
                for k in range(c, n + 1):
                    m[r][k] -= f * m[c][k]
    return [m[i][n] / m[i][i] for i in range(n)]


def bounded_ls(x, y, upper):
    """min sum((x_i . p - y_i) / y_i)^2 subject to 0 <= p_j <= upper[j]
    (None: no upper bound), exactly: every parameter is tried free, at 0 and
    at its upper bound, and the best feasible solution is kept. Returns p or
    None."""
    k = len(x[0])
    rows = [([v / yi for v in xi], 1.0) for xi, yi in zip(x, y)]
    best, best_sse = None, math.inf
    for code in range(3 ** k):
        state = [(code // 3 ** j) % 3 for j in range(k)]  # 0 free, 1 zero, 2 upper
        if any(st == 2 and upper[j] is None for j, st in enumerate(state)):
            continue
        fixed = [0.0 if st == 1 else upper[j] if st == 2 else None
                 for j, st in enumerate(state)]
        cols = [j for j in range(k) if fixed[j] is None]
        if len(cols) > len(rows):
            continue
        resid = [(r, t - sum(r[j] * fixed[j] for j in range(k) if fixed[j] is not None))
                 for r, t in rows]
        if cols:
            ata = [[sum(r[i] * r[j] for r, _ in resid) for j in cols] for i in cols]
            atb = [sum(r[i] * t for r, t in resid) for i in cols]
            sol = solve(ata, atb)
            if sol is None:
                continue
        else:
            sol = []
        p = fixed[:]
        for j, v in zip(cols, sol):
            p[j] = v
        if any(v < 0 or (upper[j] is not None and v > upper[j] * (1 + 1e-12))
               for j, v in enumerate(p)):
            continue
        sse = sum((sum(pi * vi for pi, vi in zip(p, r)) - t) ** 2 for r, t in rows)
        if sse < best_sse - 1e-15:
            best, best_sse = p, sse
    return best


def stall(row, lat, lat0, steps=8):
    """M of the model (module docstring) for one row, in ns; NaN when the
    inputs are missing."""
    w_bytes = row.get("router_bytes", math.nan)
    k_traced = row.get("traced_lookups", math.nan)
    stream = row.get("stream_len", math.nan)
    if lat is None or not (w_bytes == w_bytes):
        return math.nan

    def hist(prefix):
        """[(count c, per-lookup touches)] of a reuse histogram."""
        out = []
        for k in range(REUSE_BUCKETS):
            v = row.get("%s_%d" % (prefix, k), math.nan)
            if v == v and v > 0:
                out.append((1.0 if k == 0 else min(k_traced, 2 ** k * math.sqrt(2)), v))
        return out
    blocks, lines = hist("breuse"), hist("reuse")
    if not blocks or not lines or not (k_traced == k_traced):
        j = row.get("blocks_per_lookup", row.get("nodes_per_lookup", math.nan))
        return j * (lat(w_bytes) - lat0)  # no histogram: every jump at W
    # Distinct lines of the sample per count, and D(w): distinct lines that
    # w consecutive lookups read (independent draws with the sampled
    # frequencies; past K, each lookup adds its once-seen lines).
    distinct = [(c, v * k_traced / c) for c, v in lines]
    d_k = sum(n for _, n in distinct)
    once = sum(n for c, n in distinct if c == 1.0) / k_traced

    def footprint(w):
        if w <= k_traced:
            d = sum(n * (1 - (1 - c / k_traced) ** w) for c, n in distinct)
        else:
            d = d_k + (w - k_traced) * once
        return min(w_bytes, 64 * d)
    m = 0.0
    for c, v in blocks:
        if c > 1.0:
            m += v * (lat(footprint(k_traced / c)) - lat0)
            continue
        # Read by one traced lookup: frequency somewhere between once per
        # stream and once per K lookups; spread log-uniformly.
        p_lo, p_hi = 1.0 / max(stream if stream == stream else k_traced, k_traced), \
            1.0 / k_traced
        for i in range(steps):
            p = math.exp(math.log(p_lo) + (i + 0.5) / steps * (math.log(p_hi) - math.log(p_lo)))
            m += v / steps * (lat(footprint(1 / p)) - lat0)
    return m


def features(row, lat, lat0):
    """[1, J, M] for a row, or None when a feature is missing."""
    j = row.get("blocks_per_lookup", math.nan)
    if not (j == j):
        j = row.get("nodes_per_lookup", math.nan)
    m = row.get("stall_ns", math.nan)
    if not (j == j) or not (m == m):
        return None
    return [1.0, j, m]


def fit_algorithm(rows, lat, lat0):
    """Fit on N <= TRAIN_MAX and on all N; fill row['model_ns'] from the
    predictive fit. Returns a dict of results."""
    ok = [r for r in rows if r["status"] == "ok"]
    feats = [(r, features(r, lat, lat0)) for r in ok]
    feats = [(r, f) for r, f in feats if f is not None]
    train = [(r, f) for r, f in feats if r["routes"] <= TRAIN_MAX]
    res = {"train_points": len(train), "points": len(feats)}
    upper = [None, None, C_MAX]
    p = bounded_ls([f for _, f in train], [r["ns_median"] for r, _ in train], upper) \
        if len(train) >= 3 else None
    res["params"] = p
    res["params_all"] = bounded_ls([f for _, f in feats], [r["ns_median"] for r, _ in feats],
                                   upper) if len(feats) >= 3 else None
    errs_test, errs_train = [], []
    for r, f in feats:
        if p is None:
            continue
        pred = sum(a * b for a, b in zip(p, f))
        r["model_ns"] = pred
        r["model_err_pct"] = 100 * (pred - r["ns_median"]) / r["ns_median"]
        (errs_train if r["routes"] <= TRAIN_MAX else errs_test).append(abs(r["model_err_pct"]))
    res["mape_test"] = statistics.mean(errs_test) if errs_test else math.nan
    res["max_test"] = max(errs_test) if errs_test else math.nan
    res["n_test"] = len(errs_test)
    res["mape_train"] = statistics.mean(errs_train) if errs_train else math.nan
    return res


# ---- Kneedle ----

def kneedle(xs, ys, s=1.0):
    """Knee of the curve (xs increasing) by Kneedle. Returns (index, how)
    where how says which case applied, or (None, reason)."""
    n = len(xs)
    if n < 4:
        return None, "fewer than 4 points"
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    if x1 == x0 or y1 == y0:
        return None, "flat curve"
    xn = [(x - x0) / (x1 - x0) for x in xs]
    yn = [(y - y0) / (y1 - y0) for y in ys]
    decreasing = yn[-1] < yn[0]
    # Bring the curve into the paper's concave-increasing form.
    if decreasing:
        concave = statistics.mean(y - (1 - x) for x, y in zip(xn, yn)) > 0
    else:
        concave = statistics.mean(y - x for x, y in zip(xn, yn)) > 0
    if decreasing and concave:  # plateau, then a drop: flip x
        xt, yt, order = [1 - x for x in xn], yn[:], list(range(n))[::-1]
    elif decreasing:  # drop, then a plateau: flip y
        xt, yt, order = xn[:], [1 - y for y in yn], list(range(n))
    elif concave:
        xt, yt, order = xn[:], yn[:], list(range(n))
    else:
        xt, yt, order = [1 - x for x in xn], [1 - y for y in yn], list(range(n))[::-1]
    xt = [xt[i] for i in order]
    yt = [yt[i] for i in order]
    yd = [y - x for x, y in zip(xt, yt)]  # the difference curve
    step = statistics.mean(xt[i + 1] - xt[i] for i in range(n - 1))
    lmx = [i for i in range(1, n - 1) if yd[i - 1] < yd[i] >= yd[i + 1]]
    kind = ("concave" if concave else "convex") + (" decreasing" if decreasing else
                                                    " increasing")
    for k, i in enumerate(lmx):
        threshold = yd[i] - s * step
        nxt = lmx[k + 1] if k + 1 < len(lmx) else n
        if any(yd[j] < threshold for j in range(i + 1, nxt)):
            return order[i], kind
    # No local maximum confirmed by the threshold rule: take the largest
    # difference, as the paper's offline variant does.
    i = max(range(n), key=lambda j: yd[j])
    if i in (0, n - 1):
        return None, kind + ", no interior maximum"
    return order[i], kind + ", max of difference curve"


# ---- Output ----

def fmt(v, spec="{:.4g}"):
    if v is None or (isinstance(v, float) and v != v):
        return "nan"
    return spec.format(v) if isinstance(v, float) else str(v)


def ratio(v):
    """A multiple of the floor: one decimal below 100."""
    return fmt(v, "{:.1f}" if v == v and v < 100 else "{:.0f}")


def human(n):
    for unit, div in (("M", 1e6), ("k", 1e3)):
        if n >= div:
            return ("{:.3g}" + unit).format(n / div)
    return "{:.3g}".format(n)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("json", help="Google Benchmark JSON of routematch-bench --sweep")
    ap.add_argument("--out", default="results", help="output folder (results)")
    ap.add_argument("--no-plot", action="store_true", help="do not run gnuplot")
    ap.add_argument("--note", default="", help="extra line for the headers")
    args = ap.parse_args()

    ctx, groups = load(args.json)
    rows, memlat = summarize(groups)
    lat, lat0 = make_lat(memlat)
    os.makedirs(args.out, exist_ok=True)

    for r in rows:
        if r.get("status") == "ok":
            r["stall_ns"] = stall(r, lat, lat0)
    known = ["reference", "trie", "radix", "adaptive"]
    algos = sorted({r["algorithm"] for r in rows if r["algorithm"] != "hashfloor"},
                   key=lambda a: (known.index(a) if a in known else len(known), a))
    results = {}
    for a in algos:
        ar = [r for r in rows if r["algorithm"] == a]
        res = fit_algorithm(ar, lat, lat0)
        ok = [r for r in ar if r["status"] == "ok"]
        knee, how = kneedle([math.log10(r["routes"]) for r in ok],
                            [math.log10(r["qps_median"]) for r in ok])
        res["knee"] = ok[knee] if knee is not None else None
        res["knee_how"] = how
        res["rows"] = ar
        res["ok"] = ok
        results[a] = res
    for r in rows:
        if r.get("status") == "ok" and lat is not None and r.get("router_bytes", math.nan) == \
                r.get("router_bytes", math.nan):
            r["mem_latency_ns"] = lat(r["router_bytes"])
    floors = {r["routes"]: r for r in rows if r["algorithm"] == "hashfloor" and
              r["status"] == "ok"}
    for r in rows:
        f = floors.get(r["routes"])
        if f is not None:
            r["floor_ns"] = f["ns_median"]

    # Header lines shared by the CSV and the summary.
    date = ctx.get("date", datetime.datetime.now().isoformat())
    reps = max((r.get("reps", 0) for r in rows), default=0)
    head = [
        "routematch QPS-decay sweep (routematch-bench --sweep; bench/decay.py)",
        "date: {}".format(date),
        "cpu: {} ({} cpus, {} MHz); caches: {}".format(
            ctx.get("cpu_model", "unknown"), ctx.get("num_cpus", "?"),
            ctx.get("mhz_per_cpu", "?"),
            ", ".join("L{} {} {} KiB (shared by {})".format(
                c.get("level"), c.get("type", ""), c.get("size", 0) // 1024,
                c.get("num_sharing", "?"))
                for c in ctx.get("caches", []) if c.get("type") != "Instruction")),
        "hardware counters: {}".format(ctx.get("hw_counters", "unknown")),
        "load average at start: {} (other processes share the caches and cores)".format(
            " ".join("{:.2f}".format(v) for v in ctx.get("load_avg", [])) or "unknown"),
        "cache lines / blocks per lookup: memtrace (trap-flag tracer of router memory); "
        "algorithm probes: {}".format(ctx.get("probe", "unknown")),
        "build: routematch {} (Google Benchmark's library says it is a '{}' build: the Debian "
        "package; the timed loops are routematch-bench's own code)".format(
            ctx.get("routematch_build_type", "?"), ctx.get("library_build_type", "?")),
        "traffic: {}; seed {}".format(ctx.get("traffic", "?"), ctx.get("seed", "?")),
        "tables: {}".format(ctx.get("tables", "?")),
        "timing: CPU time of the benchmark thread; {} repetitions per point (median, "
        "spread = min..max and p25..p75); warm-up pass before timing".format(reps),
    ]
    if args.note:
        head.append(args.note)

    cols = ["algorithm", "routes", "status", "reps", "qps_median", "qps_min", "qps_max",
            "ns_median", "ns_p25", "ns_p75", "ns_min", "ns_max", "ns_cv_pct", "floor_ns",
            "x_floor"] + COUNTERS + ["mem_latency_ns", "model_ns", "model_err_pct", "table"]
    with open(os.path.join(args.out, "decay.csv"), "w", newline="") as f:
        for h in head:
            f.write("# " + h + "\n")
        f.write("# model: ns = a + b*jumps + c*stall_ns, fitted on N <= {} "
                "(see summary.txt and bench/README.md)\n".format(TRAIN_MAX))
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols)
        order = algos + ["hashfloor"]
        for r in sorted(rows, key=lambda r: (order.index(r["algorithm"]), r["routes"])):
            w.writerow([fmt(r.get(c, math.nan), "{:.6g}") if c not in ("algorithm", "status",
                                                                       "table")
                        else r.get(c, "") for c in cols])
    with open(os.path.join(args.out, "memlat.csv"), "w", newline="") as f:
        f.write("# dependent-load latency by working-set size (memlat benchmarks), same run\n")
        f.write("working_set_bytes,ns_per_load\n")
        for b, ns in memlat:
            f.write("{},{:.4g}\n".format(b, ns))

    # Summary.
    out = []
    out += head
    out.append("")
    row_fmt = "{:<10} {:>6} {:>7} {:>7} {:>8} {:>8} {:>7} {:>11} {:>11} {:>11} {:>14}"
    out.append(row_fmt.format(
        "algorithm", "jump", "nodes", "lines", "locality", "knee", "QPS at", "QPS",
        "QPS", "x floor", "model error"))
    out.append(row_fmt.format(
        "", "depth", "/lookup", "/lookup", "0-100", "(routes)", "knee", "smallest N",
        "largest N", "small/large", "N>10k mean/max"))
    for a in algos:
        res = results[a]
        ok = res["ok"]
        if not ok:
            out.append("{:<10} no successful point".format(a))
            continue

        def mean_of(c):
            v = [r[c] for r in ok if r.get(c, math.nan) == r.get(c, math.nan)]
            return statistics.mean(v) if v else math.nan
        k = res["knee"]
        err = "n/a" if res["n_test"] == 0 else "{:.0f}% / {:.0f}%".format(res["mape_test"],
                                                                         res["max_test"])
        out.append(row_fmt.format(
            a, fmt(mean_of("blocks_per_lookup"), "{:.1f}"),
            fmt(mean_of("nodes_per_lookup"), "{:.1f}"),
            fmt(mean_of("lines_per_lookup"), "{:.1f}"), fmt(mean_of("locality"), "{:.0f}"),
            human(k["routes"]) if k else "none", human(k["qps_median"]) if k else "-",
            human(ok[0]["qps_median"]) + "@" + human(ok[0]["routes"]),
            human(ok[-1]["qps_median"]) + "@" + human(ok[-1]["routes"]),
            ratio(ok[0].get("x_floor", math.nan)) + "/" + ratio(ok[-1].get("x_floor", math.nan)),
            err))
    if floors:
        fl = sorted(floors.values(), key=lambda r: r["routes"])
        out.append(row_fmt.format(
            "hashfloor", "-", "-", "-", "-", "-", "-",
            human(fl[0]["qps_median"]) + "@" + human(fl[0]["routes"]),
            human(fl[-1]["qps_median"]) + "@" + human(fl[-1]["routes"]), "1.0/1.0", "-"))
    out.append("")
    out.append("jump depth: distinct heap blocks a lookup reads (memtrace), mean over sizes;")
    out.append("nodes: the algorithm's own count (probe hook), mean over sizes; lines: distinct")
    out.append("64-byte lines of router memory per lookup, mean over sizes; locality: share of")
    out.append("a lookup's accesses to router memory that fall on a line it already touched")
    out.append("(100 = every load after the first of each line is a cold-cache L1 hit), mean")
    out.append("over sizes. knee: Kneedle on (log10 N, log10 median QPS), S=1. x floor: ns per")
    out.append("lookup over the hash floor's on the same request strings, same run.")
    out.append("")
    out.append("Model: ns/lookup = a + b*J + c*M; J jumps (heap blocks) per lookup, M stall")
    out.append("(ns) per lookup = sum over its blocks of lat(reuse footprint) - lat0, lat the")
    out.append("dependent-load latency measured in the same run (memlat; lat0 = {} ns);".format(
        fmt(lat0, "{:.2f}")))
    out.append("see bench/README.md. Fitted on N <= {} (least squares on relative residuals,".format(
        TRAIN_MAX))
    out.append("a, b >= 0, 0 <= c <= 1):")
    out.append("{:<10} {:>9} {:>9} {:>7} {:>7} {:>12} {:>26}".format(
        "algorithm", "a (ns)", "b (ns/J)", "c", "points", "fit error", "all-N fit a / b / c"))
    for a in algos:
        res = results[a]
        p, pa = res["params"], res["params_all"]
        out.append("{:<10} {:>9} {:>9} {:>7} {:>7} {:>12} {:>26}".format(
            a, fmt(p[0], "{:.1f}") if p else "n/a", fmt(p[1], "{:.2f}") if p else "n/a",
            fmt(p[2], "{:.3f}") if p else "n/a", res["train_points"],
            fmt(res["mape_train"], "{:.1f}%"),
            " / ".join(fmt(v, "{:.3g}") for v in pa) if pa else "n/a"))
    out.append("")
    for a in algos:
        res = results[a]
        skipped = [r for r in res["rows"] if r["status"] != "ok"]
        line = "{}: knee {} ({})".format(
            a, "N=" + str(res["knee"]["routes"]) if res["knee"] else "not found",
            res["knee_how"])
        if res["n_test"]:
            line += "; prediction error on {} sizes > {}: mean {:.1f}%, max {:.1f}%".format(
                res["n_test"], TRAIN_MAX, res["mape_test"], res["max_test"])
        out.append(line)
        if skipped:
            out.append("  not measured at N = {}: {}".format(
                ", ".join(str(r["routes"]) for r in skipped), skipped[0]["status"]))
    text = "\n".join(out) + "\n"
    with open(os.path.join(args.out, "summary.txt"), "w") as f:
        f.write(text)
    sys.stdout.write(text)

    write_plot(args, rows, results, algos, floors, ctx, reps)
    return 0


def write_plot(args, rows, results, algos, floors, ctx, reps):
    gp = []
    gp.append("# gnuplot script written by bench/decay.py")
    gp.append("set terminal pngcairo size 1200,1100 font 'Sans,11' noenhanced")
    gp.append("set output '{}'".format(os.path.join(args.out, "decay.png")))
    for a in algos + (["hashfloor"] if floors else []):
        src = results[a]["ok"] if a in results else sorted(floors.values(),
                                                          key=lambda r: r["routes"])
        gp.append("$D_{} << EOD".format(a))
        for r in src:
            gp.append("{} {:.6g} {:.6g} {:.6g} {} {} {}".format(
                r["routes"], r["qps_median"], r["qps_min"], r["qps_max"],
                fmt(1e9 / r["model_ns"], "{:.6g}") if r.get("model_ns", 0) > 0 else "NaN",
                fmt(r.get("lines_per_lookup", math.nan), "{:.4g}").replace("nan", "NaN"),
                fmt(r.get("blocks_per_lookup", math.nan), "{:.4g}").replace("nan", "NaN")))
        gp.append("EOD")
    gp.append("set multiplot layout 2,1 title 'routematch: lookup throughput as the route table "
              "grows ({}, {})' font 'Sans,13'".format(ctx.get("cpu_model", "?"),
                                                     ctx.get("traffic", "?").split(":")[0]))
    gp.append("set logscale x")
    gp.append("set logscale y")
    gp.append("set grid xtics ytics mxtics")
    gp.append("set format x '%.0s%c'")
    gp.append("set key outside right top")
    gp.append("set xlabel 'routes in the table (log scale; above the real pool: copies under "
              "/t1/.. prefixes)'")
    gp.append("set ylabel 'lookups per second (CPU time)'")
    gp.append("set title 'Lookups per second: median of {} repetitions (bars min..max), dashed: "
              "model fitted on N <= {}, circle: Kneedle knee'".format(reps, TRAIN_MAX))
    gp.append("set arrow 1 from {0},graph 0 to {0},graph 1 nohead dt 3 lw 1.5 lc rgb '#555555' "
              "front".format(TRAIN_MAX))
    gp.append("set label 1 'model fitted left of this line' at {0},graph 0.04 offset 0.5,0 "
              "font 'Sans,9' tc rgb '#555555' front".format(TRAIN_MAX))
    plots = []
    for a in algos:
        c = COLORS.get(a, "#9467bd")
        plots.append("$D_{0} using 1:2:3:4 with yerrorlines lc rgb '{1}' pt 7 ps 0.8 lw 2 "
                     "title '{0}'".format(a, c))
        if results[a]["params"]:
            plots.append("$D_{0} using 1:5 with lines dt 2 lw 2 lc rgb '{1}' "
                         "title '{0} model'".format(a, c))
        k = results[a]["knee"]
        if k:
            plots.append("'+' using ({0}):({1}) every ::0::0 with points pt 6 ps 3 lw 2 "
                         "lc rgb '{2}' title '{3} knee N={4}'".format(
                             k["routes"], k["qps_median"], c, a, k["routes"]))
    if floors:
        plots.append("$D_hashfloor using 1:2 with linespoints lc rgb '#000000' pt 2 dt 4 "
                     "title 'hash floor'")
    gp.append("plot " + ", \\\n     ".join(plots))
    gp.append("unset arrow 1")
    gp.append("unset label 1")
    gp.append("set ylabel 'per lookup (log scale)'")
    gp.append("set title 'Memory touched per lookup (memtrace): cache lines (solid) and heap "
              "blocks = pointer jumps (dashed)'")
    plots = []
    for a in algos:
        c = COLORS.get(a, "#9467bd")
        plots.append("$D_{0} using 1:6 with linespoints lc rgb '{1}' pt 7 ps 0.8 lw 2 "
                     "title '{0} lines'".format(a, c))
        plots.append("$D_{0} using 1:7 with linespoints lc rgb '{1}' pt 4 ps 0.8 lw 1 dt 2 "
                     "title '{0} jumps'".format(a, c))
    gp.append("plot " + ", \\\n     ".join(plots))
    gp.append("unset multiplot")
    path = os.path.join(args.out, "decay.gp")
    with open(path, "w") as f:
        f.write("\n".join(gp) + "\n")
    if args.no_plot:
        return
    if not shutil.which("gnuplot"):
        sys.stderr.write("decay.py: gnuplot not found; {} written, no PNG\n".format(path))
        return
    r = subprocess.run(["gnuplot", path], capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write("decay.py: gnuplot failed:\n" + r.stderr)
    else:
        sys.stderr.write("decay.py: wrote {}\n".format(os.path.join(args.out, "decay.png")))


if __name__ == "__main__":
    sys.exit(main())
