/* SPDX-License-Identifier: Apache-2.0 */
// Access rights and reserved bits (model/pte.c), through mmu_translate():
// SDM Vol. 3A 4.5 (entry formats, tables 4-14..4-20), 4.6.1 (access rights),
// 4.6.2 (protection keys). Each rule has its allowed and its faulting case,
// for 4K/2M/1G pages, 4- and 5-level paging, and every level the bit can sit at.
#include <gtest/gtest.h>

#include "fixture.h"

namespace {

using namespace mmutest;

constexpr uint32_t P = MMU_PF_P, W = MMU_PF_W, US = MMU_PF_US, RSVD = MMU_PF_RSVD,
                   ID = MMU_PF_ID, PK = MMU_PF_PK;

// A page at kTestVa -> kTestFrame, user-mode and writable at every level.
template <class Param>
class PteBase : public ::testing::TestWithParam<Param> {
  protected:
    MmuEnv env;
    uint64_t la = 0; // the address translated
    uint64_t pa = 0; // what it translates to
    mmu_page_size_t ps = MMU_PAGE_4K;

    void build(unsigned levels, mmu_page_size_t size, uint64_t leaf_flags, unsigned maxphy = 46,
               unsigned page_1g = 1)
    {
        ps = size;
        ASSERT_TRUE(env.init(levels, maxphy, MMU_AD_ON_FAULT_NONE, page_1g));
        ASSERT_TRUE(env.map(kTestVa, kTestFrame, size, leaf_flags));
        la = kTestVa + test_offset(size);
        pa = kTestFrame + test_offset(size);
    }
    mmu_result_t tr(mmu_access_t t, unsigned cpl, bool implicit = false)
    {
        return env.translate(la, t, cpl, implicit);
    }
    unsigned leaf() const { return leaf_level(ps); }
};

// The offending bit sits in the entry at GetParam().level.
class PteLevelTest : public PteBase<LevelCase> {
  protected:
    void SetUp() override { build(GetParam().levels, GetParam().ps, kUserRw); }
    unsigned lvl() const { return GetParam().level; }
    void set_at_level(uint64_t bits) { env.set_bits(kTestVa, lvl(), bits); }
    void clear_at_level(uint64_t bits) { env.clear_bits(kTestVa, lvl(), bits); }
};

class PteSizeTest : public PteBase<SizeCase> {
  protected:
    void SetUp() override { build(GetParam().levels, GetParam().ps, kUserRw); }
};

#define LEVEL_SUITE(name)                                                                    \
    class name : public PteLevelTest {};                                                     \
    INSTANTIATE_TEST_SUITE_P(Pte, name, ::testing::ValuesIn(all_level_cases()),        \
                             level_case_name)
#define SIZE_SUITE(name)                                                                     \
    class name : public PteSizeTest {};                                                      \
    INSTANTIATE_TEST_SUITE_P(Pte, name, ::testing::ValuesIn(all_size_cases()),          \
                             size_case_name)

// ---- U/S ----------------------------------------------------------------------------

LEVEL_SUITE(PteUs);

// SDM 4.6.1: user-mode accesses may not touch supervisor-mode addresses (U/S=0 at
// any level makes the address supervisor-mode).
TEST_P(PteUs, UserReadOfSupervisorPageFaults)
{
    clear_at_level(MMU_PTE_US);
    ASSERT_EQ(0, env.set_ctrl(kWP | kNXE));
    EXPECT_TRUE(IsPf(tr(kRead, 3), P | US, la));
    EXPECT_TRUE(IsPf(tr(kWrite, 3), P | W | US, la));
    EXPECT_TRUE(IsPf(tr(kFetch, 3), P | US | ID, la));
}

TEST_P(PteUs, UserReadOfUserPageAllowed)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kNXE));
    mmu_result_t r = tr(kRead, 3);
    EXPECT_TRUE(IsOk(r, pa));
    EXPECT_EQ(MMU_PERM_W | MMU_PERM_U, r.perms);
    EXPECT_EQ(unsigned(ps), r.page_size);
    EXPECT_TRUE(IsOk(tr(kWrite, 3), pa));
    EXPECT_TRUE(IsOk(tr(kFetch, 3), pa));
}

// SDM 4.6: an access at CPL < 3, or an implicit one, is a supervisor-mode access;
// supervisor-mode accesses may use supervisor-mode addresses.
TEST_P(PteUs, SupervisorAccessToSupervisorPageAllowed)
{
    clear_at_level(MMU_PTE_US);
    ASSERT_EQ(0, env.set_ctrl(kWP | kNXE | kSMEP | kSMAP));
    for (unsigned cpl = 0; cpl < 3; cpl++) {
        mmu_result_t r = tr(kRead, cpl);
        EXPECT_TRUE(IsOk(r, pa)) << "cpl " << cpl;
        EXPECT_EQ(unsigned(MMU_PERM_W), r.perms);
        EXPECT_TRUE(IsOk(tr(kWrite, cpl), pa)) << "cpl " << cpl;
        EXPECT_TRUE(IsOk(tr(kFetch, cpl), pa)) << "cpl " << cpl;
    }
    EXPECT_TRUE(IsOk(tr(kRead, 3, true), pa));
    EXPECT_TRUE(IsOk(tr(kWrite, 3, true), pa));
}

// ---- R/W ----------------------------------------------------------------------------

LEVEL_SUITE(PteRw);

