// SPDX-License-Identifier: Apache-2.0
// The cost of memory pressure to a trace run (Google Benchmark): records/s of
// the OS model + MMU over the first 8 M records of a shipped trace (xz by
// default, the one with the most reuse; MMU_BENCH_OS_TRACE=path for another), held in
// memory (so trace decompression, which would dilute the cost, is left out),
// without a memory limit and with memory at half the records' working set
// under each policy (Linux-like set-up: page tables in memory, auto
// watermarks, kswapd, one NVMe swap area, readahead 8). The ratio to
// Unconstrained, from the same run, is the number results/perf.md records
// (scripts/bench.sh prints it). Nothing here asserts a speed.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "aspace.h"
#include "mmu/mmu.h"
#include "mmu/mmu_mem.h"
#include "repl.h"
#include "trace.h"

#ifndef MMU_TRACES_DIR
#define MMU_TRACES_DIR "workloads/traces"
#endif

namespace {

struct Input {
    std::vector<mmu_trec_t> recs;
    uint64_t ws = 0; // distinct 4 KiB pages of its accesses
    std::string name;
};

const Input &Load()
{
    static Input in;
    if (!in.recs.empty())
        return in;
    const char *env = getenv("MMU_BENCH_OS_TRACE");
    in.name = env ? env : std::string(MMU_TRACES_DIR) + "/xz.mtr.xz";
    mmu_trace_reader_t *tr = nullptr;
    char msg[512];
    if (mmu_trace_open(in.name.c_str(), nullptr, &tr, msg, sizeof msg)) {
        fprintf(stderr, "bench_os: %s\n", msg);
        exit(2);
    }
    std::set<uint64_t> pages;
    mmu_trec_t r;
    while (in.recs.size() < 8000000 && mmu_trace_next(tr, &r) > 0) {
        in.recs.push_back(r);
        if (r.kind == MMU_TREC_ACCESS)
            pages.insert(r.la >> 12);
    }
    mmu_trace_close(tr);
    in.ws = pages.size();
    return in;
}

void Run(benchmark::State &state, const char *policy)
{
    const Input &in = Load();
    uint64_t faults = 0, swap_outs = 0;
    for (auto _ : state) {
        mmu_sparse_mem_t *mem;
        mmu_sparse_mem_create(46, &mem);
        mmu_config_t mc;
        mmu_config_init(&mc);
        mmu_mem_ops_t ops = mmu_sparse_mem_ops(mem);
        mmu_t *mmu;
        mmu_err_t err;
        if (mmu_create(&mc, &ops, &mmu, &err))
            abort();
        mmu_ctrl_t ctrl{};
        ctrl.cr0 = MMU_CR0_WP;
        ctrl.cr4 = MMU_CR4_SMEP | MMU_CR4_SMAP;
        ctrl.efer = MMU_EFER_NXE;
        mmu_set_ctrl(mmu, &ctrl, &err);
        mmu_aspace_cfg_t ac;
        mmu_aspace_cfg_init(&ac);
        ac.policy = MMU_POLICY_4K;
        ac.implicit_vma = 2;
        mmu_repl_future_t *fut = nullptr;
        if (policy) {
            ac.mem_bytes = (in.ws / 2) * 4096;
            ac.nswap = 1;
            ac.swap[0].bytes = (in.ws + 64) * 4096;
            for (unsigned k = 0; mmu_repl_get(k); k++)
                if (!strcmp(mmu_repl_get(k)->name, policy))
                    ac.repl = k;
            if (!strcmp(policy, "opt")) {
                // The offline pass is part of what OPT costs.
                mmu_repl_future_create(&fut);
                for (const auto &r : in.recs)
                    if (r.kind == MMU_TREC_ACCESS)
                        mmu_repl_future_add(fut, r.la >> 12);
                ac.future = fut;
            }
        }
        mmu_aspace_t *as;
        char msg[256];
        if (mmu_aspace_create(mmu, mem, &ac, &as, msg, sizeof msg)) {
            fprintf(stderr, "bench_os: %s\n", msg);
            abort();
        }
        mmu_result_t res;
        for (const auto &r : in.recs)
            if (mmu_aspace_feed(as, &r, &res, msg, sizeof msg) < 0)
                abort();
        mmu_aspace_stats_t s;
        mmu_aspace_get_stats(as, &s);
        faults = s.minor_faults + s.major_faults;
        swap_outs = s.swap_outs;
        mmu_aspace_destroy(as);
        mmu_repl_future_destroy(fut);
        mmu_destroy(mmu);
        mmu_sparse_mem_destroy(mem);
    }
    state.SetItemsProcessed(int64_t(state.iterations() * in.recs.size()));
    state.counters["faults"] = double(faults);
    state.counters["swap_outs"] = double(swap_outs);
    state.counters["ws_pages"] = double(in.ws);
}

// OPT's offline pass over the first N accesses: its cost per access stays
// flat as N grows (linear in the trace).
void OptOfflinePass(benchmark::State &state)
{
    const Input &in = Load();
    std::vector<uint64_t> keys;
    for (const auto &r : in.recs)
        if (r.kind == MMU_TREC_ACCESS && keys.size() < uint64_t(state.range(0)))
            keys.push_back(r.la >> 12);
    for (auto _ : state) {
        mmu_repl_future_t *f = nullptr;
        mmu_repl_future_create(&f);
        for (uint64_t k : keys)
            mmu_repl_future_add(f, k);
        benchmark::DoNotOptimize(mmu_repl_future_next(f, 0));
        mmu_repl_future_destroy(f);
    }
    state.SetItemsProcessed(int64_t(state.iterations() * keys.size()));
}

void Unconstrained(benchmark::State &s) { Run(s, nullptr); }
void HalfClock(benchmark::State &s) { Run(s, "clock"); }
void HalfTwolist(benchmark::State &s) { Run(s, "twolist"); }
void HalfMglru(benchmark::State &s) { Run(s, "mglru"); }
void HalfLru(benchmark::State &s) { Run(s, "lru"); }
void HalfOpt(benchmark::State &s) { Run(s, "opt"); }

} // namespace

BENCHMARK(Unconstrained)->Unit(benchmark::kMillisecond);
BENCHMARK(HalfClock)->Unit(benchmark::kMillisecond);
BENCHMARK(HalfTwolist)->Unit(benchmark::kMillisecond);
BENCHMARK(HalfMglru)->Unit(benchmark::kMillisecond);
BENCHMARK(HalfLru)->Unit(benchmark::kMillisecond);
BENCHMARK(HalfOpt)->Unit(benchmark::kMillisecond);
BENCHMARK(OptOfflinePass)->Arg(1000000)->Arg(2000000)->Arg(4000000)->Arg(8000000)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
