/* SPDX-License-Identifier: Apache-2.0 */
// MMU top (model/mmu.c): lookup order, fills, and the invalidations of SDM
// 4.10.4. A translation that survived is seen by changing the leaf in memory
// without invalidating: a cached translation still gives the old frame (which
// the SDM allows, 4.10.4.3), a fresh walk gives the new one.
#include <gtest/gtest.h>

#include "mmu/mmu.h"
#include "mmu/mmu_mem.h"
#include "mmu/mmu_stats.h"

namespace {

constexpr uint64_t kA = 0x0000100000000000ull; // two pages sharing every table
constexpr uint64_t kB = kA + 0x1000;
constexpr uint64_t kC = kA + 0x2000;           // mapped, never touched first
constexpr uint64_t kG = 0x0000200000000000ull; // a global page
constexpr uint64_t kOld = 0x10000000, kNew = 0x20000000;

struct Mmu : ::testing::Test {
    mmu_sparse_mem_t *mem = nullptr;
    mmu_mem_ops_t ops = MMU_MEM_OPS_INIT;
    mmu_ptb_t *pt = nullptr;
    mmu_t *mmu = nullptr;
    mmu_config_t cfg{};
    unsigned levels = 4;

    void SetUp() override { mmu_config_init(&cfg); }
    void TearDown() override
    {
        mmu_destroy(mmu);
        mmu_ptb_destroy(pt);
        mmu_sparse_mem_destroy(mem);
    }
    // Build memory, tables (A, B, C user pages to kOld.., G global) and the MMU.
    void make(uint64_t cr4 = MMU_CR4_PGE, uint64_t cr3_low = 0)
    {
        ASSERT_EQ(0, mmu_sparse_mem_create(46, &mem));
        ops = mmu_sparse_mem_ops(mem);
        ASSERT_EQ(0, mmu_ptb_create(&ops, levels, 0x100000, 0x400000, &pt));
        const uint64_t f = MMU_PTE_RW | MMU_PTE_US;
        ASSERT_EQ(0, mmu_ptb_map(pt, kA, kOld, 0x3000, MMU_PAGE_4K, f));
        ASSERT_EQ(0, mmu_ptb_map(pt, kG, kOld + 0x10000, 0x1000, MMU_PAGE_4K, f | MMU_PTE_G));
        mmu_err_t err{};
        ASSERT_EQ(0, mmu_create(&cfg, &ops, &mmu, &err)) << err.msg;
        mmu_ctrl_t c{};
        c.cr0 = MMU_CR0_WP;
        c.cr3 = mmu_ptb_root(pt) | cr3_low;
        c.cr4 = cr4 | (levels == 5 ? MMU_CR4_LA57 : 0);
        c.efer = MMU_EFER_NXE;
        ASSERT_EQ(0, mmu_set_ctrl(mmu, &c, &err)) << err.msg;
    }
    mmu_result_t acc(uint64_t la, mmu_access_t t = MMU_ACC_READ, uint64_t now = 0)
    {
        mmu_req_t r = MMU_REQ_INIT;
        r.la = la;
        r.type = uint8_t(t);
        r.cpl = 3;
        r.now = now;
        mmu_result_t res{};
        EXPECT_EQ(0, mmu_translate(mmu, &r, &res));
        return res;
    }
    // Software moves the page to another frame and does not invalidate.
    void remap(uint64_t va, uint64_t frame)
    {
        uint64_t pa, e;
        ASSERT_EQ(0, mmu_ptb_entry_addr(pt, va, 1, &pa));
        ASSERT_EQ(0, mmu_sparse_mem_read64(mem, pa, &e));
        ASSERT_EQ(0, mmu_sparse_mem_write64(mem, pa, (e & ~0x000ffffffffff000ull) | frame));
    }
    uint64_t frame_of(uint64_t va) { return acc(va).pa & ~0xfffull; }
    void cr3(uint64_t v)
    {
        mmu_err_t err{};
        ASSERT_EQ(0, mmu_write_cr(mmu, 3, v, &err)) << err.msg;
    }
    void cr4(uint64_t v)
    {
        mmu_err_t err{};
        ASSERT_EQ(0, mmu_write_cr(mmu, 4, v, &err)) << err.msg;
    }
    uint64_t cur_cr4() { return mmu_get_ctrl(mmu)->cr4; }
    mmu_stats_t stats()
    {
        mmu_stats_t s;
        mmu_get_stats(mmu, &s);
        return s;
    }
    // Touch A, B and G, then move all three in memory.
    void warm_and_remap()
    {
        EXPECT_EQ(kOld, frame_of(kA));
        EXPECT_EQ(kOld + 0x1000, frame_of(kB));
        EXPECT_EQ(kOld + 0x10000, frame_of(kG));
        remap(kA, kNew);
        remap(kB, kNew + 0x1000);
        remap(kG, kNew + 0x10000);
    }
};

TEST_F(Mmu, SecondAccessHitsL1AndFirstWalks)
{
    make();
    mmu_result_t a = acc(kA + 0x18);
    EXPECT_EQ(MMU_SERVED_WALK, a.served);
    EXPECT_EQ(kOld + 0x18, a.pa);
    mmu_result_t b = acc(kA + 0x20);
    EXPECT_EQ(MMU_SERVED_L1, b.served);
    EXPECT_EQ(kOld + 0x20, b.pa);
    EXPECT_EQ(0u, b.mem_refs);
}

TEST_F(Mmu, StaleTranslationMayBeUsedWithoutInvalidation)
{
    // SDM 4.10.4.3: software that changes an entry without invalidating may
    // get the old translation.
    make();
    warm_and_remap();
    EXPECT_EQ(kOld, frame_of(kA));
    EXPECT_EQ(kOld + 0x10000, frame_of(kG));
}

TEST_F(Mmu, InvlpgRemovesThatPageOnlyAndGlobalsToo)
{
    make();
    warm_and_remap();
    mmu_invlpg(mmu, kA + 0x123); // any address inside the page
    mmu_invlpg(mmu, kG);
    EXPECT_EQ(kNew, frame_of(kA));
    EXPECT_EQ(kNew + 0x10000, frame_of(kG)); // global entries go too
    EXPECT_EQ(kOld + 0x1000, frame_of(kB));  // another page may survive, and does
}

TEST_F(Mmu, InvlpgRemovesLargePageFromAnyAddressInside)
{
    make();
    ASSERT_EQ(0, mmu_ptb_map(pt, 0x40000000, 0x80000000, 0x200000, MMU_PAGE_2M,
                             MMU_PTE_RW | MMU_PTE_US));
    EXPECT_EQ(0x80000000u + 0x1234, acc(0x40001234).pa);
    uint64_t pa, e;
    ASSERT_EQ(0, mmu_ptb_entry_addr(pt, 0x40000000, 2, &pa));
    ASSERT_EQ(0, mmu_sparse_mem_read64(mem, pa, &e));
    ASSERT_EQ(0, mmu_sparse_mem_write64(mem, pa, (e & ~0x000fffffffe00000ull) | 0xc0000000));
    EXPECT_EQ(0x80000000u + 0x1234, acc(0x40001234).pa); // cached 2M entry
    mmu_invlpg(mmu, 0x401ff000);                          // last 4K of the 2M page
    EXPECT_EQ(0xc0000000u + 0x1234, acc(0x40001234).pa);
}

TEST_F(Mmu, InvlpgDropsEveryPagingStructureCacheEntryOfThePcid)
{
    make();
    acc(kA);
    mmu_result_t c = acc(kC); // same PDE: the walk starts below the PDE cache
    EXPECT_EQ(MMU_SERVED_WALK, c.served);
    EXPECT_EQ(2, c.psc_level);
    mmu_invlpg(mmu, kG); // an unrelated address: PSC entries go regardless
    mmu_invlpg(mmu, kB);
    mmu_result_t b = acc(kB);
    EXPECT_EQ(MMU_SERVED_WALK, b.served);
    EXPECT_EQ(0, b.psc_level);
    EXPECT_EQ(5u, b.mem_refs); // every level read again, and B's own PTE gets A
}

TEST_F(Mmu, MovToCr3WithoutPcidsDropsNonGlobalKeepsGlobal)
{
    make();
    warm_and_remap();
    cr3(mmu_get_ctrl(mmu)->cr3); // same value: still a MOV to CR3
    EXPECT_EQ(kNew, frame_of(kA));
    EXPECT_EQ(kOld + 0x10000, frame_of(kG)); // SDM: globals are not invalidated
    EXPECT_EQ(1u, stats().inv_cr3);
}

TEST_F(Mmu, PcidOneTranslationIsNeverUsedUnderPcidTwo)
{
    make(MMU_CR4_PGE | MMU_CR4_PCIDE, 1);
    const uint64_t root = mmu_ptb_root(pt);
    EXPECT_EQ(kOld, frame_of(kA)); // cached under PCID 1
    remap(kA, kNew);
    cr3(root | 2 | MMU_CR3_NOFLUSH); // switch to PCID 2, flush nothing
    mmu_result_t r = acc(kA);
    EXPECT_EQ(MMU_SERVED_WALK, r.served); // PCID 1's entry does not match
    EXPECT_EQ(kNew, r.pa);
    EXPECT_EQ(0, r.psc_level); // nor do PCID 1's paging-structure-cache entries
    // Back to PCID 1 without flushing: its translation was allowed to survive.
    cr3(root | 1 | MMU_CR3_NOFLUSH);
    r = acc(kA);
    EXPECT_EQ(MMU_SERVED_L1, r.served);
    EXPECT_EQ(kOld, r.pa);
    EXPECT_EQ(2u, stats().inv_cr3_noflush);
}

TEST_F(Mmu, MovToCr3WithPcidsDropsOnlyTheNewPcid)
{
    make(MMU_CR4_PGE | MMU_CR4_PCIDE, 1);
    const uint64_t root = mmu_ptb_root(pt);
    acc(kA);                                        // PCID 1
    cr3(root | 2 | MMU_CR3_NOFLUSH);
    acc(kB);                                        // PCID 2
    remap(kA, kNew);
    remap(kB, kNew + 0x1000);
    cr3(root | 1 | MMU_CR3_NOFLUSH);
    cr3(root | 2);                                  // bit 63 clear: drop PCID 2
    EXPECT_EQ(kNew + 0x1000, frame_of(kB));
    cr3(root | 1 | MMU_CR3_NOFLUSH);
    EXPECT_EQ(kOld, frame_of(kA));                  // PCID 1 untouched
}

TEST_F(Mmu, GlobalTranslationIsUsedUnderAnyPcid)
{
    // SDM 4.10.2.4: a global TLB entry may be used whatever the current PCID.
    make(MMU_CR4_PGE | MMU_CR4_PCIDE, 1);
    EXPECT_EQ(kOld + 0x10000, frame_of(kG));
    remap(kG, kNew + 0x10000);
    cr3(mmu_ptb_root(pt) | 7);
    mmu_result_t r = acc(kG);
    EXPECT_EQ(MMU_SERVED_L1, r.served);
    EXPECT_EQ(kOld + 0x10000, r.pa & ~0xfffull);
}

TEST_F(Mmu, GlobalBitIsIgnoredWithoutCr4Pge)
{
    make(0);
    warm_and_remap();
    cr3(mmu_get_ctrl(mmu)->cr3);
    EXPECT_EQ(kNew + 0x10000, frame_of(kG));
}

TEST_F(Mmu, InvpcidIndividualAddressKeepsGlobalsAndOtherPcids)
{
    make(MMU_CR4_PGE | MMU_CR4_PCIDE, 1);
    const uint64_t root = mmu_ptb_root(pt);
    warm_and_remap();
    mmu_err_t err{};
    ASSERT_EQ(0, mmu_invpcid(mmu, 0, 2, kA, &err)) << err.msg; // other PCID: A survives
    EXPECT_EQ(kOld, frame_of(kA));
    ASSERT_EQ(0, mmu_invpcid(mmu, 0, 1, kA, &err));
    ASSERT_EQ(0, mmu_invpcid(mmu, 0, 1, kG, &err)); // globals are not removed by type 0
    EXPECT_EQ(kNew, frame_of(kA));
    EXPECT_EQ(kOld + 0x1000, frame_of(kB));
    EXPECT_EQ(kOld + 0x10000, frame_of(kG));
    (void)root;
}

TEST_F(Mmu, InvpcidSingleContextDropsThatPcidButNotGlobals)
{
    make(MMU_CR4_PGE | MMU_CR4_PCIDE, 1);
    warm_and_remap();
    mmu_err_t err{};
    ASSERT_EQ(0, mmu_invpcid(mmu, 1, 1, 0, &err));
    EXPECT_EQ(kNew, frame_of(kA));
    EXPECT_EQ(kNew + 0x1000, frame_of(kB));
    EXPECT_EQ(kOld + 0x10000, frame_of(kG));
}

TEST_F(Mmu, InvpcidAllContextsWithAndWithoutGlobals)
{
    make(MMU_CR4_PGE | MMU_CR4_PCIDE, 1);
    warm_and_remap();
    mmu_err_t err{};
    ASSERT_EQ(0, mmu_invpcid(mmu, 3, 0, 0, &err)); // all but globals
    EXPECT_EQ(kNew, frame_of(kA));
    EXPECT_EQ(kOld + 0x10000, frame_of(kG));
    ASSERT_EQ(0, mmu_invpcid(mmu, 2, 0, 0, &err)); // everything
    EXPECT_EQ(kNew + 0x10000, frame_of(kG));
}

TEST_F(Mmu, InvpcidRejectsWhatWouldRaiseGp)
{
    make();
    mmu_err_t err{};
    EXPECT_EQ(MMU_EINVAL, mmu_invpcid(mmu, 4, 0, 0, &err));
    EXPECT_EQ(MMU_EINVAL, mmu_invpcid(mmu, 1, 5, 0, &err)); // PCIDE=0, PCID != 0
    EXPECT_EQ(MMU_EINVAL, mmu_invpcid(mmu, 0, 0, 0x0000800000000000ull, &err));
    EXPECT_EQ(0, mmu_invpcid(mmu, 1, 0, 0, &err));
}

TEST_F(Mmu, Cr4PgeChangeDropsEverythingIncludingGlobals)
{
    make();
    warm_and_remap();
    cr4(cur_cr4() & ~MMU_CR4_PGE);
    EXPECT_EQ(kNew, frame_of(kA));
    EXPECT_EQ(kNew + 0x10000, frame_of(kG));
}

TEST_F(Mmu, Cr4PcideOneToZeroDropsEverything)
{
    make(MMU_CR4_PGE | MMU_CR4_PCIDE, 0);
    warm_and_remap();
    cr4(cur_cr4() & ~MMU_CR4_PCIDE);
    EXPECT_EQ(kNew + 0x10000, frame_of(kG));
    EXPECT_EQ(kNew, frame_of(kA));
}

TEST_F(Mmu, Cr4ChangesThatNeedNoInvalidationKeepEntries)
{
    make();
    warm_and_remap();
    cr4(cur_cr4() | MMU_CR4_SMAP);           // not a flushing change
    EXPECT_EQ(kOld, frame_of(kA));
    cr4(cur_cr4() | MMU_CR4_PCIDE);          // 0 -> 1 with CR3[11:0] = 0: no flush
    EXPECT_EQ(kOld, frame_of(kA));
    mmu_err_t err{};
    ASSERT_EQ(0, mmu_write_cr(mmu, 0, 0, &err)); // CR0.WP off: nothing to flush
    EXPECT_EQ(kOld, frame_of(kA));
}

TEST_F(Mmu, Cr4SmepZeroToOneDropsCurrentPcid)
{
    make();
    warm_and_remap();
    cr4(cur_cr4() | MMU_CR4_SMEP);
    EXPECT_EQ(kNew, frame_of(kA));
}

TEST_F(Mmu, SettingPcideWithNonZeroCr3LowBitsIsRefused)
{
    make(MMU_CR4_PGE, MMU_CR3_PWT);
    mmu_err_t err{};
    EXPECT_EQ(MMU_EINVAL, mmu_write_cr(mmu, 4, cur_cr4() | MMU_CR4_PCIDE, &err));
    EXPECT_EQ(0u, cur_cr4() & MMU_CR4_PCIDE);
}

TEST_F(Mmu, PageFaultInvalidatesTheStaleEntryThatCausedIt)
{
    // A page cached read-only, then made writable in memory without INVLPG:
    // the write may fault on the stale rights (SDM 4.6), and that #PF removes
    // the entry (4.10.4.1), so the retried write walks and succeeds.
    make();
    uint64_t pa, e;
    ASSERT_EQ(0, mmu_ptb_entry_addr(pt, kA, 1, &pa));
    ASSERT_EQ(0, mmu_sparse_mem_read64(mem, pa, &e));
    ASSERT_EQ(0, mmu_sparse_mem_write64(mem, pa, e & ~MMU_PTE_RW));
    EXPECT_EQ(MMU_FAULT_NONE, acc(kA).fault.kind);
    ASSERT_EQ(0, mmu_sparse_mem_read64(mem, pa, &e));
    ASSERT_EQ(0, mmu_sparse_mem_write64(mem, pa, e | MMU_PTE_RW));
    mmu_result_t w = acc(kA, MMU_ACC_WRITE);
    EXPECT_EQ(MMU_FAULT_PF, w.fault.kind);
    EXPECT_EQ(MMU_PF_P | MMU_PF_W | MMU_PF_US, w.fault.error_code);
    EXPECT_EQ(MMU_SERVED_L1, w.served);
    mmu_result_t again = acc(kA, MMU_ACC_WRITE);
    EXPECT_EQ(MMU_FAULT_NONE, again.fault.kind);
    EXPECT_EQ(MMU_SERVED_WALK, again.served);
    EXPECT_EQ(1u, stats().faults_from_tlb);
}

TEST_F(Mmu, FaultRewalkSettingChecksMemoryBeforeFaulting)
{
    cfg.fault_rewalk = 1;
    make();
    uint64_t pa, e;
    ASSERT_EQ(0, mmu_ptb_entry_addr(pt, kA, 1, &pa));
    ASSERT_EQ(0, mmu_sparse_mem_read64(mem, pa, &e));
    ASSERT_EQ(0, mmu_sparse_mem_write64(mem, pa, e & ~MMU_PTE_RW));
    acc(kA);
    ASSERT_EQ(0, mmu_sparse_mem_read64(mem, pa, &e));
    ASSERT_EQ(0, mmu_sparse_mem_write64(mem, pa, e | MMU_PTE_RW));
    mmu_result_t w = acc(kA, MMU_ACC_WRITE);
    EXPECT_EQ(MMU_FAULT_NONE, w.fault.kind);
    EXPECT_EQ(MMU_SERVED_WALK, w.served);
}

TEST_F(Mmu, WriteThroughCleanEntryWalksToSetDirty)
{
    make();
    acc(kA); // cached with D=0
    uint64_t pa, e;
    ASSERT_EQ(0, mmu_ptb_entry_addr(pt, kA, 1, &pa));
    mmu_result_t w = acc(kA, MMU_ACC_WRITE);
    EXPECT_EQ(1, w.d_assist);
    EXPECT_EQ(MMU_SERVED_WALK, w.served);
    ASSERT_EQ(0, mmu_sparse_mem_read64(mem, pa, &e));
    EXPECT_TRUE(e & MMU_PTE_D);
    mmu_result_t w2 = acc(kA, MMU_ACC_WRITE); // now cached dirty
    EXPECT_EQ(0, w2.d_assist);
    EXPECT_EQ(MMU_SERVED_L1, w2.served);
    EXPECT_EQ(1u, stats().d_assists);
}

TEST_F(Mmu, FaultsFillNothing)
{
    make();
    const uint64_t va = 0x0000300000000000ull;
    EXPECT_EQ(MMU_FAULT_PF, acc(va).fault.kind);
    ASSERT_EQ(0, mmu_ptb_map(pt, va, 0x5000000, 0x1000, MMU_PAGE_4K, MMU_PTE_US));
    mmu_result_t r = acc(va); // no negative caching: the new mapping is seen
    EXPECT_EQ(MMU_FAULT_NONE, r.fault.kind);
    EXPECT_EQ(0x5000000u, r.pa);
}

TEST_F(Mmu, PdeCacheSkipsUpperLevelsAndCanBeStale)
{
    make();
    acc(kA);
    mmu_result_t c = acc(kC);
    EXPECT_EQ(2, c.psc_level);
    EXPECT_EQ(2u, c.mem_refs); // the PTE read and its A update only
    // Point the PDE somewhere else without invalidating: the PDE cache may
    // still be used (SDM 4.10.4.3), and is here.
    uint64_t pde;
    ASSERT_EQ(0, mmu_ptb_entry_addr(pt, kA, 2, &pde));
    uint64_t e;
    ASSERT_EQ(0, mmu_sparse_mem_read64(mem, pde, &e));
    ASSERT_EQ(0, mmu_sparse_mem_write64(mem, pde, 0)); // not present in memory
    mmu_result_t b = acc(kB);
    EXPECT_EQ(MMU_FAULT_NONE, b.fault.kind);
    EXPECT_EQ(2, b.psc_level);
    EXPECT_EQ(kOld + 0x1000, b.pa);
    // INVLPG drops the PDE-cache entry as well: now memory decides.
    mmu_invlpg(mmu, kB);
    mmu_result_t b2 = acc(kB);
    EXPECT_EQ(MMU_FAULT_PF, b2.fault.kind);
    EXPECT_EQ(MMU_PF_US, b2.fault.error_code);
    EXPECT_EQ(0, b2.psc_level);
}

TEST_F(Mmu, FiveLevelPagingUsesThePml5eCache)
{
    levels = 5;
    cfg.psc[2].arr.entries = 0; // no PDE, PDPTE or PML4E caches
    cfg.psc[3].arr.entries = 0;
    cfg.psc[4].arr.entries = 0;
    make();
    acc(kA);
    mmu_result_t c = acc(kC);
    EXPECT_EQ(5, c.psc_level);
    EXPECT_EQ(4u + 1u, c.mem_refs); // PML4E, PDPTE, PDE, PTE reads + PTE A update
    EXPECT_EQ(1u, stats().psc_pml5e_hits);
}

TEST_F(Mmu, EachPageSizeIsFoundInItsArray)
{
    make();
    ASSERT_EQ(0, mmu_ptb_map(pt, 0x40000000, 0x80000000, 0x40000000, MMU_PAGE_1G,
                             MMU_PTE_RW | MMU_PTE_US));
    ASSERT_EQ(0, mmu_ptb_map(pt, 0x80000000, 0x80000000, 0x200000, MMU_PAGE_2M,
                             MMU_PTE_RW | MMU_PTE_US));
    acc(0x40000000);
    acc(0x80000000);
    acc(kA);
    EXPECT_EQ(MMU_SERVED_L1, acc(0x7fffffff).served);
    EXPECT_EQ(MMU_PAGE_1G, acc(0x7fffffff).page_size);
    EXPECT_EQ(MMU_SERVED_L1, acc(0x801fffff).served);
    EXPECT_EQ(MMU_PAGE_2M, acc(0x801fffff).page_size);
    EXPECT_EQ(MMU_SERVED_L1, acc(kA + 0xfff).served);
    mmu_stats_t s = stats();
    EXPECT_EQ(1u, s.walks_1g);
    EXPECT_EQ(2u, s.l1d_1g_hits);
    EXPECT_EQ(2u, s.l1d_2m_hits);
    EXPECT_EQ(1u, s.l1d_2m_fills);
    EXPECT_EQ(1u, s.l1d_4k_hits);
    EXPECT_EQ(8u, s.l1d_lookups);
    EXPECT_EQ(3u, s.l1d_misses);
}

TEST_F(Mmu, InclusiveL2EvictionRemovesTheL1Copy)
{
    // A 1-entry L2 and a 4-entry L1: the second page evicts the first from the
    // L2; with inclusion it must leave the L1 too.
    for (int incl = 0; incl <= 1; incl++) {
        SCOPED_TRACE(incl);
        mmu_config_init(&cfg);
        cfg.l2_inclusive = unsigned(incl);
        cfg.l2.arr[0] = {1, 1, MMU_SIZE_4K | MMU_SIZE_2M, MMU_REPL_LRU, MMU_INDEX_LOW, 0};
        cfg.l2.arr[1] = {};
        make();
        acc(kA);
        acc(kB);
        EXPECT_EQ(incl ? MMU_SERVED_WALK : MMU_SERVED_L1, acc(kA).served);
        TearDown();
        mem = nullptr, pt = nullptr, mmu = nullptr;
    }
}

TEST_F(Mmu, L2HitRefillsL1)
{
    cfg.l1d.arr[0] = {1, 1, MMU_SIZE_4K, MMU_REPL_LRU, MMU_INDEX_LOW, 0};
    make();
    acc(kA);
    acc(kB); // evicts A from the 1-entry L1, both stay in the L2
    mmu_result_t a = acc(kA);
    EXPECT_EQ(MMU_SERVED_L2, a.served);
    EXPECT_EQ(kOld, a.pa);
    EXPECT_EQ(MMU_SERVED_L1, acc(kA).served);
    EXPECT_EQ(1u, stats().l2_hits);
}

TEST_F(Mmu, FetchesUseTheInstructionTlb)
{
    make();
    acc(kA, MMU_ACC_FETCH);
    mmu_stats_t s = stats();
    EXPECT_EQ(1u, s.l1i_4k_fills);
    EXPECT_EQ(0u, s.l1d_4k_fills);
    EXPECT_EQ(MMU_SERVED_L2, acc(kA, MMU_ACC_READ).served); // the L2 is unified
}

TEST_F(Mmu, NxeChangeFlushesBecauseCachedXdMeaningChanges)
{
    make();
    warm_and_remap();
    mmu_err_t err{};
    ASSERT_EQ(0, mmu_write_reg(mmu, MMU_REG_EFER, 0, &err));
    EXPECT_EQ(kNew, frame_of(kA));
    ASSERT_EQ(0, mmu_write_reg(mmu, MMU_REG_PKRU, 0xc, &err)); // WRPKRU flushes nothing
    remap(kA, kOld);
    EXPECT_EQ(kNew, frame_of(kA));
}

} // namespace

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
#include <malloc.h>
namespace {
// The translate path allocates nothing: hits, misses, walks, fills, faults and
// invalidations over many accesses leave the heap exactly as it was. (glibc's
// counters; sanitizer builds replace the allocator, so the test is skipped.)
TEST_F(Mmu, TranslateAllocatesNothing)
{
    make();
    for (uint64_t i = 0; i < 64; i++)
        ASSERT_EQ(0, mmu_ptb_map(pt, 0x0000400000000000ull + (i << 21), 0x40000000 + (i << 21),
                                 0x200000, MMU_PAGE_2M, MMU_PTE_RW | MMU_PTE_US));
    acc(kA); // first use of every structure
    const struct mallinfo2 before = mallinfo2();
    uint64_t x = 1;
    for (int i = 0; i < 100000; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        const uint64_t la = (i % 3 == 0) ? kA + (x >> 52) * 8
                          : (i % 3 == 1) ? 0x0000400000000000ull + ((x >> 20) % (64ull << 21))
                                         : 0x0000500000000000ull + (x >> 40); // unmapped: #PF
        acc(la, (x >> 33) & 1 ? MMU_ACC_WRITE : MMU_ACC_READ, uint64_t(i));
        if (i % 1000 == 0)
            mmu_invlpg(mmu, la);
    }
    const struct mallinfo2 after = mallinfo2();
    EXPECT_EQ(before.uordblks, after.uordblks);
    EXPECT_EQ(before.hblkhd, after.hblkhd);
    mmu_stats_t s = stats();
    EXPECT_GT(s.walks, 10000u);
    EXPECT_GT(s.faults_pf_not_present, 10000u);
}
} // namespace
#endif