// SDM 4.6.1: user-mode writes need R/W=1 at every level.
TEST_P(PteRw, UserWriteToReadOnlyPageFaults)
{
    clear_at_level(MMU_PTE_RW);
    ASSERT_EQ(0, env.set_ctrl(kWP));
    EXPECT_TRUE(IsPf(tr(kWrite, 3), P | W | US, la));
    ASSERT_EQ(0, env.set_ctrl(0)); // CR0.WP does not matter for user-mode writes
    EXPECT_TRUE(IsPf(tr(kWrite, 3), P | W | US, la));
}

TEST_P(PteRw, UserWriteToWritablePageAllowed)
{
    ASSERT_EQ(0, env.set_ctrl(kWP));
    EXPECT_TRUE(IsOk(tr(kWrite, 3), pa));
}

// SDM 4.6.1: R/W=0 restricts writes only; reads are allowed.
TEST_P(PteRw, UserReadOfReadOnlyPageAllowed)
{
    clear_at_level(MMU_PTE_RW);
    ASSERT_EQ(0, env.set_ctrl(kWP));
    mmu_result_t r = tr(kRead, 3);
    EXPECT_TRUE(IsOk(r, pa));
    EXPECT_EQ(unsigned(MMU_PERM_U), r.perms);
}

// SDM 4.6.1: with CR0.WP=0 supervisor writes ignore R/W (user-mode address, SMAP off).
TEST_P(PteRw, SupervisorWriteToReadOnlyUserPageAllowedWhenWpClear)
{
    clear_at_level(MMU_PTE_RW);
    ASSERT_EQ(0, env.set_ctrl(0));
    EXPECT_TRUE(IsOk(tr(kWrite, 0), pa));
    EXPECT_TRUE(IsOk(tr(kWrite, 3, true), pa));
}

// SDM 4.6.1: with CR0.WP=1 supervisor writes need R/W=1 at every level.
TEST_P(PteRw, SupervisorWriteToReadOnlyUserPageFaultsWhenWpSet)
{
    clear_at_level(MMU_PTE_RW);
    ASSERT_EQ(0, env.set_ctrl(kWP));
    EXPECT_TRUE(IsPf(tr(kWrite, 0), P | W, la));
    EXPECT_TRUE(IsPf(tr(kWrite, 2), P | W, la));
    EXPECT_TRUE(IsPf(tr(kWrite, 3, true), P | W, la)); // implicit: supervisor, U/S=0 in ec
}

// Same, supervisor-mode address (U/S=0 at the root).
TEST_P(PteRw, SupervisorWriteToReadOnlySupervisorPageAllowedWhenWpClear)
{
    clear_at_level(MMU_PTE_RW);
    env.clear_bits(kTestVa, env.levels, MMU_PTE_US);
    ASSERT_EQ(0, env.set_ctrl(0));
    EXPECT_TRUE(IsOk(tr(kWrite, 0), pa));
}

TEST_P(PteRw, SupervisorWriteToReadOnlySupervisorPageFaultsWhenWpSet)
{
    clear_at_level(MMU_PTE_RW);
    env.clear_bits(kTestVa, env.levels, MMU_PTE_US);
    ASSERT_EQ(0, env.set_ctrl(kWP));
    EXPECT_TRUE(IsPf(tr(kWrite, 0), P | W, la));
    EXPECT_TRUE(IsOk(tr(kRead, 0), pa)); // reads are still fine
}

// ---- XD -----------------------------------------------------------------------------

LEVEL_SUITE(PteXd);

// SDM 4.6.1: with NXE=1, no instruction fetch from a translation with XD=1 at any level.
TEST_P(PteXd, FetchFromXdPageFaultsWithNxe)
{
    set_at_level(MMU_PTE_XD);
    ASSERT_EQ(0, env.set_ctrl(kWP | kNXE));
    EXPECT_TRUE(IsPf(tr(kFetch, 3), P | US | ID, la));
    EXPECT_TRUE(IsPf(tr(kFetch, 0), P | ID, la)); // SMEP off: only XD forbids it
}

TEST_P(PteXd, FetchFromNonXdPageAllowedWithNxe)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kNXE));
    mmu_result_t r = tr(kFetch, 3);
    EXPECT_TRUE(IsOk(r, pa));
    EXPECT_EQ(MMU_PERM_W | MMU_PERM_U, r.perms);
    EXPECT_TRUE(IsOk(tr(kFetch, 0), pa));
}

// SDM 4.6.1: XD restricts instruction fetches only.
TEST_P(PteXd, DataAccessToXdPageAllowedWithNxe)
{
    set_at_level(MMU_PTE_XD);
    ASSERT_EQ(0, env.set_ctrl(kWP | kNXE));
    mmu_result_t r = tr(kRead, 3);
    EXPECT_TRUE(IsOk(r, pa));
    EXPECT_EQ(MMU_PERM_W | MMU_PERM_U | MMU_PERM_XD, r.perms);
    EXPECT_TRUE(IsOk(tr(kWrite, 3), pa));
    EXPECT_TRUE(IsOk(tr(kWrite, 0), pa));
}

// SDM 4.5 (tables 4-15..4-20): with IA32_EFER.NXE=0 bit 63 is reserved at every level;
// RSVD fault, the walk stops at that entry.
TEST_P(PteXd, XdIsReservedWithoutNxe)
{
    set_at_level(MMU_PTE_XD);
    ASSERT_EQ(0, env.set_ctrl(kWP));
    EXPECT_TRUE(IsPf(tr(kRead, 3), P | RSVD | US, la));
    EXPECT_EQ(env.levels - lvl() + 1, env.log.reads.size());
    EXPECT_TRUE(IsPf(tr(kWrite, 0), P | RSVD | W, la));
    EXPECT_TRUE(IsPf(tr(kFetch, 0), P | RSVD, la)); // I/D=0: NXE=0 and SMEP=0
}

