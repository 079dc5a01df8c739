/* SPDX-License-Identifier: Apache-2.0 */
// Address spaces (workloads/aspace.c): frame allocator, page-size policies,
// demand paging, MAP/UNMAP/PROTECT with OS-style invalidation, processes with
// PCIDs and KPTI. Records are built directly as mmu_trec_t.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <set>
#include <vector>

#include "aspace.h"
#include "mmu/mmu.h"
#include "mmu/mmu_mem.h"
#include "mmu/mmu_stats.h"

namespace {

constexpr uint64_t kBase = 0x10000000000ull; // 1 GiB aligned user address
constexpr uint64_t k2M = 1ull << 21;
constexpr uint64_t k1G = 1ull << 30;
constexpr uint64_t kUser = MMU_PTE_P | MMU_PTE_RW | MMU_PTE_US;

mmu_trec_t Access(uint64_t la, uint8_t type = MMU_ACC_READ, uint8_t cpl = 3)
{
    mmu_trec_t r{};
    r.kind = MMU_TREC_ACCESS;
    r.la = la;
    r.type = type;
    r.cpl = cpl;
    r.size = 8;
    return r;
}

mmu_trec_t Range(uint8_t kind, uint64_t la, uint64_t len, uint64_t flags = 0, uint8_t size = 0)
{
    mmu_trec_t r{};
    r.kind = kind;
    r.la = la;
    r.len = len;
    r.value = flags;
    r.size = size;
    return r;
}

mmu_trec_t Kind(uint8_t kind)
{
    mmu_trec_t r{};
    r.kind = kind;
    return r;
}

struct Env {
    mmu_sparse_mem_t *mem = nullptr;
    mmu_t *mmu = nullptr;
    mmu_aspace_t *as = nullptr;
    char msg[256] = "";

