/* SPDX-License-Identifier: Apache-2.0 */
// Statistics (include/mmu/mmu_stats.h, model/stats.c, counting in model/mmu.c):
// every counter says exactly what it counts. The definitions under test:
//  - every lookup is a hit or a miss, per level and per array;
//  - a lookup that misses counts each time it misses (a demand-paged first touch
//    misses twice: the faulting lookup and the retry, since a fault caches nothing);
//  - a D-assist is a hit that needs a walk: a hit and a D-assist, never a miss;
//  - walks = miss walks + fault-retry walks + D-assist walks + rights re-walks.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <sstream>

#include "mmu/mmu.h"
#include "mmu/mmu_mem.h"
#include "mmu/mmu_stats.h"

namespace {

constexpr uint64_t kBase = 0x0000100000000000ull;
constexpr uint64_t kFrames = 0x10000000;

struct Stats : ::testing::Test {
    mmu_sparse_mem_t *mem = nullptr;
    mmu_mem_ops_t ops = MMU_MEM_OPS_INIT;
    mmu_ptb_t *pt = nullptr;
    mmu_t *mmu = nullptr;
    mmu_config_t cfg{};

    void SetUp() override { mmu_config_init(&cfg); }
    void TearDown() override
    {
        mmu_destroy(mmu);
        mmu_ptb_destroy(pt);
        mmu_sparse_mem_destroy(mem);
    }
    void make()
    {
        ASSERT_EQ(0, mmu_sparse_mem_create(46, &mem));
        ops = mmu_sparse_mem_ops(mem);
        ASSERT_EQ(0, mmu_ptb_create(&ops, 4, 0x100000, 0x800000, &pt));
        mmu_err_t err{};
        ASSERT_EQ(0, mmu_create(&cfg, &ops, &mmu, &err)) << err.msg;
        mmu_ctrl_t c{};
        c.cr0 = MMU_CR0_WP;
        c.cr3 = mmu_ptb_root(pt);
        c.efer = MMU_EFER_NXE;
        ASSERT_EQ(0, mmu_set_ctrl(mmu, &c, &err)) << err.msg;
    }
    void map(uint64_t va, uint64_t len, uint64_t flags = MMU_PTE_RW | MMU_PTE_US)
    {
        ASSERT_EQ(0, mmu_ptb_map(pt, va, kFrames + (va - kBase), len, MMU_PAGE_4K, flags));
    }
    mmu_result_t acc(uint64_t la, mmu_access_t t = MMU_ACC_READ, uint8_t flags = 0)
    {
        mmu_req_t r = MMU_REQ_INIT;
        r.la = la;
        r.type = uint8_t(t);
        r.cpl = 3;
        r.flags = flags;
        mmu_result_t res{};
        EXPECT_EQ(0, mmu_translate(mmu, &r, &res));
        return res;
    }
    mmu_stats_t stats()
    {
        mmu_stats_t s;
        mmu_get_stats(mmu, &s);
        return s;
    }
};

// The identities every set of counters satisfies, whatever happened.
void expect_consistent(const mmu_stats_t &s)
{
    const struct {
        const char *name;
        uint64_t lookups, hits, misses, h4k, h2m, h1g;
    } lv[] = {{"l1i", s.l1i_lookups, s.l1i_hits, s.l1i_misses, s.l1i_4k_hits, s.l1i_2m_hits,
               s.l1i_1g_hits},
              {"l1d", s.l1d_lookups, s.l1d_hits, s.l1d_misses, s.l1d_4k_hits, s.l1d_2m_hits,
               s.l1d_1g_hits},
              {"l2", s.l2_lookups, s.l2_hits, s.l2_misses, s.l2_4k_hits, s.l2_2m_hits,
               s.l2_1g_hits}};
    for (const auto &l : lv) {
        SCOPED_TRACE(l.name);
        EXPECT_EQ(l.lookups, l.hits + l.misses);
        EXPECT_EQ(l.hits, l.h4k + l.h2m + l.h1g);
    }
    // An L1 lookup per translation but a #GP; an L2 lookup per L1 miss.
    EXPECT_EQ(s.translations - s.faults_gp, s.l1i_lookups + s.l1d_lookups);
    EXPECT_EQ(s.l1i_misses + s.l1d_misses, s.l2_lookups);
    EXPECT_EQ(s.walks, s.walks_miss + s.walks_retry + s.d_assists + s.walks_rewalk);
    // A miss walk or a retry walk is made exactly when L2 misses.
    EXPECT_EQ(s.l2_misses, s.walks_miss + s.walks_retry);
    EXPECT_EQ(s.walks, s.walks_fault + s.walks_4k + s.walks_2m + s.walks_1g);
}

TEST_F(Stats, DemandPagedFirstTouchMissesTwiceAndTheDAssistIsAHit)
{
    make();
    // Read: nothing mapped, a #PF, and nothing is cached.
    EXPECT_EQ(MMU_FAULT_PF, acc(kBase).fault.kind);
    // The OS maps the page (A/D clear) and the access is retried: it misses again.
    map(kBase, 0x1000);
    mmu_result_t r = acc(kBase, MMU_ACC_READ, MMU_REQ_RETRY);
    EXPECT_EQ(MMU_SERVED_WALK, r.served);
    // Write: an L1 hit on an entry cached with D=0, so it walks to set D.
    r = acc(kBase + 8, MMU_ACC_WRITE);
    EXPECT_EQ(1, r.d_assist);
    // Read: a plain hit.
    EXPECT_EQ(MMU_SERVED_L1, acc(kBase + 16).served);
    const mmu_stats_t s = stats();
    expect_consistent(s);
    EXPECT_EQ(4u, s.l1d_lookups);
    EXPECT_EQ(2u, s.l1d_hits);
    EXPECT_EQ(2u, s.l1d_misses);
    EXPECT_EQ(2u, s.l2_lookups);
    EXPECT_EQ(2u, s.l2_misses);
    EXPECT_EQ(3u, s.walks);
    EXPECT_EQ(1u, s.walks_miss);
    EXPECT_EQ(1u, s.walks_retry);
    EXPECT_EQ(1u, s.d_assists);
    EXPECT_EQ(0u, s.walks_rewalk);
    EXPECT_EQ(1u, s.walks_fault);
    EXPECT_EQ(2u, s.walks_4k); // the retry and the D-assist
}

TEST_F(Stats, RetryFlagOnlyChangesWhichWalkCounterCounts)
{
    make();
    map(kBase, 0x2000);
    acc(kBase);                                    // a miss walk
    acc(kBase + 0x1000, MMU_ACC_READ, MMU_REQ_RETRY); // a retry walk
    acc(kBase, MMU_ACC_READ, MMU_REQ_RETRY);       // a hit: the flag changes nothing
    const mmu_stats_t s = stats();
    expect_consistent(s);
    EXPECT_EQ(1u, s.walks_miss);
    EXPECT_EQ(1u, s.walks_retry);
    EXPECT_EQ(1u, s.l1d_hits);
    EXPECT_EQ(2u, s.l1d_misses);
}

TEST_F(Stats, DeniedHitReWalkedIsARewalkAndAHit)
{
    cfg.fault_rewalk = 1;
    make();
    map(kBase, 0x1000, MMU_PTE_US); // read-only
    acc(kBase);                     // miss walk, cached
    EXPECT_EQ(MMU_FAULT_PF, acc(kBase, MMU_ACC_WRITE).fault.kind);
    const mmu_stats_t s = stats();
    expect_consistent(s);
    EXPECT_EQ(1u, s.walks_rewalk);
    EXPECT_EQ(1u, s.walks_fault);
    EXPECT_EQ(1u, s.l1d_hits);
    EXPECT_EQ(1u, s.l1d_misses);
    EXPECT_EQ(0u, s.faults_from_tlb);
}

TEST_F(Stats, DeniedHitFaultedFromTheTlbIsAHitWithoutAWalk)
{
    make();
    map(kBase, 0x1000, MMU_PTE_US);
    acc(kBase);
    EXPECT_EQ(MMU_FAULT_PF, acc(kBase, MMU_ACC_WRITE).fault.kind);
    const mmu_stats_t s = stats();
    expect_consistent(s);
    EXPECT_EQ(1u, s.walks);
    EXPECT_EQ(1u, s.faults_from_tlb);
    EXPECT_EQ(1u, s.l1d_hits);
}

TEST_F(Stats, NonCanonicalAddressIsNoLookup)
{
    make();
    acc(0x0000800000000000ull);
    const mmu_stats_t s = stats();
    expect_consistent(s);
    EXPECT_EQ(1u, s.translations);
    EXPECT_EQ(1u, s.faults_gp);
    EXPECT_EQ(0u, s.l1d_lookups);
    EXPECT_EQ(0u, s.walks);
}

// With pre-mapped pages (A and D already set, so no D-assist), a stream's TLB
// misses equal the pages it brings in while they fit.
TEST_F(Stats, PreMappedStreamMissesEqualItsPagesWhileTheyFit)
{
    make();
    const unsigned pages = 48; // below the default L1D's 64 4K entries
    map(kBase, pages * 0x1000ull,
        MMU_PTE_RW | MMU_PTE_US | MMU_PTE_A | MMU_PTE_D);
    for (int lap = 0; lap < 3; lap++)
        for (uint64_t off = 0; off < pages * 0x1000ull; off += 64)
            acc(kBase + off, (off / 64) % 4 == 3 ? MMU_ACC_WRITE : MMU_ACC_READ);
    const mmu_stats_t s = stats();
    expect_consistent(s);
    EXPECT_EQ(pages, s.l1d_misses);
    EXPECT_EQ(pages, s.l2_misses);
    EXPECT_EQ(pages, s.walks);
    EXPECT_EQ(0u, s.d_assists);
    EXPECT_EQ(3ull * pages * 64, s.l1d_lookups);
}

// The identities hold over a random mix of everything that changes counters:
// reads, writes and fetches at both CPLs, faults, retries, D-assists,
// invalidations and remapping.
TEST_F(Stats, IdentitiesHoldOverARandomMix)
{
    cfg.l1d.arr[0] = {8, 2, MMU_SIZE_4K, MMU_REPL_LRU, MMU_INDEX_LOW, 0};
    cfg.l2.arr[0] = {16, 4, MMU_SIZE_4K | MMU_SIZE_2M, MMU_REPL_LRU, MMU_INDEX_LOW, 0};
    make();
    std::mt19937_64 rng(42);
    const unsigned npages = 64;
    for (unsigned p = 0; p < npages; p += 2) // half the pages mapped, some read-only
        map(kBase + p * 0x1000ull, 0x1000,
            MMU_PTE_US | (p % 6 ? MMU_PTE_RW : 0));
    mmu_stats_t before{};
    for (int i = 0; i < 20000; i++) {
        const uint64_t la = kBase + (rng() % npages) * 0x1000 + (rng() % 512) * 8;
        const auto t = mmu_access_t(rng() % 3);
        mmu_req_t r = MMU_REQ_INIT;
        r.la = (rng() % 50 == 0) ? la ^ (1ull << 47) : la; // now and then a #GP
        r.type = uint8_t(t);
        r.cpl = uint8_t(rng() % 2 ? 3 : 0);
        r.flags = uint8_t(rng() % 7 == 0 ? MMU_REQ_RETRY : 0);
        mmu_result_t res{};
        ASSERT_EQ(0, mmu_translate(mmu, &r, &res));
        if (rng() % 100 == 0)
            mmu_invlpg(mmu, la);
        if (i == 10000)
            before = stats();
    }
    const mmu_stats_t all = stats();
    expect_consistent(all);
    mmu_stats_t d;
    mmu_stats_diff(&d, &all, &before); // a warm-up removed keeps them too
    expect_consistent(d);
    EXPECT_GT(all.walks_fault, 0u);
    EXPECT_GT(all.walks_retry, 0u);
    EXPECT_GT(all.d_assists, 0u);
    EXPECT_GT(all.faults_from_tlb, 0u);
    EXPECT_GT(all.faults_gp, 0u);
}

// The printed table agrees with the counters: a level's row and its arrays'
// rows are the counters, not something recomputed differently.
TEST_F(Stats, PrintedTableShowsTheCounters)
{
    make();
    map(kBase, 0x3000);
    acc(kBase);
    acc(kBase + 0x1000);
    acc(kBase);
    const mmu_stats_t s = stats();
    char *buf = nullptr;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ASSERT_NE(nullptr, f);
    mmu_stats_print(f, &s, &cfg);
    fclose(f);
    const std::string out(buf, len);
    free(buf);
    // L1D: 3 lookups, 1 hit, 2 misses; its 4k array the same; its 2m array 0 hits.
    EXPECT_NE(std::string::npos, out.find("L1D  all                  3              1              2"))
        << out;
    EXPECT_NE(std::string::npos, out.find("     4k                   3              1              2"))
        << out;
    EXPECT_NE(std::string::npos, out.find("     2m                   3              0              3"))
        << out;
    EXPECT_NE(std::string::npos, out.find("walks 2 = miss 2 + fault-retry 0 + D-assist 0"))
        << out;
}

} // namespace

