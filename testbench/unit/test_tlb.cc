/* SPDX-License-Identifier: Apache-2.0 */
// One translation-cache array (model/tlb.c), tested alone: configuration
// checks, tag matching (page number, granule, PCID, global: SDM 4.10.2),
// set indexing, each replacement policy's exact victims, fills, and each
// kind of invalidation (SDM 4.10.4).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <vector>

extern "C" {
#include "tlb.h"
}

namespace {

constexpr uint64_t K4 = 1ull << 12, M2 = 1ull << 21, G1 = 1ull << 30;

mmu_array_cfg_t cfg(unsigned entries, unsigned ways, unsigned repl = MMU_REPL_LRU,
                    unsigned index = MMU_INDEX_LOW, unsigned index_bits = 0)
{
    mmu_array_cfg_t c{};
    c.entries = entries;
    c.ways = ways;
    c.sizes = MMU_SIZE_4K;
    c.repl = repl;
    c.index = index;
    c.index_bits = index_bits;
    return c;
}

// An array that frees itself; init must succeed.
struct Tlb {
    mmu_tlb_t t{};
    explicit Tlb(const mmu_array_cfg_t &c, unsigned granules = MMU_SIZE_4K, uint64_t seed = 1)
    {
        mmu_err_t err{};
        int rc = mmu_tlb_init(&t, &c, granules, seed, "test", &err);
        EXPECT_EQ(rc, 0) << err.msg;
    }
    ~Tlb() { mmu_tlb_free(&t); }
    Tlb(const Tlb &) = delete;
    Tlb &operator=(const Tlb &) = delete;

    // Fill a page at la; returns the evicted entry's base address, or ~0 if none.
    uint64_t fill(uint64_t la, unsigned granule = 0, uint16_t pcid = 0, bool global = false,
                  uint64_t frame = 0x1000)
    {
        mmu_tlb_entry_t v{}, victim{};
        v.frame = frame;
        v.granule = (uint8_t)granule;
        v.pcid = pcid;
        v.global = global;
        if (!mmu_tlb_fill(&t, la, &v, &victim))
            return ~0ull;
        return victim.vpn << (12 + 9 * victim.granule);
    }
    mmu_tlb_entry_t *look(uint64_t la, uint16_t pcid = 0) { return mmu_tlb_lookup(&t, la, pcid); }
    bool hit(uint64_t la, uint16_t pcid = 0) { return look(la, pcid) != nullptr; }
    // Which set and way an entry lives in (the array is set-major).
    unsigned set_of(const mmu_tlb_entry_t *e) const { return (unsigned)(e - t.e) / t.ways; }
    unsigned way_of(const mmu_tlb_entry_t *e) const { return (unsigned)(e - t.e) % t.ways; }
    unsigned inv(mmu_tlb_inv_t q) { return mmu_tlb_invalidate(&t, &q); }
};

// ---- configuration ----------------------------------------------------------

std::string bad(const mmu_array_cfg_t &c, const char *name = "l1d.4k")
{
    mmu_err_t err{};
    int rc = mmu_array_cfg_validate(&c, name, &err);
    EXPECT_EQ(rc, MMU_EINVAL);
    EXPECT_EQ(err.code, MMU_EINVAL);
    return err.msg;
}

TEST(Tlb, ValidateAcceptsAbsentArrayWhateverElse)
{
    mmu_array_cfg_t c = cfg(0, 0, 9, 9, 99);
    EXPECT_EQ(mmu_array_cfg_validate(&c, "l2.1g", nullptr), 0);
}

TEST(Tlb, ValidateAcceptsGoodGeometries)
{
    for (auto c : {cfg(64, 4), cfg(1536, 12, MMU_REPL_LRU, MMU_INDEX_XOR), cfg(32, 32, MMU_REPL_PLRU),
                   cfg(4, 1), cfg(128, 8, MMU_REPL_RANDOM, MMU_INDEX_XOR, 7),
                   cfg(16, 4, MMU_REPL_FIFO, MMU_INDEX_LOW, 40)}) {
        mmu_err_t err{};
        EXPECT_EQ(mmu_array_cfg_validate(&c, "x", &err), 0) << err.msg;
    }
}

TEST(Tlb, ValidateRejectsZeroWays)
{
    EXPECT_EQ(bad(cfg(64, 0), "l2.4k2m"), "l2.4k2m: ways=0: must be >= 1");
}

TEST(Tlb, ValidateRejectsMoreWaysThanEntries)
{
    EXPECT_EQ(bad(cfg(8, 16)), "l1d.4k: ways=16: must be <= entries=8");
}

TEST(Tlb, ValidateRejectsEntriesNotDivisibleByWays)
{
    EXPECT_EQ(bad(cfg(60, 8)), "l1d.4k: entries=60 not divisible by ways=8");
}

TEST(Tlb, ValidateRejectsNonPowerOfTwoSets)
{
    EXPECT_EQ(bad(cfg(12, 4), "psc.pde"), "psc.pde: sets=3 (entries/ways): must be a power of two");
}

TEST(Tlb, ValidateRejectsUnknownReplacement)
{
    EXPECT_EQ(bad(cfg(64, 4, 4)), "l1d.4k: repl=4: must be 0..3 (lru, plru, fifo, random)");
}

TEST(Tlb, ValidateRejectsPlruWithNonPowerOfTwoWays)
{
    EXPECT_EQ(bad(cfg(96, 12, MMU_REPL_PLRU)), "l1d.4k: ways=12: plru needs a power of two");
    mmu_array_cfg_t lru = cfg(96, 12, MMU_REPL_LRU);
    EXPECT_EQ(mmu_array_cfg_validate(&lru, "x", nullptr), 0);
}

TEST(Tlb, ValidateRejectsUnknownIndex)
{
    EXPECT_EQ(bad(cfg(64, 4, MMU_REPL_LRU, 2)), "l1d.4k: index=2: must be 0 (low) or 1 (xor)");
}

TEST(Tlb, ValidateRejectsTooManyIndexBits)
{
    EXPECT_EQ(bad(cfg(64, 4, MMU_REPL_LRU, MMU_INDEX_XOR, 41)),
              "l1d.4k: index_bits=41: must be <= 40");
}

TEST(Tlb, ValidateRejectsXorFoldNarrowerThanIndex)
{
    // 128 sets need 7 bits; folding 6 would leave half the sets unused.
    EXPECT_EQ(bad(cfg(1024, 8, MMU_REPL_LRU, MMU_INDEX_XOR, 6), "l2.4k2m"),
              "l2.4k2m: index_bits=6: xor index needs >= log2(sets)=7");
    mmu_array_cfg_t seven = cfg(1024, 8, MMU_REPL_LRU, MMU_INDEX_XOR, 7);
    EXPECT_EQ(mmu_array_cfg_validate(&seven, "x", nullptr), 0);
}

// The model's size limits (mmu_config.h), each at the bound and one past it.
TEST(Tlb, ValidateAcceptsUpToTheEntryLimit)
{
    for (auto c : {cfg(MMU_ARRAY_MAX_ENTRIES, 16), cfg(MMU_ARRAY_MAX_ENTRIES, MMU_ARRAY_MAX_WAYS),
                   cfg(MMU_ARRAY_MAX_FA, MMU_ARRAY_MAX_FA), cfg(64 * 128, 64)}) {
        mmu_err_t err{};
        EXPECT_EQ(mmu_array_cfg_validate(&c, "x", &err), 0) << err.msg;
    }
}

TEST(Tlb, ValidateRejectsMoreThanAMillionEntries)
{
    EXPECT_EQ(bad(cfg(MMU_ARRAY_MAX_ENTRIES * 2, 16), "l2.4k2m"),
              "l2.4k2m: entries=2097152: must be <= 1048576");
    EXPECT_EQ(bad(cfg(1u << 31, 1u << 31)), "l1d.4k: entries=2147483648: must be <= 1048576");
    EXPECT_EQ(bad(cfg(64u << 20, 16)), "l1d.4k: entries=67108864: must be <= 1048576");
}

TEST(Tlb, ValidateRejectsMoreThan64WaysUnlessFullyAssociative)
{
    EXPECT_EQ(bad(cfg(256, 128)),
              "l1d.4k: ways=128: must be <= 64, or equal to entries=256 (fully associative, up "
              "to 4096 entries)");
    mmu_array_cfg_t fa = cfg(128, 128);
    EXPECT_EQ(mmu_array_cfg_validate(&fa, "x", nullptr), 0);
}

TEST(Tlb, ValidateRejectsFullyAssociativeBeyond4096)
{
    EXPECT_EQ(bad(cfg(8192, 8192), "l2.1g"),
              "l2.1g: entries=8192, ways=8192: a fully-associative array holds at most 4096 "
              "entries");
}

TEST(Tlb, ValidateWithNullErrStillReturnsCode)
{
    mmu_array_cfg_t c = cfg(64, 0);
    EXPECT_EQ(mmu_array_cfg_validate(&c, "x", nullptr), MMU_EINVAL);
}

TEST(Tlb, InitRejectsBadConfigAndLeavesArrayEmpty)
{
    mmu_tlb_t t;
    memset(&t, 0xa5, sizeof t);
    mmu_array_cfg_t c = cfg(60, 8);
    mmu_err_t err{};
    EXPECT_EQ(mmu_tlb_init(&t, &c, MMU_SIZE_4K, 1, "l1d.4k", &err), MMU_EINVAL);
    EXPECT_STREQ(err.msg, "l1d.4k: entries=60 not divisible by ways=8");
    EXPECT_EQ(t.e, nullptr);
    EXPECT_EQ(t.sets, 0u);
    mmu_tlb_free(&t); // safe on a failed init
}

TEST(Tlb, InitRejectsEmptyOrOutOfRangeGranuleMask)
{
    mmu_tlb_t t;
    mmu_array_cfg_t c = cfg(16, 4);
    mmu_err_t err{};
    EXPECT_EQ(mmu_tlb_init(&t, &c, 0, 1, "l2", &err), MMU_EINVAL);
    EXPECT_EQ(mmu_tlb_init(&t, &c, 1u << MMU_GRANULES, 1, "l2", &err), MMU_EINVAL);
    EXPECT_NE(std::string(err.msg).find("l2: granule mask"), std::string::npos) << err.msg;
    EXPECT_EQ(t.e, nullptr);
}

TEST(Tlb, InitStoresGeometry)
{
    Tlb a(cfg(64, 4), MMU_SIZE_4K | MMU_SIZE_2M);
    EXPECT_EQ(a.t.sets, 16u);
    EXPECT_EQ(a.t.ways, 4u);
    EXPECT_EQ(a.t.set_bits, 4u);
    EXPECT_EQ(a.t.granules, MMU_SIZE_4K | MMU_SIZE_2M);
    EXPECT_EQ(mmu_tlb_occupancy(&a.t), 0u);
}

// ---- absent array -------------------------------------------------------------

TEST(Tlb, AbsentArrayNeverHitsAndIgnoresFills)
{
    Tlb a(cfg(0, 0));
    EXPECT_EQ(a.t.sets, 0u);
    EXPECT_EQ(a.t.e, nullptr);
    EXPECT_EQ(a.fill(0x1000), ~0ull);
    EXPECT_FALSE(a.hit(0x1000));
    EXPECT_EQ(a.inv({}), 0u);
    mmu_tlb_inv_t all{false, 0, true, 0, true, true};
    EXPECT_EQ(a.inv(all), 0u);
    EXPECT_EQ(mmu_tlb_occupancy(&a.t), 0u);
}

TEST(Tlb, FreeAcceptsZeroedArrayAndZeroes)
{
    mmu_tlb_t z{};
    mmu_tlb_free(&z);
    mmu_tlb_free(nullptr);
    mmu_tlb_t t;
    mmu_array_cfg_t c = cfg(16, 4);
    ASSERT_EQ(mmu_tlb_init(&t, &c, MMU_SIZE_4K, 1, "x", nullptr), 0);
    mmu_tlb_free(&t);
    EXPECT_EQ(t.e, nullptr);
    EXPECT_EQ(t.sets, 0u);
    mmu_tlb_free(&t); // twice is fine
}

// ---- matching -------------------------------------------------------------------

TEST(Tlb, HitsOnlyTheFilledPage)
{
    Tlb a(cfg(64, 4));
    a.fill(0x7f0000345000, 0, 0, false, 0xabc000);
    mmu_tlb_entry_t *e = a.look(0x7f0000345fff);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->frame, 0xabc000u);
    EXPECT_EQ(e->vpn, 0x7f0000345ull);
    EXPECT_TRUE(MMU_TLB_VALID(e));
    EXPECT_FALSE(a.hit(0x7f0000346000)); // next page
    EXPECT_FALSE(a.hit(0x7f0000344fff)); // previous page
    // Same set (low index bits equal), different tag.
    EXPECT_FALSE(a.hit(0x7f0000345000 + 16 * K4));
}

