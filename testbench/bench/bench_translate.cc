/* SPDX-License-Identifier: Apache-2.0 */
// Translation throughput (Google Benchmark). Numbers go to results/perf.md via
// scripts/bench.sh; nothing here asserts a speed.
//   L1HitStream:  a few pages touched over and over, the simulator's common case;
//                 /1 with cfg.data_lines on (each hit also loads its data line
//                 through the cache stand-ins), /0 off (the library default).
//   BareProbe:    the floor for L1HitStream: a bare 16-set x 4-way array with LRU
//                 stamps, a rights check and the PA composition, on the same
//                 stream. Both run in one binary so their ratio prints every run.
//   WalkRandom:   uniform random pages over a 64 GiB working set of 4 KiB pages;
//                 nearly every access misses both TLB levels and walks, with the
//                 paging-structure caches and the page-table cache model on.
//   WalkRandomGroups: the same addresses as independent requests in groups of
//                 64, through mmu_translate_batch (batch:1) or the one-at-a-time
//                 loop it equals (batch:0). GiB:64 is issue 17's measure; GiB:1,
//                 whose 2 MiB of PTEs stay in the host's caches, is the model's
//                 own work with (almost) no host misses to hide.
//   HostRandomLoad: one dependent random load over 128 MiB of host memory, the
//                 size of that working set's PTEs: the floor for WalkRandom,
//                 whose every walk must read one such PTE.
//   ScenarioSetup: what `mmusim check` pays per scenario in the model: a sparse
//                 memory with a 4-level path, a default MMU, one access, both
//                 freed. /0 with glibc's default malloc settings, /1 with the
//                 ones `mmusim check` sets (freed memory kept for reuse; this
//                 changes the process, so /1 runs last).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>

#include <malloc.h>
#include <numeric>
#include <vector>

#include "mmu/mmu.h"
#include "mmu/mmu_mem.h"
#include "mmu/mmu_stats.h"

namespace {

constexpr uint64_t kBase = 0x0000100000000000ull;

struct World {
    mmu_sparse_mem_t *mem = nullptr;
    mmu_mem_ops_t ops = MMU_MEM_OPS_INIT;
    mmu_ptb_t *pt = nullptr;
    mmu_t *mmu = nullptr;