// ---- splintering (SDM 4.10.2.3) -------------------------------------------------
// A level with no array for a page's size caches the page as entries of the
// largest smaller size it holds, one per piece touched; with cfg.splinter = 0 it
// does not cache the page at all.

namespace {
constexpr uint64_t kBig = 0x0000300000000000ull; // a 2M page
constexpr uint64_t kBigPa = 0x40000000;
constexpr mmu_array_cfg_t k4kOnly = {64, 4, MMU_SIZE_4K, MMU_REPL_LRU, MMU_INDEX_LOW, 0};
} // namespace

struct Splinter : Mmu {
    void make_4k_only(unsigned splinter)
    {
        cfg.splinter = splinter;
        cfg.l1d.arr[0] = k4kOnly;
        cfg.l1d.arr[1] = {};
        cfg.l1d.arr[2] = {};
        cfg.l2.arr[0] = {512, 4, MMU_SIZE_4K, MMU_REPL_LRU, MMU_INDEX_LOW, 0};
        cfg.l2.arr[1] = {};
        make();
        ASSERT_EQ(0, mmu_ptb_map(pt, kBig, kBigPa, 0x200000, MMU_PAGE_2M,
                                 MMU_PTE_RW | MMU_PTE_US | MMU_PTE_A | MMU_PTE_D));
    }
};

