// SPDX-License-Identifier: Apache-2.0
// The structural facts of every preset (model/presets/*.ini through the whole
// model), pinned so that they cannot drift: each TLB level's reach knee per
// page size (a cyclic sweep over exactly the reach never misses there, one
// over twice the reach always does), and the paging-structure references a
// walk makes after each paging-structure-cache hit (4-level: 4 from the root,
// 3 after a PML4E hit, 2 after a PDPTE hit, 1 after a PDE hit; 5-level: one
// more before each).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mmu/mmu.h"
#include "mmu/mmu_mem.h"
#include "mmu/mmu_config.h"
#include "mmu/mmu_stats.h"

namespace {

constexpr uint64_t kVa = 0x0000100000000000ull; // 1 TiB: aligned for every page size

mmu_config_t load(const char *name)
{
    mmu_config_t c;
    mmu_config_init(&c); // mmu_config_preset keeps the caller's latency callback
    mmu_err_t err{};
    EXPECT_EQ(0, mmu_config_preset(&c, name, &err)) << err.msg;
    return c;
}

// The entries of the arrays of a level that hold page size ps.
unsigned entries_for(const mmu_tlb_cfg_t &t, unsigned ps)
{
    unsigned n = 0;
    for (const auto &a : t.arr)
        if (a.entries && (a.sizes & (1u << ps)))
            n += a.entries;
    return n;
}

struct World {
    mmu_sparse_mem_t *mem = nullptr;
    mmu_ptb_t *pt = nullptr;
    mmu_t *mmu = nullptr;
    ~World()
    {
        mmu_destroy(mmu);
        mmu_ptb_destroy(pt);
        mmu_sparse_mem_destroy(mem);
    }
    // `pages` pages of size ps at kVa, A/D set. Frames run backwards, so no
    // two neighbours are physically contiguous (no PTE coalescing).
    void make(const mmu_config_t &cfg, unsigned levels, unsigned ps, uint64_t pages)
    {
        ASSERT_EQ(0, mmu_sparse_mem_create(cfg.maxphyaddr, &mem));
        mmu_mem_ops_t ops = mmu_sparse_mem_ops(mem);
        ASSERT_EQ(0, mmu_ptb_create(&ops, levels, 0x100000, 64ull << 20, &pt));
        mmu_ptb_set_table_flags(pt, MMU_PTE_P | MMU_PTE_RW | MMU_PTE_US | MMU_PTE_A);
        const uint64_t sz = 1ull << (12 + 9 * ps);
        const uint64_t top = (1ull << 34) + pages * sz; // above the tables
        for (uint64_t i = 0; i < pages; i++)
            ASSERT_EQ(0, mmu_ptb_map(pt, kVa + i * sz, top - (i + 1) * sz, sz, mmu_page_size_t(ps),
                                     MMU_PTE_RW | MMU_PTE_US | MMU_PTE_A | MMU_PTE_D));
        mmu_err_t err{};
        ASSERT_EQ(0, mmu_create(&cfg, &ops, &mmu, &err)) << err.msg;
        mmu_ctrl_t c{};
        c.cr0 = MMU_CR0_WP;
        c.cr3 = mmu_ptb_root(pt);
        c.cr4 = levels == 5 ? MMU_CR4_LA57 : 0;
        c.efer = MMU_EFER_NXE;
        ASSERT_EQ(0, mmu_set_ctrl(mmu, &c, &err)) << err.msg;
    }
    mmu_result_t read(uint64_t la)
    {
        mmu_req_t r = MMU_REQ_INIT;
        r.la = la;
        r.type = MMU_ACC_READ;
        r.cpl = 3;
        mmu_result_t res{};
        EXPECT_EQ(0, mmu_translate(mmu, &r, &res));
        EXPECT_EQ(MMU_FAULT_NONE, res.fault.kind);
        return res;
    }
};

// Misses in the L1 DTLB (or L2) per access over the second of two cyclic
// sweeps of `pages` pages of size ps.
void sweep_misses(const mmu_config_t &cfg, unsigned ps, uint64_t pages, double *l1, double *l2)
{
    World w;
    w.make(cfg, 4, ps, pages);
    const uint64_t sz = 1ull << (12 + 9 * ps);
    for (uint64_t i = 0; i < pages; i++)
        w.read(kVa + i * sz);
    mmu_stats_t before, after;
    mmu_get_stats(w.mmu, &before);
    for (uint64_t i = 0; i < pages; i++)
        w.read(kVa + i * sz);
    mmu_get_stats(w.mmu, &after);
    *l1 = double(after.l1d_misses - before.l1d_misses) / double(pages);
    *l2 = double(after.l2_misses - before.l2_misses) / double(pages);
}

TEST(Presets, ReachKneesAreTheEntriesTimesThePageSize)
{
    for (unsigned p = 0; p < mmu_config_preset_count(); p++) {
        const char *name = mmu_config_preset_name(p);
        const mmu_config_t cfg = load(name);
        for (unsigned ps = 0; ps < 3; ps++) {
            SCOPED_TRACE(std::string(name) + " page size " + std::to_string(ps));
            const unsigned l1 = entries_for(cfg.l1d, ps), l2 = entries_for(cfg.l2, ps);
            double m1, m2;
            if (l1) {
                sweep_misses(cfg, ps, l1, &m1, &m2);
                EXPECT_EQ(0.0, m1) << "at the L1D reach, " << l1 << " pages";
                sweep_misses(cfg, ps, 2ull * l1, &m1, &m2);
                EXPECT_EQ(1.0, m1) << "at twice the L1D reach";
            }
            // The L2's knee where it is larger than the L1's (pages that miss
            // the L1 are found in the L2 up to its reach).
            const uint64_t span = (1ull << 34) + ((2ull * l2) << (12 + 9 * ps));
            if (l2 > l1 && span <= (1ull << cfg.maxphyaddr)) {
                sweep_misses(cfg, ps, l2, &m1, &m2);
                EXPECT_EQ(0.0, m2) << "at the L2 reach, " << l2 << " pages";
                sweep_misses(cfg, ps, 2ull * l2, &m1, &m2);
                EXPECT_EQ(1.0, m2) << "at twice the L2 reach";
            }
        }
    }
}

// The reach knees of the shipped presets, in bytes, as their sources give
// them (a change to a preset's geometry must change this table too).
TEST(Presets, ReachOfEachPresetIsPinned)
{
    struct Want {
        const char *name;
        uint64_t l1d_4k, l1d_2m, l2_4k, l2_2m;
    } wants[] = {
        {"skylake", 256ull << 10, 64ull << 20, 6ull << 20, 3ull << 30},
        {"icelake", 256ull << 10, 64ull << 20, 4ull << 20, 2ull << 30},
        {"tigerlake", 256ull << 10, 64ull << 20, 4ull << 20, 2ull << 30},
        {"goldencove", 384ull << 10, 64ull << 20, 4ull << 20, 2ull << 30},
        {"zen2", 256ull << 10, 128ull << 20, 8ull << 20, 4ull << 30},
        {"zen3", 256ull << 10, 128ull << 20, 8ull << 20, 4ull << 30},
        {"tiny", 32ull << 10, 16ull << 20, 128ull << 10, 64ull << 20},
    };
    ASSERT_EQ(sizeof wants / sizeof wants[0], size_t(mmu_config_preset_count()));
    for (const Want &w : wants) {
        const mmu_config_t c = load(w.name);
        EXPECT_EQ(w.l1d_4k, uint64_t(entries_for(c.l1d, 0)) << 12) << w.name;
        EXPECT_EQ(w.l1d_2m, uint64_t(entries_for(c.l1d, 1)) << 21) << w.name;
        EXPECT_EQ(w.l2_4k, uint64_t(entries_for(c.l2, 0)) << 12) << w.name;
        EXPECT_EQ(w.l2_2m, uint64_t(entries_for(c.l2, 1)) << 21) << w.name;
    }
}

// With coalescing (zen2, zen3), a physically contiguous, aligned mapping
// multiplies the 4K reach by the group.
TEST(Presets, CoalescingPresetsReachFartherOnContiguousMemory)
{
    for (const char *name : {"zen2", "zen3"}) {
        SCOPED_TRACE(name);
        const mmu_config_t cfg = load(name);
        ASSERT_EQ(8u, cfg.coalesce);
        const uint64_t l1 = entries_for(cfg.l1d, 0), pages = 8 * l1;
        World w;
        ASSERT_EQ(0, mmu_sparse_mem_create(cfg.maxphyaddr, &w.mem));
        mmu_mem_ops_t ops = mmu_sparse_mem_ops(w.mem);
        ASSERT_EQ(0, mmu_ptb_create(&ops, 4, 0x100000, 16ull << 20, &w.pt));
        mmu_ptb_set_table_flags(w.pt, MMU_PTE_P | MMU_PTE_RW | MMU_PTE_US | MMU_PTE_A);
        ASSERT_EQ(0, mmu_ptb_map(w.pt, kVa, 1ull << 34, pages << 12, MMU_PAGE_4K,
                                 MMU_PTE_RW | MMU_PTE_US | MMU_PTE_A | MMU_PTE_D));
        mmu_err_t err{};
        ASSERT_EQ(0, mmu_create(&cfg, &ops, &w.mmu, &err)) << err.msg;
        mmu_ctrl_t c{};
        c.cr3 = mmu_ptb_root(w.pt);
        ASSERT_EQ(0, mmu_set_ctrl(w.mmu, &c, &err)) << err.msg;
        for (int lap = 0; lap < 2; lap++) {
            mmu_stats_t before, after;
            mmu_get_stats(w.mmu, &before);
            for (uint64_t i = 0; i < pages; i++)
                w.read(kVa + (i << 12));
            mmu_get_stats(w.mmu, &after);
            if (lap == 1) {
                EXPECT_EQ(0u, after.l1d_misses - before.l1d_misses) << pages << " pages";
            }
        }
    }
}

// References per walk after each paging-structure-cache hit.
TEST(Presets, WalkReferencesFollowThePscHitLevel)
{
    for (unsigned p = 0; p < mmu_config_preset_count(); p++) {
        const char *name = mmu_config_preset_name(p);
        const mmu_config_t cfg = load(name);
        for (unsigned levels : {4u, 5u}) {
            if (levels == 5 && !cfg.psc[5].arr.entries)
                continue; // a core without a PML5E cache has no 5-level paging here
            SCOPED_TRACE(std::string(name) + " " + std::to_string(levels) + "-level");
            World w;
            ASSERT_EQ(0, mmu_sparse_mem_create(cfg.maxphyaddr, &w.mem));
            mmu_mem_ops_t ops = mmu_sparse_mem_ops(w.mem);
            ASSERT_EQ(0, mmu_ptb_create(&ops, levels, 0x100000, 16ull << 20, &w.pt));
            mmu_ptb_set_table_flags(w.pt, MMU_PTE_P | MMU_PTE_RW | MMU_PTE_US | MMU_PTE_A);
            // Pages that share ever fewer levels with the first one.
            const uint64_t la[] = {kVa, kVa + 0x1000, kVa + (1ull << 21), kVa + (1ull << 30),
                                   kVa + (1ull << 39), kVa + (1ull << 48)};
            const unsigned n = levels == 5 ? 6 : 5;
            for (unsigned i = 0; i < n; i++)
                ASSERT_EQ(0, mmu_ptb_map(w.pt, la[i], (1ull << 32) + (uint64_t(i) << 21), 0x1000,
                                         MMU_PAGE_4K, MMU_PTE_RW | MMU_PTE_US | MMU_PTE_A | MMU_PTE_D));
            mmu_err_t err{};
            ASSERT_EQ(0, mmu_create(&cfg, &ops, &w.mmu, &err)) << err.msg;
            mmu_ctrl_t c{};
            c.cr3 = mmu_ptb_root(w.pt);
            c.cr4 = levels == 5 ? MMU_CR4_LA57 : 0;
            ASSERT_EQ(0, mmu_set_ctrl(w.mmu, &c, &err)) << err.msg;
            // Cold: every level from the root.
            mmu_result_t r = w.read(la[0]);
            EXPECT_EQ(0, r.psc_level);
            EXPECT_EQ(levels, r.mem_refs);
            // Same page table: the PDE cache gives it, 1 reference.
            r = w.read(la[1]);
            EXPECT_EQ(2, r.psc_level);
            EXPECT_EQ(1u, r.mem_refs);
            // Same page directory: PDPTE hit, 2 references.
            r = w.read(la[2]);
            EXPECT_EQ(3, r.psc_level);
            EXPECT_EQ(2u, r.mem_refs);
            // Same PDPT: PML4E hit, 3 references.
            r = w.read(la[3]);
            EXPECT_EQ(4, r.psc_level);
            EXPECT_EQ(3u, r.mem_refs);
            if (levels == 5) {
                r = w.read(la[4]); // same PML4: PML5E hit, 4 references
                EXPECT_EQ(5, r.psc_level);
                EXPECT_EQ(4u, r.mem_refs);
            }
        }
    }
}

} // namespace
