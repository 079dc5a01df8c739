// SPDX-License-Identifier: Apache-2.0
// mmu_translate_batch (model/batch.c) against the one-at-a-time loop it must
// equal: two identical worlds get the same random requests, one through the
// loop, one in batches, with the same invalidations, control-register writes
// and page-table edits between batches. Results, statistics and every read64
// and cmpxchg64 call (address, values, order) must match; peeks must happen
// (with peek64) and change nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "mmu/mmu.h"
#include "mmu/mmu_mem.h"
#include "mmu/mmu_stats.h"

#include "batch_plan.h"

namespace {

constexpr uint64_t kPool = 0x100000, kPoolSize = 0x400000;
constexpr uint64_t kVa4k = 0x00007f0000000000ull; // 512 4K pages
constexpr uint64_t kVa2m = 0x00007f4000000000ull; // 16 2M pages
constexpr uint64_t kVaHole = 0x00007f8000000000ull; // nothing mapped

struct Call {
    int kind; // 0 read64, 1 cmpxchg64
    uint64_t pa, a, b, c;
    int rc;
    bool operator==(const Call &o) const
    {
        return kind == o.kind && pa == o.pa && a == o.a && b == o.b && c == o.c && rc == o.rc;
    }
};

struct World {
    mmu_sparse_mem_t *mem = nullptr;
    mmu_mem_ops_t raw{};
    mmu_ptb_t *pt = nullptr;
    mmu_t *mmu = nullptr;
    std::vector<Call> calls;
    uint64_t peeks = 0;
    uint64_t fail_pa = ~0ull; // read64 of this word fails with MMU_EMEM

    static int read64(void *ctx, uint64_t pa, uint64_t *val)
    {
        World *w = static_cast<World *>(ctx);
        int rc = pa == w->fail_pa ? MMU_EMEM : w->raw.read64(w->raw.ctx, pa, val);
        w->calls.push_back({0, pa, rc ? 0 : *val, 0, 0, rc});
        return rc;
    }
    static int cmpxchg64(void *ctx, uint64_t pa, uint64_t expected, uint64_t desired,
                         uint64_t *old)
    {
        World *w = static_cast<World *>(ctx);
        int rc = w->raw.cmpxchg64(w->raw.ctx, pa, expected, desired, old);
        w->calls.push_back({1, pa, expected, desired, *old, rc});
        return rc;
    }
    // The look-ahead's prefetches in order: (pa, true) for prefetch_find,
    // (pa, false) for peek64 with val == NULL.
    std::vector<std::pair<uint64_t, bool>> prefetches;
    static int peek64(void *ctx, uint64_t pa, uint64_t *val)
    {
        World *w = static_cast<World *>(ctx);
        w->peeks++;
        if (!val)
            w->prefetches.emplace_back(pa, false);
        return w->raw.peek64(w->raw.ctx, pa, val);
    }
    static void prefetch_find(void *ctx, uint64_t pa)
    {
        World *w = static_cast<World *>(ctx);
        w->prefetches.emplace_back(pa, true);
        w->raw.prefetch_find(w->raw.ctx, pa);
    }