TEST_F(Splinter, LargePageIsCachedAsSmallerEntriesPerPiece)
{
    make_4k_only(1);
    mmu_result_t a = acc(kBig + 0x5123);
    EXPECT_EQ(MMU_SERVED_WALK, a.served);
    mmu_result_t b = acc(kBig + 0x5fff); // the same 4K piece: an L1 hit
    EXPECT_EQ(MMU_SERVED_L1, b.served);
    EXPECT_EQ(kBigPa + 0x5fff, b.pa);
    EXPECT_EQ(MMU_PAGE_2M, b.page_size); // the page is still a 2M page
    mmu_result_t c = acc(kBig + 0x1ff008); // another piece: not cached yet
    EXPECT_EQ(MMU_SERVED_WALK, c.served);
    EXPECT_EQ(kBigPa + 0x1ff008, c.pa);
    EXPECT_EQ(MMU_SERVED_L1, acc(kBig + 0x1ff000).served);
    mmu_stats_t s = stats();
    EXPECT_EQ(2u, s.l1d_splinters);
    EXPECT_EQ(2u, s.l2_splinters);
    EXPECT_EQ(2u, s.l1d_4k_fills);
    EXPECT_EQ(0u, s.l1d_2m_fills);
    EXPECT_EQ(2u, s.walks_2m);
}

