/* SPDX-License-Identifier: Apache-2.0 */
/* The direct RTL walker bridge (see rtl_walker_cc.h): clocks the Verilated
 * --cc `walker` from the thread that called mmu_translate. Built twice, into
 * mmu_rtl_bridge and, with MMU_RTL_TRACE, into mmu_rtl_bridge_trace against
 * the FST-traced models; the header is the same for both. */
#include "rtl_walker_cc.h"

#include <cerrno>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <vector>

#include "mmu_rtl_variants.h"
#include "verilated.h"
#if MMU_RTL_TRACE
/* Only the traced models have trace(); the untraced build has no FST code. */
#include "verilated_fst_c.h"
#endif

#ifndef MMU_RTL_TRACE
#define MMU_RTL_TRACE 0
#endif

namespace {
/* Edges without a memory request or a result while the walker owes one,
 * after which the walk is declared stalled. */
constexpr uint64_t kStallEdges = 4096;
/* Picoseconds per MMU cycle in a waveform (the models' time unit is 1 ps). */
constexpr uint64_t kPsPerCycle = 1000;
} // namespace

struct engine_base {
    bool dump = false;      /* this walk is being dumped */
    uint64_t dump_base = 0; /* ps added to cycle * kPsPerCycle in this walk */
    virtual ~engine_base() = default;
    virtual int walk(rtl_walker_cc::impl &s, const mmu_walk_job_t &j, mmu_walk_out_t &o) = 0;
    virtual void reset(rtl_walker_cc::impl &s) = 0;
    virtual int trace_open(const char *path, std::string *msg) = 0;
    virtual int trace_close(std::string *msg) = 0;
};

struct rtl_walker_cc::impl {
    const params *var;
    std::unique_ptr<engine_base> eng;
    mmu_t *mmu = nullptr;
    mmu_mem_ops_t mem{};
    bool skip = true;
    counters cnt{};
    std::string err;
    bool broken = false; /* a walk ended in a protocol error: reset before the next */
    uint64_t calls = 0;  /* walk() calls, for picking the walks to dump */
    /* waveform */
    bool tracing = false, traced = false;
    uint64_t trace_first = 0, trace_last = 0;
    uint64_t trace_time = 0; /* last dumped time, ps */
    std::string trace_path;

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
};

