/* SPDX-License-Identifier: MIT */
/* The only C++ file of the project: bench_shim.h implemented on Google
 * Benchmark (Debian libbenchmark-dev 1.7). It registers C benchmarks,
 * forwards the state, counters and flags, and gives each registered
 * benchmark the setup-once / teardown-when-the-next-starts life cycle that
 * the header describes. Not responsible for any measurement of its own. */
#include "bench_shim.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

namespace
{

struct Entry {
    std::string name;   // registered name (without the "/<arg>" suffix)
    bench_spec spec;    // the caller's spec; spec.name points into `name`
    bool ready = false; // setup() has run and succeeded
    std::string skip;   // setup()'s reason to skip, when it failed
};

// Entries never move: the registered lambdas keep their index.
std::vector<Entry> &entries()
{
    static std::vector<Entry> v;
    return v;
}

// Index of the entry whose fixture is alive, or -1.
long active = -1;

// A multi-threaded benchmark calls activate() from every thread: the first
// sets the fixture up while the others wait, then they find it ready.
std::mutex &active_lock()
{
    static std::mutex m;
    return m;
}

void teardown_active()
{
    if (active < 0)
        return;
    Entry &e = entries()[static_cast<size_t>(active)];
    if (e.ready && e.spec.teardown)
        e.spec.teardown(e.spec.payload, e.spec.arg);
    e.ready = false;
    active = -1;
}

// Make entry `i`'s fixture the live one. Returns false when it must be skipped.
bool activate(size_t i)
{
    std::lock_guard<std::mutex> guard(active_lock());
    Entry &e = entries()[i];
    if (active == static_cast<long>(i))
        return e.skip.empty();
    teardown_active();
    active = static_cast<long>(i);
    e.skip.clear();
    const char *why = e.spec.setup ? e.spec.setup(e.spec.payload, e.spec.arg) : nullptr;
    if (why) {
        e.skip = why;
        return false;
    }
    e.ready = true;
    return true;
}

benchmark::State &S(bench_state *st)
{
    return *reinterpret_cast<benchmark::State *>(st);
}

const benchmark::State &S(const bench_state *st)
{
    return *reinterpret_cast<const benchmark::State *>(st);
}

} // namespace

extern "C" {

void bench_init(int *argc, char **argv)
{
    benchmark::Initialize(argc, argv);
}

bool bench_report_unrecognized(int argc, char **argv)
{
    // benchmark::ReportUnrecognizedArguments() would flag the program's own
    // options too; only a leftover --benchmark_* flag is the library's.
    bool bad = false;
    for (int i = 1; i < argc; i++) {
        if (std::strncmp(argv[i], "--benchmark_", 12) == 0) {
            std::fprintf(stderr, "%s: unrecognized Google Benchmark flag: %s\n", argv[0], argv[i]);
            bad = true;
        }
    }
    return bad;
}

int bench_register(const bench_spec *spec)
{
    if (!spec || !spec->name || !spec->run)
        return -1;
    std::vector<Entry> &v = entries();
    v.reserve(v.size() + 1);
    size_t idx = v.size();
    v.push_back(Entry{});
    Entry &e = v.back();
    e.name = spec->name;
    e.spec = *spec;
    e.spec.name = nullptr; // the copy in e.name is what counts
    // Registration happens before any run; later push_backs may move the
    // vector, so the lambda captures the index, not a pointer.
    benchmark::internal::Benchmark *b =
        benchmark::RegisterBenchmark(e.name.c_str(), [idx](benchmark::State &state) {
            if (!activate(idx)) {
                state.SkipWithError(entries()[idx].skip.c_str());
                return;
            }
            const bench_spec &sp = entries()[idx].spec;
            sp.run(sp.payload, sp.arg, reinterpret_cast<bench_state *>(&state));
        });
    if (spec->has_arg)
        b->Arg(spec->arg);
    if (spec->real_time)
        b->UseRealTime();
    if (spec->min_time > 0)
        b->MinTime(spec->min_time);
    if (spec->repetitions > 0)
        b->Repetitions(spec->repetitions);
    if (spec->threads > 1)
        b->DenseThreadRange(1, spec->threads);
    b->Unit(benchmark::kNanosecond);
    return 0;
}

void bench_add_context(const char *key, const char *value)
{
    benchmark::AddCustomContext(key, value);
}

size_t bench_run_all(void)
{
    size_t n = benchmark::RunSpecifiedBenchmarks();
    teardown_active();
    return n;
}

void bench_shutdown(void)
{
    benchmark::Shutdown();
}

bool bench_keep_running_batch(bench_state *st, uint64_t n)
{
    return S(st).KeepRunningBatch(static_cast<benchmark::IterationCount>(n));
}

int bench_thread_index(const bench_state *st)
{
    return S(st).thread_index();
}

int bench_threads(const bench_state *st)
{
    return S(st).threads();
}

uint64_t bench_iterations(const bench_state *st)
{
    return static_cast<uint64_t>(S(st).iterations());
}

void bench_set_items_processed(bench_state *st, int64_t items)
{
    S(st).SetItemsProcessed(items);
}

void bench_counter(bench_state *st, const char *name, double value, unsigned flags)
{
    int f = benchmark::Counter::kDefaults;
    if (flags & BENCH_COUNTER_RATE)
        f |= benchmark::Counter::kIsRate;
    if (flags & BENCH_COUNTER_AVG_ITERATIONS)
        f |= benchmark::Counter::kAvgIterations;
    if (flags & BENCH_COUNTER_ITER_INVARIANT)
        f |= benchmark::Counter::kIsIterationInvariant;
    if (flags & BENCH_COUNTER_INVERT)
        f |= benchmark::Counter::kInvert;
    S(st).counters[name] = benchmark::Counter(value, static_cast<benchmark::Counter::Flags>(f));
}

void bench_set_label(bench_state *st, const char *label)
{
    S(st).SetLabel(label);
}

void bench_skip_with_error(bench_state *st, const char *msg)
{
    S(st).SkipWithError(msg);
}

void bench_pause_timing(bench_state *st)
{
    S(st).PauseTiming();
}

void bench_resume_timing(bench_state *st)
{
    S(st).ResumeTiming();
}

void bench_do_not_optimize(const void *p)
{
    benchmark::DoNotOptimize(p);
}

} // extern "C"
