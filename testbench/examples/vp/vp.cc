/* SPDX-License-Identifier: Apache-2.0 */
// A small SystemC/TLM-2.0 virtual platform around mmusim (README "The 30
// lines a SystemC user writes"), built against the installed package
// (find_package(mmusim COMPONENTS sc)) by the test suite.
//
//   cpu (traffic generator) --translate--> mmu_sc --page-table walks--+
//       |                                                             v
//       +--------------------------- data loads -------------------> ram
//
// The cpu stands in for a core: for each load it asks the MMU for the
// physical address (b_transport on mmu.socket, CPL 3), then reads the data
// from the RAM at that address. The RAM is the platform's own TLM memory: it
// serves the cpu's loads and the MMU's page-table reads and locked A/D
// compare-exchanges (mmu_sc_mem_ext), with its own access latency. The page
// tables are set up by a "boot loader" (mmu_ptb over the RAM's backdoor)
// before the simulation starts. Everything is loosely timed: each transport
// annotates its delay and the cpu waits it out, so simulated time must be
// exactly the sum of the MMU's translation latencies and the RAM's; main()
// checks that, and every loaded value.
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "mmu/mmu_mem.h"
#include "mmu_sc.h"

using sc_core::sc_time;
using sc_core::SC_NS;

// ---- the platform's RAM: two target sockets over one sparse memory -------------
struct ram : sc_core::sc_module {
    tlm_utils::simple_target_socket<ram> cpu_port, mmu_port;
    mmu_sparse_mem_t *mem = nullptr;
    const sc_time latency{20, SC_NS};

    SC_CTOR(ram) : cpu_port("cpu_port"), mmu_port("mmu_port")
    {
        mmu_sparse_mem_create(40, &mem);
        cpu_port.register_b_transport(this, &ram::access);
        mmu_port.register_b_transport(this, &ram::walk_access);
    }
    ~ram() override { mmu_sparse_mem_destroy(mem); }

    void access(tlm::tlm_generic_payload &gp, sc_time &delay)
    {
        uint64_t v = 0;
        int rc = mmu_sparse_mem_read64(mem, gp.get_address(), &v);
        if (!rc && gp.is_write()) {
            std::memcpy(&v, gp.get_data_ptr(), 8);
            rc = mmu_sparse_mem_write64(mem, gp.get_address(), v);
        } else if (!rc) {
            std::memcpy(gp.get_data_ptr(), &v, 8);
        }
        delay += latency;
        gp.set_response_status(rc ? tlm::TLM_ADDRESS_ERROR_RESPONSE : tlm::TLM_OK_RESPONSE);
    }
    // The MMU's walks: 8-byte reads, and writes that carry mmu_sc_mem_ext are
    // locked compare-exchanges (A/D updates). Their latency is the MMU's own
    // page-table timing model, so no delay is added here.
    void walk_access(tlm::tlm_generic_payload &gp, sc_time &)
    {
        mmu_sc_mem_ext *x = nullptr;
        gp.get_extension(x);
        uint64_t cur = 0, v;
        int rc = mmu_sparse_mem_read64(mem, gp.get_address(), &cur);
        if (!rc && gp.is_read())
            std::memcpy(gp.get_data_ptr(), &cur, 8);
        if (!rc && gp.is_write()) {
            std::memcpy(&v, gp.get_data_ptr(), 8);
            if (x && x->cmpxchg)
                x->old = cur;
            if (!(x && x->cmpxchg) || cur == x->expected)
                rc = mmu_sparse_mem_write64(mem, gp.get_address(), v);
        }
        if (x)
            x->rc = rc;
        gp.set_response_status(rc ? tlm::TLM_ADDRESS_ERROR_RESPONSE : tlm::TLM_OK_RESPONSE);
    }
};

