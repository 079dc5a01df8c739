// SPDX-License-Identifier: Apache-2.0
// The stack-distance engine of `mmusim sweep` (model/cli/sweep_stack.c): depths
// equal a plain per-set LRU list's, hits at every way count equal the model's
// own LRU TLB arrays (tlb.c) of that geometry, and the conditions under which a
// sweep may use it.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <list>
#include <random>
#include <vector>

extern "C" {
#include "mmu/mmu_config.h"
#include "sweep_stack.h"
#include "tlb.h"
}

namespace {

// A plain LRU stack per set: depth = position in its set's list (1 = front).
struct ListLru {
    explicit ListLru(unsigned sets) : s(sets) {}
    uint64_t ref(uint64_t k0, uint32_t k1)
    {
        auto &l = s[k0 & (s.size() - 1)];
        uint64_t d = 1;
        for (auto it = l.begin(); it != l.end(); ++it, ++d)
            if (it->first == k0 && it->second == k1) {
                l.erase(it);
                l.emplace_front(k0, k1);
                return d;
            }
        l.emplace_front(k0, k1);
        return 0;
    }
    std::vector<std::list<std::pair<uint64_t, uint32_t>>> s;
};

// Keys with locality: a hot set, a cold tail, and occasional new keys.
std::vector<uint64_t> stream(size_t n, unsigned keys, uint32_t seed)
{
    std::mt19937 g(seed);
    std::vector<uint64_t> v(n);
    for (auto &x : v) {
        const unsigned r = g() % 100;
        x = r < 60 ? g() % (keys / 16 + 1) : r < 95 ? g() % keys : g() % (keys * 8);
    }
    return v;
}

TEST(SweepStack, DepthsEqualAPlainLruListPerSet)
{
    for (unsigned sets : {1u, 4u, 64u}) {
        sd_lru_t s;
        ASSERT_EQ(sd_lru_init(&s, sets), 0);
        ListLru ref(sets);
        // Long enough that every set's time line is renumbered many times.
        const auto keys = stream(60000, 900, sets);
        for (size_t i = 0; i < keys.size(); i++) {
            const uint32_t k1 = (uint32_t)(keys[i] % 3); // keys differing in k1 only
            const uint64_t got = sd_lru_ref(&s, keys[i], k1, nullptr);
            ASSERT_EQ(got, ref.ref(keys[i], k1)) << "sets " << sets << " ref " << i;
        }
        sd_lru_free(&s);
    }
}

TEST(SweepStack, FirstReferenceHasNoDepthAndRepeatIsDepthOne)
{
    sd_lru_t s;
    ASSERT_EQ(sd_lru_init(&s, 2), 0);
    EXPECT_EQ(sd_lru_ref(&s, 10, 0, nullptr), 0u);
    EXPECT_EQ(sd_lru_ref(&s, 10, 0, nullptr), 1u);
    EXPECT_EQ(sd_lru_ref(&s, 12, 0, nullptr), 0u); // same set (even)
    EXPECT_EQ(sd_lru_ref(&s, 11, 0, nullptr), 0u); // the other set
    EXPECT_EQ(sd_lru_ref(&s, 10, 0, nullptr), 2u); // 12 since, not 11
    EXPECT_EQ(sd_lru_ref(&s, 10, 1, nullptr), 0u); // another k1: another key
    sd_lru_free(&s);
}

// The hits an LRU array of sets x ways gets are the references of depth
// 1..ways: checked against tlb.c's arrays, not a second model of LRU.
TEST(SweepStack, HitsAtEveryWayCountEqualTheModelsLruArrays)
{
    const unsigned sets_list[] = {1, 8, 32};
    const unsigned ways_list[] = {1, 2, 3, 4, 8, 12, 16, 64};
    const auto keys = stream(40000, 1500, 7);
    for (unsigned sets : sets_list) {
        sd_lru_t s;
        ASSERT_EQ(sd_lru_init(&s, sets), 0);
        std::vector<uint64_t> depth(keys.size());
        for (size_t i = 0; i < keys.size(); i++)
            depth[i] = sd_lru_ref(&s, keys[i], 0, nullptr);
        sd_lru_free(&s);
        for (unsigned ways : ways_list) {
            if (sets == 1 && ways > 1 && ways < 64)
                continue; // fully associative: 1 and 64 entries are enough here
            mmu_array_cfg_t c;
            std::memset(&c, 0, sizeof c);
            c.entries = sets * ways;
            c.ways = ways;
            c.sizes = 1;
            c.repl = MMU_REPL_LRU;
            c.index = MMU_INDEX_LOW;
            mmu_tlb_t t;
            ASSERT_EQ(mmu_tlb_init(&t, &c, 1, 1, "t", nullptr), 0);
            uint64_t hits = 0, want = 0;
            for (size_t i = 0; i < keys.size(); i++) {
                const uint64_t la = keys[i] << 12;
                if (mmu_tlb_lookup(&t, la, 0)) {
                    hits++;
                } else {
                    mmu_tlb_entry_t e;
                    std::memset(&e, 0, sizeof e);
                    mmu_tlb_fill(&t, la, &e, nullptr);
                }
                want += depth[i] >= 1 && depth[i] <= ways;
            }
            mmu_tlb_free(&t);
            EXPECT_EQ(want, hits) << sets << " sets x " << ways << " ways";
        }
    }
}

class SweepStackCheck : public ::testing::Test {
protected:
    void SetUp() override
    {
        mmu_config_init(&cfg[0]);
        ASSERT_EQ(mmu_config_preset(&cfg[0], "skylake", nullptr), 0);
        // skylake's L2: one array of 4K and 2M pages, 1536 x 12, XOR-indexed;
        // and one of 1G pages.
        cfg[0].l2.arr[0].index = MMU_INDEX_LOW;
        cfg[1] = cfg[0];
        cfg[1].l2.arr[0].entries = 768;
    }
    int check(unsigned *arr) { return sw_stack_check(cfg, 2, arr, why, sizeof why); }
    mmu_config_t cfg[2];
    char why[512] = "";
};

TEST_F(SweepStackCheck, AllowsOneLruArraysEntriesAndWays)
{
    unsigned arr = 9;
    ASSERT_EQ(check(&arr), 0) << why;
    EXPECT_EQ(arr, 0u);
    cfg[1].l2.arr[0].ways = 6;
    EXPECT_EQ(check(&arr), 0) << why;
}

TEST_F(SweepStackCheck, RefusesOtherReplacement)
{
    unsigned arr;
    cfg[0].l2.arr[0].repl = cfg[1].l2.arr[0].repl = MMU_REPL_FIFO;
    EXPECT_EQ(check(&arr), -1);
    EXPECT_NE(std::strstr(why, "replacement is fifo"), nullptr) << why;
}

TEST_F(SweepStackCheck, RefusesXorIndexingButNotOnOneSet)
{
    unsigned arr;
    cfg[1].l2.arr[0].index = MMU_INDEX_XOR;
    cfg[0].l2.arr[0].index = MMU_INDEX_XOR;
    EXPECT_EQ(check(&arr), -1);
    EXPECT_NE(std::strstr(why, "XOR"), nullptr) << why;
    cfg[0].l2.arr[0].ways = cfg[0].l2.arr[0].entries = 64; // fully associative
    cfg[1].l2.arr[0].ways = cfg[1].l2.arr[0].entries = 128;
    EXPECT_EQ(check(&arr), 0) << why;
}

TEST_F(SweepStackCheck, RefusesAnInclusiveL2AndCoalescing)
{
    unsigned arr;
    cfg[0].l2_inclusive = cfg[1].l2_inclusive = 1;
    EXPECT_EQ(check(&arr), -1);
    EXPECT_NE(std::strstr(why, "inclusive"), nullptr) << why;
    cfg[0].l2_inclusive = cfg[1].l2_inclusive = 0;
    cfg[0].coalesce = cfg[1].coalesce = 4;
    EXPECT_EQ(check(&arr), -1);
    EXPECT_NE(std::strstr(why, "coalescing"), nullptr) << why;
}

TEST_F(SweepStackCheck, RefusesAnyOtherDifference)
{
    unsigned arr;
    cfg[1].l2.latency = cfg[0].l2.latency + 1;
    EXPECT_EQ(check(&arr), -1);
    EXPECT_NE(std::strstr(why, "more than the L2 array's entries and ways"), nullptr) << why;
    cfg[1].l2.latency = cfg[0].l2.latency;
    cfg[1].l2.arr[1].entries = 8; // the 1G array too
    cfg[1].l2.arr[1].ways = 8;
    EXPECT_EQ(check(&arr), -1);
    EXPECT_NE(std::strstr(why, "more than one L2 array"), nullptr) << why;
}

TEST_F(SweepStackCheck, RefusesAnotherArrayHoldingTheSameSizes)
{
    unsigned arr;
    cfg[0].l2.arr[1].sizes |= MMU_SIZE_4K;
    cfg[1].l2.arr[1].sizes |= MMU_SIZE_4K;
    EXPECT_EQ(check(&arr), -1);
    EXPECT_NE(std::strstr(why, "holds page sizes it holds too"), nullptr) << why;
}

TEST_F(SweepStackCheck, RefusesAnAbsentArray)
{
    unsigned arr;
    cfg[1].l2.arr[0].entries = 0;
    EXPECT_EQ(check(&arr), -1);
    EXPECT_NE(std::strstr(why, "entries = 0"), nullptr) << why;
}

} // namespace
