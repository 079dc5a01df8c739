/* SPDX-License-Identifier: Apache-2.0 */
/* The RTL walker bridge (see rtl_walker.h): drives the Verilated `walker`
 * module's ports from the thread that called mmu_translate (the SystemC
 * engine), or hands the walk to rtl_walker_cc (the direct engine). */
#include "rtl_walker.h"

#include <algorithm>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>

#include "mmu_rtl_variants.h" /* mmu_rtl_vsc's: the --sc models and their parameters */
#include "rtl_walker_cc.h"

using sc_core::sc_signal;
using sc_core::sc_time;

namespace {
/* Edges without any sign of life from the walker (no memory request, no
 * result) while it owes one, after which the walk is declared stalled. */
constexpr int64_t kStallEdges = 4096;
}

struct rtl_walker::impl {
    /* The walker's clock, gated (see clock_step). */
    sc_signal<bool> clk{"clk"};
    sc_signal<bool> rst_n{"rst_n", true};
    /* request */
    sc_signal<bool> req_valid{"req_valid"}, req_ready{"req_ready"};
    sc_signal<uint64_t> req_la{"req_la"}, req_start_table{"req_start_table"};
    sc_signal<uint32_t> req_type{"req_type"}, req_cpl{"req_cpl"}, req_start_level{"req_start_level"},
        req_start_perms{"req_start_perms"}, req_pcid{"req_pcid"}, req_pkru{"req_pkru"},
        req_pkrs{"req_pkrs"};
    sc_signal<bool> req_implicit{"req_implicit"}, req_levels5{"req_levels5"}, req_wp{"req_wp"},
        req_smep{"req_smep"}, req_smap{"req_smap"}, req_ac{"req_ac"}, req_nxe{"req_nxe"},
        req_pke{"req_pke"}, req_pks{"req_pks"};
    /* paging-structure-cache invalidation (the RTL's own PSCs; this build has none) */
    sc_signal<bool> inv_valid{"inv_valid"};
    sc_signal<uint32_t> inv_kind{"inv_kind"}, inv_pcid{"inv_pcid"};
    sc_signal<uint64_t> inv_la{"inv_la"};
    /* memory port */
    sc_signal<bool> mem_req_valid{"mem_req_valid"}, mem_req_ready{"mem_req_ready", true},
        mem_req_locked{"mem_req_locked"};
    sc_signal<uint64_t> mem_req_addr{"mem_req_addr"}, mem_req_cmp{"mem_req_cmp"},
        mem_req_wdata{"mem_req_wdata"};
    sc_signal<bool> mem_rsp_valid{"mem_rsp_valid"}, mem_rsp_ready{"mem_rsp_ready"},
        mem_rsp_err{"mem_rsp_err"};
    sc_signal<uint64_t> mem_rsp_data{"mem_rsp_data"};
    sc_signal<uint32_t> mem_rsp_skip{"mem_rsp_skip"};
    /* result */
    sc_signal<bool> res_valid{"res_valid"}, res_ready{"res_ready", true}, res_global{"res_global"};
    sc_signal<uint32_t> res_kind{"res_kind"}, res_vector{"res_vector"},
        res_error_code{"res_error_code"}, res_page_size{"res_page_size"}, res_perms{"res_perms"},
        res_pkey{"res_pkey"}, res_reads{"res_reads"}, res_updates{"res_updates"}, res_n{"res_n"},
        res_eperms{"res_eperms"}, res_cycles{"res_cycles"}, res_psc_level{"res_psc_level"};
    sc_signal<uint64_t> res_cr2{"res_cr2"}, res_pa{"res_pa"};
    sc_signal<uint64_t> res_entry[5] = {sc_signal<uint64_t>{"res_entry0"}, sc_signal<uint64_t>{"res_entry1"},
                                        sc_signal<uint64_t>{"res_entry2"}, sc_signal<uint64_t>{"res_entry3"},
                                        sc_signal<uint64_t>{"res_entry4"}};
    std::unique_ptr<sc_core::sc_module> dut;