TEST_F(Splinter, OffMeansTheLevelDoesNotCacheThePage)
{
    make_4k_only(0);
    acc(kBig);
    EXPECT_EQ(MMU_SERVED_WALK, acc(kBig).served);
    mmu_stats_t s = stats();
    EXPECT_EQ(0u, s.l1d_splinters);
    EXPECT_EQ(0u, s.l1d_4k_fills);
    EXPECT_EQ(2u, s.walks);
}

// SDM 4.10.4.1: INVLPG of any address in a page cached as several entries
// removes all of them, also the pieces in other sets.
TEST_F(Splinter, InvlpgAnywhereInThePageRemovesEveryPiece)
{
    make_4k_only(1);
    acc(kBig + 0x3000);
    acc(kBig + 0x1f0000);
    ASSERT_EQ(MMU_SERVED_L1, acc(kBig + 0x3000).served);
    ASSERT_EQ(MMU_SERVED_L1, acc(kBig + 0x1f0000).served);
    mmu_invlpg(mmu, kBig + 0x100000); // a piece never touched
    EXPECT_EQ(MMU_SERVED_WALK, acc(kBig + 0x3000).served);
    EXPECT_EQ(MMU_SERVED_WALK, acc(kBig + 0x1f0000).served);
}

TEST_F(Splinter, InvlpgOutsideThePageKeepsThePieces)
{
    make_4k_only(1);
    ASSERT_EQ(0, mmu_ptb_map(pt, kBig + 0x200000, kBigPa + 0x200000, 0x1000, MMU_PAGE_4K,
                             MMU_PTE_RW | MMU_PTE_US | MMU_PTE_A | MMU_PTE_D));
    acc(kBig + 0x3000);
    mmu_invlpg(mmu, kBig + 0x200000); // the next 2M region
    EXPECT_EQ(MMU_SERVED_L1, acc(kBig + 0x3000).served);
}