TEST_P(PteXd, FetchAllowedWithoutNxeWhenXdClear)
{
    ASSERT_EQ(0, env.set_ctrl(kWP));
    mmu_result_t r = tr(kFetch, 3);
    EXPECT_TRUE(IsOk(r, pa));
    EXPECT_EQ(MMU_PERM_W | MMU_PERM_U, r.perms);
}

// ---- combined rights ----------------------------------------------------------------------

LEVEL_SUITE(PtePerms);

// SDM 4.6: R/W and U/S are ANDed over every level, XD ORed.
TEST_P(PtePerms, PermsAreAndOfRwUsAndOrOfXd)
{
    ASSERT_EQ(0, env.set_ctrl(kNXE));
    clear_at_level(MMU_PTE_RW);
    mmu_result_t r = tr(kRead, 0);
    EXPECT_TRUE(IsOk(r, pa));
    EXPECT_EQ(unsigned(MMU_PERM_U), r.perms);
    set_at_level(MMU_PTE_RW);
    clear_at_level(MMU_PTE_US);
    r = tr(kRead, 0);
    EXPECT_TRUE(IsOk(r, pa));
    EXPECT_EQ(unsigned(MMU_PERM_W), r.perms);
    set_at_level(MMU_PTE_US | MMU_PTE_XD);
    r = tr(kRead, 0);
    EXPECT_TRUE(IsOk(r, pa));
    EXPECT_EQ(MMU_PERM_W | MMU_PERM_U | MMU_PERM_XD, r.perms);
}

// ---- SMEP ---------------------------------------------------------------------------

SIZE_SUITE(PteSmep);

// SDM 4.6.1: with CR4.SMEP=1, supervisor-mode fetches from user-mode addresses fault.
TEST_P(PteSmep, SupervisorFetchFromUserPageFaultsWithSmep)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kSMEP));
    for (unsigned cpl = 0; cpl < 3; cpl++)
        EXPECT_TRUE(IsPf(tr(kFetch, cpl), P | ID, la)) << "cpl " << cpl; // I/D: SMEP=1
    ASSERT_EQ(0, env.set_ctrl(kWP | kSMEP | kNXE));
    EXPECT_TRUE(IsPf(tr(kFetch, 0), P | ID, la));
}

TEST_P(PteSmep, SupervisorFetchFromUserPageAllowedWithoutSmep)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kNXE));
    for (unsigned cpl = 0; cpl < 3; cpl++)
        EXPECT_TRUE(IsOk(tr(kFetch, cpl), pa)) << "cpl " << cpl;
}

// SMEP is about supervisor-mode fetches only.
TEST_P(PteSmep, UserFetchAndSupervisorDataUnaffectedBySmep)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kSMEP | kNXE));
    EXPECT_TRUE(IsOk(tr(kFetch, 3), pa));
    EXPECT_TRUE(IsOk(tr(kRead, 0), pa));
    EXPECT_TRUE(IsOk(tr(kWrite, 0), pa));
}

LEVEL_SUITE(PteSmepLevel);

// SDM 4.6.1: SMEP does not restrict fetches from supervisor-mode addresses.
TEST_P(PteSmepLevel, SupervisorFetchFromSupervisorPageAllowedWithSmep)
{
    clear_at_level(MMU_PTE_US);
    ASSERT_EQ(0, env.set_ctrl(kWP | kSMEP | kNXE));
    EXPECT_TRUE(IsOk(tr(kFetch, 0), pa));
}

TEST_P(PteSmepLevel, SupervisorFetchFromUserPageFaultsWithSmep)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kSMEP | kNXE));
    EXPECT_TRUE(IsPf(tr(kFetch, 0), P | ID, la));
}

// ---- SMAP ---------------------------------------------------------------------------

SIZE_SUITE(PteSmap);

// SDM 4.6.1: with CR4.SMAP=1 and EFLAGS.AC=0 supervisor-mode data accesses to
// user-mode addresses fault.
TEST_P(PteSmap, SupervisorAccessToUserPageFaultsWithSmapAcClear)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kSMAP));
    for (unsigned cpl = 0; cpl < 3; cpl++) {
        EXPECT_TRUE(IsPf(tr(kRead, cpl), P, la)) << "cpl " << cpl;
        EXPECT_TRUE(IsPf(tr(kWrite, cpl), P | W, la)) << "cpl " << cpl;
    }
}

// SDM 4.6.1: explicit accesses with EFLAGS.AC=1 are allowed.
TEST_P(PteSmap, SupervisorExplicitAccessToUserPageAllowedWithSmapAcSet)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kSMAP | kAC));
    for (unsigned cpl = 0; cpl < 3; cpl++) {
        EXPECT_TRUE(IsOk(tr(kRead, cpl), pa)) << "cpl " << cpl;
        EXPECT_TRUE(IsOk(tr(kWrite, cpl), pa)) << "cpl " << cpl;
    }
}

// SDM 4.6.1: implicit supervisor-mode accesses to user-mode addresses fault with
// SMAP=1 whatever AC is; an implicit access at CPL 3 is a supervisor access.
TEST_P(PteSmap, ImplicitAccessToUserPageFaultsWithSmapEvenWithAcSet)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kSMAP | kAC));
    EXPECT_TRUE(IsPf(tr(kRead, 0, true), P, la));
    EXPECT_TRUE(IsPf(tr(kRead, 3, true), P, la));
    EXPECT_TRUE(IsPf(tr(kWrite, 3, true), P | W, la));
}

