/* SPDX-License-Identifier: MIT */
/* The C face of Google Benchmark. Benchmarks in this folder are plain C; they
 * describe themselves with a bench_spec (a name, an optional argument, and a
 * setup / run / teardown triple over a payload) and talk to the running
 * benchmark through an opaque bench_state. bench_shim.cc, the only C++ file
 * in the project, maps all of it onto benchmark::State and
 * benchmark::RegisterBenchmark. Not responsible for what is measured: that is
 * the benchmarks' business.
 *
 * Life cycle of one registered benchmark (spec + argument):
 *   setup(payload, arg)     once, right before its first run; a non-NULL
 *                           return is a reason to skip it (reported as an
 *                           error by Google Benchmark, the rest go on);
 *   run(payload, arg, st)   once per Google Benchmark run: the iteration-count
 *                           trials and every repetition. It loops with
 *                           bench_keep_running_batch() and sets counters;
 *   teardown(payload, arg)  once, when the next benchmark is set up or when
 *                           bench_run_all() finishes.
 * So an expensive fixture (a router holding a million routes) is built once
 * and only one fixture is alive at a time.
 *
 * With spec.threads > 1 every thread calls run() (its own bench_state,
 * bench_thread_index() tells them apart); setup and teardown still run once,
 * before any thread starts timing. Google Benchmark sums the counters that
 * the threads set, and with real_time its rates are total items over the
 * threads' mean wall time. */
#ifndef RTM_BENCH_BENCH_SHIM_H
#define RTM_BENCH_BENCH_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bench_state bench_state; /* opaque: a benchmark::State */

/* Returns NULL when ready, else a static or payload-owned reason to skip. */
typedef const char *(*bench_setup_fn)(void *payload, int64_t arg);
typedef void (*bench_run_fn)(void *payload, int64_t arg, bench_state *st);
typedef void (*bench_teardown_fn)(void *payload, int64_t arg);

/* One benchmark to register. Strings are copied by bench_register(). */
typedef struct bench_spec {
    const char *name;           /* "match/trie"; Google Benchmark adds "/<arg>" when has_arg */
    bench_setup_fn setup;       /* may be NULL */
    bench_run_fn run;           /* required */
    bench_teardown_fn teardown; /* may be NULL */
    void *payload;              /* handed to the three functions */
    int64_t arg;                /* the argument (State::range(0)) */
    bool has_arg;               /* register with ->Arg(arg) */
    bool real_time;             /* rates and times from the wall clock, not CPU time */
    double min_time;            /* seconds per run; 0: --benchmark_min_time */
    int repetitions;            /* 0: --benchmark_repetitions */
    int threads;                /* > 1: run with 1, 2, ..., threads threads (each thread calls
                                 * run() with its own state); 0 or 1: one thread */
} bench_spec;

/* Counter flags (benchmark::Counter::Flags). A plain counter (0) is reported
 * as set; the last run's value is what a repetition reports. */
#define BENCH_COUNTER_RATE           1u /* value / seconds */
#define BENCH_COUNTER_AVG_ITERATIONS 2u /* value / iterations */
#define BENCH_COUNTER_ITER_INVARIANT 4u /* value * iterations */
#define BENCH_COUNTER_INVERT         8u /* 1 / (the above) */

/* ---- Program ---- */

/* Hand the command line to Google Benchmark: it removes every
 * --benchmark_* flag it knows from argv and updates *argc. */
void bench_init(int *argc, char **argv);
/* True (and a message on stderr) when argv still holds an argument that
 * starts with "--benchmark_", i.e. a misspelled library flag. */
bool bench_report_unrecognized(int argc, char **argv);
/* Register one benchmark. Returns 0, or -1 on bad arguments. */
int bench_register(const bench_spec *spec);
/* Add a key/value pair to the report's context (console header and the
 * "context" object of --benchmark_format=json). */
void bench_add_context(const char *key, const char *value);
/* Run every registered benchmark that --benchmark_filter selects. Returns
 * the number run. Tears the last fixture down before returning. */
size_t bench_run_all(void);
void bench_shutdown(void);

/* ---- Inside run() ---- */

/* Loop condition: true while Google Benchmark wants `n` more iterations. */
bool bench_keep_running_batch(bench_state *st, uint64_t n);
/* This thread's index (0 .. bench_threads() - 1) and the run's thread count. */
int bench_thread_index(const bench_state *st);
int bench_threads(const bench_state *st);
/* Iterations of the current run so far. */
uint64_t bench_iterations(const bench_state *st);
void bench_set_items_processed(bench_state *st, int64_t items);
void bench_counter(bench_state *st, const char *name, double value, unsigned flags);
void bench_set_label(bench_state *st, const char *label);
/* Report the run as failed with `msg`; the caller returns at once. */
void bench_skip_with_error(bench_state *st, const char *msg);
void bench_pause_timing(bench_state *st);
void bench_resume_timing(bench_state *st);

/* Make the compiler assume *p is read (benchmark::DoNotOptimize). */
void bench_do_not_optimize(const void *p);

#ifdef __cplusplus
}
#endif
#endif