namespace {

template <class M> struct engine final : engine_base {
    std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
    std::unique_ptr<M> top;
#if MMU_RTL_TRACE
    std::unique_ptr<VerilatedFstC> fst;
#endif
    engine()
    {
#if MMU_RTL_TRACE
        ctx->traceEverOn(true);
#endif
        top.reset(new M(ctx.get(), "walker"));
    }
    ~engine() override
    {
        std::string ignored;
        trace_close(&ignored);
        top->final();
    }

    void dump_at(uint64_t ps)
    {
#if MMU_RTL_TRACE
        if (dump && fst)
            fst->dump(ps);
#else
        (void)ps;
#endif
    }

    /* One rising edge, which stands for MMU cycle c: the low phase is dumped
     * half a cycle before c (so a left-out wait shows as a long low phase). */
    void tick(rtl_walker_cc::impl &s, uint64_t c)
    {
        top->clk = 0;
        top->eval();
        dump_at(dump_base + c * kPsPerCycle - kPsPerCycle / 2);
        top->clk = 1;
        top->eval();
        dump_at(dump_base + c * kPsPerCycle);
        s.cnt.edges++;
    }

    /* rst_n held low across a rising edge (a fresh model starts with rst_n
     * at 0, so there is no negedge to reset it). */
    void reset(rtl_walker_cc::impl &s) override
    {
        top->rst_n = 0;
        top->req_valid = 0;
        top->res_ready = 1;
        top->mem_req_ready = 1;
        top->mem_rsp_valid = 0;
        top->mem_rsp_skip = 0;
        top->inv_valid = 0;
        top->inv_kind = 0;
        top->inv_pcid = 0;
        top->inv_la = 0;
        const bool d = dump;
        dump = false;
        tick(s, 0);
        top->rst_n = 1;
        tick(s, 1);
        dump = d;
        s.broken = false;
    }

    int trace_open(const char *path, std::string *msg) override
    {
#if MMU_RTL_TRACE
        fst.reset(new VerilatedFstC);
        top->trace(fst.get(), 99);
        fst->open(path);
        if (!fst->isOpen()) {
            fst.reset();
            *msg = std::string("cannot open ") + path;
            return -1;
        }
        return 0;
#else
        (void)path;
        *msg = "this build has no waveform tracing (configure with -DMMU_RTL_TRACE=ON and use "
               "mmusim-cosim-trace)";
        return -1;
#endif
    }

    int trace_close(std::string *msg) override
    {
#if MMU_RTL_TRACE
        if (fst) {
            fst->close();
            fst.reset();
        }
#endif
        (void)msg;
        return 0;
    }

    /* The memory access of a request raised at cycle p: performed now, its
     * latency taken from the C core's model. */
    struct access {
        uint64_t data = 0;
        int rc = 0;
        unsigned lat = 0;
    };
    access perform(rtl_walker_cc::impl &s, uint64_t p, uint32_t &reads, uint32_t &updates)
    {
        access a;
        const uint64_t addr = top->mem_req_addr;
        const bool locked = top->mem_req_locked;
        a.lat = mmu_walk_latency(s.mmu, addr, locked, p);
        if (locked) {
            a.rc = s.mem.cmpxchg64(s.mem.ctx, addr, top->mem_req_cmp, top->mem_req_wdata, &a.data);
            updates++;
            s.cnt.cmpxchgs++;
        } else {
            a.rc = s.mem.read64(s.mem.ctx, addr, &a.data);
            reads++;
            s.cnt.reads++;
        }
        return a;
    }

    int walk(rtl_walker_cc::impl &s, const mmu_walk_job_t &j, mmu_walk_out_t &o) override
    {
        M &t = *top;
        /* req_ready and mem_rsp_ready come from registers (and res_ready,
         * held at 1): what the last edge's evaluation left is what the next
         * edge samples, so they are read without evaluating again. */
        if (!t.req_ready)
            return s.fail("rtl_walker_cc: req_ready low between walks");
        if (dump) {
            /* Time in the file only moves forward: the job (dumped half a
             * cycle before t0) comes after the last dump. */
            const uint64_t first = j.t0 * kPsPerCycle, min_first = s.trace_time + kPsPerCycle;
            dump_base = first >= min_first ? 0 : min_first - first;
        }
        t.req_la = j.la;
        t.req_type = static_cast<CData>(j.type & 3);
        t.req_cpl = static_cast<CData>(j.cpl & 3);
        t.req_implicit = (j.flags & MMU_REQ_IMPLICIT) != 0;
        t.req_levels5 = j.levels == 5;
        t.req_start_level = static_cast<CData>(j.start_level & 7);
        t.req_start_table = j.start_table;
        t.req_start_perms = static_cast<CData>(j.start_perms & 7);
        t.req_pcid = static_cast<SData>(j.pcid & 0xfff);
        t.req_wp = j.wp != 0;
        t.req_smep = j.smep != 0;
        t.req_smap = j.smap != 0;
        t.req_ac = j.ac != 0;
        t.req_nxe = j.nxe != 0;
        t.req_pke = j.pke != 0;
        t.req_pks = j.pks != 0;
        t.req_pkru = j.pkru;
        t.req_pkrs = j.pkrs;
        t.req_valid = 1;
        /* The job as presented, half a cycle before the edge that takes it
         * (the same instant as that edge's low phase). */
        const uint64_t t0 = j.t0;
        tick(s, t0);
        t.req_valid = 0;

        uint64_t c = t0; /* the cycle the last edge stands for */
        uint64_t quiet = 0;
        uint32_t reads = 0, updates = 0;
        int mem_rc = 0;
        while (!t.res_valid) {
            if (!t.mem_req_valid) {
                if (++quiet > kStallEdges)
                    return s.fail("rtl_walker_cc: no memory request or result for %" PRIu64
                                  " edges after cycle %" PRIu64, quiet - 1, c - quiet + 1);
                tick(s, ++c);
                continue;
            }
            /* A request raised at this edge, cycle p: taken at the next edge,
             * answered at cycle p + lat. */
            quiet = 0;
            const uint64_t p = c;
            const access a = perform(s, p, reads, updates);
            if (a.rc)
                mem_rc = a.rc;
            if (a.lat == 0)
                return s.fail("rtl_walker_cc: latency 0 at pa 0x%" PRIx64 " (cycle %" PRIu64
                              "): a memory access takes >= 1 cycle",
                              static_cast<uint64_t>(t.mem_req_addr), p);
            const uint64_t due = p + a.lat;
            if (!s.skip) {
                /* The clock runs through the wait: the request is taken at
                 * p + 1, and the walker must stay quiet until the answer. */
                while (c + 1 < due) {
                    tick(s, ++c);
                    if (t.mem_req_valid || t.res_valid)
                        return s.fail("rtl_walker_cc: %s at cycle %" PRIu64 " while the request "
                                      "raised at cycle %" PRIu64 " waits for its answer",
                                      t.res_valid ? "res_valid" : "a second memory request", c, p);
                }
            }
            const uint32_t skipped = static_cast<uint32_t>(due - c - 1);
            t.mem_rsp_valid = 1;
            t.mem_rsp_data = a.data;
            t.mem_rsp_err = a.rc != 0;
            t.mem_rsp_skip = skipped;
            if (!t.mem_rsp_ready)
                return s.fail("rtl_walker_cc: mem_rsp_ready low at cycle %" PRIu64
                              " when the answer to the request raised at cycle %" PRIu64 " was due",
                              due, p);
            c = due;
            s.cnt.skipped += skipped;
            tick(s, c);
            t.mem_rsp_valid = 0;
            t.mem_rsp_skip = 0;
        }

        const uint64_t cycles = c - t0;
        s.cnt.walks++;
        s.cnt.cycles += cycles;
        if (dump) {
            s.trace_time = dump_base + c * kPsPerCycle;
            s.traced = true;
        }
        o = mmu_walk_out_t{};
        o.reads = t.res_reads;
        o.updates = t.res_updates;
        if (o.reads != reads || o.updates != updates)
            return s.fail("rtl_walker_cc: result reports %u reads / %u updates, the memory port "
                          "served %u / %u",
                          o.reads, o.updates, reads, updates);
        o.cycles = cycles;
        /* The walker counts its own cycles (edges plus mem_rsp_skip): a second
         * clock, which catches a skip lost or counted twice. */
        if (t.res_cycles != static_cast<uint32_t>(cycles))
            return s.fail("rtl_walker_cc: walker counted %u cycles, the bridge %" PRIu64,
                          static_cast<unsigned>(t.res_cycles), cycles);
        if (t.res_psc_level != 0)
            return s.fail("rtl_walker_cc: walker reports a hit in its own PSC (level %u); the "
                          "bridge variants have none",
                          static_cast<unsigned>(t.res_psc_level));
        const unsigned kind = t.res_kind;
        switch (kind) {
        case 0: /* ok */
        case 1: /* #PF */
        case 2: /* #GP */
            break;
        case 3: /* memory error: pass on the code the memory gave */
            return mem_rc ? mem_rc : s.fail("rtl_walker_cc: memory-error result with no failed access");
        case 4:
            return MMU_ERETRY;
        default:
            return s.fail("rtl_walker_cc: res_kind %u is not defined", kind);
        }
        o.fault.kind = static_cast<uint8_t>(kind == 0 ? MMU_FAULT_NONE : kind == 1 ? MMU_FAULT_PF : MMU_FAULT_GP);
        o.fault.vector = static_cast<uint8_t>(t.res_vector);
        o.fault.error_code = t.res_error_code;
        o.fault.cr2 = t.res_cr2;
        o.pa = t.res_pa;
        o.page_size = static_cast<uint8_t>(t.res_page_size);
        o.perms = static_cast<uint8_t>(t.res_perms);
        o.pkey = static_cast<uint8_t>(t.res_pkey);
        o.global = t.res_global;
        o.n = static_cast<uint8_t>(t.res_n);
        const uint64_t entries[5] = {t.res_entry0, t.res_entry1, t.res_entry2, t.res_entry3,
                                     t.res_entry4};
        for (unsigned i = 0; i < 5; i++) {
            o.entry[i] = entries[i];
            o.entry_perms[i] = static_cast<uint8_t>((t.res_eperms >> (3 * i)) & 7);
        }
        return 0;
    }
};

template <class M> std::unique_ptr<engine_base> make_engine()
{
    return std::unique_ptr<engine_base>(new engine<M>);
}

struct variant_row {
    rtl_walker_cc::params p;
    std::unique_ptr<engine_base> (*make)();
};

#define MMU_RTL_ROW(cls, maxphyaddr, page_1g, ad, retry, step) \
    {{#cls, maxphyaddr, page_1g, ad, retry, step}, &make_engine<cls>},
const variant_row kVariants[] = {MMU_RTL_VARIANTS(MMU_RTL_ROW)};
#undef MMU_RTL_ROW
constexpr size_t kNumVariants = sizeof kVariants / sizeof kVariants[0];

bool same(const rtl_walker_cc::params &p, const mmu_config_t &c)
{
    return c.maxphyaddr == p.maxphyaddr && c.page_1g == p.page_1g && c.ad_on_fault == p.ad_on_fault &&
           c.ad_retry_limit == p.retry_limit && c.walk_level_latency == p.level_latency;
}

const variant_row &row_for(const rtl_walker_cc::params *p)
{
    for (const variant_row &r : kVariants)
        if (&r.p == p)
            return r;
    return kVariants[0];
}

} // namespace

size_t rtl_walker_cc::variant_count()
{
    return kNumVariants;
}

const rtl_walker_cc::params &rtl_walker_cc::variant(size_t i)
{
    return kVariants[i < kNumVariants ? i : 0].p;
}

const rtl_walker_cc::params *rtl_walker_cc::find(const mmu_config_t &cfg)
{
    for (const variant_row &r : kVariants)
        if (same(r.p, cfg))
            return &r.p;
    return nullptr;
}

int rtl_walker_cc::check_config(const mmu_config_t &c, mmu_err_t *err)
{
    if (find(c))
        return 0;
    const params &b = kVariants[0].p;
    const char *field = "";
    unsigned have = 0, want = 0;
    if (c.maxphyaddr != b.maxphyaddr)
        field = "maxphyaddr", have = c.maxphyaddr, want = b.maxphyaddr;
    else if (c.page_1g != b.page_1g)
        field = "page_1g", have = c.page_1g, want = b.page_1g;
    else if (c.ad_on_fault != b.ad_on_fault)
        field = "ad_on_fault", have = c.ad_on_fault, want = b.ad_on_fault;
    else if (c.ad_retry_limit != b.retry_limit)
        field = "ad_retry_limit", have = c.ad_retry_limit, want = b.retry_limit;
    else
        field = "walk_level_latency", have = c.walk_level_latency, want = b.level_latency;
    if (err) {
        /* The variants in MMU_RTL_VARIANTS's own notation. */
        std::string built;
        for (const variant_row &r : kVariants) {
            char one[96];
            snprintf(one, sizeof one, "%s%s:%u:%u:%u:%u:%u", built.empty() ? "" : ";", r.p.name + 1,
                     r.p.maxphyaddr, r.p.page_1g, r.p.ad_on_fault, r.p.retry_limit, r.p.level_latency);
            built += one;
        }
        err->code = MMU_EINVAL;
        if (kNumVariants == 1)
            snprintf(err->msg, sizeof err->msg,
                     "%s=%u: the RTL walker was built with %u (rtl/rtl.cmake MMU_RTL_VARIANTS=%s, "
                     "NAME:MAXPHYADDR:PAGE_1G:AD_ON_FAULT_USED:RETRY_LIMIT:LEVEL_LATENCY)",
                     field, have, want, built.c_str());
        else
            snprintf(err->msg, sizeof err->msg,
                     "%s=%u: no RTL walker variant of this build has these parameters "
                     "(rtl/rtl.cmake MMU_RTL_VARIANTS=%s)",
                     field, have, built.c_str());
    }
    return MMU_EINVAL;
}

rtl_walker_cc::rtl_walker_cc(const mmu_config_t &cfg) : p_(new impl)
{
    const params *v = find(cfg);
    p_->var = v ? v : &kVariants[0].p;
    p_->eng = row_for(p_->var).make();
    p_->eng->reset(*p_);
}

rtl_walker_cc::~rtl_walker_cc()
{
    /* A waveform never closed was not asked for in full: drop it. */
    if (p_->tracing) {
        std::string ignored;
        p_->eng->trace_close(&ignored);
        std::remove((p_->trace_path + ".tmp").c_str());
    }
}

const rtl_walker_cc::params &rtl_walker_cc::parameters() const
{
    return *p_->var;
}

bool rtl_walker_cc::fits(const mmu_config_t &cfg) const
{
    return same(*p_->var, cfg);
}

void rtl_walker_cc::attach(mmu_t *mmu, const mmu_mem_ops_t &mem)
{
    p_->mmu = mmu;
    p_->mem = mem;
}

int rtl_walker_cc::walk_cb(void *ctx, const mmu_walk_job_t *job, mmu_walk_out_t *out)
{
    return static_cast<rtl_walker_cc *>(ctx)->walk(*job, *out);
}

int rtl_walker_cc::walk(const mmu_walk_job_t &job, mmu_walk_out_t &out)
{
    impl &s = *p_;
    if (!s.mmu)
        return s.fail("rtl_walker_cc: walk before attach()");
    if (s.broken)
        s.eng->reset(s);
    const uint64_t n = ++s.calls;
    s.eng->dump = s.tracing && n >= s.trace_first && n <= s.trace_last;
    return s.eng->walk(s, job, out);
}

void rtl_walker_cc::set_skip(bool on)
{
    p_->skip = on;
}

bool rtl_walker_cc::skip() const
{
    return p_->skip;
}

const rtl_walker_cc::counters &rtl_walker_cc::stats() const
{
    return p_->cnt;
}

const std::string &rtl_walker_cc::error() const
{
    return p_->err;
}

bool rtl_walker_cc::trace_available()
{
    return MMU_RTL_TRACE != 0;
}

int rtl_walker_cc::trace_open(const char *path, uint64_t first, uint64_t last, std::string *msg)
{
    impl &s = *p_;
    std::string m;
    if (s.tracing) {
        m = "a waveform is already open";
    } else if (first == 0 || last < first) {
        m = "walks to trace: need 1 <= first <= last";
    } else {
        s.trace_path = path;
        const std::string tmp = s.trace_path + ".tmp";
        if (s.eng->trace_open(tmp.c_str(), &m) == 0) {
            s.tracing = true;
            s.trace_first = first;
            s.trace_last = last;
            s.trace_time = 0;
            return 0;
        }
    }
    if (msg)
        *msg = m;
    return -1;
}

int rtl_walker_cc::trace_close(std::string *msg)
{
    impl &s = *p_;
    if (!s.tracing)
        return 0;
    std::string m;
    s.tracing = false;
    s.eng->trace_close(&m);
    const std::string tmp = s.trace_path + ".tmp";
    if (std::rename(tmp.c_str(), s.trace_path.c_str()) != 0) {
        if (msg)
            *msg = "cannot rename " + tmp + " to " + s.trace_path + ": " + std::strerror(errno);
        return -1;
    }
    return 0;
}

bool rtl_walker_cc::traced() const
{
    return p_->traced;
}