TEST_P(PteSmap, ImplicitAccessToUserPageAllowedWithoutSmap)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kAC));
    EXPECT_TRUE(IsOk(tr(kRead, 0, true), pa));
    EXPECT_TRUE(IsOk(tr(kRead, 3, true), pa));
    EXPECT_TRUE(IsOk(tr(kWrite, 3, true), pa));
}

TEST_P(PteSmap, SupervisorAccessToUserPageAllowedWithoutSmap)
{
    ASSERT_EQ(0, env.set_ctrl(kWP));
    EXPECT_TRUE(IsOk(tr(kRead, 0), pa));
    EXPECT_TRUE(IsOk(tr(kWrite, 0), pa));
}

// SMAP restricts supervisor-mode data accesses only: user accesses and fetches
// (governed by SMEP) are unaffected.
TEST_P(PteSmap, UserAccessAndSupervisorFetchUnaffectedBySmap)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kSMAP | kNXE));
    EXPECT_TRUE(IsOk(tr(kRead, 3), pa));
    EXPECT_TRUE(IsOk(tr(kWrite, 3), pa));
    EXPECT_TRUE(IsOk(tr(kFetch, 0), pa));
}

// SDM 4.6.1, CR0.WP=0 and SMAP=1: explicit writes with AC=1 may go to any user-mode
// address (R/W ignored); with AC=0 no user-mode address may be written.
TEST_P(PteSmap, SupervisorWriteToReadOnlyUserPageAllowedWithWpClearAcSet)
{
    env.clear_bits(kTestVa, leaf(), MMU_PTE_RW);
    ASSERT_EQ(0, env.set_ctrl(kSMAP | kAC));
    EXPECT_TRUE(IsOk(tr(kWrite, 0), pa));
}

TEST_P(PteSmap, SupervisorWriteToReadOnlyUserPageFaultsWithWpClearAcClear)
{
    env.clear_bits(kTestVa, leaf(), MMU_PTE_RW);
    ASSERT_EQ(0, env.set_ctrl(kSMAP));
    EXPECT_TRUE(IsPf(tr(kWrite, 0), P | W, la));
    ASSERT_EQ(0, env.set_ctrl(kSMAP | kWP | kAC)); // WP=1: R/W applies again
    EXPECT_TRUE(IsPf(tr(kWrite, 0), P | W, la));
}

LEVEL_SUITE(PteSmapLevel);

// SDM 4.6.1: SMAP does not affect supervisor-mode addresses.
TEST_P(PteSmapLevel, SupervisorAccessToSupervisorPageAllowedWithSmap)
{
    clear_at_level(MMU_PTE_US);
    ASSERT_EQ(0, env.set_ctrl(kWP | kSMAP));
    EXPECT_TRUE(IsOk(tr(kRead, 0), pa));
    EXPECT_TRUE(IsOk(tr(kWrite, 0), pa));
    EXPECT_TRUE(IsOk(tr(kRead, 3, true), pa));
}

TEST_P(PteSmapLevel, SupervisorAccessToUserPageFaultsWithSmap)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kSMAP));
    EXPECT_TRUE(IsPf(tr(kRead, 0), P, la));
}

// ---- protection keys: PKRU (user-mode addresses) ---------------------------------------

class PtePkru : public PteSizeTest {
  protected:
    static constexpr unsigned kKey = 5;
    void SetUp() override
    {
        build(GetParam().levels, GetParam().ps, kUserRw | MMU_PTE_PKEY(kKey));
    }
    // Every key's AD and WD except those of kKey.
    static constexpr uint32_t kOthers = ~(3u << (2 * kKey));
};
INSTANTIATE_TEST_SUITE_P(Pte, PtePkru, ::testing::ValuesIn(all_size_cases()), size_case_name);

// SDM 4.6.2: PKRU.ADi=1 forbids every data access, user or supervisor, to user-mode
// addresses with key i.
TEST_P(PtePkru, DataAccessFaultsWhenAdSet)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kPKE, pk_ad(kKey)));
    EXPECT_TRUE(IsPf(tr(kRead, 3), P | US | PK, la));
    EXPECT_TRUE(IsPf(tr(kWrite, 3), P | W | US | PK, la));
    EXPECT_TRUE(IsPf(tr(kRead, 0), P | PK, la));
    EXPECT_TRUE(IsPf(tr(kRead, 3, true), P | PK, la));
    ASSERT_EQ(0, env.set_ctrl(kPKE, pk_ad(kKey))); // AD does not depend on CR0.WP
    EXPECT_TRUE(IsPf(tr(kWrite, 0), P | W | PK, la));
}

TEST_P(PtePkru, DataAccessAllowedWhenAdClear)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kPKE, kOthers));
    mmu_result_t r = tr(kRead, 3);
    EXPECT_TRUE(IsOk(r, pa));
    EXPECT_EQ(kKey, r.pkey);
    EXPECT_TRUE(IsOk(tr(kWrite, 3), pa));
    EXPECT_TRUE(IsOk(tr(kRead, 0), pa));
    EXPECT_TRUE(IsOk(tr(kWrite, 0), pa));
}

