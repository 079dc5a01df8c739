// SPDX-License-Identifier: Apache-2.0
// The allocator of a memory of a given size (workloads/os/frames.c,
// mmu_physmem_*): frames allocated, freed and reused; 2 MiB blocks only from
// wholly free chunks.
#include <gtest/gtest.h>

#include <set>

#include "frames.h"

namespace {

mmu_physmem_t *Make(uint64_t frames, unsigned frag = 0)
{
    mmu_physmem_t *m = nullptr;
    char msg[256];
    EXPECT_EQ(mmu_physmem_create(1ull << 30, frames * 4096, frag, 1, &m, msg, sizeof msg), 0) << msg;
    return m;
}

TEST(Physmem, FramesAreAllocatedFreedAndReused)
{
    mmu_physmem_t *m = Make(100);
    std::set<uint32_t> got;
    for (int i = 0; i < 100; i++) {
        uint32_t f;
        ASSERT_EQ(mmu_physmem_alloc(m, MMU_PAGE_4K, &f), 0);
        EXPECT_TRUE(got.insert(f).second);
        EXPECT_LT(f, 100u);
    }
    uint32_t f;
    EXPECT_EQ(mmu_physmem_alloc(m, MMU_PAGE_4K, &f), MMU_ENOSPC);
    EXPECT_EQ(mmu_physmem_free_frames(m), 0u);
    mmu_physmem_free(m, MMU_PAGE_4K, 42);
    EXPECT_TRUE(mmu_physmem_is_free(m, 42));
    ASSERT_EQ(mmu_physmem_alloc(m, MMU_PAGE_4K, &f), 0);
    EXPECT_EQ(f, 42u);
    EXPECT_EQ(mmu_physmem_pa(m, 42), (1ull << 30) + 42 * 4096);
    EXPECT_EQ(mmu_physmem_frame(m, (1ull << 30) + 42 * 4096 + 17), 42u);
    EXPECT_EQ(mmu_physmem_frame(m, (1ull << 30) - 1), MMU_PHYSMEM_NONE);
    mmu_physmem_destroy(m);
}

TEST(Physmem, A2MBlockNeedsAWhollyFreeChunk)
{
    mmu_physmem_t *m = Make(1024); // two chunks
    uint32_t a, b, c;
    ASSERT_EQ(mmu_physmem_alloc(m, MMU_PAGE_4K, &a), 0); // breaks chunk 0
    ASSERT_EQ(mmu_physmem_alloc(m, MMU_PAGE_2M, &b), 0);
    EXPECT_EQ(b, 512u);
    EXPECT_EQ(mmu_physmem_alloc(m, MMU_PAGE_2M, &c), MMU_ENOSPC); // chunk 0 is broken
    // 4K frames come from the broken chunk, keeping whole ones whole.
    for (int i = 0; i < 511; i++) {
        ASSERT_EQ(mmu_physmem_alloc(m, MMU_PAGE_4K, &c), 0);
        EXPECT_LT(c, 512u);
    }
    mmu_physmem_free(m, MMU_PAGE_2M, 512);
    for (uint32_t f = 0; f < 512; f++)
        mmu_physmem_free(m, MMU_PAGE_4K, f);
    EXPECT_EQ(mmu_physmem_free_frames(m), 1024u);
    ASSERT_EQ(mmu_physmem_alloc(m, MMU_PAGE_2M, &b), 0);
    ASSERT_EQ(mmu_physmem_alloc(m, MMU_PAGE_2M, &c), 0); // freed 4K frames merge back
    EXPECT_NE(b, c);
    mmu_physmem_destroy(m);
}

TEST(Physmem, AShortLastChunkNeverHoldsA2MBlock)
{
    mmu_physmem_t *m = Make(700);
    uint32_t f;
    ASSERT_EQ(mmu_physmem_alloc(m, MMU_PAGE_2M, &f), 0);
    EXPECT_EQ(f, 0u);
    EXPECT_EQ(mmu_physmem_alloc(m, MMU_PAGE_2M, &f), MMU_ENOSPC);
    mmu_physmem_destroy(m);
}

TEST(Physmem, FragmentationPinsAFrameInThatShareOfChunks)
{
    mmu_physmem_t *m = Make(512 * 100, 30);
    uint64_t pinned = mmu_physmem_pinned(m);
    EXPECT_GT(pinned, 15u);
    EXPECT_LT(pinned, 45u);
    unsigned big = 0;
    uint32_t f;
    while (mmu_physmem_alloc(m, MMU_PAGE_2M, &f) == 0)
        big++;
    EXPECT_EQ(big, 100u - pinned);
    mmu_physmem_destroy(m);
}

TEST(Physmem, BadSizesAreRefused)
{
    mmu_physmem_t *m;
    char msg[256];
    EXPECT_EQ(mmu_physmem_create(1ull << 30, 0, 0, 1, &m, msg, sizeof msg), MMU_EINVAL);
    EXPECT_EQ(mmu_physmem_create(1ull << 30, 4097, 0, 1, &m, msg, sizeof msg), MMU_EINVAL);
    EXPECT_EQ(mmu_physmem_create(4096, 4096, 0, 1, &m, msg, sizeof msg), MMU_EINVAL);
}

} // namespace
