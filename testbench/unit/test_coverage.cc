// SPDX-License-Identifier: Apache-2.0
// Functional coverage (model/coverage.c, hooks in model/mmu.c and walker.c):
// the bin list, its reachability rules (allowed and declared-unreachable
// cases of each), the cause classifiers, and every hook: a directed scenario
// per group of bins that must land exactly in the bins named. The rules are
// checked against the independent reference evaluator in test_random.cc
// (Random.ReferenceOutcomesLandInReachableBins).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "mmu/mmu.h"
#include "mmu/mmu_coverage.h"
#include "fcov_collect.h"
#include "mmu/mmu_mem.h"

namespace {

unsigned rule_of(const char *name)
{
    const long i = mmu_cov_bin_find(name);
    EXPECT_GE(i, 0) << "no bin " << name;
    return i < 0 ? 0 : mmu_cov_bin_rule(unsigned(i));
}

::testing::AssertionResult Reachable(const char *name)
{
    const unsigned r = rule_of(name);
    if (r == 0)
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << name << " is declared unreachable: "
                                         << mmu_cov_rule_text(r);
}

::testing::AssertionResult Unreachable(const char *name)
{
    if (rule_of(name) != 0)
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << name << " is reachable";
}

// ---- the bin list -------------------------------------------------------------------

TEST(CoverageBins, NamesAreUniqueShortAndFoundAgain)
{
    std::set<std::string> names;
    for (unsigned i = 0; i < mmu_cov_bins(); i++) {
        char b[MMU_COV_NAME_MAX];
        const size_t n = mmu_cov_bin_name(i, b, sizeof b);
        ASSERT_GT(n, 0u);
        ASSERT_LT(n, size_t(MMU_COV_NAME_MAX)) << b;
        ASSERT_TRUE(names.insert(b).second) << "duplicate " << b;
        ASSERT_EQ(long(i), mmu_cov_bin_find(b)) << b;
        // The group is the name's first component.
        const std::string g = mmu_cov_group_name(mmu_cov_bin_group(i));
        ASSERT_EQ(0, std::strncmp(b, (g + ".").c_str(), g.size() + 1)) << b;
    }
    char b[8];
    EXPECT_EQ(0u, mmu_cov_bin_name(mmu_cov_bins(), b, sizeof b));
    EXPECT_STREQ("", b);
    EXPECT_EQ(-1, mmu_cov_bin_find("bogus"));
    EXPECT_EQ(-1, mmu_cov_bin_find("xlat.l4.read.cpl3.4k.l1.okk"));
    EXPECT_EQ(-1, mmu_cov_bin_find("xlat.l6.read.cpl3.4k.l1.ok"));
    EXPECT_EQ(-1, mmu_cov_bin_find("xlat.l4.read.cpl3.4k.l1"));
    EXPECT_EQ(-1, mmu_cov_bin_find(nullptr));
    // A truncated name is still NUL-terminated.
    const size_t full = mmu_cov_bin_name(0, b, sizeof b);
    EXPECT_GT(full, sizeof b - 1);
    EXPECT_EQ(sizeof b - 1, std::strlen(b));
}

TEST(CoverageBins, GroupsAreContiguousAndInOrder)
{
    unsigned last = 0;
    for (unsigned i = 0; i < mmu_cov_bins(); i++) {
        const unsigned g = mmu_cov_bin_group(i);
        ASSERT_TRUE(g == last || g == last + 1) << i;
        last = g;
    }
    EXPECT_EQ(unsigned(MMU_COV_GROUPS) - 1, last);
    EXPECT_STREQ("", mmu_cov_group_name(MMU_COV_GROUPS));
}

TEST(CoverageBins, EveryRuleIsTheReasonForSomeBinAndEveryGroupHasReachableBins)
{
    std::vector<unsigned> by_rule(mmu_cov_rules() + 1, 0);
    std::vector<unsigned> reachable(MMU_COV_GROUPS, 0);
    for (unsigned i = 0; i < mmu_cov_bins(); i++) {
        const unsigned r = mmu_cov_bin_rule(i);
        ASSERT_LE(r, mmu_cov_rules());
        by_rule[r]++;
        if (!r)
            reachable[mmu_cov_bin_group(i)]++;
    }
    for (unsigned r = 1; r <= mmu_cov_rules(); r++) {
        EXPECT_GT(by_rule[r], 0u) << "rule " << r << " decides no bin: " << mmu_cov_rule_text(r);
        EXPECT_GT(std::strlen(mmu_cov_rule_text(r)), 20u);
    }
    EXPECT_STREQ("", mmu_cov_rule_text(0));
    EXPECT_STREQ("", mmu_cov_rule_text(mmu_cov_rules() + 1));
    for (unsigned g = 0; g < MMU_COV_GROUPS; g++)
        EXPECT_GT(reachable[g], 0u) << mmu_cov_group_name(g);
    // Most of the translation cross is impossible; what is left is still a
    // few thousand bins.
    EXPECT_GT(reachable[MMU_COV_G_XLAT], 1500u);
    EXPECT_LT(reachable[MMU_COV_G_XLAT], 5000u);
}

TEST(CoverageBins, ListIdIsAFingerprintOfNamesAndReachability)
{
    EXPECT_EQ(mmu_cov_list_id(), mmu_cov_list_id());
    EXPECT_NE(0u, mmu_cov_list_id());
}

// ---- reachability rules: each with a reachable neighbour ------------------------------

TEST(CoverageRules, GpOnlyServedByNothingWithoutSize)
{
    EXPECT_TRUE(Reachable("xlat.l4.read.cpl3.nosize.none.gp"));
    EXPECT_TRUE(Reachable("xlat.l5.iwrite.cpl3.nosize.none.gp"));
    EXPECT_TRUE(Unreachable("xlat.l4.read.cpl3.4k.none.gp"));
    EXPECT_TRUE(Unreachable("xlat.l4.read.cpl3.nosize.l1.gp"));
    EXPECT_TRUE(Unreachable("xlat.l4.read.cpl3.4k.none.ok"));
}

TEST(CoverageRules, SizeOnlyForLeaves)
{
    EXPECT_TRUE(Reachable("xlat.l4.read.cpl3.4k.walk_root.ok"));
    EXPECT_TRUE(Unreachable("xlat.l4.read.cpl3.nosize.walk_root.ok"));
    EXPECT_TRUE(Reachable("xlat.l4.write.cpl3.2m.walk_root.prot_rw"));
    EXPECT_TRUE(Unreachable("xlat.l4.write.cpl3.nosize.walk_root.prot_rw"));
    EXPECT_TRUE(Reachable("xlat.l4.read.cpl3.nosize.walk_root.np_pte"));
    EXPECT_TRUE(Unreachable("xlat.l4.read.cpl3.4k.walk_root.np_pte"));
}

TEST(CoverageRules, TlbHitsAreOkOrProtection)
{
    EXPECT_TRUE(Reachable("xlat.l4.read.cpl3.1g.l2.ok"));
    EXPECT_TRUE(Reachable("xlat.l4.write.cpl3.4k.l1.prot_rw"));
    EXPECT_TRUE(Unreachable("xlat.l4.read.cpl3.nosize.l2.np_pte"));
    EXPECT_TRUE(Unreachable("xlat.l4.read.cpl3.nosize.l1.rsvd_maxphy_pde"));
}

TEST(CoverageRules, FiveLevelOnlyBins)
{
    EXPECT_TRUE(Reachable("xlat.l5.read.cpl3.4k.walk_pml5e.ok"));
    EXPECT_TRUE(Unreachable("xlat.l4.read.cpl3.4k.walk_pml5e.ok"));
    EXPECT_TRUE(Reachable("xlat.l5.read.cpl3.nosize.walk_root.np_pml5e"));
    EXPECT_TRUE(Unreachable("xlat.l4.read.cpl3.nosize.walk_root.np_pml5e"));
    EXPECT_TRUE(Unreachable("xlat.l4.read.cpl3.nosize.walk_root.rsvd_ps_pml5e"));
}

TEST(CoverageRules, WalksBelowAPscHitStartLower)
{
    EXPECT_TRUE(Reachable("xlat.l4.read.cpl3.nosize.walk_pde.np_pte"));
    EXPECT_TRUE(Unreachable("xlat.l4.read.cpl3.nosize.walk_pde.np_pde"));
    EXPECT_TRUE(Reachable("xlat.l5.read.cpl3.nosize.walk_pml5e.rsvd_ps_pml4e"));
    EXPECT_TRUE(Unreachable("xlat.l5.read.cpl3.nosize.walk_pml4e.rsvd_ps_pml4e"));
    EXPECT_TRUE(Reachable("xlat.l4.read.cpl3.2m.walk_pdpte.ok"));
    EXPECT_TRUE(Unreachable("xlat.l4.read.cpl3.2m.walk_pde.ok"));
    EXPECT_TRUE(Reachable("xlat.l4.read.cpl3.1g.walk_pml4e.ok"));
    EXPECT_TRUE(Unreachable("xlat.l4.read.cpl3.1g.walk_pdpte.ok"));
}

TEST(CoverageRules, CausesMatchTheAccess)
{
    // Keys: data only.
    EXPECT_TRUE(Reachable("xlat.l4.read.cpl3.4k.walk_root.prot_pkru_ad"));
    EXPECT_TRUE(Unreachable("xlat.l4.fetch.cpl3.4k.walk_root.prot_pkru_ad"));
    // Write-only causes.
    EXPECT_TRUE(Reachable("xlat.l4.write.cpl012.4k.walk_root.prot_wp"));
    EXPECT_TRUE(Reachable("xlat.l4.iwrite.cpl3.4k.walk_root.prot_wp"));
    EXPECT_TRUE(Unreachable("xlat.l4.read.cpl012.4k.walk_root.prot_wp"));
    EXPECT_TRUE(Unreachable("xlat.l4.iread.cpl012.4k.walk_root.prot_pks_wd"));
    // Fetch-only and data-only.
    EXPECT_TRUE(Reachable("xlat.l4.fetch.cpl012.4k.walk_root.prot_smep"));
    EXPECT_TRUE(Unreachable("xlat.l4.read.cpl012.4k.walk_root.prot_smep"));
    EXPECT_TRUE(Unreachable("xlat.l4.write.cpl3.4k.walk_root.prot_xd"));
    EXPECT_TRUE(Reachable("xlat.l4.read.cpl012.4k.walk_root.prot_smap"));
    EXPECT_TRUE(Unreachable("xlat.l4.fetch.cpl012.4k.walk_root.prot_smap"));
    // User-mode and supervisor-mode causes.
    EXPECT_TRUE(Reachable("xlat.l4.read.cpl3.4k.walk_root.prot_us"));
    EXPECT_TRUE(Unreachable("xlat.l4.read.cpl012.4k.walk_root.prot_us"));
    EXPECT_TRUE(Unreachable("xlat.l4.iread.cpl3.4k.walk_root.prot_us"));
    EXPECT_TRUE(Reachable("xlat.l4.iread.cpl3.4k.walk_root.prot_smap"));
    EXPECT_TRUE(Unreachable("xlat.l4.read.cpl3.4k.walk_root.prot_smap"));
    EXPECT_TRUE(Unreachable("xlat.l4.fetch.cpl3.4k.walk_root.prot_smep"));
    EXPECT_TRUE(Reachable("xlat.l4.write.cpl3.4k.walk_root.prot_rw"));
    EXPECT_TRUE(Unreachable("xlat.l4.write.cpl012.4k.walk_root.prot_rw"));
    EXPECT_TRUE(Unreachable("xlat.l4.iwrite.cpl3.4k.walk_root.prot_rw"));
    EXPECT_TRUE(Reachable("xlat.l4.iread.cpl3.4k.walk_root.prot_pks_ad"));
    EXPECT_TRUE(Unreachable("xlat.l4.read.cpl3.4k.walk_root.prot_pks_ad"));
    // XD is never in the L1 ITLB, but can be found in the L2.
    EXPECT_TRUE(Reachable("xlat.l4.fetch.cpl3.4k.l2.prot_xd"));
    EXPECT_TRUE(Unreachable("xlat.l4.fetch.cpl3.4k.l1.prot_xd"));
}

TEST(CoverageRules, OtherGroups)
{
    EXPECT_TRUE(Reachable("ad.a_fault.pde"));
    EXPECT_TRUE(Unreachable("ad.a_fault.pte"));
    EXPECT_TRUE(Reachable("inv.cr3_noflush.nothing"));
    EXPECT_TRUE(Unreachable("inv.cr3_noflush.tlb_4k"));
    EXPECT_TRUE(Reachable("inv.cr4_other.nothing"));
    EXPECT_TRUE(Unreachable("inv.cr4_other.psc_pde"));
    EXPECT_TRUE(Reachable("inv.invpcid2.global"));
    EXPECT_TRUE(Unreachable("inv.invpcid1.global"));
    EXPECT_TRUE(Unreachable("inv.invpcid0.global"));
    EXPECT_TRUE(Unreachable("inv.invpcid3.global"));
    EXPECT_TRUE(Unreachable("inv.cr3.global"));
    EXPECT_TRUE(Reachable("inv.cr3.tlb_2m"));
    EXPECT_TRUE(Reachable("inv.cr4_pge_off.global"));
    EXPECT_TRUE(Unreachable("inv.cr4_pge_on.global"));
    EXPECT_TRUE(Reachable("walker.in_flight.8plus"));
    EXPECT_TRUE(Reachable("repl.back_inv.nothing"));
}

// ---- classifiers ----------------------------------------------------------------------

mmu_ctrl_t ctl(uint64_t cr4, bool wp = false, bool nxe = true, bool ac = false, uint32_t pkru = 0,
               uint32_t pkrs = 0)
{
    mmu_ctrl_t c{};
    c.cr0 = wp ? MMU_CR0_WP : 0;
    c.cr4 = cr4;
    c.efer = nxe ? MMU_EFER_NXE : 0;
    c.rflags = ac ? MMU_RFLAGS_AC : 0;
    c.pkru = pkru;
    c.pkrs = pkrs;
    return c;
}

mmu_req_t rq(mmu_access_t t, unsigned cpl, bool implicit = false)
{
    mmu_req_t r = MMU_REQ_INIT;
    r.type = uint8_t(t);
    r.cpl = uint8_t(cpl);
    r.flags = implicit ? MMU_REQ_IMPLICIT : 0;
    return r;
}

constexpr unsigned kU = MMU_PERM_U, kW = MMU_PERM_W, kX = MMU_PERM_XD;

TEST(CoverageClassify, ProtectionCauseOfEachRuleAndItsAllowedCase)
{
    const mmu_ctrl_t none = ctl(0);
    // U/S
    mmu_req_t r = rq(MMU_ACC_READ, 3);
    EXPECT_EQ(MMU_COV_PROT_US, mmu_cov_prot_cause(&none, &r, kW, 0));
    EXPECT_EQ(MMU_COV_PROT_NONE, mmu_cov_prot_cause(&none, &r, kW | kU, 0));
    // SMAP: AC=1 allows explicit accesses, never implicit ones.
    const mmu_ctrl_t smap = ctl(MMU_CR4_SMAP), smap_ac = ctl(MMU_CR4_SMAP, false, true, true);
    r = rq(MMU_ACC_READ, 0);
    EXPECT_EQ(MMU_COV_PROT_SMAP, mmu_cov_prot_cause(&smap, &r, kU, 0));
    EXPECT_EQ(MMU_COV_PROT_NONE, mmu_cov_prot_cause(&smap_ac, &r, kU, 0));
    r = rq(MMU_ACC_READ, 3, true);
    EXPECT_EQ(MMU_COV_PROT_SMAP, mmu_cov_prot_cause(&smap_ac, &r, kU, 0));
    // SMEP, XD: fetches only.
    const mmu_ctrl_t smep = ctl(MMU_CR4_SMEP);
    r = rq(MMU_ACC_FETCH, 0);
    EXPECT_EQ(MMU_COV_PROT_SMEP, mmu_cov_prot_cause(&smep, &r, kU, 0));
    EXPECT_EQ(MMU_COV_PROT_NONE, mmu_cov_prot_cause(&none, &r, kU, 0));
    EXPECT_EQ(MMU_COV_PROT_XD, mmu_cov_prot_cause(&none, &r, kX, 0));
    r = rq(MMU_ACC_READ, 0);
    EXPECT_EQ(MMU_COV_PROT_NONE, mmu_cov_prot_cause(&smep, &r, kU | kX, 0));
    // An implicit fetch at CPL 3 is a supervisor-mode fetch.
    r = rq(MMU_ACC_FETCH, 3, true);
    EXPECT_EQ(MMU_COV_PROT_SMEP, mmu_cov_prot_cause(&smep, &r, kU, 0));
    EXPECT_EQ(0u, mmu_cov_user_of(&r));
    EXPECT_EQ(unsigned(MMU_COV_ACC_FETCH), mmu_cov_acc_of(&r));
    // Order: a user fetch of a supervisor XD page is a U/S fault.
    r = rq(MMU_ACC_FETCH, 3);
    EXPECT_EQ(MMU_COV_PROT_US, mmu_cov_prot_cause(&none, &r, kX, 0));
    // R/W for user writes whatever WP; WP for supervisor writes.
    r = rq(MMU_ACC_WRITE, 3);
    EXPECT_EQ(MMU_COV_PROT_RW, mmu_cov_prot_cause(&none, &r, kU, 0));
    EXPECT_EQ(MMU_COV_PROT_NONE, mmu_cov_prot_cause(&none, &r, kU | kW, 0));
    const mmu_ctrl_t wp = ctl(0, true);
    r = rq(MMU_ACC_WRITE, 0);
    EXPECT_EQ(MMU_COV_PROT_WP, mmu_cov_prot_cause(&wp, &r, 0, 0));
    EXPECT_EQ(MMU_COV_PROT_NONE, mmu_cov_prot_cause(&none, &r, 0, 0));
    r = rq(MMU_ACC_WRITE, 3, true);
    EXPECT_EQ(MMU_COV_PROT_WP, mmu_cov_prot_cause(&wp, &r, 0, 0));
    // PKRU: user-mode addresses; WD only for writes, supervisor ones only with WP.
    const mmu_ctrl_t pkru_ad = ctl(MMU_CR4_PKE, false, true, false, 1u << 6);
    const mmu_ctrl_t pkru_wd = ctl(MMU_CR4_PKE, false, true, false, 2u << 6);
    const mmu_ctrl_t pkru_wd_wp = ctl(MMU_CR4_PKE, true, true, false, 2u << 6);
    r = rq(MMU_ACC_READ, 3);
    EXPECT_EQ(MMU_COV_PROT_PKRU_AD, mmu_cov_prot_cause(&pkru_ad, &r, kU, 3));
    EXPECT_EQ(MMU_COV_PROT_NONE, mmu_cov_prot_cause(&pkru_ad, &r, kU, 2));
    EXPECT_EQ(MMU_COV_PROT_NONE, mmu_cov_prot_cause(&pkru_wd, &r, kU, 3));
    r = rq(MMU_ACC_WRITE, 3);
    EXPECT_EQ(MMU_COV_PROT_PKRU_WD, mmu_cov_prot_cause(&pkru_wd, &r, kU | kW, 3));
    r = rq(MMU_ACC_WRITE, 0);
    EXPECT_EQ(MMU_COV_PROT_NONE, mmu_cov_prot_cause(&pkru_wd, &r, kU | kW, 3));
    EXPECT_EQ(MMU_COV_PROT_PKRU_WD, mmu_cov_prot_cause(&pkru_wd_wp, &r, kU | kW, 3));
    r = rq(MMU_ACC_FETCH, 3);
    EXPECT_EQ(MMU_COV_PROT_NONE, mmu_cov_prot_cause(&pkru_ad, &r, kU, 3));
    // PKS: supervisor-mode addresses, only with CR4.PKS.
    const mmu_ctrl_t pks_ad = ctl(MMU_CR4_PKS, false, true, false, 0, 1u << 8);
    const mmu_ctrl_t pks_wd = ctl(MMU_CR4_PKS, true, true, false, 0, 2u << 8);
    r = rq(MMU_ACC_READ, 0);
    EXPECT_EQ(MMU_COV_PROT_PKS_AD, mmu_cov_prot_cause(&pks_ad, &r, kW, 4));
    EXPECT_EQ(MMU_COV_PROT_NONE, mmu_cov_prot_cause(&pkru_ad, &r, kW, 3));
    r = rq(MMU_ACC_WRITE, 0);
    EXPECT_EQ(MMU_COV_PROT_PKS_WD, mmu_cov_prot_cause(&pks_wd, &r, kW, 4));
    EXPECT_EQ(MMU_COV_PROT_NONE, mmu_cov_prot_cause(&pks_wd, &r, kW | kU, 4));
}

TEST(CoverageClassify, ReservedCauseOfEachRuleAndItsAllowedCase)
{
    const uint64_t P = MMU_PTE_P, PS = MMU_PTE_PS;
    EXPECT_EQ(MMU_COV_RSVD_PS, mmu_cov_rsvd_cause(P | PS, 4, 52, 1, 1));
    EXPECT_EQ(MMU_COV_RSVD_PS, mmu_cov_rsvd_cause(P | PS, 5, 52, 1, 1));
    EXPECT_EQ(MMU_COV_RSVD_PS, mmu_cov_rsvd_cause(P | PS, 3, 52, 1, 0));
    EXPECT_EQ(MMU_COV_RSVD_NONE, mmu_cov_rsvd_cause(P | PS, 3, 52, 1, 1));
    EXPECT_EQ(MMU_COV_RSVD_LARGE, mmu_cov_rsvd_cause(P | PS | (1ull << 29), 3, 52, 1, 1));
    // Without 1G pages bits 29:13 of a PDPTE are the table's address.
    EXPECT_EQ(MMU_COV_RSVD_NONE, mmu_cov_rsvd_cause(P | (1ull << 29), 3, 52, 1, 0));
    EXPECT_EQ(MMU_COV_RSVD_LARGE, mmu_cov_rsvd_cause(P | PS | (1ull << 13), 2, 52, 1, 1));
    EXPECT_EQ(MMU_COV_RSVD_NONE, mmu_cov_rsvd_cause(P | PS | (1ull << 12), 2, 52, 1, 1)); // PAT
    EXPECT_EQ(MMU_COV_RSVD_NONE, mmu_cov_rsvd_cause(P | PS | (1ull << 13), 1, 52, 1, 1));
    EXPECT_EQ(MMU_COV_RSVD_MAXPHY, mmu_cov_rsvd_cause(P | (1ull << 40), 1, 40, 1, 1));
    EXPECT_EQ(MMU_COV_RSVD_NONE, mmu_cov_rsvd_cause(P | (1ull << 39), 1, 40, 1, 1));
    EXPECT_EQ(MMU_COV_RSVD_NONE, mmu_cov_rsvd_cause(P | (1ull << 51), 1, 52, 1, 1));
    EXPECT_EQ(MMU_COV_RSVD_XD, mmu_cov_rsvd_cause(P | MMU_PTE_XD, 2, 52, 0, 1));
    EXPECT_EQ(MMU_COV_RSVD_NONE, mmu_cov_rsvd_cause(P | MMU_PTE_XD, 2, 52, 1, 1));
}

TEST(CoverageClassify, OutcomesWithoutABinAreRefused)
{
    mmu_cov_xlat_t x{};
    x.levels = 4;
    x.size = MMU_COV_4K;
    x.served = MMU_COV_L1;
    x.kind = MMU_COV_OK;
    EXPECT_GE(mmu_cov_xlat_bin(&x), 0);
    x.levels = 3;
    EXPECT_EQ(-1, mmu_cov_xlat_bin(&x));
    x.levels = 4;
    x.kind = MMU_COV_PROT;
    x.cause = MMU_COV_PROT_NONE;
    EXPECT_EQ(-1, mmu_cov_xlat_bin(&x));
    x.kind = MMU_COV_RSVD;
    x.cause = MMU_COV_RSVD_PS;
    x.level = 2;
    EXPECT_EQ(-1, mmu_cov_xlat_bin(&x));
    x.cause = MMU_COV_RSVD_LARGE;
    x.level = 4;
    EXPECT_EQ(-1, mmu_cov_xlat_bin(&x));
    x.kind = MMU_COV_NP;
    x.level = 6;
    EXPECT_EQ(-1, mmu_cov_xlat_bin(&x));
    x.kind = 99;
    EXPECT_EQ(-1, mmu_cov_xlat_bin(&x));
}

// ---- counters --------------------------------------------------------------------------

TEST(CoverageCounts, MergeAddsSaturatesResetZeroes)
{
    mmu_cov_t *a = nullptr, *b = nullptr;
    ASSERT_EQ(0, mmu_cov_create(&a, nullptr));
    ASSERT_EQ(0, mmu_cov_create(&b, nullptr));
    EXPECT_EQ(MMU_EINVAL, mmu_cov_create(nullptr, nullptr));
    mmu_cov_set_count(a, 5, 3);
    mmu_cov_set_count(b, 5, 4);
    mmu_cov_set_count(b, 6, UINT64_MAX);
    mmu_cov_set_count(a, 6, 2);
    mmu_cov_set_count(a, mmu_cov_bins(), 9); // ignored
    mmu_cov_merge(a, b);
    EXPECT_EQ(7u, mmu_cov_count(a, 5));
    EXPECT_EQ(UINT64_MAX, mmu_cov_count(a, 6));
    EXPECT_EQ(0u, mmu_cov_count(a, mmu_cov_bins()));
    mmu_cov_reset(a);
    EXPECT_EQ(0u, mmu_cov_count(a, 5));
    mmu_cov_destroy(a);
    mmu_cov_destroy(b);
    mmu_cov_destroy(nullptr);
    EXPECT_EQ(1, mmu_cov_compiled_in());
}

// ---- hooks -----------------------------------------------------------------------------

constexpr uint64_t kVa = 0x0000100000000000ull; // pages kVa + i * 4K share every table
constexpr uint64_t kFrame = 0x10000000;
constexpr uint64_t kUser = MMU_PTE_RW | MMU_PTE_US;

// Memory that can play another agent: before the next `steal` locked
// updates it changes the entry (ignored bit 9), so the compare-exchange fails.
struct Meddler {
    mmu_mem_ops_t inner = MMU_MEM_OPS_INIT;
    unsigned steal = 0;
    static int read64(void *c, uint64_t pa, uint64_t *v)
    {
        Meddler *m = static_cast<Meddler *>(c);
        return m->inner.read64(m->inner.ctx, pa, v);
    }
    static int cmpxchg64(void *c, uint64_t pa, uint64_t exp, uint64_t des, uint64_t *old)
    {
        Meddler *m = static_cast<Meddler *>(c);
        if (m->steal) {
            m->steal--;
            uint64_t v, o;
            m->inner.read64(m->inner.ctx, pa, &v);
            m->inner.cmpxchg64(m->inner.ctx, pa, v, v ^ (1ull << 9), &o);
        }
        return m->inner.cmpxchg64(m->inner.ctx, pa, exp, des, old);
    }
};

struct Cov : ::testing::Test {
    mmu_sparse_mem_t *mem = nullptr;
    mmu_mem_ops_t raw = MMU_MEM_OPS_INIT, ops = MMU_MEM_OPS_INIT;
    Meddler med;
    mmu_ptb_t *pt = nullptr;
    mmu_t *mmu = nullptr;
    mmu_cov_t *cov = nullptr;
    mmu_config_t cfg{};
    unsigned levels = 4;
    uint64_t cr4 = 0;

