/* SPDX-License-Identifier: Apache-2.0 */
// Configuration defaults and validation (model/config.c), and error names.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "mmu/mmu.h"
#include "mmu/mmu_mem.h"

namespace {

TEST(Config, DefaultsAreValid)
{
    mmu_config_t c;
    mmu_config_init(&c);
    mmu_err_t err{};
    EXPECT_EQ(0, mmu_config_validate(&c, &err));
    EXPECT_EQ(46u, c.maxphyaddr);
    EXPECT_EQ(1u, c.page_1g);
    EXPECT_EQ(unsigned(MMU_AD_ON_FAULT_NONE), c.ad_on_fault);
}

TEST(Config, EachBadFieldIsNamed)
{
    struct Case {
        void (*edit)(mmu_config_t *);
        const char *msg;
    } cases[] = {
        {[](mmu_config_t *c) { c->maxphyaddr = 35; }, "maxphyaddr=35: must be 36..52"},
        {[](mmu_config_t *c) { c->maxphyaddr = 53; }, "maxphyaddr=53: must be 36..52"},
        {[](mmu_config_t *c) { c->page_1g = 2; }, "page_1g=2: must be 0 or 1"},
        {[](mmu_config_t *c) { c->ad_on_fault = 7; }, "ad_on_fault=7"},
        {[](mmu_config_t *c) { c->ad_retry_limit = 0; }, "ad_retry_limit=0: must be >= 1"},
        // Size limits: each array, PSCs included, and each cache-model level.
        {[](mmu_config_t *c) { c->l2.arr[0].entries = 64u << 20; c->l2.arr[0].ways = 16; },
         "l2[0]: entries=67108864: must be <= 1048576"},
        {[](mmu_config_t *c) { c->psc[2].arr = {8192, 8192, 0, 0, 0, 0}; },
         "psc.pde: entries=8192, ways=8192: a fully-associative array holds at most 4096"},
        {[](mmu_config_t *c) { c->memlat[2].sets = 2u << 20; },
         "memlat.llc.sets=2097152: must be <= 1048576"},
        {[](mmu_config_t *c) { c->memlat[1].ways = 65; }, "memlat.l2.ways=65: must be <= 64"},
        {[](mmu_config_t *c) { c->memlat[2] = {1u << 20, 8, 42, 0, 0}; },
         "memlat.llc.ways=8: sets x ways = 8388608 lines: must be <= 4194304"},
        {[](mmu_config_t *c) { c->memlat_line = 8192; },
         "memlat.line=8192: must be a power of two, 8..4096"},
        {[](mmu_config_t *c) { c->frequency_mhz = 100001; },
         "frequency_mhz=100001: must be 0 (not set) or 1..100000"},
        {[](mmu_config_t *c) { c->data_lines = 2; }, "memlat.data_lines=2: must be 0 or 1"},
        {[](mmu_config_t *c) { c->coalesce = 3; }, "coalesce=3: must be 0, 1, 2, 4 or 8"},
        {[](mmu_config_t *c) { c->coalesce = 16; }, "coalesce=16: must be 0, 1, 2, 4 or 8"},
        {[](mmu_config_t *c) { c->memlat[2].victim = 2; }, "memlat.llc.victim=2: must be 0 or 1"},
        {[](mmu_config_t *c) { c->memlat[1].pair = 2; }, "memlat.l2.pair=2: must be 0 or 1"},
        {[](mmu_config_t *c) { c->memlat[0].victim = 1; },
         "memlat.l1.victim=1: needs a cache level above it to take victims from"},
        {[](mmu_config_t *c) {
             c->memlat[0].sets = 0;
             c->memlat[1].sets = 0;
             c->memlat[2].victim = 1;
         },
         "memlat.llc.victim=1: needs a cache level above it"},
    };
    for (const Case &k : cases) {
        mmu_config_t c;
        mmu_config_init(&c);
        k.edit(&c);
        mmu_err_t err{};
        EXPECT_EQ(MMU_EINVAL, mmu_config_validate(&c, &err));
        EXPECT_EQ(MMU_EINVAL, err.code);
        EXPECT_NE(std::string::npos, std::string(err.msg).find(k.msg)) << err.msg;
        // mmu_create refuses the same config with the same message.
        mmu_t *m = reinterpret_cast<mmu_t *>(1);
        mmu_mem_ops_t ops = MMU_MEM_OPS_INIT;
        EXPECT_EQ(MMU_EINVAL, mmu_create(&c, &ops, &m, &err));
        EXPECT_EQ(nullptr, m);
        EXPECT_NE(std::string::npos, std::string(err.msg).find(k.msg)) << err.msg;
    }
}

TEST(Config, TheLargestAllowedSizesAreValid)
{
    mmu_config_t c;
    mmu_config_init(&c);
    c.l2.arr[0] = {MMU_ARRAY_MAX_ENTRIES, MMU_ARRAY_MAX_WAYS, MMU_SIZE_4K | MMU_SIZE_2M, 0, 0, 0};
    c.l2.arr[1] = {MMU_ARRAY_MAX_FA, MMU_ARRAY_MAX_FA, MMU_SIZE_1G, 0, 0, 0};
    c.memlat[2] = {1u << 16, MMU_MEMLAT_MAX_WAYS, 42, 0, 0}; /* 4 M lines */
    c.memlat_line = MMU_MEMLAT_MAX_LINE;
    mmu_err_t err{};
    EXPECT_EQ(0, mmu_config_validate(&c, &err)) << err.msg;
    // ... and an MMU of that size can be built (about 100 MB of host memory).
    mmu_sparse_mem_t *mem = nullptr;
    ASSERT_EQ(0, mmu_sparse_mem_create(46, &mem));
    mmu_mem_ops_t ops = mmu_sparse_mem_ops(mem);
    mmu_t *m = nullptr;
    EXPECT_EQ(0, mmu_create(&c, &ops, &m, &err)) << err.msg;
    mmu_destroy(m);
    mmu_sparse_mem_destroy(mem);
}

// The settings of this file's siblings that the library leaves off by default,
// and the values that are allowed.
TEST(Config, FrequencyDataLinesCoalesceAndVictimDefaultOffAndTakeTheirRanges)
{
    mmu_config_t c;
    mmu_config_init(&c);
    EXPECT_EQ(0u, c.frequency_mhz);
    EXPECT_EQ(0u, c.data_lines);
    EXPECT_EQ(0u, c.coalesce);
    for (const auto &m : c.memlat)
        EXPECT_EQ(0u, m.victim);
    mmu_err_t err{};
    for (unsigned f : {1u, 4700u, 100000u}) {
        c.frequency_mhz = f;
        EXPECT_EQ(0, mmu_config_validate(&c, &err)) << err.msg;
    }
    for (unsigned n : {0u, 1u, 2u, 4u, 8u}) {
        c.coalesce = n;
        EXPECT_EQ(0, mmu_config_validate(&c, &err)) << err.msg;
    }
    c.data_lines = 1;
    c.memlat[1].victim = 1; // an L2 taking the L1's victims is allowed too
    c.memlat[2].victim = 1;
    EXPECT_EQ(0, mmu_config_validate(&c, &err)) << err.msg;
    // With a host latency callback, data lines are simply not charged.
    c.memlat_cb = [](void *, uint64_t, int, uint64_t) -> unsigned { return 1; };
    EXPECT_EQ(0, mmu_config_validate(&c, &err)) << err.msg;
}

TEST(Config, ErrorNamesComeFromOneList)
{
    EXPECT_STREQ("OK", mmu_err_name(0));
    EXPECT_STREQ("EINVAL", mmu_err_name(MMU_EINVAL));
    EXPECT_STREQ("ERETRY", mmu_err_name(MMU_ERETRY));
    EXPECT_STREQ("UNKNOWN", mmu_err_name(12345));
    EXPECT_STREQ("physical address beyond MAXPHYADDR", mmu_strerror(MMU_ERANGE));
    EXPECT_STREQ("unknown error", mmu_strerror(-999));
}

// cfg.memlat_plru: 0 (true LRU) by default; else a power of two, 2..ways,
// that divides the level's ways; ignored for an absent level.
TEST(Config, MemlatPlruIsLruByDefaultAndTakesPowersOfTwoThatDivideTheWays)
{
    mmu_config_t c;
    mmu_config_init(&c);
    for (unsigned g : c.memlat_plru)
        EXPECT_EQ(0u, g);
    mmu_err_t err{};
    c.memlat[0] = {64, 12, 5, 0, 0};
    for (unsigned g : {0u, 2u, 4u}) {
        c.memlat_plru[0] = g;
        EXPECT_EQ(0, mmu_config_validate(&c, &err)) << g << ": " << err.msg;
    }
    for (unsigned g : {1u, 3u, 8u, 16u, 12u}) {
        c.memlat_plru[0] = g;
        EXPECT_EQ(MMU_EINVAL, mmu_config_validate(&c, &err)) << g;
        EXPECT_NE(nullptr, strstr(err.msg, "memlat.l1_plru=")) << err.msg;
    }
    c.memlat_plru[0] = 0;
    c.memlat_plru[1] = 4; // L2: 4 ways
    EXPECT_EQ(0, mmu_config_validate(&c, &err)) << err.msg;
    c.memlat_plru[2] = 32; // LLC: 16 ways
    EXPECT_EQ(MMU_EINVAL, mmu_config_validate(&c, &err));
    EXPECT_NE(nullptr, strstr(err.msg, "memlat.llc_plru=32")) << err.msg;
    c.memlat[2].sets = 0; // absent: nothing to replace
    EXPECT_EQ(0, mmu_config_validate(&c, &err)) << err.msg;
}

} // namespace

namespace {

// MMU_OK has its own message, not "unknown error".
TEST(Errors, SuccessHasItsMessage)
{
    EXPECT_STREQ("success", mmu_strerror(MMU_OK));
    EXPECT_STRNE(mmu_strerror(-999), mmu_strerror(MMU_OK));
}

} // namespace
