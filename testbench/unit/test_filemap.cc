// SPDX-License-Identifier: Apache-2.0
// File-backed pages (workloads/os/filemap.c and the fault paths): clean pages
// dropped and read again on a refault, dirty shared pages written back with
// their contents, private pages copied on write.
#include <gtest/gtest.h>

#include "filemap.h"
#include "os_testutil.h"

using namespace ostest;

namespace {

constexpr uint64_t kRW = MMU_PTE_P | MMU_PTE_US | MMU_PTE_RW | MMU_PTE_XD;

TEST(Filemap, IndexFindsEntriesAndGrows)
{
    mmu_filemap_t *fm;
    ASSERT_EQ(mmu_filemap_create(&fm), 0);
    EXPECT_EQ(mmu_filemap_find(fm, 1, 2), nullptr);
    for (uint64_t i = 0; i < 5000; i++) {
        mmu_filemap_entry_t *e = mmu_filemap_get(fm, i % 3, i);
        ASSERT_NE(e, nullptr);
        e->page = uint32_t(i);
    }
    EXPECT_EQ(mmu_filemap_entries(fm), 5000u);
    for (uint64_t i = 0; i < 5000; i++) {
        mmu_filemap_entry_t *e = mmu_filemap_find(fm, i % 3, i);
        ASSERT_NE(e, nullptr);
        EXPECT_EQ(e->page, uint32_t(i));
        EXPECT_EQ(e->token, mmu_filemap_initial_token(i % 3, i));
    }
    mmu_filemap_destroy(fm);
}

mmu_aspace_cfg_t FileCfg(unsigned frames)
{
    mmu_aspace_cfg_t c = PureCfg(frames, "fifo");
    c.flush_young = 0;
    return c;
}

TEST(Filemap, CleanFilePagesAreDroppedAndARefaultReadsThem)
{
    Os os(FileCfg(4));
    ASSERT_EQ(os.create_rc, 0) << os.msg;
    ASSERT_EQ(os.Feed(Map(kBase, 16 * 4096, kRW, MMU_MAP_FILE_PRIVATE, 3, 0x10000)), 0) << os.msg;
    for (unsigned p = 0; p < 8; p++)
        ASSERT_EQ(os.Feed(Access(kBase + p * 4096ull)), 0);
    auto s = os.Stats();
    EXPECT_EQ(s.minor_faults, 8u); // files start cached
    EXPECT_EQ(s.file_drops, 4u);
    EXPECT_EQ(s.swap_outs + s.writebacks, 0u);
    // Page 0 was dropped: it is read from the file device now.
    ASSERT_EQ(os.Feed(Access(kBase)), 0);
    s = os.Stats();
    EXPECT_EQ(s.major_faults, 1u);
    EXPECT_EQ(s.file_reads, 1u);
    EXPECT_EQ(s.refaults, 1u);
    EXPECT_GT(s.io_wait_cycles, 0u);
    uint64_t t;
    ASSERT_EQ(mmu_aspace_peek(os.as, kBase, &t), 0);
    EXPECT_EQ(t, mmu_filemap_initial_token(3, 0x10));
}

TEST(Filemap, DirtySharedPagesAreWrittenBackWithTheirContents)
{
    Os os(FileCfg(4));
    ASSERT_EQ(os.create_rc, 0) << os.msg;
    ASSERT_EQ(os.Feed(Map(kBase, 16 * 4096, kRW, MMU_MAP_FILE_SHARED, 5, 0)), 0) << os.msg;
    ASSERT_EQ(mmu_aspace_poke(os.as, kBase + 8, 0xabcdef, os.msg, sizeof os.msg), 0) << os.msg;
    for (unsigned p = 1; p < 8; p++)
        ASSERT_EQ(os.Feed(Access(kBase + p * 4096ull)), 0);
    auto s = os.Stats();
    EXPECT_EQ(s.writebacks, 1u); // page 0 (D = 1)
    EXPECT_EQ(s.file_drops, 3u); // the clean ones
    EXPECT_EQ(mmu_aspace_file_dev(os.as)->writes, 1u);
    ASSERT_EQ(os.Feed(Access(kBase)), 0); // read back from the file
    uint64_t t;
    ASSERT_EQ(mmu_aspace_peek(os.as, kBase, &t), 0);
    EXPECT_EQ(t, 0xabcdefu);
    os.Check();
}

TEST(Filemap, AWriteToAPrivatePageCopiesItAndInvalidatesTheOldTranslation)
{
    Os os(FileCfg(16));
    ASSERT_EQ(os.create_rc, 0) << os.msg;
    ASSERT_EQ(os.Feed(Map(kBase, 4 * 4096, kRW, MMU_MAP_FILE_PRIVATE, 9, 0)), 0) << os.msg;
    mmu_result_t r1, r2;
    ASSERT_EQ(os.Feed(Access(kBase), &r1), 0); // read: the page cache page, read-only
    EXPECT_FALSE(r1.perms & MMU_PERM_W);
    ASSERT_EQ(os.Feed(Access(kBase, MMU_ACC_WRITE), &r2), 0); // copy on write
    EXPECT_EQ(r2.fault.kind, MMU_FAULT_NONE);
    EXPECT_NE(r2.pa, r1.pa);
    EXPECT_EQ(os.Stats().cow_faults, 1u);
    EXPECT_EQ(os.Stats().page_cache_pages, 1u); // the file's page stays cached
    uint64_t t;
    ASSERT_EQ(mmu_aspace_peek(os.as, kBase, &t), 0);
    EXPECT_EQ(t, mmu_filemap_initial_token(9, 0)); // a copy of it
    // A read now sees the copy, not the stale read-only translation.
    ASSERT_EQ(os.Feed(Access(kBase), &r1), 0);
    EXPECT_EQ(r1.pa, r2.pa);
    // A first write to another page copies straight away.
    ASSERT_EQ(os.Feed(Access(kBase + 4096, MMU_ACC_WRITE), &r1), 0);
    EXPECT_EQ(os.Stats().cow_faults, 2u);
    EXPECT_TRUE(r1.perms & MMU_PERM_W);
    os.Check();
}

TEST(Filemap, OutsideEveryMapIsAnonymousOrInvalidBySetting)
{
    for (unsigned mode : {1u, 2u}) {
        mmu_aspace_cfg_t c = FileCfg(16);
        c.implicit_vma = mode;
        Os os(c);
        ASSERT_EQ(os.Feed(Map(kBase, 4096, kRW, MMU_MAP_FILE_PRIVATE, 9, 0)), 0) << os.msg;
        mmu_result_t r;
        ASSERT_EQ(os.Feed(Access(kBase + (1 << 20)), &r), 0);
        EXPECT_EQ(r.fault.kind, mode == 2 ? MMU_FAULT_NONE : MMU_FAULT_PF) << mode;
        EXPECT_EQ(os.Stats().invalid_faults, mode == 2 ? 0u : 1u);
        const mmu_aspace_event_t *ev;
        ASSERT_EQ(mmu_aspace_events(os.as, &ev), mode == 2 ? 0u : 1u);
        if (mode == 1) {
            EXPECT_EQ(ev[0].kind, MMU_EV_SIGSEGV);
            EXPECT_EQ(ev[0].va, kBase + (1 << 20));
        }
    }
}

TEST(Filemap, SegvStopEndsTheRun)
{
    mmu_aspace_cfg_t c = FileCfg(16);
    c.segv_stop = 1;
    Os os(c);
    mmu_trec_t r = Access(0xffff800000000000ull);
    r.cpl = 3;
    EXPECT_EQ(os.Feed(r), MMU_ASPACE_STOP);
    EXPECT_STREQ(mmu_aspace_stop_reason(os.as), "SIGSEGV (segv_stop is set)");
}

} // namespace
