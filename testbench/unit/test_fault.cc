/* SPDX-License-Identifier: Apache-2.0 */
// #PF error code, CR2 and #GP for non-canonical addresses (model/fault.c), through
// mmu_translate(): SDM Vol. 3A 4.7 (page-fault error code); Vol. 1 3.3.7.1, Vol. 3A 4.5
// (canonical addressing: #GP(0), not #PF). Each error-code bit is seen set and clear.
#include <gtest/gtest.h>

#include "fixture.h"

namespace {

using namespace mmutest;

constexpr uint32_t P = MMU_PF_P, W = MMU_PF_W, US = MMU_PF_US, RSVD = MMU_PF_RSVD,
                   ID = MMU_PF_ID, PK = MMU_PF_PK;

// One user-mode, writable 4K page at kTestVa -> kTestFrame, 4-level paging.
class Fault : public ::testing::Test {
  protected:
    MmuEnv env;
    const uint64_t la = kTestVa + 0x678;
    const uint64_t pa = kTestFrame + 0x678;

    void SetUp() override { ASSERT_NO_FATAL_FAILURE(init(4)); }
    void init(unsigned levels)
    {
        ASSERT_TRUE(env.init(levels));
        ASSERT_TRUE(env.map(kTestVa, kTestFrame, MMU_PAGE_4K, kUserRw));
    }
    // Rewrite the PTE: the frame plus exactly these flags.
    void leaf(uint64_t flags) { env.set_entry(kTestVa, 1, kTestFrame | flags); }
    mmu_result_t tr(mmu_access_t t, unsigned cpl, bool implicit = false)
    {
        return env.translate(la, t, cpl, implicit);
    }
};

// ---- P ---------------------------------------------------------------------------------

// SDM 4.7: P=0 if the fault was caused by a not-present entry (at any level).
TEST_F(Fault, NotPresentClearsP)
{
    ASSERT_EQ(0, env.set_ctrl(kWP));
    for (unsigned l = 4; l >= 1; l--) {
        uint64_t e = env.entry(kTestVa, l);
        env.set_entry(kTestVa, l, e & ~MMU_PTE_P);
        EXPECT_TRUE(IsPf(tr(kRead, 0), 0, la)) << "level " << l;
        env.set_entry(kTestVa, l, e);
    }
}

// SDM 4.7: P=1 if the fault was caused by a page-level protection violation.
TEST_F(Fault, ProtectionViolationSetsP)
{
    leaf(kSupRw);
    ASSERT_EQ(0, env.set_ctrl(kWP));
    EXPECT_TRUE(IsPf(tr(kRead, 3), P | US, la));
}

// ---- W/R -------------------------------------------------------------------------------

// SDM 4.7: W/R=1 if the access was a write, 0 for reads and instruction fetches.
TEST_F(Fault, WriteSetsWr)
{
    ASSERT_EQ(0, env.set_ctrl(kWP));
    leaf(0); // not present
    EXPECT_TRUE(IsPf(tr(kWrite, 0), W, la));
    leaf(kSupRw); // protection
    EXPECT_TRUE(IsPf(tr(kWrite, 3), P | W | US, la));
}

TEST_F(Fault, ReadAndFetchClearWr)
{
    ASSERT_EQ(0, env.set_ctrl(kWP));
    leaf(0);
    EXPECT_TRUE(IsPf(tr(kRead, 0), 0, la));
    EXPECT_TRUE(IsPf(tr(kFetch, 0), 0, la)); // NXE=0, SMEP=0: I/D=0 too
    leaf(kSupRw);
    EXPECT_TRUE(IsPf(tr(kRead, 3), P | US, la));
    EXPECT_TRUE(IsPf(tr(kFetch, 3), P | US, la));
}

// ---- U/S -------------------------------------------------------------------------------

// SDM 4.7: U/S=1 for a user-mode access (CPL 3, not implicit). It describes the
// access, not the page's rights.
TEST_F(Fault, UserModeAccessSetsUs)
{
    ASSERT_EQ(0, env.set_ctrl(kWP));
    leaf(0);
    EXPECT_TRUE(IsPf(tr(kRead, 3), US, la));
    EXPECT_TRUE(IsPf(tr(kWrite, 3), W | US, la));
}

// SDM 4.6/4.7: CPL 0..2 and implicit accesses (even at CPL 3) are supervisor-mode:
// U/S=0.
TEST_F(Fault, SupervisorModeAccessClearsUs)
{
    ASSERT_EQ(0, env.set_ctrl(kWP));
    leaf(0);
    for (unsigned cpl = 0; cpl < 3; cpl++)
        EXPECT_TRUE(IsPf(tr(kRead, cpl), 0, la)) << "cpl " << cpl;
    EXPECT_TRUE(IsPf(tr(kRead, 3, true), 0, la));
    EXPECT_TRUE(IsPf(tr(kWrite, 3, true), W, la));
    // A user-mode page refused to a supervisor access (SMAP): still U/S=0.
    leaf(kUserRw);
    ASSERT_EQ(0, env.set_ctrl(kWP | kSMAP));
    EXPECT_TRUE(IsPf(tr(kRead, 0), P, la));
}

// ---- RSVD ------------------------------------------------------------------------------

// SDM 4.7: RSVD=1 if a reserved bit was set in an entry used; only with P=1.
TEST_F(Fault, ReservedBitSetsRsvdAndP)
{
    leaf(kUserRw | (1ull << 51));
    ASSERT_EQ(0, env.set_ctrl(kWP));
    EXPECT_TRUE(IsPf(tr(kRead, 0), P | RSVD, la));
    EXPECT_TRUE(IsPf(tr(kWrite, 3), P | RSVD | W | US, la));
}

TEST_F(Fault, ProtectionAndNotPresentFaultsClearRsvd)
{
    ASSERT_EQ(0, env.set_ctrl(kWP));
    leaf(kSupRw);
    EXPECT_TRUE(IsPf(tr(kRead, 3), P | US, la));
    leaf((1ull << 51) | MMU_PTE_RW); // not present: reserved bits ignored
    EXPECT_TRUE(IsPf(tr(kRead, 3), US, la));
}

// ---- I/D -------------------------------------------------------------------------------

// SDM 4.7: I/D=1 iff the access was a fetch and (CR4.SMEP=1 or EFER.NXE=1).
TEST_F(Fault, FetchSetsIdWhenNxeSet)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kNXE));
    leaf(0);
    EXPECT_TRUE(IsPf(tr(kFetch, 0), ID, la));
    EXPECT_TRUE(IsPf(tr(kFetch, 3), ID | US, la));
    leaf(kSupRw);
    EXPECT_TRUE(IsPf(tr(kFetch, 3), P | US | ID, la));
}

