/* SPDX-License-Identifier: Apache-2.0 */
// Tests of the SystemC wrapper (model/sc/): TLM translation with each walker,
// the delay annotation, control-register and invalidation calls, page-table
// memory through the initiator socket, configurations refused, and the RTL
// bridge's timing. Usage: test_mmu_sc NAME (CTest runs one process per test:
// a SystemC simulation is elaborated once per process).
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "mmu/mmu_mem.h"
#include "mmu_sc.h"
#include "sc_memory.h"
#if MMU_TEST_RTL
#include "rtl_walker.h"
#endif

using sc_core::sc_time;

namespace {

// The RTL walker sits in the wrapper's walker slot, from the bridge library.
constexpr mmu_sc_walker kRtl = mmu_sc_walker::external;

mmu_sc_opts opts_for(mmu_sc_walker w)
{
    mmu_sc_opts o;
    o.walker = w;
#if MMU_TEST_RTL
    if (w == kRtl)
        o.external = rtl_walker::slot();
#endif
    return o;
}

#if MMU_TEST_RTL
rtl_walker *rtl_of(mmu_sc &m)
{
    return rtl_walker::of(m);
}
#endif

int g_failures = 0;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);  \
            g_failures++;                                                             \
        }                                                                             \
    } while (0)
#define CHECK_EQ(a, b)                                                                \
    do {                                                                              \
        const uint64_t va_ = (uint64_t)(a), vb_ = (uint64_t)(b);                      \
        if (va_ != vb_) {                                                             \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s = 0x%" PRIx64 ", %s = 0x%" PRIx64 "\n", \
                    __FILE__, __LINE__, #a, va_, #b, vb_);                            \
            g_failures++;                                                             \
        }                                                                             \
    } while (0)

const sc_time kPeriod(1, sc_core::SC_NS);

sc_time cycles(uint64_t n)
{
    return sc_time::from_value(n * kPeriod.value());
}

// The worked example of README "One miss, cycle by cycle": la
// 0x00007f5c2a001234 through PML4E 0x17f0, PDPTE 0x2b80, PDE 0x3a80, PTE 0x4008.
constexpr uint64_t kLa = 0x00007f5c2a001234ull;
void worked_example_tables(sc_memory &m)
{
    m.write64(0x17f0, 0x2027);
    m.write64(0x2b80, 0x3007);
    m.write64(0x3a80, 0x4007);
    m.write64(0x4008, 0xabcde007);
    m.write64(0x4010, 0x6007);
}

mmu_config_t rtl_compatible_config()
{
    mmu_config_t c;
    mmu_config_init(&c);
    c.maxphyaddr = 52; // what the RTL is built with
    return c;
}

// An initiator with one thread that runs `body`, then stops the simulation.
struct driver : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<driver> sock{"sock"};
    std::function<void(driver &)> body;
    SC_HAS_PROCESS(driver);
    explicit driver(sc_core::sc_module_name n) : sc_core::sc_module(n) { SC_THREAD(run); }
    void run()
    {
        if (body)
            body(*this);
        sc_core::sc_stop();
        /* Park instead of returning: a SystemC thread that ends leaves
         * AddressSanitizer with the wrong stack bounds (see bench.cc). */
        wait();
    }

    // One translation through the socket. `delay` in/out as in b_transport.
    tlm::tlm_response_status xlat(uint64_t la, int type, unsigned cpl, mmu_sc_req_ext &ext,
                                  sc_time &delay, unsigned flags = 0)
    {
        tlm::tlm_generic_payload gp;
        unsigned char buf[8] = {0};
        gp.set_command(type == MMU_ACC_WRITE ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
        gp.set_address(la);
        gp.set_data_ptr(buf);
        gp.set_data_length(8);
        gp.set_streaming_width(8);
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        ext.fetch = type == MMU_ACC_FETCH;
        ext.cpl = static_cast<uint8_t>(cpl);
        ext.flags = static_cast<uint8_t>(flags);
        gp.set_extension(&ext);
        sock->b_transport(gp, delay);
        gp.clear_extension(&ext);
        return gp.get_response_status();
    }
};

// MMU + memory + driver, wired.
struct rig {
    std::unique_ptr<sc_memory> mem;
    std::unique_ptr<mmu_sc> mmu;
    std::unique_ptr<driver> drv;
    explicit rig(mmu_sc_walker w, const mmu_config_t &cfg, unsigned mem_maxphyaddr = 52)
    {
        mmu_sc_opts o = opts_for(w);
        o.period = kPeriod;
        mmu_err_t err{};
        mmu = mmu_sc::create("mmu", cfg, o, &err);
        if (!mmu) {
            fprintf(stderr, "mmu_sc::create: %s\n", err.msg);
            std::exit(1);
        }
        mem.reset(new sc_memory("mem", mem_maxphyaddr));
        drv.reset(new driver("drv"));
        drv->sock.bind(mmu->socket);
        mmu->mem_socket.bind(mem->socket);
    }
    void run(std::function<void(driver &)> body)
    {
        drv->body = std::move(body);
        sc_core::sc_start();
    }
};

// ---- TLM translation, any walker ---------------------------------------------

void tlm_translate(mmu_sc_walker w)
{
    rig r(w, rtl_compatible_config());
    worked_example_tables(*r.mem);
    mmu_ctrl_t c{};
    c.cr3 = 0x1000;
    CHECK_EQ(r.mmu->set_ctrl(c), 0);
    r.run([&](driver &d) {
        sc_time delay = sc_core::SC_ZERO_TIME;
        mmu_sc_req_ext ext;
        // 1: user read, cold: a full walk that sets A in PDPTE, PDE, PTE.
        CHECK(d.xlat(kLa, MMU_ACC_READ, 3, ext, delay) == tlm::TLM_OK_RESPONSE);
        CHECK_EQ(ext.rc, 0);
        CHECK_EQ(ext.res.pa, 0xabcde234);
        CHECK_EQ(ext.res.served, MMU_SERVED_WALK);
        CHECK_EQ(ext.res.done_at - ext.now, 889); // README's worked example
        CHECK_EQ(ext.res.lat_walk, 879);
        CHECK_EQ(ext.res.mem_refs, 7);
        const auto &log = r.mem->log();
        CHECK_EQ(log.size(), 3);
        if (log.size() == 3) {
            CHECK_EQ(log[0].pa, 0x2b80);
            CHECK_EQ(log[0].new_val, 0x3027);
            CHECK_EQ(log[1].pa, 0x3a80);
            CHECK_EQ(log[2].pa, 0x4008);
            CHECK_EQ(log[2].new_val, 0xabcde027);
            CHECK(log[2].locked);
        }
        r.mem->clear_log();
        // 2: user write, same page: a D-assist from the PDE cache (33 cycles).
        CHECK(d.xlat(kLa, MMU_ACC_WRITE, 3, ext, delay) == tlm::TLM_OK_RESPONSE);
        CHECK_EQ(ext.res.served, MMU_SERVED_WALK);
        CHECK_EQ(ext.res.d_assist, 1);
        CHECK_EQ(ext.res.psc_level, 2);
        CHECK_EQ(ext.res.lat_walk, 31);
        CHECK_EQ(ext.res.done_at - ext.now, 33);
        CHECK_EQ(r.mem->log().size(), 1);
        if (!r.mem->log().empty())
            CHECK_EQ(r.mem->log()[0].new_val, 0xabcde067);
        // 3: read again: an L1 hit, one cycle.
        CHECK(d.xlat(kLa, MMU_ACC_READ, 3, ext, delay) == tlm::TLM_OK_RESPONSE);
        CHECK_EQ(ext.res.served, MMU_SERVED_L1);
        CHECK_EQ(ext.res.done_at - ext.now, 1);
        // 4: a fetch by the kernel of a user page: allowed (no SMEP).
        CHECK(d.xlat(kLa, MMU_ACC_FETCH, 0, ext, delay) == tlm::TLM_OK_RESPONSE);
        CHECK_EQ(ext.res.pa, 0xabcde234);
        // 5: PTE[3] is not present: #PF, U/S set for a user read.
        CHECK(d.xlat(0x00007f5c2a003008ull, MMU_ACC_READ, 3, ext, delay) ==
              tlm::TLM_ADDRESS_ERROR_RESPONSE);
        CHECK_EQ(ext.res.fault.kind, MMU_FAULT_PF);
        CHECK_EQ(ext.res.fault.vector, 14);
        CHECK_EQ(ext.res.fault.error_code, MMU_PF_US);
        CHECK_EQ(ext.res.fault.cr2, 0x00007f5c2a003008ull);
        // 6: non-canonical: #GP(0) before any lookup.
        CHECK(d.xlat(0x0000800000000000ull, MMU_ACC_READ, 0, ext, delay) ==
              tlm::TLM_ADDRESS_ERROR_RESPONSE);
        CHECK_EQ(ext.res.fault.kind, MMU_FAULT_GP);
        CHECK_EQ(ext.res.served, MMU_SERVED_NONE);
        // 7: an implicit supervisor access from CPL 3 to a user page with
        // SMAP: faults whatever AC (P, not U/S: a supervisor-mode access).
        CHECK_EQ(r.mmu->write_cr(4, MMU_CR4_SMAP), 0);
        CHECK(d.xlat(kLa, MMU_ACC_READ, 3, ext, delay, MMU_REQ_IMPLICIT) ==
              tlm::TLM_ADDRESS_ERROR_RESPONSE);
        CHECK_EQ(ext.res.fault.error_code, MMU_PF_P);
#if MMU_TEST_RTL
        if (rtl_of(*r.mmu))
            CHECK_EQ(rtl_of(*r.mmu)->stats().walks, 3); // accesses 1, 2 and 5
#endif
    });
}

// ---- delay annotation ----------------------------------------------------------

void delay_annotation(mmu_sc_walker w)
{
    rig r(w, rtl_compatible_config());
    worked_example_tables(*r.mem);
    mmu_ctrl_t c{};
    c.cr3 = 0x1000;
    CHECK_EQ(r.mmu->set_ctrl(c), 0);
    r.run([&](driver &d) {
        mmu_sc_req_ext ext;
        // Decoupled by 10.4 cycles: the request is issued at cycle 10.
        wait(sc_time(3, sc_core::SC_NS));
        const sc_time in = sc_time(10400, sc_core::SC_PS);
        sc_time delay = in;
        const sc_time t0 = sc_core::sc_time_stamp();
        CHECK(d.xlat(kLa, MMU_ACC_READ, 3, ext, delay) == tlm::TLM_OK_RESPONSE);
        CHECK_EQ(ext.now, 13);
        const sc_time t1 = sc_core::sc_time_stamp();
        // Completion = issue time + (done_at - now) cycles, whatever part of
        // it the call spent as simulated time.
        CHECK((t1 + delay) - (t0 + in) == cycles(ext.res.done_at - ext.now));
        CHECK_EQ(ext.res.done_at - ext.now, 889);
        if (w == kRtl) {
            // The RTL walk ran in simulated time and ended at done_at.
            CHECK(t1 == cycles(ext.res.done_at));
            CHECK(delay == sc_time(400, sc_core::SC_PS));
        } else {
            CHECK(t1 == t0);
        }
        // A TLB hit after syncing: one cycle.
        wait(delay);
        delay = sc_core::SC_ZERO_TIME;
        const sc_time t2 = sc_core::sc_time_stamp();
        CHECK(d.xlat(kLa, MMU_ACC_READ, 3, ext, delay) == tlm::TLM_OK_RESPONSE);
        CHECK(sc_core::sc_time_stamp() == t2);
        CHECK(delay == kPeriod);
        CHECK_EQ(r.mmu->late_requests(), 0);
    });
}

// ---- control registers and invalidation -------------------------------------------

void control_and_invalidation()
{
    rig r(mmu_sc_walker::c, rtl_compatible_config());
    mmu_mem_ops_t ops = r.mem->backdoor_ops();
    mmu_ptb_t *pt = nullptr;
    CHECK_EQ(mmu_ptb_create(&ops, 4, 0x100000, 64 * 4096, &pt), 0);
    const uint64_t va = 0x400000, va2 = 0x800000;
    CHECK_EQ(mmu_ptb_map(pt, va, 0x7000000, 0x1000, MMU_PAGE_4K, MMU_PTE_RW | MMU_PTE_US |
                                                              MMU_PTE_PKEY(3)), 0);
    CHECK_EQ(mmu_ptb_map(pt, va2, 0x8000000, 0x1000, MMU_PAGE_4K, MMU_PTE_RW | MMU_PTE_US | MMU_PTE_G), 0);
    mmu_ctrl_t c{};
    c.cr3 = mmu_ptb_root(pt) | 5;
    c.cr4 = MMU_CR4_PCIDE | MMU_CR4_PGE | MMU_CR4_PKE;
    mmu_err_t err{};
    CHECK_EQ(r.mmu->set_ctrl(c, &err), 0);
    CHECK_EQ(r.mmu->ctrl().cr3, c.cr3);
    r.run([&](driver &d) {
        mmu_sc_req_ext ext;
        sc_time delay = sc_core::SC_ZERO_TIME;
        auto served = [&](uint64_t la) {
            d.xlat(la, MMU_ACC_READ, 3, ext, delay);
            return ext.res.served;
        };
        CHECK_EQ(served(va), MMU_SERVED_WALK);
        CHECK_EQ(served(va2), MMU_SERVED_WALK);
        CHECK_EQ(served(va), MMU_SERVED_L1);
        // INVLPG drops the page.
        r.mmu->invlpg(va);
        CHECK_EQ(served(va), MMU_SERVED_WALK);
        // MOV to CR3 with a new PCID and no-flush: PCID 5's entries stay for later.
        CHECK_EQ(r.mmu->write_cr(3, mmu_ptb_root(pt) | 6 | MMU_CR3_NOFLUSH), 0);
        CHECK_EQ(served(va), MMU_SERVED_WALK);  // nothing cached for PCID 6
        CHECK_EQ(served(va2), MMU_SERVED_L1);   // global
        CHECK_EQ(r.mmu->write_cr(3, mmu_ptb_root(pt) | 5 | MMU_CR3_NOFLUSH), 0);
        CHECK_EQ(served(va), MMU_SERVED_L1);    // PCID 5's entry survived
        // INVPCID type 1 for PCID 5: non-global entries of 5 go.
        CHECK_EQ(r.mmu->invpcid(1, 5, 0), 0);
        CHECK_EQ(served(va), MMU_SERVED_WALK);
        CHECK_EQ(served(va2), MMU_SERVED_L1);
        CHECK(r.mmu->invpcid(4, 0, 0, &err) == MMU_EINVAL);
        CHECK(strstr(err.msg, "type 4") != nullptr);
        // flush_all: even the global entry goes.
        r.mmu->flush_all();
        CHECK_EQ(served(va2), MMU_SERVED_WALK);
        // PKRU.AD3: the key-3 page faults with PK (rights come from the TLB).
        CHECK_EQ(r.mmu->write_reg(MMU_REG_PKRU, 1u << 6), 0);
        d.xlat(va, MMU_ACC_READ, 3, ext, delay);
        CHECK_EQ(ext.res.fault.kind, MMU_FAULT_PF);
        CHECK(ext.res.fault.error_code & MMU_PF_PK);
        CHECK(r.mmu->write_reg(MMU_REG_PKRU, 1ull << 40, &err) == MMU_EINVAL);
        // CR0.WP: a supervisor write to a read-only page.
        CHECK_EQ(r.mmu->write_cr(0, MMU_CR0_WP), 0);
        CHECK(r.mmu->write_cr(4, c.cr4 | MMU_CR4_LA57, &err) == MMU_EINVAL);
        const mmu_stats_t st = r.mmu->stats();
        CHECK_EQ(st.inv_invlpg, 1);
        CHECK_EQ(st.inv_cr3_noflush, 2);
        CHECK_EQ(st.inv_invpcid1, 1);
        CHECK(st.inv_flush_all >= 2); // set_ctrl and flush_all
        CHECK(st.walks >= 5);
        r.mmu->reset_stats();
        CHECK_EQ(r.mmu->stats().walks, 0);
    });
    mmu_ptb_destroy(pt);
}

// ---- page-table memory through the initiator socket ---------------------------

// A memory target in front of an sc_memory that changes the entry under every
// locked update, as another CPU would: the compare-exchange always fails.
struct meddling_memory : sc_core::sc_module {
    tlm_utils::simple_target_socket<meddling_memory> socket{"socket"};
    tlm_utils::simple_initiator_socket<meddling_memory> out{"out"};
    sc_memory *mem;
    unsigned cmpxchgs = 0, reads = 0;
    meddling_memory(sc_core::sc_module_name n, sc_memory *m) : sc_core::sc_module(n), mem(m)
    {
        socket.register_b_transport(this, &meddling_memory::b_transport);
    }
    void b_transport(tlm::tlm_generic_payload &gp, sc_time &d)
    {
        mmu_sc_mem_ext *ext = nullptr;
        gp.get_extension(ext);
        if (ext && ext->cmpxchg) {
            cmpxchgs++;
            uint64_t v = 0;
            mem->read64(gp.get_address(), &v);
            mem->write64(gp.get_address(), v ^ (1ull << 10)); // an ignored bit
        } else {
            reads++;
        }
        out->b_transport(gp, d);
    }
};

void memory_through_socket()
{
    // 1. Counted traffic: every read and locked update reaches the target.
    {
        mmu_sc_opts o;
        mmu_err_t err{};
        mmu_config_t cfg = rtl_compatible_config();
        auto mmu = mmu_sc::create("mmu", cfg, o, &err);
        sc_memory mem("mem", 52);
        meddling_memory med("med", &mem);
        driver d("drv");
        d.sock.bind(mmu->socket);
        mmu->mem_socket.bind(med.socket);
        med.out.bind(mem.socket);
        worked_example_tables(mem);
        mmu_ctrl_t c{};
        c.cr3 = 0x1000;
        CHECK_EQ(mmu->set_ctrl(c), 0);
        // A second MMU whose memory is too small for its tables: ERANGE.
        mmu_sc_opts o2;
        auto small = mmu_sc::create("small", cfg, o2, &err);
        sc_memory mem36("mem36", 36);
        driver d2("drv2");
        d2.sock.bind(small->socket);
        small->mem_socket.bind(mem36.socket);
        mem36.write64(0x1000, (1ull << 40) | 7); // PML4E -> a PDPT at 1 TiB
        CHECK_EQ(small->set_ctrl(c), 0);
        d2.body = [&](driver &dd) {
            mmu_sc_req_ext ext;
            sc_time delay = sc_core::SC_ZERO_TIME;
            CHECK(dd.xlat(0, MMU_ACC_READ, 0, ext, delay) == tlm::TLM_GENERIC_ERROR_RESPONSE);
            CHECK_EQ(ext.rc, MMU_ERANGE);
        };
        d.body = [&](driver &dd) {
            mmu_sc_req_ext ext;
            sc_time delay = sc_core::SC_ZERO_TIME;
            // Every A update fails and the walk restarts until the limit.
            CHECK(dd.xlat(kLa, MMU_ACC_READ, 3, ext, delay) == tlm::TLM_GENERIC_ERROR_RESPONSE);
            CHECK_EQ(ext.rc, MMU_ERETRY);
            CHECK_EQ(med.cmpxchgs, cfg.ad_retry_limit);
            CHECK_EQ(med.reads, 4 * cfg.ad_retry_limit);
            CHECK_EQ(mem.cmpxchgs(), cfg.ad_retry_limit);
            CHECK_EQ(mem.log().size(), 0); // no compare-exchange succeeded
            wait(sc_time(10, sc_core::SC_NS)); // let the other driver finish first
        };
        sc_core::sc_start();
    }
}

// ---- configurations refused -------------------------------------------------------

void bad_config_refused()
{
    mmu_err_t err{};
    mmu_sc_opts o;
    mmu_config_t c;
    mmu_config_init(&c);
    c.l1d.arr[0].ways = 0;
    CHECK(!mmu_sc::create("a", c, o, &err));
    CHECK(strstr(err.msg, "ways=0") != nullptr);

    mmu_config_init(&c);
    c.walk_cb = [](void *, const mmu_walk_job *, mmu_walk_out *) { return 0; };
    CHECK(!mmu_sc::create("b", c, o, &err));
    CHECK(strstr(err.msg, "walk_cb") != nullptr);

    mmu_config_init(&c);
    o.period = sc_core::SC_ZERO_TIME;
    CHECK(!mmu_sc::create("c", c, o, &err));
    o.period = kPeriod;

    // An external walker needs its slot.
    mmu_config_init(&c);
    o.walker = kRtl;
    CHECK(!mmu_sc::create("x", c, o, &err));
    CHECK(strstr(err.msg, "external: walker external needs a slot") != nullptr);
    CHECK(!mmu_sc::create(nullptr, c, opts_for(mmu_sc_walker::c), &err));
    CHECK(strstr(err.msg, "name: NULL") != nullptr);

#if MMU_TEST_RTL
    o = opts_for(kRtl);
    mmu_config_init(&c); // MAXPHYADDR 46; the RTL is built with 52
    CHECK(!mmu_sc::create("d", c, o, &err));
    CHECK(strstr(err.msg, "maxphyaddr=46: the RTL walker was built with 52") != nullptr);
    fprintf(stderr, "refused as expected: %s\n", err.msg);
    c = rtl_compatible_config();
    c.walk_level_latency = 2;
    CHECK(!mmu_sc::create("e", c, o, &err));
    CHECK(strstr(err.msg, "walk_level_latency=2") != nullptr);
    c = rtl_compatible_config();
    c.ad_on_fault = MMU_AD_ON_FAULT_USED;
    CHECK(mmu_sc::check_config(c, opts_for(kRtl), &err) == MMU_EINVAL);
    CHECK(strstr(err.msg, "ad_on_fault=1") != nullptr);
    c = rtl_compatible_config();
    c.memlat[0].latency = 1;
    CHECK(!mmu_sc::create("f", c, o, &err));
    CHECK(strstr(err.msg, "memlat.l1.latency=1") != nullptr);
    // The C walker takes all of those.
    CHECK_EQ(mmu_sc::check_config(c, opts_for(mmu_sc_walker::c), &err), 0);
    c = rtl_compatible_config();
    auto ok = mmu_sc::create("g", c, o, &err);
    CHECK(ok != nullptr);
#endif
}

// ---- the RTL bridge --------------------------------------------------------------
#if MMU_TEST_RTL

// Called from sc_main (no simulation running) and from an SC_METHOD, a walk
// through the RTL fails cleanly instead of waiting.
struct method_caller : sc_core::sc_module {
    mmu_sc *mmu;
    int rc = 1;
    SC_HAS_PROCESS(method_caller);
    method_caller(sc_core::sc_module_name n, mmu_sc *m) : sc_core::sc_module(n), mmu(m)
    {
        SC_METHOD(call);
    }
    void call()
    {
        mmu_req_t q = MMU_REQ_INIT;
        q.la = kLa;
        q.cpl = 3;
        q.now = 100;
        mmu_result_t res;
        rc = mmu->translate(q, res);
    }
};

void rtl_outside_thread_fails()
{
    mmu_sc_opts o = opts_for(kRtl);
    mmu_err_t err{};
    auto mmu = mmu_sc::create("mmu", rtl_compatible_config(), o, &err);
    sc_memory mem("mem", 52);
    driver d("drv"); /* stops the simulation at once */
    d.sock.bind(mmu->socket);
    mmu->mem_socket.bind(mem.socket);
    worked_example_tables(mem);
    mmu_ctrl_t c{};
    c.cr3 = 0x1000;
    CHECK_EQ(mmu->set_ctrl(c), 0);
    mmu_req_t q = MMU_REQ_INIT;
    q.la = kLa;
    q.cpl = 3;
    q.now = 100;
    mmu_result_t res;
    CHECK_EQ(mmu->translate(q, res), MMU_EINVAL);
    CHECK(rtl_of(*mmu)->error().find("SC_THREAD") != std::string::npos);
    method_caller m("m", mmu.get());
    sc_core::sc_start(sc_time(5, sc_core::SC_NS));
    CHECK_EQ(m.rc, MMU_EINVAL);
}

unsigned fixed7(void *, uint64_t, int, uint64_t)
{
    return 7;
}

// The RTL walker over fixed 7-cycle memory, the worked example's tables
// loaded and CR3 pointing at them.
mmu_config_t rtl_fixed7_config()
{
    mmu_config_t cfg = rtl_compatible_config();
    cfg.memlat_cb = &fixed7;
    return cfg;
}

void load_worked_example(rig &r)
{
    worked_example_tables(*r.mem);
    mmu_ctrl_t c{};
    c.cr3 = 0x1000;
    CHECK_EQ(r.mmu->set_ctrl(c), 0);
}

// One walk against a fixed memory latency, cycle by cycle: 4 reads of
// (1 step + 7) cycles and 3 A updates of 7 cycles = 53; the call returns at
// the simulated time of the walk's last edge, and the walker's own cycle count
// agrees (the bridge checks that on every walk).
void rtl_cycles_exact()
{
    mmu_config_t cfg = rtl_fixed7_config();
    rig r(kRtl, cfg);
    load_worked_example(r);
    r.run([&](driver &d) {
        mmu_sc_req_ext ext;
        wait(sc_time(100, sc_core::SC_NS)); // cycle 100
        sc_time delay = sc_core::SC_ZERO_TIME;
        CHECK(d.xlat(kLa, MMU_ACC_READ, 3, ext, delay) == tlm::TLM_OK_RESPONSE);
        CHECK_EQ(ext.now, 100);
        CHECK_EQ(ext.res.lat_walk, 4 * (1 + 7) + 3 * 7);
        // L1 1 + L2 8 + PSC 1, then the walk.
        CHECK_EQ(ext.res.done_at, 100 + 10 + 53);
        CHECK(sc_core::sc_time_stamp() == cycles(ext.res.done_at));
        CHECK(delay == sc_core::SC_ZERO_TIME);
        const rtl_walker::counters &k = rtl_of(*r.mmu)->stats();
        CHECK_EQ(k.walks, 1);
        CHECK_EQ(k.edges, 53);
        CHECK_EQ(k.late, 0);
        CHECK_EQ(k.reads, 4);
        CHECK_EQ(k.cmpxchgs, 3);
        // A second walk issued right at the completion edge of the first
        // (gap 0): it must start on time too.
        CHECK(d.xlat(0x00007f5c2a002000ull, MMU_ACC_WRITE, 3, ext, delay) == tlm::TLM_OK_RESPONSE);
        CHECK_EQ(ext.now, 163);
        CHECK_EQ(ext.res.psc_level, 2);
        CHECK_EQ(ext.res.lat_walk, (1 + 7) + 7); // the PTE read, then A|D in one update
        CHECK_EQ(rtl_of(*r.mmu)->stats().late, 0);
        CHECK(rtl_of(*r.mmu)->error().empty());
    });
}

// With one-cycle lookups (L1 only, no L2, no PSC) a walk starts at now + 1.
// Issued from a thread that woke exactly at edge `now` (its rise still
// pending), the job must be presented after that edge, not in its delta: the
// walker takes it at now + 1 (the bridge fails a walk that starts early). A
// walk whose job comes the cycle after the previous result starts on time
// too: the walker takes a job at the edge that hands over its result, so it
// is free the cycle after, as the C model's busy_until says.
void rtl_job_at_edge()
{
    mmu_config_t cfg = rtl_fixed7_config();
    cfg.l2 = mmu_tlb_cfg_t{};
    for (unsigned l = 2; l <= 5; l++)
        cfg.psc[l].arr.entries = 0;
    rig r(kRtl, cfg);
    load_worked_example(r);
    r.run([&](driver &d) {
        mmu_sc_req_ext ext;
        wait(sc_time(100, sc_core::SC_NS)); // delta 0 of edge 100
        sc_time delay = sc_core::SC_ZERO_TIME;
        CHECK(d.xlat(kLa, MMU_ACC_READ, 3, ext, delay) == tlm::TLM_OK_RESPONSE);
        CHECK_EQ(ext.rc, 0);
        CHECK_EQ(ext.res.lat_walk, 53);
        CHECK_EQ(ext.res.done_at, 100 + 1 + 53);
        CHECK(sc_core::sc_time_stamp() == cycles(ext.res.done_at));
        CHECK_EQ(rtl_of(*r.mmu)->stats().late, 0);
        CHECK(rtl_of(*r.mmu)->error().empty());
        // Back to back: now = 154, job at 155 (the walker is in DONE until
        // then), taken at 155.
        CHECK(d.xlat(0x00007f5c2a002000ull, MMU_ACC_READ, 3, ext, delay) == tlm::TLM_OK_RESPONSE);
        CHECK_EQ(ext.now, 154);
        CHECK_EQ(ext.res.lat_walk, 4 * (1 + 7) + 7); // cold again (no PSC): 4 reads, A in the PTE
        CHECK_EQ(ext.res.done_at, 154 + 1 + 39);
        CHECK(sc_core::sc_time_stamp() == cycles(ext.res.done_at));
        CHECK(delay == sc_core::SC_ZERO_TIME);
        CHECK_EQ(rtl_of(*r.mmu)->stats().late, 0);
        CHECK_EQ(rtl_of(*r.mmu)->stats().late_edges, 0);
        CHECK_EQ(r.mmu->late_requests(), 0);
        CHECK(rtl_of(*r.mmu)->error().empty());
    });
}

// The clock is gated: between walks it stops, so a walk a million cycles
// after the previous one costs no edges in between, and still starts and
// ends on its cycle (the walker held its state without a clock).
void rtl_clock_gated()
{
    mmu_config_t cfg = rtl_fixed7_config();
    rig r(kRtl, cfg);
    load_worked_example(r);
    r.run([&](driver &d) {
        mmu_sc_req_ext ext;
        sc_time delay = sc_core::SC_ZERO_TIME;
        wait(sc_time(100, sc_core::SC_NS));
        CHECK(d.xlat(kLa, MMU_ACC_READ, 3, ext, delay) == tlm::TLM_OK_RESPONSE);
        CHECK_EQ(ext.res.done_at, 100 + 10 + 53);
        const uint64_t after_first = rtl_of(*r.mmu)->stats().clock_edges;
        // The reset's two edges, the walk's 53 and a few around it.
        CHECK(after_first <= 2 + 53 + 3);
        wait(sc_time(1000000, sc_core::SC_NS)); // to cycle 1,000,163
        CHECK(d.xlat(0x00007f5c2a002000ull, MMU_ACC_WRITE, 3, ext, delay) == tlm::TLM_OK_RESPONSE);
        CHECK_EQ(ext.now, 1000163);
        CHECK_EQ(ext.res.psc_level, 2);
        CHECK_EQ(ext.res.lat_walk, (1 + 7) + 7);
        CHECK_EQ(ext.res.done_at, 1000163 + 10 + 15);
        CHECK(sc_core::sc_time_stamp() == cycles(ext.res.done_at));
        const rtl_walker::counters &k = rtl_of(*r.mmu)->stats();
        CHECK_EQ(k.walks, 2);
        CHECK_EQ(k.edges, 53 + 15);
        CHECK_EQ(k.late, 0);
        CHECK(k.clock_edges - after_first <= 15 + 3);
        CHECK(rtl_of(*r.mmu)->error().empty());
    });
}
#endif // MMU_TEST_RTL

struct test_case {
    const char *name;
    void (*fn)();
};

const test_case kTests[] = {
    {"tlm_translate_c", [] { tlm_translate(mmu_sc_walker::c); }},
    {"tlm_translate_c_callback", [] { tlm_translate(mmu_sc_walker::c_callback); }},
    {"delay_annotation_c", [] { delay_annotation(mmu_sc_walker::c); }},
    {"control_and_invalidation", control_and_invalidation},
    {"memory_through_socket", memory_through_socket},
    {"bad_config_refused", bad_config_refused},
#if MMU_TEST_RTL
    {"tlm_translate_rtl", [] { tlm_translate(kRtl); }},
    {"delay_annotation_rtl", [] { delay_annotation(kRtl); }},
    {"rtl_outside_thread_fails", rtl_outside_thread_fails},
    {"rtl_cycles_exact", rtl_cycles_exact},
    {"rtl_job_at_edge", rtl_job_at_edge},
    {"rtl_clock_gated", rtl_clock_gated},
#endif
};

} // namespace

int sc_main(int argc, char **argv)
{
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    if (argc != 2) {
        fprintf(stderr, "usage: test_mmu_sc NAME; tests:");
        for (const test_case &t : kTests)
            fprintf(stderr, " %s", t.name);
        fprintf(stderr, "\n");
        return 2;
    }
    for (const test_case &t : kTests) {
        if (strcmp(t.name, argv[1]))
            continue;
        t.fn();
        fprintf(stderr, "%s: %s (%d failed checks)\n", t.name, g_failures ? "FAILED" : "passed", g_failures);
        return g_failures ? 1 : 0;
    }
    fprintf(stderr, "test_mmu_sc: no test '%s'\n", argv[1]);
    return 2;
}

int main(int argc, char **argv)
{
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
    return sc_core::sc_elab_and_sim(argc, argv);
}
