// SPDX-License-Identifier: Apache-2.0
// Reclaim (workloads/os/reclaim.c) on the model: watermarks, kswapd and
// direct reclaim, clean pages never written, no stale translation after
// swap-out (randomized), contents through swap, THP split, the OOM killer.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "os_testutil.h"

using namespace ostest;

namespace {

constexpr uint64_t kFile = MMU_PTE_P | MMU_PTE_US | MMU_PTE_RW;

mmu_aspace_cfg_t Cfg(unsigned frames)
{
    mmu_aspace_cfg_t c;
    mmu_aspace_cfg_init(&c);
    c.policy = MMU_POLICY_4K;
    c.mem_bytes = uint64_t(frames) * 4096;
    c.tables_in_mem = 0;
    c.repl = PolicyIndex("clock");
    c.readahead = 1;
    return c;
}

TEST(Reclaim, AutoWatermarksFollowMinFreeKbytes)
{
    mmu_aspace_cfg_t c;
    mmu_aspace_cfg_init(&c);
    uint64_t mn, lo, hi;
    c.mem_bytes = 256ull << 20; // sqrt(262144 * 16) = 2048 KiB = 512 pages; step 128
    mmu_aspace_watermarks(&c, &mn, &lo, &hi);
    EXPECT_EQ(mn, 512u);
    EXPECT_EQ(lo, 640u);
    EXPECT_EQ(hi, 768u);
    c.mem_bytes = 64ull << 30; // sqrt(64 GiB in KiB * 16) = 32768 KiB = 8192 pages; step 0.1% = 16777
    mmu_aspace_watermarks(&c, &mn, &lo, &hi);
    EXPECT_EQ(mn, 8192u);
    EXPECT_EQ(lo, 8192u + 16777u);
    EXPECT_EQ(hi, 8192u + 2 * 16777u);
    c.mem_bytes = 4ull << 20; // 256 KiB = 64 pages, step 16
    mmu_aspace_watermarks(&c, &mn, &lo, &hi);
    EXPECT_EQ(mn, 64u);
    EXPECT_EQ(hi, 96u);
    c.mem_bytes = 64ull << 10; // the 128 KiB floor would be all of it: 1/16 instead
    mmu_aspace_watermarks(&c, &mn, &lo, &hi);
    EXPECT_EQ(mn, 1u);
    EXPECT_EQ(lo, 2u);
    EXPECT_EQ(hi, 3u);
    c.wmark_mode = MMU_WMARK_NONE;
    mmu_aspace_watermarks(&c, &mn, &lo, &hi);
    EXPECT_EQ(mn + lo + hi, 0u);
}

// File pages are clean (files start cached), so reclaim frees them at once:
// free memory is exactly what the watermarks make it.
struct WmarkRun {
    std::vector<uint64_t> free_after, wakeups, direct;
};

WmarkRun TouchFilePages(bool kswapd, unsigned n)
{
    mmu_aspace_cfg_t c = Cfg(100);
    c.wmark_mode = MMU_WMARK_SET;
    c.wmark_min = 10, c.wmark_low = 20, c.wmark_high = 30;
    c.kswapd = kswapd;
    c.reclaim_batch = 1;
    c.scan_ns = c.unmap_ns = 0; // kswapd keeps up: see KswapdThatFallsBehind...
    Os os(c);
    EXPECT_EQ(os.create_rc, 0) << os.msg;
    EXPECT_EQ(os.Feed(Map(kBase, 1 << 20, kFile, MMU_MAP_FILE_PRIVATE, 7, 0)), 0) << os.msg;
    WmarkRun r;
    for (unsigned i = 0; i < n; i++) {
        EXPECT_EQ(os.Feed(Access(kBase + i * 4096ull)), 0) << os.msg;
        auto s = os.Stats();
        r.free_after.push_back(s.free_frames);
        r.wakeups.push_back(s.kswapd_wakeups);
        r.direct.push_back(s.direct_reclaims);
    }
    return r;
}

TEST(Reclaim, KswapdWakesBelowLowAndStopsAtHigh)
{
    WmarkRun r = TouchFilePages(true, 200);
    // 100 frames, all free at first: pages 0..79 leave 20 free (= low).
    EXPECT_EQ(r.free_after[79], 20u);
    EXPECT_EQ(r.wakeups[79], 0u);
    // The next allocation would leave fewer than low: kswapd is woken...
    EXPECT_EQ(r.wakeups[80], 1u);
    // ...and by the next fault has brought free memory up to high (30), of
    // which that fault takes one.
    EXPECT_EQ(r.free_after[81], 29u);
    for (size_t i = 80; i < r.free_after.size(); i++) {
        EXPECT_GE(r.free_after[i], 19u) << i; // never near min: no direct reclaim
        EXPECT_LE(r.free_after[i], 30u) << i;
        EXPECT_EQ(r.direct[i], 0u) << i;
    }
    EXPECT_GT(r.wakeups.back(), 1u);
}

TEST(Reclaim, DirectReclaimOnlyBelowMin)
{
    WmarkRun r = TouchFilePages(false, 200);
    for (size_t i = 0; i < r.free_after.size(); i++) {
        if (r.free_after[i] > 10 || i == 89) {
            EXPECT_EQ(r.direct[i], 0u) << i;
        }
        EXPECT_GE(r.free_after[i], 10u) << i;
    }
    // Page 89 takes the 11th-last frame (free 10 = min); page 90 finds free
    // memory at min: the fault reclaims one page itself, every fault after too.
    EXPECT_EQ(r.free_after[89], 10u);
    EXPECT_EQ(r.direct[90], 1u);
    EXPECT_EQ(r.direct[199], 110u);
    EXPECT_EQ(r.wakeups.back(), 0u);
}

TEST(Reclaim, KswapdThatFallsBehindLeavesWorkToDirectReclaim)
{
    // Each page kswapd looks at costs 100 ns and Clock's first pass looks at
    // them all: the faults (0.7 us each) come faster than kswapd frees
    // frames, free memory reaches min and the faults reclaim themselves.
    mmu_aspace_cfg_t c = Cfg(100);
    c.wmark_mode = MMU_WMARK_SET;
    c.wmark_min = 10, c.wmark_low = 20, c.wmark_high = 30;
    c.reclaim_batch = 1;
    Os os(c);
    ASSERT_EQ(os.Feed(Map(kBase, 1 << 20, kFile, MMU_MAP_FILE_PRIVATE, 7, 0)), 0) << os.msg;
    for (unsigned i = 0; i < 200; i++)
        ASSERT_EQ(os.Feed(Access(kBase + i * 4096ull)), 0) << os.msg;
    auto s = os.Stats();
    EXPECT_GT(s.kswapd_reclaimed, 0u);
    EXPECT_GT(s.direct_reclaims, 0u);
    EXPECT_GT(s.kswapd_cycles, 0u);
    EXPECT_GT(s.reclaim_cycles, 0u);
}

TEST(Reclaim, ACleanPageIsNeverWrittenToSwap)
{
    mmu_aspace_cfg_t c = PureCfg(8, "clock");
    c.nswap = 1;
    Os os(c);
    ASSERT_EQ(os.create_rc, 0) << os.msg;
    // Write 16 pages once: each must be written to swap when it goes.
    for (unsigned p = 0; p < 16; p++)
        ASSERT_EQ(os.Feed(Access(kBase + p * 4096ull, MMU_ACC_WRITE)), 0);
    uint64_t outs = os.Stats().swap_outs;
    EXPECT_EQ(outs, 8u);
    // Now only read them, many times: swapped in by reads they keep their
    // slot and D = 0, so going again is a drop, never a write.
    for (int round = 0; round < 5; round++)
        for (unsigned p = 0; p < 16; p++)
            ASSERT_EQ(os.Feed(Access(kBase + p * 4096ull)), 0);
    auto s = os.Stats();
    EXPECT_EQ(s.swap_outs, 16u); // the 8 dirty ones still in memory went once
    EXPECT_GT(s.clean_drops, 50u);
    EXPECT_EQ(mmu_swap_areas(mmu_aspace_swap(os.as)), 1u);
    mmu_swap_area_info_t ai;
    mmu_swap_get_area(mmu_aspace_swap(os.as), 0, &ai);
    EXPECT_EQ(ai.dev->writes, s.swap_outs);
    // A write sets D: that page is written again when it goes.
    ASSERT_EQ(os.Feed(Access(kBase, MMU_ACC_WRITE)), 0);
    for (unsigned p = 1; p < 16; p++)
        ASSERT_EQ(os.Feed(Access(kBase + p * 4096ull)), 0);
    EXPECT_EQ(os.Stats().swap_outs, 17u);
}

struct RandomCase {
    const char *policy;
    unsigned procs;
    bool pcid, kpti, thp, flush_young;
    unsigned frames;
};

// Every access is checked against the page tables: the physical address the
// MMU gives must be the one the tables hold now, so no translation of a page
// that was swapped out (or moved) survives in a TLB or PSC. Each write leaves
// a new contents token; every read sees the last one written, through any
// number of swap-outs and swap-ins.
void RandomCheck(const RandomCase &rc, unsigned seed)
{
    mmu_aspace_cfg_t c;
    mmu_aspace_cfg_init(&c);
    c.policy = rc.thp ? MMU_POLICY_THP : MMU_POLICY_4K;
    c.nproc = rc.procs;
    c.switch_every = rc.procs > 1 ? 37 : 0;
    c.pcid = rc.pcid;
    c.kpti = rc.kpti;
    c.mem_bytes = uint64_t(rc.frames) * 4096;
    c.nswap = 1;
    c.swap[0].bytes = 32ull << 20;
    c.repl = PolicyIndex(rc.policy);
    c.flush_young = rc.flush_young;
    c.reclaim_batch = 8;
    c.tick = 64;
    Os os(c);
    ASSERT_EQ(os.create_rc, 0) << os.msg;
    std::mt19937_64 g(seed);
    const unsigned pages = 4 * 512; // 8 MiB per process: four 2M regions
    std::map<std::pair<unsigned, uint64_t>, uint64_t> want;
    uint64_t tok = 1;
    for (int i = 0; i < 15000; i++) {
        uint64_t va = kBase + (g() % pages) * 4096 + (g() % 512) * 8;
        // Clusters of nearby accesses, so the TLB and PSCs hold something;
        // in the last 2M region, so the first one (a THP) goes cold.
        if (g() % 4)
            va = kBase + ((3 * 512 + g() % 24) * 4096);
        uint64_t page = va & ~0xfffull;
        if (g() % 3 == 0) {
            ASSERT_EQ(mmu_aspace_poke(os.as, va, ++tok, os.msg, sizeof os.msg), 0) << os.msg;
            want[{mmu_aspace_current(os.as), page}] = tok;
            continue;
        }
        mmu_result_t res;
        ASSERT_EQ(os.Feed(Access(va), &res), 0) << os.msg;
        ASSERT_EQ(res.fault.kind, MMU_FAULT_NONE) << "access " << i;
        unsigned p = mmu_aspace_current(os.as);
        uint64_t pa = 0;
        ASSERT_EQ(mmu_aspace_lookup(os.as, p, va, &pa), 1) << "access " << i;
        ASSERT_EQ(res.pa, pa) << "access " << i << " va 0x" << std::hex << va
                              << ": a stale translation";
        uint64_t t = 0;
        ASSERT_EQ(mmu_aspace_peek(os.as, va, &t), 0);
        auto it = want.find({p, page});
        ASSERT_EQ(t, it == want.end() ? 0u : it->second) << "access " << i << " contents";
        if (i % 500 == 0) {
            ASSERT_EQ(mmu_aspace_check(os.as, os.msg, sizeof os.msg), 0) << os.msg << " at " << i;
        }
    }
    ASSERT_EQ(mmu_aspace_check(os.as, os.msg, sizeof os.msg), 0) << os.msg;
    auto s = os.Stats();
    EXPECT_GT(s.swap_outs, 100u) << rc.policy;
    EXPECT_GT(s.swap_ins, 50u) << rc.policy;
    if (rc.thp) {
        EXPECT_GT(s.thp_splits, 0u);
    }
}

TEST(Reclaim, RandomizedNoStaleTranslationAndContentsSurviveSwap)
{
    const RandomCase cases[] = {
        {"clock", 1, true, false, false, false, 200},
        {"twolist", 1, true, false, true, false, 1200},
        {"mglru", 2, true, true, false, false, 300},
        {"fifo", 2, false, false, false, true, 250},
        {"lfu", 1, true, false, false, false, 200},
        {"ws", 3, true, false, true, false, 1300},
        {"lru", 2, false, true, false, false, 300},
    };
    unsigned seed = 1;
    for (const auto &rc : cases) {
        SCOPED_TRACE(rc.policy);
        RandomCheck(rc, seed++);
    }
}

TEST(Reclaim, ThpIsSplitBeforeSwapOutAndItsPiecesUse4KEntries)
{
    mmu_aspace_cfg_t c = Cfg(700);
    c.policy = MMU_POLICY_THP;
    c.wmark_mode = MMU_WMARK_NONE;
    c.kswapd = 0;
    c.nswap = 1;
    c.swap[0].bytes = 16ull << 20;
    Os os(c);
    ASSERT_EQ(os.create_rc, 0) << os.msg;
    mmu_result_t res;
    ASSERT_EQ(os.Feed(Access(kBase, MMU_ACC_WRITE), &res), 0);
    EXPECT_EQ(res.page_size, MMU_PAGE_2M);
    EXPECT_EQ(os.Stats().pages_2m, 1u);
    // 300 more 4K-only pages (another 2M region, its pages touched with the
    // 2M page refused: memory is too short for a second one after this).
    for (unsigned p = 0; p < 300; p++)
        ASSERT_EQ(os.Feed(Access(kBase + (1ull << 30) + p * 4096ull, MMU_ACC_WRITE)), 0);
    auto s = os.Stats();
    EXPECT_EQ(s.thp_splits, 1u);
    EXPECT_EQ(s.pages_4k, 300u + 512u); // the 512 pieces of the split
    EXPECT_EQ(s.fallbacks_2m, 1u);      // the second region's first page only
    EXPECT_GE(s.pages_4k, 512u);
    EXPECT_GT(s.swap_outs, 0u);
    // What is left of the 2M page is mapped with 4K PTEs now.
    for (unsigned k = 0; k < 512; k++) {
        uint64_t pa;
        if (mmu_aspace_lookup(os.as, 0, kBase + k * 4096ull, &pa) == 1) {
            ASSERT_EQ(os.Feed(Access(kBase + k * 4096ull), &res), 0);
            EXPECT_EQ(res.page_size, MMU_PAGE_4K);
            EXPECT_EQ(res.pa, pa);
            break;
        }
    }
}

TEST(Reclaim, OomKillsTheOnlyProcessWhenNothingCanBeReclaimed)
{
    mmu_aspace_cfg_t c = Cfg(64);
    c.wmark_mode = MMU_WMARK_NONE;
    Os os(c); // no swap: anonymous pages cannot go
    ASSERT_EQ(os.create_rc, 0) << os.msg;
    int rc = 0;
    unsigned p = 0;
    for (; p < 100 && rc == 0; p++)
        rc = os.Feed(Access(kBase + p * 4096ull, MMU_ACC_WRITE));
    EXPECT_EQ(rc, MMU_ASPACE_STOP);
    EXPECT_EQ(p, 65u); // 64 frames, the 65th page finds none
    EXPECT_STREQ(mmu_aspace_stop_reason(os.as), "out of memory: the OOM killer ended every process");
    auto s = os.Stats();
    EXPECT_EQ(s.oom_kills, 1u);
    EXPECT_EQ(s.free_frames, 64u); // everything it held is back
    const mmu_aspace_event_t *ev;
    ASSERT_EQ(mmu_aspace_events(os.as, &ev), 1u);
    EXPECT_EQ(ev[0].kind, MMU_EV_OOM);
    EXPECT_EQ(ev[0].rss, 64u);
    EXPECT_EQ(os.Feed(Access(kBase)), MMU_ASPACE_SKIPPED);
    os.Check();
}

TEST(Reclaim, OomPicksTheProcessHoldingTheMostAndTheOtherGoesOn)
{
    mmu_aspace_cfg_t c = Cfg(96);
    c.wmark_mode = MMU_WMARK_NONE;
    c.nproc = 2;
    c.nswap = 1;
    c.swap[0].bytes = 64 << 10; // 15 slots: swap fills up too
    Os os(c);
    ASSERT_EQ(os.create_rc, 0) << os.msg;
    mmu_trec_t to1{}, to0{};
    to1.kind = to0.kind = MMU_TREC_CR3;
    to0.value = mmu_aspace_cr3(os.as, 0, 0);
    to1.value = mmu_aspace_cr3(os.as, 1, 0);
    // Process 1 takes 30 pages, process 0 then takes everything else.
    ASSERT_EQ(os.Feed(to1), 0);
    for (unsigned p = 0; p < 30; p++)
        ASSERT_EQ(os.Feed(Access(kBase + p * 4096ull, MMU_ACC_WRITE)), 0);
    ASSERT_EQ(os.Feed(to0), 0);
    int rc = 0;
    for (unsigned p = 0; p < 200 && rc == 0; p++)
        rc = os.Feed(Access(kBase + p * 4096ull, MMU_ACC_WRITE));
    EXPECT_EQ(rc, MMU_ASPACE_SKIPPED); // process 0 (the biggest) was ended
    mmu_aspace_proc_info_t p0, p1;
    mmu_aspace_get_proc(os.as, 0, &p0);
    mmu_aspace_get_proc(os.as, 1, &p1);
    EXPECT_TRUE(p0.killed);
    EXPECT_FALSE(p1.killed);
    EXPECT_EQ(p0.rss + p0.swap, 0u);
    // Process 1 still runs, and its pages are intact.
    ASSERT_EQ(os.Feed(to1), 0);
    mmu_result_t res;
    ASSERT_EQ(os.Feed(Access(kBase + 5 * 4096ull), &res), 0);
    EXPECT_EQ(res.fault.kind, MMU_FAULT_NONE);
    EXPECT_EQ(os.Stats().oom_kills, 1u);
    os.Check();
}

TEST(Reclaim, FullSwapMeansOomNotACrash)
{
    mmu_aspace_cfg_t c = PureCfg(16, "twolist");
    c.swap[0].bytes = 8 * 4096; // 7 slots
    Os os(c);
    ASSERT_EQ(os.create_rc, 0) << os.msg;
    int rc = 0;
    unsigned p = 0;
    for (; p < 100 && rc == 0; p++)
        rc = os.Feed(Access(kBase + p * 4096ull, MMU_ACC_WRITE));
    EXPECT_EQ(rc, MMU_ASPACE_STOP);
    EXPECT_EQ(p, 16u + 7u + 1u);
    EXPECT_EQ(os.Stats().oom_kills, 1u);
    EXPECT_EQ(os.Stats().swap_used, 0u); // freed with the process
    os.Check();
}

TEST(Reclaim, ProcessExitFreesItsSwapSlots)
{
    mmu_aspace_cfg_t c = PureCfg(16, "fifo");
    c.nproc = 2;
    Os os(c);
    ASSERT_EQ(os.create_rc, 0) << os.msg;
    for (unsigned p = 0; p < 40; p++)
        ASSERT_EQ(os.Feed(Access(kBase + p * 4096ull, MMU_ACC_WRITE)), 0);
    EXPECT_EQ(os.Stats().swap_used, 24u);
    ASSERT_EQ(mmu_aspace_exit(os.as, 0, os.msg, sizeof os.msg), 0) << os.msg;
    EXPECT_EQ(os.Stats().swap_used, 0u);
    EXPECT_EQ(os.Stats().free_frames, 16u);
    os.Check();
}

} // namespace