TEST_F(Fault, FetchSetsIdWhenSmepSet)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kSMEP));
    leaf(0);
    EXPECT_TRUE(IsPf(tr(kFetch, 0), ID, la));
    EXPECT_TRUE(IsPf(tr(kFetch, 3), ID | US, la));
}

TEST_F(Fault, FetchClearsIdWhenNxeAndSmepClear)
{
    ASSERT_EQ(0, env.set_ctrl(kWP));
    leaf(0);
    EXPECT_TRUE(IsPf(tr(kFetch, 0), 0, la));
    leaf(kSupRw);
    EXPECT_TRUE(IsPf(tr(kFetch, 3), P | US, la));
}

TEST_F(Fault, DataAccessClearsIdEvenWithNxeAndSmep)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kNXE | kSMEP));
    leaf(0);
    EXPECT_TRUE(IsPf(tr(kRead, 0), 0, la));
    EXPECT_TRUE(IsPf(tr(kWrite, 3), W | US, la));
}

// ---- PK --------------------------------------------------------------------------------

// SDM 4.7: PK=1 iff a data access to a user-mode address whose key's PKRU bits
// forbid it (AD, or WD for a write that is user-mode or made with CR0.WP=1);
// likewise IA32_PKRS for supervisor-mode addresses with CR4.PKS=1. The definition
// does not depend on other violations of the same access.
TEST_F(Fault, KeyViolationSetsPk)
{
    leaf(kUserRw | MMU_PTE_PKEY(5));
    ASSERT_EQ(0, env.set_ctrl(kWP | kPKE, pk_ad(5)));
    EXPECT_TRUE(IsPf(tr(kRead, 3), P | US | PK, la));
}

TEST_F(Fault, KeyViolationAlongsideRwViolationSetsPk)
{
    leaf(MMU_PTE_P | MMU_PTE_US | MMU_PTE_PKEY(5)); // read-only
    ASSERT_EQ(0, env.set_ctrl(kWP | kPKE, pk_wd(5)));
    EXPECT_TRUE(IsPf(tr(kWrite, 3), P | W | US | PK, la));
    EXPECT_TRUE(IsPf(tr(kWrite, 0), P | W | PK, la)); // WP=1: R/W and WD both refuse
}