    explicit Env(const mmu_aspace_cfg_t &cfg)
    {
        EXPECT_EQ(mmu_sparse_mem_create(46, &mem), 0);
        mmu_config_t mc;
        mmu_config_init(&mc);
        mmu_mem_ops_t ops = mmu_sparse_mem_ops(mem);
        mmu_err_t err;
        EXPECT_EQ(mmu_create(&mc, &ops, &mmu, &err), 0) << err.msg;
        EXPECT_EQ(mmu_aspace_create(mmu, mem, &cfg, &as, msg, sizeof msg), 0) << msg;
    }
    ~Env()
    {
        mmu_aspace_destroy(as);
        mmu_destroy(mmu);
        mmu_sparse_mem_destroy(mem);
    }
    mmu_result_t Feed(const mmu_trec_t &r)
    {
        mmu_result_t res{};
        EXPECT_EQ(mmu_aspace_feed(as, &r, &res, msg, sizeof msg), 0) << msg;
        return res;
    }
    mmu_aspace_stats_t Stats() const
    {
        mmu_aspace_stats_t s;
        mmu_aspace_get_stats(as, &s);
        return s;
    }
    mmu_stats_t MmuStats() const
    {
        mmu_stats_t s;
        mmu_get_stats(mmu, &s);
        return s;
    }
};

mmu_aspace_cfg_t Cfg(unsigned policy)
{
    mmu_aspace_cfg_t c;
    mmu_aspace_cfg_init(&c);
    c.policy = policy;
    return c;
}

bool NotPresentFault(const mmu_result_t &r)
{
    return r.fault.kind == MMU_FAULT_PF && !(r.fault.error_code & MMU_PF_P);
}

// ---- frame allocator -----------------------------------------------------------

TEST(Aspace, ContiguousAllocatorReturnsAlignedLargeFrames)
{
    mmu_frames_t *f;
    char msg[128];
    ASSERT_EQ(mmu_frames_create(MMU_FRAMES_CONTIGUOUS, k1G + 0x1000, 8 * k1G, 1, 0, &f, msg,
                                sizeof msg), 0) << msg;
    uint64_t a, b, c, d;
    ASSERT_EQ(mmu_frames_alloc(f, MMU_PAGE_4K, &a), 0);
    ASSERT_EQ(mmu_frames_alloc(f, MMU_PAGE_2M, &b), 0);
    ASSERT_EQ(mmu_frames_alloc(f, MMU_PAGE_1G, &c), 0);
    ASSERT_EQ(mmu_frames_alloc(f, MMU_PAGE_2M, &d), 0);
    EXPECT_EQ(a, k1G + 0x1000);
    EXPECT_EQ(b % k2M, 0u);
    EXPECT_EQ(c % k1G, 0u);
    EXPECT_EQ(d % k2M, 0u);
    EXPECT_TRUE(b + k2M <= 8 * k1G && c + k1G <= b && d + k2M <= c) << std::hex << b << " " << c;
    EXPECT_EQ(mmu_frames_used(f), 1u + 512 + 262144 + 512);
    mmu_frames_destroy(f);
}

TEST(Aspace, ContiguousAllocatorRunsOut)
{
    mmu_frames_t *f;
    ASSERT_EQ(mmu_frames_create(MMU_FRAMES_CONTIGUOUS, k2M, 2 * k2M, 1, 0, &f, nullptr, 0), 0);
    uint64_t pa;
    ASSERT_EQ(mmu_frames_alloc(f, MMU_PAGE_4K, &pa), 0);
    EXPECT_EQ(mmu_frames_alloc(f, MMU_PAGE_2M, &pa), MMU_ENOSPC); // no aligned run left
    for (int i = 1; i < 512; i++)
        ASSERT_EQ(mmu_frames_alloc(f, MMU_PAGE_4K, &pa), 0);
    EXPECT_EQ(mmu_frames_alloc(f, MMU_PAGE_4K, &pa), MMU_ENOSPC);
    mmu_frames_destroy(f);
}

TEST(Aspace, FragmentedAllocatorIsDeterministicAndShuffled)
{
    auto run = [](uint64_t seed) {
        mmu_frames_t *f;
        EXPECT_EQ(mmu_frames_create(MMU_FRAMES_FRAGMENTED, k1G, 2 * k1G, seed, 90, &f, nullptr, 0), 0);
        std::vector<uint64_t> v;
        for (int i = 0; i < 1000; i++) {
            uint64_t pa;
            EXPECT_EQ(mmu_frames_alloc(f, MMU_PAGE_4K, &pa), 0);
            v.push_back(pa);
        }
        mmu_frames_destroy(f);
        return v;
    };
    std::vector<uint64_t> a = run(7), b = run(7), c = run(8);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
    std::set<uint64_t> distinct(a.begin(), a.end());
    EXPECT_EQ(distinct.size(), a.size());
    unsigned adjacent = 0;
    for (size_t i = 1; i < a.size(); i++)
        adjacent += a[i] == a[i - 1] + 0x1000;
    EXPECT_LT(adjacent, 10u) << "frames come out in address order";
    for (uint64_t pa : a)
        EXPECT_TRUE(pa >= k1G && pa < 2 * k1G && pa % 0x1000 == 0);
}

TEST(Aspace, FragmentedAllocatorHasNoFreeLargeRunWhenFullyFragmented)
{
    mmu_frames_t *f;
    ASSERT_EQ(mmu_frames_create(MMU_FRAMES_FRAGMENTED, k1G, 2 * k1G, 3, 100, &f, nullptr, 0), 0);
    uint64_t pa;
    EXPECT_EQ(mmu_frames_alloc(f, MMU_PAGE_2M, &pa), MMU_ENOSPC);
    EXPECT_EQ(mmu_frames_alloc(f, MMU_PAGE_1G, &pa), MMU_ENOSPC);
    EXPECT_EQ(mmu_frames_alloc(f, MMU_PAGE_4K, &pa), 0);
    mmu_frames_destroy(f);
    // frag_pct = 0: every chunk free, large frames aligned.
    ASSERT_EQ(mmu_frames_create(MMU_FRAMES_FRAGMENTED, k1G, 3 * k1G, 3, 0, &f, nullptr, 0), 0);
    ASSERT_EQ(mmu_frames_alloc(f, MMU_PAGE_1G, &pa), 0);
    EXPECT_EQ(pa % k1G, 0u);
    ASSERT_EQ(mmu_frames_alloc(f, MMU_PAGE_2M, &pa), 0);
    EXPECT_EQ(pa % k2M, 0u);
    mmu_frames_destroy(f);
}

TEST(Aspace, FragmentedAllocatorLeavesAboutFragPctOfChunksBroken)
{
    mmu_frames_t *f;
    ASSERT_EQ(mmu_frames_create(MMU_FRAMES_FRAGMENTED, k1G, 3 * k1G, 9, 50, &f, nullptr, 0), 0);
    unsigned got = 0;
    uint64_t pa;
    while (mmu_frames_alloc(f, MMU_PAGE_2M, &pa) == 0) {
        EXPECT_EQ(pa % k2M, 0u);
        got++;
    }
    EXPECT_GT(got, 1024u * 4 / 10); // 1024 chunks, about half left whole
    EXPECT_LT(got, 1024u * 6 / 10);
    mmu_frames_destroy(f);
}

TEST(Aspace, FragmentedMemoryMakesThpFallBackTo4K)
{
    mmu_aspace_cfg_t c = Cfg(MMU_POLICY_THP);
    c.frames_mode = MMU_FRAMES_FRAGMENTED;
    c.frag_pct = 100;
    c.phys_limit = 4 * k1G;
    Env e(c);
    mmu_result_t r = e.Feed(Access(kBase + 0x5000));
    ASSERT_EQ(r.fault.kind, MMU_FAULT_NONE);
    EXPECT_EQ(r.page_size, MMU_PAGE_4K);
    mmu_aspace_stats_t s = e.Stats();
    EXPECT_EQ(s.fallbacks_2m, 1u);
    EXPECT_EQ(s.demand_faults_4k, 1u);
    EXPECT_EQ(s.pages_2m, 0u);

    c.frag_pct = 0; // same trace, free 2 MiB runs: a 2M page and no fallback
    Env e2(c);
    r = e2.Feed(Access(kBase + 0x5000));
    EXPECT_EQ(r.page_size, MMU_PAGE_2M);
    EXPECT_EQ(e2.Stats().fallbacks_2m, 0u);
}

// ---- policies ------------------------------------------------------------------

TEST(Aspace, Policy4KMapsOnly4KPages)
{
    Env e(Cfg(MMU_POLICY_4K));
    for (uint64_t off : {uint64_t(0), uint64_t(0x1000), k2M, 5 * k1G}) {
        mmu_result_t r = e.Feed(Access(kBase + off, MMU_ACC_WRITE));
        ASSERT_EQ(r.fault.kind, MMU_FAULT_NONE);
        EXPECT_EQ(r.page_size, MMU_PAGE_4K);
    }
    EXPECT_EQ(e.Stats().pages_4k, 4u);
}

TEST(Aspace, PolicyThpMaps2MWhereTheRegionIsInsideTheMappedRange)
{
    Env e(Cfg(MMU_POLICY_THP));
    // MAP [B+1M, B+4M): [B+2M, B+4M) is a whole aligned 2 MiB region, [B, B+2M) is not.
    e.Feed(Range(MMU_TREC_MAP, kBase + (1ull << 20), 3ull << 20, kUser));
    mmu_result_t r = e.Feed(Access(kBase + (1ull << 20) + 0x40));
    ASSERT_EQ(r.fault.kind, MMU_FAULT_NONE);
    EXPECT_EQ(r.page_size, MMU_PAGE_4K);
    r = e.Feed(Access(kBase + 3 * (1ull << 20)));
    ASSERT_EQ(r.fault.kind, MMU_FAULT_NONE);
    EXPECT_EQ(r.page_size, MMU_PAGE_2M);
    // [B+4M, B+6M) starts inside a VMA but ends outside it: 4K.
    e.Feed(Range(MMU_TREC_MAP, kBase + 2 * k2M, 1ull << 20, kUser));
    EXPECT_EQ(e.Feed(Access(kBase + 2 * k2M)).page_size, MMU_PAGE_4K);
    // [B+8M, B+10M) is covered by two VMAs with a hole between them: 4K.
    e.Feed(Range(MMU_TREC_MAP, kBase + 4 * k2M, 1ull << 20, kUser));
    e.Feed(Range(MMU_TREC_MAP, kBase + 4 * k2M + (3ull << 19), 1ull << 19, kUser));
    EXPECT_EQ(e.Feed(Access(kBase + 4 * k2M)).page_size, MMU_PAGE_4K);
    // Two adjacent VMAs with the same flags cover a region as one would: 2M.
    e.Feed(Range(MMU_TREC_MAP, kBase + 6 * k2M, 1ull << 20, kUser));
    e.Feed(Range(MMU_TREC_MAP, kBase + 6 * k2M + (1ull << 20), 1ull << 20, kUser));
    EXPECT_EQ(e.Feed(Access(kBase + 6 * k2M)).page_size, MMU_PAGE_2M);
    // Adjacent VMAs with different rights are not one region: 4K.
    e.Feed(Range(MMU_TREC_MAP, kBase + 8 * k2M, 1ull << 20, kUser));
    e.Feed(Range(MMU_TREC_MAP, kBase + 8 * k2M + (1ull << 20), 1ull << 20, MMU_PTE_P | MMU_PTE_US));
    EXPECT_EQ(e.Feed(Access(kBase + 8 * k2M)).page_size, MMU_PAGE_4K);
    // Outside every MAP range: no demand paging after the first MAP record.
    r = e.Feed(Access(kBase + 16 * k2M));
    EXPECT_TRUE(NotPresentFault(r));
    EXPECT_EQ(e.Stats().faults_returned, 1u);
}

TEST(Aspace, PolicyThpNeverMaps2MOverSmallPagesAlreadyThere)
{
    Env e(Cfg(MMU_POLICY_THP));
    e.Feed(Range(MMU_TREC_MAP, kBase, 1ull << 20, kUser));
    EXPECT_EQ(e.Feed(Access(kBase)).page_size, MMU_PAGE_4K); // region not yet covered
    // Now [B, B+2M) is covered, but a 4K page is already in it (no khugepaged).
    e.Feed(Range(MMU_TREC_MAP, kBase + (1ull << 20), 1ull << 20, kUser));
    mmu_result_t r = e.Feed(Access(kBase + (1ull << 20)));
    ASSERT_EQ(r.fault.kind, MMU_FAULT_NONE);
    EXPECT_EQ(r.page_size, MMU_PAGE_4K);
    EXPECT_EQ(e.Feed(Access(kBase)).page_size, MMU_PAGE_4K);
}

TEST(Aspace, PolicyThpWithoutMapRecordsTreatsEveryTouchedRegionAsEligible)
{
    Env e(Cfg(MMU_POLICY_THP));
    mmu_result_t r = e.Feed(Access(kBase + 0x1234));
    ASSERT_EQ(r.fault.kind, MMU_FAULT_NONE);
    EXPECT_EQ(r.page_size, MMU_PAGE_2M);
    // The same 2M page serves the rest of the region: no new demand fault.
    r = e.Feed(Access(kBase + k2M - 8));
    EXPECT_EQ(r.page_size, MMU_PAGE_2M);
    EXPECT_EQ(e.Stats().demand_faults, 1u);
}

TEST(Aspace, Policy1GMaps1GWhereAlignedElse2MElse4K)
{
    Env e(Cfg(MMU_POLICY_1G));
    mmu_result_t r = e.Feed(Access(kBase + 0x10));
    ASSERT_EQ(r.fault.kind, MMU_FAULT_NONE);
    EXPECT_EQ(r.page_size, MMU_PAGE_1G);
    EXPECT_EQ(r.pa % k1G, 0x10u);
    // A MAP range of 3 MiB starting 2 MiB aligned: 2M then 4K.
    uint64_t m = kBase + 8 * k1G;
    e.Feed(Range(MMU_TREC_MAP, m, 3ull << 20, kUser));
    r = e.Feed(Access(m));
    EXPECT_EQ(r.page_size, MMU_PAGE_2M);
    r = e.Feed(Access(m + k2M));
    EXPECT_EQ(r.page_size, MMU_PAGE_4K);
    mmu_aspace_stats_t s = e.Stats();
    EXPECT_EQ(s.pages_1g, 1u);
    EXPECT_EQ(s.pages_2m, 1u);
    EXPECT_EQ(s.pages_4k, 1u);
}

TEST(Aspace, PolicyMixedFollowsItsProbabilitiesAndSeed)
{
    auto sizes = [](unsigned p1g, unsigned p2m, uint64_t seed) {
        mmu_aspace_cfg_t c = Cfg(MMU_POLICY_MIXED);
        c.mixed_1g_pct = p1g;
        c.mixed_2m_pct = p2m;
        c.seed = seed;
        Env e(c);
        std::vector<int> v;
        for (int i = 0; i < 64; i++)
            v.push_back(e.Feed(Access(kBase + (uint64_t)i * 3 * k2M)).page_size);
        return v;
    };
    for (int s : sizes(0, 0, 1))
        EXPECT_EQ(s, MMU_PAGE_4K);
    for (int s : sizes(0, 100, 1))
        EXPECT_EQ(s, MMU_PAGE_2M);
    for (int s : sizes(100, 0, 1))
        EXPECT_EQ(s, MMU_PAGE_1G);
    std::vector<int> a = sizes(0, 50, 5), b = sizes(0, 50, 5);
    EXPECT_EQ(a, b);
    unsigned n2m = 0;
    for (int s : a)
        n2m += s == MMU_PAGE_2M;
    EXPECT_GT(n2m, 10u);
    EXPECT_LT(n2m, 54u);
}

TEST(Aspace, MapRecordSizeAsksForHugePages)
{
    Env e(Cfg(MMU_POLICY_4K));
    e.Feed(Range(MMU_TREC_MAP, kBase, 4 * k2M, kUser, MMU_PAGE_2M));
    EXPECT_EQ(e.Feed(Access(kBase + k2M + 8)).page_size, MMU_PAGE_2M);
}

// ---- demand paging ------------------------------------------------------------

TEST(Aspace, DemandPagingMapsOnFirstTouchAndTheRetrySucceeds)
{
    Env e(Cfg(MMU_POLICY_4K));
    mmu_result_t r = e.Feed(Access(kBase + 0x2008, MMU_ACC_WRITE));
    ASSERT_EQ(r.fault.kind, MMU_FAULT_NONE);
    EXPECT_EQ(r.pa & 0xfff, 0x008u);
    EXPECT_EQ(e.Stats().demand_faults, 1u);
    EXPECT_EQ(e.MmuStats().faults_pf_not_present, 1u); // the first try faulted
    EXPECT_EQ(mmu_aspace_now(e.as), r.done_at);
    mmu_result_t r2 = e.Feed(Access(kBase + 0x2010));
    ASSERT_EQ(r2.fault.kind, MMU_FAULT_NONE);
    EXPECT_EQ(r2.pa, r.pa + 8);
    EXPECT_EQ(r2.served, MMU_SERVED_L1);
    EXPECT_EQ(e.Stats().demand_faults, 1u);
    EXPECT_GE(r2.done_at, r.done_at);
}

TEST(Aspace, KernelAddressesAreNeverDemandPaged)
{
    Env e(Cfg(MMU_POLICY_4K));
    mmu_result_t r = e.Feed(Access(0xffff900000000000ull, MMU_ACC_READ, 0));
    EXPECT_TRUE(NotPresentFault(r));
    EXPECT_EQ(e.Stats().demand_faults, 0u);
}

TEST(Aspace, OutOfFramesIsAnError)
{
    mmu_aspace_cfg_t c = Cfg(MMU_POLICY_4K);
    c.pt_pool = 64 * 4096;
    c.phys_limit = c.phys_base + c.pt_pool + 2 * k2M + 2 * 4096; // kernel page + 2 frames (alignment)
    Env e(c);
    mmu_result_t res;
    int rc = 0;
    for (int i = 0; i < 1000 && rc == 0; i++) {
        mmu_trec_t a = Access(kBase + (uint64_t)i * 4096);
        rc = mmu_aspace_feed(e.as, &a, &res, e.msg, sizeof e.msg);
    }
    EXPECT_EQ(rc, MMU_ENOSPC);
    EXPECT_NE(std::string(e.msg).find("out of physical frames"), std::string::npos) << e.msg;
}

// ---- UNMAP / PROTECT -----------------------------------------------------------

TEST(Aspace, UnmapMakesALaterAccessFaultNeverAStaleTranslation)
{
    Env e(Cfg(MMU_POLICY_4K));
    for (int i = 0; i < 4; i++)
        ASSERT_EQ(e.Feed(Access(kBase + i * 0x1000ull)).fault.kind, MMU_FAULT_NONE);
    ASSERT_EQ(e.Feed(Access(kBase + 0x1000)).served, MMU_SERVED_L1); // cached
    e.Feed(Range(MMU_TREC_UNMAP, kBase + 0x1000, 0x1000));
    EXPECT_TRUE(NotPresentFault(e.Feed(Access(kBase + 0x1000))));
    EXPECT_EQ(e.Feed(Access(kBase + 0x2000)).fault.kind, MMU_FAULT_NONE); // neighbours stay
    mmu_aspace_stats_t s = e.Stats();
    EXPECT_EQ(s.os_invlpg, 1u);
    EXPECT_EQ(s.pages_unmapped, 1u);
    EXPECT_EQ(s.demand_faults, 4u); // the unmapped page was not paged in again
}

TEST(Aspace, LargeUnmapFlushesTheContextInsteadOfPerPage)
{
    for (unsigned pcid : {0u, 1u}) {
        mmu_aspace_cfg_t c = Cfg(MMU_POLICY_4K);
        c.pcid = pcid;
        Env e(c);
        for (int i = 0; i < 40; i++)
            e.Feed(Access(kBase + i * 0x1000ull));
        e.Feed(Range(MMU_TREC_UNMAP, kBase, 40 * 0x1000));
        for (int i = 0; i < 40; i++)
            EXPECT_TRUE(NotPresentFault(e.Feed(Access(kBase + i * 0x1000ull)))) << i;
        mmu_aspace_stats_t s = e.Stats();
        EXPECT_EQ(s.os_invlpg, 0u);
        EXPECT_EQ(s.os_full_flushes, 1u);
        EXPECT_EQ(s.pages_unmapped, 40u);
        mmu_stats_t ms = e.MmuStats();
        EXPECT_EQ(pcid ? ms.inv_invpcid1 : ms.inv_cr3, 1u);
    }
}

TEST(Aspace, PartialUnmapOfALargePageSplitsIt)
{
    Env e(Cfg(MMU_POLICY_THP));
    mmu_result_t r0 = e.Feed(Access(kBase + 0x3000));
    ASSERT_EQ(r0.page_size, MMU_PAGE_2M);
    e.Feed(Range(MMU_TREC_UNMAP, kBase + 0x1000, 0x1000));
    EXPECT_TRUE(NotPresentFault(e.Feed(Access(kBase + 0x1000))));
    mmu_result_t r = e.Feed(Access(kBase + 0x3000));
    ASSERT_EQ(r.fault.kind, MMU_FAULT_NONE);
    EXPECT_EQ(r.page_size, MMU_PAGE_4K);
    EXPECT_EQ(r.pa, r0.pa); // same frame, now through a 4K page
    EXPECT_EQ(e.Stats().splits, 1u);
}

TEST(Aspace, ProtectReadOnlyMakesALaterWriteFault)
{
    Env e(Cfg(MMU_POLICY_4K));
    ASSERT_EQ(e.Feed(Access(kBase, MMU_ACC_WRITE)).fault.kind, MMU_FAULT_NONE);
    ASSERT_EQ(e.Feed(Access(kBase, MMU_ACC_WRITE)).served, MMU_SERVED_L1);
    e.Feed(Range(MMU_TREC_PROTECT, kBase, 0x1000, MMU_PTE_P | MMU_PTE_US));
    mmu_result_t w = e.Feed(Access(kBase, MMU_ACC_WRITE));
    EXPECT_EQ(w.fault.kind, MMU_FAULT_PF);
    EXPECT_EQ(w.fault.error_code, MMU_PF_P | MMU_PF_W | MMU_PF_US);
    EXPECT_EQ(e.Feed(Access(kBase, MMU_ACC_READ)).fault.kind, MMU_FAULT_NONE);
    // Pages demand-paged later in the protected range come up read-only too.
    e.Feed(Range(MMU_TREC_PROTECT, kBase + 0x10000, 0x1000, MMU_PTE_P | MMU_PTE_US));
    EXPECT_EQ(e.Feed(Access(kBase + 0x10000, MMU_ACC_READ)).perms & MMU_PERM_W, 0u);
}

// ---- processes -----------------------------------------------------------------

TEST(Aspace, ProcessesHaveDisjointFramesForTheSameAddress)
{
    mmu_aspace_cfg_t c = Cfg(MMU_POLICY_4K);
    c.nproc = 4;
    c.switch_every = 1;
    Env e(c);
    std::set<uint64_t> pas;
    for (unsigned i = 0; i < 4; i++) {
        mmu_result_t r = e.Feed(Access(kBase, MMU_ACC_WRITE));
        ASSERT_EQ(r.fault.kind, MMU_FAULT_NONE);
        EXPECT_EQ(mmu_aspace_current(e.as), i);
        pas.insert(r.pa);
    }
    EXPECT_EQ(pas.size(), 4u);
    // Round two: each process finds its own page again.
    for (unsigned i = 0; i < 4; i++) {
        mmu_result_t r = e.Feed(Access(kBase));
        EXPECT_TRUE(pas.count(r.pa));
    }
    mmu_aspace_stats_t s = e.Stats();
    EXPECT_EQ(s.demand_faults, 4u);
    EXPECT_EQ(s.switches, 7u);
    EXPECT_EQ(mmu_get_ctrl(e.mmu)->cr3 & MMU_CR3_PCID_MASK, 4u); // process 3 runs, PCID 4
}

// 4 processes, 32 pages each, switching every 100 accesses: returns the
// L1+L2 hit rate after a warm-up of two full rounds.
double HitRateWithSwitches(unsigned pcid, mmu_aspace_stats_t *as_out, mmu_stats_t *ms_out)
{
    mmu_aspace_cfg_t c = Cfg(MMU_POLICY_4K);
    c.nproc = 4;
    c.switch_every = 100;
    c.pcid = pcid;
    Env e(c);
    const int kPages = 32, kWarm = 800, kRun = 8000;
    mmu_stats_t before{};
    for (int i = 0; i < kWarm + kRun; i++) {
        if (i == kWarm)
            before = e.MmuStats();
        mmu_result_t r = e.Feed(Access(kBase + (uint64_t)((i * 7) % kPages) * 0x1000 + 64));
        EXPECT_EQ(r.fault.kind, MMU_FAULT_NONE);
    }
    mmu_stats_t after = e.MmuStats(), d;
    mmu_stats_diff(&d, &after, &before);
    if (as_out)
        mmu_aspace_get_stats(e.as, as_out);
    if (ms_out)
        *ms_out = d;
    return double(d.l1i_hits + d.l1d_hits + d.l2_hits) / double(d.translations);
}

TEST(Aspace, PcidsKeepTranslationsAcrossSwitchesWithoutThemEverySwitchFlushes)
{
    mmu_aspace_stats_t son, soff;
    mmu_stats_t mon, moff;
    double on = HitRateWithSwitches(1, &son, &mon);
    double off = HitRateWithSwitches(0, &soff, &moff);
    std::printf("PCIDs on:  l1+l2 hit rate %.4f, walks %llu, switches %llu\n", on,
                (unsigned long long)mon.walks, (unsigned long long)son.switches);
    std::printf("PCIDs off: l1+l2 hit rate %.4f, walks %llu, switches %llu\n", off,
                (unsigned long long)moff.walks, (unsigned long long)soff.switches);
    EXPECT_EQ(son.switches, soff.switches);
    EXPECT_GE(on, 0.999);
    EXPECT_EQ(mon.walks, 0u);
    // Each switch without PCIDs costs the 32 pages again: about 1 - 32/100.
    EXPECT_LE(off, 0.75);
    EXPECT_GE(moff.walks, 80u * 32u);
    EXPECT_EQ(moff.inv_cr3, 80u);
    EXPECT_EQ(mon.inv_cr3_noflush, 80u);
}

// ---- KPTI ----------------------------------------------------------------------

TEST(Aspace, KptiSyscallSwitchesToTheKernelPcidWhereTheKernelIsMapped)
{
    mmu_aspace_cfg_t c = Cfg(MMU_POLICY_4K);
    c.kpti = 1;
    c.kernel_global = 0; // a global kernel page would stay in the TLB after exit
    Env e(c);
    const uint64_t kva = c.kernel_va + 0x100;
    uint64_t ucr3 = mmu_aspace_cr3(e.as, 0, 0), kcr3 = mmu_aspace_cr3(e.as, 0, 1);
    EXPECT_NE(ucr3 & ~MMU_CR3_PCID_MASK, kcr3 & ~MMU_CR3_PCID_MASK);
    EXPECT_EQ(kcr3 & MMU_CR3_PCID_MASK, 1u);
    EXPECT_EQ(ucr3 & MMU_CR3_PCID_MASK, 0x801u);
    EXPECT_EQ(mmu_get_ctrl(e.mmu)->cr3, ucr3);
    EXPECT_TRUE(NotPresentFault(e.Feed(Access(kva, MMU_ACC_READ, 0)))); // user tables: no kernel

    e.Feed(Kind(MMU_TREC_SYSCALL_ENTER));
    EXPECT_TRUE(mmu_aspace_in_kernel(e.as));
    EXPECT_EQ(mmu_get_ctrl(e.mmu)->cr3, kcr3);
    mmu_result_t r = e.Feed(Access(kva, MMU_ACC_READ, 0));
    ASSERT_EQ(r.fault.kind, MMU_FAULT_NONE);
    EXPECT_EQ(r.page_size, MMU_PAGE_2M);

    e.Feed(Kind(MMU_TREC_SYSCALL_EXIT));
    EXPECT_FALSE(mmu_aspace_in_kernel(e.as));
    EXPECT_EQ(mmu_get_ctrl(e.mmu)->cr3, ucr3);
    EXPECT_TRUE(NotPresentFault(e.Feed(Access(kva, MMU_ACC_READ, 0))));
}

TEST(Aspace, WithoutKptiTheKernelPageIsInEveryProcessTables)
{
    mmu_aspace_cfg_t c = Cfg(MMU_POLICY_4K);
    c.nproc = 2;
    c.switch_every = 1;
    Env e(c);
    mmu_result_t a = e.Feed(Access(c.kernel_va, MMU_ACC_READ, 0));
    mmu_result_t b = e.Feed(Access(c.kernel_va, MMU_ACC_READ, 0));
    ASSERT_EQ(a.fault.kind, MMU_FAULT_NONE);
    ASSERT_EQ(b.fault.kind, MMU_FAULT_NONE);
    EXPECT_EQ(a.pa, b.pa); // one kernel, shared
    EXPECT_TRUE(b.global);
    EXPECT_EQ(b.served, MMU_SERVED_L1); // a global entry survives the switch
    // User mode may not touch it.
    EXPECT_EQ(e.Feed(Access(c.kernel_va, MMU_ACC_READ, 3)).fault.error_code, MMU_PF_P | MMU_PF_US);
}

TEST(Aspace, KptiWithPcidsUserTranslationsSurviveASyscallRoundTrip)
{
    for (unsigned pcid : {1u, 0u}) {
        mmu_aspace_cfg_t c = Cfg(MMU_POLICY_4K);
        c.kpti = 1;
        c.pcid = pcid;
        Env e(c);
        ASSERT_EQ(e.Feed(Access(kBase)).fault.kind, MMU_FAULT_NONE);
        e.Feed(Kind(MMU_TREC_SYSCALL_ENTER));
        // The kernel reaches user memory through its own view (shared tables).
        mmu_result_t k = e.Feed(Access(kBase, MMU_ACC_READ, 0));
        ASSERT_EQ(k.fault.kind, MMU_FAULT_NONE);
        e.Feed(Kind(MMU_TREC_SYSCALL_EXIT));
        mmu_result_t r = e.Feed(Access(kBase));
        ASSERT_EQ(r.fault.kind, MMU_FAULT_NONE);
        EXPECT_EQ(r.pa, k.pa);
        if (pcid)
            EXPECT_EQ(r.served, MMU_SERVED_L1) << "PCIDs on: user entry kept";
        else
            EXPECT_EQ(r.served, MMU_SERVED_WALK) << "PCIDs off: CR3 write flushed it";
        EXPECT_EQ(e.Stats().syscalls, 1u);
    }
}

TEST(Aspace, KptiUnmapInvalidatesBothViews)
{
    mmu_aspace_cfg_t c = Cfg(MMU_POLICY_4K);
    c.kpti = 1;
    Env e(c);
    ASSERT_EQ(e.Feed(Access(kBase)).fault.kind, MMU_FAULT_NONE);
    e.Feed(Kind(MMU_TREC_SYSCALL_ENTER));
    ASSERT_EQ(e.Feed(Access(kBase, MMU_ACC_READ, 0)).fault.kind, MMU_FAULT_NONE);
    e.Feed(Kind(MMU_TREC_SYSCALL_EXIT));
    e.Feed(Range(MMU_TREC_UNMAP, kBase, 0x1000)); // issued in user mode
    e.Feed(Kind(MMU_TREC_SYSCALL_ENTER));
    EXPECT_TRUE(NotPresentFault(e.Feed(Access(kBase, MMU_ACC_READ, 0))));
    EXPECT_EQ(e.Stats().os_invpcid, 1u);
}

TEST(Aspace, Cr3RecordsSelectProcessesByTableBase)
{
    mmu_aspace_cfg_t c = Cfg(MMU_POLICY_4K);
    c.nproc = 2;
    Env e(c);
    mmu_trec_t cr3 = Kind(MMU_TREC_CR3);
    cr3.value = 0x7000; // a foreign CR3: becomes process 0
    e.Feed(cr3);
    EXPECT_EQ(mmu_aspace_current(e.as), 0u);
    cr3.value = 0x9000; // a second one: process 1
    e.Feed(cr3);
    EXPECT_EQ(mmu_aspace_current(e.as), 1u);
    EXPECT_EQ(mmu_get_ctrl(e.mmu)->cr3, mmu_aspace_cr3(e.as, 1, 0));
    cr3.value = mmu_aspace_cr3(e.as, 0, 0); // one of ours: passed through
    e.Feed(cr3);
    EXPECT_EQ(mmu_aspace_current(e.as), 0u);
    EXPECT_EQ(mmu_get_ctrl(e.mmu)->cr3, cr3.value);
}

TEST(Aspace, FiveLevelPagingWorks)
{
    mmu_aspace_cfg_t c = Cfg(MMU_POLICY_THP);
    c.levels = 5;
    Env e(c);
    EXPECT_NE(mmu_get_ctrl(e.mmu)->cr4 & MMU_CR4_LA57, 0u);
    mmu_result_t r = e.Feed(Access(0x00ff000000000000ull + 0x40));
    ASSERT_EQ(r.fault.kind, MMU_FAULT_NONE);
    EXPECT_EQ(r.page_size, MMU_PAGE_2M);
}

TEST(Aspace, StatsReportPrintsHitRates)
{
    mmu_aspace_stats_t s;
    mmu_stats_t ms;
    HitRateWithSwitches(1, &s, &ms);
    char buf[4096] = "";
    FILE *f = fmemopen(buf, sizeof buf, "w");
    ASSERT_NE(f, nullptr);
    mmu_aspace_print_stats(f, &s, &ms);
    fclose(f);
    std::string out(buf);
    EXPECT_NE(out.find("switches"), std::string::npos);
    EXPECT_NE(out.find("l1+l2 100.00%"), std::string::npos) << out;
}

// ---- mmu_aspace_access_run (mmusim sweep's lanes) ------------------------------------

// Feeds `recs` to one address space record by record with mmu_aspace_feed and
// to a twin with mmu_aspace_access_run in runs of `chunk`, going on after a
// skipped access as the lanes do, and checks every result, every issue time,
// the return codes and the final MMU and OS counters are the same.
void ExpectRunEqualsFeed(const mmu_aspace_cfg_t &c, const std::vector<mmu_trec_t> &recs,
                         size_t chunk, int want_last_rc)
{
    Env one(c), run(c);
    std::vector<mmu_result_t> r1;
    std::vector<mmu_aspace_res_t> r2;
    std::vector<mmu_cycle_t> t1, t2;
    int rc1 = 0;
    for (const mmu_trec_t &r : recs) {
        t1.push_back(mmu_aspace_now(one.as));
        mmu_result_t res;
        rc1 = mmu_aspace_feed(one.as, &r, &res, one.msg, sizeof one.msg);
        r1.push_back(res);
        if (rc1 && rc1 != MMU_ASPACE_SKIPPED)
            break;
    }
    std::vector<mmu_aspace_acc_t> acc;
    for (const mmu_trec_t &r : recs)
        acc.push_back({r.la, r.type, r.cpl});
    int rc2 = 0;
    for (size_t i = 0; i < acc.size();) {
        const size_t n = std::min(chunk, acc.size() - i);
        std::vector<mmu_cycle_t> issue(n);
        std::vector<mmu_aspace_res_t> res(n);
        const size_t got = mmu_aspace_access_run(run.as, &acc[i], n, UINT64_MAX, issue.data(),
                                                 res.data(), &rc2, run.msg, sizeof run.msg);
        ASSERT_GE(got, 1u);
        ASSERT_LE(got, n);
        if (!rc2) {
            ASSERT_EQ(got, n);
        }
        r2.insert(r2.end(), res.begin(), res.begin() + (ptrdiff_t)got);
        t2.insert(t2.end(), issue.begin(), issue.begin() + (ptrdiff_t)got);
        i += got;
        if (rc2 && rc2 != MMU_ASPACE_SKIPPED)
            break;
    }
    EXPECT_EQ(rc1, want_last_rc) << one.msg;
    EXPECT_EQ(rc2, rc1);
    EXPECT_STREQ(run.msg, one.msg);
    ASSERT_EQ(r2.size(), r1.size());
    for (size_t i = 0; i < r1.size(); i++) {
        EXPECT_EQ(t2[i], t1[i]) << "access " << i;
        EXPECT_EQ(r2[i].done_at, r1[i].done_at) << "access " << i;
        EXPECT_EQ(r2[i].lat_data, r1[i].lat_data) << "access " << i;
        EXPECT_EQ(r2[i].fault, r1[i].fault.kind) << "access " << i;
        EXPECT_EQ(r2[i].served, r1[i].served) << "access " << i;
        EXPECT_EQ(r2[i].lat_walk, r1[i].lat_walk) << "access " << i;
    }
    EXPECT_EQ(mmu_aspace_now(run.as), mmu_aspace_now(one.as));
    const mmu_stats_t m1 = one.MmuStats(), m2 = run.MmuStats();
    EXPECT_EQ(memcmp(&m1, &m2, sizeof m1), 0);
    const mmu_aspace_stats_t s1 = one.Stats(), s2 = run.Stats();
    EXPECT_EQ(memcmp(&s1, &s2, sizeof s1), 0);
    EXPECT_GT(s1.accesses, 0u);
}

// Reads and writes over 40 pages, revisited, plus user accesses to the kernel
// half (SIGSEGV): first touches fault and are answered, D assists, TLB hits.
std::vector<mmu_trec_t> Mixed(unsigned n)
{
    std::vector<mmu_trec_t> v;
    uint64_t x = 12345;
    for (unsigned i = 0; i < n; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        const uint64_t page = (x >> 33) % 40;
        const uint8_t type = (x >> 20) % 3 == 0 ? MMU_ACC_WRITE : MMU_ACC_READ;
        v.push_back(i % 97 == 50 ? Access(0xffff800000001000ull, MMU_ACC_READ, 3)
                                 : Access(kBase + page * 4096 + (x & 0xff8), type));
    }
    return v;
}

TEST(Aspace, AccessRunEqualsFeedingEachRecord)
{
    for (size_t chunk : {1u, 7u, 64u}) {
        SCOPED_TRACE(chunk);
        ExpectRunEqualsFeed(Cfg(MMU_POLICY_4K), Mixed(600), chunk, 0);
        ExpectRunEqualsFeed(Cfg(MMU_POLICY_THP), Mixed(600), chunk, 0);
        mmu_aspace_cfg_t c = Cfg(MMU_POLICY_4K);
        c.nproc = 3; // process switches: not the plain path
        c.switch_every = 5;
        ExpectRunEqualsFeed(c, Mixed(600), chunk, 0);
        c = Cfg(MMU_POLICY_4K);
        c.series_every = 10; // the series: not the plain path
        ExpectRunEqualsFeed(c, Mixed(600), chunk, 0);
        c = Cfg(MMU_POLICY_4K);
        c.segv_stop = 1; // the 51st access stops the run
        ExpectRunEqualsFeed(c, Mixed(600), chunk, MMU_ASPACE_STOP);
    }
}

TEST(Aspace, AccessRunEqualsFeedingEachRecordUnderAMemoryLimit)
{
    // 32 frames, no swap, two processes: the OOM killer ends one (its later
    // accesses are skipped), then the other (the run stops).
    mmu_aspace_cfg_t c = Cfg(MMU_POLICY_4K);
    c.mem_bytes = 32 * 4096;
    c.tables_in_mem = 0;
    c.wmark_mode = MMU_WMARK_NONE;
    c.nproc = 2;
    c.switch_every = 3;
    std::vector<mmu_trec_t> v;
    for (unsigned i = 0; i < 200; i++)
        v.push_back(Access(kBase + (i / 2) * 4096ull, MMU_ACC_WRITE));
    for (size_t chunk : {1u, 5u, 64u}) {
        SCOPED_TRACE(chunk);
        ExpectRunEqualsFeed(c, v, chunk, MMU_ASPACE_STOP);
    }
}

TEST(Aspace, AccessRunStopsBeforeTheClockLimit)
{
    Env e(Cfg(MMU_POLICY_4K));
    std::vector<mmu_aspace_acc_t> acc(50, mmu_aspace_acc_t{kBase, MMU_ACC_READ, 3});
    mmu_cycle_t issue[50];
    mmu_aspace_res_t res[50];
    int rc = -1;
    ASSERT_EQ(mmu_aspace_access_run(e.as, acc.data(), 10, UINT64_MAX, issue, res, &rc, e.msg,
                                    sizeof e.msg),
              10u);
    EXPECT_EQ(rc, 0);
    const mmu_cycle_t limit = mmu_aspace_now(e.as) + 1; // one more access may start
    const size_t got = mmu_aspace_access_run(e.as, acc.data(), 40, limit, issue, res, &rc, e.msg,
                                             sizeof e.msg);
    EXPECT_EQ(got, 1u);
    EXPECT_EQ(rc, 0);
    EXPECT_GE(mmu_aspace_now(e.as), limit);
    EXPECT_EQ(e.Stats().accesses, 11u);
}

} // namespace