// SDM 4.6.2: PKRU.WDi=1 forbids user-mode writes.
TEST_P(PtePkru, UserWriteFaultsWhenWdSet)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kPKE, pk_wd(kKey)));
    EXPECT_TRUE(IsPf(tr(kWrite, 3), P | W | US | PK, la));
    ASSERT_EQ(0, env.set_ctrl(kPKE, pk_wd(kKey)));
    EXPECT_TRUE(IsPf(tr(kWrite, 3), P | W | US | PK, la));
}

TEST_P(PtePkru, UserReadAllowedWhenWdSet)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kPKE, pk_wd(kKey)));
    EXPECT_TRUE(IsOk(tr(kRead, 3), pa));
}

// SDM 4.6.2: WDi=1 forbids supervisor-mode writes only if CR0.WP=1.
TEST_P(PtePkru, SupervisorWriteFaultsWhenWdSetAndWpSet)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kPKE, pk_wd(kKey)));
    EXPECT_TRUE(IsPf(tr(kWrite, 0), P | W | PK, la));
    EXPECT_TRUE(IsPf(tr(kWrite, 3, true), P | W | PK, la));
}

TEST_P(PtePkru, SupervisorWriteAllowedWhenWdSetAndWpClear)
{
    ASSERT_EQ(0, env.set_ctrl(kPKE, pk_wd(kKey)));
    EXPECT_TRUE(IsOk(tr(kWrite, 0), pa));
    EXPECT_TRUE(IsOk(tr(kWrite, 3, true), pa));
}

// SDM 4.6.2: protection keys never restrict instruction fetches.
TEST_P(PtePkru, FetchAllowedWhateverPkru)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kPKE | kNXE, 0xffffffffu));
    EXPECT_TRUE(IsOk(tr(kFetch, 3), pa));
    EXPECT_TRUE(IsOk(tr(kFetch, 0), pa));
}

// SDM 4.6.2: with CR4.PKE=0 PKRU is not used.
TEST_P(PtePkru, PkruIgnoredWhenPkeClear)
{
    ASSERT_EQ(0, env.set_ctrl(kWP, 0xffffffffu));
    EXPECT_TRUE(IsOk(tr(kRead, 3), pa));
    EXPECT_TRUE(IsOk(tr(kWrite, 3), pa));
    EXPECT_TRUE(IsOk(tr(kWrite, 0), pa));
}

TEST_P(PtePkru, PkruAppliesWhenPkeSet)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kPKE, 0xffffffffu));
    EXPECT_TRUE(IsPf(tr(kRead, 3), P | US | PK, la));
}

// SDM 4.6.2: PKRU controls user-mode addresses only.
TEST_P(PtePkru, PkruIgnoredForSupervisorPage)
{
    env.clear_bits(kTestVa, leaf(), MMU_PTE_US);
    ASSERT_EQ(0, env.set_ctrl(kWP | kPKE, 0xffffffffu));
    EXPECT_TRUE(IsOk(tr(kRead, 0), pa));
    EXPECT_TRUE(IsOk(tr(kWrite, 0), pa));
}

// SDM 4.6.2: the key is bits 62:59 of the entry that maps the page; bits 62:52 of
// non-leaf entries are ignored.
TEST_P(PtePkru, KeyOfNonLeafEntriesIgnored)
{
    for (unsigned l = env.levels; l > leaf(); l--)
        env.set_bits(kTestVa, l, MMU_PTE_PKEY(7));
    ASSERT_EQ(0, env.set_ctrl(kWP | kPKE, pk_ad(7) | pk_wd(7)));
    mmu_result_t r = tr(kWrite, 3);
    EXPECT_TRUE(IsOk(r, pa));
    EXPECT_EQ(kKey, r.pkey);
}

TEST_P(PtePkru, KeyOfLeafSelectsPkruBits)
{
    for (unsigned k = 0; k < 16; k++) {
        uint64_t e = env.entry(kTestVa, leaf());
        env.set_entry(kTestVa, leaf(), (e & ~MMU_PTE_PKEY(15)) | MMU_PTE_PKEY(k));
        ASSERT_EQ(0, env.set_ctrl(kWP | kPKE, pk_ad(k)));
        EXPECT_TRUE(IsPf(tr(kRead, 3), P | US | PK, la)) << "key " << k;
        ASSERT_EQ(0, env.set_ctrl(kWP | kPKE, pk_ad((k + 1) % 16) | pk_wd((k + 15) % 16)));
        mmu_result_t r = tr(kWrite, 3);
        EXPECT_TRUE(IsOk(r, pa)) << "key " << k;
        EXPECT_EQ(k, r.pkey);
    }
}

// ---- protection keys: IA32_PKRS (supervisor-mode addresses) -----------------------------

class PtePkrs : public PteSizeTest {
  protected:
    static constexpr unsigned kKey = 9;
    void SetUp() override { build(GetParam().levels, GetParam().ps, kSupRw | MMU_PTE_PKEY(kKey)); }
    static constexpr uint32_t kOthers = ~(3u << (2 * kKey));
};
INSTANTIATE_TEST_SUITE_P(Pte, PtePkrs, ::testing::ValuesIn(all_size_cases()), size_case_name);

// SDM 4.6.2: with CR4.PKS=1, IA32_PKRS.ADi=1 forbids data accesses to supervisor-mode
// addresses with key i.
TEST_P(PtePkrs, SupervisorDataAccessFaultsWhenAdSet)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kPKS, 0, pk_ad(kKey)));
    EXPECT_TRUE(IsPf(tr(kRead, 0), P | PK, la));
    EXPECT_TRUE(IsPf(tr(kWrite, 0), P | W | PK, la));
    EXPECT_TRUE(IsPf(tr(kRead, 3, true), P | PK, la));
    ASSERT_EQ(0, env.set_ctrl(kPKS, 0, pk_ad(kKey)));
    EXPECT_TRUE(IsPf(tr(kWrite, 0), P | W | PK, la));
}