TEST(Tlb, KernelAddressesKeepTheirSignBits)
{
    Tlb a(cfg(64, 4));
    const uint64_t kla = 0xffff800000345000ull, ula = 0x0000000000345000ull;
    a.fill(kla);
    EXPECT_TRUE(a.hit(kla));
    EXPECT_FALSE(a.hit(ula)); // same low 36 bits, other half of the address space
    EXPECT_EQ(a.look(kla)->vpn, kla >> 12);
}

TEST(Tlb, GranuleIsPartOfTheTag)
{
    // A 2M entry whose vpn equals a 4K page number must not answer for that 4K
    // page, and vice versa.
    Tlb a(cfg(64, 4), MMU_SIZE_4K | MMU_SIZE_2M);
    a.fill(5 * M2, 1); // vpn 5, granule 1
    EXPECT_FALSE(a.hit(5 * K4)); // vpn 5 at granule 0
    EXPECT_TRUE(a.hit(5 * M2 + 0x1234));
    a.fill(7 * K4, 0);
    EXPECT_FALSE(a.hit(7 * M2));
}

TEST(Tlb, TwoMegEntryCoversEveryAddressInside)
{
    Tlb a(cfg(32, 4), MMU_SIZE_2M);
    a.fill(3 * M2 + 0x5000, 1); // filled from an address inside the page
    EXPECT_TRUE(a.hit(3 * M2));
    EXPECT_TRUE(a.hit(3 * M2 + 0x1fffff));
    EXPECT_FALSE(a.hit(4 * M2));
    EXPECT_FALSE(a.hit(3 * M2 - 1));
}

TEST(Tlb, NonGlobalEntryHitsOnlyItsPcid)
{
    Tlb a(cfg(64, 4));
    a.fill(0x400000, 0, 7);
    EXPECT_TRUE(a.hit(0x400000, 7));
    EXPECT_FALSE(a.hit(0x400000, 8));
    EXPECT_FALSE(a.hit(0x400000, 0));
}

TEST(Tlb, GlobalEntryHitsUnderAnyPcid)
{
    // SDM 4.10.2.4: a global entry may be used whatever the current PCID.
    Tlb a(cfg(64, 4));
    a.fill(0xffffffff81000000ull, 0, 7, true);
    EXPECT_TRUE(a.hit(0xffffffff81000000ull, 7));
    EXPECT_TRUE(a.hit(0xffffffff81000000ull, 8));
    EXPECT_TRUE(a.hit(0xffffffff81000000ull, 0xfff));
}

TEST(Tlb, SamePageUnderTwoPcidsIsTwoEntries)
{
    Tlb a(cfg(64, 4));
    a.fill(0x400000, 0, 1, false, 0x1000);
    a.fill(0x400000, 0, 2, false, 0x2000);
    EXPECT_EQ(mmu_tlb_occupancy(&a.t), 2u);
    EXPECT_EQ(a.look(0x400000, 1)->frame, 0x1000u);
    EXPECT_EQ(a.look(0x400000, 2)->frame, 0x2000u);
}

TEST(Tlb, ThreeGranuleArrayFindsEachSize)
{
    Tlb a(cfg(64, 4), MMU_SIZE_4K | MMU_SIZE_2M | MMU_SIZE_1G);
    a.fill(0x10000000000ull + 0x3000, 0, 0, false, 0xa000); // 4K
    a.fill(0x20000000000ull + 0x600000, 1, 0, false, 0xb00000); // 2M
    a.fill(0x30000000000ull + 2 * G1, 2, 0, false, 0xc0000000); // 1G
    mmu_tlb_entry_t *e;
    ASSERT_NE(e = a.look(0x10000000000ull + 0x3abc), nullptr);
    EXPECT_EQ(e->granule, 0);
    EXPECT_EQ(e->frame, 0xa000u);
    ASSERT_NE(e = a.look(0x20000000000ull + 0x7fffff), nullptr);
    EXPECT_EQ(e->granule, 1);
    EXPECT_EQ(e->frame, 0xb00000u);
    ASSERT_NE(e = a.look(0x30000000000ull + 2 * G1 + 0x3fffffff), nullptr);
    EXPECT_EQ(e->granule, 2);
    EXPECT_EQ(e->frame, 0xc0000000u);
    EXPECT_FALSE(a.hit(0x10000000000ull + 0x4000));
    EXPECT_FALSE(a.hit(0x20000000000ull + 0x800000));
    EXPECT_FALSE(a.hit(0x30000000000ull + 3 * G1));
}