// ---- the cpu: loads through the MMU --------------------------------------------
struct cpu : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<cpu> mmu_port, mem_port;
    std::vector<uint64_t> loads;                 // linear addresses to load from
    std::vector<uint64_t> values;                // what was loaded
    sc_time expected = sc_core::SC_ZERO_TIME;    // sum of the annotated latencies
    sc_time period{1, SC_NS};
    unsigned faults = 0;

    SC_CTOR(cpu) : mmu_port("mmu_port"), mem_port("mem_port") { SC_THREAD(run); }

    void run()
    {
        for (uint64_t la : loads) {
            // 1. Translate: the linear address goes in, the physical one and
            //    the translation's cycles come back (in the extension).
            tlm::tlm_generic_payload t;
            mmu_sc_req_ext ext;
            ext.cpl = 3;
            t.set_command(tlm::TLM_READ_COMMAND);
            t.set_address(la);
            t.set_extension(&ext);
            sc_time delay = sc_core::SC_ZERO_TIME;
            mmu_port->b_transport(t, delay);
            t.clear_extension(&ext);
            if (ext.rc) // the walk's memory failed: no translation, no timing
                SC_REPORT_FATAL("cpu", mmu_strerror(ext.rc));
            // A fault takes its walk's time too.
            expected += sc_time::from_value((ext.res.done_at - ext.now) * period.value());
            wait(delay);
            if (ext.res.fault.kind != MMU_FAULT_NONE) { // #PF: address error response
                faults++;
                continue;
            }
            // 2. Load the data at the physical address.
            uint64_t data = 0;
            tlm::tlm_generic_payload d;
            d.set_command(tlm::TLM_READ_COMMAND);
            d.set_address(ext.res.pa);
            d.set_data_ptr(reinterpret_cast<unsigned char *>(&data));
            d.set_data_length(8);
            d.set_streaming_width(8);
            delay = sc_core::SC_ZERO_TIME;
            mem_port->b_transport(d, delay);
            expected += delay;
            wait(delay);
            values.push_back(data);
        }
    }
};

int sc_main(int, char **)
{
    constexpr uint64_t kHeap = 0x00007f0000000000ull, kPa = 0x40000000ull;
    ram mem("ram");
    cpu core("cpu");

    // Boot loader: 64 pages of 4 KiB mapped at kHeap, the first two words of
    // each holding its page number, so a load proves the translation.
    mmu_mem_ops_t backdoor = mmu_sparse_mem_ops(mem.mem);
    mmu_ptb_t *pt = nullptr;
    mmu_ptb_create(&backdoor, 4, 0x100000, 1 << 20, &pt);
    mmu_ptb_map(pt, kHeap, kPa, 64 << 12, MMU_PAGE_4K, MMU_PTE_RW | MMU_PTE_US);
    for (uint64_t p = 0; p < 64; p++) {
        mmu_sparse_mem_write64(mem.mem, kPa + (p << 12), p);
        mmu_sparse_mem_write64(mem.mem, kPa + (p << 12) + 8, p);
    }

    // --- the 30 lines: configure, build, wire, load the control registers ---
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    mmu_err_t err;
    if (mmu_config_preset(&cfg, "skylake", &err)) {
        std::fprintf(stderr, "vp: %s\n", err.msg);
        return 2;
    }
    mmu_sc_opts opts; // C walker; one MMU cycle = 1 ns
    auto mmu = mmu_sc::create("mmu", cfg, opts, &err);
    if (!mmu) {
        std::fprintf(stderr, "vp: %s\n", err.msg);
        return 2;
    }
    core.mmu_port.bind(mmu->socket);    // translations
    core.mem_port.bind(mem.cpu_port);   // data
    mmu->mem_socket.bind(mem.mmu_port); // page-table walks
    mmu_ctrl_t ctrl{};
    ctrl.cr0 = MMU_CR0_WP;
    ctrl.cr3 = mmu_ptb_root(pt);
    ctrl.efer = MMU_EFER_NXE;
    if (mmu->set_ctrl(ctrl, &err)) {
        std::fprintf(stderr, "vp: %s\n", err.msg);
        return 2;
    }
    core.period = opts.period;
    // Each page twice (the second visit hits the TLB), then one unmapped page.
    for (int round = 0; round < 2; round++)
        for (uint64_t p = 0; p < 64; p++)
            core.loads.push_back(kHeap + (p << 12) + 8 * round);
    core.loads.push_back(kHeap + (64 << 12));
    sc_core::sc_start();

    // --- what the platform saw -----------------------------------------------------
    mmu_stats_t st = mmu->stats();
    bool ok = core.values.size() == 128 && core.faults == 1;
    for (size_t i = 0; ok && i < core.values.size(); i++)
        ok = core.values[i] == i % 64; // page p's tag: translated to the right frame
    ok = ok && sc_core::sc_time_stamp() == core.expected && st.walks >= 64;
    std::printf("vp: %zu loads through the MMU in %s (%s the sum of the annotated delays); "
                "walks %" PRIu64 ", L1 hits %" PRIu64 ", L2 hits %" PRIu64 ", faults %u: %s\n",
                core.values.size(), sc_core::sc_time_stamp().to_string().c_str(),
                sc_core::sc_time_stamp() == core.expected ? "=" : "!=", st.walks, st.l1d_hits,
                st.l2_hits, core.faults, ok ? "ok" : "WRONG");
    mmu_ptb_destroy(pt);
    return ok ? 0 : 1;
}