// A fetch from a 1G page through an L1 ITLB that holds 4K and 2M entries: the
// ITLB caches a 2M piece, so the next fetch in that piece hits in L1.
TEST_F(Mmu, OneGigPageFetchesHitTheItlbAsTwoMegPieces)
{
    make();
    ASSERT_EQ(0, mmu_ptb_map(pt, 0x40000000, 0x80000000, 0x40000000, MMU_PAGE_1G,
                             MMU_PTE_RW | MMU_PTE_US));
    acc(0x40000000 + 0x123000, MMU_ACC_FETCH);
    mmu_result_t r = acc(0x40000000 + 0x1ff000, MMU_ACC_FETCH);
    EXPECT_EQ(MMU_SERVED_L1, r.served);
    EXPECT_EQ(MMU_PAGE_1G, r.page_size);
    EXPECT_EQ(0x80000000u + 0x1ff000, r.pa);
    EXPECT_EQ(MMU_SERVED_L2, acc(0x40000000 + 0x200000, MMU_ACC_FETCH).served);
    mmu_stats_t s = stats();
    EXPECT_EQ(2u, s.l1i_splinters);
    EXPECT_EQ(2u, s.l1i_2m_fills);
    EXPECT_EQ(0u, s.l2_splinters); // the L2 has a 1G array
}

// ---- PTE coalescing (cfg.coalesce) -------------------------------------------------
// Eight 4 KiB pages at kCo map one physically contiguous, 32 KiB-aligned block
// with A and D set (a pre-touched buffer); each test bends one rule.
namespace coalesce {

constexpr uint64_t kCo = 0x0000300000000000ull;
constexpr uint64_t kBlock = 0x40000000; // 32 KiB aligned
constexpr uint64_t kAD = MMU_PTE_A | MMU_PTE_D;

struct Coalesce : ::testing::Test {
    mmu_sparse_mem_t *mem = nullptr;
    mmu_mem_ops_t ops{};
    mmu_ptb_t *pt = nullptr;
    mmu_t *mmu = nullptr;
    mmu_config_t cfg{};