TEST(Tlb, SmallestGranuleWinsWhenTwoCover)
{
    Tlb a(cfg(64, 4), MMU_SIZE_4K | MMU_SIZE_2M);
    a.fill(M2, 1, 0, false, 0x200000);
    a.fill(M2 + 0x3000, 0, 0, false, 0x9000);
    EXPECT_EQ(a.look(M2 + 0x3000)->granule, 0);
    EXPECT_EQ(a.look(M2 + 0x4000)->granule, 1);
}

TEST(Tlb, FillOfGranuleNotHeldDoesNothing)
{
    Tlb a(cfg(64, 4), MMU_SIZE_4K);
    EXPECT_EQ(a.fill(M2, 1), ~0ull);
    EXPECT_EQ(mmu_tlb_occupancy(&a.t), 0u);
    EXPECT_FALSE(a.hit(M2));
}

// ---- fill and eviction ------------------------------------------------------------

TEST(Tlb, FillOfExistingTagOverwritesWithoutEviction)
{
    Tlb a(cfg(4, 4)); // one full set: any new tag would evict
    for (uint64_t i = 0; i < 4; i++)
        a.fill(i * K4, 0, 3, false, 0x1000);
    mmu_tlb_entry_t *before = a.look(2 * K4, 3);
    mmu_tlb_entry_t v{};
    v.frame = 0x99000;
    v.pcid = 3;
    v.dirty = 1;
    mmu_tlb_entry_t victim{};
    victim.vpn = 0x1234;
    EXPECT_EQ(mmu_tlb_fill(&a.t, 2 * K4 + 0x10, &v, &victim), 0);
    EXPECT_EQ(victim.vpn, 0x1234u); // untouched
    EXPECT_EQ(mmu_tlb_occupancy(&a.t), 4u);
    mmu_tlb_entry_t *after = a.look(2 * K4, 3);
    EXPECT_EQ(after, before); // same slot
    EXPECT_EQ(after->frame, 0x99000u);
    EXPECT_EQ(after->dirty, 1);
    for (uint64_t i = 0; i < 4; i++)
        EXPECT_TRUE(a.hit(i * K4, 3));
}

TEST(Tlb, GlobalFillOverwritesGlobalWhateverPcid)
{
    Tlb a(cfg(4, 4));
    a.fill(K4, 0, 1, true, 0x1000);
    a.fill(K4, 0, 2, true, 0x2000);
    EXPECT_EQ(mmu_tlb_occupancy(&a.t), 1u);
    EXPECT_EQ(a.look(K4, 5)->frame, 0x2000u);
}

TEST(Tlb, EvictionReturnsTheVictim)
{
    Tlb a(cfg(2, 2));
    mmu_tlb_entry_t v{}, victim{};
    v.frame = 0xf000;
    v.pcid = 9;
    v.perms = MMU_PERM_W;
    EXPECT_EQ(mmu_tlb_fill(&a.t, 0x1000, &v, &victim), 0);
    v.frame = 0xe000;
    EXPECT_EQ(mmu_tlb_fill(&a.t, 0x2000, &v, &victim), 0);
    v.frame = 0xd000;
    EXPECT_EQ(mmu_tlb_fill(&a.t, 0x3000, &v, &victim), 1);
    EXPECT_EQ(victim.vpn, 1u);
    EXPECT_EQ(victim.frame, 0xf000u);
    EXPECT_EQ(victim.pcid, 9);
    EXPECT_EQ(victim.perms, MMU_PERM_W);
    EXPECT_TRUE(MMU_TLB_VALID(&victim));
    EXPECT_FALSE(a.hit(0x1000, 9));
    // A NULL victim pointer still reports the eviction.
    EXPECT_EQ(mmu_tlb_fill(&a.t, 0x4000, &v, nullptr), 1);
}

TEST(Tlb, InvalidWayIsUsedBeforeAnyEviction)
{
    Tlb a(cfg(4, 4));
    for (uint64_t i = 0; i < 4; i++)
        a.fill(i * K4);
    mmu_tlb_inv_t q{true, 2 * K4, false, 0, true, false};
    EXPECT_EQ(a.inv(q), 1u);
    EXPECT_EQ(a.fill(9 * K4), ~0ull); // goes into the hole, no eviction
    EXPECT_EQ(a.way_of(a.look(9 * K4)), 2u);
    for (uint64_t i : {0, 1, 3})
        EXPECT_TRUE(a.hit(i * K4));
}

TEST(Tlb, FullyAssociativeArrayHoldsAnyPagesUntilFull)
{
    // ways == entries: one set; pages that would collide in a set-indexed
    // array all fit.
    Tlb a(cfg(8, 8));
    EXPECT_EQ(a.t.sets, 1u);
    for (uint64_t i = 0; i < 8; i++)
        EXPECT_EQ(a.fill(i * 1024 * K4), ~0ull);
    for (uint64_t i = 0; i < 8; i++) {
        mmu_tlb_entry_t *e = a.look(i * 1024 * K4);
        ASSERT_NE(e, nullptr);
        EXPECT_EQ(a.set_of(e), 0u);
    }
    EXPECT_NE(a.fill(99 * K4), ~0ull); // the ninth evicts
}

TEST(Tlb, FullyAssociativeIgnoresXorIndex)
{
    mmu_array_cfg_t c = cfg(8, 8, MMU_REPL_LRU, MMU_INDEX_XOR, 20);
    Tlb a(c);
    for (uint64_t i = 0; i < 8; i++)
        EXPECT_EQ(a.fill((i * 0x12345) * K4), ~0ull);
    EXPECT_EQ(mmu_tlb_occupancy(&a.t), 8u);
}

// ---- set indexing -------------------------------------------------------------------

TEST(Tlb, LowIndexUsesLowPageNumberBits)
{
    Tlb a(cfg(64, 4)); // 16 sets
    a.fill(0x35 * K4);
    EXPECT_EQ(a.set_of(a.look(0x35 * K4)), 5u);
    a.fill(0x35 * M2); // 4K array: vpn 0x35 << 9, set 0
    EXPECT_EQ(a.set_of(a.look(0x35 * M2)), 0u);
}

TEST(Tlb, LowIndexOfTwoMegUsesTwoMegPageNumber)
{
    Tlb a(cfg(64, 4), MMU_SIZE_2M);
    a.fill(0x35 * M2 + 0x1000, 1);
    EXPECT_EQ(a.set_of(a.look(0x35 * M2)), 5u);
}

TEST(Tlb, XorIndexFoldsChunks)
{
    // 16 sets (4 bits), default fold of 8 bits: vpn 0x35 -> 5 ^ 3 = 6.
    Tlb a(cfg(64, 4, MMU_REPL_LRU, MMU_INDEX_XOR));
    a.fill(0x35 * K4);
    EXPECT_EQ(a.set_of(a.look(0x35 * K4)), 6u);
    // Bits above the fold width are ignored: 0x135 also lands in set 6.
    a.fill(0x135 * K4);
    EXPECT_EQ(a.set_of(a.look(0x135 * K4)), 6u);
}

TEST(Tlb, XorIndexFoldsPartialLastChunk)
{
    // 4 sets (2 bits), 5 bits folded: chunks bits 1:0, 3:2 and bit 4 alone.
    Tlb five(cfg(16, 4, MMU_REPL_LRU, MMU_INDEX_XOR, 5));
    Tlb four(cfg(16, 4, MMU_REPL_LRU, MMU_INDEX_XOR, 4));
    five.fill(0x10 * K4);
    four.fill(0x10 * K4);
    EXPECT_EQ(five.set_of(five.look(0x10 * K4)), 1u);
    EXPECT_EQ(four.set_of(four.look(0x10 * K4)), 0u);
    five.fill(0x1f * K4); // 3 ^ 3 ^ 1
    EXPECT_EQ(five.set_of(five.look(0x1f * K4)), 1u);
}

TEST(Tlb, LowAndXorIndexCollideOnDifferentPages)
{
    // Direct-mapped, 4 sets. Page numbers 0 and 4: low index puts both in set
    // 0 (the second evicts the first); XOR puts them in sets 0 and 1.
    // Pages 0 and 5: low index sets 0 and 1; XOR 0 and 1^1 = 0.
    Tlb low(cfg(4, 1)), xr(cfg(4, 1, MMU_REPL_LRU, MMU_INDEX_XOR));
    low.fill(0);
    xr.fill(0);
    EXPECT_EQ(low.fill(4 * K4), 0u); // victim: page 0
    EXPECT_EQ(xr.fill(4 * K4), ~0ull);
    EXPECT_FALSE(low.hit(0));
    EXPECT_TRUE(xr.hit(0));

    Tlb low2(cfg(4, 1)), xr2(cfg(4, 1, MMU_REPL_LRU, MMU_INDEX_XOR));
    low2.fill(0);
    xr2.fill(0);
    EXPECT_EQ(low2.fill(5 * K4), ~0ull);
    EXPECT_EQ(xr2.fill(5 * K4), 0u);
    EXPECT_TRUE(low2.hit(0));
    EXPECT_FALSE(xr2.hit(0));
}