TEST_P(PtePkrs, SupervisorDataAccessAllowedWhenAdClear)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kPKS, 0, kOthers));
    mmu_result_t r = tr(kRead, 0);
    EXPECT_TRUE(IsOk(r, pa));
    EXPECT_EQ(kKey, r.pkey);
    EXPECT_TRUE(IsOk(tr(kWrite, 0), pa));
}

// SDM 4.6.2: IA32_PKRS.WDi=1 forbids supervisor-mode writes if CR0.WP=1.
TEST_P(PtePkrs, SupervisorWriteFaultsWhenWdSetAndWpSet)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kPKS, 0, pk_wd(kKey)));
    EXPECT_TRUE(IsPf(tr(kWrite, 0), P | W | PK, la));
    EXPECT_TRUE(IsOk(tr(kRead, 0), pa));
}

TEST_P(PtePkrs, SupervisorWriteAllowedWhenWdSetAndWpClear)
{
    ASSERT_EQ(0, env.set_ctrl(kPKS, 0, pk_wd(kKey)));
    EXPECT_TRUE(IsOk(tr(kWrite, 0), pa));
}

// SDM 4.6.2: protection keys never restrict instruction fetches.
TEST_P(PtePkrs, FetchAllowedWhateverPkrs)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kPKS | kNXE | kSMEP, 0, 0xffffffffu));
    EXPECT_TRUE(IsOk(tr(kFetch, 0), pa));
}

// SDM 4.6.2: with CR4.PKS=0 IA32_PKRS is not used.
TEST_P(PtePkrs, PkrsIgnoredWhenPksClear)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kPKE, 0xffffffffu, 0xffffffffu));
    EXPECT_TRUE(IsOk(tr(kRead, 0), pa));
    EXPECT_TRUE(IsOk(tr(kWrite, 0), pa));
}

TEST_P(PtePkrs, PkrsAppliesWhenPksSet)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kPKS, 0, 0xffffffffu));
    EXPECT_TRUE(IsPf(tr(kRead, 0), P | PK, la));
}

// SDM 4.6.2: IA32_PKRS controls supervisor-mode addresses only, PKRU user-mode ones.
TEST_P(PtePkrs, PkrsIgnoredForUserPage)
{
    env.set_bits(kTestVa, leaf(), MMU_PTE_US);
    ASSERT_EQ(0, env.set_ctrl(kWP | kPKS, 0, 0xffffffffu));
    EXPECT_TRUE(IsOk(tr(kRead, 0), pa));
    EXPECT_TRUE(IsOk(tr(kWrite, 0), pa));
    EXPECT_TRUE(IsOk(tr(kRead, 3), pa));
    EXPECT_TRUE(IsOk(tr(kWrite, 3), pa));
}

TEST_P(PtePkrs, PkruIgnoredForSupervisorPageEvenWithPke)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kPKE | kPKS, 0xffffffffu, 0));
    EXPECT_TRUE(IsOk(tr(kRead, 0), pa));
    EXPECT_TRUE(IsOk(tr(kWrite, 0), pa));
}

// ---- reserved address bits 51:MAXPHYADDR ------------------------------------------------

struct RsvdCase {
    LevelCase at;
    unsigned maxphy;
    unsigned bit;
};

std::string rsvd_case_name(const ::testing::TestParamInfo<RsvdCase> &i)
{
    return level_case_name({i.param.at, i.index}) + "_M" + std::to_string(i.param.maxphy) + "_bit" +
           std::to_string(i.param.bit);
}

// reserved=true: bits M and 51 (M < 52). reserved=false: bit M-1 (M = 36, 46, 52).
std::vector<RsvdCase> rsvd_cases(bool reserved)
{
    std::vector<RsvdCase> v;
    for (const LevelCase &c : all_level_cases())
        for (unsigned m : {36u, 46u, 52u}) {
            if (!reserved) {
                v.push_back({c, m, m - 1});
            } else if (m < 52) {
                v.push_back({c, m, m});
                v.push_back({c, m, 51});
            }
        }
    return v;
}

class PteRsvdAddr : public PteBase<RsvdCase> {
  protected:
    void SetUp() override
    {
        build(GetParam().at.levels, GetParam().at.ps, kUserRw, GetParam().maxphy);
    }
    unsigned lvl() const { return GetParam().at.level; }
    uint64_t bit() const { return 1ull << GetParam().bit; }
};

class PteRsvd : public PteRsvdAddr {};
INSTANTIATE_TEST_SUITE_P(Pte, PteRsvd, ::testing::ValuesIn(rsvd_cases(true)), rsvd_case_name);
class PteAddrBit : public PteRsvdAddr {};
INSTANTIATE_TEST_SUITE_P(Pte, PteAddrBit, ::testing::ValuesIn(rsvd_cases(false)),
                         rsvd_case_name);