    // direct: the MMU gets the sparse memory's own operations, so the walk
    // and the look-ahead take their inline paths (no call is recorded).
    World(uint64_t seed, bool with_peek, const mmu_config_t &cfg, bool with_find = true,
          bool direct = false)
    {
        EXPECT_EQ(mmu_sparse_mem_create(46, &mem), 0);
        raw = mmu_sparse_mem_ops(mem);
        EXPECT_EQ(mmu_ptb_create(&raw, 4, kPool, kPoolSize, &pt), 0);
        // The same seed gives both worlds the same tables, word for word.
        std::mt19937_64 g(seed);
        for (uint64_t p = 0; p < 512; p++)
            EXPECT_EQ(mmu_ptb_map(pt, kVa4k + (p << 12), 0x40000000 + (p << 12), 4096,
                                  MMU_PAGE_4K, random_flags(g)),
                      0);
        for (uint64_t p = 0; p < 16; p++)
            EXPECT_EQ(mmu_ptb_map(pt, kVa2m + (p << 21), 0x80000000 + (p << 21), 1 << 21,
                                  MMU_PAGE_2M, random_flags(g)),
                      0);
        EXPECT_TRUE(raw.prefetch_find != nullptr); // the sparse memory offers it
        mmu_mem_ops_t ops{sizeof(mmu_mem_ops_t), read64, cmpxchg64, this,
                          with_peek ? peek64 : nullptr,
                          with_find && raw.prefetch_find ? prefetch_find : nullptr};
        mmu_err_t err{};
        EXPECT_EQ(mmu_create(&cfg, direct ? &raw : &ops, &mmu, &err), 0) << err.msg;
    }
    // 4-level paging (CR0.PE|PG, CR4.PAE, EFER.LME|LMA) over the tables.
    void set_paging()
    {
        mmu_err_t err{};
        mmu_ctrl_t c{};
        c.cr0 = (1ull << 0) | (1ull << 31);
        c.cr3 = mmu_ptb_root(pt);
        c.cr4 = 1ull << 5;
        c.efer = (1ull << 8) | (1ull << 10);
        ASSERT_EQ(mmu_set_ctrl(mmu, &c, &err), 0) << err.msg;
    }
    ~World()
    {
        mmu_destroy(mmu);
        mmu_ptb_destroy(pt);
        mmu_sparse_mem_destroy(mem);
    }