    void SetUp() override
    {
        mmu_config_init(&cfg);
        cfg.coalesce = 8;
        ASSERT_EQ(0, mmu_sparse_mem_create(46, &mem));
        ops = mmu_sparse_mem_ops(mem);
        ASSERT_EQ(0, mmu_ptb_create(&ops, 4, 0x100000, 0x400000, &pt));
        mmu_ptb_set_table_flags(pt, MMU_PTE_P | MMU_PTE_RW | MMU_PTE_US | MMU_PTE_A);
    }
    void TearDown() override
    {
        mmu_destroy(mmu);
        mmu_ptb_destroy(pt);
        mmu_sparse_mem_destroy(mem);
    }
    void map(uint64_t block = kBlock, uint64_t flags = MMU_PTE_RW | MMU_PTE_US | kAD)
    {
        ASSERT_EQ(0, mmu_ptb_map(pt, kCo, block, 0x8000, MMU_PAGE_4K, flags));
    }
    // Change bits of page i's PTE behind the MMU's back (before it starts).
    void edit(unsigned i, uint64_t clear, uint64_t set)
    {
        uint64_t pa, e;
        ASSERT_EQ(0, mmu_ptb_entry_addr(pt, kCo + 0x1000ull * i, 1, &pa));
        ASSERT_EQ(0, mmu_sparse_mem_read64(mem, pa, &e));
        ASSERT_EQ(0, mmu_sparse_mem_write64(mem, pa, (e & ~clear) | set));
    }
    void start()
    {
        mmu_err_t err{};
        ASSERT_EQ(0, mmu_create(&cfg, &ops, &mmu, &err)) << err.msg;
        mmu_ctrl_t c{};
        c.cr0 = MMU_CR0_WP;
        c.cr3 = mmu_ptb_root(pt);
        c.efer = MMU_EFER_NXE;
        ASSERT_EQ(0, mmu_set_ctrl(mmu, &c, &err)) << err.msg;
    }
    mmu_result_t acc(uint64_t la, mmu_access_t t = MMU_ACC_READ)
    {
        mmu_req_t r = MMU_REQ_INIT;
        r.la = la;
        r.type = uint8_t(t);
        r.cpl = 3;
        mmu_result_t res{};
        EXPECT_EQ(0, mmu_translate(mmu, &r, &res));
        return res;
    }
    // Read every page once, in order; how many walked. Each answer is checked.
    unsigned walks_for_all(unsigned pages = 8)
    {
        unsigned w = 0;
        for (unsigned i = 0; i < pages; i++) {
            const mmu_result_t r = acc(kCo + 0x1000ull * i + 0x123);
            EXPECT_EQ(MMU_FAULT_NONE, r.fault.kind) << i;
            EXPECT_EQ(kBlock + 0x1000ull * i + 0x123, r.pa) << i;
            EXPECT_EQ(unsigned(MMU_PAGE_4K), r.page_size) << i;
            w += r.served == MMU_SERVED_WALK;
        }
        return w;
    }
};

TEST_F(Coalesce, AlignedContiguousGroupFillsOneEntry)
{
    map();
    start();
    EXPECT_EQ(1u, walks_for_all());
    // Its hits are 4K hits, and the level's counts still add up.
    mmu_stats_t s;
    mmu_get_stats(mmu, &s);
    EXPECT_EQ(7u, s.l1d_4k_hits);
    EXPECT_EQ(s.l1d_lookups, s.l1d_hits + s.l1d_misses);
    EXPECT_EQ(1u, s.walks_4k);
}

TEST_F(Coalesce, OffByDefault)
{
    cfg.coalesce = 0;
    map();
    start();
    EXPECT_EQ(8u, walks_for_all());
}

TEST_F(Coalesce, SmallerGroupsSplitTheBlock)
{
    cfg.coalesce = 4;
    map();
    start();
    EXPECT_EQ(2u, walks_for_all());
}

TEST_F(Coalesce, MisalignedPhysicalBlockIsNotCoalesced)
{
    // Contiguous, but starting 4 KiB into a 32 KiB block.
    map(kBlock + 0x1000);
    start();
    unsigned w = 0;
    for (unsigned i = 0; i < 8; i++)
        w += acc(kCo + 0x1000ull * i).served == MMU_SERVED_WALK;
    EXPECT_EQ(8u, w);
}

TEST_F(Coalesce, NonContiguousFramesAreNotCoalesced)
{
    map();
    edit(5, 0x000ffffffffff000ull, kBlock + 0x10000); // page 5 elsewhere
    start();
    unsigned w = 0;
    for (unsigned i = 0; i < 8; i++)
        w += acc(kCo + 0x1000ull * i).served == MMU_SERVED_WALK;
    EXPECT_EQ(8u, w);
}

TEST_F(Coalesce, DifferentRightsAreNotCoalesced)
{
    map();
    edit(2, MMU_PTE_RW, 0); // one read-only page
    start();
    unsigned w = 0;
    for (unsigned i = 0; i < 8; i++)
        w += acc(kCo + 0x1000ull * i).served == MMU_SERVED_WALK;
    EXPECT_EQ(8u, w);
    // ... and the read-only page keeps its own rights.
    EXPECT_EQ(MMU_FAULT_PF, acc(kCo + 0x2000, MMU_ACC_WRITE).fault.kind);
}

TEST_F(Coalesce, APageNeverAccessedOrNotPresentBreaksTheGroup)
{
    for (uint64_t clear : {MMU_PTE_A, MMU_PTE_P}) {
        SCOPED_TRACE(clear);
        map();
        edit(7, clear, 0);
        start();
        unsigned w = 0;
        for (unsigned i = 0; i < 7; i++)
            w += acc(kCo + 0x1000ull * i).served == MMU_SERVED_WALK;
        EXPECT_EQ(7u, w);
        TearDown();
        mmu = nullptr, pt = nullptr, mem = nullptr;
        SetUp();
    }
}

TEST_F(Coalesce, DirtyOnlyWhenEveryPageIsDirty)
{
    map();
    edit(6, MMU_PTE_D, 0);
    start();
    acc(kCo);
    // The group is cached with D=0: a write to any of its pages walks to set D.
    const mmu_result_t w = acc(kCo + 0x3000, MMU_ACC_WRITE);
    EXPECT_EQ(1, w.d_assist);
    TearDown();
    mmu = nullptr, pt = nullptr, mem = nullptr;
    SetUp();
    map();
    start();
    acc(kCo);
    const mmu_result_t w2 = acc(kCo + 0x3000, MMU_ACC_WRITE);
    EXPECT_EQ(0, w2.d_assist);
    EXPECT_EQ(MMU_SERVED_L1, w2.served);
}

TEST_F(Coalesce, InvlpgOfAnyPageRemovesTheGroup)
{
    map();
    start();
    acc(kCo);
    EXPECT_EQ(MMU_SERVED_L1, acc(kCo + 0x7000).served);
    mmu_invlpg(mmu, kCo + 0x5000);
    EXPECT_EQ(MMU_SERVED_WALK, acc(kCo + 0x2000).served);
}

} // namespace coalesce

// ---- the L1 hit fast path (mmu_translate): same verdicts, results, counters ----

// Hits taken by the fast path count exactly as the general path counts them.
TEST_F(Mmu, L1HitsCountExactly)
{
    make();
    acc(kA, MMU_ACC_WRITE, 0); // walk, sets A and D: fills L1 ready at some cycle
    const uint64_t t = 100000; // long after the fill completed
    for (int i = 0; i < 10; i++) {
        mmu_result_t r = acc(kA + 8 * i, i % 2 ? MMU_ACC_WRITE : MMU_ACC_READ, t + i);
        EXPECT_EQ(MMU_SERVED_L1, r.served);
        EXPECT_EQ(kOld + 8 * i, r.pa);
        EXPECT_EQ(t + i + cfg.l1d.latency, r.done_at);
        EXPECT_EQ(cfg.l1d.latency, r.lat_l1);
        EXPECT_EQ(0u, r.lat_l2 + r.lat_psc + r.lat_wait + r.lat_walk + r.mem_refs + r.lat_data);
        EXPECT_EQ(MMU_PERM_W | MMU_PERM_U, r.perms);
    }
    mmu_stats_t s = stats();
    EXPECT_EQ(11u, s.translations);
    EXPECT_EQ(11u, s.l1d_lookups);
    EXPECT_EQ(10u, s.l1d_hits);
    EXPECT_EQ(10u, s.l1d_4k_hits);
    EXPECT_EQ(1u, s.l1d_misses);
    EXPECT_EQ(1u, s.walks);
    mmu_reset_stats(mmu);
    acc(kA, MMU_ACC_READ, t + 100);
    s = stats();
    EXPECT_EQ(1u, s.translations);
    EXPECT_EQ(1u, s.l1d_4k_hits);
}

// A hit on an entry whose walk is still in flight waits for it.
TEST_F(Mmu, L1HitOnAFillInFlightWaits)
{
    make();
    mmu_result_t w = acc(kA, MMU_ACC_READ, 0);
    ASSERT_GT(w.done_at, 2u);
    mmu_result_t h = acc(kA + 8, MMU_ACC_READ, 1);
    EXPECT_EQ(MMU_SERVED_L1, h.served);
    EXPECT_EQ(w.done_at, h.done_at);
    EXPECT_EQ(w.done_at - 1 - cfg.l1d.latency, h.lat_wait);
    EXPECT_EQ(1u, stats().inflight_hits);
}

// The rights of a hit follow the control registers as they are now: a change
// of PKRU, CR0.WP or RFLAGS.AC takes effect on the next hit.
TEST_F(Mmu, L1HitRightsFollowControlRegisters)
{
    make(MMU_CR4_PGE | MMU_CR4_PKE | MMU_CR4_SMAP);
    acc(kA, MMU_ACC_WRITE, 0);
    EXPECT_EQ(MMU_FAULT_NONE, acc(kA, MMU_ACC_WRITE, 10000).fault.kind);
    mmu_err_t err{};
    ASSERT_EQ(0, mmu_write_reg(mmu, MMU_REG_PKRU, 1u << 1, &err)); // WD for key 0
    mmu_result_t r = acc(kA, MMU_ACC_WRITE, 10001);
    EXPECT_EQ(MMU_FAULT_PF, r.fault.kind);
    EXPECT_NE(0u, r.fault.error_code & MMU_PF_PK);
    acc(kA, MMU_ACC_WRITE, 10002); // the #PF invalidated it: this walks again
    EXPECT_EQ(MMU_FAULT_NONE, acc(kA, MMU_ACC_READ, 20000).fault.kind);
    ASSERT_EQ(0, mmu_write_reg(mmu, MMU_REG_PKRU, 0, &err));
    EXPECT_EQ(MMU_FAULT_NONE, acc(kA, MMU_ACC_WRITE, 20001).fault.kind);
    // Supervisor access to a user page: SMAP denies it unless AC=1.
    mmu_req_t q = MMU_REQ_INIT;
    q.la = kA;
    q.cpl = 0;
    q.now = 30000;
    mmu_result_t s{};
    ASSERT_EQ(0, mmu_translate(mmu, &q, &s));
    EXPECT_EQ(MMU_FAULT_PF, s.fault.kind);
    acc(kA, MMU_ACC_READ, 30001); // refill
    ASSERT_EQ(0, mmu_write_reg(mmu, MMU_REG_RFLAGS, MMU_RFLAGS_AC, &err));
    q.now = 40000;
    ASSERT_EQ(0, mmu_translate(mmu, &q, &s));
    EXPECT_EQ(MMU_FAULT_NONE, s.fault.kind);
    EXPECT_EQ(MMU_SERVED_L1, s.served);
    // Implicit supervisor accesses ignore AC.
    q.flags = MMU_REQ_IMPLICIT;
    ASSERT_EQ(0, mmu_translate(mmu, &q, &s));
    EXPECT_EQ(MMU_FAULT_PF, s.fault.kind);
}