    void SetUp() override
    {
        mmu_config_init(&cfg);
        ASSERT_EQ(0, mmu_cov_create(&cov, nullptr));
    }
    void TearDown() override
    {
        mmu_destroy(mmu);
        mmu_ptb_destroy(pt);
        mmu_sparse_mem_destroy(mem);
        fcov_collect(cov);
        mmu_cov_destroy(cov);
    }
    // Memory and tables (levels and cfg.maxphyaddr are read here), once.
    void tables()
    {
        if (mem)
            return;
        ASSERT_EQ(0, mmu_sparse_mem_create(cfg.maxphyaddr, &mem));
        raw = mmu_sparse_mem_ops(mem);
        med.inner = raw;
        ops.read64 = &Meddler::read64;
        ops.cmpxchg64 = &Meddler::cmpxchg64;
        ops.ctx = &med;
        ASSERT_EQ(0, mmu_ptb_create(&raw, levels, 0x100000, 0x400000, &pt));
    }
    void make(uint64_t cr4_bits = 0, uint64_t cr3_low = 0)
    {
        cr4 = cr4_bits | (levels == 5 ? MMU_CR4_LA57 : 0);
        tables();
        mmu_err_t err{};
        ASSERT_EQ(0, mmu_create(&cfg, &ops, &mmu, &err)) << err.msg;
        ASSERT_EQ(0, mmu_cov_attach(mmu, cov, &err)) << err.msg;
        ASSERT_EQ(cov, mmu_cov_attached(mmu));
        load(cr3_low);
    }
    mmu_ctrl_t ctrl(uint64_t cr3_low = 0)
    {
        mmu_ctrl_t c{};
        c.cr0 = MMU_CR0_WP;
        c.cr3 = mmu_ptb_root(pt) | cr3_low;
        c.cr4 = cr4;
        c.efer = MMU_EFER_NXE;
        return c;
    }
    void load(uint64_t cr3_low = 0)
    {
        mmu_ctrl_t c = ctrl(cr3_low);
        mmu_err_t err{};
        ASSERT_EQ(0, mmu_set_ctrl(mmu, &c, &err)) << err.msg;
    }
    void map(uint64_t va, uint64_t pa, uint64_t len, mmu_page_size_t ps, uint64_t flags = kUser)
    {
        tables();
        ASSERT_EQ(0, mmu_ptb_map(pt, va, pa, len, ps, flags));
    }
    uint64_t entry_pa(uint64_t va, unsigned level)
    {
        uint64_t pa = 0;
        EXPECT_EQ(0, mmu_ptb_entry_addr(pt, va, level, &pa));
        return pa;
    }
    void poke(uint64_t va, unsigned level, uint64_t set, uint64_t clear = 0)
    {
        const uint64_t pa = entry_pa(va, level);
        uint64_t e = 0;
        ASSERT_EQ(0, mmu_sparse_mem_read64(mem, pa, &e));
        ASSERT_EQ(0, mmu_sparse_mem_write64(mem, pa, (e | set) & ~clear));
    }
    int rc = 0;
    mmu_result_t acc(uint64_t la, mmu_access_t t = MMU_ACC_READ, unsigned cpl = 3,
                     uint64_t now = 0, bool implicit = false)
    {
        mmu_req_t r = MMU_REQ_INIT;
        r.la = la;
        r.type = uint8_t(t);
        r.cpl = uint8_t(cpl);
        r.now = now;
        r.flags = implicit ? MMU_REQ_IMPLICIT : 0;
        mmu_result_t res{};
        rc = mmu_translate(mmu, &r, &res);
        return res;
    }
    uint64_t n(const char *name)
    {
        const long i = mmu_cov_bin_find(name);
        EXPECT_GE(i, 0) << "no bin " << name;
        return i < 0 ? 0 : mmu_cov_count(cov, unsigned(i));
    }
    // Bins of group g with a count, as "name=count ..." (for messages).
    std::string hits(unsigned g)
    {
        std::string s;
        for (unsigned i = 0; i < mmu_cov_bins(); i++)
            if (mmu_cov_bin_group(i) == g && mmu_cov_count(cov, i)) {
                char b[MMU_COV_NAME_MAX];
                mmu_cov_bin_name(i, b, sizeof b);
                s += std::string(b) + "=" + std::to_string(mmu_cov_count(cov, i)) + " ";
            }
        return s;
    }
    uint64_t total(unsigned g)
    {
        uint64_t t = 0;
        for (unsigned i = 0; i < mmu_cov_bins(); i++)
            if (mmu_cov_bin_group(i) == g)
                t += mmu_cov_count(cov, i);
        return t;
    }
    void cr(unsigned which, uint64_t v)
    {
        mmu_err_t err{};
        ASSERT_EQ(0, mmu_write_cr(mmu, which, v, &err)) << err.msg;
    }
};

TEST_F(Cov, WalkThenL1ThenPdeCacheThenL2)
{
    // kVa + i * 64K share one L1D 4K set (16 sets), so five of them push the
    // first out of the L1D, not out of the 1536-entry L2.
    map(kVa, kFrame, 0x100000, MMU_PAGE_4K);
    make();
    fcov_collect(cov); // the run's total keeps what a reset drops
    mmu_cov_reset(cov);
    EXPECT_EQ(MMU_SERVED_WALK, acc(kVa).served);
    EXPECT_EQ(1u, n("xlat.l4.read.cpl3.4k.walk_root.ok")) << hits(MMU_COV_G_XLAT);
    for (const char *b : {"ad.a_walk.pml4e", "ad.a_walk.pdpte", "ad.a_walk.pde", "ad.a_walk.pte"})
        EXPECT_EQ(1u, n(b)) << b << ": " << hits(MMU_COV_G_AD);
    EXPECT_EQ(MMU_SERVED_L1, acc(kVa + 8).served);
    EXPECT_EQ(1u, n("xlat.l4.read.cpl3.4k.l1.ok"));
    const mmu_result_t r = acc(kVa + 0x10000);
    EXPECT_EQ(2u, r.psc_level);
    EXPECT_EQ(1u, n("xlat.l4.read.cpl3.4k.walk_pde.ok"));
    for (uint64_t i = 2; i <= 4; i++)
        acc(kVa + i * 0x10000);
    EXPECT_EQ(1u, n("repl.evict.l1d.arr0"));
    EXPECT_EQ(MMU_SERVED_L2, acc(kVa).served);
    EXPECT_EQ(1u, n("xlat.l4.read.cpl3.4k.l2.ok"));
    // Reads of entries cached with D = 0.
    EXPECT_EQ(1u, n("dirty.read_hit_d0.l1.4k"));
    EXPECT_EQ(1u, n("dirty.read_hit_d0.l2.4k"));
    // Implicit accesses and fetches are binned as such.
    acc(kVa, MMU_ACC_READ, 3, 0, true);
    EXPECT_EQ(1u, n("xlat.l4.iread.cpl3.4k.l1.ok"));
    acc(kVa + 0x50000, MMU_ACC_FETCH, 3);
    EXPECT_EQ(1u, n("xlat.l4.fetch.cpl3.4k.walk_pde.ok"));
    acc(kVa, MMU_ACC_FETCH, 3); // in the L2 from the data side
    EXPECT_EQ(1u, n("xlat.l4.fetch.cpl3.4k.l2.ok"));
}

// Hits on a completed L1 fill are what mmu_translate's fast path serves when
// no coverage object is attached; attached, every one is counted, and after a
// detach and a new attach too.
TEST_F(Cov, L1HitsOnCompletedFillsAreCounted)
{
    map(kVa, kFrame, 0x1000, MMU_PAGE_4K);
    make();
    fcov_collect(cov); // the run's total keeps what a reset drops
    mmu_cov_reset(cov);
    const uint64_t later = 1000000; // long after the walk's fill
    EXPECT_EQ(MMU_SERVED_WALK, acc(kVa).served);
    for (unsigned i = 0; i < 5; i++)
        EXPECT_EQ(MMU_SERVED_L1, acc(kVa + 8 * i, MMU_ACC_READ, 3, later + i).served);
    EXPECT_EQ(5u, n("xlat.l4.read.cpl3.4k.l1.ok")) << hits(MMU_COV_G_XLAT);
    EXPECT_EQ(5u, n("dirty.read_hit_d0.l1.4k"));
    acc(kVa, MMU_ACC_FETCH, 0, later); // from the L2 into the empty fetch side
    EXPECT_EQ(MMU_SERVED_L1, acc(kVa, MMU_ACC_FETCH, 0, 2 * later).served);
    EXPECT_EQ(1u, n("xlat.l4.fetch.cpl012.4k.l1.ok")) << hits(MMU_COV_G_XLAT);
    mmu_err_t err{};
    ASSERT_EQ(0, mmu_cov_attach(mmu, nullptr, &err));
    EXPECT_EQ(MMU_SERVED_L1, acc(kVa, MMU_ACC_READ, 3, 3 * later).served);
    EXPECT_EQ(5u, n("xlat.l4.read.cpl3.4k.l1.ok"));
    ASSERT_EQ(0, mmu_cov_attach(mmu, cov, &err));
    EXPECT_EQ(MMU_SERVED_L1, acc(kVa, MMU_ACC_READ, 3, 4 * later).served);
    EXPECT_EQ(6u, n("xlat.l4.read.cpl3.4k.l1.ok"));
}

TEST_F(Cov, DetachedCountsNothingAndDetachingIsSafe)
{
    map(kVa, kFrame, 0x1000, MMU_PAGE_4K);
    make();
    mmu_err_t err{};
    ASSERT_EQ(0, mmu_cov_attach(mmu, nullptr, &err));
    EXPECT_EQ(nullptr, mmu_cov_attached(mmu));
    fcov_collect(cov); // the run's total keeps what a reset drops
    mmu_cov_reset(cov);
    acc(kVa);
    acc(kVa, MMU_ACC_WRITE);
    acc(1ull << 62);
    mmu_invlpg(mmu, kVa);
    mmu_flush_all(mmu);
    for (unsigned i = 0; i < mmu_cov_bins(); i++)
        ASSERT_EQ(0u, mmu_cov_count(cov, i)) << i;
    ASSERT_EQ(0, mmu_cov_attach(mmu, cov, &err));
    ASSERT_EQ(0, mmu_cov_attach(mmu, cov, &err)); // again: no leak, no reset
    acc(kVa);
    EXPECT_EQ(1u, n("xlat.l4.read.cpl3.4k.walk_root.ok"));
    EXPECT_EQ(MMU_EINVAL, mmu_cov_attach(nullptr, cov, &err));
    EXPECT_EQ(nullptr, mmu_cov_attached(nullptr));
}

TEST_F(Cov, FaultsByKindLevelAndCause)
{
    cfg.maxphyaddr = 40;
    levels = 5;
    map(kVa, kFrame, 0x3000, MMU_PAGE_4K);
    map(kVa + 0x40000000, 0x40000000, 0x40000000, MMU_PAGE_1G, MMU_PTE_US); // read-only 1G
    make();
    fcov_collect(cov); // the run's total keeps what a reset drops
    mmu_cov_reset(cov);
    // Not present at the PTE, below a PDE-cache hit (kVa's walk cached the PDE).
    acc(kVa);
    poke(kVa + 0x1000, 1, 0, MMU_PTE_P);
    const mmu_result_t np = acc(kVa + 0x1000);
    EXPECT_EQ(MMU_FAULT_PF, np.fault.kind);
    EXPECT_EQ(1u, n("xlat.l5.read.cpl3.nosize.walk_pde.np_pte")) << hits(MMU_COV_G_XLAT);
    // Reserved: bit 45 >= MAXPHYADDR in the PDE, from the root after a flush.
    poke(kVa + 0x2000, 2, 1ull << 45);
    mmu_flush_all(mmu);
    acc(kVa + 0x2000, MMU_ACC_WRITE, 0);
    EXPECT_EQ(1u, n("xlat.l5.write.cpl012.nosize.walk_root.rsvd_maxphy_pde"))
        << hits(MMU_COV_G_XLAT);
    poke(kVa + 0x2000, 2, 0, 1ull << 45);
    // PS in the PML4E.
    poke(kVa, 4, MMU_PTE_PS);
    mmu_flush_all(mmu);
    acc(kVa, MMU_ACC_FETCH, 3);
    EXPECT_EQ(1u, n("xlat.l5.fetch.cpl3.nosize.walk_root.rsvd_ps_pml4e"));
    poke(kVa, 4, 0, MMU_PTE_PS);
    // Protection from the walk (user write to the read-only 1G page: from
    // the root, then below the PML4E cached by the walk before), then from
    // the TLB after a read cached it.
    mmu_flush_all(mmu);
    acc(kVa + 0x40000000, MMU_ACC_WRITE, 3);
    EXPECT_EQ(1u, n("xlat.l5.write.cpl3.1g.walk_root.prot_rw")) << hits(MMU_COV_G_XLAT);
    acc(kVa);
    acc(kVa + 0x40000000, MMU_ACC_WRITE, 3);
    EXPECT_EQ(1u, n("xlat.l5.write.cpl3.1g.walk_pml4e.prot_rw")) << hits(MMU_COV_G_XLAT);
    acc(kVa + 0x40000000);
    acc(kVa + 0x40000000, MMU_ACC_WRITE, 3);
    EXPECT_EQ(1u, n("xlat.l5.write.cpl3.1g.l1.prot_rw")) << hits(MMU_COV_G_XLAT);
    // The fault invalidated what it hit: the TLB entry of that page.
    EXPECT_GE(n("inv.pf.tlb_1g"), 1u) << hits(MMU_COV_G_INV);
    // #GP.
    acc(1ull << 60, MMU_ACC_WRITE, 1, 0, true);
    EXPECT_EQ(1u, n("xlat.l5.iwrite.cpl012.nosize.none.gp"));
    // Nothing landed in an unreachable bin.
    for (unsigned i = 0; i < mmu_cov_bins(); i++)
        EXPECT_TRUE(!mmu_cov_count(cov, i) || !mmu_cov_bin_rule(i)) << i;
}

TEST_F(Cov, FaultRewalkBinsTheWalk)
{
    cfg.fault_rewalk = 1;
    map(kVa, kFrame, 0x1000, MMU_PAGE_4K, MMU_PTE_US);
    make();
    acc(kVa);
    fcov_collect(cov); // the run's total keeps what a reset drops
    mmu_cov_reset(cov);
    acc(kVa, MMU_ACC_WRITE, 3);
    EXPECT_EQ(1u, n("xlat.l4.write.cpl3.4k.walk_pde.prot_rw")) << hits(MMU_COV_G_XLAT);
    EXPECT_EQ(0u, n("xlat.l4.write.cpl3.4k.l1.prot_rw"));
}

TEST_F(Cov, DirtyBits)
{
    map(kVa, kFrame, 0x2000, MMU_PAGE_4K);
    map(kVa + 0x200000, 0x200000, 0x200000, MMU_PAGE_2M);
    make();
    fcov_collect(cov); // the run's total keeps what a reset drops
    mmu_cov_reset(cov);
    // A fresh write sets A and D in the leaf in one locked update.
    acc(kVa + 0x1000, MMU_ACC_WRITE);
    EXPECT_EQ(1u, n("ad.a_d_one_rmw.4k")) << hits(MMU_COV_G_AD);
    EXPECT_EQ(0u, n("ad.d_only.4k"));
    // Read first (A only), then a write: a D-assist that sets D alone.
    acc(kVa + 0x200000);
    EXPECT_EQ(2u, n("ad.a_walk.pde")); // the 4K page's table, the 2M leaf
    acc(kVa + 0x200000, MMU_ACC_WRITE);
    EXPECT_EQ(1u, n("dirty.d_assist.l1.2m")) << hits(MMU_COV_G_DIRTY);
    EXPECT_EQ(1u, n("ad.d_only.2m")) << hits(MMU_COV_G_AD);
    EXPECT_EQ(1u, n("xlat.l4.write.cpl3.2m.walk_pdpte.ok")) << hits(MMU_COV_G_XLAT);
    // The refreshed entry has D: the next write is an L1 hit.
    acc(kVa + 0x200000, MMU_ACC_WRITE);
    EXPECT_EQ(1u, n("xlat.l4.write.cpl3.2m.l1.ok"));
    EXPECT_EQ(1u, n("dirty.d_assist.l1.2m"));
}

TEST_F(Cov, LostCompareExchangeAndRetryLimit)
{
    cfg.ad_retry_limit = 2;
    map(kVa, kFrame, 0x2000, MMU_PAGE_4K);
    make();
    fcov_collect(cov); // the run's total keeps what a reset drops
    mmu_cov_reset(cov);
    med.steal = 1; // the first update (PML4E's A) loses once, the re-walk wins
    EXPECT_EQ(MMU_FAULT_NONE, acc(kVa).fault.kind);
    EXPECT_EQ(0, rc);
    EXPECT_EQ(1u, n("ad.cmpxchg_lost.pml4e")) << hits(MMU_COV_G_AD);
    EXPECT_EQ(0u, n("ad.retry_limit"));
    med.steal = 100; // every attempt loses: the leaf's A, twice
    acc(kVa + 0x1000);
    EXPECT_EQ(MMU_ERETRY, rc);
    EXPECT_EQ(2u, n("ad.cmpxchg_lost.pte")) << hits(MMU_COV_G_AD);
    EXPECT_EQ(1u, n("ad.retry_limit"));
    med.steal = 0;
}

TEST_F(Cov, AccessedOnFaultWithUsed)
{
    cfg.ad_on_fault = MMU_AD_ON_FAULT_USED;
    map(kVa, kFrame, 0x1000, MMU_PAGE_4K);
    make();
    poke(kVa, 1, 0, MMU_PTE_P);
    fcov_collect(cov); // the run's total keeps what a reset drops
    mmu_cov_reset(cov);
    acc(kVa);
    for (const char *b : {"ad.a_fault.pml4e", "ad.a_fault.pdpte", "ad.a_fault.pde"})
        EXPECT_EQ(1u, n(b)) << b << ": " << hits(MMU_COV_G_AD);
    EXPECT_EQ(0u, n("ad.a_walk.pml4e"));
}

TEST_F(Cov, InvalidationsByKindAndWhatTheyRemoved)
{
    map(kVa, kFrame, 0x1000, MMU_PAGE_4K);
    map(kVa + 0x40000000, 0x40000000, 0x40000000, MMU_PAGE_1G, kUser | MMU_PTE_G);
    make(MMU_CR4_PGE);
    EXPECT_EQ(1u, n("inv.set_ctrl.nothing"));
    acc(kVa);
    acc(kVa + 0x40000000);
    fcov_collect(cov); // the run's total keeps what a reset drops
    mmu_cov_reset(cov);
    mmu_invlpg(mmu, kVa);
    EXPECT_EQ(1u, n("inv.invlpg.tlb_4k")) << hits(MMU_COV_G_INV);
    EXPECT_EQ(1u, n("inv.invlpg.psc_pde"));
    EXPECT_EQ(1u, n("inv.invlpg.psc_pdpte"));
    EXPECT_EQ(1u, n("inv.invlpg.psc_pml4e"));
    EXPECT_EQ(0u, n("inv.invlpg.global"));
    mmu_invlpg(mmu, kVa);
    EXPECT_EQ(1u, n("inv.invlpg.nothing"));
    mmu_invlpg(mmu, kVa + 0x40000000);
    EXPECT_EQ(1u, n("inv.invlpg.tlb_1g"));
    EXPECT_EQ(1u, n("inv.invlpg.global"));
    // MOV to CR3 keeps the global page; INVPCID 2 removes it.
    acc(kVa);
    acc(kVa + 0x40000000);
    fcov_collect(cov); // the run's total keeps what a reset drops
    mmu_cov_reset(cov);
    cr(3, mmu_ptb_root(pt));
    EXPECT_EQ(1u, n("inv.cr3.tlb_4k")) << hits(MMU_COV_G_INV);
    EXPECT_EQ(0u, n("inv.cr3.tlb_1g"));
    mmu_err_t err{};
    ASSERT_EQ(0, mmu_invpcid(mmu, 3, 0, 0, &err));
    EXPECT_EQ(1u, n("inv.invpcid3.nothing"));
    ASSERT_EQ(0, mmu_invpcid(mmu, 2, 0, 0, &err));
    EXPECT_EQ(1u, n("inv.invpcid2.global"));
    EXPECT_EQ(1u, n("inv.invpcid2.tlb_1g"));
    acc(kVa);
    ASSERT_EQ(0, mmu_invpcid(mmu, 0, 0, kVa, &err));
    EXPECT_EQ(1u, n("inv.invpcid0.tlb_4k"));
    ASSERT_EQ(0, mmu_invpcid(mmu, 1, 0, 0, &err));
    EXPECT_EQ(1u, n("inv.invpcid1.nothing"));
    // CR4: PGE off and on, SMEP on, other bits.
    acc(kVa + 0x40000000);
    cr(4, cr4 & ~MMU_CR4_PGE);
    EXPECT_EQ(1u, n("inv.cr4_pge_off.global")) << hits(MMU_COV_G_INV);
    cr(4, cr4);
    EXPECT_EQ(1u, n("inv.cr4_pge_on.nothing"));
    acc(kVa);
    cr(4, cr4 | MMU_CR4_SMEP);
    EXPECT_EQ(1u, n("inv.cr4_smep_on.tlb_4k"));
    cr(4, cr4 | MMU_CR4_SMEP | MMU_CR4_SMAP);
    EXPECT_EQ(1u, n("inv.cr4_other.nothing"));
    acc(kVa);
    ASSERT_EQ(0, mmu_write_reg(mmu, MMU_REG_EFER, 0, &err));
    EXPECT_EQ(1u, n("inv.efer_nxe.tlb_4k"));
    acc(kVa);
    mmu_flush_all(mmu);
    EXPECT_EQ(1u, n("inv.flush_all.tlb_4k"));
    EXPECT_EQ(1u, n("inv.flush_all.psc_pde"));
    // PCIDE 1 -> 0 flushes everything.
    cr(4, cr4 | MMU_CR4_PCIDE);
    acc(kVa + 0x40000000);
    cr(4, cr4);
    EXPECT_EQ(1u, n("inv.cr4_pcide_off.global")) << hits(MMU_COV_G_INV);
    for (unsigned i = 0; i < mmu_cov_bins(); i++)
        EXPECT_TRUE(!mmu_cov_count(cov, i) || !mmu_cov_bin_rule(i)) << i;
}

TEST_F(Cov, HitsKeptAcrossNoFlushSwitchAndGlobalsOfOtherPcids)
{
    map(kVa, kFrame, 0x3000, MMU_PAGE_4K);
    map(kVa + 0x40000000, 0x40000000, 0x40000000, MMU_PAGE_1G, kUser | MMU_PTE_G);
    make(MMU_CR4_PGE | MMU_CR4_PCIDE, 1);
    const uint64_t root = mmu_ptb_root(pt);
    acc(kVa);
    acc(kVa + 0x40000000); // global, filled under PCID 1
    fcov_collect(cov); // the run's total keeps what a reset drops
    mmu_cov_reset(cov);
    cr(3, root | 2 | MMU_CR3_NOFLUSH);
    EXPECT_EQ(1u, n("inv.cr3_noflush.nothing"));
    acc(kVa + 0x40000000);
    EXPECT_EQ(1u, n("pcid.global_other_pcid_hit.l1"));
    acc(kVa + 0x1000); // PCID 2's own entries: not kept
    cr(3, root | 1 | MMU_CR3_NOFLUSH);
    acc(kVa);
    EXPECT_EQ(1u, n("pcid.kept_hit.l1")) << hits(MMU_COV_G_PCID);
    // PCID 1's PSC entries survived too: kVa + 0x2000 walks below a kept PDE.
    acc(kVa + 0x2000);
    EXPECT_EQ(1u, n("pcid.kept_hit.psc")) << hits(MMU_COV_G_PCID);
    // A page filled after the switch is no kept hit.
    acc(kVa + 0x2000);
    EXPECT_EQ(1u, n("pcid.kept_hit.l1"));
    // ... nor after a flushing switch back.
    cr(3, root | 1);
    acc(kVa);
    acc(kVa);
    EXPECT_EQ(1u, n("pcid.kept_hit.l1"));
}

TEST_F(Cov, WalkersInFlightMergedPscInFlightAndSaturation)
{
    cfg.walkers = 2;
    map(kVa, kFrame, 0x100000, MMU_PAGE_4K);
    make();
    fcov_collect(cov); // the run's total keeps what a reset drops
    mmu_cov_reset(cov);
    // Requests issued one cycle apart, before any walk ends.
    // a walks from the root; b finds a's PDE-cache entry still in flight and
    // starts when a's walk ends, on the other walker; c too, but both
    // walkers are busy (saturated) and b's walk is in flight when c's starts.
    const mmu_result_t a = acc(kVa, MMU_ACC_READ, 3, 0);
    EXPECT_GT(a.done_at, 100u);
    acc(kVa + 0x1000, MMU_ACC_READ, 3, 1);
    acc(kVa + 0x2000, MMU_ACC_READ, 3, 2);
    acc(kVa, MMU_ACC_READ, 3, 3); // the page a is still walking
    EXPECT_EQ(2u, n("walker.in_flight.0")) << hits(MMU_COV_G_WALKER);
    EXPECT_EQ(1u, n("walker.in_flight.1"));
    EXPECT_EQ(2u, n("walker.psc_in_flight.pde"));
    EXPECT_EQ(1u, n("walker.saturated"));
    EXPECT_EQ(1u, n("walker.merged.l1"));
    // In order, nothing overlaps.
    fcov_collect(cov); // the run's total keeps what a reset drops
    mmu_cov_reset(cov);
    mmu_flush_all(mmu);
    uint64_t t = 10000;
    for (uint64_t i = 0; i < 4; i++)
        t = acc(kVa + i * 0x1000, MMU_ACC_READ, 3, t).done_at;
    EXPECT_EQ(4u, n("walker.in_flight.0")) << hits(MMU_COV_G_WALKER);
    EXPECT_EQ(4u, total(MMU_COV_G_WALKER));
}

TEST_F(Cov, EvictionsBackInvalidationsAndSplinters)
{
    // A one-entry L1D (4K only, so a 2M page is splintered), an inclusive
    // L2 of one set of two, a one-entry PDE cache.
    cfg.l1d.arr[0] = {1, 1, MMU_SIZE_4K, MMU_REPL_LRU, MMU_INDEX_LOW, 0};
    cfg.l1d.arr[1] = {};
    cfg.l1d.arr[2] = {};
    cfg.l2.arr[0] = {2, 2, MMU_SIZE_4K | MMU_SIZE_2M, MMU_REPL_LRU, MMU_INDEX_LOW, 0};
    cfg.l2.arr[1] = {};
    cfg.l2_inclusive = 1;
    cfg.psc[2].arr = {1, 1, 0, MMU_REPL_LRU, MMU_INDEX_LOW, 0};
    map(kVa, kFrame, 0x4000, MMU_PAGE_4K);
    map(kVa + 0x200000, kFrame + 0x200000, 0x1000, MMU_PAGE_4K);
    map(kVa + 0x40000000, 0x40000000, 0x200000, MMU_PAGE_2M);
    make();
    fcov_collect(cov); // the run's total keeps what a reset drops
    mmu_cov_reset(cov);
    acc(kVa);          // L1D {0}, L2 {0}
    acc(kVa + 0x1000); // L1D {1}, L2 {0, 1}
    EXPECT_EQ(1u, n("repl.evict.l1d.arr0")) << hits(MMU_COV_G_REPL);
    acc(kVa + 0x2000); // the L2 drops 0, which no L1 holds
    EXPECT_EQ(1u, n("repl.evict.l2.arr0")) << hits(MMU_COV_G_REPL);
    EXPECT_EQ(1u, n("repl.back_inv.nothing"));
    acc(kVa + 0x3000, MMU_ACC_FETCH); // L1I {3}; the L2 drops 1 (nowhere else)
    EXPECT_EQ(2u, n("repl.back_inv.nothing"));
    acc(kVa + 0x200000); // the L2 drops 2, in the L1D; another PDE
    EXPECT_EQ(1u, n("repl.back_inv.l1d")) << hits(MMU_COV_G_REPL);
    EXPECT_EQ(1u, n("repl.evict.psc_pde"));
    acc(kVa + 0x40000000); // the L2 drops 3, in the L1I; a 2M page in a 4K-only L1D
    EXPECT_EQ(1u, n("repl.back_inv.l1i")) << hits(MMU_COV_G_REPL);
    EXPECT_EQ(1u, n("repl.splinter.l1d"));
    EXPECT_EQ(4u, n("repl.evict.l2.arr0"));
}

} // namespace

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
#include <malloc.h>
namespace {
// With coverage on, translation still allocates nothing: the PCID
// bookkeeping is allocated by mmu_cov_attach.
TEST_F(Cov, TranslateAllocatesNothingWithCoverageOn)
{
    cfg.walkers = 4;
    map(kVa, kFrame, 0x400000, MMU_PAGE_4K);
    make(MMU_CR4_PCIDE);
    const uint64_t root = mmu_ptb_root(pt);
    acc(kVa);
    const struct mallinfo2 before = mallinfo2();
    uint64_t x = 1;
    for (int i = 0; i < 20000; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        const uint64_t la = (i % 4 == 3) ? (0x0000500000000000ull + (x >> 40)) // #PF
                                         : kVa + ((x >> 20) % 0x400000);
        acc(la, (x >> 33) & 1 ? MMU_ACC_WRITE : MMU_ACC_READ, 3, uint64_t(i));
        if (i % 500 == 0)
            cr(3, root | ((x >> 50) & 3) | MMU_CR3_NOFLUSH);
        if (i % 1000 == 0)
            mmu_invlpg(mmu, la);
    }
    const struct mallinfo2 after = mallinfo2();
    EXPECT_EQ(before.uordblks, after.uordblks);
    EXPECT_EQ(before.hblkhd, after.hblkhd);
    EXPECT_GT(total(MMU_COV_G_XLAT), 19000u);
    EXPECT_GT(n("pcid.kept_hit.l1") + n("pcid.kept_hit.l2"), 0u);
}
} // namespace
#endif