// The plain path of mmu_aspace_access_run keeps the access index in a local
// between faults: the events the OS model notes (here a SIGSEGV every 97
// accesses, fed in runs that end at and between them) must name the same
// access as when each record is fed alone.
TEST(Aspace, AccessRunNotesEventsAtTheAccessFeedWould)
{
    const std::vector<mmu_trec_t> recs = Mixed(600);
    for (size_t chunk : {1u, 7u, 64u, 600u}) {
        SCOPED_TRACE(chunk);
        Env one(Cfg(MMU_POLICY_4K)), run(Cfg(MMU_POLICY_4K));
        for (const mmu_trec_t &r : recs)
            ASSERT_EQ(mmu_aspace_feed(one.as, &r, nullptr, one.msg, sizeof one.msg), 0);
        std::vector<mmu_aspace_acc_t> acc;
        for (const mmu_trec_t &r : recs)
            acc.push_back({r.la, r.type, r.cpl});
        std::vector<mmu_cycle_t> issue(chunk);
        std::vector<mmu_aspace_res_t> res(chunk);
        for (size_t i = 0; i < acc.size();) {
            int rc = -1;
            const size_t n = std::min(chunk, acc.size() - i);
            ASSERT_EQ(mmu_aspace_access_run(run.as, &acc[i], n, UINT64_MAX, issue.data(),
                                            res.data(), &rc, run.msg, sizeof run.msg),
                      n);
            ASSERT_EQ(rc, 0);
            i += n;
        }
        const mmu_aspace_event_t *e1 = nullptr, *e2 = nullptr;
        const size_t n1 = mmu_aspace_events(one.as, &e1), n2 = mmu_aspace_events(run.as, &e2);
        ASSERT_EQ(n2, n1);
        ASSERT_GE(n1, 6u); // accesses 50, 147, ... 535
        for (size_t k = 0; k < n1; k++) {
            EXPECT_EQ(e2[k].kind, e1[k].kind) << "event " << k;
            EXPECT_EQ(e2[k].access, e1[k].access) << "event " << k;
            EXPECT_EQ(e2[k].va, e1[k].va) << "event " << k;
        }
        EXPECT_EQ(e1[0].access, 50u);
    }
}