    World(uint64_t bytes, mmu_page_size_t ps, bool data_lines = false)
    {
        mmu_config_t cfg;
        mmu_config_init(&cfg);
        cfg.data_lines = data_lines;
        mmu_err_t err{};
        if (mmu_sparse_mem_create(46, &mem) ||
            (ops = mmu_sparse_mem_ops(mem),
             mmu_ptb_create(&ops, 4, 0x100000, 1ull << 36, &pt)) ||
            mmu_ptb_map(pt, kBase, 1ull << 40, bytes, ps,
                        MMU_PTE_RW | MMU_PTE_US | MMU_PTE_A | MMU_PTE_D) ||
            mmu_create(&cfg, &ops, &mmu, &err)) {
            std::fprintf(stderr, "bench set-up failed: %s\n", err.msg);
            std::abort();
        }
        mmu_ctrl_t c{};
        c.cr0 = MMU_CR0_WP;
        c.cr3 = mmu_ptb_root(pt);
        c.cr4 = MMU_CR4_PGE | MMU_CR4_SMEP | MMU_CR4_SMAP;
        c.efer = MMU_EFER_NXE;
        mmu_set_ctrl(mmu, &c, &err);
    }
    ~World()
    {
        mmu_destroy(mmu);
        mmu_ptb_destroy(pt);
        mmu_sparse_mem_destroy(mem);
    }
};

void L1HitStream(benchmark::State &st)
{
    World w(16 * 4096, MMU_PAGE_4K, st.range(0) != 0);
    mmu_req_t r = MMU_REQ_INIT;
    r.cpl = 3;
    mmu_result_t res;
    uint64_t i = 0, sink = 0;
    for (auto _ : st) {
        // 16 pages, 64-byte steps: every access after the first 16 is an L1 hit.
        r.la = kBase + ((i * 64) & (16 * 4096 - 1));
        r.type = (i & 3) == 3 ? MMU_ACC_WRITE : MMU_ACC_READ;
        r.now = i++;
        mmu_translate(w.mmu, &r, &res);
        sink += res.pa;
    }
    benchmark::DoNotOptimize(sink);
    mmu_stats_t s;
    mmu_get_stats(w.mmu, &s);
    st.SetItemsProcessed(int64_t(st.iterations()));
    st.counters["l1_hit_pct"] = 100.0 * double(s.l1i_hits + s.l1d_hits) / double(s.translations);
}
BENCHMARK(L1HitStream)->Arg(0)->Arg(1);

// What a hit must do at the least: find the way, stamp it, check the rights,
// compose the PA. The same stream as L1HitStream.
struct BareWay {
    uint64_t vpn, frame;
    uint8_t user, writable, dirty;
};
struct BareTlb {
    BareWay way[16][4];
    uint32_t stamp[16][4];
    uint32_t clock = 0;
};

__attribute__((noinline)) bool bare_translate(BareTlb &t, uint64_t la, bool write, bool user,
                                               uint64_t *pa)
{
    const uint64_t vpn = la >> 12;
    const unsigned set = unsigned(vpn & 15);
    for (unsigned w = 0; w < 4; w++) {
        const BareWay &x = t.way[set][w];
        if (x.vpn == vpn) {
            t.stamp[set][w] = ++t.clock;
            if ((user && !x.user) || (write && (!x.writable || !x.dirty)))
                return false;
            *pa = x.frame | (la & 0xfff);
            return true;
        }
    }
    return false;
}

void BareProbe(benchmark::State &st)
{
    BareTlb t{};
    for (unsigned s = 0; s < 16; s++)
        for (unsigned w = 0; w < 4; w++)
            t.way[s][w].vpn = ~0ull;
    for (unsigned p = 0; p < 16; p++) { // one way per set, the others invalid
        const uint64_t vpn = (kBase >> 12) + p;
        t.way[vpn & 15][0] = BareWay{vpn, (1ull << 40) + (uint64_t(p) << 12), 1, 1, 1};
    }
    uint64_t i = 0, sink = 0, misses = 0;
    for (auto _ : st) {
        const uint64_t la = kBase + ((i * 64) & (16 * 4096 - 1));
        uint64_t pa = 0;
        misses += !bare_translate(t, la, (i & 3) == 3, true, &pa);
        i++;
        sink += pa;
    }
    benchmark::DoNotOptimize(sink);
    if (misses)
        st.SkipWithError("bare probe missed");
    st.SetItemsProcessed(int64_t(st.iterations()));
}
BENCHMARK(BareProbe);

void WalkRandom(benchmark::State &st)
{
    const uint64_t pages = uint64_t(st.range(0)) << (30 - 12); // range(0) GiB
    World w(pages << 12, MMU_PAGE_4K);
    mmu_req_t r = MMU_REQ_INIT;
    r.cpl = 3;
    mmu_result_t res;
    uint64_t x = 0x9e3779b97f4a7c15ull, sink = 0, now = 0;
    for (auto _ : st) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17; // xorshift64
        r.la = kBase + ((x % pages) << 12) + (x >> 52 << 3);
        r.now = now;
        mmu_translate(w.mmu, &r, &res);
        now = res.done_at;
        sink += res.pa;
    }
    benchmark::DoNotOptimize(sink);
    mmu_stats_t s;
    mmu_get_stats(w.mmu, &s);
    st.SetItemsProcessed(int64_t(st.iterations()));
    st.counters["walk_pct"] = 100.0 * double(s.walks) / double(s.translations);
    st.counters["mean_walk_cycles"] = s.walks ? double(s.walk_cycles) / double(s.walks) : 0;
    st.counters["mean_refs"] = s.walks ? double(s.walk_mem_refs) / double(s.walks) : 0;
}
BENCHMARK(WalkRandom)->Arg(64)->Unit(benchmark::kNanosecond);