namespace {

// ---- every reachable translation bin, from a directed case --------------------------
//
// For each reachable xlat bin, one fresh MMU is set up so that exactly that
// outcome happens: the target page has the size and rights the cause needs,
// control state is set from the start where changing it would flush
// (SMEP, SMAP, NXE), a priming access puts the translation (or the entries
// above it) where the bin says it is served from, and only then do the
// non-flushing registers change (PKRU, PKRS). The bin must count, and nothing
// may land in an unreachable bin: together this checks that the reachability
// rules leave no bin that the model cannot produce, and the reverse.
struct XlatCase : Cov {
    static constexpr uint64_t kT = kVa; // 1G-aligned target
    uint64_t t = 0;                     // the clock: each access after the last completes
    std::string why;                    // for a case that is not built: why not

    void fresh()
    {
        mmu_destroy(mmu);
        mmu = nullptr;
        mmu_ptb_destroy(pt);
        pt = nullptr;
        mmu_sparse_mem_destroy(mem);
        mem = nullptr;
        t = 0;
    }
    mmu_result_t at(uint64_t la, mmu_access_t a, unsigned cpl, bool implicit = false)
    {
        const mmu_result_t r = acc(la, a, cpl, t, implicit);
        t = std::max(t, uint64_t(r.done_at)) + 1000;
        return r;
    }
    void reg(unsigned r, uint64_t v)
    {
        mmu_err_t err{};
        ASSERT_EQ(0, mmu_write_reg(mmu, r, v, &err)) << err.msg;
    }
    // Build and run the case for x; false (with why) when this recipe has no
    // way to produce it.
    bool run(const mmu_cov_xlat_t &x)
    {
        fresh();
        mmu_config_init(&cfg);
        levels = x.levels;
        cfg.maxphyaddr = 46;
        cfg.page_1g = !(x.kind == MMU_COV_RSVD && x.cause == MMU_COV_RSVD_PS && x.level == 3);
        const bool fetch = x.acc == MMU_COV_ACC_FETCH;
        const bool write = x.acc == MMU_COV_ACC_WRITE || x.acc == MMU_COV_ACC_IWRITE;
        const bool implicit = x.acc == MMU_COV_ACC_IREAD || x.acc == MMU_COV_ACC_IWRITE;
        const mmu_access_t a = fetch ? MMU_ACC_FETCH : write ? MMU_ACC_WRITE : MMU_ACC_READ;
        const unsigned cpl = x.user ? 3 : 0;
        if (x.kind == MMU_COV_GP) {
            make();
            at(1ull << 60, a, cpl, implicit);
            return true;
        }
        // The target's leaf rights, and the control state for its cause.
        uint64_t flags = MMU_PTE_RW | MMU_PTE_US, cr4b = MMU_CR4_PKE | MMU_CR4_PKS;
        uint64_t efer = MMU_EFER_NXE;
        uint32_t pkru = 0, pkrs = 0;
        if (x.kind == MMU_COV_PROT) {
            switch (x.cause) {
            case MMU_COV_PROT_US: flags = MMU_PTE_RW; break;
            case MMU_COV_PROT_SMAP: cr4b |= MMU_CR4_SMAP; break;
            case MMU_COV_PROT_SMEP: cr4b |= MMU_CR4_SMEP; break;
            case MMU_COV_PROT_XD: flags |= MMU_PTE_XD; break;
            case MMU_COV_PROT_RW: flags = MMU_PTE_US; break;
            case MMU_COV_PROT_WP: flags = 0; break; // supervisor, read-only
            case MMU_COV_PROT_PKRU_AD: flags |= MMU_PTE_PKEY(1); pkru = 0x4; break;
            case MMU_COV_PROT_PKRU_WD: flags |= MMU_PTE_PKEY(1); pkru = 0x8; break;
            case MMU_COV_PROT_PKS_AD: flags = MMU_PTE_RW | MMU_PTE_PKEY(1); pkrs = 0x4; break;
            case MMU_COV_PROT_PKS_WD: flags = MMU_PTE_RW | MMU_PTE_PKEY(1); pkrs = 0x8; break;
            }
        }
        if (x.kind == MMU_COV_RSVD && x.cause == MMU_COV_RSVD_XD)
            efer = 0;
        const bool user_page = flags & MMU_PTE_US;
        const unsigned own_cpl = user_page ? 3 : 0; // an access the page allows
        // The page: the bin's size, or the one its fault needs.
        mmu_page_size_t ps = MMU_PAGE_4K;
        if (x.size == MMU_COV_2M || (x.kind == MMU_COV_RSVD && x.cause == MMU_COV_RSVD_LARGE && x.level == 2))
            ps = MMU_PAGE_2M;
        if (x.size == MMU_COV_1G || (x.kind == MMU_COV_RSVD && x.cause == MMU_COV_RSVD_LARGE && x.level == 3))
            ps = MMU_PAGE_1G;
        const uint64_t len = ps == MMU_PAGE_1G ? 1ull << 30 : ps == MMU_PAGE_2M ? 1ull << 21 : 1ull << 12;
        map(kT, ps == MMU_PAGE_1G ? 0x40000000 : kFrame, len, ps, flags);
        // A neighbour that shares the entries above the served level.
        static const uint64_t kStep[] = {0, 0, 1ull << 39, 1ull << 30, 1ull << 21, 1ull << 12};
        const bool walk_below = x.served >= MMU_COV_WALK_PML5E && x.served <= MMU_COV_WALK_PDE;
        if (walk_below)
            map(kT + kStep[x.served], kFrame + 0x100000, 0x1000, MMU_PAGE_4K);
        // A write that hits the L2 needs D cached there, which only a data-side
        // write gives, and that fills the L1D too: with a one-entry L1D another
        // page's write pushes the target out of it (not out of the L2).
        const bool evict_l1d = write && x.kind == MMU_COV_OK && x.served == MMU_COV_L2;
        if (evict_l1d) {
            cfg.l1d.arr[0] = {1, 1, MMU_SIZE_4K | MMU_SIZE_2M | MMU_SIZE_1G, MMU_REPL_LRU, MMU_INDEX_LOW, 0};
            cfg.l1d.arr[1] = {};
            cfg.l1d.arr[2] = {};
            map(kT + (1ull << 39), kFrame + 0x200000, 0x1000, MMU_PAGE_4K);
        }
        make(cr4b);
        if (HasFatalFailure())
            return false;
        mmu_ctrl_t c = ctrl();
        c.efer = efer;
        mmu_err_t err{};
        EXPECT_EQ(0, mmu_set_ctrl(mmu, &c, &err)) << err.msg;
        if (x.kind == MMU_COV_NP || x.kind == MMU_COV_RSVD) {
            const uint64_t bit[] = {0, MMU_PTE_PS, 1ull << 13, 1ull << 47, MMU_PTE_XD}; // by cause
            if (x.kind == MMU_COV_NP)
                poke(kT, x.level, 0, MMU_PTE_P);
            else
                poke(kT, x.level, bit[x.cause]);
        }
        if (walk_below)
            at(kT + kStep[x.served], MMU_ACC_READ, 3);
        if (x.served == MMU_COV_L1 || x.served == MMU_COV_L2) {
            // The L1 on the target's side is filled by an access from that side,
            // the L2 alone by one from the other side. A write that should hit
            // needs D cached, which only a write from the data side gives.
            const bool prime_fetch = fetch == (x.served == MMU_COV_L1);
            if (prime_fetch && (flags & MMU_PTE_XD)) {
                why = "an XD translation is never filled into the L1I (its fetch faults)";
                return false;
            }
            const bool prime_write = write && (flags & MMU_PTE_RW) && x.kind == MMU_COV_OK;
            if (evict_l1d) {
                at(kT, MMU_ACC_WRITE, own_cpl);
                at(kT + (1ull << 39), MMU_ACC_WRITE, 3);
            } else {
                at(kT, prime_fetch ? MMU_ACC_FETCH : prime_write ? MMU_ACC_WRITE : MMU_ACC_READ,
                   own_cpl);
            }
        }
        if (pkru)
            reg(MMU_REG_PKRU, pkru);
        if (pkrs)
            reg(MMU_REG_PKRS, pkrs);
        at(kT + 8, a, cpl, implicit);
        return true;
    }
};

TEST_F(XlatCase, EveryReachableTranslationBinHasADirectedCase)
{
    unsigned built = 0, hit = 0, skipped = 0;
    std::string missed, skips;
    std::vector<uint64_t> before(mmu_cov_bins());
    std::set<long> seen;
    for (unsigned lv = 4; lv <= 5; lv++)
        for (unsigned ac = 0; ac < MMU_COV_ACCS; ac++)
            for (unsigned u = 0; u < 2; u++)
                for (unsigned sz = 0; sz < MMU_COV_SIZES; sz++)
                    for (unsigned sv = 0; sv < MMU_COV_SERVED; sv++)
                        for (unsigned k = MMU_COV_OK; k <= MMU_COV_GP; k++)
                            for (unsigned level = 0; level <= 5; level++)
                                for (unsigned cause = 0; cause <= MMU_COV_PROT_PKS_WD; cause++) {
                                    const mmu_cov_xlat_t x{lv, ac, u, sz, sv, k, level, cause};
                                    const long b = mmu_cov_xlat_bin(&x);
                                    if (b < 0 || mmu_cov_bin_rule(unsigned(b)) || !seen.insert(b).second)
                                        continue;
                                    for (unsigned i = 0; i < mmu_cov_bins(); i++)
                                        before[i] = mmu_cov_count(cov, i);
                                    char name[MMU_COV_NAME_MAX];
                                    mmu_cov_bin_name(unsigned(b), name, sizeof name);
                                    if (!run(x)) {
                                        skipped++;
                                        skips += std::string(name) + " (" + why + ")\n";
                                        continue;
                                    }
                                    built++;
                                    if (mmu_cov_count(cov, unsigned(b)) > before[b]) {
                                        hit++;
                                        continue;
                                    }
                                    // What the target landed in instead (the last xlat bin that moved).
                                    std::string got;
                                    for (unsigned i = 0; i < mmu_cov_bins(); i++)
                                        if (mmu_cov_bin_group(i) == MMU_COV_G_XLAT &&
                                            mmu_cov_count(cov, i) > before[i]) {
                                            char g[MMU_COV_NAME_MAX];
                                            mmu_cov_bin_name(i, g, sizeof g);
                                            got = g;
                                        }
                                    missed += std::string(name) + " -> " + got + "\n";
                                }
    EXPECT_EQ(built, hit) << "directed cases that missed their bin:\n" << missed;
    for (unsigned i = 0; i < mmu_cov_bins(); i++)
        EXPECT_TRUE(!mmu_cov_count(cov, i) || !mmu_cov_bin_rule(i)) << i;
    std::printf("[ xlat cases ] %u reachable bins: %u built and hit, %u not built:\n%s", built + skipped,
                hit, skipped, skips.c_str());
}

} // namespace

