/* SPDX-License-Identifier: Apache-2.0 */
// The RTL walker without SystemC, from the installed package: libmmusim-rtl
// (find_package(mmusim COMPONENTS rtl), mmusim::mmu_rtl) puts the Verilated
// walker, clocked from C++, in the core's walker slot. One walk is checked
// against the page tables and, cycle for cycle, against the C walker.
#include <cstdio>

#include "mmu/mmu.h"
#include "mmu/mmu_mem.h"
#include "rtl_walker_cc.h"

// One 4K page at la 0x7f0000001000 -> pa 0x40001000, in any memory.
static uint64_t build_tables(mmu_mem_ops_t ops)
{
    mmu_ptb_t *pt = nullptr;
    mmu_ptb_create(&ops, 4, 0x100000, 1 << 20, &pt);
    mmu_ptb_map(pt, 0x00007f0000000000ull, 0x40000000, 1 << 21, MMU_PAGE_4K, MMU_PTE_US);
    const uint64_t root = mmu_ptb_root(pt);
    mmu_ptb_destroy(pt);
    return root;
}

struct side {
    mmu_sparse_mem_t *mem = nullptr;
    mmu_t *mmu = nullptr;
    mmu_result_t res{};
    int rc = -1;
};

static void run(side &s, mmu_config_t cfg, rtl_walker_cc *bridge)
{
    mmu_sparse_mem_create(cfg.maxphyaddr, &s.mem);
    mmu_mem_ops_t ops = mmu_sparse_mem_ops(s.mem);
    mmu_ctrl_t c{};
    c.cr3 = build_tables(ops);
    if (bridge) {
        cfg.walk_cb = &rtl_walker_cc::walk_cb;
        cfg.walk_ctx = bridge;
    }
    mmu_err_t err;
    if (mmu_create(&cfg, &ops, &s.mmu, &err)) {
        std::printf("rtl_direct: %s\n", err.msg);
        return;
    }
    if (bridge)
        bridge->attach(s.mmu, ops);
    mmu_set_ctrl(s.mmu, &c, &err);
    mmu_req_t req = MMU_REQ_INIT;
    req.la = 0x00007f0000001234ull;
    req.cpl = 3;
    req.now = 500;
    s.rc = mmu_translate(s.mmu, &req, &s.res);
}

int main()
{
    // The configuration of the default variant this library was built with.
    const rtl_walker_cc::params &p = rtl_walker_cc::variant(0);
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    cfg.maxphyaddr = p.maxphyaddr;
    cfg.page_1g = p.page_1g;
    cfg.ad_on_fault = p.ad_on_fault;
    cfg.ad_retry_limit = p.retry_limit;
    cfg.walk_level_latency = p.level_latency;
    mmu_err_t err;
    if (rtl_walker_cc::check_config(cfg, &err)) {
        std::printf("rtl_direct: %s\n", err.msg);
        return 1;
    }
    rtl_walker_cc bridge(cfg);
    side c, r;
    run(c, cfg, nullptr);
    run(r, cfg, &bridge);
    const bool ok = c.rc == 0 && r.rc == 0 && r.res.pa == 0x40001234ull && r.res.pa == c.res.pa &&
                    r.res.done_at == c.res.done_at && r.res.mem_refs == c.res.mem_refs &&
                    bridge.stats().walks == 1 && bridge.error().empty();
    std::printf("rtl_direct: %s: pa 0x%llx done at %llu through the RTL walker (C walker: 0x%llx at "
                "%llu): %s\n",
                p.name, (unsigned long long)r.res.pa, (unsigned long long)r.res.done_at,
                (unsigned long long)c.res.pa, (unsigned long long)c.res.done_at,
                ok ? "ok" : ("WRONG " + bridge.error()).c_str());
    for (side *s : {&c, &r}) {
        mmu_destroy(s->mmu);
        mmu_sparse_mem_destroy(s->mem);
    }
    return ok ? 0 : 1;
}