namespace {

// The JSON form has every counter, by its name, with its value, in order.
TEST(StatsJson, EveryCounterByNameWithItsValue)
{
    mmu_stats_t s{};
    for (unsigned i = 0; i < mmu_stats_count(); i++) {
        const uint64_t v = 1000003ull * i + 7;
        std::memcpy(reinterpret_cast<char *>(&s) + i * sizeof v, &v, sizeof v);
    }
    char *buf = nullptr;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ASSERT_NE(nullptr, f);
    mmu_stats_print_json_size(f, &s, sizeof s);
    fclose(f);
    const std::string out(buf, len);
    free(buf);
    ASSERT_EQ("{\n", out.substr(0, 2));
    ASSERT_EQ("\n}\n", out.substr(out.size() - 3));
    size_t at = 0;
    for (unsigned i = 0; i < mmu_stats_count(); i++) {
        EXPECT_EQ(1000003ull * i + 7, mmu_stats_get(&s, i));
        const std::string want = std::string("\"") + mmu_stats_name(i) + "\": " +
                                 std::to_string(1000003ull * i + 7) +
                                 (i + 1 < mmu_stats_count() ? ",\n" : "\n}");
        const size_t p = out.find(want, at);
        ASSERT_NE(std::string::npos, p) << want << " after byte " << at << " in\n" << out;
        at = p + want.size() - 1;
    }
}

// Without a configuration the table has a row per entry size that saw hits or
// fills; splintered fills and data lines get their lines only when counted.
TEST_F(Stats, TableWithoutConfigSplintersAndDataLines)
{
    make();
    map(kBase, 0x3000);
    acc(kBase);
    acc(kBase + 0x1000);
    acc(kBase);
    mmu_stats_t s = stats();
    auto print = [&](const mmu_stats_t &st) {
        char *buf = nullptr;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        EXPECT_NE(nullptr, f);
        mmu_stats_print(f, &st, nullptr);
        fclose(f);
        std::string out(buf, len);
        free(buf);
        return out;
    };
    std::string out = print(s);
    // The row under L1D's: 4K, 1 hit, 2 fills, 0 evictions; no 2M row (nothing
    // hit or filled).
    const size_t l1d = out.find("  L1D  all");
    ASSERT_NE(std::string::npos, l1d) << out;
    const size_t row = out.find('\n', l1d) + 1;
    std::istringstream words(out.substr(row, out.find('\n', row) - row));
    std::string size;
    uint64_t hits = 9, fills = 9, evictions = 9;
    words >> size >> hits >> fills >> evictions;
    EXPECT_EQ("4K", size) << out;
    EXPECT_EQ(1u, hits);
    EXPECT_EQ(2u, fills);
    EXPECT_EQ(0u, evictions);
    EXPECT_EQ(std::string::npos, out.find("\n       2M ")) << out;
    EXPECT_EQ(std::string::npos, out.find("splintered")) << out;
    EXPECT_EQ(std::string::npos, out.find("data lines")) << out;
    s.l1i_splinters = 4;
    s.l1d_splinters = 5;
    s.l2_splinters = 6;
    s.data_l1_hits = 11;
    s.data_l2_hits = 12;
    s.data_llc_hits = 13;
    s.data_dram = 14;
    out = print(s);
    EXPECT_NE(std::string::npos, out.find("splintered fills (a page cached as smaller entries: no "
                                          "array of its size): L1I 4, L1D 5, L2 6\n"))
        << out;
    EXPECT_NE(std::string::npos, out.find("data lines served by L1 11, L2 12, LLC 13, DRAM 14\n"))
        << out;
}

} // namespace
