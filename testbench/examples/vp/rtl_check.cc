/* SPDX-License-Identifier: Apache-2.0 */
// The RTL walker from the installed package: the SystemC wrapper with the
// Verilated walker plugged into its walker slot by libmmusim-rtl-sc
// (find_package(mmusim COMPONENTS rtl_sc)), one translation checked against
// the page tables and against the C walker's cycle count.
#include <cstdio>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "mmu/mmu_mem.h"
#include "mmu_sc.h"
#include "rtl_walker.h"
#include "sc_memory.h"

struct tb : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<tb> sock;
    mmu_sc_req_ext ext;
    tlm::tlm_response_status status = tlm::TLM_INCOMPLETE_RESPONSE;
    SC_CTOR(tb) : sock("sock") { SC_THREAD(run); } // the RTL walks clock edge by edge
    void run()
    {
        tlm::tlm_generic_payload gp;
        gp.set_command(tlm::TLM_READ_COMMAND);
        gp.set_address(0x00007f0000001234ull);
        gp.set_extension(&ext);
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
        sock->b_transport(gp, delay);
        gp.clear_extension(&ext);
        status = gp.get_response_status();
    }
};

// The same page tables in any memory: one 4K page at la 0x7f0000001000.
static uint64_t build_tables(mmu_mem_ops_t ops)
{
    mmu_ptb_t *pt = nullptr;
    mmu_ptb_create(&ops, 4, 0x100000, 1 << 20, &pt);
    mmu_ptb_map(pt, 0x00007f0000000000ull, 0x40000000, 1 << 21, MMU_PAGE_4K, MMU_PTE_US);
    const uint64_t root = mmu_ptb_root(pt);
    mmu_ptb_destroy(pt);
    return root;
}

int sc_main(int, char **)
{
    // The configuration the walker was verilated for (rtl_walker::built()).
    const rtl_walker::params p = rtl_walker::built();
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    cfg.maxphyaddr = p.maxphyaddr;
    cfg.page_1g = p.page_1g;
    cfg.ad_on_fault = p.ad_on_fault;
    cfg.ad_retry_limit = p.retry_limit;
    cfg.walk_level_latency = p.level_latency;
    mmu_sc_opts o;
    o.walker = mmu_sc_walker::external;
    o.external = rtl_walker::slot();
    mmu_err_t err;
    auto mmu = mmu_sc::create("mmu", cfg, o, &err);
    if (!mmu) {
        std::fprintf(stderr, "rtl_check: %s\n", err.msg);
        return 2;
    }
    sc_memory mem("mem", p.maxphyaddr);
    tb t("tb");
    t.sock.bind(mmu->socket);
    mmu->mem_socket.bind(mem.socket);
    mmu_ctrl_t c{};
    c.cr3 = build_tables(mem.backdoor_ops());
    mmu->set_ctrl(c);
    sc_core::sc_start();
    // The same walk through the C walker: a plain mmu_t over a copy of the tables.
    mmu_sparse_mem_t *copy = nullptr;
    mmu_sparse_mem_create(p.maxphyaddr, &copy);
    mmu_mem_ops_t ops = mmu_sparse_mem_ops(copy);
    build_tables(ops);
    mmu_t *ref = nullptr;
    mmu_req_t req = MMU_REQ_INIT;
    req.la = 0x00007f0000001234ull;
    mmu_result_t want{};
    mmu_create(&cfg, &ops, &ref, &err);
    mmu_set_ctrl(ref, &c, &err);
    mmu_translate(ref, &req, &want);
    const mmu_result_t &got = t.ext.res;
    const bool ok = t.status == tlm::TLM_OK_RESPONSE && got.pa == 0x40001234 &&
                    got.done_at - t.ext.now == want.done_at && rtl_walker::of(*mmu) &&
                    rtl_walker::of(*mmu)->stats().walks == 1;
    std::printf("rtl_check: pa 0x%llx in %llu cycles through the RTL walker (C walker: %llu): %s\n",
                (unsigned long long)got.pa, (unsigned long long)(got.done_at - t.ext.now),
                (unsigned long long)want.done_at, ok ? "ok" : "WRONG");
    mmu_destroy(ref);
    mmu_sparse_mem_destroy(copy);
    return ok ? 0 : 1;
}