// With data lines on, a hit also loads its line through the stand-ins.
TEST_F(Mmu, L1HitLoadsTheDataLine)
{
    cfg.data_lines = 1;
    make();
    acc(kA, MMU_ACC_READ, 0);
    mmu_result_t r = acc(kA + 0x40, MMU_ACC_READ, 100000);
    EXPECT_EQ(MMU_SERVED_L1, r.served);
    EXPECT_GT(r.lat_data, 0u);
    mmu_result_t again = acc(kA + 0x40, MMU_ACC_READ, 100100);
    EXPECT_LT(again.lat_data, r.lat_data); // the line is cached now
}

// Invalid requests are refused before any lookup, hit or not.
TEST_F(Mmu, L1HitPathRefusesInvalidRequests)
{
    make();
    acc(kA, MMU_ACC_READ, 0);
    mmu_req_t q = MMU_REQ_INIT;
    q.la = kA;
    q.cpl = 4;
    mmu_result_t r{};
    EXPECT_EQ(MMU_EINVAL, mmu_translate(mmu, &q, &r));
    q.cpl = 3;
    q.type = 3;
    EXPECT_EQ(MMU_EINVAL, mmu_translate(mmu, &q, &r));
    EXPECT_EQ(1u, stats().translations);
}

// ---- mmu_translate_run (model/xlat_run.h): a run is a loop of mmu_translate ----

#include <cstring>
#include <vector>

#include "xlat_run.h"

namespace xrun {

constexpr uint64_t kR = 0x0000100000000000ull; // pages kR + 4 KiB x [0, 96)
constexpr unsigned kPages = 96;

// One MMU over its own memory with two address spaces (CR3 roots) that map
// the same pages: 0..63 user RW (one dirty write, the rest first read: D
// assists), 64..71 user read-only, 72..79 supervisor, 80..87 user RW,
// global in the second space only (so an entry of one space and a global
// entry of the other can both match a page), 88..95 unmapped.
struct Twin {
    mmu_sparse_mem_t *mem = nullptr;
    mmu_ptb_t *pt[2] = {nullptr, nullptr};
    mmu_t *mmu = nullptr;

    explicit Twin(const mmu_config_t &cfg)
    {
        EXPECT_EQ(0, mmu_sparse_mem_create(46, &mem));
        const mmu_mem_ops_t ops = mmu_sparse_mem_ops(mem);
        for (int s = 0; s < 2; s++) {
            EXPECT_EQ(0, mmu_ptb_create(&ops, 4, 0x100000 + 0x400000ull * s, 0x400000, &pt[s]));
            const uint64_t f0 = 0x10000000ull * (s + 1);
            const uint64_t rw = MMU_PTE_RW | MMU_PTE_US;
            EXPECT_EQ(0, mmu_ptb_map(pt[s], kR, f0, 64 * 4096, MMU_PAGE_4K, rw));
            EXPECT_EQ(0, mmu_ptb_map(pt[s], kR + 64 * 4096, f0 + 64 * 4096, 8 * 4096,
                                     MMU_PAGE_4K, MMU_PTE_US));
            EXPECT_EQ(0, mmu_ptb_map(pt[s], kR + 72 * 4096, f0 + 72 * 4096, 8 * 4096,
                                     MMU_PAGE_4K, MMU_PTE_RW));
            EXPECT_EQ(0, mmu_ptb_map(pt[s], kR + 80 * 4096, f0 + 80 * 4096, 8 * 4096,
                                     MMU_PAGE_4K, rw | (s ? MMU_PTE_G : 0)));
        }
        mmu_mem_ops_t o = ops;
        mmu_err_t err{};
        EXPECT_EQ(0, mmu_create(&cfg, &o, &mmu, &err)) << err.msg;
        mmu_ctrl_t c{};
        c.cr0 = MMU_CR0_WP;
        c.cr3 = mmu_ptb_root(pt[0]) | 1;
        c.cr4 = MMU_CR4_PGE | MMU_CR4_PCIDE;
        c.efer = MMU_EFER_NXE;
        EXPECT_EQ(0, mmu_set_ctrl(mmu, &c, &err)) << err.msg;
    }
    ~Twin()
    {
        mmu_destroy(mmu);
        for (mmu_ptb_t *p : pt)
            mmu_ptb_destroy(p);
        mmu_sparse_mem_destroy(mem);
    }
    uint64_t leaf(int s, unsigned page)
    {
        uint64_t pa = 0, e = 0;
        if (mmu_ptb_entry_addr(pt[s], kR + page * 4096ull, 1, &pa) == 0) {
            EXPECT_EQ(0, mmu_sparse_mem_read64(mem, pa, &e));
        }
        return e;
    }
};

// Feeds the same random accesses to one MMU access by access with
// mmu_translate and to a twin in runs of 1..70 with mmu_translate_run,
// going on after a fault or a refused access as mmusim's lanes do, with
// CR3 switches (flushing or not), INVLPGs and CR0.WP changes between runs,
// and checks every issue cycle and result, each stop, the statistics and
// the A/D bits in memory.
void ExpectRunEqualsLoop(const mmu_config_t &cfg, uint64_t seed)
{
    Twin one(cfg), run(cfg);
    uint64_t x = seed;
    auto rnd = [&x](uint64_t n) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        return (x >> 33) % n;
    };
    mmu_cycle_t now1 = 0, now2 = 0;
    unsigned faults = 0, refused = 0, hits = 0;
    for (int round = 0; round < 400; round++) {
        const size_t n = 1 + rnd(70);
        std::vector<mmu_run_acc_t> acc(n);
        for (mmu_run_acc_t &a : acc) {
            // Mostly near the last page, as programs run.
            const unsigned page = rnd(4) ? (unsigned)(x >> 40) % 8 + 8 * (round % 12)
                                         : (unsigned)rnd(kPages);
            a.la = kR + page * 4096ull + rnd(512) * 8;
            a.type = (uint8_t)rnd(3);
            a.cpl = rnd(4) ? 3 : 0;
            if (rnd(300) == 0)
                a.la ^= 1ull << 50; // non-canonical: #GP
            if (rnd(400) == 0)
                a.type = 3; // refused
            if (rnd(400) == 0)
                a.cpl = 4; // refused
        }
        std::vector<mmu_cycle_t> issue(n);
        std::vector<mmu_run_res_t> out(n);
        for (size_t i = 0; i < n;) {
            mmu_result_t last{};
            int st = -99;
            const size_t k = mmu_translate_run(run.mmu, &acc[i], n - i, &now2, UINT64_MAX,
                                               &issue[i], &out[i], &last, &st);
            ASSERT_LE(k, n - i);
            for (size_t j = i; j < i + k + (st != 0); j++) {
                mmu_req_t q = MMU_REQ_INIT;
                q.la = acc[j].la;
                q.type = acc[j].type;
                q.cpl = acc[j].cpl;
                q.now = now1;
                mmu_result_t r{};
                const int rc = mmu_translate(one.mmu, &q, &r);
                ASSERT_EQ(issue[j], now1) << "round " << round << " access " << j;
                if (j < i + k) {
                    ASSERT_EQ(0, rc);
                    ASSERT_EQ(MMU_FAULT_NONE, r.fault.kind);
                    ASSERT_EQ(out[j].done_at, r.done_at) << "round " << round << " access " << j;
                    ASSERT_EQ(out[j].lat_data, r.lat_data);
                    ASSERT_EQ(out[j].lat_walk, r.lat_walk);
                    ASSERT_EQ(out[j].served, r.served);
                    ASSERT_EQ(out[j].fault, MMU_FAULT_NONE);
                    hits += r.served == MMU_SERVED_L1;
                    now1 = r.done_at;
                } else if (st < 0) {
                    ASSERT_EQ(st, rc);
                    refused++;
                } else {
                    ASSERT_EQ(1, st);
                    ASSERT_EQ(0, rc);
                    ASSERT_NE(MMU_FAULT_NONE, r.fault.kind);
                    ASSERT_EQ(0, memcmp(&r, &last, sizeof r)) << "round " << round;
                    now1 = r.done_at;
                    faults++;
                }
            }
            if (st == 0) {
                ASSERT_EQ(i + k, n);
            }
            if (st == 1)
                now2 = last.done_at; // the lane answers the fault and goes on
            i += k + (st != 0);
            ASSERT_EQ(now1, now2);
        }
        // Between runs: what changes the TLBs or the rights from outside.
        mmu_err_t err{};
        const unsigned what = (unsigned)rnd(10);
        if (what == 0 || what == 1) {
            const int s = (int)rnd(2);
            const uint64_t v = mmu_ptb_root(one.pt[s]) | (uint64_t)(s + 1) |
                               (what ? 1ull << 63 : 0); // keep or flush that PCID
            ASSERT_EQ(0, mmu_write_cr(one.mmu, 3, v, &err)) << err.msg;
            ASSERT_EQ(0, mmu_write_cr(run.mmu, 3, v, &err)) << err.msg;
        } else if (what == 2) {
            const uint64_t la = kR + rnd(kPages) * 4096;
            mmu_invlpg(one.mmu, la);
            mmu_invlpg(run.mmu, la);
        } else if (what == 3) {
            const uint64_t cr0 = mmu_get_ctrl(one.mmu)->cr0 ^ MMU_CR0_WP;
            ASSERT_EQ(0, mmu_write_cr(one.mmu, 0, cr0, &err)) << err.msg;
            ASSERT_EQ(0, mmu_write_cr(run.mmu, 0, cr0, &err)) << err.msg;
        }
    }
    mmu_stats_t s1, s2;
    mmu_get_stats(one.mmu, &s1);
    mmu_get_stats(run.mmu, &s2);
    EXPECT_EQ(0, memcmp(&s1, &s2, sizeof s1));
    EXPECT_EQ(s1.translations, s2.translations);
    EXPECT_EQ(s1.l1d_4k_hits, s2.l1d_4k_hits);
    for (int s = 0; s < 2; s++)
        for (unsigned p = 0; p < kPages; p++)
            EXPECT_EQ(one.leaf(s, p), run.leaf(s, p)) << "space " << s << " page " << p;
    // The mix reaches every path: hits, faults, refusals, walks.
    EXPECT_GT(hits, 2000u);
    EXPECT_GT(faults, 50u);
    EXPECT_GT(refused, 5u);
    EXPECT_GT(s1.d_assists, 0u);
    EXPECT_GT(s1.faults_gp, 0u);
}