    const uint64_t period; /* in time-resolution units */
    mmu_t *mmu = nullptr;
    mmu_mem_ops_t mem = MMU_MEM_OPS_INIT;
    counters cnt{};
    std::string err;
    bool broken = false; /* a walk ended in a protocol error: reset before the next */
    bool skip_idle = true;
    engine eng = engine::systemc;
    const mmu_config_t cfg;
    std::unique_ptr<rtl_walker_cc> direct; /* the direct engine, made on first use */

    /* dut_factory: builds the Verilated model for this impl's parameters
     * and binds its ports to the signals above. */
    using dut_factory = std::unique_ptr<sc_core::sc_module> (*)(impl &);

    template <class V> static std::unique_ptr<sc_core::sc_module> make_dut(impl &s);

    /* The Verilated variants this build has, first the default. */
    struct variant {
        params p;
        dut_factory make;
    };
    static const variant kVariants[];
    static const size_t kNumVariants;
    static bool same(const params &p, const mmu_config_t &c)
    {
        return c.maxphyaddr == p.maxphyaddr && c.page_1g == p.page_1g && c.ad_on_fault == p.ad_on_fault &&
               c.ad_retry_limit == p.retry_limit && c.walk_level_latency == p.level_latency;
    }
    static const variant *find(const mmu_config_t &c)
    {
        for (size_t i = 0; i < kNumVariants; i++)
            if (same(kVariants[i].p, c))
                return &kVariants[i];
        return nullptr;
    }
    params built_for;

    impl(sc_time p, const variant &v, const mmu_config_t &c) : period(p.value()), cfg(c), built_for(v.p)
    {
        dut = v.make(*this);
    }

    /* Clock gating. Rising edge k is always at time k * period, but edges are
     * made only up to gate_until: while no walk is in progress the clock
     * stops, so simulated time between walks costs nothing (a free-running
     * clock made a trace with rare walks spend 0.45 us of host time per MMU
     * cycle). The walker holds its state without edges, and it has no
     * time-dependent state of its own, so the edges it sees (and counts in
     * res_cycles) are the same as with a free-running clock. The first two
     * edges carry the reset; after a walk one more edge takes the walker from
     * DONE back to IDLE. */
    int64_t gate_until = 2;   /* the last rising edge that may be made */
    int64_t skip_to = 0;      /* no rising edge before this one (skipped waits) */
    int64_t last_edge = -1;   /* the last rising edge made */
    int64_t pending_edge = -1; /* the rising edge clock_step is waiting for */
    bool clk_high = false;
    sc_core::sc_event gate_ev; /* gate_until was raised */

    /* An SC_METHOD (see reset_step for why not a thread). */
    void clock_step()
    {
        const uint64_t t = sc_core::sc_time_stamp().value();
        if (clk_high) {
            clk.write(false);
            clk_high = false;
        } else if (pending_edge >= 0 && t == static_cast<uint64_t>(pending_edge) * period) {
            clk.write(true);
            clk_high = true;
            last_edge = pending_edge;
            pending_edge = -1;
            cnt.clock_edges++;
            sc_core::next_trigger(sc_time::from_value(period / 2));
            return;
        }
        /* The next edge lies strictly after now, so inputs written at the
         * moment the gate opens are sampled by it, never raced by it. */
        const int64_t k =
            std::max({last_edge + 1, static_cast<int64_t>(t / period) + 1, skip_to});
        if (k > gate_until) {
            pending_edge = -1;
            sc_core::next_trigger(gate_ev);
            return;
        }
        pending_edge = k;
        sc_core::next_trigger(sc_time::from_value(static_cast<uint64_t>(k) * period - t));
    }

    void open_gate()
    {
        gate_until = INT64_MAX;
        gate_ev.notify();
    }

    int64_t edge_now() const
    {
        return static_cast<int64_t>(sc_core::sc_time_stamp().value() / period);
    }