TEST(Tlb, InvalidateByAddressFindsEntriesInXorSets)
{
    Tlb a(cfg(16, 1, MMU_REPL_LRU, MMU_INDEX_XOR));
    a.fill(0x35 * K4);
    mmu_tlb_inv_t q{true, 0x35 * K4 + 8, false, 0, true, false};
    EXPECT_EQ(a.inv(q), 1u);
    EXPECT_FALSE(a.hit(0x35 * K4));
}

// ---- replacement ---------------------------------------------------------------------

// Fill pages 0..3 into a one-set 4-way array.
void fill4(Tlb &a)
{
    for (uint64_t i = 0; i < 4; i++)
        ASSERT_EQ(a.fill(i * K4), ~0ull);
}

TEST(Tlb, LruEvictsLeastRecentlyUsed)
{
    Tlb a(cfg(4, 4, MMU_REPL_LRU));
    fill4(a);
    ASSERT_TRUE(a.hit(0 * K4));
    ASSERT_TRUE(a.hit(2 * K4));
    // Use order now 1, 3, 0, 2.
    EXPECT_EQ(a.fill(10 * K4), 1 * K4);
    EXPECT_EQ(a.fill(11 * K4), 3 * K4);
    EXPECT_EQ(a.fill(12 * K4), 0 * K4);
    EXPECT_EQ(a.fill(13 * K4), 2 * K4);
    EXPECT_EQ(a.fill(14 * K4), 10 * K4);
}

TEST(Tlb, LruOverwriteCountsAsUse)
{
    Tlb a(cfg(4, 4, MMU_REPL_LRU));
    fill4(a);
    a.fill(0); // refresh page 0 in place
    EXPECT_EQ(a.fill(10 * K4), 1 * K4);
}

TEST(Tlb, LruOrderSurvivesClockWrap)
{
    // The 32-bit clock wraps mid-sequence: stamps are renumbered, not left to
    // make the newest entry look oldest.
    Tlb a(cfg(8, 4, MMU_REPL_LRU)); // 2 sets
    a.t.clock = UINT32_MAX - 2;
    a.fill(0 * K4);
    a.fill(2 * K4);
    a.fill(1 * K4); // other set; the clock wraps here
    a.fill(4 * K4);
    a.fill(6 * K4);
    ASSERT_TRUE(a.hit(4 * K4));
    EXPECT_LT(a.t.clock, 100u);
    EXPECT_EQ(a.fill(8 * K4), 0 * K4);
    EXPECT_EQ(a.fill(10 * K4), 2 * K4);
    EXPECT_EQ(a.fill(12 * K4), 6 * K4);
    EXPECT_EQ(a.fill(14 * K4), 4 * K4);
    EXPECT_TRUE(a.hit(1 * K4));
}

TEST(Tlb, PlruFollowsTreeBits)
{
    // 4 ways, tree: root picks half {0,1} / {2,3}, two leaf nodes pick a way.
    // Derived by hand; true LRU would evict pages 3 and 10 at the last two fills.
    Tlb a(cfg(4, 4, MMU_REPL_PLRU));
    fill4(a);            // touches 0,1,2,3: every bit points left -> way 0
    EXPECT_EQ(a.fill(10 * K4), 0 * K4);  // A into way 0: root -> right, left node -> way 1
    ASSERT_TRUE(a.hit(1 * K4));          // way 1: root stays right, left node -> way 0
    EXPECT_EQ(a.fill(11 * K4), 2 * K4);  // right half, right node -> way 2
    EXPECT_EQ(a.fill(12 * K4), 10 * K4); // root -> left, left node -> way 0
    EXPECT_EQ(a.fill(13 * K4), 3 * K4);  // root -> right, right node -> way 3
    EXPECT_EQ(a.way_of(a.look(13 * K4)), 3u);
}

TEST(Tlb, PlruWorksBeyondThirtyTwoWays)
{
    // 64 ways need 63 tree bits: more than one word per set.
    Tlb a(cfg(64, 64, MMU_REPL_PLRU));
    for (uint64_t i = 0; i < 64; i++)
        a.fill(i * K4);
    // Every way touched in order: all bits point left, way 0 goes first; its
    // refill points the root right, so the next victim is way 32.
    EXPECT_EQ(a.fill(100 * K4), 0 * K4);
    EXPECT_EQ(a.fill(101 * K4), 32 * K4);
    EXPECT_EQ(a.fill(102 * K4), 16 * K4);
    EXPECT_EQ(a.fill(103 * K4), 48 * K4);
}

TEST(Tlb, FifoHitDoesNotSaveTheOldest)
{
    Tlb a(cfg(4, 4, MMU_REPL_FIFO));
    fill4(a);
    for (int i = 0; i < 5; i++)
        ASSERT_TRUE(a.hit(0));
    a.fill(0); // an in-place refresh does not re-queue it either
    EXPECT_EQ(a.fill(10 * K4), 0 * K4);
    EXPECT_EQ(a.fill(11 * K4), 1 * K4);
    ASSERT_TRUE(a.hit(2 * K4));
    EXPECT_EQ(a.fill(12 * K4), 2 * K4);
    EXPECT_EQ(a.fill(13 * K4), 3 * K4);
    EXPECT_EQ(a.fill(14 * K4), 10 * K4);
}

std::vector<unsigned> random_victim_ways(uint64_t seed)
{
    Tlb a(cfg(8, 8, MMU_REPL_RANDOM), MMU_SIZE_4K, seed);
    for (uint64_t i = 0; i < 8; i++)
        a.fill(i * K4);
    std::vector<unsigned> ways;
    for (uint64_t i = 100; i < 164; i++) {
        a.fill(i * K4);
        ways.push_back(a.way_of(a.look(i * K4)));
    }
    return ways;
}

TEST(Tlb, RandomIsReproducibleFromSeed)
{
    EXPECT_EQ(random_victim_ways(42), random_victim_ways(42));
    EXPECT_NE(random_victim_ways(42), random_victim_ways(43));
}

TEST(Tlb, RandomWithZeroSeedStillVaries)
{
    std::vector<unsigned> w = random_victim_ways(0);
    std::set<unsigned> distinct(w.begin(), w.end());
    EXPECT_GE(distinct.size(), 4u);
    EXPECT_NE(w, random_victim_ways(1));
}

TEST(Tlb, RandomHitDoesNotChangeVictims)
{
    // Replacement state is the seed only: hits must not consume random numbers.
    Tlb a(cfg(8, 8, MMU_REPL_RANDOM), MMU_SIZE_4K, 7), b(cfg(8, 8, MMU_REPL_RANDOM), MMU_SIZE_4K, 7);
    for (uint64_t i = 0; i < 8; i++) {
        a.fill(i * K4);
        b.fill(i * K4);
    }
    for (int i = 0; i < 10; i++)
        a.hit(3 * K4);
    for (uint64_t i = 100; i < 120; i++)
        EXPECT_EQ(a.fill(i * K4), b.fill(i * K4));
}

// ---- invalidation ----------------------------------------------------------------------

TEST(Tlb, InvalidateByAddressRemovesCoveringTwoMegEntryFromAnyAddressInside)
{
    for (uint64_t off : {0ull, 0x1000ull, 0x12345ull, 0x1fffffull}) {
        Tlb a(cfg(64, 4), MMU_SIZE_4K | MMU_SIZE_2M);
        a.fill(6 * M2, 1, 3);
        a.fill(7 * M2, 1, 3); // neighbour stays
        mmu_tlb_inv_t q{true, 6 * M2 + off, false, 3, true, false};
        EXPECT_EQ(a.inv(q), 1u) << off;
        EXPECT_FALSE(a.hit(6 * M2, 3));
        EXPECT_TRUE(a.hit(7 * M2, 3));
    }
}

