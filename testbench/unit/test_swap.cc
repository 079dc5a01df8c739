// SPDX-License-Identifier: Apache-2.0
// Swap areas (workloads/os/swap.c): slots in clusters, priorities and round
// robin, references and the swap cache, the PTE encoding; and the block
// device queue (blkdev.c).
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "blkdev.h"
#include "swap.h"

namespace {

mmu_swap_t *Make(std::vector<mmu_swap_area_cfg_t> areas)
{
    mmu_blkdev_cfg_t d;
    mmu_blkdev_preset(MMU_BLKDEV_NVME, &d);
    mmu_swap_t *s = nullptr;
    char msg[256];
    EXPECT_EQ(mmu_swap_create(areas.data(), (unsigned)areas.size(), &d, 4000, &s, msg, sizeof msg), 0)
        << msg;
    return s;
}

mmu_swap_area_cfg_t Area(uint64_t slots, int prio = 0, bool set = false)
{
    return mmu_swap_area_cfg_t{slots * 4096, prio, set ? 1u : 0u};
}

TEST(Swap, SlotsComeInClusterOrderAndSlotZeroIsTheHeader)
{
    mmu_swap_t *s = Make({Area(4 * MMU_SWAP_CLUSTER)});
    EXPECT_EQ(mmu_swap_total(s), 4u * MMU_SWAP_CLUSTER - 1);
    std::vector<uint64_t> got;
    for (int i = 0; i < 300; i++) {
        mmu_swp_t e;
        ASSERT_EQ(mmu_swap_alloc(s, 1, &e), 0);
        EXPECT_EQ(MMU_SWP_AREA(e), 0u);
        got.push_back(MMU_SWP_SLOT(e));
    }
    // Cluster 0 holds the header: the first wholly free cluster is 1; it is
    // filled in order, then cluster 2.
    for (int i = 0; i < 300; i++)
        EXPECT_EQ(got[i], MMU_SWAP_CLUSTER + i) << i;
    mmu_swap_area_info_t ai;
    mmu_swap_get_area(s, 0, &ai);
    EXPECT_EQ(ai.clusters_taken, 2u);
    EXPECT_EQ(ai.used, 300u);
    mmu_swap_destroy(s);
}

TEST(Swap, AFreedClusterIsTakenAgainBeforePartlyUsedOnes)
{
    mmu_swap_t *s = Make({Area(3 * MMU_SWAP_CLUSTER)});
    std::vector<mmu_swp_t> e(2 * MMU_SWAP_CLUSTER);
    for (auto &x : e)
        ASSERT_EQ(mmu_swap_alloc(s, 1, &x), 0); // clusters 1, 2
    // Free every slot of cluster 1: it goes back to the free clusters.
    for (int i = 0; i < MMU_SWAP_CLUSTER; i++)
        mmu_swap_cache_del(s, e[i]);
    mmu_swp_t x;
    ASSERT_EQ(mmu_swap_alloc(s, 1, &x), 0);
    EXPECT_EQ(MMU_SWP_SLOT(x), MMU_SWAP_CLUSTER); // cluster 1 again, in order
    mmu_swap_destroy(s);
}

TEST(Swap, PartlyUsedClustersAreScannedWhenNoneIsFree)
{
    mmu_swap_t *s = Make({Area(2 * MMU_SWAP_CLUSTER)});
    std::vector<mmu_swp_t> e(2 * MMU_SWAP_CLUSTER - 1);
    for (auto &x : e)
        ASSERT_EQ(mmu_swap_alloc(s, 1, &x), 0);
    mmu_swp_t x;
    EXPECT_EQ(mmu_swap_alloc(s, 1, &x), MMU_ENOSPC); // full
    mmu_swap_cache_del(s, e[10]);                   // slot 11 of cluster 0
    ASSERT_EQ(mmu_swap_alloc(s, 1, &x), 0);
    EXPECT_EQ(MMU_SWP_SLOT(x), MMU_SWP_SLOT(e[10]));
    mmu_swap_area_info_t ai;
    mmu_swap_get_area(s, 0, &ai);
    EXPECT_GE(ai.scattered, 1u);
    mmu_swap_destroy(s);
}

TEST(Swap, HigherPriorityFirstThenTheNext)
{
    // Area 0 prio 1 (2 clusters), area 1 prio 5 (1 cluster + header).
    mmu_swap_t *s = Make({Area(2 * MMU_SWAP_CLUSTER, 1, true), Area(MMU_SWAP_CLUSTER + 8, 5, true)});
    for (unsigned i = 0; i < MMU_SWAP_CLUSTER + 7; i++) {
        mmu_swp_t e;
        ASSERT_EQ(mmu_swap_alloc(s, 1, &e), 0);
        EXPECT_EQ(MMU_SWP_AREA(e), 1u) << i;
    }
    mmu_swp_t e;
    ASSERT_EQ(mmu_swap_alloc(s, 1, &e), 0);
    EXPECT_EQ(MMU_SWP_AREA(e), 0u); // the high one is full: the next one
    mmu_swap_destroy(s);
}

TEST(Swap, EqualPrioritiesTakeTurnsSlotBySlot)
{
    mmu_swap_t *s = Make({Area(1024, 3, true), Area(1024, 3, true), Area(1024, 3, true),
                          Area(1024, 9, true)});
    // The prio-9 area first, until full; then the three prio-3 ones in turn.
    for (int i = 0; i < 1023; i++) {
        mmu_swp_t e;
        ASSERT_EQ(mmu_swap_alloc(s, 1, &e), 0);
        ASSERT_EQ(MMU_SWP_AREA(e), 3u);
    }
    for (int i = 0; i < 30; i++) {
        mmu_swp_t e;
        ASSERT_EQ(mmu_swap_alloc(s, 1, &e), 0);
        EXPECT_EQ(MMU_SWP_AREA(e), unsigned(i % 3)) << i;
    }
    mmu_swap_destroy(s);
}

TEST(Swap, AreasWithoutPriorityGetMinusTwoMinusThreeInOrder)
{
    mmu_swap_t *s = Make({Area(64), Area(64)});
    mmu_swap_area_info_t a0, a1;
    mmu_swap_get_area(s, 0, &a0);
    mmu_swap_get_area(s, 1, &a1);
    EXPECT_EQ(a0.prio, -2);
    EXPECT_EQ(a1.prio, -3);
    mmu_swp_t e;
    ASSERT_EQ(mmu_swap_alloc(s, 1, &e), 0);
    EXPECT_EQ(MMU_SWP_AREA(e), 0u);
    mmu_swap_destroy(s);
}

TEST(Swap, ASlotIsFreeOnlyWhenNoPteAndNoCacheHoldIt)
{
    mmu_swap_t *s = Make({Area(64)});
    mmu_swp_t e;
    ASSERT_EQ(mmu_swap_alloc(s, 42, &e), 0);
    EXPECT_EQ(mmu_swap_cache_page(s, e), 42u);
    mmu_swap_dup(s, e); // the PTE now holds it
    EXPECT_EQ(mmu_swap_count(s, e), 1u);
    mmu_swap_cache_del(s, e); // the page is freed: the PTE still holds the slot
    EXPECT_TRUE(mmu_swap_in_use(s, e));
    EXPECT_EQ(mmu_swap_used(s), 1u);
    mmu_swap_cache_add(s, e, 7); // swapped in: the page is cached again
    mmu_swap_put(s, e);          // and mapped: the PTE reference goes
    EXPECT_TRUE(mmu_swap_in_use(s, e));
    mmu_swap_cache_del(s, e); // written to (or unmapped): the slot is free
    EXPECT_FALSE(mmu_swap_in_use(s, e));
    EXPECT_EQ(mmu_swap_used(s), 0u);
    mmu_swap_destroy(s);
}

TEST(Swap, PteEncodingUsesOnlySoftwareBitsOfANotPresentEntry)
{
    for (mmu_swp_t e : std::vector<mmu_swp_t>{MMU_SWP_MAKE(0, 1), MMU_SWP_MAKE(31, (1ull << 36) - 1), MMU_SWP_MAKE(7, 12345)}) {
        uint64_t pte = mmu_swp_to_pte(e);
        EXPECT_EQ(pte & 1u, 0u);              // P = 0: bits 63:1 are ignored by the MMU
        EXPECT_TRUE(mmu_pte_is_swp(pte));
        EXPECT_EQ(mmu_pte_to_swp(pte), e);
        EXPECT_EQ(pte >> 51, 0u);
    }
    EXPECT_FALSE(mmu_pte_is_swp(0x12345000ull));         // PROT_NONE: frame, P = 0, bit 9 = 0
    EXPECT_FALSE(mmu_pte_is_swp(0x12345000ull | 0x201)); // present
}

TEST(Swap, ReadaheadWindowIsAlignedAndSkipsCachedAndFreeSlots)
{
    mmu_swap_t *s = Make({Area(MMU_SWAP_CLUSTER * 2)});
    std::vector<mmu_swp_t> e(16);
    for (auto &x : e) {
        ASSERT_EQ(mmu_swap_alloc(s, 1, &x), 0);
        mmu_swap_dup(s, x);
        mmu_swap_cache_del(s, x);
    }
    mmu_swap_cache_add(s, e[3], 9); // cached: not read again
    mmu_swap_put(s, e[5]);          // free
    mmu_swp_t out[8];
    unsigned n = mmu_swap_window(s, e[2], 8, out, 8);
    std::set<uint64_t> got;
    for (unsigned i = 0; i < n; i++)
        got.insert(MMU_SWP_SLOT(out[i]));
    uint64_t base = MMU_SWP_SLOT(e[2]) & ~7ull;
    std::set<uint64_t> want;
    for (uint64_t k = base; k < base + 8; k++)
        if (k != MMU_SWP_SLOT(e[2]) && k != MMU_SWP_SLOT(e[3]) && k != MMU_SWP_SLOT(e[5]))
            want.insert(k);
    EXPECT_EQ(got, want);
    EXPECT_EQ(mmu_swap_window(s, e[2], 1, out, 8), 0u);
    mmu_swap_destroy(s);
}

TEST(Swap, BadAreasAreRefused)
{
    mmu_blkdev_cfg_t d;
    mmu_blkdev_preset(MMU_BLKDEV_SSD, &d);
    mmu_swap_t *s = nullptr;
    char msg[256];
    mmu_swap_area_cfg_t a{0, 0, 0};
    EXPECT_EQ(mmu_swap_create(&a, 1, &d, 4000, &s, msg, sizeof msg), MMU_EINVAL);
    EXPECT_STREQ(msg, "swap area 1: 0 bytes: must be a multiple of 4096, at least 8192 (the header "
                      "page and one slot) and below 256 TiB");
    a.bytes = 4096 * 3 + 1;
    EXPECT_EQ(mmu_swap_create(&a, 1, &d, 4000, &s, msg, sizeof msg), MMU_EINVAL);
}

TEST(Blkdev, OneQueueMakesRequestsWaitForEachOther)
{
    mmu_blkdev_cfg_t c{1000, 2000, 4096, 1}; // 1 us read, 2 us write, 4096 MB/s (1 ns/byte)
    mmu_blkdev_t d;
    mmu_blkdev_init(&d, &c, 1000); // 1 GHz: 1 cycle per ns
    // 1000 + 4096 * 1000 / 4096 = 2000 ns.
    EXPECT_EQ(mmu_blkdev_submit(&d, 0, 1, 0), 2000u);
    // Submitted at 500 while the first is served: starts at 2000.
    EXPECT_EQ(mmu_blkdev_submit(&d, 500, 1, 1), 2000u + 3000u);
    EXPECT_EQ(d.queue_cycles, 1500u);
    // Two pages: twice the transfer.
    EXPECT_EQ(mmu_blkdev_submit(&d, 10000, 2, 0), 10000u + 1000u + 2000u);
    EXPECT_EQ(d.reads, 2u);
    EXPECT_EQ(d.writes, 1u);
    EXPECT_EQ(d.pages_read, 3u);
}

TEST(Blkdev, ZswapHasNoQueueAndPresetsAreNamed)
{
    mmu_blkdev_cfg_t c;
    ASSERT_EQ(mmu_blkdev_preset(MMU_BLKDEV_ZSWAP, &c), 0);
    mmu_blkdev_t d;
    mmu_blkdev_init(&d, &c, 4000);
    EXPECT_EQ(mmu_blkdev_submit(&d, 0, 1, 0), 8000u); // 2 us at 4 GHz
    EXPECT_EQ(mmu_blkdev_submit(&d, 0, 1, 0), 8000u); // no waiting
    EXPECT_EQ(mmu_blkdev_lookup("hdd"), MMU_BLKDEV_HDD);
    EXPECT_EQ(mmu_blkdev_lookup("floppy"), -1);
    EXPECT_STREQ(mmu_blkdev_name(MMU_BLKDEV_NVME), "nvme");
    ASSERT_EQ(mmu_blkdev_preset(MMU_BLKDEV_HDD, &c), 0);
    EXPECT_EQ(c.read_ns, 8000000u);
    EXPECT_EQ(mmu_ns_to_cycles(1, 4000), 4u);
}

} // namespace