namespace {

// Nine and more walks in flight at once: misses to pages under different
// PML4Es share no paging-structure entry, so none waits for another's walk.
TEST_F(Cov, UpToNineWalksInFlight)
{
    cfg.walkers = 10;
    for (uint64_t i = 0; i < 10; i++)
        map(kVa + (i << 39), kFrame + (i << 12), 0x1000, MMU_PAGE_4K);
    make();
    fcov_collect(cov); // the run's total keeps what a reset drops
    mmu_cov_reset(cov);
    for (uint64_t i = 0; i < 10; i++) {
        const mmu_result_t r = acc(kVa + (i << 39), MMU_ACC_READ, 3, i);
        EXPECT_EQ(MMU_SERVED_WALK, r.served);
        EXPECT_GT(r.done_at, 10u); // still walking when the last one starts
    }
    for (const char *b : {"walker.in_flight.0", "walker.in_flight.1", "walker.in_flight.4",
                          "walker.in_flight.5", "walker.in_flight.6", "walker.in_flight.7"})
        EXPECT_EQ(1u, n(b)) << b << ": " << hits(MMU_COV_G_WALKER);
    EXPECT_EQ(2u, n("walker.in_flight.8plus")) << hits(MMU_COV_G_WALKER); // 8 and 9
    EXPECT_EQ(0u, n("walker.saturated"));
    EXPECT_EQ(0u, n("walker.psc_in_flight.pml4e"));
    // One walker fewer than misses: the tenth waits, and is counted so.
    mmu_destroy(mmu);
    mmu = nullptr;
    cfg.walkers = 9;
    make();
    fcov_collect(cov); // the run's total keeps what a reset drops
    mmu_cov_reset(cov);
    for (uint64_t i = 0; i < 10; i++)
        acc(kVa + (i << 39), MMU_ACC_READ, 3, i);
    EXPECT_EQ(1u, n("walker.saturated")) << hits(MMU_COV_G_WALKER);
}

// With 5-level paging, a miss under the same PML5E as a walk still in flight
// finds that walk's PML5E-cache entry in flight; under another PML5E it does not.
TEST_F(Cov, Pml5eCacheEntryInFlight)
{
    levels = 5;
    cfg.walkers = 4;
    map(kVa, kFrame, 0x1000, MMU_PAGE_4K);
    map(kVa + (1ull << 39), kFrame + 0x1000, 0x1000, MMU_PAGE_4K);
    map(kVa + (1ull << 48), kFrame + 0x2000, 0x1000, MMU_PAGE_4K);
    make();
    fcov_collect(cov); // the run's total keeps what a reset drops
    mmu_cov_reset(cov);
    acc(kVa, MMU_ACC_READ, 3, 0);
    acc(kVa + (1ull << 48), MMU_ACC_READ, 3, 1); // another PML5E
    EXPECT_EQ(0u, n("walker.psc_in_flight.pml5e")) << hits(MMU_COV_G_WALKER);
    acc(kVa + (1ull << 39), MMU_ACC_READ, 3, 2); // the same PML5E, another PML4E
    EXPECT_EQ(1u, n("walker.psc_in_flight.pml5e")) << hits(MMU_COV_G_WALKER);
    EXPECT_EQ(0u, n("walker.psc_in_flight.pml4e"));
}

// An L2 with a third array (1G pages, one entry): a second 1G page evicts
// the first from it, and a 2M page goes to the second array, not the third.
TEST_F(Cov, EvictionFromTheThirdL2Array)
{
    cfg.l2.arr[0] = {256, 4, MMU_SIZE_4K, MMU_REPL_LRU, MMU_INDEX_LOW, 0};
    cfg.l2.arr[1] = {16, 4, MMU_SIZE_2M, MMU_REPL_LRU, MMU_INDEX_LOW, 0};
    cfg.l2.arr[2] = {1, 1, MMU_SIZE_1G, MMU_REPL_LRU, MMU_INDEX_LOW, 0};
    map(kVa, 0x40000000, 0x80000000, MMU_PAGE_1G);
    map(kVa + 0x80000000, kFrame, 0x200000, MMU_PAGE_2M);
    make();
    fcov_collect(cov); // the run's total keeps what a reset drops
    mmu_cov_reset(cov);
    acc(kVa);
    acc(kVa + 0x80000000);
    EXPECT_EQ(0u, n("repl.evict.l2.arr2")) << hits(MMU_COV_G_REPL);
    acc(kVa + 0x40000000);
    EXPECT_EQ(1u, n("repl.evict.l2.arr2")) << hits(MMU_COV_G_REPL);
    EXPECT_EQ(0u, n("repl.evict.l2.arr1"));
    EXPECT_EQ(0u, n("repl.evict.l2.arr0"));
}

} // namespace