TEST_F(Fault, KeyViolationAlongsideSmapViolationSetsPk)
{
    leaf(kUserRw | MMU_PTE_PKEY(5));
    ASSERT_EQ(0, env.set_ctrl(kWP | kPKE | kSMAP, pk_ad(5)));
    EXPECT_TRUE(IsPf(tr(kRead, 0), P | PK, la));
}

TEST_F(Fault, PkrsViolationAlongsideUsViolationSetsPk)
{
    leaf(kSupRw | MMU_PTE_PKEY(5));
    ASSERT_EQ(0, env.set_ctrl(kWP | kPKS, 0, pk_ad(5)));
    EXPECT_TRUE(IsPf(tr(kRead, 3), P | US | PK, la));
    EXPECT_TRUE(IsPf(tr(kRead, 0), P | PK, la));
}

TEST_F(Fault, KeyThatPermitsClearsPk)
{
    leaf(MMU_PTE_P | MMU_PTE_US | MMU_PTE_PKEY(5)); // read-only, key 5
    ASSERT_EQ(0, env.set_ctrl(kWP | kPKE, pk_ad(6) | pk_wd(6) | pk_ad(4) | pk_wd(4)));
    EXPECT_TRUE(IsPf(tr(kWrite, 3), P | W | US, la));
    ASSERT_EQ(0, env.set_ctrl(kWP, 0xffffffffu)); // PKE=0: PKRU not used
    EXPECT_TRUE(IsPf(tr(kWrite, 3), P | W | US, la));
}

// SDM 4.7 (2): PK needs a data access: 0 for fetches.
TEST_F(Fault, FetchClearsPk)
{
    leaf(kUserRw | MMU_PTE_XD | MMU_PTE_PKEY(5));
    ASSERT_EQ(0, env.set_ctrl(kWP | kNXE | kPKE, 0xffffffffu));
    EXPECT_TRUE(IsPf(tr(kFetch, 3), P | US | ID, la));
}

// No translation, so no protection key: PK=0 for not-present and reserved-bit faults.
TEST_F(Fault, NotPresentFaultClearsPk)
{
    leaf(MMU_PTE_RW | MMU_PTE_US | MMU_PTE_PKEY(5)); // P=0
    ASSERT_EQ(0, env.set_ctrl(kWP | kPKE, 0xffffffffu));
    EXPECT_TRUE(IsPf(tr(kRead, 3), US, la));
    EXPECT_TRUE(IsPf(tr(kWrite, 3), W | US, la));
}

TEST_F(Fault, ReservedBitFaultClearsPk)
{
    leaf(kUserRw | MMU_PTE_PKEY(5) | (1ull << 51));
    ASSERT_EQ(0, env.set_ctrl(kWP | kPKE, 0xffffffffu));
    EXPECT_TRUE(IsPf(tr(kRead, 3), P | RSVD | US, la));
}

// SDM 4.7 (iii): WD counts for a supervisor write only with CR0.WP=1. Here SMAP
// refuses the write, the key does not: PK=0.
TEST_F(Fault, SupervisorWriteWithWdAndWpClearClearsPk)
{
    leaf(MMU_PTE_P | MMU_PTE_US | MMU_PTE_PKEY(5));
    ASSERT_EQ(0, env.set_ctrl(kPKE | kSMAP, pk_wd(5)));
    EXPECT_TRUE(IsPf(tr(kWrite, 0), P | W, la));
}

// ---- CR2 -------------------------------------------------------------------------------

// SDM 4.7: CR2 receives the full linear address that caused the fault.
TEST_F(Fault, Cr2IsTheFaultingByteAddress)
{
    leaf(0);
    ASSERT_EQ(0, env.set_ctrl(kWP));
    EXPECT_TRUE(IsPf(env.translate(kTestVa + 0xfff, kRead, 0), 0, kTestVa + 0xfff));
    EXPECT_TRUE(IsPf(env.translate(kTestVa, kRead, 0), 0, kTestVa));
}

TEST_F(Fault, Cr2IsTheFullKernelHalfAddress)
{
    ASSERT_EQ(0, env.set_ctrl(kWP));
    const uint64_t k = 0xffff888012345678ull;
    EXPECT_TRUE(IsPf(env.translate(k, kRead, 0), 0, k));
    EXPECT_TRUE(IsPf(env.translate(k, kWrite, 3), W | US, k));
}

