// SPDX-License-Identifier: Apache-2.0
// The loops of bench_coverage (see bench_cov_loops.h): the same workloads as
// bench_translate's L1HitStream and WalkRandom (16 GiB here, so that three
// worlds fit in memory at once).
#ifndef COV_LOOPS_NS
#define COV_LOOPS_NS cov_in
#endif
#include <cstdio>
#include <cstdlib>

#include "bench_cov_loops.h"
#include "mmu/mmu.h"
#include "mmu/mmu_coverage.h"
#include "mmu/mmu_mem.h"
#include "mmu/mmu_stats.h"

namespace COV_LOOPS_NS {
namespace {

constexpr uint64_t kBase = 0x0000100000000000ull;

struct World {
    mmu_sparse_mem_t *mem = nullptr;
    mmu_mem_ops_t ops = MMU_MEM_OPS_INIT;
    mmu_ptb_t *pt = nullptr;
    mmu_t *mmu = nullptr;
    mmu_cov_t *cov = nullptr;

    World(uint64_t bytes, bool cover)
    {
        mmu_config_t cfg;
        mmu_config_init(&cfg);
        mmu_err_t err{};
        if (mmu_sparse_mem_create(46, &mem) ||
            (ops = mmu_sparse_mem_ops(mem), mmu_ptb_create(&ops, 4, 0x100000, 1ull << 36, &pt)) ||
            mmu_ptb_map(pt, kBase, 1ull << 40, bytes, MMU_PAGE_4K,
                        MMU_PTE_RW | MMU_PTE_US | MMU_PTE_A | MMU_PTE_D) ||
            mmu_create(&cfg, &ops, &mmu, &err) ||
            (cover && (mmu_cov_create(&cov, &err) || mmu_cov_attach(mmu, cov, &err)))) {
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
        mmu_cov_destroy(cov);
        mmu_ptb_destroy(pt);
        mmu_sparse_mem_destroy(mem);
    }
};

} // namespace

void l1_hits(benchmark::State &st, bool cover)
{
    static World *w[2];
    if (!w[cover]) // kept for the whole run: repetitions interleave
        w[cover] = new World(16 * 4096, cover);
    mmu_req_t r = MMU_REQ_INIT;
    r.cpl = 3;
    mmu_result_t res;
    uint64_t i = 0, sink = 0;
    for (auto _ : st) {
        r.la = kBase + ((i * 64) & (16 * 4096 - 1));
        r.type = (i & 3) == 3 ? MMU_ACC_WRITE : MMU_ACC_READ;
        r.now = i++;
        mmu_translate(w[cover]->mmu, &r, &res);
        sink += res.pa;
    }
    benchmark::DoNotOptimize(sink);
    st.SetItemsProcessed(int64_t(st.iterations()));
}

void walks(benchmark::State &st, bool cover)
{
    const uint64_t pages = uint64_t(16) << (30 - 12);
    static World *w[2];
    if (!w[cover])
        w[cover] = new World(pages << 12, cover);
    mmu_req_t r = MMU_REQ_INIT;
    r.cpl = 3;
    mmu_result_t res;
    uint64_t x = 0x9e3779b97f4a7c15ull, sink = 0;
    static uint64_t now[2];
    for (auto _ : st) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        r.la = kBase + ((x % pages) << 12) + (x >> 52 << 3);
        r.now = now[cover];
        mmu_translate(w[cover]->mmu, &r, &res);
        now[cover] = res.done_at;
        sink += res.pa;
    }
    benchmark::DoNotOptimize(sink);
    mmu_stats_t s;
    mmu_get_stats(w[cover]->mmu, &s);
    st.SetItemsProcessed(int64_t(st.iterations()));
    st.counters["walk_pct"] = 100.0 * double(s.walks) / double(s.translations);
}

} // namespace COV_LOOPS_NS
