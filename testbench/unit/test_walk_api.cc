/* SPDX-License-Identifier: Apache-2.0 */
// The walker as a replaceable block (include/mmu/mmu_walk.h): an MMU whose
// walks go through cfg.walk_cb must give exactly the answers, cycles, memory
// writes and cache fills of an MMU using the built-in walker. The external
// walker here is the C walker itself, reached through mmu_walk_c() on a second
// MMU, which is what the RTL bridge replaces.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "fixture.h"
#include "mmu/mmu.h"
#include "mmu/mmu_mem.h"
#include "mmu/mmu_stats.h"
#include "mmu/mmu_walk.h"

namespace {

using mmutest::MemLog;

// One MMU over its own memory with a random mixed-size page table.
struct World {
    mmu_sparse_mem_t *mem = nullptr;
    MemLog log;
    mmu_mem_ops_t ops = MMU_MEM_OPS_INIT;
    mmu_ptb_t *ptb = nullptr;
    mmu_t *mmu = nullptr;

    World(const mmu_config_t &cfg, unsigned levels, uint64_t seed)
    {
        EXPECT_EQ(mmu_sparse_mem_create(cfg.maxphyaddr, &mem), 0);
        log.inner = mmu_sparse_mem_ops(mem);
        ops = {sizeof ops, MemLog::read64, MemLog::cmpxchg64, &log, nullptr, nullptr};
        EXPECT_EQ(mmu_ptb_create(&log.inner, levels, 0x100000, 64ull << 20, &ptb), 0);
        std::mt19937_64 rng(seed);
        // Regions of 4K, 2M and 1G pages with random leaf flags (some
        // read-only, supervisor, XD, with A/D already set or not).
        for (unsigned i = 0; i < 48; i++) {
            const unsigned ps = i % 3;
            const uint64_t size = 1ull << (12 + 9 * ps);
            const uint64_t va = (rng() % 64) << 30 | (ps == 2 ? 0 : (rng() % 256) * size);
            const uint64_t pa = (uint64_t)(i + 1) << 32;
            uint64_t flags = MMU_PTE_P;
            if (rng() & 1) flags |= MMU_PTE_RW;
            if (rng() & 1) flags |= MMU_PTE_US;
            if ((rng() & 3) == 0) flags |= MMU_PTE_XD;
            if (rng() & 1) flags |= MMU_PTE_A;
            if ((rng() & 3) == 0) flags |= MMU_PTE_D;
            if ((rng() & 3) == 0) flags |= MMU_PTE_G;
            // Same-size overlap is fine; another size in the way is skipped.
            (void)mmu_ptb_map(ptb, va, pa,
                              size * (1 + rng() % 4), (mmu_page_size_t)ps, flags);
        }
        EXPECT_EQ(mmu_create(&cfg, &ops, &mmu, nullptr), 0);
        mmu_ctrl_t c{};
        c.cr0 = MMU_CR0_WP;
        c.cr3 = mmu_ptb_root(ptb);
        c.cr4 = (levels == 5 ? MMU_CR4_LA57 : 0) | MMU_CR4_PGE | MMU_CR4_SMEP;
        c.efer = 1ull << 11; // NXE
        EXPECT_EQ(mmu_set_ctrl(mmu, &c, nullptr), 0);
    }
    ~World()
    {
        mmu_destroy(mmu);
        mmu_ptb_destroy(ptb);
        mmu_sparse_mem_destroy(mem);
    }
};

// The "external" walker: the C walker of a shadow MMU over the second memory.
struct Shadow {
    mmu_t *mmu = nullptr;
    std::vector<mmu_walk_job_t> jobs;
    int force_rc = 0;
    bool break_contract = false;