TEST(Tlb, InvalidateByAddressHonoursPcidAndGlobal)
{
    Tlb a(cfg(64, 4));
    a.fill(K4, 0, 1);
    a.fill(K4, 0, 2);
    a.fill(2 * K4, 0, 0, true);
    mmu_tlb_inv_t q{true, K4, false, 1, true, false};
    EXPECT_EQ(a.inv(q), 1u); // only PCID 1's copy
    EXPECT_FALSE(a.hit(K4, 1));
    EXPECT_TRUE(a.hit(K4, 2));
    q = {true, 2 * K4, false, 1, true, false};
    EXPECT_EQ(a.inv(q), 0u); // a global entry is kept unless asked
    EXPECT_TRUE(a.hit(2 * K4, 1));
    q.global = true;
    EXPECT_EQ(a.inv(q), 1u);
    EXPECT_FALSE(a.hit(2 * K4, 1));
    // all_pcids: every PCID's copy of the page.
    a.fill(K4, 0, 1);
    a.fill(K4, 0, 3);
    q = {true, K4, true, 0, true, false};
    EXPECT_EQ(a.inv(q), 3u);
    EXPECT_EQ(mmu_tlb_occupancy(&a.t), 0u);
}

TEST(Tlb, InvalidateByPcidKeepsGlobalsAndOtherPcids)
{
    Tlb a(cfg(64, 4));
    for (uint64_t i = 0; i < 4; i++) {
        a.fill(i * K4, 0, 1);
        a.fill((i + 16) * K4, 0, 2);
    }
    a.fill(100 * K4, 0, 1, true);
    mmu_tlb_inv_t q{false, 0, false, 1, true, false};
    EXPECT_EQ(a.inv(q), 4u);
    EXPECT_FALSE(a.hit(0, 1));
    EXPECT_TRUE(a.hit(16 * K4, 2));
    EXPECT_TRUE(a.hit(100 * K4, 1));
    EXPECT_EQ(mmu_tlb_occupancy(&a.t), 5u);
}

TEST(Tlb, InvalidateAllNonGlobalKeepsGlobals)
{
    Tlb a(cfg(64, 4));
    a.fill(K4, 0, 1);
    a.fill(2 * K4, 0, 2);
    a.fill(3 * K4, 0, 5, true);
    mmu_tlb_inv_t q{false, 0, true, 0, true, false};
    EXPECT_EQ(a.inv(q), 2u);
    EXPECT_EQ(mmu_tlb_occupancy(&a.t), 1u);
    EXPECT_TRUE(a.hit(3 * K4, 9));
}

TEST(Tlb, InvalidateAllIncludingGlobals)
{
    Tlb a(cfg(64, 4), MMU_SIZE_4K | MMU_SIZE_2M);
    a.fill(K4, 0, 1);
    a.fill(M2, 1, 2);
    a.fill(3 * K4, 0, 5, true);
    mmu_tlb_inv_t q{false, 0, true, 0, true, true};
    EXPECT_EQ(a.inv(q), 3u);
    EXPECT_EQ(mmu_tlb_occupancy(&a.t), 0u);
}

TEST(Tlb, InvalidateGlobalsOnly)
{
    Tlb a(cfg(64, 4));
    a.fill(K4, 0, 1);
    a.fill(3 * K4, 0, 5, true);
    mmu_tlb_inv_t q{false, 0, false, 0, false, true};
    EXPECT_EQ(a.inv(q), 1u);
    EXPECT_TRUE(a.hit(K4, 1));
    EXPECT_FALSE(a.hit(3 * K4, 5));
}

TEST(Tlb, OccupancyCountsValidEntries)
{
    Tlb a(cfg(8, 2));
    EXPECT_EQ(mmu_tlb_occupancy(&a.t), 0u);
    for (uint64_t i = 0; i < 12; i++)
        a.fill(i * K4);
    EXPECT_EQ(mmu_tlb_occupancy(&a.t), 8u);
}

// ---- the tag filter (mmu_tlb_t.tag) ------------------------------------------------

// The entry a plain scan of the sets finds for la: what the filter must not change.
const mmu_tlb_entry_t *scan_lookup(const mmu_tlb_t &t, uint64_t la, uint16_t pcid)
{
    for (unsigned i = 0; i < t.ngran; i++) {
        const unsigned g = t.gran[i];
        const uint64_t vpn = la >> t.shift[g];
        const mmu_tlb_entry_t *row = &t.e[size_t(mmu_tlb_set_of(&t, vpn)) * t.ways];
        for (unsigned w = 0; w < t.ways; w++)
            if (row[w].vpn == vpn && row[w].granule == g && (row[w].global || row[w].pcid == pcid))
                return &row[w];
    }
    return nullptr;
}

// For each of the pool's first four pages, one more that shares its set and
// its filter byte (a byte that matches a different page).
static void add_tag_aliases(const mmu_tlb_t &t, std::vector<uint64_t> &pool)
{
    for (int i = 0; i < 4; i++) {
        const uint64_t v = pool[size_t(i)] >> 12;
        for (uint64_t k = 1; k < 100000; k++) {
            const uint64_t u = v + k * t.sets * (1ull << 14);
            if (mmu_tlb_set_of(&t, u) == mmu_tlb_set_of(&t, v) &&
                mmu_tlb_tag(&t, u, 0) == mmu_tlb_tag(&t, v, 0)) {
                pool.push_back(u << 12);
                break;
            }
        }
    }
}

// A random invalidation of non-global entries near la: by address three
// times in four, global entries too one time in two.
template <class Rnd, class Pcid>
static mmu_tlb_inv_t random_inv(Rnd &rnd, uint64_t la, Pcid pcid)
{
    mmu_tlb_inv_t q{};
    q.by_addr = rnd() % 4 != 0;
    q.la = la;
    q.pcid = pcid;
    q.nonglobal = true;
    q.global = rnd() % 2;
    return q;
}

// What a fill of v (page number vpn) into the set at slot `base` must find,
// by a plain scan: the way with the same tag, the first free way, and the
// valid way with the oldest stamp (the lower way on ties); SIZE_MAX for none.
struct FillSlots {
    size_t same, free_slot, oldest;
};
static FillSlots fill_slots(const mmu_tlb_t &t, size_t base, uint64_t vpn,
                            const mmu_tlb_entry_t &v)
{
    FillSlots f{SIZE_MAX, SIZE_MAX, base};
    for (unsigned w = 0; w < t.ways; w++) {
        const mmu_tlb_entry_t &e = t.e[base + w];
        if (!MMU_TLB_VALID(&e)) {
            f.free_slot = std::min(f.free_slot, base + w);
            continue;
        }
        if (e.vpn == vpn && e.granule == v.granule && e.global == v.global &&
            (v.global || e.pcid == v.pcid))
            f.same = base + w;
        if (t.stamp[base + w] < t.stamp[f.oldest])
            f.oldest = base + w;
    }
    return f;
}

// Every way's byte is 0 when invalid, else the entry's tag; rounding bytes stay 0.
// The valid entries of each granule are counted right, and the probe steps
// list exactly the granules that have some, in probe order.
void expect_filter_consistent(const mmu_tlb_t &t)
{
    uint32_t count[MMU_GRANULES] = {};
    for (size_t i = 0; i < size_t(t.sets) * t.ways; i++)
        if (MMU_TLB_VALID(&t.e[i]))
            count[t.e[i].granule]++;
    std::vector<unsigned> live;
    for (unsigned i = 0; i < t.ngran; i++)
        if (count[t.gran[i]])
            live.push_back(t.gran[i]);
    for (unsigned g = 0; g < MMU_GRANULES; g++)
        ASSERT_EQ(t.gvalid[g], count[g]) << "granule " << g;
    ASSERT_EQ(t.nlive, live.size());
    for (unsigned i = 0; i < t.nlive; i++) {
        const unsigned g = live[i];
        ASSERT_EQ(t.step[i].g, g) << "step " << i;
        ASSERT_EQ(t.step[i].shift, t.shift[g]);
        ASSERT_EQ(t.step[i].tshift, std::min(t.shift[g] + t.set_bits, 63u));
        ASSERT_EQ(t.step[i].tadd, (g * 0x35u) & 0x7fu);
    }
    for (unsigned s = 0; s < t.sets; s++)
        for (unsigned w = 0; w < t.tag_stride; w++) {
            const uint8_t b = t.tag[size_t(s) * t.tag_stride + w];
            if (w >= t.ways) {
                ASSERT_EQ(b, 0) << "set " << s << " rounding byte " << w;
                continue;
            }
            const mmu_tlb_entry_t &x = t.e[size_t(s) * t.ways + w];
            ASSERT_EQ(b, MMU_TLB_VALID(&x) ? mmu_tlb_tag(&t, x.vpn, x.granule) : 0)
                << "set " << s << " way " << w;
        }
}

