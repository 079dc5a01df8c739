/* SPDX-License-Identifier: Apache-2.0 */
// The page walk (model/walker.c), through mmu_translate(): SDM Vol. 3A 4.5
// (4-level and 5-level paging: index split, entry addresses, page offsets, CR3),
// 4.8 (accessed and dirty flags: which words are written, in which order, with
// which values). Memory traffic is observed through a logging mmu_mem_ops_t.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>

#include "fixture.h"
#include "mmu/mmu_coverage.h"
#include "mmu/mmu_stats.h"

namespace {

using namespace mmutest;

constexpr uint32_t P = MMU_PF_P, W = MMU_PF_W, US = MMU_PF_US, RSVD = MMU_PF_RSVD;
constexpr uint64_t kAddrMask = 0x000ffffffffff000ull; // bits 51:12 of an entry

class Walker : public ::testing::Test {
  protected:
    MmuEnv env;
};

// ---- index split and entry addresses ----------------------------------------------------------

// SDM 4.5: with 4-level paging, bits 47:39 index the PML4 (at CR3), 38:30 the
// PDPT, 29:21 the PD, 20:12 the PT; each entry is 8 bytes at table + 8*index;
// bits 11:0 are the page offset.
TEST_F(Walker, WorkedExampleIndexSplit4Level)
{
    const uint64_t va = 0x00007F5C2A001234ull; // PML4 254, PDPT 368, PD 336, PT 1, +0x234
    ASSERT_TRUE(env.init(4));
    ASSERT_TRUE(env.map(va & ~0xfffull, 0x345000, MMU_PAGE_4K, kUserRw));
    ASSERT_EQ(0, env.set_ctrl(kWP | kNXE));

    const uint64_t pml4e = env.root() + 8 * 254;
    EXPECT_EQ(pml4e, env.entry_pa(va, 4));
    const uint64_t pdpte = (env.peek(pml4e) & kAddrMask) + 8 * 368;
    EXPECT_EQ(pdpte, env.entry_pa(va, 3));
    const uint64_t pde = (env.peek(pdpte) & kAddrMask) + 8 * 336;
    EXPECT_EQ(pde, env.entry_pa(va, 2));
    const uint64_t pte = (env.peek(pde) & kAddrMask) + 8 * 1;
    EXPECT_EQ(pte, env.entry_pa(va, 1));

    mmu_result_t r = env.translate(va, kRead, 3);
    EXPECT_TRUE(IsOk(r, 0x345234));
    EXPECT_EQ(unsigned(MMU_PAGE_4K), r.page_size);
    EXPECT_EQ((std::vector<uint64_t>{pml4e, pdpte, pde, pte}), env.log.reads);
    EXPECT_EQ(8u, r.mem_refs); // 4 reads + 4 accessed-flag writes
}

// SDM 4.5: with 5-level paging bits 56:48 index the PML5 (at CR3); the rest as
// with 4 levels.
TEST_F(Walker, IndexSplit5Level)
{
    const uint64_t va = 0x00AB7F5C2A001234ull; // PML5 171, then 254, 368, 336, 1
    ASSERT_TRUE(env.init(5));
    ASSERT_TRUE(env.map(va & ~0xfffull, 0x345000, MMU_PAGE_4K, kUserRw));
    ASSERT_EQ(0, env.set_ctrl(kWP | kNXE));

    const uint64_t pml5e = env.root() + 8 * 171;
    EXPECT_EQ(pml5e, env.entry_pa(va, 5));
    const uint64_t pml4e = (env.peek(pml5e) & kAddrMask) + 8 * 254;
    EXPECT_EQ(pml4e, env.entry_pa(va, 4));
    const uint64_t pdpte = (env.peek(pml4e) & kAddrMask) + 8 * 368;
    const uint64_t pde = (env.peek(pdpte) & kAddrMask) + 8 * 336;
    const uint64_t pte = (env.peek(pde) & kAddrMask) + 8 * 1;
    EXPECT_EQ(pte, env.entry_pa(va, 1));

    mmu_result_t r = env.translate(va, kRead, 3);
    EXPECT_TRUE(IsOk(r, 0x345234));
    EXPECT_EQ((std::vector<uint64_t>{pml5e, pml4e, pdpte, pde, pte}), env.log.reads);
    EXPECT_EQ(10u, r.mem_refs);
    // The same low 48 bits with PML5 index 0 are not mapped.
    const uint64_t low = va & 0x0000ffffffffffffull;
    EXPECT_TRUE(IsPf(env.translate(low, kRead, 3), US, low));
}

// SDM 4.5: a 2M page's offset is bits 20:0, a 1G page's bits 29:0.
TEST_F(Walker, LargePageOffsets)
{
    for (unsigned levels : {4u, 5u}) {
        ASSERT_TRUE(env.init(levels));
        ASSERT_TRUE(env.map(0x00007f5c2a000000ull, 0x7fe00000, MMU_PAGE_2M, kUserRw));
        ASSERT_TRUE(env.map(0x00007f5c40000000ull, 0xc0000000, MMU_PAGE_1G, kUserRw));
        ASSERT_EQ(0, env.set_ctrl(kWP | kNXE));
        mmu_result_t r = env.translate(0x00007f5c2a1abcdeull, kRead, 3);
        EXPECT_TRUE(IsOk(r, 0x7fe00000 + 0x1abcde)) << levels;
        EXPECT_EQ(unsigned(MMU_PAGE_2M), r.page_size);
        EXPECT_EQ(levels - 1, env.log.reads.size());
        r = env.translate(0x00007f5c7abcdef0ull, kRead, 3);
        EXPECT_TRUE(IsOk(r, 0xc0000000 + 0x3abcdef0)) << levels;
        EXPECT_EQ(unsigned(MMU_PAGE_1G), r.page_size);
        EXPECT_EQ(levels - 2, env.log.reads.size());
    }
}

// SDM tables 4-17, 4-19: bit 12 of a large leaf is PAT, not an address bit: the
// linear address's bit 12 passes through.
TEST_F(Walker, PatBitOfLargeLeafNotPartOfAddress)
{
    ASSERT_TRUE(env.init(4));
    ASSERT_TRUE(env.map(0x00007f5c2a000000ull, 0x7fe00000, MMU_PAGE_2M, kUserRw | (1ull << 12)));
    ASSERT_TRUE(env.map(0x00007f5c40000000ull, 0xc0000000, MMU_PAGE_1G, kUserRw | (1ull << 12)));
    ASSERT_EQ(0, env.set_ctrl(kWP));
    EXPECT_TRUE(IsOk(env.translate(0x00007f5c2a000000ull, kRead, 3), 0x7fe00000));
    EXPECT_TRUE(IsOk(env.translate(0x00007f5c2a000000ull + 0x1234, kRead, 3), 0x7fe01234));
    EXPECT_TRUE(IsOk(env.translate(0x00007f5c40000000ull, kRead, 3), 0xc0000000));
    EXPECT_TRUE(IsOk(env.translate(0x00007f5c40000000ull + 0x1234, kRead, 3), 0xc0001234));
}

// SDM table 4-20: bit 7 of a PTE is PAT, not PS.
TEST_F(Walker, PteBit7IsPatNotPageSize)
{
    ASSERT_TRUE(env.init(4));
    ASSERT_TRUE(env.map(kTestVa, kTestFrame, MMU_PAGE_4K, kUserRw | (1ull << 7)));
    ASSERT_EQ(0, env.set_ctrl(kWP));
    mmu_result_t r = env.translate(kTestVa + 0x123, kRead, 3);
    EXPECT_TRUE(IsOk(r, kTestFrame + 0x123));
    EXPECT_EQ(unsigned(MMU_PAGE_4K), r.page_size);
}

// SDM 4.5: CR3 bits 11:0 are PWT/PCD (or the PCID with CR4.PCIDE=1); only bits
// M-1:12 locate the root table.
TEST_F(Walker, Cr3LowBitsDoNotChangeWalk)
{
    ASSERT_TRUE(env.init(4));
    ASSERT_TRUE(env.map(kTestVa, kTestFrame, MMU_PAGE_4K, kUserRw));
    const uint64_t la = kTestVa + 0x456;
    ASSERT_EQ(0, env.set_ctrl(kWP));
    EXPECT_TRUE(IsOk(env.translate(la, kRead, 3), kTestFrame + 0x456));
    const std::vector<uint64_t> reads = env.log.reads;
    ASSERT_EQ(0, env.set_ctrl(kWP, 0, 0, MMU_CR3_PWT | MMU_CR3_PCD));
    EXPECT_TRUE(IsOk(env.translate(la, kRead, 3), kTestFrame + 0x456));
    EXPECT_EQ(reads, env.log.reads);
    ASSERT_EQ(0, env.set_ctrl(kWP | kPCIDE, 0, 0, 0x123));
    EXPECT_TRUE(IsOk(env.translate(la, kRead, 3), kTestFrame + 0x456));
    EXPECT_EQ(reads, env.log.reads);
    ASSERT_EQ(0, env.set_ctrl(kWP | kPCIDE, 0, 0, 0xfff));
    EXPECT_TRUE(IsOk(env.translate(la, kRead, 3), kTestFrame + 0x456));
    EXPECT_EQ(reads, env.log.reads);
}

// SDM 4.5: CR3 bits 63:MAXPHYADDR are reserved (bit 63 is the no-flush hint with
// CR4.PCIDE=1); loading them fails and keeps the old state.
TEST_F(Walker, SetCtrlRejectsCr3BitsAtOrAboveMaxphyaddr)
{
    for (unsigned m : {36u, 46u, 52u}) {
        ASSERT_TRUE(env.init(4, m));
        ASSERT_EQ(0, env.set_ctrl(kWP));
        const uint64_t root = env.root();
        for (unsigned bit = m; bit <= 62; bit++) {
            mmu_ctrl_t c = env.ctrl(kWP, 0, 0, 1ull << bit);
            mmu_err_t err{};
            EXPECT_EQ(MMU_EINVAL, mmu_set_ctrl(env.mmu, &c, &err)) << "M=" << m << " bit " << bit;
            EXPECT_EQ(MMU_EINVAL, err.code);
            EXPECT_EQ(root, mmu_get_ctrl(env.mmu)->cr3) << "previous state kept";
        }
        mmu_ctrl_t c = env.ctrl(kWP, 0, 0, 1ull << (m - 1));
        EXPECT_EQ(0, mmu_set_ctrl(env.mmu, &c, nullptr)) << "M=" << m << " bit " << m - 1;
        EXPECT_EQ(root | (1ull << (m - 1)), mmu_get_ctrl(env.mmu)->cr3);
    }
}

TEST_F(Walker, SetCtrlAcceptsNoFlushHintWithPcide)
{
    ASSERT_TRUE(env.init(4));
    mmu_ctrl_t c = env.ctrl(kWP | kPCIDE, 0, 0, MMU_CR3_NOFLUSH | 0x42);
    EXPECT_EQ(0, mmu_set_ctrl(env.mmu, &c, nullptr));
    EXPECT_EQ(env.root() | 0x42, mmu_get_ctrl(env.mmu)->cr3); // the hint is not kept
}

// MAXPHYADDR is 36..52 (mmu_config_validate).
TEST_F(Walker, CreateRejectsMaxphyaddrOutOfRange)
{
    mmu_sparse_mem_t *mem = nullptr;
    ASSERT_EQ(0, mmu_sparse_mem_create(40, &mem));
    mmu_mem_ops_t ops = mmu_sparse_mem_ops(mem);
    for (unsigned m : {35u, 53u, 0u, 64u}) {
        mmu_config_t cfg;
        mmu_config_init(&cfg);
        cfg.maxphyaddr = m;
        mmu_t *mmu = reinterpret_cast<mmu_t *>(1);
        mmu_err_t err{};
        EXPECT_EQ(MMU_EINVAL, mmu_config_validate(&cfg, nullptr)) << m;
        EXPECT_EQ(MMU_EINVAL, mmu_create(&cfg, &ops, &mmu, &err)) << m;
        EXPECT_EQ(nullptr, mmu);
        EXPECT_NE(std::string::npos, std::string(err.msg).find("maxphyaddr")) << err.msg;
    }
    for (unsigned m : {36u, 52u}) {
        mmu_config_t cfg;
        mmu_config_init(&cfg);
        cfg.maxphyaddr = m;
        mmu_t *mmu = nullptr;
        EXPECT_EQ(0, mmu_create(&cfg, &ops, &mmu, nullptr)) << m;
        mmu_destroy(mmu);
    }
    mmu_sparse_mem_destroy(mem);
}

// ---- accessed and dirty flags --------------------------------------------------------------

// A user-mode writable page at kTestVa with no A/D bits anywhere.
class WalkerAdBase {
  protected:
    MmuEnv env;
    uint64_t la = 0, pa = 0;
    std::vector<uint64_t> path;   // entry addresses, root first, leaf last
    std::vector<uint64_t> before; // their values before any access