namespace {

// ---- every reachable invalidation bin, from a directed case -------------------------
//
// For each reachable inv bin (kind x what it removed), a fresh MMU caches the
// item (a TLB entry of the size, a global entry, or the walk's paging-structure
// entries; nothing for "nothing") and then does the invalidation of that kind.
struct InvCase : XlatCase {
    bool run_inv(const std::string &kind, const std::string &what)
    {
        fresh();
        mmu_config_init(&cfg);
        levels = what == "psc_pml5e" ? 5 : 4;
        const bool pf = kind == "pf";
        uint64_t cr4b = kind == "cr4_pge_on" ? 0 : MMU_CR4_PGE;
        if (kind.rfind("invpcid", 0) == 0 || kind == "cr4_pcide_off")
            cr4b |= MMU_CR4_PCIDE;
        // The page of the item: read-only for a #PF (a user write faults on it).
        const uint64_t flags = (pf ? MMU_PTE_US : kUser) | (what == "global" ? MMU_PTE_G : 0);
        const mmu_page_size_t ps = what == "tlb_2m" ? MMU_PAGE_2M : what == "tlb_1g" ? MMU_PAGE_1G
                                                                                      : MMU_PAGE_4K;
        const uint64_t len = ps == MMU_PAGE_1G ? 1ull << 30 : ps == MMU_PAGE_2M ? 1ull << 21 : 1ull << 12;
        map(kT, ps == MMU_PAGE_1G ? 0x40000000 : kFrame, len, ps, flags);
        make(cr4b, (cr4b & MMU_CR4_PCIDE) ? 1 : 0);
        if (HasFatalFailure())
            return false;
        if (what != "nothing")
            at(kT, MMU_ACC_READ, 3);
        mmu_err_t err{};
        const uint64_t root = mmu_ptb_root(pt);
        int rc2 = 0;
        if (kind == "invlpg")
            mmu_invlpg(mmu, kT);
        else if (kind.rfind("invpcid", 0) == 0)
            rc2 = mmu_invpcid(mmu, unsigned(kind[7] - '0'), 1, kT, &err);
        else if (kind == "cr3")
            cr(3, root);
        else if (kind == "cr3_noflush") {
            cr(4, cr4 | MMU_CR4_PCIDE);
            cr(3, root | 2 | MMU_CR3_NOFLUSH);
        } else if (kind == "cr4_pge_on")
            cr(4, cr4 | MMU_CR4_PGE);
        else if (kind == "cr4_pge_off")
            cr(4, cr4 & ~MMU_CR4_PGE);
        else if (kind == "cr4_pcide_off")
            cr(4, cr4 & ~MMU_CR4_PCIDE);
        else if (kind == "cr4_smep_on")
            cr(4, cr4 | MMU_CR4_SMEP);
        else if (kind == "cr4_other")
            cr(4, cr4 | MMU_CR4_SMAP);
        else if (kind == "efer_nxe")
            rc2 = mmu_write_reg(mmu, MMU_REG_EFER, 0, &err);
        else if (kind == "set_ctrl")
            load((cr4b & MMU_CR4_PCIDE) ? 1 : 0);
        else if (kind == "flush_all")
            mmu_flush_all(mmu);
        else if (pf)
            // A user write to the read-only page; with nothing cached, a page
            // under a PML4E that is not present.
            at(what == "nothing" ? kT + (1ull << 39) : kT + 8, MMU_ACC_WRITE, 3);
        else {
            why = "no recipe for kind " + kind;
            return false;
        }
        EXPECT_EQ(0, rc2) << kind << ": " << err.msg;
        return true;
    }
};

TEST_F(InvCase, EveryReachableInvalidationBinHasADirectedCase)
{
    unsigned built = 0, hit = 0;
    std::string missed, skips;
    for (unsigned b = 0; b < mmu_cov_bins(); b++) {
        if (mmu_cov_bin_group(b) != MMU_COV_G_INV || mmu_cov_bin_rule(b))
            continue;
        char name[MMU_COV_NAME_MAX];
        mmu_cov_bin_name(b, name, sizeof name);
        const std::string s(name); // inv.KIND.WHAT
        const size_t dot = s.find('.', 4);
        const uint64_t before = mmu_cov_count(cov, b);
        if (!run_inv(s.substr(4, dot - 4), s.substr(dot + 1))) {
            skips += s + " (" + why + ")\n";
            continue;
        }
        built++;
        if (mmu_cov_count(cov, b) > before)
            hit++;
        else
            missed += s + ": " + hits(MMU_COV_G_INV) + "\n";
    }
    EXPECT_TRUE(skips.empty()) << skips;
    EXPECT_EQ(built, hit) << "directed cases that missed their bin:\n" << missed;
    EXPECT_GE(built, 100u);
    for (unsigned i = 0; i < mmu_cov_bins(); i++)
        EXPECT_TRUE(!mmu_cov_count(cov, i) || !mmu_cov_bin_rule(i)) << i;
}

} // namespace