// SDM 4.5 (tables 4-15..4-20): bits 51:MAXPHYADDR are reserved in every entry; a
// reserved bit in a present entry gives #PF with RSVD=1 and the walk stops there.
TEST_P(PteRsvd, AddressBitAtOrAboveMaxphyaddrFaults)
{
    env.set_bits(kTestVa, lvl(), bit());
    ASSERT_EQ(0, env.set_ctrl(kWP | kNXE));
    EXPECT_TRUE(IsPf(tr(kRead, 3), P | RSVD | US, la));
    EXPECT_EQ(env.levels - lvl() + 1, env.log.reads.size()) << "walk must stop at the bad entry";
    EXPECT_TRUE(env.log.writes.empty());
    EXPECT_TRUE(IsPf(tr(kWrite, 0), P | RSVD | W, la));
    EXPECT_TRUE(IsPf(tr(kFetch, 3), P | RSVD | US | ID, la));
}

TEST_P(PteRsvd, SameEntryWithoutTheBitAllowed)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kNXE));
    EXPECT_TRUE(IsOk(tr(kRead, 3), pa));
}

// SDM 4.5: bits MAXPHYADDR-1:12 (or :21, :30) are the address; with MAXPHYADDR=52
// bit 51 is an address bit and nothing in 51:12 is reserved. In the leaf the bit
// moves the frame; in a non-leaf entry it moves the next table to an empty frame,
// whose entry reads 0: a not-present fault one level down.
TEST_P(PteAddrBit, BitBelowMaxphyaddrIsAddress)
{
    env.set_bits(kTestVa, lvl(), bit());
    ASSERT_EQ(0, env.set_ctrl(kWP | kNXE));
    mmu_result_t r = tr(kRead, 3);
    if (lvl() == leaf()) {
        EXPECT_TRUE(IsOk(r, pa | bit()));
        EXPECT_EQ(env.levels - lvl() + 1, env.log.reads.size());
    } else {
        EXPECT_TRUE(IsPf(r, US, la));
        ASSERT_EQ(env.levels - lvl() + 2, env.log.reads.size());
        // The next read went to the moved table.
        uint64_t table = (env.entry(kTestVa, lvl()) & ((1ull << 52) - 1)) & ~0xfffull;
        uint64_t next = env.log.reads.back();
        EXPECT_EQ(table, next & ~0xfffull) << hex(next);
    }
}

// ---- reserved bits of large leaves -----------------------------------------------------------

class PteLargeRsvd : public PteSizeTest {
  protected:
    // Reserved bits of the leaf: 20:13 for a 2M PDE, 29:13 for a 1G PDPTE.
    unsigned top_reserved() const { return ps == MMU_PAGE_2M ? 20 : 29; }
};
std::vector<SizeCase> large_cases()
{
    std::vector<SizeCase> v;
    for (const SizeCase &c : all_size_cases())
        if (c.ps != MMU_PAGE_4K)
            v.push_back(c);
    return v;
}
INSTANTIATE_TEST_SUITE_P(Pte, PteLargeRsvd, ::testing::ValuesIn(large_cases()), size_case_name);

// SDM tables 4-17, 4-19: bits 20:13 of a 2M PDE and 29:13 of a 1G PDPTE are reserved.
TEST_P(PteLargeRsvd, ReservedBitOfLargeLeafFaults)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kNXE));
    const uint64_t e = env.entry(kTestVa, leaf());
    for (unsigned b = 13; b <= top_reserved(); b++) {
        env.set_entry(kTestVa, leaf(), e | (1ull << b));
        EXPECT_TRUE(IsPf(tr(kRead, 3), P | RSVD | US, la)) << "bit " << b;
    }
}

// Bit 12 is PAT (not part of the address); the address starts at bit 21 / 30.
TEST_P(PteLargeRsvd, PatBitOfLargeLeafAllowedAndNotAddress)
{
    env.set_bits(kTestVa, leaf(), 1ull << 12);
    ASSERT_EQ(0, env.set_ctrl(kWP | kNXE));
    EXPECT_TRUE(IsOk(tr(kRead, 3), pa));
}

TEST_P(PteLargeRsvd, FirstAddressBitOfLargeLeafIsAddress)
{
    const uint64_t b = 1ull << (top_reserved() + 1);
    env.set_bits(kTestVa, leaf(), b);
    ASSERT_EQ(0, env.set_ctrl(kWP | kNXE));
    EXPECT_TRUE(IsOk(tr(kRead, 3), pa | b));
}

// ---- PS in PML4E / PML5E, PDPTE.PS without 1G pages ------------------------------------------

struct PsCase {
    unsigned levels;
    unsigned level;
};
class PtePsRsvd : public PteBase<PsCase> {
  protected:
    void SetUp() override { build(GetParam().levels, MMU_PAGE_4K, kUserRw); }
};
INSTANTIATE_TEST_SUITE_P(Pte, PtePsRsvd,
                         ::testing::Values(PsCase{4, 4}, PsCase{5, 4}, PsCase{5, 5}),
                         [](const ::testing::TestParamInfo<PsCase> &i) {
                             return "L" + std::to_string(i.param.levels) + "_at" +
                                    level_name(i.param.level);
                         });

// SDM tables 4-14, 4-15: PS (bit 7) is reserved in a PML5E and in a PML4E.
TEST_P(PtePsRsvd, PsInPml4eOrPml5eFaults)
{
    env.set_bits(kTestVa, GetParam().level, MMU_PTE_PS);
    ASSERT_EQ(0, env.set_ctrl(kWP | kNXE));
    EXPECT_TRUE(IsPf(tr(kRead, 3), P | RSVD | US, la));
    EXPECT_EQ(env.levels - GetParam().level + 1, env.log.reads.size());
}

TEST_P(PtePsRsvd, PsClearInPml4eOrPml5eAllowed)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kNXE));
    EXPECT_TRUE(IsOk(tr(kRead, 3), pa));
}