TEST(Tlb, FilterAgreesWithAPlainScanOfTheSets)
{
    struct Shape {
        unsigned entries, ways, granules, repl, index;
    };
    const Shape shapes[] = {
        {1, 1, MMU_SIZE_4K, MMU_REPL_LRU, MMU_INDEX_LOW},
        {6, 3, MMU_SIZE_4K | MMU_SIZE_2M, MMU_REPL_FIFO, MMU_INDEX_LOW},
        {16, 4, MMU_SIZE_4K, MMU_REPL_PLRU, MMU_INDEX_LOW},
        {48, 12, MMU_SIZE_4K | MMU_SIZE_2M, MMU_REPL_LRU, MMU_INDEX_LOW},
        {96, 12, MMU_SIZE_4K | MMU_SIZE_2M | MMU_SIZE_1G, MMU_REPL_RANDOM, MMU_INDEX_XOR},
        {40, 20, MMU_SIZE_4K, MMU_REPL_LRU, MMU_INDEX_LOW},
        {128, 16, MMU_SIZE_4K, MMU_REPL_PLRU, MMU_INDEX_XOR},
        {72, 72, MMU_SIZE_4K | MMU_SIZE_2M, MMU_REPL_LRU, MMU_INDEX_LOW}, // fully associative
    };
    uint64_t x = 0x243f6a8885a308d3ull;
    auto rnd = [&x]() { return x ^= x << 13, x ^= x >> 7, x ^= x << 17; };
    for (const Shape &sh : shapes) {
        mmu_array_cfg_t c = cfg(sh.entries, sh.ways, sh.repl, sh.index);
        Tlb a(c, sh.granules);
        SCOPED_TRACE(testing::Message() << sh.entries << "x" << sh.ways << " repl " << sh.repl);
        // Addresses: a few sets' worth, plus pairs whose 4K entries share a set
        // and a filter byte, so a byte that matches a different page is seen.
        std::vector<uint64_t> pool;
        for (int i = 0; i < 24; i++)
            pool.push_back((rnd() % (4 * uint64_t(a.t.sets) * 2 * 512)) << 12);
        add_tag_aliases(a.t, pool);
        ASSERT_GE(pool.size(), 26u) << "no colliding pairs found";
        for (int op = 0; op < 4000; op++) {
            const uint64_t la = pool[rnd() % pool.size()] + (rnd() & 0xfff);
            const uint16_t pcid = uint16_t(rnd() % 3);
            const unsigned r = unsigned(rnd() % 100);
            if (r < 45) {
                const mmu_tlb_entry_t *want = scan_lookup(a.t, la, pcid);
                ASSERT_EQ(mmu_tlb_peek(&a.t, la, pcid), want);
                ASSERT_EQ(a.look(la, pcid), want);
            } else if (r < 95) {
                unsigned g;
                do
                    g = unsigned(rnd() % 3);
                while (!(sh.granules >> g & 1));
                mmu_tlb_entry_t v{};
                v.granule = uint8_t(g);
                v.page = uint8_t(g);
                v.pcid = pcid;
                v.global = rnd() % 8 == 0;
                v.frame = rnd() << 12;
                // Where the fill must go: the same tag, else the first free way,
                // else (LRU, FIFO) the oldest stamp, the lower way on ties.
                const uint64_t vpn = la >> a.t.shift[g];
                const size_t base = size_t(mmu_tlb_set_of(&a.t, vpn)) * a.t.ways;
                const FillSlots f = fill_slots(a.t, base, vpn, v);
                size_t want = f.same;
                const size_t free_slot = f.free_slot, oldest = f.oldest;
                if (want == SIZE_MAX)
                    want = free_slot;
                const bool stamps = sh.repl == MMU_REPL_LRU || sh.repl == MMU_REPL_FIFO;
                if (want == SIZE_MAX && stamps)
                    want = oldest;
                mmu_tlb_fill(&a.t, la, &v, nullptr);
                if (want != SIZE_MAX) {
                    ASSERT_EQ(a.t.last_fill, want) << "op " << op;
                }
            } else {
                const mmu_tlb_inv_t q = random_inv(rnd, la, pcid);
                a.inv(q);
            }
            expect_filter_consistent(a.t);
            if (HasFatalFailure())
                return;
        }
    }
}

// ---- the specialised paths (set index, probe, fill, victim) ------------------------

// The set index by its definition: the low set_bits of the page number, or
// (XOR) the XOR of every set_bits-wide chunk of its index_bits low bits.
unsigned ref_set(unsigned sets, unsigned index, unsigned index_bits, uint64_t vpn)
{
    const uint64_t mask = sets - 1;
    unsigned sb = 0;
    while ((1u << sb) < sets)
        sb++;
    if (index != MMU_INDEX_XOR || sb == 0)
        return unsigned(vpn & mask);
    const unsigned bits = index_bits ? index_bits : 2 * sb;
    uint64_t x = vpn & ((1ull << bits) - 1);
    unsigned s = 0;
    for (; x; x >>= sb)
        s ^= unsigned(x & mask);
    return s;
}

TEST(Tlb, SetIndexAgreesWithTheChunkFoldForEveryWidth)
{
    // mmu_tlb_set_of takes the low bits, a two-chunk fold without a loop
    // (index_bits <= 2 * set_bits, the default among them) or the general
    // fold; each must give the definition's set.
    uint64_t x = 0x9e3779b97f4a7c15ull;
    auto rnd = [&x]() { return x ^= x << 13, x ^= x >> 7, x ^= x << 17; };
    bool saw_fold2 = false, saw_general = false;
    for (unsigned sets : {1u, 2u, 4u, 16u, 128u, 1024u}) {
        unsigned sb = 0;
        while ((1u << sb) < sets)
            sb++;
        for (unsigned bits : {0u, sb, sb + 1, 2 * sb - (sb > 0), 2 * sb, 2 * sb + 1, 3 * sb, 40u}) {
            if (sb && bits && bits < sb)
                continue;
            for (unsigned index : {unsigned(MMU_INDEX_LOW), unsigned(MMU_INDEX_XOR)}) {
                if (bits > 40 || (index == MMU_INDEX_LOW && bits))
                    continue;
                Tlb a(cfg(sets * 2, 2, MMU_REPL_LRU, index, bits));
                SCOPED_TRACE(testing::Message() << "sets " << sets << " bits " << bits
                                                << " index " << index);
                saw_fold2 |= a.t.fold2;
                saw_general |= a.t.xor_index && !a.t.fold2;
                for (int i = 0; i < 2000; i++) {
                    // Page numbers of every span: 4K ones, sign-extended ones, small ones.
                    const uint64_t r = rnd();
                    const uint64_t vpn = i % 3 == 0 ? r >> 12 : i % 3 == 1 ? r >> (r & 63) : r & 0xffff;
                    ASSERT_EQ(mmu_tlb_set_of(&a.t, vpn), ref_set(sets, index, bits, vpn))
                        << std::hex << vpn;
                }
            }
        }
    }
    EXPECT_TRUE(saw_fold2);
    EXPECT_TRUE(saw_general);
}