TEST(MmuRun, EqualsALoopOfTranslate)
{
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    ExpectRunEqualsLoop(cfg, 1);
    ExpectRunEqualsLoop(cfg, 2);
}

TEST(MmuRun, EqualsALoopOfTranslateWithDataLines)
{
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    cfg.data_lines = 1;
    ExpectRunEqualsLoop(cfg, 3);
}

TEST(MmuRun, EqualsALoopOfTranslateWithSmallL1s)
{
    // Two sets of two ways: hits, evictions and refills in every run.
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    for (mmu_tlb_cfg_t *t : {&cfg.l1d, &cfg.l1i}) {
        t->arr[0].entries = 4;
        t->arr[0].ways = 2;
    }
    ExpectRunEqualsLoop(cfg, 4);
}

// A run stops before the access that would start at or after clock_max.
TEST(MmuRun, StopsAtTheClockLimit)
{
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    Twin t(cfg);
    std::vector<mmu_run_acc_t> acc(20, mmu_run_acc_t{kR, MMU_ACC_READ, 3});
    std::vector<mmu_cycle_t> issue(20);
    std::vector<mmu_run_res_t> out(20);
    mmu_result_t last{};
    int st = -1;
    mmu_cycle_t now = 0;
    ASSERT_EQ(2u, mmu_translate_run(t.mmu, acc.data(), 2, &now, UINT64_MAX, issue.data(),
                                    out.data(), &last, &st));
    EXPECT_EQ(0, st);
    EXPECT_EQ(out[1].done_at, now);
    const mmu_cycle_t limit = now + 3 * cfg.l1d.latency; // three more hits start before it
    ASSERT_EQ(3u, mmu_translate_run(t.mmu, acc.data(), 20, &now, limit, issue.data(),
                                    out.data(), &last, &st));
    EXPECT_EQ(0, st);
    EXPECT_EQ(limit, now);
    EXPECT_EQ(0u, mmu_translate_run(t.mmu, acc.data(), 20, &now, limit, issue.data(), out.data(),
                                    &last, &st));
}

} // namespace xrun

// An absent array (entries = 0) that names a size holds nothing: a page of
// that size is cached in that level splintered, as if the array were not
// configured (fill_level's plan, made at create, must agree). The L1D's 1G
// array is absent: a 1G page goes into its 2M array as the 2M piece around
// the address, once, and the next access in that piece hits it.
TEST_F(Mmu, AnAbsentArrayOfASizeMakesTheLevelSplinterIt)
{
    cfg.l1d.arr[2] = {0, 0, MMU_SIZE_1G, MMU_REPL_LRU, MMU_INDEX_LOW, 0};
    make();
    ASSERT_EQ(0, mmu_ptb_map(pt, 0x40000000, 0x80000000, 0x40000000, MMU_PAGE_1G,
                             MMU_PTE_RW | MMU_PTE_US));
    EXPECT_EQ(MMU_SERVED_WALK, acc(0x40201000).served);
    mmu_result_t r = acc(0x40300000);
    EXPECT_EQ(MMU_SERVED_L1, r.served);
    EXPECT_EQ(0x80300000u, r.pa);
    EXPECT_EQ(MMU_PAGE_1G, r.page_size);
    EXPECT_EQ(MMU_SERVED_L2, acc(0x40400000).served);
    mmu_stats_t s = stats();
    EXPECT_EQ(0u, s.l1d_1g_fills);
    EXPECT_EQ(2u, s.l1d_2m_fills);
    EXPECT_EQ(2u, s.l1d_splinters);
    EXPECT_EQ(1u, s.l2_1g_fills);
    EXPECT_EQ(1u, s.walks);
}