    int fail(const char *fmt, ...) __attribute__((format(printf, 2, 3)))
    {
        broken = true;
        char buf[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        err = buf;
        return MMU_EINVAL;
    }

    /* Hold reset over the first two rising edges; the walker is usable from
     * edge 2 on. A method, not a thread: a thread that ends confuses
     * AddressSanitizer's tracking of SystemC's coroutine stacks. */
    bool reset_asserted = false;
    void reset_step()
    {
        if (!reset_asserted) {
            rst_n.write(false);
            reset_asserted = true;
            sc_core::next_trigger(sc_time::from_value(period + period / 2));
        } else {
            rst_n.write(true); /* and never runs again: no sensitivity */
        }
    }

    void wait(const sc_core::sc_event &e) { sc_core::wait(e); }
    void wait(const sc_time &t) { sc_core::wait(t); }

    int walk(const mmu_walk_job_t &j, mmu_walk_out_t &o);
};

template <class V> std::unique_ptr<sc_core::sc_module> rtl_walker::impl::make_dut(impl &s)
{
    std::unique_ptr<V> d(new V("dut"));
    d->clk(s.clk);
    d->rst_n(s.rst_n);
    d->req_valid(s.req_valid);
    d->req_ready(s.req_ready);
    d->req_la(s.req_la);
    d->req_type(s.req_type);
    d->req_cpl(s.req_cpl);
    d->req_implicit(s.req_implicit);
    d->req_levels5(s.req_levels5);
    d->req_start_level(s.req_start_level);
    d->req_start_table(s.req_start_table);
    d->req_start_perms(s.req_start_perms);
    d->req_pcid(s.req_pcid);
    d->req_wp(s.req_wp);
    d->req_smep(s.req_smep);
    d->req_smap(s.req_smap);
    d->req_ac(s.req_ac);
    d->req_nxe(s.req_nxe);
    d->req_pke(s.req_pke);
    d->req_pks(s.req_pks);
    d->req_pkru(s.req_pkru);
    d->req_pkrs(s.req_pkrs);
    d->inv_valid(s.inv_valid);
    d->inv_kind(s.inv_kind);
    d->inv_pcid(s.inv_pcid);
    d->inv_la(s.inv_la);
    d->mem_req_valid(s.mem_req_valid);
    d->mem_req_ready(s.mem_req_ready);
    d->mem_req_addr(s.mem_req_addr);
    d->mem_req_locked(s.mem_req_locked);
    d->mem_req_cmp(s.mem_req_cmp);
    d->mem_req_wdata(s.mem_req_wdata);
    d->mem_rsp_valid(s.mem_rsp_valid);
    d->mem_rsp_ready(s.mem_rsp_ready);
    d->mem_rsp_data(s.mem_rsp_data);
    d->mem_rsp_err(s.mem_rsp_err);
    d->mem_rsp_skip(s.mem_rsp_skip);
    d->res_valid(s.res_valid);
    d->res_ready(s.res_ready);
    d->res_kind(s.res_kind);
    d->res_vector(s.res_vector);
    d->res_error_code(s.res_error_code);
    d->res_cr2(s.res_cr2);
    d->res_pa(s.res_pa);
    d->res_page_size(s.res_page_size);
    d->res_perms(s.res_perms);
    d->res_pkey(s.res_pkey);
    d->res_global(s.res_global);
    d->res_reads(s.res_reads);
    d->res_updates(s.res_updates);
    d->res_n(s.res_n);
    d->res_entry0(s.res_entry[0]);
    d->res_entry1(s.res_entry[1]);
    d->res_entry2(s.res_entry[2]);
    d->res_entry3(s.res_entry[3]);
    d->res_entry4(s.res_entry[4]);
    d->res_eperms(s.res_eperms);
    d->res_cycles(s.res_cycles);
    d->res_psc_level(s.res_psc_level);
    return d;
}

int rtl_walker::impl::walk(const mmu_walk_job_t &j, mmu_walk_out_t &o)
{
    if (!mmu)
        return fail("rtl_walker: no MMU attached");
    const sc_core::sc_process_handle self = sc_core::sc_get_current_process_handle();
    if (!sc_core::sc_is_running() || !self.valid() ||
        (self.proc_kind() != sc_core::SC_THREAD_PROC_ && self.proc_kind() != sc_core::SC_CTHREAD_PROC_))
        return fail("rtl_walker: a walk must be called from an SC_THREAD while the simulation runs");

    /* Whatever way the walk ends, the clock stops after one more edge. */
    struct gate_closer {
        impl &s;
        ~gate_closer() { s.gate_until = s.edge_now() + 1; }
    } closer{*this};
    if (broken) {
        /* The last walk left the walker in an unknown state: reset it (the
         * reset is asynchronous; one edge of it is plenty) and start clean. */
        req_valid.write(false);
        mem_rsp_valid.write(false);
        mem_rsp_skip.write(0);
        rst_n.write(false);
        open_gate();
        wait(clk.posedge_event());
        rst_n.write(true);
        broken = false;
    }
    /* Present the job half a cycle before edge t0, which then samples it. */
    const uint64_t present = j.t0 >= 1 ? (j.t0 - 1) * period + period / 2 : 0;
    const uint64_t t_now = sc_core::sc_time_stamp().value();
    if (t_now < present)
        wait(sc_time::from_value(present - t_now));
    req_la.write(j.la);
    req_type.write(j.type);
    req_cpl.write(j.cpl);
    req_implicit.write((j.flags & MMU_REQ_IMPLICIT) != 0);
    req_levels5.write(j.levels == 5);
    req_start_level.write(j.start_level);
    req_start_table.write(j.start_table);
    req_start_perms.write(j.start_perms);
    req_pcid.write(j.pcid);
    req_wp.write(j.wp != 0);
    req_smep.write(j.smep != 0);
    req_smap.write(j.smap != 0);
    req_ac.write(j.ac != 0);
    req_nxe.write(j.nxe != 0);
    req_pke.write(j.pke != 0);
    req_pks.write(j.pks != 0);
    req_pkru.write(j.pkru);
    req_pkrs.write(j.pkrs);
    req_valid.write(true);
    open_gate();

    int64_t t0e = -1;        /* edge of the request handshake */
    int64_t quiet_since = -1; /* last edge the walker did something */
    bool outstanding = false; /* accepted memory request not yet answered */
    bool raised = false;      /* mem_rsp_valid driven high */
    int64_t raise_at = 0, due = 0;
    uint64_t rsp_data = 0;
    bool rsp_err = false;
    int mem_rc = 0;
    uint32_t reads = 0, updates = 0;
    int64_t done = -1;

    for (;;) {
        wait(clk.posedge_event());
        const int64_t e = edge_now();
        /* Values before this edge: what the walker's flops sample now. */
        const bool s_req_ready = req_ready.read();
        const bool s_mem_req_valid = mem_req_valid.read();
        const bool s_mem_rsp_ready = mem_rsp_ready.read();
        const bool s_res_valid = res_valid.read();
        if (quiet_since < 0)
            quiet_since = e;

        if (t0e < 0) {
            if (!s_req_ready) {
                if (e - quiet_since > kStallEdges)
                    return fail("rtl_walker: req_ready stayed low for %" PRId64 " edges", e - quiet_since);
                continue;
            }
            t0e = e;
            quiet_since = e;
            req_valid.write(false);
            if (t0e < static_cast<int64_t>(j.t0))
                /* Inputs written in the delta of a pending edge: a race. */
                return fail("rtl_walker: the walker took the job at edge %" PRId64
                            ", before its cycle %" PRIu64, t0e, static_cast<uint64_t>(j.t0));
            if (t0e != static_cast<int64_t>(j.t0)) {
                cnt.late++;
                cnt.late_edges += static_cast<uint64_t>(t0e - static_cast<int64_t>(j.t0));
            }
            continue; /* the walker raises nothing at its own t0 edge */
        }
        if (s_res_valid) {
            /* res_valid must rise only at an edge that samples a response,
             * where it is caught below; seeing it here means it rose at e-1. */
            return fail("rtl_walker: res_valid rose at edge %" PRId64
                        " (t0 %" PRId64 "), not at an edge that sampled a memory response",
                        e - 1, t0e);
        }
        bool sampled = false;
        if (raised && s_mem_rsp_ready) {
            if (e != due)
                return fail("rtl_walker: response due at edge %" PRId64 " sampled at %" PRId64, due, e);
            mem_rsp_valid.write(false);
            mem_rsp_skip.write(0);
            raised = outstanding = false;
            sampled = true;
            quiet_since = e;
        } else if (raised && e >= due) {
            return fail("rtl_walker: mem_rsp_ready low at edge %" PRId64 " when the response was due", e);
        }
        if (s_mem_req_valid) {
            if (outstanding)
                return fail("rtl_walker: memory request at edge %" PRId64 " while one is outstanding", e);
            const int64_t p = e - 1; /* raised at p, accepted now (ready held at 1) */
            const uint64_t addr = mem_req_addr.read();
            const bool locked = mem_req_locked.read();
            const mmu_cycle_t now = j.t0 + static_cast<mmu_cycle_t>(p - t0e);
            const unsigned lat = mmu_walk_latency(mmu, addr, locked, now);
            if (lat < 2)
                /* The request is seen at the edge that takes it, p + 1:
                 * too late for an answer at p + 1. */
                return fail("rtl_walker: latency %u at pa 0x%" PRIx64
                            ": the RTL memory port needs >= 2 cycles", lat, addr);
            if (locked) {
                uint64_t old = 0;
                mem_rc = mem.cmpxchg64(mem.ctx, addr, mem_req_cmp.read(), mem_req_wdata.read(), &old);
                rsp_data = old;
                updates++;
                cnt.cmpxchgs++;
            } else {
                uint64_t v = 0;
                mem_rc = mem.read64(mem.ctx, addr, &v);
                rsp_data = v;
                reads++;
                cnt.reads++;
            }
            rsp_err = mem_rc != 0;
            raise_at = p + lat - 1;
            due = p + lat;
            outstanding = true;
            quiet_since = e;
            if (skip_idle && due > e + 1) {
                /* Leave out the edges e+1 .. due-1, in which the walker can
                 * only wait: answer now, with mem_rsp_skip saying how many
                 * cycles the clock's next edge, at `due`, stands for beyond
                 * the one after e (walker.sv, cycle contract). Simulated time
                 * is unchanged; the clock just makes no edges meanwhile. */
                const int64_t skipped = due - e - 1;
                mem_rsp_data.write(rsp_data);
                mem_rsp_err.write(rsp_err);
                mem_rsp_skip.write(static_cast<uint32_t>(skipped));
                mem_rsp_valid.write(true);
                raised = true;
                skip_to = due;
                cnt.skipped += static_cast<uint64_t>(skipped);
            }
        }
        if (outstanding && !raised && e == raise_at) {
            mem_rsp_data.write(rsp_data);
            mem_rsp_err.write(rsp_err);
            mem_rsp_valid.write(true);
            raised = true;
        }
        if (sampled) {
            /* One delta on, the model has evaluated this edge: a result that
             * rose here is visible. */
            sc_core::wait(sc_core::SC_ZERO_TIME);
            if (res_valid.read()) {
                done = e;
                break;
            }
        }
        if (outstanding && !raised && raise_at > e + 1) {
            /* Nothing is due until the response: sleep to the falling edge
             * before raise_at instead of waking at every edge (the clock and
             * the model still run). The walker must stay quiet meanwhile. */
            const uint64_t dest = static_cast<uint64_t>(raise_at) * period - period / 2;
            const uint64_t t = sc_core::sc_time_stamp().value();
            sc_core::wait(sc_time::from_value(dest - t),
                          mem_req_valid.posedge_event() | res_valid.posedge_event());
            if (sc_core::sc_time_stamp().value() != dest)
                return fail("rtl_walker: %s rose at edge %" PRId64 " while the response to the request "
                            "accepted at edge %" PRId64 " was outstanding",
                            mem_req_valid.read() ? "mem_req_valid" : "res_valid", edge_now(), e);
            continue;
        }
        if (!outstanding && e - quiet_since > kStallEdges)
            return fail("rtl_walker: no memory request or result for %" PRId64 " edges after edge %" PRId64,
                        e - quiet_since, quiet_since);
    }

    cnt.walks++;
    cnt.edges += static_cast<uint64_t>(done - t0e);
    *(&o) = mmu_walk_out_t{};
    const unsigned kind = res_kind.read();
    o.reads = res_reads.read();
    o.updates = res_updates.read();
    if (o.reads != reads || o.updates != updates)
        return fail("rtl_walker: result reports %u reads / %u updates, the memory port served %u / %u",
                    o.reads, o.updates, reads, updates);
    o.cycles = static_cast<mmu_cycle_t>(done - t0e);
    /* The walker counts its own cycles: a second clock on the bridge's
     * timing, which catches an edge gained or lost to a delta race. */
    if (res_cycles.read() != o.cycles)
        return fail("rtl_walker: walker counted %u cycles, the bridge %" PRIu64 " edges",
                    res_cycles.read(), static_cast<uint64_t>(o.cycles));
    if (res_psc_level.read() != 0)
        return fail("rtl_walker: walker reports a hit in its own PSC (level %u); this build has none",
                    res_psc_level.read());
    switch (kind) {
    case 0: /* ok */
    case 1: /* #PF */
    case 2: /* #GP */
        break;
    case 3: /* memory error: pass on the code the memory gave */
        return mem_rc ? mem_rc : fail("rtl_walker: memory-error result with no failed access");
    case 4:
        return MMU_ERETRY;
    default:
        return fail("rtl_walker: res_kind %u is not defined", kind);
    }
    o.fault.kind = static_cast<uint8_t>(kind == 0 ? MMU_FAULT_NONE : kind == 1 ? MMU_FAULT_PF : MMU_FAULT_GP);
    o.fault.vector = static_cast<uint8_t>(res_vector.read());
    o.fault.error_code = res_error_code.read();
    o.fault.cr2 = res_cr2.read();
    o.pa = res_pa.read();
    o.page_size = static_cast<uint8_t>(res_page_size.read());
    o.perms = static_cast<uint8_t>(res_perms.read());
    o.pkey = static_cast<uint8_t>(res_pkey.read());
    o.global = res_global.read();
    o.n = static_cast<uint8_t>(res_n.read());
    const uint32_t ep = res_eperms.read();
    for (unsigned i = 0; i < 5; i++) {
        o.entry[i] = res_entry[i].read();
        o.entry_perms[i] = static_cast<uint8_t>((ep >> (3 * i)) & 7);
    }
    return 0;
}

/* ---- rtl_walker ------------------------------------------------------------ */

/* The variants come from rtl/rtl.cmake (MMU_RTL_VARIANTS), the default first. */
#define MMU_RTL_ROW(cls, maxphyaddr, page_1g, ad, retry, step) \
    {{maxphyaddr, page_1g, ad, retry, step}, &rtl_walker::impl::make_dut<cls>},
const rtl_walker::impl::variant rtl_walker::impl::kVariants[] = {MMU_RTL_VARIANTS(MMU_RTL_ROW)};
#undef MMU_RTL_ROW
const size_t rtl_walker::impl::kNumVariants = sizeof kVariants / sizeof kVariants[0];

rtl_walker::params rtl_walker::built()
{
    return impl::kVariants[0].p;
}

int rtl_walker::check_config(const mmu_config_t &c, mmu_err_t *err)
{
    /* Both engines are built from the same MMU_RTL_VARIANTS list: the direct
     * bridge's message names the field and every variant. */
    if (!impl::find(c))
        return rtl_walker_cc::check_config(c, err);
    return latency_check(c, err);
}

int rtl_walker::latency_check(const mmu_config_t &c, mmu_err_t *err)
{
    if (!c.memlat_cb) {
        /* The memory port answers at the earliest two edges after a request. */
        static const char *const ML[MMU_MEMLAT_LEVELS] = {"memlat.l1", "memlat.l2", "memlat.llc"};
        for (unsigned i = 0; i < MMU_MEMLAT_LEVELS; i++)
            if (c.memlat[i].sets && c.memlat[i].latency < 2) {
                if (err) {
                    err->code = MMU_EINVAL;
                    snprintf(err->msg, sizeof err->msg,
                             "%s.latency=%u: the RTL walker's memory port needs >= 2", ML[i],
                             c.memlat[i].latency);
                }
                return MMU_EINVAL;
            }
        if (c.dram_latency < 2) {
            if (err) {
                err->code = MMU_EINVAL;
                snprintf(err->msg, sizeof err->msg,
                         "memlat.dram_latency=%u: the RTL walker's memory port needs >= 2",
                         c.dram_latency);
            }
            return MMU_EINVAL;
        }
    }
    return 0;
}

rtl_walker::rtl_walker(sc_core::sc_module_name name, sc_time period, const mmu_config_t &cfg)
    : mmu_sc_ext_walker(name)
{
    const impl::variant *v = impl::find(cfg);
    p_.reset(new impl(period, v ? *v : impl::kVariants[0], cfg));
    SC_HAS_PROCESS(rtl_walker);
    SC_METHOD(reset);
    SC_METHOD(clock_step);
}

rtl_walker::~rtl_walker() = default;

void rtl_walker::reset()
{
    p_->reset_step();
}

void rtl_walker::clock_step()
{
    p_->clock_step();
}

bool rtl_walker::fits(const mmu_config_t &cfg) const
{
    return impl::same(p_->built_for, cfg);
}

int rtl_walker::check(const mmu_config_t &cfg, mmu_err_t *err) const
{
    if (fits(cfg))
        return latency_check(cfg, err);
    if (err) {
        err->code = MMU_EINVAL;
        snprintf(err->msg, sizeof err->msg,
                 "reconfigure: the RTL walker parameters (maxphyaddr, page_1g, ad_on_fault, "
                 "ad_retry_limit, walk_level_latency) cannot change after construction");
    }
    return MMU_EINVAL;
}

mmu_sc_walker_slot rtl_walker::slot()
{
    mmu_sc_walker_slot s;
    s.name = "rtl";
    s.check = &rtl_walker::check_config;
    s.make = [](const char *name, sc_time period,
                const mmu_config_t &cfg) -> std::unique_ptr<mmu_sc_ext_walker> {
        return std::unique_ptr<mmu_sc_ext_walker>(new rtl_walker(name, period, cfg));
    };
    return s;
}

rtl_walker *rtl_walker::of(mmu_sc &mmu)
{
    return dynamic_cast<rtl_walker *>(mmu.external_walker());
}

rtl_walker::params rtl_walker::parameters() const
{
    return p_->built_for;
}

void rtl_walker::attach(mmu_t *mmu, const mmu_mem_ops_t &mem)
{
    p_->mmu = mmu;
    p_->mem = mem;
    if (p_->direct)
        p_->direct->attach(mmu, mem);
}

void rtl_walker::set_engine(engine e)
{
    p_->eng = e;
    if (e == engine::direct && !p_->direct) {
        p_->direct.reset(new rtl_walker_cc(p_->cfg));
        p_->direct->set_skip(p_->skip_idle);
        if (p_->mmu)
            p_->direct->attach(p_->mmu, p_->mem);
    }
}

rtl_walker::engine rtl_walker::get_engine() const
{
    return p_->eng;
}

void rtl_walker::set_skip(bool on)
{
    p_->skip_idle = on;
    if (p_->direct)
        p_->direct->set_skip(on);
}

bool rtl_walker::skip() const
{
    return p_->skip_idle;
}

rtl_walker_cc *rtl_walker::direct()
{
    return p_->direct.get();
}

int rtl_walker::walk_cb(void *ctx, const mmu_walk_job_t *job, mmu_walk_out_t *out)
{
    return static_cast<rtl_walker *>(ctx)->walk(*job, *out);
}

int rtl_walker::walk(const mmu_walk_job_t &job, mmu_walk_out_t &out)
{
    if (p_->eng == engine::direct)
        return p_->direct->walk(job, out);
    return p_->walk(job, out);
}

rtl_walker::counters rtl_walker::stats() const
{
    if (p_->eng != engine::direct)
        return p_->cnt;
    const rtl_walker_cc::counters &d = p_->direct->stats();
    counters c{};
    c.walks = d.walks;
    c.edges = d.cycles;
    c.reads = d.reads;
    c.cmpxchgs = d.cmpxchgs;
    c.clock_edges = d.edges;
    c.skipped = d.skipped;
    return c;
}

const std::string &rtl_walker::error() const
{
    return p_->eng == engine::direct ? p_->direct->error() : p_->err;
}

const sc_core::sc_signal<bool> &rtl_walker::clock() const
{
    return p_->clk;
}
