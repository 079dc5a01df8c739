/* SPDX-License-Identifier: Apache-2.0 */
// Cycle accounting (model/mmu.c, walker.c, memlat.c): one request at a time
// against fixed latencies, exact cycles. Latencies used throughout:
//   L1 TLB 1, L2 TLB 8, PSC probe 2, walker step 1 per level,
//   memory 100 per access (no page-table caches), locked RMW +20.
#include <gtest/gtest.h>

#include "mmu/mmu.h"
#include "mmu/mmu_mem.h"
#include "mmu/mmu_stats.h"

namespace {

constexpr uint64_t kA = 0x0000100000000000ull;
constexpr uint64_t kB = kA + 0x1000; // same page table as A
constexpr uint64_t kFar = 0x0000200000000000ull; // other tables at every level

struct Timing : ::testing::Test {
    mmu_sparse_mem_t *mem = nullptr;
    mmu_mem_ops_t ops = MMU_MEM_OPS_INIT;
    mmu_ptb_t *pt = nullptr;
    mmu_t *mmu = nullptr;
    mmu_config_t cfg{};

    void SetUp() override
    {
        mmu_config_init(&cfg);
        cfg.l1d.latency = 1;
        cfg.l2.latency = 8;
        for (int l = 2; l <= 5; l++)
            cfg.psc[l].latency = 2;
        cfg.walk_level_latency = 1;
        for (auto &m : cfg.memlat)
            m = {0, 0, 0, 0, 0};
        cfg.dram_latency = 100;
        cfg.rmw_latency = 20;
        cfg.walkers = 1;
    }
    void TearDown() override
    {
        mmu_destroy(mmu);
        mmu_ptb_destroy(pt);
        mmu_sparse_mem_destroy(mem);
    }
    void make(uint64_t table_flags = MMU_PTE_P | MMU_PTE_RW | MMU_PTE_US, uint64_t leaf_extra = 0)
    {
        ASSERT_EQ(0, mmu_sparse_mem_create(46, &mem));
        ops = mmu_sparse_mem_ops(mem);
        ASSERT_EQ(0, mmu_ptb_create(&ops, 4, 0x100000, 0x100000, &pt));
        mmu_ptb_set_table_flags(pt, table_flags);
        ASSERT_EQ(0, mmu_ptb_map(pt, kA, 0x10000000, 0x2000, MMU_PAGE_4K,
                                 MMU_PTE_RW | MMU_PTE_US | leaf_extra));
        ASSERT_EQ(0, mmu_ptb_map(pt, kFar, 0x20000000, 0x1000, MMU_PAGE_4K,
                                 MMU_PTE_RW | MMU_PTE_US | leaf_extra));
        mmu_err_t err{};
        ASSERT_EQ(0, mmu_create(&cfg, &ops, &mmu, &err)) << err.msg;
        mmu_ctrl_t c{};
        c.cr3 = mmu_ptb_root(pt);
        ASSERT_EQ(0, mmu_set_ctrl(mmu, &c, &err)) << err.msg;
    }
    mmu_result_t acc(uint64_t la, uint64_t now, mmu_access_t t = MMU_ACC_READ)
    {
        mmu_req_t r = MMU_REQ_INIT;
        r.la = la;
        r.type = uint8_t(t);
        r.now = now;
        mmu_result_t res{};
        EXPECT_EQ(0, mmu_translate(mmu, &r, &res));
        return res;
    }
    static void expect_sum(const mmu_result_t &r, uint64_t now)
    {
        EXPECT_EQ(r.done_at, now + r.lat_l1 + r.lat_l2 + r.lat_psc + r.lat_wait + r.lat_walk);
    }
};

TEST_F(Timing, ColdWalkWithAccessedBitsAlreadySet)
{
    make(MMU_PTE_P | MMU_PTE_RW | MMU_PTE_US | MMU_PTE_A, MMU_PTE_A);
    mmu_result_t r = acc(kA, 1000);
    // L1 1 + L2 8 + PSC 2 + 4 levels x (step 1 + memory 100).
    EXPECT_EQ(1000u + 1 + 8 + 2 + 4 * 101, r.done_at);
    EXPECT_EQ(4u * 101, r.lat_walk);
    EXPECT_EQ(4u, r.mem_refs);
    expect_sum(r, 1000);
}

TEST_F(Timing, AccessedBitUpdatesCostLockedReadModifyWrites)
{
    make();
    mmu_result_t r = acc(kA, 0);
    // ... plus 4 A updates x (memory 100 + RMW 20).
    EXPECT_EQ(1u + 8 + 2 + 4 * 101 + 4 * 120, r.done_at);
    EXPECT_EQ(8u, r.mem_refs);
    // A write after the read: D-assist walk from the PDE cache, 1 read + 1 RMW.
    mmu_result_t w = acc(kA, 2000, MMU_ACC_WRITE);
    EXPECT_EQ(1, w.d_assist);
    EXPECT_EQ(2, w.psc_level);
    EXPECT_EQ(2000u + 1 + 2 + 101 + 120, w.done_at); // L1 hit (D=0), no L2 probe
    expect_sum(w, 2000);
}

TEST_F(Timing, L1HitCostsTheL1LatencyOnly)
{
    make();
    acc(kA, 0);
    mmu_result_t r = acc(kA + 8, 5000);
    EXPECT_EQ(MMU_SERVED_L1, r.served);
    EXPECT_EQ(5001u, r.done_at);
}

TEST_F(Timing, L2HitCostsL1PlusL2)
{
    cfg.l1d.arr[0] = {1, 1, MMU_SIZE_4K, MMU_REPL_LRU, MMU_INDEX_LOW, 0};
    make();
    acc(kA, 0);
    acc(kB, 2000);
    mmu_result_t r = acc(kA, 5000);
    EXPECT_EQ(MMU_SERVED_L2, r.served);
    EXPECT_EQ(5009u, r.done_at);
    expect_sum(r, 5000);
}

TEST_F(Timing, PdeCacheHitReadsOneLevel)
{
    make();
    acc(kA, 0);
    mmu_result_t r = acc(kB, 5000);
    EXPECT_EQ(2, r.psc_level);
    EXPECT_EQ(5000u + 1 + 8 + 2 + 101 + 120, r.done_at); // PTE read + its A update
}

TEST_F(Timing, MissWaitsForTheOnlyWalker)
{
    make();
    mmu_result_t a = acc(kA, 0); // walker busy until a.done_at
    mmu_result_t f = acc(kFar, 0);
    EXPECT_EQ(a.done_at - 11, f.lat_wait); // waited from cycle 11 (after probes)
    EXPECT_EQ(a.done_at + f.lat_walk, f.done_at);
    expect_sum(f, 0);
    mmu_stats_t s;
    mmu_get_stats(mmu, &s);
    EXPECT_EQ(a.done_at - 11, s.walk_wait_cycles);
}

TEST_F(Timing, TwoWalkersWalkInParallel)
{
    cfg.walkers = 2;
    make();
    mmu_result_t a = acc(kA, 0);
    mmu_result_t f = acc(kFar, 0);
    EXPECT_EQ(0u, f.lat_wait);
    EXPECT_EQ(a.done_at, f.done_at); // same shape of walk, same cycles
}

TEST_F(Timing, MissToAPageInFlightWaitsForThatWalk)
{
    cfg.walkers = 2;
    make();
    mmu_result_t a = acc(kA, 0);
    mmu_result_t b = acc(kA + 0x40, 100); // same page, issued while A walks
    EXPECT_EQ(MMU_SERVED_L1, b.served);
    EXPECT_EQ(a.done_at, b.done_at);
    EXPECT_EQ(a.done_at - 101, b.lat_wait);
    mmu_stats_t s;
    mmu_get_stats(mmu, &s);
    EXPECT_EQ(1u, s.walks);
    EXPECT_EQ(1u, s.inflight_hits);
}

TEST_F(Timing, WalkUnderAPdeCacheEntryInFlightWaitsForIt)
{
    cfg.walkers = 2;
    make();
    mmu_result_t a = acc(kA, 0);
    mmu_result_t b = acc(kB, 50); // needs the PDE-cache entry A's walk creates
    EXPECT_EQ(2, b.psc_level);
    EXPECT_EQ(a.done_at + 101 + 120, b.done_at);
}

static unsigned fixed7(void *ctx, uint64_t, int locked, uint64_t)
{
    ++*static_cast<unsigned *>(ctx);
    return locked ? 10 : 7;
}

TEST_F(Timing, HostCallbackSuppliesEveryPageTableLatency)
{
    unsigned calls = 0;
    cfg.memlat_cb = fixed7;
    cfg.memlat_ctx = &calls;
    make();
    mmu_result_t r = acc(kA, 0);
    EXPECT_EQ(4u * (1 + 7) + 4u * 10, r.lat_walk);
    EXPECT_EQ(8u, calls);
}

TEST_F(Timing, PageTableLinesHitInTheCacheModel)
{
    cfg.memlat[0] = {64, 8, 5, 0, 0}; // an L1D stand-in, 64-byte lines
    make();
    mmu_result_t a = acc(kA, 0);
    // Reads miss to memory; each A update hits the line its read brought in.
    EXPECT_EQ(4u * 101 + 4u * (5 + 20), a.lat_walk);
    mmu_flush_all(mmu); // forget translations, not the data cache
    mmu_result_t b = acc(kB, 10000);
    EXPECT_EQ(0, b.psc_level);
    // PML4E, PDPTE, PDE lines hit; B's PTE shares A's 64-byte line: hit too.
    EXPECT_EQ(4u * (1 + 5) + (5 + 20), b.lat_walk);
    mmu_stats_t s;
    mmu_get_stats(mmu, &s);
    EXPECT_EQ(4u, s.memlat_dram);
}

// ---- data lines (cfg.data_lines, mmu_data_access) -------------------------------

TEST_F(Timing, DataLinesAreOffByDefault)
{
    cfg.memlat[0] = {64, 8, 5, 0, 0};
    make(MMU_PTE_P | MMU_PTE_RW | MMU_PTE_US | MMU_PTE_A, MMU_PTE_A);
    mmu_result_t a = acc(kA, 0);
    mmu_result_t b = acc(kA + 64, 1000);
    EXPECT_EQ(0u, a.lat_data);
    EXPECT_EQ(0u, b.lat_data);
}

TEST_F(Timing, DataLinesChargeTheLineAfterTheTranslation)
{
    cfg.memlat[0] = {64, 8, 5, 0, 0};
    cfg.data_lines = 1;
    make(MMU_PTE_P | MMU_PTE_RW | MMU_PTE_US | MMU_PTE_A, MMU_PTE_A);
    mmu_result_t a = acc(kA, 0);
    // The translation costs what it costs without data lines; the line itself
    // comes from memory, after done_at.
    EXPECT_EQ(1u + 8 + 2 + 4 * 101, a.done_at);
    expect_sum(a, 0);
    EXPECT_EQ(100u, a.lat_data);
    // Same line again (an L1 TLB hit): the stand-in has it.
    mmu_result_t b = acc(kA + 8, 1000);
    EXPECT_EQ(MMU_SERVED_L1, b.served);
    EXPECT_EQ(1001u, b.done_at);
    EXPECT_EQ(5u, b.lat_data);
    // Another line of the page: memory again.
    EXPECT_EQ(100u, acc(kA + 64, 2000).lat_data);
}

TEST_F(Timing, DataLinesEvictPageTableLines)
{
    // One 64-byte line of cache: whatever was loaded last is in it.
    cfg.memlat[0] = {1, 1, 5, 0, 0};
    for (int data : {0, 1}) {
        SCOPED_TRACE(data);
        cfg.data_lines = unsigned(data);
        make(MMU_PTE_P | MMU_PTE_RW | MMU_PTE_US | MMU_PTE_A, MMU_PTE_A);
        acc(kA, 0);
        // B's PTE shares A's line; the PDE cache skips to it.
        mmu_result_t b = acc(kB, 10000);
        EXPECT_EQ(2, b.psc_level);
        // Without data lines the PTE line is still cached; with them A's
        // data line took its place.
        EXPECT_EQ(data ? 1u + 100 : 1u + 5, b.lat_walk);
        TearDown();
        mmu = nullptr, pt = nullptr, mem = nullptr;
    }
}

TEST_F(Timing, DataLinesNeverFollowAFault)
{
    cfg.memlat[0] = {64, 8, 5, 0, 0};
    cfg.data_lines = 1;
    make();
    mmu_result_t r = acc(kA + 0x4000, 0); // not mapped: #PF
    EXPECT_EQ(MMU_FAULT_PF, r.fault.kind);
    EXPECT_EQ(0u, r.lat_data);
}

TEST_F(Timing, DataAccessLoadsThroughTheStandIns)
{
    cfg.memlat[0] = {64, 8, 5, 0, 0};
    cfg.memlat[1] = {1024, 4, 14, 0, 0};
    make();
    EXPECT_EQ(100u, mmu_data_access(mmu, 0x5000040, 0));
    EXPECT_EQ(5u, mmu_data_access(mmu, 0x5000048, 10)); // same line
    // A host callback owns the caches: nothing to charge.
    mmu_destroy(mmu);
    cfg.memlat_cb = [](void *, uint64_t, int, uint64_t) -> unsigned { return 3; };
    cfg.data_lines = 1;
    mmu_err_t err{};
    ASSERT_EQ(0, mmu_create(&cfg, &ops, &mmu, &err)) << err.msg;
    EXPECT_EQ(0u, mmu_data_access(mmu, 0x5000040, 0));
}

// A victim level holds what the level above displaced: X, Y, X finds X there.
// An inclusive level took Y in place of X, so X comes from memory.
TEST_F(Timing, VictimLevelHoldsWhatTheLevelAboveDisplaced)
{
    cfg.memlat[0] = {1, 1, 5, 0, 0};
    cfg.memlat[2] = {1, 2, 30, 1, 0};
    make();
    const uint64_t x = 0x5000000, y = 0x5000040;
    EXPECT_EQ(100u, mmu_data_access(mmu, x, 0));
    EXPECT_EQ(5u, mmu_data_access(mmu, x, 0));
    EXPECT_EQ(100u, mmu_data_access(mmu, y, 0)); // X leaves L1 for the LLC
    EXPECT_EQ(30u, mmu_data_access(mmu, x, 0));
    EXPECT_EQ(30u, mmu_data_access(mmu, y, 0));  // displaced by X's return
    EXPECT_EQ(30u, mmu_data_access(mmu, x, 0));  // kept when it hit
}

TEST_F(Timing, InclusiveLevelIsFilledOnEveryMiss)
{
    cfg.memlat[0] = {1, 1, 5, 0, 0};
    cfg.memlat[2] = {1, 1, 30, 0, 0};
    make();
    const uint64_t x = 0x5000000, y = 0x5000040;
    EXPECT_EQ(100u, mmu_data_access(mmu, x, 0));
    EXPECT_EQ(100u, mmu_data_access(mmu, y, 0)); // Y replaces X in both levels
    EXPECT_EQ(100u, mmu_data_access(mmu, x, 0));
    cfg.memlat[2].victim = 1;
    TearDown();
    mmu = nullptr, pt = nullptr, mem = nullptr;
    make();
    EXPECT_EQ(100u, mmu_data_access(mmu, x, 0));
    EXPECT_EQ(100u, mmu_data_access(mmu, y, 0));
    EXPECT_EQ(30u, mmu_data_access(mmu, x, 0));
}

// pair: a miss in the L2 also brings the other half of the 128-byte pair.
TEST_F(Timing, PairLevelPrefetchesTheOtherLineOfThePair)
{
    for (unsigned pair : {0u, 1u}) {
        SCOPED_TRACE(pair);
        cfg.memlat[0] = {1, 1, 5, 0, 0};
        cfg.memlat[1] = {1, 4, 14, 0, pair};
        make();
        EXPECT_EQ(100u, mmu_data_access(mmu, 0x5000040, 0)); // the upper half
        EXPECT_EQ(pair ? 14u : 100u, mmu_data_access(mmu, 0x5000000, 0));
        EXPECT_EQ(100u, mmu_data_access(mmu, 0x5000080, 0)); // another pair
        TearDown();
        mmu = nullptr, pt = nullptr, mem = nullptr;
    }
}

TEST_F(Timing, GpCostsNothingAndTouchesNothing)
{
    make();
    mmu_result_t r = acc(0x0000800000000000ull, 77);
    EXPECT_EQ(MMU_FAULT_GP, r.fault.kind);
    EXPECT_EQ(77u, r.done_at);
    EXPECT_EQ(MMU_SERVED_NONE, r.served);
}

} // namespace