// WalkRandom's addresses as independent requests, 64 at a time, all issued at
// the cycle the previous group completed: range(1) = 1 through
// mmu_translate_batch, 0 through the equivalent mmu_translate loop (the same
// requests, results and statistics; only host time differs).
void WalkRandomGroups(benchmark::State &st)
{
    const uint64_t pages = uint64_t(st.range(0)) << (30 - 12);
    const bool batch = st.range(1) != 0;
    World w(pages << 12, MMU_PAGE_4K);
    constexpr size_t kGroup = 64;
    mmu_req_t r[kGroup];
    for (auto &q : r)
        q = MMU_REQ_INIT;
    mmu_result_t res[kGroup];
    uint64_t x = 0x9e3779b97f4a7c15ull, sink = 0, now = 0;
    for (auto _ : st) {
        for (size_t k = 0; k < kGroup; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            r[k].la = kBase + ((x % pages) << 12) + (x >> 52 << 3);
            r[k].cpl = 3;
            r[k].now = now;
        }
        if (batch) {
            mmu_translate_batch(w.mmu, r, kGroup, res, nullptr);
        } else {
            for (size_t k = 0; k < kGroup; k++)
                mmu_translate(w.mmu, &r[k], &res[k]);
        }
        for (size_t k = 0; k < kGroup; k++) {
            now = res[k].done_at > now ? res[k].done_at : now;
            sink += res[k].pa;
        }
    }
    benchmark::DoNotOptimize(sink);
    mmu_stats_t s;
    mmu_get_stats(w.mmu, &s);
    st.SetItemsProcessed(int64_t(st.iterations() * kGroup));
    st.counters["walk_pct"] = 100.0 * double(s.walks) / double(s.translations);
    st.counters["ns_per_translation"] = benchmark::Counter(
        double(st.iterations() * kGroup), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(WalkRandomGroups)
    ->Args({64, 0})
    ->Args({64, 1})
    ->Args({1, 0})
    ->Args({1, 1})
    ->ArgNames({"GiB", "batch"})
    ->Unit(benchmark::kMicrosecond);

void HostRandomLoad(benchmark::State &st)
{
    // A random cyclic permutation of 64-byte slots over 128 MiB; each load's
    // address comes from the previous load, so latency cannot be overlapped.
    const size_t slots = (size_t(128) << 20) / 64;
    std::vector<uint64_t> mem(slots * 8);
    std::vector<uint32_t> perm(slots);
    std::iota(perm.begin(), perm.end(), 0u);
    uint64_t x = 0x2545f4914f6cdd1dull;
    for (size_t i = slots - 1; i > 0; i--) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        std::swap(perm[i], perm[x % (i + 1)]);
    }
    for (size_t i = 0; i < slots; i++)
        mem[size_t(perm[i]) * 8] = uint64_t(perm[(i + 1) % slots]) * 8;
    uint64_t p = uint64_t(perm[0]) * 8;
    for (auto _ : st)
        p = mem[p];
    benchmark::DoNotOptimize(p);
    st.SetItemsProcessed(int64_t(st.iterations()));
}
BENCHMARK(HostRandomLoad);

void ScenarioSetup(benchmark::State &st)
{
    if (st.range(0)) { // as model/cli/check.c
        mallopt(M_MMAP_THRESHOLD, 64 << 20);
        mallopt(M_TRIM_THRESHOLD, 256 << 20);
    }
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    cfg.maxphyaddr = 52; // the scenario format's default
    for (auto _ : st) {
        mmu_sparse_mem_t *mem;
        mmu_sparse_mem_create(52, &mem);
        for (uint64_t pa = 0x1000; pa <= 0x4000; pa += 0x1000)
            mmu_sparse_mem_write64(mem, pa, (pa + 0x1000) | 7);
        mmu_mem_ops_t ops = mmu_sparse_mem_ops(mem);
        mmu_t *mmu;
        mmu_err_t err;
        if (mmu_create(&cfg, &ops, &mmu, &err)) {
            st.SkipWithError(err.msg);
            break;
        }
        mmu_ctrl_t ctrl{};
        ctrl.cr3 = 0x1000;
        mmu_set_ctrl(mmu, &ctrl, &err);
        mmu_req_t req = MMU_REQ_INIT;
        req.cpl = 3;
        mmu_result_t res;
        mmu_translate(mmu, &req, &res);
        benchmark::DoNotOptimize(res.pa);
        mmu_destroy(mmu);
        mmu_sparse_mem_destroy(mem);
    }
    st.SetItemsProcessed(int64_t(st.iterations()));
}
BENCHMARK(ScenarioSetup)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

} // namespace

BENCHMARK_MAIN();