// FilterAgreesWithAPlainScanOfTheSets on one array, with the clock started at
// clock0 (to put stamps across 2^31, where a signed compare of unsigned stamps
// would go wrong, or across the wrap), checking for every fill also the
// victim it returns and, for LRU and FIFO, that it evicts the oldest stamp.
void agree_with_scan(const mmu_array_cfg_t &c, unsigned granules, uint32_t clock0, uint64_t seed,
                     int ops, unsigned coalesce = 0)
{
    Tlb a(c, granules, seed);
    a.t.clock = clock0;
    if (coalesce) {
        mmu_tlb_set_coalesce(&a.t, coalesce);
        ASSERT_TRUE(a.t.granules >> MMU_GRANULE_COALESCED & 1);
    }
    uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
    auto rnd = [&x]() { return x ^= x << 13, x ^= x >> 7, x ^= x << 17; };
    // Pages over a few times the array's reach, so that sets fill and evict,
    // with pairs that share a set and a filter byte.
    std::vector<uint64_t> pool;
    const uint64_t span = 3 * uint64_t(c.entries) + 8;
    for (uint64_t i = 0; i < span; i++)
        pool.push_back((rnd() % (span * 4 * 512)) << 12);
    add_tag_aliases(a.t, pool);
    unsigned evictions = 0;
    ops = std::max(ops, int(8 * c.entries)); // enough fills to fill the sets
    for (int op = 0; op < ops; op++) {
        const uint64_t la = pool[rnd() % pool.size()] + (rnd() & 0xfff);
        const uint16_t pcid = uint16_t(rnd() % 2);
        const unsigned r = unsigned(rnd() % 100);
        if (r < 35) {
            const mmu_tlb_entry_t *want = scan_lookup(a.t, la, pcid);
            ASSERT_EQ(mmu_tlb_peek(&a.t, la, pcid), want) << "op " << op;
            ASSERT_EQ(a.look(la, pcid), want) << "op " << op;
        } else if (r < 97) {
            unsigned g;
            do
                g = unsigned(rnd() % 6);
            while (!(a.t.granules >> g & 1));
            mmu_tlb_entry_t v{};
            v.granule = uint8_t(g);
            v.page = uint8_t(g == MMU_GRANULE_COALESCED ? 0 : g);
            v.pcid = pcid;
            v.global = rnd() % 8 == 0;
            v.frame = rnd() << 12;
            const uint64_t vpn = la >> a.t.shift[g];
            const size_t base = size_t(ref_set(a.t.sets, c.index, c.index_bits, vpn)) * a.t.ways;
            const FillSlots f = fill_slots(a.t, base, vpn, v);
            const size_t same = f.same, free_slot = f.free_slot, oldest = f.oldest;
            const bool stamps = c.repl == MMU_REPL_LRU || c.repl == MMU_REPL_FIFO;
            size_t want = same != SIZE_MAX ? same : free_slot;
            if (want == SIZE_MAX && stamps)
                want = oldest;
            const bool full_before = same == SIZE_MAX && free_slot == SIZE_MAX;
            mmu_tlb_entry_t before[4096];
            std::memcpy(before, &a.t.e[base], a.t.ways * sizeof before[0]);
            mmu_tlb_entry_t victim{};
            const int evicted = mmu_tlb_fill(&a.t, la, &v, &victim);
            ASSERT_EQ(evicted, int(full_before)) << "op " << op;
            ASSERT_GE(a.t.last_fill, base);
            ASSERT_LT(a.t.last_fill, base + a.t.ways);
            if (want != SIZE_MAX) {
                ASSERT_EQ(a.t.last_fill, want) << "op " << op;
            }
            if (evicted) {
                evictions++;
                ASSERT_EQ(0, std::memcmp(&victim, &before[a.t.last_fill - base], sizeof victim))
                    << "op " << op;
            }
            const mmu_tlb_entry_t &now = a.t.e[a.t.last_fill];
            ASSERT_EQ(now.vpn, vpn);
            ASSERT_EQ(now.frame, v.frame);
            ASSERT_EQ(now.granule, g);
        } else {
            const mmu_tlb_inv_t q = random_inv(rnd, la, pcid);
            a.inv(q);
        }
        expect_filter_consistent(a.t);
        if (testing::Test::HasFatalFailure())
            return;
    }
    EXPECT_GT(evictions, 0u) << "the sets never filled";
}

// Clocks started at 0, where stamps cross 2^31 and where they wrap.
const uint32_t kClocks[] = {0, 0x80000000u - 40, UINT32_MAX - 40};

// Every replacement policy (PLRU only for a power-of-two width) and index of
// an array of `ways` ways, LRU and FIFO from each of kClocks:
// fn(repl, index, clock0, sets, granules), with 4 sets (8 under XOR
// indexing) and one to three granules by ways % 3. False once fn has failed
// fatally.
template <typename Fn> bool each_policy(unsigned ways, Fn fn)
{
    for (unsigned repl = MMU_REPL_LRU; repl <= MMU_REPL_RANDOM; repl++) {
        if (repl == MMU_REPL_PLRU && (ways & (ways - 1)))
            continue;
        for (unsigned index : {unsigned(MMU_INDEX_LOW), unsigned(MMU_INDEX_XOR)}) {
            for (uint32_t clock0 : kClocks) {
                if (clock0 && repl != MMU_REPL_LRU && repl != MMU_REPL_FIFO)
                    continue;
                const unsigned sets = index == MMU_INDEX_XOR ? 8 : 4;
                const unsigned gr = ways % 3 == 0   ? MMU_SIZE_4K | MMU_SIZE_2M | MMU_SIZE_1G
                                    : ways % 3 == 1 ? MMU_SIZE_4K
                                                    : MMU_SIZE_4K | MMU_SIZE_2M;
                SCOPED_TRACE(testing::Message() << sets << "x" << ways << " repl " << repl
                                                << " index " << index << " clock " << clock0);
                fn(repl, index, clock0, sets, gr);
                if (testing::Test::HasFatalFailure())
                    return false;
            }
        }
    }
    return true;
}

TEST(Tlb, EveryWidthPolicyAndIndexAgreesWithAPlainScan)
{
    // Ways 1..17 (one to five groups of four stamps, one chunk of filter
    // bytes and more), 24 and a 64-way fully-associative array; each
    // replacement policy and index; clocks started where stamps cross 2^31
    // and where they wrap.
    for (unsigned ways = 1; ways <= 24; ways += ways < 17 ? 1 : 7) {
        if (!each_policy(ways, [&](unsigned repl, unsigned index, uint32_t clock0, unsigned sets,
                                   unsigned gr) {
                mmu_array_cfg_t c = cfg(sets * ways, ways, repl, index,
                                        index == MMU_INDEX_XOR && ways % 2 ? 7 : 0);
                agree_with_scan(c, gr, clock0, ways * 31 + repl * 7 + index + clock0 % 13, 900);
            }))
            return;
    }
    for (uint32_t clock0 : kClocks) {
        SCOPED_TRACE(testing::Message() << "64x64 clock " << clock0);
        agree_with_scan(cfg(64, 64), MMU_SIZE_4K | MMU_SIZE_2M, clock0, 5, 1500);
        if (HasFatalFailure())
            return;
    }
    // Coalesced groups (a granule probed between 4K and 2M), in a simple
    // array and in a wide one.
    for (unsigned ways : {4u, 12u, 24u}) {
        SCOPED_TRACE(testing::Message() << "coalescing, ways " << ways);
        agree_with_scan(cfg(8 * ways, ways), MMU_SIZE_4K | MMU_SIZE_2M, 0, ways, 1500, 4);
        if (HasFatalFailure())
            return;
    }
}

TEST(Tlb, PageNumberTooShortForTheFilterShiftTakesTheGeneralPath)
{
    // PML5E-cache granule (la bits 56:48) in 2^16 sets: the filter byte is
    // page number >> 16, past bit 63 of la; the single-shift form cannot
    // compute it, so the array is probed and filled by the general code.
    mmu_array_cfg_t c = cfg(1u << 16, 1);
    Tlb a(c, 1u << 4);
    EXPECT_FALSE(a.t.simple);
    EXPECT_FALSE(a.t.fast_fill);
    Tlb b(cfg(1u << 15, 1), 1u << 4);
    EXPECT_TRUE(b.t.simple);
    for (Tlb *x : {&a, &b}) {
        const uint64_t p = 0xff12ull << 48, q = 0xff13ull << 48, r = (0xff12ull + 0x8000) << 48;
        EXPECT_EQ(x->fill(p, 4), ~0ull);
        EXPECT_EQ(x->fill(q, 4), ~0ull);
        EXPECT_TRUE(x->hit(p + 0x1234));
        EXPECT_TRUE(x->hit(q));
        EXPECT_FALSE(x->hit(r));
        EXPECT_EQ(mmu_tlb_peek(&x->t, q, 0), x->look(q));
        EXPECT_EQ(x->fill(r, 4), x == &a ? ~0ull : p); // 2^15 sets: r shares p's set
        EXPECT_EQ(x->hit(p), x == &a);
        EXPECT_TRUE(x->hit(r));
    }
}


// ---- mmu_tlb_fill_new: the fill of a tag known to be absent -------------------

// Two arrays hold the same translations in the same places, with the same
// replacement and bookkeeping state.
void expect_same_state(const mmu_tlb_t &a, const mmu_tlb_t &b)
{
    ASSERT_EQ(a.sets * a.ways, b.sets * b.ways);
    for (size_t i = 0; i < size_t(a.sets) * a.ways; i++) {
        const mmu_tlb_entry_t &x = a.e[i], &y = b.e[i];
        ASSERT_EQ(x.vpn, y.vpn) << "slot " << i;
        if (!MMU_TLB_VALID(&x))
            continue;
        ASSERT_EQ(x.frame, y.frame) << "slot " << i;
        ASSERT_EQ(x.ready_at, y.ready_at) << "slot " << i;
        ASSERT_EQ(x.pcid, y.pcid) << "slot " << i;
        ASSERT_EQ(x.page, y.page) << "slot " << i;
        ASSERT_EQ(x.perms, y.perms) << "slot " << i;
        ASSERT_EQ(x.global, y.global) << "slot " << i;
        ASSERT_EQ(x.granule, y.granule) << "slot " << i;
        ASSERT_EQ(x.dirty, y.dirty) << "slot " << i;
        if (a.repl == MMU_REPL_LRU || a.repl == MMU_REPL_FIFO) {
            ASSERT_EQ(a.stamp[i], b.stamp[i]) << "slot " << i;
        }
    }
    ASSERT_EQ(0, std::memcmp(a.tag, b.tag, size_t(a.sets) * a.tag_stride));
    if (a.repl == MMU_REPL_PLRU) {
        ASSERT_EQ(0, std::memcmp(a.plru, b.plru, size_t(a.sets) * a.plru_words * sizeof *a.plru));
    }
    ASSERT_EQ(a.clock, b.clock);
    ASSERT_EQ(a.rng, b.rng);
    ASSERT_EQ(a.splintered, b.splintered);
    ASSERT_EQ(a.last_fill, b.last_fill);
    ASSERT_EQ(a.nlive, b.nlive);
    for (unsigned g = 0; g < MMU_GRANULES; g++)
        ASSERT_EQ(a.gvalid[g], b.gvalid[g]) << "granule " << g;
}

