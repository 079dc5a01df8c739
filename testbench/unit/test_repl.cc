// SPDX-License-Identifier: Apache-2.0
// The conformance suite of the replacement policies (workloads/os/repl*.c):
// every policy runs through the same tests on the real OS model and MMU, under
// pure demand paging with a fixed number of frames (page tables outside them,
// no watermarks, kswapd, readahead or THP: os_testutil.h's PureCfg).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "os_testutil.h"

using namespace ostest;

namespace {

const std::vector<unsigned> kBelady = {1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5};
// Silberschatz's reference string.
const std::vector<unsigned> kSilb = {7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1};

std::vector<const char *> AllPolicies()
{
    std::vector<const char *> v;
    for (unsigned i = 0; mmu_repl_get(i); i++)
        v.push_back(mmu_repl_get(i)->name);
    return v;
}

std::vector<unsigned> RandomString(unsigned seed, size_t n, unsigned pages)
{
    std::mt19937 g(seed);
    std::vector<unsigned> v(n);
    // Some locality: mostly a sliding window, sometimes anywhere.
    unsigned centre = 0;
    for (auto &x : v) {
        if (g() % 8 == 0)
            centre = g() % pages;
        x = (centre + g() % 5) % pages;
    }
    return v;
}

TEST(Repl, TableHasEveryPolicyOnce)
{
    std::vector<std::string> want = {"fifo", "clock", "lru", "twolist", "mglru", "lfu", "ws", "opt"};
    std::vector<std::string> got;
    for (const char *n : AllPolicies())
        got.push_back(n);
    EXPECT_EQ(got, want);
    EXPECT_EQ(mmu_repl_find("clock"), mmu_repl_get(1));
    EXPECT_EQ(mmu_repl_find("nope"), nullptr);
}

TEST(Repl, BeladysAnomalyFifoTakesNineFaultsWithThreeFramesAndTenWithFour)
{
    EXPECT_EQ(Faults(kBelady, 3, "fifo"), 9u);
    EXPECT_EQ(Faults(kBelady, 4, "fifo"), 10u);
}

TEST(Repl, LruAndOptHaveNoAnomalyOnBeladysString)
{
    for (const char *p : {"lru", "opt"})
        for (unsigned k = 1; k < 6; k++)
            EXPECT_LE(Faults(kBelady, k + 1, p), Faults(kBelady, k, p)) << p << " " << k;
    EXPECT_EQ(Faults(kBelady, 3, "lru"), 10u);
    EXPECT_EQ(Faults(kBelady, 4, "lru"), 8u);
    EXPECT_EQ(Faults(kBelady, 3, "opt"), 7u);
    EXPECT_EQ(Faults(kBelady, 4, "opt"), 6u);
}

TEST(Repl, StackPropertyOfLruAndOptOnRandomStrings)
{
    for (unsigned seed = 1; seed <= 6; seed++) {
        auto s = RandomString(seed, 300, 24);
        for (const char *p : {"lru", "opt"}) {
            uint64_t prev = ~0ull;
            for (unsigned k = 2; k <= 20; k += 3) {
                uint64_t f = Faults(s, k, p);
                EXPECT_LE(f, prev) << p << " seed " << seed << " frames " << k;
                prev = f;
            }
        }
    }
}

TEST(Repl, OptTakesNoMoreFaultsThanAnyPolicyOnRandomStrings)
{
    for (unsigned seed = 11; seed <= 16; seed++) {
        auto s = RandomString(seed, 400, 32);
        for (unsigned k : {3u, 8u, 16u}) {
            uint64_t opt = Faults(s, k, "opt", seed % 3 ? 4 : 0);
            for (const char *p : AllPolicies())
                EXPECT_LE(opt, Faults(s, k, p, seed % 3 ? 4 : 0)) << p << " seed " << seed << " frames " << k;
        }
    }
}

// Worked by hand (see the comments in workloads/os/README.md's table).
TEST(Repl, ExactFaultsOnSilberschatzsStringWithThreeFrames)
{
    EXPECT_EQ(Faults(kSilb, 3, "fifo"), 15u);
    EXPECT_EQ(Faults(kSilb, 3, "lru"), 12u);
    EXPECT_EQ(Faults(kSilb, 3, "opt"), 9u);
    EXPECT_EQ(Faults(kSilb, 3, "clock"), 14u);
}

TEST(Repl, ExactFaultsOfTheAgingPoliciesOnShortStrings)
{
    // 1 2 3 1 4 1 5, 3 frames: twolist and mglru see page 1's second access
    // only as the A bit already set, evict 1 at the first fault, then 2, 3.
    const std::vector<unsigned> s = {1, 2, 3, 1, 4, 1, 5};
    EXPECT_EQ(Faults(s, 3, "twolist"), 6u);
    EXPECT_EQ(Faults(s, 3, "mglru"), 6u);
    EXPECT_EQ(Faults(s, 3, "lru"), 5u);
    EXPECT_EQ(Faults(s, 3, "opt"), 5u);
}

mmu_aspace_cfg_t WithPolicyKnobs(unsigned frames, const char *p, uint64_t tick, uint64_t tau)
{
    mmu_aspace_cfg_t c = PureCfg(frames, p);
    c.tick = tick;
    c.ws_tau = tau;
    c.lfu_decay = 1000000;
    return c;
}

uint64_t FaultsWith(const mmu_aspace_cfg_t &c, const std::vector<unsigned> &s)
{
    Os os(c);
    EXPECT_EQ(os.create_rc, 0) << os.msg;
    for (unsigned p : s)
        EXPECT_EQ(os.Feed(Access(kBase + p * 4096ull)), 0);
    return os.Faults();
}

TEST(Repl, ExactFaultsOfLfuWithATickPerAccess)
{
    // A tick per access counts every reference: 1 2 3 1 1 2 4 5 2 1 evicts 3
    // (count 1) at 4 and then 4 (the least used) at 5: 5 faults, as OPT; LRU 6,
    // FIFO 7.
    const std::vector<unsigned> s = {1, 2, 3, 1, 1, 2, 4, 5, 2, 1};
    EXPECT_EQ(FaultsWith(WithPolicyKnobs(3, "lfu", 1, 1), s), 5u);
    EXPECT_EQ(Faults(s, 3, "lru"), 6u);
    EXPECT_EQ(Faults(s, 3, "fifo"), 7u);
    EXPECT_EQ(Faults(s, 3, "opt"), 5u);
}

TEST(Repl, ExactFaultsOfWsClock)
{
    // tau = 2: at 4 every page is referenced (a whole turn): the first goes;
    // at 5 page 3 has been unreferenced for 2 accesses (not more than tau)
    // but is the least recently referenced: it goes. 5 faults.
    const std::vector<unsigned> s = {1, 2, 3, 1, 4, 2, 5};
    EXPECT_EQ(FaultsWith(WithPolicyKnobs(3, "ws", 4096, 2), s), 5u);
}

// Clock with every A bit set: each hand sweep clears them all and comes back
// to the oldest page, which is FIFO's victim.
// A bits as the policy sees them through young(): cleared when asked.
struct FakeYoung {
    std::vector<uint8_t> bit = std::vector<uint8_t>(64, 1);
    static unsigned Young(void *ctx, uint32_t page, int clear)
    {
        auto *f = static_cast<FakeYoung *>(ctx);
        unsigned r = f->bit[page];
        if (clear)
            f->bit[page] = 0;
        return r;
    }
};

TEST(Repl, ClockWithEveryABitSetIsFifo)
{
    mmu_repl_env_t env{};
    env.npages = 64;
    const mmu_repl_ops_t *C = mmu_repl_find("clock"), *F = mmu_repl_find("fifo");
    void *clk = nullptr, *fifo = nullptr;
    ASSERT_EQ(C->create(&env, &clk), 0);
    ASSERT_EQ(F->create(&env, &fifo), 0);
    FakeYoung bits;
    mmu_repl_scan_t sc{};
    sc.ctx = &bits;
    sc.young = FakeYoung::Young;
    sc.anon_ok = 1;
    std::mt19937 g(7);
    std::vector<uint32_t> out; // pages not resident
    for (uint32_t p = 0; p < 64; p++) {
        if (p < 16) {
            C->insert(clk, p, 0);
            F->insert(fifo, p, 0);
        } else {
            out.push_back(p);
        }
    }
    for (int i = 0; i < 500; i++) {
        uint32_t a, b;
        std::fill(bits.bit.begin(), bits.bit.end(), 1);
        ASSERT_EQ(C->evict(clk, &sc, &a), 0);
        ASSERT_EQ(F->evict(fifo, &sc, &b), 0);
        ASSERT_EQ(a, b) << "eviction " << i;
        size_t k = g() % out.size();
        uint32_t in = out[k];
        out[k] = a;
        C->insert(clk, in, 0);
        F->insert(fifo, in, 0);
    }
    C->destroy(clk);
    F->destroy(fifo);
}

// Set A in every present 4K PTE of process 0 (the test's own walk of the
// tables the MMU sees).
void SetEveryABit(Os &os, unsigned npages)
{
    uint64_t root = mmu_aspace_cr3(os.as, 0, 0) & ~0xfffull;
    for (unsigned p = 0; p < npages; p++) {
        uint64_t va = kBase + p * 4096ull, t = root, e = 0, epa = 0;
        for (int l = 4; l >= 1; l--) {
            epa = t + 8 * ((va >> (12 + 9 * (l - 1))) & 511);
            ASSERT_EQ(mmu_sparse_mem_read64(os.mem, epa, &e), 0);
            if (!(e & MMU_PTE_P))
                break;
            t = e & 0x000ffffffffff000ull;
        }
        if (e & MMU_PTE_P) {
            ASSERT_EQ(mmu_sparse_mem_write64(os.mem, epa, e | MMU_PTE_A), 0);
        }
    }
}

TEST(Repl, ClockWithEveryABitSetIsFifoOnTheModel)
{
    auto s = RandomString(21, 400, 20);
    Os clk(PureCfg(6, "clock")), fifo(PureCfg(6, "fifo"));
    ASSERT_EQ(clk.create_rc, 0) << clk.msg;
    for (size_t i = 0; i < s.size(); i++) {
        SetEveryABit(clk, 20);
        ASSERT_EQ(clk.Feed(Access(kBase + s[i] * 4096ull)), 0);
        ASSERT_EQ(fifo.Feed(Access(kBase + s[i] * 4096ull)), 0);
        ASSERT_EQ(clk.Faults(), fifo.Faults()) << "access " << i;
    }
    // And without the help, Clock keeps what is used: fewer faults here.
    EXPECT_LT(Faults(s, 6, "clock"), fifo.Faults());
}

TEST(Repl, FutureIsTheNextUseOfEachAccess)
{
    mmu_repl_future_t *f;
    ASSERT_EQ(mmu_repl_future_create(&f), 0);
    for (uint64_t k : {5, 6, 5, 7, 6, 5})
        ASSERT_EQ(mmu_repl_future_add(f, k), 0);
    EXPECT_EQ(mmu_repl_future_len(f), 6u);
    EXPECT_EQ(mmu_repl_future_pages(f), 3u);
    std::vector<uint32_t> want = {2, 4, 5, MMU_REPL_NEVER, MMU_REPL_NEVER, MMU_REPL_NEVER};
    for (uint64_t i = 0; i < 6; i++)
        EXPECT_EQ(mmu_repl_future_next(f, i), want[i]) << i;
    EXPECT_EQ(mmu_repl_future_next(f, 99), MMU_REPL_NEVER);
    mmu_repl_future_destroy(f);
}

} // namespace
