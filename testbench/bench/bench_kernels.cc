// SPDX-License-Identifier: Apache-2.0
// Generation rates of the workload kernels (workloads/kern_*.c) and, for
// scale, two of the plain streams: accesses/s through mmu_synth_next() alone,
// no translation. Each benchmark pulls 1M accesses per iteration from one
// generator that runs on (its state carries over); start= picks the phase
// (pagerank's pull loop, hashjoin's probes). Nothing here asserts a speed; results/perf.md records
// the numbers (targets: >= 50 M/s for gups and hashprobe).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "synth.h"

namespace {

void BM_Kernel(benchmark::State &state, const char *spec)
{
    mmu_synth_cfg_t c;
    char msg[256];
    if (mmu_synth_parse(spec, &c, msg, sizeof msg)) {
        state.SkipWithError(msg);
        return;
    }
    c.n = UINT64_MAX;
    auto g = std::make_unique<mmu_synth_t>();
    mmu_synth_init(g.get(), &c);
    uint64_t la = 0, sum = 0;
    mmu_access_t type;
    for (auto _ : state) {
        for (int i = 0; i < (1 << 20); i++) {
            mmu_synth_next(g.get(), &la, &type);
            sum += la + type;
        }
        benchmark::DoNotOptimize(sum);
    }
    state.SetItemsProcessed(int64_t(state.iterations()) << 20);
    char d[160] = "";
    mmu_synth_describe(&c, d, sizeof d);
    state.SetLabel(d);
}

} // namespace

#define KERNEL(name, spec) BENCHMARK_CAPTURE(BM_Kernel, name, spec)->Unit(benchmark::kMillisecond)
KERNEL(gups_64m, "gups:ws=64m");
KERNEL(gups_16g, "gups:ws=16g");
KERNEL(gups_24g, "gups:ws=24g"); // not a power of two: mod instead of a mask
KERNEL(hashprobe_64m, "hashprobe:ws=64m");
KERNEL(hashprobe_16g, "hashprobe:ws=16g");
KERNEL(hashprobe_16g_hit50, "hashprobe:ws=16g,hit=50");
KERNEL(hashprobe_16g_load4, "hashprobe:ws=16g,load=4");
KERNEL(hashjoin_16g_build, "hashjoin:ws=16g");
KERNEL(hashjoin_16g_probe, "hashjoin:ws=16g,start=50");
KERNEL(pagerank_64m, "pagerank:ws=64m");
KERNEL(pagerank_16g_pull, "pagerank:ws=16g,start=50");
KERNEL(spmv_16g, "spmv:ws=16g");
KERNEL(spmv_16g_skew76, "spmv:ws=16g,skew=76");
KERNEL(spmv_16g_band, "spmv:ws=16g,band=10000");
KERNEL(btree_64m, "btree:ws=64m");
KERNEL(btree_16g, "btree:ws=16g");
KERNEL(btree_16g_fanout64, "btree:ws=16g,fanout=64");
KERNEL(random_16g, "random:ws=16g");
KERNEL(chase_16g, "chase:ws=16g");

BENCHMARK_MAIN();