    void build(unsigned levels, mmu_page_size_t ps, unsigned policy = MMU_AD_ON_FAULT_NONE)
    {
        ASSERT_TRUE(env.init(levels, 46, policy));
        ASSERT_TRUE(env.map(kTestVa, kTestFrame, ps, kUserRw));
        ASSERT_EQ(0, env.set_ctrl(kWP | kNXE));
        la = kTestVa + test_offset(ps);
        pa = kTestFrame + test_offset(ps);
        snapshot(leaf_level(ps));
    }
    void snapshot(unsigned leaf)
    {
        path = env.path(kTestVa, leaf);
        before.clear();
        for (uint64_t e : path)
            before.push_back(env.peek(e));
    }
    size_t n() const { return path.size(); }
    // A set in entries [first, last) (indices into path, root = 0), and A|D in the
    // leaf if dirty_leaf and the leaf is included.
    std::vector<Write> a_writes(size_t first, size_t last, bool dirty_leaf = false) const
    {
        std::vector<Write> v;
        for (size_t i = first; i < last; i++) {
            uint64_t bits = MMU_PTE_A | ((dirty_leaf && i == n() - 1) ? MMU_PTE_D : 0);
            v.push_back({path[i], before[i] | bits});
        }
        return v;
    }
    bool memory_unchanged() const
    {
        for (size_t i = 0; i < path.size(); i++)
            if (env.peek(path[i]) != before[i])
                return false;
        return true;
    }
};

class WalkerAd : public WalkerAdBase, public ::testing::TestWithParam<SizeCase> {
  protected:
    void SetUp() override { build(GetParam().levels, GetParam().ps); }
};
INSTANTIATE_TEST_SUITE_P(Walker, WalkerAd, ::testing::ValuesIn(all_size_cases()), size_case_name);

// SDM 4.8: the processor sets A in every entry it uses (if not already set); the
// update is per entry, in walk order, root first.
TEST_P(WalkerAd, ReadSetsAInEveryEntryRootFirst)
{
    mmu_result_t r = env.translate(la, kRead, 3);
    EXPECT_TRUE(IsOk(r, pa));
    EXPECT_EQ(path, env.log.reads);
    EXPECT_EQ(a_writes(0, n()), env.log.writes);
    EXPECT_EQ(2 * n(), r.mem_refs);
}

// SDM 4.8: a write also sets D in the entry that maps the page (PTE, or PDE/PDPTE
// with PS=1); A and D of the leaf go in one locked update.
TEST_P(WalkerAd, WriteSetsAAndDInLeafInOneWrite)
{
    mmu_result_t r = env.translate(la, kWrite, 3);
    EXPECT_TRUE(IsOk(r, pa));
    EXPECT_EQ(path, env.log.reads);
    EXPECT_EQ(a_writes(0, n(), true), env.log.writes);
    EXPECT_EQ(2 * n(), r.mem_refs);
}

TEST_P(WalkerAd, FetchSetsAOnlyLikeRead)
{
    mmu_result_t r = env.translate(la, kFetch, 3);
    EXPECT_TRUE(IsOk(r, pa));
    EXPECT_EQ(a_writes(0, n()), env.log.writes);
    EXPECT_EQ(2 * n(), r.mem_refs);
}

// SDM 4.8: flags already set are not written again.
TEST_P(WalkerAd, SecondAccessWritesNothing)
{
    EXPECT_TRUE(IsOk(env.translate(la, kRead, 3), pa));
    mmu_result_t r = env.translate(la, kRead, 3);
    EXPECT_TRUE(IsOk(r, pa));
    EXPECT_TRUE(env.log.writes.empty());
    EXPECT_EQ(n(), r.mem_refs);
    EXPECT_TRUE(IsOk(env.translate(la, kWrite, 3), pa));
    r = env.translate(la, kWrite, 3);
    EXPECT_TRUE(IsOk(r, pa));
    EXPECT_TRUE(env.log.writes.empty());
    EXPECT_EQ(n(), r.mem_refs);
    r = env.translate(la, kFetch, 0);
    EXPECT_TRUE(IsOk(r, pa));
    EXPECT_TRUE(env.log.writes.empty());
}

TEST_P(WalkerAd, WriteAfterReadWritesOnlyD)
{
    EXPECT_TRUE(IsOk(env.translate(la, kRead, 3), pa));
    mmu_result_t r = env.translate(la, kWrite, 3);
    EXPECT_TRUE(IsOk(r, pa));
    const std::vector<Write> want{{path.back(), before.back() | MMU_PTE_A | MMU_PTE_D}};
    EXPECT_EQ(want, env.log.writes);
    EXPECT_EQ(n() + 1, r.mem_refs);
}

TEST_P(WalkerAd, OnlyEntriesWithAClearAreWritten)
{
    env.poke(path.front(), before.front() | MMU_PTE_A); // root entry already accessed
    env.poke(path.back(), before.back() | MMU_PTE_A);   // so is the leaf
    snapshot(leaf_level(GetParam().ps));
    mmu_result_t r = env.translate(la, kRead, 3);
    EXPECT_TRUE(IsOk(r, pa));
    std::vector<Write> want = n() > 2 ? a_writes(1, n() - 1) : std::vector<Write>{};
    EXPECT_EQ(want, env.log.writes);
    EXPECT_EQ(n() + want.size(), r.mem_refs);
}

// ---- A/D on faults -------------------------------------------------------------------------

struct AdFaultCase {
    LevelCase at;
    unsigned policy;
};

std::vector<AdFaultCase> ad_fault_cases()
{
    std::vector<AdFaultCase> v;
    for (unsigned p : {unsigned(MMU_AD_ON_FAULT_NONE), unsigned(MMU_AD_ON_FAULT_USED)})
        for (const LevelCase &c : all_level_cases())
            v.push_back({c, p});
    return v;
}

class WalkerAdFault : public WalkerAdBase, public ::testing::TestWithParam<AdFaultCase> {
  protected:
    void SetUp() override { build(GetParam().at.levels, GetParam().at.ps, GetParam().policy); }
    bool used() const { return GetParam().policy == MMU_AD_ON_FAULT_USED; }
    // Index in path of the entry at the parameter's level.
    size_t idx() const { return env.levels - GetParam().at.level; }
    void change(size_t i, uint64_t set, uint64_t clear)
    {
        before[i] = (before[i] | set) & ~clear;
        env.poke(path[i], before[i]);
    }
};
INSTANTIATE_TEST_SUITE_P(
    Walker, WalkerAdFault, ::testing::ValuesIn(ad_fault_cases()),
    [](const ::testing::TestParamInfo<AdFaultCase> &i) {
        return level_case_name({i.param.at, i.index}) +
               (i.param.policy == MMU_AD_ON_FAULT_USED ? "_Used" : "_None");
    });

// Default policy NONE: a faulting access leaves memory as it was. USED: A in the
// non-leaf entries consumed (present, no reserved bit) above the faulting entry;
// never the leaf, never D.
TEST_P(WalkerAdFault, NotPresentFault)
{
    change(idx(), 0, MMU_PTE_P);
    mmu_result_t r = env.translate(la, kWrite, 3);
    EXPECT_TRUE(IsPf(r, W | US, la));
    std::vector<Write> want = used() ? a_writes(0, idx()) : std::vector<Write>{};
    EXPECT_EQ(want, env.log.writes);
    EXPECT_EQ(idx() + 1 + want.size(), r.mem_refs);
    if (!used()) {
        EXPECT_TRUE(memory_unchanged());
    }
}

TEST_P(WalkerAdFault, ReservedBitFault)
{
    change(idx(), 1ull << 51, 0);
    mmu_result_t r = env.translate(la, kWrite, 3);
    EXPECT_TRUE(IsPf(r, P | RSVD | W | US, la));
    std::vector<Write> want = used() ? a_writes(0, idx()) : std::vector<Write>{};
    EXPECT_EQ(want, env.log.writes);
    EXPECT_EQ(idx() + 1 + want.size(), r.mem_refs);
    if (!used()) {
        EXPECT_TRUE(memory_unchanged());
    }
}

// A protection fault is found only once the whole walk is done: every non-leaf
// entry was consumed.
TEST_P(WalkerAdFault, ProtectionFault)
{
    change(idx(), 0, MMU_PTE_RW);
    mmu_result_t r = env.translate(la, kWrite, 3);
    EXPECT_TRUE(IsPf(r, P | W | US, la));
    std::vector<Write> want = used() ? a_writes(0, n() - 1) : std::vector<Write>{};
    EXPECT_EQ(want, env.log.writes);
    EXPECT_EQ(n() + want.size(), r.mem_refs);
    if (!used()) {
        EXPECT_TRUE(memory_unchanged());
    }
}

TEST_P(WalkerAdFault, NonCanonicalGpWritesNothing)
{
    const uint64_t bad = la ^ (1ull << 62);
    mmu_result_t r = env.translate(bad, kWrite, 3);
    EXPECT_TRUE(IsGp(r));
    EXPECT_TRUE(env.log.reads.empty());
    EXPECT_TRUE(env.log.writes.empty());
    EXPECT_EQ(0u, r.mem_refs);
    EXPECT_TRUE(memory_unchanged());
}

// The fault handler fixes the entry and the access is retried: with NONE it writes
// exactly one set of A/D updates; with USED only the flags the fault left unset.
TEST_P(WalkerAdFault, RetryAfterFixWritesEachFlagOnce)
{
    const uint64_t fixed = before[idx()];
    change(idx(), 0, MMU_PTE_P);
    EXPECT_TRUE(IsPf(env.translate(la, kWrite, 3), W | US, la));
    change(idx(), MMU_PTE_P, 0);
    ASSERT_EQ(fixed, before[idx()]);
    mmu_result_t r = env.translate(la, kWrite, 3);
    EXPECT_TRUE(IsOk(r, pa));
    EXPECT_EQ(a_writes(used() ? idx() : 0, n(), true), env.log.writes);
}


// ---- the sparse memory's entries read and updated inline (walker.c) --------------------------

namespace sparse_inline {

// A world of random page tables, built twice: the MMU over mmu_sparse_mem_ops()
// (whose walker reads and updates the entries inline) and the MMU over the
// same operations behind a logging layer (every access through the
// operations). Every request must give the same answer, counters and memory.
struct Twin {
    mmu_sparse_mem_t *mem[2] = {nullptr, nullptr};
    MemLog log;
    mmu_t *mmu[2] = {nullptr, nullptr};
    ~Twin()
    {
        for (int i = 0; i < 2; i++) {
            mmu_destroy(mmu[i]);
            mmu_sparse_mem_destroy(mem[i]);
        }
    }
};

constexpr unsigned kFrames = 40;
constexpr unsigned kMemPhys = 40; // the memory: entries may point beyond it (ERANGE)

uint64_t next(uint64_t &x)
{
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    return x;
}

// A random entry: mostly a table or page below the memory's end with random
// rights, A/D, PS, G, XD and keys; some not present, some with a reserved
// bit (MAXPHYADDR 46), some pointing beyond the memory.
uint64_t random_entry(uint64_t &x)
{
    const uint64_t r = next(x);
    if (r % 10 == 0)
        return next(x) & ~MMU_PTE_P;
    uint64_t frame = kPool + ((next(x) % kFrames) << 12);
    if (r % 23 == 1)
        frame = (1ull << kMemPhys) + ((next(x) & 0xff) << 12);
    uint64_t e = frame | MMU_PTE_P;
    const uint64_t f = next(x);
    e |= (f & 1) || (f & 0x300) ? MMU_PTE_RW : 0;
    e |= (f & 2) || (f & 0xc00) ? MMU_PTE_US : 0;
    e |= (f & 4) ? MMU_PTE_A : 0;
    e |= (f & 8) ? MMU_PTE_D : 0;
    e |= (f % 7 == 0) ? MMU_PTE_PS : 0;
    e |= (f & 0x10) ? MMU_PTE_G : 0;
    e |= (f % 11 == 0) ? MMU_PTE_XD : 0;
    e |= (f % 5 == 0) ? MMU_PTE_PKEY((f >> 20) & 15) : 0;
    if (f % 31 == 0)
        e |= 1ull << (46 + (f >> 40) % 6); // reserved: above MAXPHYADDR
    return e;
}

void compare_memory(Twin &t, const char *when, unsigned step)
{
    for (uint64_t pa = kPool; pa < kPool + (uint64_t(kFrames) << 12); pa += 8) {
        uint64_t a = 0, b = 0;
        mmu_sparse_mem_read64(t.mem[0], pa, &a);
        mmu_sparse_mem_read64(t.mem[1], pa, &b);
        if (a != b) {
            ADD_FAILURE() << when << " step " << step << ": word at " << hex(pa) << ": inline "
                          << hex(a) << ", through the operations " << hex(b);
            return;
        }
    }
}

void run_twin(uint64_t seed, unsigned levels, unsigned ad_on_fault, unsigned page_1g,
              unsigned level_latency, unsigned walkers, bool with_cov = false)
{
    SCOPED_TRACE("seed " + hex(seed) + " levels " + std::to_string(levels) + " ad_on_fault " +
                 std::to_string(ad_on_fault) + " page_1g " + std::to_string(page_1g));
    Twin t;
    for (int i = 0; i < 2; i++)
        ASSERT_EQ(0, mmu_sparse_mem_create(kMemPhys, &t.mem[i]));
    uint64_t x = seed;
    // Entries 0..7 of every table, so that random addresses find them.
    for (unsigned f = 0; f < kFrames; f++)
        for (unsigned i = 0; i < 8; i++) {
            const uint64_t pa = kPool + (uint64_t(f) << 12) + 8 * i, e = random_entry(x);
            for (int m = 0; m < 2; m++)
                ASSERT_EQ(0, mmu_sparse_mem_write64(t.mem[m], pa, e));
        }
    t.log.inner = mmu_sparse_mem_ops(t.mem[1]);
    mmu_mem_ops_t ops[2] = {mmu_sparse_mem_ops(t.mem[0]), MMU_MEM_OPS_INIT};
    ops[1].read64 = &MemLog::read64;
    ops[1].cmpxchg64 = &MemLog::cmpxchg64;
    ops[1].ctx = &t.log;
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    cfg.ad_on_fault = ad_on_fault;
    cfg.page_1g = page_1g;
    cfg.walk_level_latency = level_latency;
    cfg.walkers = walkers;
    for (int i = 0; i < 2; i++)
        ASSERT_EQ(0, mmu_create(&cfg, &ops[i], &t.mmu[i], nullptr));
    // Coverage attached after create: the walk must then give every hook
    // its event on both MMUs.
    std::unique_ptr<mmu_cov_t, void (*)(mmu_cov_t *)> cov[2] = {{nullptr, mmu_cov_destroy},
                                                                {nullptr, mmu_cov_destroy}};
    if (with_cov)
        for (int i = 0; i < 2; i++) {
            mmu_cov_t *c = nullptr;
            ASSERT_EQ(0, mmu_cov_create(&c, nullptr));
            cov[i].reset(c);
            ASSERT_EQ(0, mmu_cov_attach(t.mmu[i], c, nullptr));
        }
    unsigned flags = 0;
    mmu_cycle_t now = 0;
    for (unsigned step = 0; step < 4000; step++) {
        const uint64_t r = next(x);
        if (step % 97 == 0) {
            flags = unsigned(next(x)) & (kWP | kNXE | kSMEP | kSMAP | kAC | kPKE | kPKS | kPGE);
            const mmu_ctrl_t c = make_ctrl(kPool, levels, flags, uint32_t(next(x)),
                                           uint32_t(next(x)));
            for (int i = 0; i < 2; i++)
                ASSERT_EQ(0, mmu_set_ctrl(t.mmu[i], &c, nullptr));
        } else if (r % 41 == 0) {
            for (int i = 0; i < 2; i++)
                mmu_flush_all(t.mmu[i]);
        }
        // Indices 0..7 at every level (0 or 7 above the top, for both halves).
        uint64_t la = 0;
        for (unsigned l = 1; l <= levels; l++)
            la |= (next(x) & 7) << (3 + 9 * l);
        la |= next(x) & 0xfff;
        const unsigned top = levels == 5 ? 56 : 47;
        if ((la >> top) & 1)
            la |= ~0ull << top; // canonical, upper half
        if (r % 53 == 0)
            la ^= 1ull << 62; // not canonical
        mmu_req_t q = MMU_REQ_INIT;
        q.la = la;
        q.type = uint8_t(next(x) % 3);
        q.cpl = (r & 0x100) ? 3 : 0;
        q.flags = (r % 13 == 0) ? MMU_REQ_IMPLICIT : 0;
        q.now = now;
        mmu_result_t res[2];
        int rc[2];
        for (int i = 0; i < 2; i++)
            rc[i] = mmu_translate(t.mmu[i], &q, &res[i]);
        ASSERT_EQ(rc[1], rc[0]) << "step " << step << " la " << hex(la);
        if (rc[0] == 0) {
            ASSERT_EQ(0, memcmp(&res[0], &res[1], sizeof res[0]))
                << "step " << step << " la " << hex(la) << ": inline " << describe(res[0])
                << " done " << res[0].done_at << ", through the operations " << describe(res[1])
                << " done " << res[1].done_at;
            now = res[0].done_at;
        } else {
            ASSERT_STREQ(mmu_last_error(t.mmu[1]), mmu_last_error(t.mmu[0]));
        }
        if (step % 250 == 0)
            compare_memory(t, "during", step);
    }
    compare_memory(t, "after", 4000);
    mmu_stats_t s[2];
    for (int i = 0; i < 2; i++)
        mmu_get_stats(t.mmu[i], &s[i]);
    EXPECT_EQ(0, memcmp(&s[0], &s[1], sizeof s[0]));
    EXPECT_GT(s[0].walks, 1000u);
    EXPECT_GT(s[0].walk_ad_updates, 100u);
    EXPECT_GT(s[0].faults_pf_rsvd, 10u);
    EXPECT_GT(s[0].faults_pf_prot, 10u);
    EXPECT_GT(t.log.writes.size(), 100u);
    if (with_cov) {
        uint64_t walk_bins = 0;
        for (unsigned b = 0; b < mmu_cov_bins(); b++) {
            ASSERT_EQ(mmu_cov_count(cov[1].get(), b), mmu_cov_count(cov[0].get(), b))
                << "bin " << b;
            if (mmu_cov_bin_group(b) == MMU_COV_G_AD)
                walk_bins += mmu_cov_count(cov[0].get(), b);
        }
        EXPECT_GT(walk_bins, 100u);
        for (int i = 0; i < 2; i++)
            ASSERT_EQ(0, mmu_cov_attach(t.mmu[i], nullptr, nullptr));
    }
}

} // namespace sparse_inline

// Over mmu_sparse_mem_ops() the walker reads and updates entries inline,
// reads all levels before charging their latencies, and looks the rights
// up in the MMU's table: every answer, counter, cycle and word written must
// equal the walk through the operations (mmu_pte_check, each latency
// charged as its entry is read), faults, reserved bits, memory errors and
// A/D updates on faults included.
TEST(WalkerSparse, InlineWalkEqualsTheWalkThroughTheOperations)
{
    using namespace sparse_inline;
    run_twin(0x5eed0001, 4, MMU_AD_ON_FAULT_NONE, 1, 0, 2);
    run_twin(0x5eed0002, 4, MMU_AD_ON_FAULT_USED, 0, 3, 1);
    run_twin(0x5eed0003, 5, MMU_AD_ON_FAULT_USED, 1, 1, 4);
    run_twin(0x5eed0004, 5, MMU_AD_ON_FAULT_NONE, 0, 0, 2);
}

// With a host latency callback, each level is read once the latency of the
// one above has been asked for: a host whose callback lets another agent run
// (which here remaps the page while the walker waits for the PDE) sees the
// walk read the PTE as that agent left it, over the sparse memory too.
namespace sparse_inline {
struct Remapper {
    mmu_sparse_mem_t *mem;
    uint64_t pde_pa, pte_pa, new_pte;
    unsigned fired = 0;
    static unsigned latency(void *ctx, uint64_t pa, int locked, uint64_t)
    {
        Remapper *r = static_cast<Remapper *>(ctx);
        if (pa == r->pde_pa && !locked && !r->fired++)
            mmu_sparse_mem_write64(r->mem, r->pte_pa, r->new_pte);
        return 10;
    }
};
} // namespace sparse_inline

TEST(WalkerSparse, ALatencyCallbackSeesEachLevelReadAfterTheOneAbove)
{
    using namespace sparse_inline;
    mmu_sparse_mem_t *mem = nullptr;
    ASSERT_EQ(0, mmu_sparse_mem_create(46, &mem));
    mmu_mem_ops_t ops = mmu_sparse_mem_ops(mem);
    mmu_ptb_t *pt = nullptr;
    ASSERT_EQ(0, mmu_ptb_create(&ops, 4, kPool, kPoolSize, &pt));
    ASSERT_EQ(0, mmu_ptb_map(pt, kTestVa, kTestFrame, 0x1000, MMU_PAGE_4K, kUserRw));
    Remapper r{mem, 0, 0, 0};
    ASSERT_EQ(0, mmu_ptb_entry_addr(pt, kTestVa, 2, &r.pde_pa));
    ASSERT_EQ(0, mmu_ptb_entry_addr(pt, kTestVa, 1, &r.pte_pa));
    r.new_pte = (kTestFrame + 0x5000) | kUserRw | MMU_PTE_A;
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    cfg.memlat_cb = &Remapper::latency;
    cfg.memlat_ctx = &r;
    mmu_t *mmu = nullptr;
    ASSERT_EQ(0, mmu_create(&cfg, &ops, &mmu, nullptr));
    const mmu_ctrl_t c = make_ctrl(mmu_ptb_root(pt), 4, 0);
    ASSERT_EQ(0, mmu_set_ctrl(mmu, &c, nullptr));
    mmu_req_t q = MMU_REQ_INIT;
    q.la = kTestVa + 0x123;
    q.cpl = 3;
    mmu_result_t res;
    ASSERT_EQ(0, mmu_translate(mmu, &q, &res));
    EXPECT_EQ(1u, r.fired);
    EXPECT_TRUE(IsOk(res, kTestFrame + 0x5123));
    EXPECT_EQ(4u + 3u, res.mem_refs); // four reads; A set in PML4E, PDPTE and PDE
    mmu_destroy(mmu);
    mmu_ptb_destroy(pt);
    mmu_sparse_mem_destroy(mem);
}

// mmu_translate's miss path takes the walker's plain walk inline (walker.h)
// only without coverage: attached after create, coverage must see every
// walk, lookup and A/D update over mmu_sparse_mem_ops() as it does through
// wrapped operations (where the plain walk never runs).
TEST(WalkerSparse, CoverageAttachedAfterCreateSeesThePlainWalksToo)
{
    using namespace sparse_inline;
    if (!mmu_cov_compiled_in())
        GTEST_SKIP() << "coverage compiled out";
    run_twin(0x5eed0001, 4, MMU_AD_ON_FAULT_NONE, 1, 0, 2, true);
    run_twin(0x5eed0003, 5, MMU_AD_ON_FAULT_USED, 1, 1, 4, true);
}

} // namespace