    static uint64_t random_flags(std::mt19937_64 &g)
    {
        const uint64_t r = g();
        uint64_t f = MMU_PTE_P;
        f |= (r & 7) ? MMU_PTE_RW : 0;
        f |= (r & 0x18) ? MMU_PTE_US : 0;
        f |= (r & 0x20) ? MMU_PTE_A : 0;
        f |= (r & 0x40) ? MMU_PTE_D : 0;
        f |= (r & 0x380) == 0 ? MMU_PTE_XD : 0;
        f |= (r & 0x400) ? MMU_PTE_G : 0;
        f |= MMU_PTE_PKEY((r >> 11) & 1 ? (r >> 12) & 3 : 0);
        return f;
    }
};

uint64_t random_la(std::mt19937_64 &g)
{
    const uint64_t r = g();
    switch (r % 16) {
    case 0:
        return kVa2m + ((r >> 8) % (16ull << 21));
    case 1:
        return kVaHole + ((r >> 8) % (1ull << 30));
    case 2:
        return 0x0000800000000000ull + (r >> 20); // not canonical
    default: // a few hot pages, so a batch often holds a page twice
        return kVa4k + (((r >> 8) % ((r & 16) ? 512 : 8)) << 12) + ((r >> 40) & 0xff8);
    }
}

mmu_ctrl_t random_ctrl(std::mt19937_64 &g, uint64_t root)
{
    const uint64_t r = g();
    mmu_ctrl_t c{};
    c.cr0 = (1ull << 0) | (1ull << 31) | ((r & 1) ? MMU_CR0_WP : 0);
    c.cr3 = root;
    c.cr4 = (1ull << 5) | ((r & 2) ? MMU_CR4_SMEP : 0) | ((r & 4) ? MMU_CR4_SMAP : 0) |
            ((r & 8) ? MMU_CR4_PKE : 0) | ((r & 16) ? MMU_CR4_PGE : 0) |
            ((r & 32) ? MMU_CR4_PKS : 0);
    c.efer = (1ull << 8) | (1ull << 10) | ((r & 64) ? MMU_EFER_NXE : 0);
    c.rflags = 0x2 | ((r & 128) ? MMU_RFLAGS_AC : 0);
    c.pkru = (r & 256) ? uint32_t(r >> 32) & 0xff : 0;
    c.pkrs = (r & 512) ? uint32_t(r >> 40) & 0xff : 0;
    return c;
}

void expect_same_stats(mmu_t *a, mmu_t *b)
{
    mmu_stats_t sa, sb;
    mmu_get_stats(a, &sa);
    mmu_get_stats(b, &sb);
    EXPECT_EQ(std::memcmp(&sa, &sb, sizeof sa), 0) << "statistics differ";
    EXPECT_GT(sa.walks, 0u);
}

// One random run: loop world L, batch world B, `rounds` batches.
void run(uint64_t seed, bool with_peek, const mmu_config_t &cfg, int rounds, bool inject_errors,
         bool with_find = true, bool direct = false)
{
    World L(seed, with_peek, cfg, with_find, direct), B(seed, with_peek, cfg, with_find, direct);
    std::mt19937_64 g(seed * 7919 + 1);
    mmu_err_t err{};
    const mmu_ctrl_t c0 = random_ctrl(g, mmu_ptb_root(L.pt));
    ASSERT_EQ(mmu_set_ctrl(L.mmu, &c0, &err), 0) << err.msg;
    ASSERT_EQ(mmu_set_ctrl(B.mmu, &c0, &err), 0) << err.msg;
    uint64_t now = 0;
    for (int round = 0; round < rounds; round++) {
        const size_t n = 1 + g() % 100;
        std::vector<mmu_req_t> reqs(n);
        for (auto &r : reqs) {
            const uint64_t x = g();
            r = MMU_REQ_INIT;
            r.la = random_la(g);
            r.type = uint8_t(x % 3);
            r.cpl = (x & 4) ? 3 : 0;
            r.flags = uint8_t(((x & 0x18) == 0 ? MMU_REQ_IMPLICIT : 0) |
                              ((x & 0x60) == 0 ? MMU_REQ_RETRY : 0));
            r.now = now += (x >> 8) % 40;
            if (inject_errors && (x >> 20) % 500 == 0)
                r.type = 7; // MMU_EINVAL: the batch stops there
        }
        if (inject_errors && g() % 20 == 0) {
            // A memory error on a page-table word some request will read.
            uint64_t pa;
            if (mmu_ptb_entry_addr(L.pt, kVa4k + ((g() % 512) << 12), 1, &pa) == 0)
                L.fail_pa = B.fail_pa = pa;
        }
        std::vector<mmu_result_t> rl(n), rb(n);
        std::memset(rl.data(), 0, n * sizeof rl[0]);
        std::memset(rb.data(), 0, n * sizeof rb[0]);
        size_t nl = 0;
        int rcl = 0;
        for (; nl < n; nl++)
            if ((rcl = mmu_translate(L.mmu, &reqs[nl], &rl[nl])) != 0)
                break;
        size_t nb = 12345;
        const int rcb = mmu_translate_batch(B.mmu, reqs.data(), n, rb.data(), &nb);
        ASSERT_EQ(rcb, rcl) << "round " << round;
        ASSERT_EQ(nb, nl) << "round " << round;
        for (size_t i = 0; i < nl; i++)
            ASSERT_EQ(std::memcmp(&rl[i], &rb[i], sizeof rl[i]), 0)
                << "round " << round << " request " << i << " la 0x" << std::hex << reqs[i].la;
        ASSERT_EQ(L.calls.size(), B.calls.size()) << "round " << round;
        for (size_t i = 0; i < L.calls.size(); i++)
            ASSERT_TRUE(L.calls[i] == B.calls[i]) << "round " << round << " memory call " << i;
        L.fail_pa = B.fail_pa = ~0ull;

        // The same change to both between batches.
        const uint64_t x = g();
        switch (x % 8) {
        case 0: {
            const uint64_t la = random_la(g);
            mmu_invlpg(L.mmu, la);
            mmu_invlpg(B.mmu, la);
            break;
        }
        case 1: {
            const mmu_ctrl_t c = random_ctrl(g, mmu_ptb_root(L.pt));
            ASSERT_EQ(mmu_set_ctrl(L.mmu, &c, &err), 0);
            ASSERT_EQ(mmu_set_ctrl(B.mmu, &c, &err), 0);
            break;
        }
        case 2:
            ASSERT_EQ(mmu_write_cr(L.mmu, 3, mmu_ptb_root(L.pt), &err), 0);
            ASSERT_EQ(mmu_write_cr(B.mmu, 3, mmu_ptb_root(B.pt), &err), 0);
            break;
        case 3:
        case 4: { // edit a leaf or a table entry (no invalidation: stale entries stay)
            const uint64_t la = kVa4k + ((x >> 8) % 512 << 12);
            const unsigned level = 1 + unsigned((x >> 20) % 2);
            uint64_t pa, v;
            ASSERT_EQ(mmu_ptb_entry_addr(L.pt, la, level, &pa), 0);
            ASSERT_EQ(mmu_sparse_mem_read64(L.mem, pa, &v), 0);
            static const uint64_t bits[] = {MMU_PTE_P, MMU_PTE_RW, MMU_PTE_US, MMU_PTE_A,
                                            MMU_PTE_D};
            if (level == 2 && ((x >> 30) % 5) == 0)
                break; // a not-present table would hide 512 pages for good
            v ^= bits[(x >> 30) % 5];
            ASSERT_EQ(mmu_sparse_mem_write64(L.mem, pa, v), 0);
            ASSERT_EQ(mmu_sparse_mem_write64(B.mem, pa, v), 0);
            break;
        }
        case 5:
            mmu_flush_all(L.mmu);
            mmu_flush_all(B.mmu);
            break;
        default:
            break;
        }
    }
    expect_same_stats(L.mmu, B.mmu);
    if (direct) { // no calls to compare: the A/D bits written must agree
        for (uint64_t pa = kPool; pa < kPool + kPoolSize; pa += 8) {
            uint64_t a = 0, b = 0;
            ASSERT_EQ(mmu_sparse_mem_read64(L.mem, pa, &a), 0);
            ASSERT_EQ(mmu_sparse_mem_read64(B.mem, pa, &b), 0);
            ASSERT_EQ(a, b) << "page-table word at 0x" << std::hex << pa;
        }
        return;
    }
    EXPECT_EQ(L.peeks, 0u); // the loop never peeks
    EXPECT_TRUE(L.prefetches.empty());
    if (!with_peek || !with_find) { // prefetch_find is used only with peek64
        for (const auto &p : B.prefetches)
            EXPECT_FALSE(p.second);
    }
    if (with_peek)
        EXPECT_GT(B.peeks, 0u);
    else
        EXPECT_EQ(B.peeks, 0u);
}

TEST(Batch, EqualsLoopWithPeekDefaultConfig)
{
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    for (uint64_t seed = 1; seed <= 6; seed++)
        run(seed, true, cfg, 150, false);
}

TEST(Batch, EqualsLoopWithoutPeek)
{
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    run(11, false, cfg, 150, false);
}

// Small arrays with every replacement policy: look-ahead must not touch the
// replacement state (LRU stamps, tree bits, the random stream).
TEST(Batch, EqualsLoopSmallArraysAllPolicies)
{
    for (unsigned repl = MMU_REPL_LRU; repl <= MMU_REPL_RANDOM; repl++) {
        mmu_config_t cfg;
        mmu_config_init(&cfg);
        cfg.l1d.arr[0].entries = 8, cfg.l1d.arr[0].ways = 2, cfg.l1d.arr[0].repl = repl;
        cfg.l2.arr[0].entries = 32, cfg.l2.arr[0].ways = 4, cfg.l2.arr[0].repl = repl;
        cfg.l2.arr[0].index = MMU_INDEX_XOR;
        for (int l = 2; l <= 5; l++)
            if (cfg.psc[l].arr.entries)
                cfg.psc[l].arr.repl = repl;
        run(100 + repl, true, cfg, 120, false);
    }
}

// The fidelity options: coalesced 4K groups in the TLBs, data lines loaded
// through the cache stand-ins after each translation.
TEST(Batch, EqualsLoopCoalescingAndDataLines)
{
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    cfg.coalesce = 4;
    cfg.data_lines = 1;
    run(31, true, cfg, 150, false);
    cfg.coalesce = 0;
    run(32, true, cfg, 150, false);
}

// A memory error or an invalid request stops the batch where the loop stops.
TEST(Batch, StopsWhereLoopStops)
{
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    for (uint64_t seed = 21; seed <= 24; seed++)
        run(seed, true, cfg, 200, true);
}

TEST(Batch, EmptyBatch)
{
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    World w(1, true, cfg);
    size_t done = 99;
    EXPECT_EQ(mmu_translate_batch(w.mmu, nullptr, 0, nullptr, &done), 0);
    EXPECT_EQ(done, 0u);
}

// A memory with peek64 but no prefetch_find: every level-1 word in one step.
TEST(Batch, EqualsLoopWithPeekWithoutFind)
{
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    run(41, true, cfg, 150, false, false);
}

// With prefetch_find, a level-1 word's look-ahead is two steps: what finds
// it first, then, at the walk's next step (after at least one step of the
// other walks, when there are others), the word itself.
TEST(Batch, LevelOneWordsAreFoundBeforeTheyArePrefetched)
{
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    World w(51, true, cfg);
    ASSERT_NO_FATAL_FAILURE(w.set_paging());
    // 48 distinct 4K pages, each missing both TLB levels: 48 distinct
    // level-1 words, all in kVa4k's one page table.
    std::vector<mmu_req_t> reqs(48);
    for (size_t i = 0; i < reqs.size(); i++) {
        reqs[i] = MMU_REQ_INIT;
        reqs[i].la = kVa4k + ((i * 7 % 512) << 12);
    }
    std::vector<mmu_result_t> res(reqs.size());
    ASSERT_EQ(mmu_translate_batch(w.mmu, reqs.data(), reqs.size(), res.data(), nullptr), 0);
    size_t finds = 0;
    for (size_t i = 0; i < w.prefetches.size(); i++) {
        if (!w.prefetches[i].second)
            continue;
        finds++;
        const uint64_t pa = w.prefetches[i].first;
        uint64_t want;
        ASSERT_EQ(mmu_ptb_entry_addr(w.pt, kVa4k, 1, &want), 0);
        EXPECT_EQ(pa & ~0xfffull, want & ~0xfffull) << "a find for a word that is not a PTE";
        size_t j = i + 1;
        while (j < w.prefetches.size() &&
               !(w.prefetches[j].first == pa && !w.prefetches[j].second))
            j++;
        ASSERT_LT(j, w.prefetches.size()) << "found 0x" << std::hex << pa << " never prefetched";
        EXPECT_GT(j, i + 1) << "the word right after its find: nothing overlapped";
    }
    // Every request but the first window's first ones walks to level 1 ahead.
    EXPECT_GE(finds, reqs.size() / 2);
}

// Every request that misses the TLBs has its own level-1 word prefetched, found
// first, wherever its page directory is: the first request of a 1 GiB region
// in a call finds the directory from the top, later ones start at their PDE
// (the look-ahead's memo of directories). 8 regions x 8 pages, each request a
// page of its own, from empty TLBs; the regions are 128 GiB apart (two PML4
// entries), so all share one slot of the memo, which must tell them apart.
TEST(Batch, EveryWalkAheadPrefetchesItsOwnLevelOneWord)
{
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    World w(61, true, cfg);
    ASSERT_NO_FATAL_FAILURE(w.set_paging());
    constexpr uint64_t kRegions = 0x00007e0000000000ull;
    for (uint64_t r = 0; r < 8; r++)
        ASSERT_EQ(mmu_ptb_map(w.pt, kRegions + (r << 37) + (r << 21), 0xc0000000 + (r << 15),
                              8 << 12, MMU_PAGE_4K, MMU_PTE_RW | MMU_PTE_US),
                  0);
    std::vector<mmu_req_t> reqs(64);
    std::vector<uint64_t> want;
    for (size_t i = 0; i < reqs.size(); i++) {
        const uint64_t r = (i * 5) % 8, p = i / 8;
        reqs[i] = MMU_REQ_INIT;
        reqs[i].la = kRegions + (r << 37) + (r << 21) + (p << 12) + 8 * i;
        uint64_t pa;
        ASSERT_EQ(mmu_ptb_entry_addr(w.pt, reqs[i].la, 1, &pa), 0);
        want.push_back(pa);
    }
    std::vector<mmu_result_t> res(reqs.size());
    ASSERT_EQ(mmu_translate_batch(w.mmu, reqs.data(), reqs.size(), res.data(), nullptr), 0);
    for (const auto &r : res)
        EXPECT_EQ(r.fault.kind, MMU_FAULT_NONE);
    std::vector<uint64_t> found, words;
    for (const auto &p : w.prefetches)
        (p.second ? found : words).push_back(p.first);
    for (size_t i = 0; i < want.size(); i++) {
        EXPECT_EQ(std::count(found.begin(), found.end(), want[i]), 1)
            << "request " << i << ": its PTE at 0x" << std::hex << want[i] << " not found once";
        EXPECT_EQ(std::count(words.begin(), words.end(), want[i]), 1)
            << "request " << i << ": its PTE at 0x" << std::hex << want[i]
            << " not prefetched once";
    }
    EXPECT_EQ(found.size(), want.size()) << "a find for a word no request reads";
}

// A request that hits the L1 TLB needs no walk: nothing is followed ahead.
TEST(Batch, LOneHitsAreNotFollowedAhead)
{
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    World w(71, true, cfg);
    ASSERT_NO_FATAL_FAILURE(w.set_paging());
    constexpr uint64_t kPages = 0x00007e0000000000ull;
    ASSERT_EQ(mmu_ptb_map(w.pt, kPages, 0xc0000000, 4 << 12, MMU_PAGE_4K,
                          MMU_PTE_RW | MMU_PTE_A | MMU_PTE_D),
              0);
    std::vector<mmu_req_t> reqs(48);
    for (size_t i = 0; i < reqs.size(); i++) {
        reqs[i] = MMU_REQ_INIT;
        reqs[i].la = kPages + ((i % 4) << 12) + 64 * i; // 4 pages, all in the L1
    }
    std::vector<mmu_result_t> res(reqs.size());
    for (size_t i = 0; i < 4; i++)
        ASSERT_EQ(mmu_translate(w.mmu, &reqs[i], &res[i]), 0);
    w.prefetches.clear();
    w.peeks = 0;
    ASSERT_EQ(mmu_translate_batch(w.mmu, reqs.data(), reqs.size(), res.data(), nullptr), 0);
    mmu_stats_t s;
    mmu_get_stats(w.mmu, &s);
    EXPECT_EQ(s.l1d_hits, reqs.size());
    EXPECT_EQ(w.peeks, 0u);
    EXPECT_TRUE(w.prefetches.empty());
}

// The sparse memory's own operations: the walker and the look-ahead read it
// inline (batch.c's sparse copy), with every kind of request and change.
TEST(Batch, EqualsLoopOverTheSparseMemoryInline)
{
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    for (uint64_t seed = 81; seed <= 83; seed++)
        run(seed, true, cfg, 150, false, true, true);
    cfg.l2.arr[0].entries = 32, cfg.l2.arr[0].ways = 4; // more walks
    run(84, true, cfg, 150, false, true, true);
    // A host latency callback runs inside translations: the look-ahead goes
    // through the memory's operations, keeping no host addresses.
    cfg.memlat_cb = [](void *, uint64_t pa, int, uint64_t) -> unsigned {
        return 10 + unsigned(pa >> 12) % 50;
    };
    run(85, true, cfg, 150, false, true, true);
}

// A host callback may do anything to the memory between two words of a walk:
// here the latency callback empties the sparse memory (freeing every frame and
// radix node) and writes the page tables back, every 97th call. Over the
// sparse memory inline the look-ahead keeps host addresses across
// translations, so with a host callback it must take the memory's operations
// instead; had it kept them, its next read would be of freed memory (which
// the AddressSanitizer build reports). Loop and batch must still agree.
TEST(Batch, HostCallbackMayRebuildTheMemoryMidBatch)
{
    struct Rebuild {
        mmu_sparse_mem_t *mem = nullptr;
        std::vector<std::pair<uint64_t, uint64_t>> words; // the tables as built
        uint64_t calls = 0, rebuilds = 0;
        static unsigned latency(void *ctx, uint64_t pa, int, uint64_t)
        {
            Rebuild *r = static_cast<Rebuild *>(ctx);
            if (++r->calls % 97 == 0) {
                mmu_sparse_mem_clear(r->mem);
                for (const auto &w : r->words)
                    EXPECT_EQ(mmu_sparse_mem_write64(r->mem, w.first, w.second), 0);
                r->rebuilds++;
            }
            return 20 + unsigned(pa >> 12) % 40;
        }
    };
    Rebuild rl, rb;
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    cfg.memlat_cb = Rebuild::latency;
    cfg.memlat_ctx = &rl;
    World L(95, true, cfg, true, true);
    cfg.memlat_ctx = &rb;
    World B(95, true, cfg, true, true);
    for (auto [w, r] : {std::pair{&L, &rl}, std::pair{&B, &rb}}) {
        ASSERT_NO_FATAL_FAILURE(w->set_paging());
        r->mem = w->mem;
        for (uint64_t pa = kPool; pa < kPool + kPoolSize; pa += 8) {
            uint64_t v = 0;
            ASSERT_EQ(mmu_sparse_mem_read64(w->mem, pa, &v), 0);
            if (v)
                r->words.emplace_back(pa, v);
        }
    }
    ASSERT_EQ(rl.words, rb.words);
    std::mt19937_64 g(95);
    uint64_t now = 0;
    for (int round = 0; round < 60; round++) {
        std::vector<mmu_req_t> reqs(64);
        for (auto &q : reqs) {
            q = MMU_REQ_INIT;
            q.la = kVa4k + ((g() % 512) << 12);
            q.now = now += 5;
        }
        std::vector<mmu_result_t> res_l(reqs.size()), res_b(reqs.size());
        for (size_t i = 0; i < reqs.size(); i++)
            ASSERT_EQ(mmu_translate(L.mmu, &reqs[i], &res_l[i]), 0);
        ASSERT_EQ(mmu_translate_batch(B.mmu, reqs.data(), reqs.size(), res_b.data(), nullptr), 0);
        for (size_t i = 0; i < reqs.size(); i++)
            ASSERT_EQ(std::memcmp(&res_l[i], &res_b[i], sizeof res_l[i]), 0)
                << "round " << round << " request " << i;
        mmu_flush_all(L.mmu); // every request of the next batch walks
        mmu_flush_all(B.mmu);
    }
    expect_same_stats(L.mmu, B.mmu);
    EXPECT_EQ(rl.rebuilds, rb.rebuilds);
    EXPECT_GT(rb.rebuilds, 50u); // most batches have a rebuild in the middle
}

// The look-ahead finds the same level-1 words over the memory's operations
// and over the sparse memory inline: each walk's own, wherever its page
// directory is (8 regions in one memo slot, two PML4 entries, as in
// EveryWalkAheadPrefetchesItsOwnLevelOneWord), none for a 2M page or a hole.
TEST(Batch, PlanFindsEachWalksWordOnBothPaths)
{
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    World ops(91, true, cfg), direct(91, true, cfg, true, true);
    constexpr uint64_t kRegions = 0x00007e0000000000ull;
    for (World *w : {&ops, &direct}) {
        ASSERT_NO_FATAL_FAILURE(w->set_paging());
        for (uint64_t r = 0; r < 8; r++)
            ASSERT_EQ(mmu_ptb_map(w->pt, kRegions + (r << 37) + (r << 21),
                                  0xc0000000 + (r << 15), 8 << 12, MMU_PAGE_4K,
                                  MMU_PTE_RW | MMU_PTE_US),
                      0);
    }
    std::vector<mmu_req_t> reqs;
    std::vector<uint64_t> want;
    for (size_t i = 0; i < 80; i++) {
        mmu_req_t q = MMU_REQ_INIT;
        if (i % 10 == 9)
            q.la = (i & 16) ? kVa2m + (i << 21) : kVaHole + (i << 12); // no level-1 word
        else
            q.la = kRegions + ((i * 5 % 8) << 37) + ((i * 5 % 8) << 21) + ((i / 8) << 12);
        reqs.push_back(q);
        uint64_t pa;
        if (i % 10 != 9) {
            ASSERT_EQ(mmu_ptb_entry_addr(ops.pt, q.la, 1, &pa), 0);
            want.push_back(pa);
        }
    }
    for (World *w : {&ops, &direct}) {
        std::vector<uint64_t> pte(reqs.size()), word(reqs.size());
        unsigned levels = 99;
        const size_t k = mmu_batch_ahead_plan(w->mmu, reqs.data(), reqs.size(), pte.data(),
                                              word.data(), &levels);
        pte.resize(k);
        EXPECT_EQ(pte, want) << (w == &direct ? "inline" : "operations");
        for (size_t i = 0; i < k && i < want.size(); i++) {
            uint64_t v = 0;
            ASSERT_EQ(mmu_sparse_mem_read64(w->mem, want[i], &v), 0);
            EXPECT_EQ(word[i], v) << (w == &direct ? "inline" : "operations") << ", walk " << i;
        }
        // The default stand-ins' set records: L1D 8 KiB, L2 64 KiB, LLC 384 KiB:
        // only the LLC's sets miss the host's caches.
        EXPECT_EQ(levels, 1u);
    }
}

// Which of the stand-ins' levels have their sets prefetched: those whose tags
// and replacement records pass AHEAD_HOST_CACHED (128 KiB), on either
// configuration of the stand-ins; none with a host latency callback.
TEST(Batch, PlanPrefetchesOnlyTheLargeStandIns)
{
    // The levels the look-ahead prefetches under the default config as edit leaves it.
    auto levels_with = [](uint64_t seed, void (*edit)(mmu_config_t &)) {
        std::vector<mmu_req_t> reqs(1, MMU_REQ_INIT);
        uint64_t pte[1], word[1];
        unsigned levels = 99;
        mmu_config_t cfg;
        mmu_config_init(&cfg);
        edit(cfg);
        World w(seed, true, cfg);
        mmu_batch_ahead_plan(w.mmu, reqs.data(), 1, pte, word, &levels);
        return levels;
    };
    // L2: 4096 sets of 4 ways, 256 KiB of set records.
    EXPECT_EQ(levels_with(101, [](mmu_config_t &c) { c.memlat[1].sets = 4096; }), 2u);
    // LLC: 512 sets of 16 ways, 96 KiB of set records.
    EXPECT_EQ(levels_with(102, [](mmu_config_t &c) { c.memlat[2].sets = 512; }), 0u);
    // Not the fast configuration: tags and stamps. 64 KiB of tags, 64 of
    // stamps: 128 KiB, kept; twice that, prefetched.
    EXPECT_EQ(levels_with(103,
                          [](mmu_config_t &c) {
                              c.memlat[2].ways = 32;
                              c.memlat[2].sets = 256;
                          }),
              0u);
    EXPECT_EQ(levels_with(104,
                          [](mmu_config_t &c) {
                              c.memlat[2].ways = 32;
                              c.memlat[2].sets = 512;
                          }),
              1u);
    // A host latency callback: the stand-ins keep no arrays.
    EXPECT_EQ(levels_with(105,
                          [](mmu_config_t &c) {
                              c.memlat_cb = [](void *, uint64_t, int, uint64_t) -> unsigned {
                                  return 7;
                              };
                          }),
              0u);
}

} // namespace
