/* SPDX-License-Identifier: Apache-2.0 */
/* The two-MMU bench of mmusim-cosim (see cosim.h). */
#include "cosim.h"

#include <chrono>
#include <string>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cerrno>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include "rtl_walker.h"
#include "world.h"

namespace cosim {

using sc_core::sc_time;

bool parse_u64(const char *s, uint64_t *v)
{
    // Decimal or 0x hex digits only: strtoull would skip leading blanks, take
    // a sign after them, and read "010" as octal 8.
    if (!s || !*s)
        return false;
    const bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    const char *d = hex ? s + 2 : s;
    if (!*d || std::strspn(d, hex ? "0123456789abcdefABCDEF" : "0123456789") != std::strlen(d))
        return false;
    char *end = nullptr;
    errno = 0;
    const unsigned long long x = std::strtoull(d, &end, hex ? 16 : 10);
    if (errno || *end)
        return false;
    *v = x;
    return true;
}

bool parse_dut(const char *v, dut_kind *k)
{
    if (!strcmp(v, "rtl"))
        *k = dut_kind::rtl;
    else if (!strcmp(v, "rtl-sc"))
        *k = dut_kind::rtl_sc;
    else if (!strcmp(v, "c"))
        *k = dut_kind::c_callback;
    else
        return false;
    return true;
}

const char *dut_name(const dut_opts &d)
{
    switch (d.kind) {
    case dut_kind::rtl:
        return d.skip ? "RTL (direct)" : "RTL (direct, every edge)";
    case dut_kind::rtl_sc:
        return d.skip ? "RTL (SystemC)" : "RTL (SystemC, every edge)";
    default:
        return "walk_cb (C)";
    }
}

mmu_sc_opts dut_opts_for(const dut_opts &d)
{
    mmu_sc_opts o;
    o.walker = mmu_sc_walker::c_callback;
    if (d.kind != dut_kind::c_callback) {
        o.walker = mmu_sc_walker::external;
        o.external = rtl_walker::slot();
    }
    return o;
}

unsigned hashed_latency(void *ctx, uint64_t pa, int locked, uint64_t now)
{
    const uint64_t h = mix(pa ^ mix(now ^ reinterpret_cast<uintptr_t>(ctx)) ^ (locked ? 0x55 : 0));
    return 2 + static_cast<unsigned>(h % 24) + (locked ? static_cast<unsigned>((h >> 8) % 8) : 0);
}

meddler::meddler(sc_core::sc_module_name n, sc_memory *m)
    : sc_core::sc_module(n), in("in"), out("out"), mem(m)
{
    in.register_b_transport(this, &meddler::b_transport);
}

void meddler::b_transport(tlm::tlm_generic_payload &gp, sc_time &d)
{
    const uint64_t pa = gp.get_address();
    mmu_sc_mem_ext *ext = nullptr;
    gp.get_extension(ext);
    if (pa >= bad_lo && pa < bad_hi) {
        errors++;
        if (ext)
            ext->rc = MMU_ERANGE;
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    if (ext && ext->cmpxchg && interfere_pm) {
        const uint64_t h = (key ^ (++count * 0x9e3779b97f4a7c15ull)) * 0xbf58476d1ce4e5b9ull;
        if ((h >> 32) % 1000 < interfere_pm) {
            uint64_t v = 0;
            mem->read64(pa, &v);
            mem->write64(pa, v ^ (1ull << 10)); /* ignored at every level */
            interfered++;
        }
    }
    out->b_transport(gp, d);
}

bench::bench(sc_core::sc_module_name name)
    : sc_core::sc_module(name), sock_c("sock_c"), sock_rtl("sock_rtl")
{
    SC_HAS_PROCESS(bench);
    SC_THREAD(run);
    for (int s = 0; s < 2; s++)
        gp_[s].set_extension(&ext_[s]);
}

bench::~bench()
{
    for (int s = 0; s < 2; s++)
        gp_[s].clear_extension(&ext_[s]);
}

uint64_t bench::ticks_now()
{
#if defined(__x86_64__)
    return __rdtsc();
#else
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
#endif
}

double bench::seconds(side s) const
{
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - steady_t0_).count();
    const uint64_t ticks = ticks_now() - ticks_t0_;
    return ticks ? static_cast<double>(ticks_[s]) * wall / static_cast<double>(ticks) : 0.0;
}

std::unique_ptr<bench> bench::create(const mmu_config_t &cfg, const dut_opts &dut, mmu_err_t *err)
{
    std::unique_ptr<bench> b(new bench("bench"));
    mmu_sc_opts oc, ortl;
    oc.walker = mmu_sc_walker::c;
    ortl = dut_opts_for(dut);
    b->mmu[C] = mmu_sc::create("c_mmu", cfg, oc, err);
    if (!b->mmu[C])
        return nullptr;
    b->mmu[RTL] = mmu_sc::create("rtl_mmu", cfg, ortl, err);
    if (!b->mmu[RTL])
        return nullptr;
    if (rtl_walker *w = rtl_walker::of(*b->mmu[RTL])) {
        w->set_skip(dut.skip);
        w->set_engine(dut.kind == dut_kind::rtl ? rtl_walker::engine::direct
                                                : rtl_walker::engine::systemc);
    }
    b->mem[C].reset(new sc_memory("c_mem", cfg.maxphyaddr));
    b->mem[RTL].reset(new sc_memory("rtl_mem", cfg.maxphyaddr));
    b->sock_c.bind(b->mmu[C]->socket);
    b->sock_rtl.bind(b->mmu[RTL]->socket);
    b->med[C].reset(new meddler("c_med", b->mem[C].get()));
    b->med[RTL].reset(new meddler("rtl_med", b->mem[RTL].get()));
    for (int s = 0; s < 2; s++) {
        b->mmu[s]->mem_socket.bind(b->med[s]->in);
        b->med[s]->out.bind(b->mem[s]->socket);
    }
    return b;
}

void bench::run()
{
    if (body)
        body(*this);
    sc_core::sc_stop();
    /* Park instead of returning. When a SystemC thread ends, its last switch
     * back to the kernel is not announced to AddressSanitizer's fiber
     * tracking (libsystemc 2.3.4), which then takes the dead thread's stack,
     * guard page included, for the main stack, and LeakSanitizer crashes on
     * it at exit. A thread that waits switches back the announced way. */
    wait();
}

mmu_cycle_t bench::cycle() const
{
    return sc_core::sc_time_stamp().value() / mmu[C]->period().value();
}

answer bench::translate(side s, const mmu_req_t &req)
{
    tlm::tlm_generic_payload &gp = gp_[s];
    mmu_sc_req_ext &ext = ext_[s];
    gp.set_command(req.type == MMU_ACC_WRITE ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    gp.set_address(req.la);
    gp.set_data_ptr(buf_[s]);
    gp.set_data_length(8);
    gp.set_streaming_width(8);
    gp.set_byte_enable_ptr(nullptr);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    ext.fetch = req.type == MMU_ACC_FETCH;
    ext.cpl = req.cpl;
    ext.flags = req.flags;
    const uint64_t p = mmu[s]->period().value();
    const uint64_t t = sc_core::sc_time_stamp().value();
    if (req.now * p < t) {
        fprintf(stderr, "mmusim-cosim: internal error: request at cycle %llu issued at cycle %llu\n",
                (unsigned long long)req.now, (unsigned long long)(t / p));
        std::exit(3);
    }
    sc_time delay = sc_time::from_value(req.now * p - t);
    mem[s]->clear_log();
    const uint64_t w0 = ticks_now();
    (s == C ? sock_c : sock_rtl)->b_transport(gp, delay);
    add_ticks(s, w0);
    answer a;
    a.rc = ext.rc;
    a.res = ext.res;
    a.writes = mem[s]->log();
    mem[s]->clear_log();
    if (ext.now != req.now) {
        fprintf(stderr, "mmusim-cosim: internal error: request meant for cycle %llu issued at %llu\n",
                (unsigned long long)req.now, (unsigned long long)ext.now);
        std::exit(3);
    }
    /* The TLM annotation must complete the request at done_at exactly. */
    if (a.rc == 0 && (sc_core::sc_time_stamp() + delay).value() != a.res.done_at * p) {
        a.late = true;
        late_annotations++;
    }
    return a;
}

int bench::reconfigure(const mmu_config_t &cfg, mmu_err_t *err)
{
    for (int s = 0; s < 2; s++) {
        const int rc = mmu[s]->reconfigure(cfg, err);
        if (rc)
            return rc;
    }
    return 0;
}

bool bench::both(const std::function<int(mmu_sc &)> &op, int *rc)
{
    const int a = op(*mmu[C]);
    const int b = op(*mmu[RTL]);
    if (rc)
        *rc = a;
    return a == b;
}

} // namespace cosim
