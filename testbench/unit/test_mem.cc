/* SPDX-License-Identifier: Apache-2.0 */
// Sparse physical memory and the page-table builder (model/mem.c, ptbuild.c).
#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>

#include "mmu/mmu_mem.h"

namespace {

struct Mem : ::testing::Test {
    mmu_sparse_mem_t *mem = nullptr;
    void SetUp() override { ASSERT_EQ(0, mmu_sparse_mem_create(40, &mem)); }
    void TearDown() override { mmu_sparse_mem_destroy(mem); }
    uint64_t rd(uint64_t pa)
    {
        uint64_t v = 0xdead;
        EXPECT_EQ(0, mmu_sparse_mem_read64(mem, pa, &v));
        return v;
    }
};

TEST_F(Mem, UntouchedMemoryReadsZeroAndAllocatesNothing)
{
    EXPECT_EQ(0u, rd(0));
    EXPECT_EQ(0u, rd((1ull << 40) - 8));
    EXPECT_EQ(0u, mmu_sparse_mem_frames(mem));
    ASSERT_EQ(0, mmu_sparse_mem_write64(mem, 0x5000, 0)); // zero into absent frame
    EXPECT_EQ(0u, mmu_sparse_mem_frames(mem));
}

TEST_F(Mem, WordsReadBackAndFramesAreIndependent)
{
    for (uint64_t i = 0; i < 5000; i++) // forces several table growths
        ASSERT_EQ(0, mmu_sparse_mem_write64(mem, i * 0x1000 + 8 * (i % 512), i + 1));
    for (uint64_t i = 0; i < 5000; i++) {
        ASSERT_EQ(i + 1, rd(i * 0x1000 + 8 * (i % 512)));
        ASSERT_EQ(0u, rd(i * 0x1000 + 8 * ((i + 1) % 512)));
    }
    EXPECT_EQ(5000u, mmu_sparse_mem_frames(mem));
    mmu_sparse_mem_clear(mem);
    EXPECT_EQ(0u, rd(0x1000 + 8));
    EXPECT_EQ(0u, mmu_sparse_mem_frames(mem));
}

TEST_F(Mem, RejectsUnalignedAndOutOfRange)
{
    uint64_t v;
    EXPECT_EQ(MMU_EALIGN, mmu_sparse_mem_read64(mem, 0x1004, &v));
    EXPECT_EQ(MMU_EALIGN, mmu_sparse_mem_write64(mem, 0x1001, 1));
    EXPECT_EQ(MMU_ERANGE, mmu_sparse_mem_read64(mem, 1ull << 40, &v));
    EXPECT_EQ(MMU_ERANGE, mmu_sparse_mem_write64(mem, 1ull << 40, 1));
    mmu_sparse_mem_t *bad = nullptr;
    EXPECT_EQ(MMU_EINVAL, mmu_sparse_mem_create(35, &bad));
    EXPECT_EQ(MMU_EINVAL, mmu_sparse_mem_create(53, &bad));
    EXPECT_EQ(nullptr, bad);
    mmu_sparse_mem_destroy(nullptr); // allowed
}

TEST_F(Mem, CmpxchgStoresOnlyOnMatch)
{
    mmu_mem_ops_t ops = mmu_sparse_mem_ops(mem);
    uint64_t old = 0;
    ASSERT_EQ(0, mmu_sparse_mem_write64(mem, 0x2000, 5));
    ASSERT_EQ(0, ops.cmpxchg64(ops.ctx, 0x2000, 4, 9, &old));
    EXPECT_EQ(5u, old);
    EXPECT_EQ(5u, rd(0x2000));
    ASSERT_EQ(0, ops.cmpxchg64(ops.ctx, 0x2000, 5, 9, &old));
    EXPECT_EQ(5u, old);
    EXPECT_EQ(9u, rd(0x2000));
}

struct Ptb : Mem {
    mmu_ptb_t *b = nullptr;
    mmu_mem_ops_t ops = MMU_MEM_OPS_INIT;
    void make(unsigned levels)
    {
        ops = mmu_sparse_mem_ops(mem);
        ASSERT_EQ(0, mmu_ptb_create(&ops, levels, 0x100000, 0x100000, &b));
    }
    void TearDown() override
    {
        mmu_ptb_destroy(b);
        Mem::TearDown();
    }
    uint64_t entry(uint64_t va, unsigned level)
    {
        uint64_t pa = 0;
        EXPECT_EQ(0, mmu_ptb_entry_addr(b, va, level, &pa));
        return rd(pa);
    }
};

TEST_F(Ptb, Maps4KWithPermissiveTablesAndGivenLeafFlags)
{
    make(4);
    EXPECT_EQ(0x100000u, mmu_ptb_root(b));
    const uint64_t va = 0x00007f5c2a001000ull;
    ASSERT_EQ(0, mmu_ptb_map(b, va, 0x345000, 0x1000, MMU_PAGE_4K,
                             MMU_PTE_RW | MMU_PTE_XD | MMU_PTE_PKEY(3)));
    EXPECT_EQ(4u, mmu_ptb_tables(b));
    for (unsigned l = 4; l >= 2; l--)
        EXPECT_EQ(MMU_PTE_P | MMU_PTE_RW | MMU_PTE_US, entry(va, l) & 0xfff) << l;
    EXPECT_EQ(0x345000u | MMU_PTE_P | MMU_PTE_RW | MMU_PTE_XD | MMU_PTE_PKEY(3), entry(va, 1));
    uint64_t pa;
    ASSERT_EQ(0, mmu_ptb_entry_addr(b, va, 4, &pa));
    EXPECT_EQ(0x100000u + 8 * 254, pa); // PML4 index of the SDM-style worked example
}

TEST_F(Ptb, LargePagesSetPsAndKeepPat)
{
    make(5);
    ASSERT_EQ(0, mmu_ptb_map(b, 0x40000000, 0x80000000, 0x40000000, MMU_PAGE_1G, 1ull << 12));
    ASSERT_EQ(0, mmu_ptb_map(b, 0x200000, 0x400000, 0x400000, MMU_PAGE_2M, MMU_PTE_G));
    EXPECT_EQ(0x80000000u | (1ull << 12) | MMU_PTE_PS | MMU_PTE_P, entry(0x40000000, 3));
    EXPECT_EQ(0x600000u | MMU_PTE_G | MMU_PTE_PS | MMU_PTE_P, entry(0x400000, 2));
    uint64_t pa;
    EXPECT_EQ(MMU_ENOENT, mmu_ptb_entry_addr(b, 0x40000000, 2, &pa)); // below a 1G leaf
}

TEST_F(Ptb, RefusesConflictingSizesMisalignmentAndFullPool)
{
    make(4);
    ASSERT_EQ(0, mmu_ptb_map(b, 0x200000, 0x200000, 0x200000, MMU_PAGE_2M, 0));
    EXPECT_EQ(MMU_EEXIST, mmu_ptb_map(b, 0x201000, 0x1000, 0x1000, MMU_PAGE_4K, 0));
    ASSERT_EQ(0, mmu_ptb_map(b, 0x600000, 0x1000, 0x1000, MMU_PAGE_4K, 0));
    EXPECT_EQ(MMU_EEXIST, mmu_ptb_map(b, 0x600000, 0x200000, 0x200000, MMU_PAGE_2M, 0));
    EXPECT_EQ(MMU_EINVAL, mmu_ptb_map(b, 0x1000, 0x200000, 0x200000, MMU_PAGE_2M, 0));
    EXPECT_EQ(MMU_EINVAL, mmu_ptb_map(b, 0x1000, 0x1001, 0x1000, MMU_PAGE_4K, 0));
    // 0x100000 of pool = 256 tables; each new 1G-apart 4K page needs 2 more.
    int rc = 0;
    for (uint64_t i = 1; i < 200 && rc == 0; i++)
        rc = mmu_ptb_map(b, i << 30, 0x1000, 0x1000, MMU_PAGE_4K, 0);
    EXPECT_EQ(MMU_ENOSPC, rc);
    EXPECT_EQ(256u, mmu_ptb_tables(b));
}

// prefetch_find (what mmu_translate_batch calls before peeking a level-1
// word) is offered by the sparse memory and changes nothing: any address,
// backed or not, aligned or not, in range or not.
TEST(SparseMem, PrefetchFindIsOfferedAndChangesNothing)
{
    mmu_sparse_mem_t *m = nullptr;
    ASSERT_EQ(0, mmu_sparse_mem_create(40, &m));
    ASSERT_EQ(0, mmu_sparse_mem_write64(m, 0x5000, 0x1234));
    ASSERT_EQ(0, mmu_sparse_mem_write64(m, (1ull << 39) + 0x8, 0x99)); // another mid node's frame
    const mmu_mem_ops_t ops = mmu_sparse_mem_ops(m);
    ASSERT_NE(nullptr, ops.prefetch_find);
    ASSERT_NE(nullptr, ops.peek64);
    for (const uint64_t pa : {0x5000ull, 0x5008ull, 0x5003ull, 0x6000ull, 0x0ull, (1ull << 39) + 8,
                              (1ull << 38) + 0x1000, (1ull << 40) - 8, 1ull << 40, ~0ull})
        ops.prefetch_find(ops.ctx, pa);
    EXPECT_EQ(2u, mmu_sparse_mem_frames(m));
    uint64_t v = 0;
    EXPECT_EQ(0, mmu_sparse_mem_read64(m, 0x5000, &v));
    EXPECT_EQ(0x1234u, v);
    EXPECT_EQ(0, mmu_sparse_mem_read64(m, 0x6000, &v));
    EXPECT_EQ(0u, v);
    // An older host's layout (up to peek64) gets no prefetch_find written.
    mmu_mem_ops_t old;
    std::memset(&old, 0xab, sizeof old);
    ASSERT_EQ(0, mmu_sparse_mem_ops_init(m, &old, offsetof(mmu_mem_ops_t, prefetch_find)));
    unsigned char tail[sizeof old.prefetch_find];
    std::memset(tail, 0xab, sizeof tail);
    EXPECT_EQ(0, std::memcmp(&old.prefetch_find, tail, sizeof tail));
    EXPECT_NE(nullptr, old.peek64);
    mmu_sparse_mem_destroy(m);
}

} // namespace