class PtePdptePs : public PteBase<unsigned> {};
INSTANTIATE_TEST_SUITE_P(Pte, PtePdptePs, ::testing::Values(4u, 5u),
                         [](const ::testing::TestParamInfo<unsigned> &i) {
                             return "L" + std::to_string(i.param);
                         });

// SDM 4.5: PDPTE.PS=1 maps a 1G page where 1-GByte pages are supported; otherwise
// the bit is reserved.
TEST_P(PtePdptePs, PdptePsMaps1GWhenSupported)
{
    ASSERT_NO_FATAL_FAILURE(build(GetParam(), MMU_PAGE_1G, kUserRw, 46, 1));
    ASSERT_EQ(0, env.set_ctrl(kWP));
    mmu_result_t r = tr(kRead, 3);
    EXPECT_TRUE(IsOk(r, pa));
    EXPECT_EQ(unsigned(MMU_PAGE_1G), r.page_size);
}

TEST_P(PtePdptePs, PdptePsFaultsWhen1GUnsupported)
{
    ASSERT_NO_FATAL_FAILURE(build(GetParam(), MMU_PAGE_1G, kUserRw, 46, 0));
    ASSERT_EQ(0, env.set_ctrl(kWP));
    EXPECT_TRUE(IsPf(tr(kRead, 3), P | RSVD | US, la));
    EXPECT_TRUE(IsPf(tr(kWrite, 0), P | RSVD | W, la));
}

// ---- not-present entries, and which fault wins ---------------------------------------------

LEVEL_SUITE(PteNotPresent);

// SDM 4.7: reserved bits are not checked in an entry whose P flag is 0.
TEST_P(PteNotPresent, NotPresentEntryWithReservedBitsGivesNonPresentFault)
{
    uint64_t junk = (1ull << 51) | (1ull << 46) | MMU_PTE_XD;
    if (lvl() >= 4)
        junk |= MMU_PTE_PS;
    if (lvl() == 2 && ps == MMU_PAGE_2M)
        junk |= 1ull << 13;
    if (lvl() == 3 && ps == MMU_PAGE_1G)
        junk |= 1ull << 29;
    set_at_level(junk);
    clear_at_level(MMU_PTE_P);
    ASSERT_EQ(0, env.set_ctrl(kWP)); // NXE=0: XD is reserved too
    EXPECT_TRUE(IsPf(tr(kRead, 3), US, la));
    EXPECT_EQ(env.levels - lvl() + 1, env.log.reads.size());
    EXPECT_TRUE(IsPf(tr(kWrite, 0), W, la));
}

TEST_P(PteNotPresent, PresentEntryWithReservedBitsGivesRsvdFault)
{
    set_at_level((1ull << 51) | (1ull << 46) | MMU_PTE_XD);
    ASSERT_EQ(0, env.set_ctrl(kWP));
    EXPECT_TRUE(IsPf(tr(kRead, 3), P | RSVD | US, la));
    EXPECT_TRUE(IsPf(tr(kWrite, 0), P | RSVD | W, la));
}

// SDM 4.5: the walk stops at the first entry that is not present or sets a reserved
// bit; nothing below it is read.
class PteFirstWins : public PteLevelTest {};
std::vector<LevelCase> nonleaf_cases()
{
    std::vector<LevelCase> v;
    for (const LevelCase &c : all_level_cases())
        if (c.level > leaf_level(c.ps))
            v.push_back(c);
    return v;
}
INSTANTIATE_TEST_SUITE_P(Pte, PteFirstWins, ::testing::ValuesIn(nonleaf_cases()),
                         level_case_name);

TEST_P(PteFirstWins, ReservedBitAboveNotPresentEntryWins)
{
    env.clear_bits(kTestVa, lvl() - 1, MMU_PTE_P);
    set_at_level(1ull << 51);
    ASSERT_EQ(0, env.set_ctrl(kWP | kNXE));
    EXPECT_TRUE(IsPf(tr(kRead, 3), P | RSVD | US, la));
    EXPECT_EQ(env.levels - lvl() + 1, env.log.reads.size());
}

TEST_P(PteFirstWins, NotPresentAboveReservedBitWins)
{
    env.set_bits(kTestVa, lvl() - 1, 1ull << 51);
    clear_at_level(MMU_PTE_P);
    ASSERT_EQ(0, env.set_ctrl(kWP | kNXE));
    EXPECT_TRUE(IsPf(tr(kRead, 3), US, la));
    EXPECT_EQ(env.levels - lvl() + 1, env.log.reads.size());
}

LEVEL_SUITE(PteRsvdVsRights);

// SDM 4.6/4.7: access rights apply only to a translation; a reserved bit anywhere
// means there is none, so RSVD wins over a U/S violation higher up.
TEST_P(PteRsvdVsRights, ReservedBitBelowProtectionViolationGivesRsvd)
{
    env.clear_bits(kTestVa, env.levels, MMU_PTE_US);
    set_at_level(1ull << 51);
    ASSERT_EQ(0, env.set_ctrl(kWP | kNXE));
    EXPECT_TRUE(IsPf(tr(kRead, 3), P | RSVD | US, la));
}

TEST_P(PteRsvdVsRights, ProtectionViolationWithoutReservedBitGivesProtectionFault)
{
    env.clear_bits(kTestVa, env.levels, MMU_PTE_US);
    ASSERT_EQ(0, env.set_ctrl(kWP | kNXE));
    EXPECT_TRUE(IsPf(tr(kRead, 3), P | US, la));
}

} // namespace