namespace {

// A lost compare-exchange at each level: the entries above it already have
// A, so the first locked update (the one the other agent spoils) is its own.
TEST_F(Cov, LostCompareExchangeAtEachLevel)
{
    levels = 5;
    map(kVa, kFrame, 0x1000, MMU_PAGE_4K);
    make();
    const char *const name[] = {"", "ad.cmpxchg_lost.pte", "ad.cmpxchg_lost.pde",
                                "ad.cmpxchg_lost.pdpte", "ad.cmpxchg_lost.pml4e",
                                "ad.cmpxchg_lost.pml5e"};
    for (unsigned lost = 5; lost >= 1; lost--) {
        for (unsigned l = 1; l <= 5; l++)
            poke(kVa, l, l > lost ? MMU_PTE_A : 0, l > lost ? 0 : MMU_PTE_A);
        mmu_flush_all(mmu);
        fcov_collect(cov); // the run's total keeps what a reset drops
        mmu_cov_reset(cov);
        med.steal = 1;
        EXPECT_EQ(MMU_FAULT_NONE, acc(kVa).fault.kind);
        EXPECT_EQ(0, rc);
        for (unsigned l = 1; l <= 5; l++)
            EXPECT_EQ(l == lost ? 1u : 0u, n(name[l])) << lost << ": " << hits(MMU_COV_G_AD);
    }
}

// D-assists on entries found in the L2 (a fetch cached them there with D=0),
// and a global entry found in the L2 under another PCID.
TEST_F(Cov, DAssistsFromTheL2AndGlobalL2HitsUnderAnotherPcid)
{
    map(kVa, kFrame, 0x1000, MMU_PAGE_4K);
    map(kVa + 0x200000, kFrame + 0x200000, 0x200000, MMU_PAGE_2M);
    map(kVa + 0x40000000, 0x40000000, 0x40000000, MMU_PAGE_1G);
    map(kVa + 0x80000000, 0x80000000, 0x1000, MMU_PAGE_4K, kUser | MMU_PTE_G);
    make(MMU_CR4_PGE | MMU_CR4_PCIDE, 1);
    fcov_collect(cov); // the run's total keeps what a reset drops
    mmu_cov_reset(cov);
    uint64_t t = 0;
    for (const uint64_t la : std::initializer_list<uint64_t>{kVa, kVa + 0x200000, kVa + 0x40000000}) {
        t = acc(la, MMU_ACC_FETCH, 3, t).done_at + 100;
        const mmu_result_t w = acc(la, MMU_ACC_WRITE, 3, t);
        t = w.done_at + 100;
        EXPECT_EQ(MMU_FAULT_NONE, w.fault.kind);
    }
    for (const char *b : {"dirty.d_assist.l2.4k", "dirty.d_assist.l2.2m", "dirty.d_assist.l2.1g"})
        EXPECT_EQ(1u, n(b)) << b << ": " << hits(MMU_COV_G_DIRTY);
    EXPECT_EQ(0u, n("dirty.d_assist.l1.4k"));
    t = acc(kVa + 0x80000000, MMU_ACC_FETCH, 3, t).done_at + 100; // L1I and L2, PCID 1
    cr(3, mmu_ptb_root(pt) | 2 | MMU_CR3_NOFLUSH);
    EXPECT_EQ(MMU_SERVED_L2, acc(kVa + 0x80000000, MMU_ACC_READ, 3, t).served);
    EXPECT_EQ(1u, n("pcid.global_other_pcid_hit.l2")) << hits(MMU_COV_G_PCID);
    EXPECT_EQ(0u, n("pcid.global_other_pcid_hit.l1"));
}

// Evictions from every array of a configuration with one entry per array and
// three arrays per TLB, from the PML5E cache, and a page splintered in an L2
// without an array of its size.
TEST_F(Cov, EvictionsFromEveryArrayAndL2Splinters)
{
    levels = 5;
    const mmu_array_cfg_t one[3] = {{1, 1, MMU_SIZE_4K, MMU_REPL_LRU, MMU_INDEX_LOW, 0},
                                        {1, 1, MMU_SIZE_2M, MMU_REPL_LRU, MMU_INDEX_LOW, 0},
                                        {1, 1, MMU_SIZE_1G, MMU_REPL_LRU, MMU_INDEX_LOW, 0}};
    for (int i = 0; i < 3; i++) {
        cfg.l1i.arr[i] = one[i];
        cfg.l1d.arr[i] = one[i];
        cfg.l2.arr[i] = one[i];
    }
    cfg.psc[5].arr = {1, 1, 0, MMU_REPL_LRU, MMU_INDEX_LOW, 0};
    // Two pages of each size, the second 4K one under another PML5E.
    map(kVa, kFrame, 0x1000, MMU_PAGE_4K);
    map(kVa + (1ull << 48), kFrame + 0x1000, 0x1000, MMU_PAGE_4K);
    map(kVa + 0x200000, kFrame + 0x200000, 0x400000, MMU_PAGE_2M);
    map(kVa + 0x40000000, 0x40000000, 0x80000000, MMU_PAGE_1G);
    make();
    fcov_collect(cov); // the run's total keeps what a reset drops
    mmu_cov_reset(cov);
    uint64_t t = 0;
    const uint64_t pages[] = {kVa,           kVa + (1ull << 48), kVa + 0x200000,
                              kVa + 0x400000, kVa + 0x40000000,   kVa + 0x80000000};
    for (const uint64_t la : pages)
        for (const mmu_access_t a : {MMU_ACC_READ, MMU_ACC_FETCH})
            t = acc(la, a, 3, t).done_at + 100;
    for (const char *b : {"repl.evict.l1i.arr0", "repl.evict.l1i.arr1", "repl.evict.l1i.arr2",
                          "repl.evict.l1d.arr0", "repl.evict.l1d.arr1", "repl.evict.l1d.arr2",
                          "repl.evict.l2.arr0", "repl.evict.l2.arr1", "repl.evict.l2.arr2",
                          "repl.evict.psc_pml5e"})
        EXPECT_GE(n(b), 1u) << b << ": " << hits(MMU_COV_G_REPL);
    EXPECT_EQ(0u, n("repl.splinter.l2"));
    // An L2 of 4K entries only: a 2M page is cached there as 4K entries.
    mmu_destroy(mmu);
    mmu = nullptr;
    cfg.l2.arr[1] = {};
    cfg.l2.arr[2] = {};
    make();
    fcov_collect(cov); // the run's total keeps what a reset drops
    mmu_cov_reset(cov);
    acc(kVa + 0x200000, MMU_ACC_READ, 3, t);
    EXPECT_EQ(1u, n("repl.splinter.l2")) << hits(MMU_COV_G_REPL);
}

} // namespace