TEST_F(Fault, Cr2IsTheFullKernelHalfAddressWith5Levels)
{
    ASSERT_NO_FATAL_FAILURE(init(5));
    ASSERT_EQ(0, env.set_ctrl(kWP));
    const uint64_t k = 0xff12345678abcdefull;
    EXPECT_TRUE(IsPf(env.translate(k, kRead, 0), 0, k));
}

// ---- canonical addresses ------------------------------------------------------------------

// SDM Vol. 1 3.3.7.1, Vol. 3A 4.5: with 4-level paging bits 63:47 must be equal, with 5-level
// bits 63:56; otherwise #GP(0), not #PF: no CR2, no paging-structure access.
void expect_gp_everywhere(MmuEnv &env, uint64_t la)
{
    for (mmu_access_t t : {kRead, kWrite, kFetch})
        for (unsigned cpl : {0u, 3u})
            for (bool implicit : {false, true}) {
                mmu_result_t r = env.translate(la, t, cpl, implicit);
                EXPECT_TRUE(IsGp(r)) << hex(la) << " type " << t << " cpl " << cpl;
                EXPECT_TRUE(env.log.reads.empty()) << hex(la);
                EXPECT_TRUE(env.log.writes.empty()) << hex(la);
                EXPECT_EQ(0u, r.mem_refs) << hex(la);
            }
}

TEST_F(Fault, NonCanonicalGivesGpWith4Levels)
{
    ASSERT_EQ(0, env.set_ctrl(kWP | kNXE));
    for (uint64_t a : {0x0000800000000000ull, 0xffff7fffffffffffull, 0x8000000000000000ull,
                       0x7fffffffffffffffull, 0x0001000000000000ull, 0xfffe800000000000ull,
                       0x00ff000000000000ull, kTestVa | (1ull << 63)})
        expect_gp_everywhere(env, a);
}

TEST_F(Fault, CanonicalBoundariesTranslateWith4Levels)
{
    ASSERT_TRUE(env.map(0x00007ffffffff000ull, 0x5000, MMU_PAGE_4K, kUserRw));
    ASSERT_TRUE(env.map(0xffff800000000000ull, 0x6000, MMU_PAGE_4K, kSupRw));
    ASSERT_EQ(0, env.set_ctrl(kWP | kNXE));
    EXPECT_TRUE(IsOk(env.translate(0x00007fffffffffffull, kRead, 3), 0x5fff));
    EXPECT_TRUE(IsOk(env.translate(0xffff800000000000ull, kRead, 0), 0x6000));
    // Canonical but unmapped: #PF with the full address in CR2.
    EXPECT_TRUE(IsPf(env.translate(0xffffffffffffffffull, kRead, 0), 0, 0xffffffffffffffffull));
    EXPECT_TRUE(IsPf(env.translate(0xffff800000001000ull, kRead, 0), 0, 0xffff800000001000ull));
}

TEST_F(Fault, NonCanonicalGivesGpWith5Levels)
{
    ASSERT_NO_FATAL_FAILURE(init(5));
    ASSERT_EQ(0, env.set_ctrl(kWP | kNXE));
    for (uint64_t a : {0x0100000000000000ull, 0xfeffffffffffffffull, 0x8000000000000000ull,
                       0x7fffffffffffffffull, 0xfe7fffffffffffffull, 0x0180000000000000ull,
                       0xfe00000000000000ull})
        expect_gp_everywhere(env, a);
}

TEST_F(Fault, CanonicalBoundariesTranslateWith5Levels)
{
    ASSERT_NO_FATAL_FAILURE(init(5));
    ASSERT_TRUE(env.map(0x00fffffffffff000ull, 0x5000, MMU_PAGE_4K, kUserRw));
    ASSERT_TRUE(env.map(0xff00000000000000ull, 0x6000, MMU_PAGE_4K, kSupRw));
    ASSERT_EQ(0, env.set_ctrl(kWP | kNXE));
    EXPECT_TRUE(IsOk(env.translate(0x00ffffffffffffffull, kRead, 3), 0x5fff));
    EXPECT_TRUE(IsOk(env.translate(0xff00000000000000ull, kRead, 0), 0x6000));
    // 48-bit non-canonical addresses are canonical with 57 bits: #PF, not #GP.
    EXPECT_TRUE(IsPf(env.translate(0x0000800000000000ull, kRead, 0), 0, 0x0000800000000000ull));
    EXPECT_TRUE(IsPf(env.translate(0xffff7fffffffffffull, kWrite, 3), W | US,
                     0xffff7fffffffffffull));
}

} // namespace