    static int walk(void *ctx, const mmu_walk_job_t *job, mmu_walk_out_t *out)
    {
        Shadow *s = static_cast<Shadow *>(ctx);
        s->jobs.push_back(*job);
        if (s->force_rc)
            return s->force_rc;
        int rc = mmu_walk_c(s->mmu, job, out);
        if (s->break_contract && out->fault.kind == MMU_FAULT_NONE)
            out->n = 0;
        return rc;
    }
};

void expect_same(const mmu_result_t &a, const mmu_result_t &b, unsigned i)
{
    SCOPED_TRACE(i);
    EXPECT_EQ(a.fault.kind, b.fault.kind);
    EXPECT_EQ(a.fault.error_code, b.fault.error_code);
    EXPECT_EQ(a.fault.cr2, b.fault.cr2);
    EXPECT_EQ(a.pa, b.pa);
    EXPECT_EQ(a.page_size, b.page_size);
    EXPECT_EQ(a.perms, b.perms);
    EXPECT_EQ(a.global, b.global);
    EXPECT_EQ(a.mem_refs, b.mem_refs);
    EXPECT_EQ(a.done_at, b.done_at);
    EXPECT_EQ(a.served, b.served);
    EXPECT_EQ(a.psc_level, b.psc_level);
    EXPECT_EQ(a.lat_walk, b.lat_walk);
}

class WalkApi : public ::testing::TestWithParam<unsigned> {};

TEST_P(WalkApi, ExternalWalkerGivesTheBuiltInAnswersCyclesAndFills)
{
    const unsigned levels = GetParam();
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    World builtin(cfg, levels, 7), ext_world(cfg, levels, 7);
    // The shadow MMU walks ext_world's memory: rebuild ext_world's MMU with the callback.
    Shadow sh;
    ASSERT_EQ(mmu_create(&cfg, &ext_world.ops, &sh.mmu, nullptr), 0);
    mmu_config_t ecfg = cfg;
    ecfg.walk_cb = Shadow::walk;
    ecfg.walk_ctx = &sh;
    mmu_destroy(ext_world.mmu);
    ASSERT_EQ(mmu_create(&ecfg, &ext_world.ops, &ext_world.mmu, nullptr), 0);
    ASSERT_EQ(mmu_set_ctrl(ext_world.mmu, mmu_get_ctrl(builtin.mmu), nullptr), 0);

    std::mt19937_64 rng(11);
    uint64_t now = 0;
    unsigned walks = 0, psc_starts = 0;
    for (unsigned i = 0; i < 20000; i++) {
        mmu_req_t r = MMU_REQ_INIT;
        // Few gigabytes, so TLB and PSC hits both happen.
        r.la = ((rng() % 64) << 30 | (rng() % (1u << 30))) & ~7ull;
        r.type = (uint8_t)(rng() % 3);
        r.cpl = (rng() & 1) ? 3 : 0;
        r.now = now;
        if (rng() % 500 == 0) {
            mmu_flush_all(builtin.mmu);
            mmu_flush_all(ext_world.mmu);
        }
        if (rng() % 300 == 0) {
            mmu_invlpg(builtin.mmu, r.la);
            mmu_invlpg(ext_world.mmu, r.la);
        }
        mmu_result_t a, b;
        ASSERT_EQ(mmu_translate(builtin.mmu, &r, &a), 0);
        const size_t before = sh.jobs.size();
        ASSERT_EQ(mmu_translate(ext_world.mmu, &r, &b), 0);
        expect_same(a, b, i);
        if (a.served == MMU_SERVED_WALK) {
            walks++;
            ASSERT_EQ(sh.jobs.size(), before + 1);
            const mmu_walk_job_t &j = sh.jobs.back();
            EXPECT_EQ(j.la, r.la);
            EXPECT_EQ(j.levels, levels);
            EXPECT_EQ(j.start_level, a.psc_level ? a.psc_level - 1 : levels);
            psc_starts += a.psc_level != 0;
            EXPECT_EQ(j.t0 + b.lat_walk, b.done_at);
        } else {
            EXPECT_EQ(sh.jobs.size(), before);
        }
        now = a.done_at + 1;
    }
    EXPECT_EQ(builtin.log.writes, ext_world.log.writes);
    mmu_stats_t sa, sb;
    mmu_get_stats(builtin.mmu, &sa);
    mmu_get_stats(ext_world.mmu, &sb);
    EXPECT_EQ(sa.psc_pde_hits, sb.psc_pde_hits);
    EXPECT_EQ(sa.l2_4k_hits, sb.l2_4k_hits);
    EXPECT_GT(walks, 1000u);
    EXPECT_GT(psc_starts, 100u);
    mmu_destroy(sh.mmu);
}

INSTANTIATE_TEST_SUITE_P(Levels, WalkApi, ::testing::Values(4u, 5u));

TEST(WalkApiContract, ErrorsOfTheExternalWalkerArePassedOn)
{
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    World w(cfg, 4, 3);
    Shadow sh;
    sh.force_rc = MMU_EMEM;
    mmu_config_t ecfg = cfg;
    ecfg.walk_cb = Shadow::walk;
    ecfg.walk_ctx = &sh;
    mmu_t *m = nullptr;
    ASSERT_EQ(mmu_create(&ecfg, &w.ops, &m, nullptr), 0);
    ASSERT_EQ(mmu_set_ctrl(m, mmu_get_ctrl(w.mmu), nullptr), 0);
    mmu_req_t r = MMU_REQ_INIT;
    r.la = 0x1000;
    mmu_result_t res;
    EXPECT_EQ(mmu_translate(m, &r, &res), MMU_EMEM);
    mmu_destroy(m);
}

TEST(WalkApiContract, ASuccessWithoutEntriesIsRefused)
{
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    World w(cfg, 4, 5), w2(cfg, 4, 5);
    Shadow sh;
    sh.mmu = w2.mmu;
    sh.break_contract = true;
    mmu_config_t ecfg = cfg;
    ecfg.walk_cb = Shadow::walk;
    ecfg.walk_ctx = &sh;
    mmu_t *m = nullptr;
    ASSERT_EQ(mmu_create(&ecfg, &w.ops, &m, nullptr), 0);
    ASSERT_EQ(mmu_set_ctrl(m, mmu_get_ctrl(w.mmu), nullptr), 0);
    // Find an address the world maps, then walk it through the broken walker.
    std::mt19937_64 rng(1);
    bool refused = false;
    for (int i = 0; i < 2000 && !refused; i++) {
        mmu_req_t r = MMU_REQ_INIT;
        r.la = ((rng() % 64) << 30 | (rng() % (1u << 30))) & ~7ull;
        mmu_result_t a, b;
        ASSERT_EQ(mmu_translate(w.mmu, &r, &a), 0);
        if (a.fault.kind != MMU_FAULT_NONE)
            continue;
        mmu_flush_all(m);
        EXPECT_EQ(mmu_translate(m, &r, &b), MMU_EINVAL);
        refused = true;
    }
    EXPECT_TRUE(refused);
    mmu_destroy(m);
}

TEST(WalkApiContract, WalkCRefusesJobsItCannotTake)
{
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    World w(cfg, 4, 1);
    mmu_walk_job_t j{};
    j.levels = 4;
    j.start_level = 4;
    j.start_table = mmu_ptb_root(w.ptb);
    mmu_walk_out_t o;
    EXPECT_EQ(mmu_walk_c(w.mmu, &j, &o), 0);
    mmu_walk_job_t bad = j;
    bad.levels = 3;
    EXPECT_EQ(mmu_walk_c(w.mmu, &bad, &o), MMU_EINVAL);
    bad = j;
    bad.start_level = 5;
    EXPECT_EQ(mmu_walk_c(w.mmu, &bad, &o), MMU_EINVAL);
    bad = j;
    bad.start_level = 0;
    EXPECT_EQ(mmu_walk_c(w.mmu, &bad, &o), MMU_EINVAL);
    bad = j;
    bad.type = 3;
    EXPECT_EQ(mmu_walk_c(w.mmu, &bad, &o), MMU_EINVAL);
    bad = j;
    bad.cpl = 4;
    EXPECT_EQ(mmu_walk_c(w.mmu, &bad, &o), MMU_EINVAL);
}

TEST(WalkApiLatency, FollowsTheCacheModel)
{
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    World w(cfg, 4, 1);
    // A line never touched comes from DRAM; the same line again hits the L1D stand-in.
    EXPECT_EQ(mmu_walk_latency(w.mmu, 0x5000, 0, 0), cfg.dram_latency);
    EXPECT_EQ(mmu_walk_latency(w.mmu, 0x5008, 0, 1), cfg.memlat[0].latency);
    EXPECT_EQ(mmu_walk_latency(w.mmu, 0x5008, 1, 2), cfg.memlat[0].latency + cfg.rmw_latency);
}

} // namespace
