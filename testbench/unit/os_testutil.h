// SPDX-License-Identifier: Apache-2.0
// Shared by the OS-side tests (test_repl.cc, test_reclaim.cc, ...): an MMU
// plus the OS driver of workloads/os/ over one sparse memory, records built
// directly, and the textbook set-up of pure demand paging.
#ifndef MMU_TESTBENCH_OS_TESTUTIL_H
#define MMU_TESTBENCH_OS_TESTUTIL_H

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "aspace.h"
#include "mmu/mmu.h"
#include "mmu/mmu_mem.h"
#include "mmu/mmu_stats.h"
#include "repl.h"

namespace ostest {

constexpr uint64_t kBase = 0x10000000000ull; // user address of page 0 of a string

inline mmu_trec_t Access(uint64_t la, uint8_t type = MMU_ACC_READ)
{
    mmu_trec_t r{};
    r.kind = MMU_TREC_ACCESS;
    r.la = la;
    r.type = type;
    r.cpl = 3;
    r.size = 8;
    return r;
}

inline mmu_trec_t Map(uint64_t la, uint64_t len, uint64_t flags, uint8_t kind = MMU_MAP_ANON,
                      uint64_t file = 0, uint64_t off = 0)
{
    mmu_trec_t r{};
    r.kind = MMU_TREC_MAP;
    r.la = la;
    r.len = len;
    r.value = flags;
    r.map = kind;
    r.file = file;
    r.off = off;
    return r;
}

inline unsigned PolicyIndex(const char *name)
{
    for (unsigned i = 0; mmu_repl_get(i); i++)
        if (!strcmp(mmu_repl_get(i)->name, name))
            return i;
    ADD_FAILURE() << "no policy " << name;
    return 0;
}

// Pure demand paging with `frames` data frames: page tables outside them, no
// watermarks, no kswapd, one page reclaimed per fault, no readahead, 4K pages,
// and clearing A invalidates (every reference after a clear is seen, as the
// textbook reference bit).
inline mmu_aspace_cfg_t PureCfg(unsigned frames, const char *policy,
                                const mmu_repl_future_t *future = nullptr)
{
    mmu_aspace_cfg_t c;
    mmu_aspace_cfg_init(&c);
    c.policy = MMU_POLICY_4K;
    c.mem_bytes = uint64_t(frames) * 4096;
    c.tables_in_mem = 0;
    c.wmark_mode = MMU_WMARK_NONE;
    c.kswapd = 0;
    c.reclaim_batch = 1;
    c.readahead = 1;
    c.flush_young = 1;
    c.nswap = 1;
    c.swap[0].bytes = 64ull << 20;
    c.repl = PolicyIndex(policy);
    c.future = future;
    return c;
}

struct Os {
    mmu_sparse_mem_t *mem = nullptr;
    mmu_t *mmu = nullptr;
    mmu_aspace_t *as = nullptr;
    char msg[256] = "";
    int create_rc = 0;

    explicit Os(const mmu_aspace_cfg_t &cfg, const mmu_config_t *mc_in = nullptr)
    {
        EXPECT_EQ(mmu_sparse_mem_create(40, &mem), 0);
        mmu_config_t mc;
        if (mc_in)
            mc = *mc_in;
        else {
            mmu_config_init(&mc);
            mc.maxphyaddr = 40;
        }
        mmu_mem_ops_t ops = mmu_sparse_mem_ops(mem);
        mmu_err_t err;
        EXPECT_EQ(mmu_create(&mc, &ops, &mmu, &err), 0) << err.msg;
        // As `mmusim run` sets it up (runlib_as_create): WP, SMEP/SMAP, NXE.
        mmu_ctrl_t ctrl{};
        ctrl.cr0 = MMU_CR0_WP;
        ctrl.cr4 = MMU_CR4_SMEP | MMU_CR4_SMAP;
        ctrl.efer = MMU_EFER_NXE;
        EXPECT_EQ(mmu_set_ctrl(mmu, &ctrl, &err), 0) << err.msg;
        mmu_aspace_cfg_t c = cfg;
        if (c.phys_limit > (1ull << mc.maxphyaddr))
            c.phys_limit = 1ull << mc.maxphyaddr;
        create_rc = mmu_aspace_create(mmu, mem, &c, &as, msg, sizeof msg);
    }
    ~Os()
    {
        mmu_aspace_destroy(as);
        mmu_destroy(mmu);
        mmu_sparse_mem_destroy(mem);
    }
    int Feed(const mmu_trec_t &r, mmu_result_t *res = nullptr)
    {
        mmu_result_t scratch;
        return mmu_aspace_feed(as, &r, res ? res : &scratch, msg, sizeof msg);
    }
    mmu_aspace_stats_t Stats() const
    {
        mmu_aspace_stats_t s;
        mmu_aspace_get_stats(as, &s);
        return s;
    }
    // The driver's books agree with its state (mmu_aspace_check).
    void Check()
    {
        EXPECT_EQ(mmu_aspace_check(as, msg, sizeof msg), 0) << msg;
    }
    uint64_t Faults() const
    {
        mmu_aspace_stats_t s = Stats();
        return s.minor_faults + s.major_faults;
    }
};

inline mmu_repl_future_t *FutureOf(const std::vector<unsigned> &refs)
{
    mmu_repl_future_t *f = nullptr;
    EXPECT_EQ(mmu_repl_future_create(&f), 0);
    for (unsigned p : refs)
        EXPECT_EQ(mmu_repl_future_add(f, (kBase >> 12) + p), 0);
    return f;
}

// Page faults of a reference string (page numbers) under pure demand paging
// with `frames` frames; writes: every access whose index is in the mask.
inline uint64_t Faults(const std::vector<unsigned> &refs, unsigned frames, const char *policy,
                       uint64_t write_every = 0)
{
    mmu_repl_future_t *f = !strcmp(policy, "opt") ? FutureOf(refs) : nullptr;
    uint64_t n = 0;
    {
        Os os(PureCfg(frames, policy, f));
        EXPECT_EQ(os.create_rc, 0) << os.msg;
        if (os.create_rc)
            return 0;
        for (size_t i = 0; i < refs.size(); i++) {
            uint8_t t = write_every && i % write_every == 0 ? MMU_ACC_WRITE : MMU_ACC_READ;
            mmu_result_t res;
            EXPECT_EQ(os.Feed(Access(kBase + uint64_t(refs[i]) * 4096, t), &res), 0) << os.msg;
            EXPECT_EQ(res.fault.kind, MMU_FAULT_NONE) << "access " << i;
        }
        n = os.Faults();
    }
    mmu_repl_future_destroy(f);
    return n;
}

} // namespace ostest

#endif