namespace {

// D-assists on L1 entries of every size (read first, then write), and A set
// on a faulting 5-level walk (ad_on_fault = used) from the PML5E down.
TEST_F(Cov, DAssistsFromTheL1OfEverySizeAndAOnAFaulting5LevelWalk)
{
    levels = 5;
    cfg.ad_on_fault = MMU_AD_ON_FAULT_USED;
    map(kVa, kFrame, 0x2000, MMU_PAGE_4K);
    map(kVa + 0x200000, kFrame + 0x200000, 0x200000, MMU_PAGE_2M);
    map(kVa + 0x40000000, 0x40000000, 0x40000000, MMU_PAGE_1G);
    make();
    fcov_collect(cov); // the run's total keeps what a reset drops
    mmu_cov_reset(cov);
    uint64_t t = 0;
    for (const uint64_t la : std::initializer_list<uint64_t>{kVa, kVa + 0x200000, kVa + 0x40000000}) {
        t = acc(la, MMU_ACC_READ, 3, t).done_at + 100;
        t = acc(la, MMU_ACC_WRITE, 3, t).done_at + 100;
    }
    for (const char *b : {"dirty.d_assist.l1.4k", "dirty.d_assist.l1.2m", "dirty.d_assist.l1.1g"})
        EXPECT_EQ(1u, n(b)) << b << ": " << hits(MMU_COV_G_DIRTY);
    EXPECT_EQ(0u, n("dirty.d_assist.l2.4k"));
    poke(kVa + 0x1000, 1, 0, MMU_PTE_P);
    for (unsigned l = 2; l <= 5; l++)
        poke(kVa + 0x1000, l, 0, MMU_PTE_A);
    mmu_flush_all(mmu);
    EXPECT_EQ(MMU_FAULT_PF, acc(kVa + 0x1000, MMU_ACC_READ, 3, t).fault.kind);
    for (const char *b : {"ad.a_fault.pml5e", "ad.a_fault.pml4e", "ad.a_fault.pdpte", "ad.a_fault.pde"})
        EXPECT_EQ(1u, n(b)) << b << ": " << hits(MMU_COV_G_AD);
}

} // namespace