namespace {

// cfg.memlat_plru: with one 8-way set as the L1D, lines 0..7 filled in order,
// then line 0 used again, a ninth line replaces the way the pseudo-LRU tree
// points to (line 4: the tree last went left at the root) where true LRU
// replaces the least recently used one (line 1).
TEST_F(Timing, PlruTreeChoosesAnotherVictimThanLru)
{
    for (unsigned plru : {0u, 8u}) {
        SCOPED_TRACE(plru);
        cfg.memlat[0] = {1, 8, 5, 0, 0};
        cfg.memlat_plru[0] = plru;
        make();
        const uint64_t base = 0x5000000;
        auto line = [&](unsigned i) { return mmu_data_access(mmu, base + 64u * i, 0); };
        for (unsigned i = 0; i < 8; i++)
            EXPECT_EQ(100u, line(i));
        EXPECT_EQ(5u, line(0));
        EXPECT_EQ(100u, line(8));
        EXPECT_EQ(5u, line(plru ? 1 : 4));   // kept
        EXPECT_EQ(100u, line(plru ? 4 : 1)); // replaced by line 8
        TearDown();
        mmu = nullptr, pt = nullptr, mem = nullptr;
    }
}

// Three 4-way trees ordered by LRU (Ice Lake's "LRU3PLRU4"): after 0..11 and
// 0 again the least recently used group is ways 4..7, and its tree points to
// way 4; true LRU over the 12 ways would replace line 1 instead.
TEST_F(Timing, PlruGroupsAreOrderedByLru)
{
    cfg.memlat[0] = {1, 12, 5, 0, 0};
    cfg.memlat_plru[0] = 4;
    make();
    const uint64_t base = 0x5000000;
    auto line = [&](unsigned i) { return mmu_data_access(mmu, base + 64u * i, 0); };
    for (unsigned i = 0; i < 12; i++)
        EXPECT_EQ(100u, line(i));
    EXPECT_EQ(5u, line(0));
    EXPECT_EQ(100u, line(12));
    EXPECT_EQ(5u, line(1));
    EXPECT_EQ(5u, line(8)); // the most recently filled group before line 0
    EXPECT_EQ(100u, line(4));
}

} // namespace