// Array a filled by mmu_tlb_fill, b by mmu_tlb_fill_new wherever a plain scan
// finds no entry with the tag (mmu_tlb_fill elsewhere, as a caller that knows
// would do); probes and invalidations in between. Every fill must return the
// same, evict the same entry, and leave both arrays in the same state.
// pool_shift: the pages are drawn at 2^pool_shift apart at least (the span of
// the largest granule, so that a PSC of large regions fills and evicts too).
void fill_new_agrees(const mmu_array_cfg_t &c, unsigned granules, uint32_t clock0, uint64_t seed,
                     unsigned coalesce = 0, unsigned pool_shift = 0)
{
    Tlb a(c, granules, seed), b(c, granules, seed);
    a.t.clock = b.t.clock = clock0;
    if (coalesce) {
        mmu_tlb_set_coalesce(&a.t, coalesce);
        mmu_tlb_set_coalesce(&b.t, coalesce);
    }
    uint64_t x = seed * 0x9e3779b97f4a7c15ull + 7;
    auto rnd = [&x]() { return x ^= x << 13, x ^= x >> 7, x ^= x << 17; };
    std::vector<uint64_t> pool;
    const uint64_t span = 3 * uint64_t(c.entries) + 8;
    for (uint64_t i = 0; i < span; i++)
        pool.push_back(pool_shift ? (rnd() % (span * 4)) << pool_shift
                                  : (rnd() % (span * 4 * 512)) << 12);
    unsigned news = 0, evictions = 0;
    const int ops = int(10 * c.entries) + 400;
    for (int op = 0; op < ops; op++) {
        const uint64_t la = pool[rnd() % pool.size()] + (rnd() & 0xfff);
        const uint16_t pcid = uint16_t(rnd() % 2);
        const unsigned r = unsigned(rnd() % 100);
        if (r < 25) {
            const mmu_tlb_entry_t *ha = a.look(la, pcid), *hb = b.look(la, pcid);
            ASSERT_EQ(ha ? ha - a.t.e : -1, hb ? hb - b.t.e : -1) << "op " << op;
        } else if (r < 97) {
            unsigned g;
            do
                g = unsigned(rnd() % 6);
            while (!(a.t.granules >> g & 1));
            mmu_tlb_entry_t v{};
            v.granule = uint8_t(g);
            // Sometimes a larger page cached splintered.
            v.page = uint8_t(g == MMU_GRANULE_COALESCED ? 0 : g + (g < 2 && rnd() % 8 == 0));
            v.pcid = pcid;
            v.global = rnd() % 8 == 0;
            v.frame = rnd() << 12;
            v.ready_at = rnd() % 1000;
            v.dirty = rnd() % 2;
            const uint64_t vpn = la >> a.t.shift[g];
            const size_t base = size_t(ref_set(a.t.sets, c.index, c.index_bits, vpn)) * a.t.ways;
            const bool absent = fill_slots(a.t, base, vpn, v).same == SIZE_MAX;
            mmu_tlb_entry_t va{}, vb{};
            const int ea = mmu_tlb_fill(&a.t, la, &v, &va);
            const int eb = absent ? mmu_tlb_fill_new(&b.t, la, &v, &vb)
                                  : mmu_tlb_fill(&b.t, la, &v, &vb);
            news += absent;
            ASSERT_EQ(ea, eb) << "op " << op;
            if (ea) {
                evictions++;
                ASSERT_EQ(va.vpn, vb.vpn) << "op " << op;
                ASSERT_EQ(va.granule, vb.granule) << "op " << op;
                ASSERT_EQ(va.pcid, vb.pcid) << "op " << op;
                ASSERT_EQ(va.global, vb.global) << "op " << op;
                ASSERT_EQ(va.frame, vb.frame) << "op " << op;
            }
            // No victim asked for: the same fill.
            if (rnd() % 4 == 0) {
                const uint64_t la2 = pool[rnd() % pool.size()];
                const uint64_t vpn2 = la2 >> a.t.shift[g];
                const size_t base2 =
                    size_t(ref_set(a.t.sets, c.index, c.index_bits, vpn2)) * a.t.ways;
                const bool absent2 = fill_slots(a.t, base2, vpn2, v).same == SIZE_MAX;
                ASSERT_EQ(mmu_tlb_fill(&a.t, la2, &v, nullptr),
                          absent2 ? mmu_tlb_fill_new(&b.t, la2, &v, nullptr)
                                  : mmu_tlb_fill(&b.t, la2, &v, nullptr))
                    << "op " << op;
            }
        } else {
            const mmu_tlb_inv_t q = random_inv(rnd, la, pcid);
            ASSERT_EQ(a.inv(q), b.inv(q)) << "op " << op;
        }
        expect_same_state(a.t, b.t);
        expect_filter_consistent(b.t);
        if (testing::Test::HasFatalFailure())
            return;
    }
    EXPECT_GT(news, 0u);
    EXPECT_GT(evictions, 0u) << "the sets never filled";
}

TEST(Tlb, FillOfAKnownAbsentTagAgreesWithTheCheckingFill)
{
    // The fast fill (simple LRU/FIFO arrays: up to 16 ways) and the general
    // one (PLRU, random, wider sets), each index, clocks across 2^31 and the
    // wrap, one to three granules, and coalesced groups.
    for (unsigned ways : {1u, 2u, 4u, 5u, 8u, 12u, 16u, 24u}) {
        if (!each_policy(ways, [&](unsigned repl, unsigned index, uint32_t clock0, unsigned sets,
                                   unsigned gr) {
                fill_new_agrees(cfg(sets * ways, ways, repl, index), gr, clock0,
                                ways * 17 + repl * 5 + index + clock0 % 11);
            }))
            return;
    }
    // The default PSCs' shapes (one granule each), a fully associative
    // 64-way array, and coalescing.
    for (unsigned l = 2; l <= 4; l++) {
        SCOPED_TRACE(testing::Message() << "PSC of level " << l);
        fill_new_agrees(l == 2 ? cfg(32, 4) : l == 3 ? cfg(4, 4) : cfg(2, 2), 1u << (l - 1), 0, l,
                        0, 12 + 9 * (l - 1));
        if (HasFatalFailure())
            return;
    }
    SCOPED_TRACE("64x64, then coalescing");
    fill_new_agrees(cfg(64, 64), MMU_SIZE_4K | MMU_SIZE_2M, 0, 6);
    fill_new_agrees(cfg(48, 12), MMU_SIZE_4K | MMU_SIZE_2M, 0, 7, 4);
}

TEST(Tlb, FillOfAKnownAbsentTagSkipsTheSearchOnlyInTheFastFill)
{
    // The precondition is the caller's: mmu_tlb_fill_new of a tag that is
    // there does not look for it in a fast-fill array (a second copy), while
    // the general fill still overwrites in place. This shows which path ran.
    Tlb fast(cfg(16, 4)), slow(cfg(16, 4, MMU_REPL_PLRU));
    ASSERT_TRUE(fast.t.fast_fill);
    ASSERT_FALSE(slow.t.fast_fill);
    for (Tlb *x : {&fast, &slow}) {
        mmu_tlb_entry_t v{};
        v.frame = 0x5000;
        EXPECT_EQ(mmu_tlb_fill(&x->t, 0x7000, &v, nullptr), 0);
        EXPECT_EQ(mmu_tlb_fill_new(&x->t, 0x7000, &v, nullptr), 0);
        EXPECT_EQ(mmu_tlb_occupancy(&x->t), x == &fast ? 2u : 1u);
        // A granule the array does not hold: nothing filled.
        v.granule = 1;
        EXPECT_EQ(mmu_tlb_fill_new(&x->t, 0x7000, &v, nullptr), 0);
        EXPECT_EQ(mmu_tlb_occupancy(&x->t), x == &fast ? 2u : 1u);
    }
}

} // namespace
