/* SPDX-License-Identifier: Apache-2.0 */
// The RTL page walker (rtl/walker.sv, Verilated --cc) against the C walker
// (model/walker.c through mmu_walk_c), walk by walk: SDM 4.5 (the walk), 4.6
// (rights, keys), 4.7 (error codes), 4.8 (A/D with locked compare-exchange,
// re-walk on a changed entry) and the cycle contract of walker.sv. The RTL is
// clocked from C++; its memory answers a request raised at edge P at edge
// P + mmu_walk_latency(), from a second MMU of the same configuration, so the
// C walker's cycle count can be compared literally. The paging-structure
// caches (rtl/psc.sv) are compared against the whole C core (mmu_translate
// with the TLBs absent), invalidations included.
#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "Vwalker.h"
#include "Vwalker_lat2.h"
#include "Vwalker_min.h"
#include "Vwalker_psc.h"
#include "mmu/mmu.h"
#include "mmu/mmu_mem.h"
#include "mmu/mmu_walk.h"
#include "rtl_coverage.h"
#include "verilated.h"

namespace {

// In an instrumented build (MMU_RTL_COVERAGE=ON) run by scripts/coverage.sh,
// the RTL coverage of this process's walks goes to $MMU_RTL_COVERAGE_DIR like
// the co-simulation's: the directed cases here (non-canonical addresses,
// stalled handshakes, memory errors at every step, the caches) reach states
// and transitions a campaign through the C core never makes.
class RtlCoverageFile : public ::testing::Environment {
  public:
    void TearDown() override
    {
        const std::string f = rtl_coverage::env_file("test_rtl_walker");
        std::string why;
        if (rtl_coverage::available() && !f.empty() && rtl_coverage::write(f, &why))
            ADD_FAILURE() << "RTL coverage: " << why;
    }
};
::testing::Environment *const rtl_coverage_file = ::testing::AddGlobalTestEnvironment(new RtlCoverageFile);

// ---- helpers ---------------------------------------------------------------------------

std::string fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char *f, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, f);
    std::vsnprintf(buf, sizeof buf, f, ap);
    va_end(ap);
    return buf;
}

// splitmix64: every seed gives an unrelated stream.
struct Rng {
    uint64_t s;
    explicit Rng(uint64_t seed) : s(seed) {}
    uint64_t next()
    {
        uint64_t z = (s += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    unsigned below(unsigned n) { return static_cast<unsigned>(next() % n); }
    bool chance(unsigned pct) { return below(100) < pct; }
};

uint64_t bits(unsigned hi, unsigned lo)
{
    return (~0ull >> (63 - hi)) & ~((1ull << lo) - 1);
}

// Sign-extend from bit width-1: the canonical form of la.
uint64_t canon(uint64_t la, unsigned width)
{
    const unsigned sh = 64 - width;
    return static_cast<uint64_t>(static_cast<int64_t>(la << sh) >> sh);
}

unsigned pt_index(uint64_t la, unsigned level)
{
    return static_cast<unsigned>(la >> (12 + 9 * (level - 1))) & 511u;
}

// ---- memory: one sparse memory per walker, logged, with injected trouble ---------------

struct MemOp {
    uint64_t pa = 0;
    bool locked = false;
    uint64_t cmp = 0, wdata = 0; // locked only
    uint64_t data = 0;           // read value, or the old value of a cmpxchg
    int rc = 0;
    bool operator==(const MemOp &o) const
    {
        return pa == o.pa && locked == o.locked && cmp == o.cmp && wdata == o.wdata &&
               data == o.data && rc == o.rc;
    }
};

std::string str(const MemOp &o)
{
    if (o.locked)
        return fmt("cmpxchg(0x%" PRIx64 ", 0x%" PRIx64 " -> 0x%" PRIx64 ") old 0x%" PRIx64 " rc %d",
                   o.pa, o.cmp, o.wdata, o.data, o.rc);
    return fmt("read(0x%" PRIx64 ") = 0x%" PRIx64 " rc %d", o.pa, o.data, o.rc);
}

// What the memory does to a walk, identically on both sides (both sides issue
// the same operations in the same order while they agree).
struct Inject {
    long flip_op = -1;          // after this op, if a read, xor flip into the word read
    uint64_t flip = 0;
    uint64_t sticky_pa = ~0ull; // after every read of this word, xor sticky_flip into it
    uint64_t sticky_flip = 0;
    long err_op = -1;           // this op fails with MMU_EMEM and does nothing
};

struct Memory {
    mmu_sparse_mem_t *m = nullptr;
    std::vector<MemOp> log;
    Inject inj;

    explicit Memory(unsigned maxphyaddr) { EXPECT_EQ(0, mmu_sparse_mem_create(maxphyaddr, &m)); }
    ~Memory() { mmu_sparse_mem_destroy(m); }
    Memory(const Memory &) = delete;
    Memory &operator=(const Memory &) = delete;

    void poke(uint64_t pa, uint64_t v) { EXPECT_EQ(0, mmu_sparse_mem_write64(m, pa, v)); }
    uint64_t peek(uint64_t pa) const
    {
        uint64_t v = 0;
        mmu_sparse_mem_read64(m, pa, &v);
        return v;
    }

    int read(uint64_t pa, uint64_t *v)
    {
        const long idx = static_cast<long>(log.size());
        MemOp op;
        op.pa = pa;
        if (idx == inj.err_op) {
            op.rc = MMU_EMEM;
            log.push_back(op);
            return op.rc;
        }
        op.rc = mmu_sparse_mem_read64(m, pa, &op.data);
        log.push_back(op);
        *v = op.data;
        if (op.rc == 0 && idx == inj.flip_op)
            poke(pa, peek(pa) ^ inj.flip);
        if (op.rc == 0 && pa == inj.sticky_pa)
            poke(pa, peek(pa) ^ inj.sticky_flip);
        return op.rc;
    }

    int cmpxchg(uint64_t pa, uint64_t cmp, uint64_t wdata, uint64_t *old)
    {
        const long idx = static_cast<long>(log.size());
        MemOp op;
        op.pa = pa;
        op.locked = true;
        op.cmp = cmp;
        op.wdata = wdata;
        if (idx == inj.err_op) {
            op.rc = MMU_EMEM;
        } else {
            op.rc = mmu_sparse_mem_read64(m, pa, &op.data);
            if (op.rc == 0 && op.data == cmp)
                op.rc = mmu_sparse_mem_write64(m, pa, wdata);
        }
        log.push_back(op);
        *old = op.data;
        return op.rc;
    }

    static int read64_cb(void *ctx, uint64_t pa, uint64_t *v)
    {
        return static_cast<Memory *>(ctx)->read(pa, v);
    }
    static int cmpxchg64_cb(void *ctx, uint64_t pa, uint64_t cmp, uint64_t want, uint64_t *old)
    {
        return static_cast<Memory *>(ctx)->cmpxchg(pa, cmp, want, old);
    }
    mmu_mem_ops_t ops() { return mmu_mem_ops_t{sizeof(mmu_mem_ops_t), read64_cb, cmpxchg64_cb, this, nullptr, nullptr}; }
};

// Writes of the page-table builder go to both memories, unlogged.
struct Tee {
    Memory *a, *b;
    static int read64(void *ctx, uint64_t pa, uint64_t *v)
    {
        return mmu_sparse_mem_read64(static_cast<Tee *>(ctx)->a->m, pa, v);
    }
    static int cmpxchg64(void *ctx, uint64_t pa, uint64_t cmp, uint64_t want, uint64_t *old)
    {
        Tee *t = static_cast<Tee *>(ctx);
        int rc = mmu_sparse_mem_read64(t->a->m, pa, old);
        if (rc == 0 && *old == cmp) {
            t->a->poke(pa, want);
            t->b->poke(pa, want);
        }
        return rc;
    }
};

// ---- latency: a callback per MMU, logging what it was asked ------------------------------

struct LatCall {
    uint64_t pa;
    int locked;
    uint64_t now;
};

struct Lat {
    Rng rng{1};
    unsigned lo = 2, hi = 2, rmw = 0; // uniform lo..hi, plus rmw for a locked update
    std::vector<LatCall> log;
    static unsigned cb(void *ctx, uint64_t pa, int locked, uint64_t now)
    {
        Lat *l = static_cast<Lat *>(ctx);
        l->log.push_back({pa, locked, now});
        return l->lo + l->rng.below(l->hi - l->lo + 1) + (locked ? l->rmw : 0);
    }
};

// ---- the configurations built in rtl/rtl.cmake -----------------------------------------

struct Variant {
    const char *name;
    unsigned maxphyaddr, page_1g, ad_on_fault, retry_limit, level_latency;
    unsigned psc[6]; // entries per level, [2] PDE .. [5] PML5E
};

constexpr Variant kDefault{"Vwalker", 52, 1, 0, 16, 1, {0, 0, 0, 0, 0, 0}};
constexpr Variant kMin{"Vwalker_min", 36, 0, 1, 3, 0, {0, 0, 0, 0, 0, 0}};
constexpr Variant kLat2{"Vwalker_lat2", 46, 1, 1, 2, 2, {0, 0, 0, 0, 0, 0}};
constexpr Variant kPsc{"Vwalker_psc", 46, 1, 0, 16, 1, {0, 0, 4, 0, 2, 1}};

// The memory-latency model of a world: the logging callback (lat != nullptr)
// or the built-in cache model with small latencies, so that hits and misses mix.
mmu_config_t make_config(const Variant &v, Lat *lat)
{
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    cfg.maxphyaddr = v.maxphyaddr;
    cfg.page_1g = v.page_1g;
    cfg.ad_on_fault = v.ad_on_fault;
    cfg.ad_retry_limit = v.retry_limit;
    cfg.walk_level_latency = v.level_latency;
    if (lat) {
        cfg.memlat_cb = Lat::cb;
        cfg.memlat_ctx = lat;
    } else {
        cfg.memlat[0] = {8, 2, 2, 0, 0};
        cfg.memlat[1] = {16, 4, 6, 0, 0};
        cfg.memlat[2] = {0, 0, 0, 0, 0};
        cfg.dram_latency = 15;
        cfg.rmw_latency = 3;
    }
    return cfg;
}

// ---- the RTL, clocked from C++ -------------------------------------------------------------

struct RtlOut {
    unsigned kind = 0, vector = 0;
    uint32_t ec = 0;
    uint64_t cr2 = 0, pa = 0;
    unsigned psize = 0, perms = 0, pkey = 0, global = 0;
    unsigned reads = 0, updates = 0, psc_level = 0;
    uint64_t port_cycles = 0;
    unsigned n = 0;
    uint64_t entry[5] = {};
    unsigned eperms[5] = {};
    // Cycles: edges of a clock that runs through every cycle, or with skipped
    // memory waits the cycles the edges stand for (see Mode).
    uint64_t t0 = 0, res_edge = 0;
    uint64_t edges = 0; // clock edges made from t0 to the result
    std::vector<uint64_t> raised; // cycle each memory request was raised, relative to t0
    std::vector<uint64_t> sampled; // cycle each response was sampled, relative to t0
    bool timeout = false;
};

// How the memory answers.
//  kExact: a request raised at edge P is answered at edge P + latency, with the
//          clock running through every cycle of the wait.
//  kStall: random mem_req_ready and extra response delay (results must not
//          change; cycles are then not compared).
//  kSkip:  the idle edges of a memory wait are left out: the response comes
//          with the edge after P and mem_rsp_skip = latency - 1, so that edge
//          is cycle P + latency (walker.sv, cycle contract). Same cycles as
//          kExact, fewer edges.
enum class Mode { kExact, kStall, kSkip };

class RtlBase {
  public:
    virtual ~RtlBase() = default;
    // One walk.
    virtual RtlOut walk(const mmu_walk_job_t &j, Memory &mem, mmu_t *lat_mmu, Rng &rng,
                        Mode mode) = 0;
    // A paging-structure-cache invalidation, given while idle.
    virtual void invalidate(unsigned kind, uint16_t pcid, uint64_t la) = 0;
    virtual void reset() = 0;
};

template <class M> class Rtl final : public RtlBase {
  public:
    Rtl() : ctx_(new VerilatedContext), top_(ctx_.get(), "walker")
    {
        rtl_coverage::track(ctx_.get());
        reset();
    }
    ~Rtl() override
    {
        top_.final();
        rtl_coverage::harvest(ctx_.get()); /* while the model's counters exist */
    }

    // rst_n held low across a rising clock edge: a fresh model starts with
    // rst_n = 0, so lowering it gives no negedge, and without an edge while it
    // is low the reset branch never runs (the caches' LRU ranks stay 0).
    void reset() override
    {
        top_.rst_n = 0;
        top_.req_valid = 0;
        top_.mem_req_ready = 1;
        top_.mem_rsp_valid = 0;
        top_.mem_rsp_skip = 0;
        top_.res_ready = 0;
        top_.inv_valid = 0;
        tick();
        top_.rst_n = 1;
        tick();
    }

    void invalidate(unsigned kind, uint16_t pcid, uint64_t la) override
    {
        EXPECT_TRUE(top_.req_ready);
        top_.inv_valid = 1;
        top_.inv_kind = static_cast<CData>(kind & 3);
        top_.inv_pcid = static_cast<SData>(pcid & 0xfff);
        top_.inv_la = la;
        tick();
        top_.inv_valid = 0;
    }

    RtlOut walk(const mmu_walk_job_t &j, Memory &mem, mmu_t *lat_mmu, Rng &rng,
                Mode mode) override
    {
        const bool stall = mode == Mode::kStall, skip = mode == Mode::kSkip;
        uint64_t edge0 = 0;
        RtlOut out;
        top_.req_la = j.la;
        top_.req_type = static_cast<CData>(j.type);
        top_.req_cpl = static_cast<CData>(j.cpl);
        top_.req_implicit = (j.flags & MMU_REQ_IMPLICIT) != 0;
        top_.req_levels5 = j.levels == 5;
        top_.req_start_level = static_cast<CData>(j.start_level);
        top_.req_start_table = j.start_table;
        top_.req_start_perms = static_cast<CData>(j.start_perms);
        top_.req_pcid = static_cast<SData>(j.pcid & 0xfff);
        top_.req_wp = j.wp;
        top_.req_smep = j.smep;
        top_.req_smap = j.smap;
        top_.req_ac = j.ac;
        top_.req_nxe = j.nxe;
        top_.req_pke = j.pke;
        top_.req_pks = j.pks;
        top_.req_pkru = j.pkru;
        top_.req_pkrs = j.pkrs;
        top_.res_ready = 0;
        top_.mem_req_ready = 1;
        top_.mem_rsp_valid = 0;
        for (unsigned idle = rng.below(3); idle; idle--)
            tick();
        top_.req_valid = 1;

        bool started = false, seen = false, have_res = false, rsp_pending = false;
        uint64_t rsp_at = 0, rsp_data = 0;
        bool rsp_err = false;
        unsigned res_wait = 0;
        // The request the memory will take at the next edge (stall mode).
        uint64_t q_addr = 0, q_cmp = 0, q_wdata = 0;
        bool q_locked = false;

        auto perform = [&](uint64_t addr, bool locked, uint64_t cmp, uint64_t wdata,
                           uint64_t now) -> unsigned {
            uint64_t v = 0;
            int rc = locked ? mem.cmpxchg(addr, cmp, wdata, &v) : mem.read(addr, &v);
            rsp_data = v;
            rsp_err = rc != 0;
            return mmu_walk_latency(lat_mmu, addr, locked, now);
        };

        for (unsigned guard = 0; guard < 200000; guard++) {
            const bool req_fire = top_.req_valid && top_.req_ready;
            const bool mreq_fire = top_.mem_req_valid && top_.mem_req_ready;
            const bool mrsp_fire = top_.mem_rsp_valid && top_.mem_rsp_ready;
            const bool res_fire = top_.res_valid && top_.res_ready;
            q_addr = top_.mem_req_addr;
            q_locked = top_.mem_req_locked;
            q_cmp = top_.mem_req_cmp;
            q_wdata = top_.mem_req_wdata;
            tick();
            if (res_fire) {
                top_.res_ready = 0;
                return out;
            }
            if (req_fire) {
                started = true;
                out.t0 = edge_;
                edge0 = real_edges_;
                top_.req_valid = 0;
            }
            if (mrsp_fire) {
                top_.mem_rsp_valid = 0;
                top_.mem_rsp_skip = 0;
                out.sampled.push_back(edge_ - out.t0);
            }
            if (mreq_fire) {
                seen = false;
                if (stall) {
                    const unsigned lat =
                        perform(q_addr, q_locked, q_cmp, q_wdata, j.t0 + (edge_ - out.t0));
                    rsp_pending = true;
                    rsp_at = edge_ + (lat >= 2 ? lat - 2 : 0) + rng.below(3);
                }
            }
            if (started && top_.mem_req_valid && !seen) {
                // A request raised at this edge P: answered at P + latency.
                seen = true;
                out.raised.push_back(edge_ - out.t0);
                if (!stall) {
                    const unsigned lat = perform(top_.mem_req_addr, top_.mem_req_locked,
                                                 top_.mem_req_cmp, top_.mem_req_wdata,
                                                 j.t0 + (edge_ - out.t0));
                    EXPECT_GE(lat, 1u);
                    rsp_pending = true;
                    rsp_at = edge_ + lat - 1;
                    if (skip && lat >= 1) {
                        // Answer at the next edge, which stands for P + lat.
                        rsp_at = edge_;
                        top_.mem_rsp_skip = lat - 1;
                    }
                }
            }
            if (rsp_pending && edge_ >= rsp_at) {
                rsp_pending = false;
                top_.mem_rsp_valid = 1;
                top_.mem_rsp_data = rsp_data;
                top_.mem_rsp_err = rsp_err;
            }
            if (stall)
                top_.mem_req_ready = rng.chance(60);
            if (top_.res_valid && !have_res) {
                have_res = true;
                capture(out);
                out.edges = real_edges_ - edge0;
                res_wait = rng.below(3);
            }
            if (have_res) {
                if (res_wait == 0)
                    top_.res_ready = 1;
                else
                    res_wait--;
            }
        }
        out.timeout = true;
        reset();
        return out;
    }

  private:
    // edge_ counts cycles: a response taken with mem_rsp_skip = s makes its
    // edge stand for s more (the driver's own count, which the walker's
    // res_cycles must match).
    void tick()
    {
        const bool take = top_.mem_rsp_valid && top_.mem_rsp_ready;
        const uint64_t s = take ? top_.mem_rsp_skip : 0;
        top_.clk = 0;
        top_.eval();
        top_.clk = 1;
        top_.eval();
        edge_ += 1 + s;
        real_edges_++;
    }

    void capture(RtlOut &o)
    {
        o.res_edge = edge_;
        o.kind = top_.res_kind;
        o.vector = top_.res_vector;
        o.ec = top_.res_error_code;
        o.cr2 = top_.res_cr2;
        o.pa = top_.res_pa;
        o.psize = top_.res_page_size;
        o.perms = top_.res_perms;
        o.pkey = top_.res_pkey;
        o.global = top_.res_global;
        o.reads = top_.res_reads;
        o.updates = top_.res_updates;
        o.port_cycles = top_.res_cycles;
        o.psc_level = top_.res_psc_level;
        o.n = top_.res_n;
        o.entry[0] = top_.res_entry0;
        o.entry[1] = top_.res_entry1;
        o.entry[2] = top_.res_entry2;
        o.entry[3] = top_.res_entry3;
        o.entry[4] = top_.res_entry4;
        for (unsigned i = 0; i < 5; i++)
            o.eperms[i] = (top_.res_eperms >> (3 * i)) & 7u;
    }

    std::unique_ptr<VerilatedContext> ctx_;
    M top_;
    uint64_t edge_ = 0;
    uint64_t real_edges_ = 0;
};

std::unique_ptr<RtlBase> make_rtl(const Variant &v)
{
    const std::string n = v.name;
    if (n == "Vwalker")
        return std::make_unique<Rtl<Vwalker>>();
    if (n == "Vwalker_min")
        return std::make_unique<Rtl<Vwalker_min>>();
    if (n == "Vwalker_lat2")
        return std::make_unique<Rtl<Vwalker_lat2>>();
    return std::make_unique<Rtl<Vwalker_psc>>();
}

// ---- what the C side says ---------------------------------------------------------------

struct Expect {
    unsigned kind = 0, vector = 0;
    uint32_t ec = 0;
    uint64_t cr2 = 0, pa = 0;
    unsigned psize = 0, perms = 0, pkey = 0, global = 0;
    unsigned reads = 0, updates = 0, mem_refs = 0, psc_level = 0;
    uint64_t cycles = 0;
    unsigned n = 0;
    uint64_t entry[5] = {};
    unsigned eperms[5] = {};
    bool full = true;  // kinds 0..2: every field is defined
    bool split = true; // reads and updates known apart (else only mem_refs)
    bool trace = true; // n, entries and their perms known
};

Expect from_walk(int rc, const mmu_walk_out_t &o)
{
    Expect e;
    if (rc) {
        e.kind = rc == MMU_ERETRY ? 4 : 3;
        e.full = false;
        return e;
    }
    e.kind = o.fault.kind;
    e.vector = o.fault.vector;
    e.ec = o.fault.error_code;
    e.cr2 = o.fault.cr2;
    e.pa = o.pa;
    e.psize = o.page_size;
    e.perms = o.perms;
    e.pkey = o.pkey;
    e.global = o.global;
    e.reads = o.reads;
    e.updates = o.updates;
    e.mem_refs = o.reads + o.updates;
    e.cycles = o.cycles;
    e.n = o.n;
    for (unsigned i = 0; i < 5; i++) {
        e.entry[i] = i < o.n ? o.entry[i] : 0;
        e.eperms[i] = i < o.n ? o.entry_perms[i] : 0;
    }
    return e;
}

Expect gp()
{
    Expect e;
    e.kind = MMU_FAULT_GP;
    e.vector = MMU_VEC_GP;
    return e;
}

// Every difference, one per line; empty when the two agree.
std::string compare(const Expect &e, const RtlOut &r, bool timed)
{
    std::string d;
    auto chk = [&](const char *what, uint64_t want, uint64_t got) {
        if (want != got)
            d += fmt("  %s: C 0x%" PRIx64 ", RTL 0x%" PRIx64 "\n", what, want, got);
    };
    if (r.timeout)
        return "  RTL gave no result\n";
    chk("kind", e.kind, r.kind);
    chk("res_cycles vs res_valid edge - t0", r.res_edge - r.t0, r.port_cycles);
    if (!e.full)
        return d;
    chk("vector", e.vector, r.vector);
    chk("error_code", e.ec, r.ec);
    chk("cr2", e.cr2, r.cr2);
    chk("pa", e.pa, r.pa);
    chk("page_size", e.psize, r.psize);
    chk("perms", e.perms, r.perms);
    chk("pkey", e.pkey, r.pkey);
    chk("global", e.global, r.global);
    chk("psc_level", e.psc_level, r.psc_level);
    if (e.split) {
        chk("reads", e.reads, r.reads);
        chk("updates", e.updates, r.updates);
    }
    chk("mem_refs", e.mem_refs, r.reads + r.updates);
    if (timed)
        chk("cycles (res_valid edge - t0)", e.cycles, r.res_edge - r.t0);
    if (e.trace) {
        chk("n", e.n, r.n);
        for (unsigned i = 0; i < 5; i++) {
            chk(fmt("entry[%u]", i).c_str(), e.entry[i], r.entry[i]);
            chk(fmt("entry_perms[%u]", i).c_str(), e.eperms[i], r.eperms[i]);
        }
    }
    return d;
}

std::string compare_ops(const std::vector<MemOp> &c, const std::vector<MemOp> &r)
{
    std::string d;
    const size_t n = c.size() > r.size() ? c.size() : r.size();
    for (size_t i = 0; i < n; i++) {
        const std::string a = i < c.size() ? str(c[i]) : "-";
        const std::string b = i < r.size() ? str(r[i]) : "-";
        if (a != b)
            d += fmt("  op %zu: C %s, RTL %s\n", i, a.c_str(), b.c_str());
    }
    return d;
}

std::string compare_lat(const std::vector<LatCall> &c, const std::vector<LatCall> &r, bool timed)
{
    std::string d;
    const size_t n = c.size() > r.size() ? c.size() : r.size();
    for (size_t i = 0; i < n; i++) {
        if (i >= c.size() || i >= r.size()) {
            d += fmt("  latency call %zu: only on the %s side\n", i, i < c.size() ? "C" : "RTL");
            continue;
        }
        if (c[i].pa != r[i].pa || c[i].locked != r[i].locked || (timed && c[i].now != r[i].now))
            d += fmt("  latency call %zu: C (0x%" PRIx64 ", %d, now %" PRIu64 "), RTL (0x%" PRIx64
                     ", %d, now %" PRIu64 ")\n",
                     i, c[i].pa, c[i].locked, c[i].now, r[i].pa, r[i].locked, r[i].now);
    }
    return d;
}

std::string describe(const mmu_walk_job_t &j)
{
    return fmt("la=0x%016" PRIx64 " type=%u cpl=%u implicit=%u levels=%u start=(L%u, 0x%" PRIx64
               ", perms %u) pcid=0x%x wp=%u smep=%u smap=%u ac=%u nxe=%u pke=%u pks=%u "
               "pkru=0x%08x pkrs=0x%08x t0=%" PRIu64,
               j.la, j.type, j.cpl, j.flags & MMU_REQ_IMPLICIT, j.levels, j.start_level,
               j.start_table, j.start_perms, j.pcid, j.wp, j.smep, j.smap, j.ac, j.nxe, j.pke,
               j.pks, j.pkru, j.pkrs, j.t0);
}

// ---- random page tables -------------------------------------------------------------------

struct Mapping {
    uint64_t va, size;
};

// Two memories with identical page tables, and the builder that made them.
struct World {
    Memory a, b;
    Tee tee;
    mmu_mem_ops_t tee_ops;
    mmu_ptb_t *ptb = nullptr;
    unsigned levels, width, maxphyaddr;
    uint64_t root = 0;
    std::vector<Mapping> maps;
    std::vector<uint64_t> anchors;

    World(unsigned maxphyaddr_, unsigned levels_, Rng &rng)
        : a(maxphyaddr_), b(maxphyaddr_), tee{&a, &b}, levels(levels_),
          width(levels_ == 5 ? 57 : 48), maxphyaddr(maxphyaddr_)
    {
        tee_ops = mmu_mem_ops_t{sizeof(mmu_mem_ops_t), Tee::read64, Tee::cmpxchg64, &tee, nullptr, nullptr};
        const uint64_t pool_size = 4ull << 20;
        // Anywhere below 2^MAXPHYADDR, 512-KByte aligned, so that the tables'
        // addresses (and the frames the RTL's caches hold) use every address bit.
        uint64_t pool = (rng.next() & bits(maxphyaddr - 1, 19)) | (1ull << 20);
        if (pool > (1ull << maxphyaddr) - pool_size)
            pool -= pool_size;
        EXPECT_EQ(0, mmu_ptb_create(&tee_ops, levels, pool, pool_size, &ptb));
        root = mmu_ptb_root(ptb);
        for (unsigned i = 0; i < 3; i++)
            anchors.push_back(canon(rng.next() & bits(width - 1, 0), width));
        const unsigned n = 20 + rng.below(40);
        for (unsigned i = 0; i < n; i++)
            add_mapping(rng);
        for (unsigned i = rng.below(12); i; i--)
            poke_random(rng);
    }
    ~World() { mmu_ptb_destroy(ptb); }
    World(const World &) = delete;
    World &operator=(const World &) = delete;

    void add_mapping(Rng &rng)
    {
        const unsigned r = rng.below(100);
        const mmu_page_size_t ps = r < 60 ? MMU_PAGE_4K : r < 85 ? MMU_PAGE_2M : MMU_PAGE_1G;
        const uint64_t size = 1ull << (12 + 9 * ps);
        const unsigned spread = rng.chance(50) ? 30 : rng.chance(60) ? 39 : width - 2;
        const uint64_t anchor = anchors[rng.below(static_cast<unsigned>(anchors.size()))];
        const uint64_t va = canon((anchor ^ (rng.next() & bits(spread, 0))) & ~(size - 1), width);
        const uint64_t pa = rng.next() & bits(maxphyaddr - 1, 0) & ~(size - 1);
        uint64_t tf = MMU_PTE_P;
        tf |= rng.chance(85) ? MMU_PTE_RW : 0;
        tf |= rng.chance(80) ? MMU_PTE_US : 0;
        tf |= rng.chance(10) ? MMU_PTE_XD : 0;
        tf |= rng.chance(50) ? MMU_PTE_A : 0;
        tf |= rng.chance(20) ? (rng.next() & (MMU_PTE_PWT | MMU_PTE_PCD | bits(11, 9))) : 0;
        mmu_ptb_set_table_flags(ptb, tf);
        uint64_t lf = 0;
        lf |= rng.chance(80) ? MMU_PTE_RW : 0;
        lf |= rng.chance(70) ? MMU_PTE_US : 0;
        lf |= rng.chance(30) ? MMU_PTE_PWT | MMU_PTE_PCD : 0;
        lf |= rng.chance(50) ? MMU_PTE_A : 0;
        lf |= rng.chance(40) ? MMU_PTE_D : 0;
        lf |= rng.chance(30) ? MMU_PTE_G : 0;
        lf |= rng.chance(25) ? MMU_PTE_XD : 0;
        lf |= rng.chance(40) ? MMU_PTE_PKEY(rng.below(16)) : 0;
        lf |= rng.chance(20) ? (rng.next() & bits(11, 9)) : 0;
        lf |= rng.chance(20) ? (1ull << 12) : 0; // PAT of a large page
        lf |= rng.chance(10) ? (rng.next() & bits(58, 52)) : 0;
        const int rc = mmu_ptb_map(ptb, va, pa, size, ps, lf);
        if (rc == 0)
            maps.push_back({va, size});
        else
            EXPECT_EQ(MMU_EEXIST, rc);
    }

    // Flip one bit of a random entry on a mapped path: flags, PS, XD, keys,
    // reserved bits (above MAXPHYADDR, 29:13 / 20:13 of large leaves).
    void poke_random(Rng &rng)
    {
        if (maps.empty())
            return;
        const uint64_t va = maps[rng.below(static_cast<unsigned>(maps.size()))].va;
        const unsigned level = 1 + rng.below(levels);
        uint64_t pa;
        // The builder follows bits 51:12, so a reserved bit poked into a
        // table above can lead beyond the memory.
        if (mmu_ptb_entry_addr(ptb, va, level, &pa) || pa >> maxphyaddr)
            return;
        static const unsigned kBits[] = {0, 0, 1, 2, 5, 6, 7, 7, 8, 63, 63};
        unsigned bit;
        const unsigned r = rng.below(100);
        if (r < 50)
            bit = kBits[rng.below(sizeof kBits / sizeof kBits[0])];
        else if (r < 70)
            bit = maxphyaddr < 52 ? maxphyaddr + rng.below(52 - maxphyaddr) : 51;
        else if (r < 85) // bit 13 is the edge of the large-leaf reserved ranges
            bit = rng.chance(40) ? 13 : 13 + rng.below(17);
        else if (r < 92)
            bit = 59 + rng.below(4);
        else
            bit = 9 + rng.below(3);
        const uint64_t v = a.peek(pa) ^ (1ull << bit);
        a.poke(pa, v);
        b.poke(pa, v);
    }

    // A linear address to access: mostly inside a mapping, sometimes near
    // one, sometimes anywhere, sometimes not canonical.
    uint64_t random_la(Rng &rng) const
    {
        const unsigned r = rng.below(100);
        if (r < 75 && !maps.empty()) {
            const Mapping &m = maps[rng.below(static_cast<unsigned>(maps.size()))];
            return m.va + (rng.next() & (m.size - 1));
        }
        if (r < 88) {
            const uint64_t anchor = anchors[rng.below(static_cast<unsigned>(anchors.size()))];
            return canon(anchor ^ (rng.next() & bits(rng.chance(50) ? 30 : 40, 0)), width);
        }
        if (r < 95)
            return canon(rng.next(), width);
        // Not canonical: some bit above width-1 differs from bit width-1.
        uint64_t la = canon(rng.next(), width);
        return la ^ (1ull << (width + rng.below(64 - width)));
    }
};

// ---- random jobs ------------------------------------------------------------------------------

void random_ctrl(Rng &rng, mmu_walk_job_t &j)
{
    j.wp = rng.chance(60);
    j.smep = rng.chance(50);
    j.smap = rng.chance(50);
    j.ac = rng.chance(50);
    j.nxe = rng.chance(70);
    j.pke = rng.chance(50);
    j.pks = rng.chance(50);
    // Keys: mostly sparse, so accesses are allowed often enough to reach A/D.
    j.pkru = rng.chance(40) ? 0 : static_cast<uint32_t>(rng.next() & rng.next() & rng.next());
    j.pkrs = rng.chance(40) ? 0 : static_cast<uint32_t>(rng.next() & rng.next() & rng.next());
}

mmu_walk_job_t random_job(const World &w, Rng &rng)
{
    mmu_walk_job_t j{};
    j.la = w.random_la(rng);
    j.type = static_cast<uint8_t>(rng.below(3));
    static const uint8_t kCpl[] = {0, 0, 3, 3, 3, 1, 2};
    j.cpl = kCpl[rng.below(sizeof kCpl)];
    j.flags = rng.chance(15) ? MMU_REQ_IMPLICIT : 0;
    j.levels = static_cast<uint8_t>(w.levels);
    j.pcid = static_cast<uint16_t>(rng.below(4096));
    random_ctrl(rng, j);
    j.t0 = 1000 + (rng.next() & 0xffffffffull);
    j.start_level = static_cast<uint8_t>(w.levels);
    j.start_table = w.root;
    j.start_perms = MMU_PERM_W | MMU_PERM_U;
    if (rng.chance(30)) {
        // Start below the root, as after a paging-structure-cache hit: follow
        // present, non-leaf entries down 1..levels-1 levels, combining rights.
        unsigned level = w.levels, perms = MMU_PERM_W | MMU_PERM_U;
        uint64_t table = w.root;
        for (unsigned k = 1 + rng.below(w.levels - 1); k && level > 1; k--) {
            const uint64_t e = w.a.peek(table + 8ull * pt_index(j.la, level));
            if (!(e & MMU_PTE_P) || ((level == 2 || level == 3) && (e & MMU_PTE_PS)))
                break;
            if (!(e & MMU_PTE_RW))
                perms &= ~MMU_PERM_W;
            if (!(e & MMU_PTE_US))
                perms &= ~MMU_PERM_U;
            if (e & MMU_PTE_XD)
                perms |= MMU_PERM_XD;
            table = e & bits(w.maxphyaddr - 1, 12);
            level--;
        }
        j.start_level = static_cast<uint8_t>(level);
        j.start_table = table;
        j.start_perms = static_cast<uint8_t>(rng.chance(10) ? rng.below(8) : perms);
        if (rng.chance(10)) // junk below bit 12 and above MAXPHYADDR is masked off
            j.start_table |= rng.next() & (bits(11, 0) | bits(63, w.maxphyaddr));
    }
    return j;
}

// ---- the C-vs-RTL walker run -------------------------------------------------------------------

struct Tally {
    unsigned walks = 0, mismatches = 0, ok = 0, pf = 0, gp = 0, memerr = 0, retry = 0,
             restarts = 0, stalled = 0;
    unsigned long long cycles = 0;
};

// Walk random jobs over random worlds; every walk is compared in full.
void run_random(const Variant &v, uint64_t seed, unsigned worlds, unsigned per_world, Tally &t)
{
    Rng rng(seed);
    std::unique_ptr<RtlBase> rtl = make_rtl(v);
    for (unsigned wi = 0; wi < worlds; wi++) {
        const uint64_t wseed = rng.next();
        Rng wr(wseed);
        const unsigned levels = wr.chance(50) ? 5 : 4;
        World w(v.maxphyaddr, levels, wr);
        // Half the worlds take latencies from a logging callback (random
        // 1..9, so the per-access `now` is compared too), half from the
        // built-in cache model.
        const bool use_cb = wr.chance(50);
        Lat lat_a, lat_b;
        lat_a.lo = lat_b.lo = 1;
        lat_a.hi = lat_b.hi = 9;
        lat_a.rmw = lat_b.rmw = wr.below(4);
        lat_a.rng = lat_b.rng = Rng(wr.next());
        mmu_config_t ca = make_config(v, use_cb ? &lat_a : nullptr);
        mmu_config_t cb = make_config(v, use_cb ? &lat_b : nullptr);
        mmu_t *ma = nullptr, *mb = nullptr;
        mmu_mem_ops_t oa = w.a.ops(), ob = w.b.ops();
        ASSERT_EQ(0, mmu_create(&ca, &oa, &ma, nullptr));
        ASSERT_EQ(0, mmu_create(&cb, &ob, &mb, nullptr));
        rtl->reset();

        for (unsigned ai = 0; ai < per_world; ai++) {
            mmu_walk_job_t j = random_job(w, wr);
            const unsigned m = wr.below(100);
            const Mode mode = m < 10 ? Mode::kStall : m < 40 ? Mode::kSkip : Mode::kExact;
            const bool stall = mode == Mode::kStall;
            Inject inj;
            const unsigned r = wr.below(100);
            if (r < 12) {
                inj.flip_op = wr.below(6);
                static const uint64_t kFlip[] = {1ull << 9, 1ull << 10, MMU_PTE_P, MMU_PTE_RW,
                                                 MMU_PTE_A, MMU_PTE_D, MMU_PTE_PS, MMU_PTE_XD};
                inj.flip = kFlip[wr.below(sizeof kFlip / sizeof kFlip[0])];
            } else if (r < 14) {
                inj.err_op = wr.below(8);
            } else if (r < 16) {
                // Keep changing one entry of the path: exhausts the retries
                // when that entry needs an A/D update.
                uint64_t pa;
                if (mmu_ptb_entry_addr(w.ptb, j.la, 1 + wr.below(levels), &pa) == 0) {
                    inj.sticky_pa = pa;
                    inj.sticky_flip = 1ull << 11;
                }
            }
            w.a.log.clear();
            w.b.log.clear();
            w.a.inj = w.b.inj = inj;
            lat_a.log.clear();
            lat_b.log.clear();

            const bool canonical = canon(j.la, levels == 5 ? 57 : 48) == j.la;
            Expect e;
            if (canonical) {
                mmu_walk_out_t o;
                e = from_walk(mmu_walk_c(ma, &j, &o), o);
            } else {
                e = gp(); // the C core raises it before any lookup
            }
            const RtlOut ro = rtl->walk(j, w.b, mb, wr, mode);

            std::string d = compare(e, ro, !stall);
            if (!canonical && ro.res_edge != ro.t0)
                d += "  #GP not at the acceptance edge\n";
            d += compare_ops(w.a.log, w.b.log);
            if (use_cb)
                d += compare_lat(lat_a.log, lat_b.log, !stall);
            t.walks++;
            t.stalled += stall;
            t.cycles += ro.res_edge - ro.t0;
            switch (ro.kind) {
            case 0: t.ok++; break;
            case 1: t.pf++; break;
            case 2: t.gp++; break;
            case 3: t.memerr++; break;
            default: t.retry++; break;
            }
            if (ro.reads > levels)
                t.restarts++;
            if (!d.empty()) {
                t.mismatches++;
                ADD_FAILURE() << v.name << " seed 0x" << std::hex << seed << " world " << std::dec
                              << wi << " (seed 0x" << std::hex << wseed << std::dec << ") access "
                              << ai << (stall ? " (stalled memory)" : "") << "\n  " << describe(j)
                              << "\n"
                              << d;
                break; // the memories may differ now
            }
        }
        mmu_destroy(ma);
        mmu_destroy(mb);
        if (t.mismatches >= 5)
            return;
    }
}

void report(const char *what, uint64_t seed, const Tally &t)
{
    std::printf("%s: %u walks (%u stalled), %u mismatches (seed 0x%" PRIx64
                "): ok %u, #PF %u, #GP %u, memory error %u, retry limit %u, restarted %u, "
                "%llu cycles\n",
                what, t.walks, t.stalled, t.mismatches, seed, t.ok, t.pf, t.gp, t.memerr, t.retry,
                t.restarts, t.cycles);
}

// ---- directed tests ------------------------------------------------------------------------------

// One 4-level world with one 4K page, fixed latencies: read 5, locked update 5+3.
struct Fixed {
    const Variant &v;
    Memory a, b;
    Tee tee;
    mmu_mem_ops_t tee_ops;
    mmu_ptb_t *ptb = nullptr;
    Lat lat_a, lat_b;
    mmu_t *ma = nullptr, *mb = nullptr;
    std::unique_ptr<RtlBase> rtl;
    Rng rng{7};
    static constexpr uint64_t kVa = 0x00007f5c2a001000ull;

    explicit Fixed(const Variant &v_, uint64_t leaf_flags, unsigned levels = 4)
        : v(v_), a(v_.maxphyaddr), b(v_.maxphyaddr), tee{&a, &b}
    {
        tee_ops = mmu_mem_ops_t{sizeof(mmu_mem_ops_t), Tee::read64, Tee::cmpxchg64, &tee, nullptr, nullptr};
        EXPECT_EQ(0, mmu_ptb_create(&tee_ops, levels, 1ull << 20, 1ull << 20, &ptb));
        mmu_ptb_set_table_flags(ptb, MMU_PTE_P | MMU_PTE_RW | MMU_PTE_US);
        EXPECT_EQ(0, mmu_ptb_map(ptb, kVa, 0x345000, 4096, MMU_PAGE_4K, leaf_flags));
        for (Lat *l : {&lat_a, &lat_b}) {
            l->lo = l->hi = 5;
            l->rmw = 3;
        }
        mmu_config_t ca = make_config(v, &lat_a), cb = make_config(v, &lat_b);
        mmu_mem_ops_t oa = a.ops(), ob = b.ops();
        EXPECT_EQ(0, mmu_create(&ca, &oa, &ma, nullptr));
        EXPECT_EQ(0, mmu_create(&cb, &ob, &mb, nullptr));
        rtl = make_rtl(v);
    }
    ~Fixed()
    {
        mmu_destroy(ma);
        mmu_destroy(mb);
        mmu_ptb_destroy(ptb);
    }
    Fixed(const Fixed &) = delete;
    Fixed &operator=(const Fixed &) = delete;

    mmu_walk_job_t job(uint64_t la, mmu_access_t type, unsigned levels = 4) const
    {
        mmu_walk_job_t j{};
        j.la = la;
        j.type = static_cast<uint8_t>(type);
        j.cpl = 3;
        j.levels = static_cast<uint8_t>(levels);
        j.start_level = static_cast<uint8_t>(levels);
        j.start_table = mmu_ptb_root(ptb);
        j.start_perms = MMU_PERM_W | MMU_PERM_U;
        j.wp = 1;
        j.nxe = 1;
        j.t0 = 100;
        return j;
    }

    // Run both; EXPECT agreement; return both results.
    std::pair<int, RtlOut> run(const mmu_walk_job_t &j, mmu_walk_out_t &o, const Inject &inj = {},
                               Mode mode = Mode::kExact)
    {
        a.log.clear();
        b.log.clear();
        lat_a.log.clear();
        lat_b.log.clear();
        a.inj = b.inj = inj;
        const int rc = mmu_walk_c(ma, &j, &o);
        RtlOut r = rtl->walk(j, b, mb, rng, mode);
        const std::string d = compare(from_walk(rc, o), r, true) + compare_ops(a.log, b.log) +
                              compare_lat(lat_a.log, lat_b.log, true);
        EXPECT_EQ("", d) << describe(j);
        return {rc, r};
    }
};

// The cycle contract, literally: read k raised LEVEL_LATENCY after the
// previous response (or t0), answered 5 edges later; the A/D updates raised at
// the edge the previous response is sampled, answered 8 later; res_valid at
// the last response. 4 reads + 4 updates: 4 * (1 + 5) + 4 * 8 = 56.
TEST(RtlWalker, CycleContractLiteral)
{
    Fixed f(kDefault, MMU_PTE_RW | MMU_PTE_US);
    mmu_walk_out_t o;
    const RtlOut r = f.run(f.job(Fixed::kVa + 0x123, MMU_ACC_WRITE), o).second;
    EXPECT_EQ(0u, r.kind);
    EXPECT_EQ(0x345123u, r.pa);
    EXPECT_EQ((std::vector<uint64_t>{1, 7, 13, 19, 24, 32, 40, 48}), r.raised);
    EXPECT_EQ((std::vector<uint64_t>{6, 12, 18, 24, 32, 40, 48, 56}), r.sampled);
    EXPECT_EQ(56u, r.res_edge - r.t0);
    EXPECT_EQ(56u, r.port_cycles);
    EXPECT_EQ(56u, o.cycles);
    // Second walk: A and D already set, no update; 4 * 6 cycles.
    const RtlOut r2 = f.run(f.job(Fixed::kVa, MMU_ACC_WRITE), o).second;
    EXPECT_EQ(4u, r2.reads);
    EXPECT_EQ(0u, r2.updates);
    EXPECT_EQ(24u, r2.res_edge - r2.t0);
}

// The same walk with the idle edges of each memory wait left out: the same
// cycles (raised, sampled, res_cycles, the C walker's count), in 12 edges
// after t0 instead of 56: per read a level step and one edge that accepts
// the request and takes its answer; per update one edge.
TEST(RtlWalker, SkippedWaitsKeepTheCycleContract)
{
    Fixed f(kDefault, MMU_PTE_RW | MMU_PTE_US);
    mmu_walk_out_t o;
    const RtlOut r = f.run(f.job(Fixed::kVa + 0x123, MMU_ACC_WRITE), o, {}, Mode::kSkip).second;
    EXPECT_EQ(0u, r.kind);
    EXPECT_EQ((std::vector<uint64_t>{1, 7, 13, 19, 24, 32, 40, 48}), r.raised);
    EXPECT_EQ((std::vector<uint64_t>{6, 12, 18, 24, 32, 40, 48, 56}), r.sampled);
    EXPECT_EQ(56u, r.port_cycles);
    EXPECT_EQ(56u, o.cycles);
    EXPECT_EQ(12u, r.edges);
    // The exact clock, for comparison: one edge per cycle.
    Fixed g(kDefault, MMU_PTE_RW | MMU_PTE_US);
    EXPECT_EQ(56u, g.run(g.job(Fixed::kVa + 0x123, MMU_ACC_WRITE), o).second.edges);
    // LEVEL_LATENCY = 0 and a restart: still the C walker's cycles.
    for (const Variant *v : {&kMin, &kLat2}) {
        Fixed h(*v, MMU_PTE_RW | MMU_PTE_US);
        Inject inj;
        inj.flip_op = 2;
        inj.flip = 1ull << 9;
        h.run(h.job(Fixed::kVa, MMU_ACC_WRITE), o, inj, Mode::kSkip);
    }
}

// LEVEL_LATENCY = 0: each read is raised at the edge the previous response is
// sampled (the first at t0 itself).
TEST(RtlWalker, CycleContractNoLevelStep)
{
    Fixed f(kMin, MMU_PTE_RW | MMU_PTE_US | MMU_PTE_A | MMU_PTE_D);
    mmu_walk_out_t o;
    f.run(f.job(Fixed::kVa, MMU_ACC_READ), o); // sets A in the tables
    const RtlOut r = f.run(f.job(Fixed::kVa, MMU_ACC_READ), o).second;
    EXPECT_EQ((std::vector<uint64_t>{0, 5, 10, 15}), r.raised);
    EXPECT_EQ(20u, r.res_edge - r.t0);
}

// SDM 4.8: an entry that changed between the read and the locked update makes
// the walk start over; it then succeeds.
TEST(RtlWalker, ChangedEntryRestartsWalk)
{
    for (const Variant *v : {&kDefault, &kMin, &kLat2}) {
        Fixed f(*v, MMU_PTE_RW | MMU_PTE_US);
        mmu_walk_out_t o;
        Inject inj;
        inj.flip_op = 2;       // the PDE, just read
        inj.flip = 1ull << 9;  // an ignored bit: the restarted walk succeeds
        const auto [rc, r] = f.run(f.job(Fixed::kVa, MMU_ACC_READ), o, inj);
        EXPECT_EQ(0, rc) << v->name;
        EXPECT_EQ(0u, r.kind) << v->name;
        // 4 reads, A of PML4E and PDPTE set, the PDE's update fails; then 4
        // reads and the PDE's and PTE's A.
        EXPECT_EQ(8u, r.reads) << v->name;
        EXPECT_EQ(5u, r.updates) << v->name;
    }
}

// An entry that keeps changing exhausts RETRY_LIMIT (MMU_ERETRY, kind 4).
TEST(RtlWalker, RetryLimitExhausted)
{
    for (const Variant *v : {&kDefault, &kMin, &kLat2}) {
        Fixed f(*v, MMU_PTE_RW | MMU_PTE_US);
        uint64_t pte;
        ASSERT_EQ(0, mmu_ptb_entry_addr(f.ptb, Fixed::kVa, 1, &pte));
        mmu_walk_out_t o;
        Inject inj;
        inj.sticky_pa = pte;
        inj.sticky_flip = 1ull << 10;
        const auto [rc, r] = f.run(f.job(Fixed::kVa, MMU_ACC_WRITE), o, inj);
        EXPECT_EQ(MMU_ERETRY, rc) << v->name;
        EXPECT_EQ(4u, r.kind) << v->name;
        EXPECT_EQ(4 * v->retry_limit, r.reads) << v->name;
    }
}

// A failing memory ends the walk with kind 3 at the edge its answer arrives.
TEST(RtlWalker, MemoryErrorEndsWalk)
{
    for (long op = 0; op < 8; op++) {
        Fixed f(kDefault, MMU_PTE_RW | MMU_PTE_US);
        mmu_walk_out_t o;
        Inject inj;
        inj.err_op = op;
        const auto [rc, r] = f.run(f.job(Fixed::kVa, MMU_ACC_WRITE), o, inj);
        EXPECT_EQ(MMU_EMEM, rc) << op;
        EXPECT_EQ(3u, r.kind) << op;
        EXPECT_EQ(static_cast<size_t>(op + 1), f.b.log.size()) << op;
        EXPECT_EQ(r.sampled.back(), r.res_edge - r.t0) << op;
    }
}

// SDM 4.5: a non-canonical address is #GP(0) at the acceptance edge, with no
// memory access; 57-bit addresses are canonical only with 5 levels.
TEST(RtlWalker, NonCanonicalIsGpAtAcceptance)
{
    Fixed f(kDefault, MMU_PTE_RW | MMU_PTE_US);
    mmu_walk_out_t o;
    for (uint64_t la : {0x0000800000000000ull, 0x8000000000000000ull, 0xffff7fffffffffffull}) {
        const RtlOut r = f.rtl->walk(f.job(la, MMU_ACC_READ), f.b, f.mb, f.rng, Mode::kExact);
        EXPECT_EQ("", compare(gp(), r, true)) << std::hex << la;
        EXPECT_EQ(r.t0, r.res_edge);
        EXPECT_TRUE(f.b.log.empty());
    }
    // Canonical with 57 bits: walked (not present in this 4-level world's
    // tables read as a 5-level root, but a #PF, not a #GP).
    const RtlOut r = f.rtl->walk(f.job(0x0000800000000000ull, MMU_ACC_READ, 5), f.b, f.mb, f.rng,
                                 Mode::kExact);
    EXPECT_EQ(1u, r.kind);
    (void)o;
}

// ---- random C-vs-RTL walks, one test per built variant ---------------------------------------

TEST(RtlWalker, RandomDefault)
{
    Tally t;
    const uint64_t seed = 0x5eed0001;
    run_random(kDefault, seed, 200, 100, t);
    report("rtl walker Vwalker (MAXPHYADDR 52, 1G, no A on fault, 16 tries, step 1)", seed, t);
    EXPECT_EQ(0u, t.mismatches);
    EXPECT_GT(t.ok, t.walks / 10);
    EXPECT_GT(t.retry, 0u);
    EXPECT_GT(t.memerr, 0u);
}

TEST(RtlWalker, RandomMin)
{
    Tally t;
    const uint64_t seed = 0x5eed0002;
    run_random(kMin, seed, 150, 100, t);
    report("rtl walker Vwalker_min (MAXPHYADDR 36, no 1G, A on fault, 3 tries, step 0)", seed, t);
    EXPECT_EQ(0u, t.mismatches);
    EXPECT_GT(t.ok, t.walks / 10);
}

TEST(RtlWalker, RandomLat2)
{
    Tally t;
    const uint64_t seed = 0x5eed0003;
    run_random(kLat2, seed, 150, 100, t);
    report("rtl walker Vwalker_lat2 (MAXPHYADDR 46, A on fault, 2 tries, step 2)", seed, t);
    EXPECT_EQ(0u, t.mismatches);
    EXPECT_GT(t.ok, t.walks / 10);
}

// The PSC variant with empty caches must be the plain walker: mmu_walk_c has
// no caches, so each world gets one walk right after the reset (which
// empties them); the caches themselves are compared in PscMatchesCore.
TEST(RtlWalker, RandomPscVariantAsPlainWalker)
{
    Tally t;
    const uint64_t seed = 0x5eed0004;
    run_random(kPsc, seed, 1000, 1, t);
    report("rtl walker Vwalker_psc, one walk per reset", seed, t);
    EXPECT_EQ(0u, t.mismatches);
}

// ---- paging-structure caches against the whole C core -------------------------------------

// The C core with no TLBs (every access walks), one walker, and PSCs shaped
// like the RTL's: fully associative, LRU.
mmu_config_t psc_config(const Variant &v, Lat *lat)
{
    mmu_config_t cfg = make_config(v, lat);
    for (mmu_tlb_cfg_t *t : {&cfg.l1i, &cfg.l1d, &cfg.l2})
        for (mmu_array_cfg_t &arr : t->arr)
            arr.entries = 0;
    for (unsigned l = 2; l <= 5; l++) {
        cfg.psc[l].arr = mmu_array_cfg_t{v.psc[l], v.psc[l], 0, MMU_REPL_LRU, MMU_INDEX_LOW, 0};
        cfg.psc[l].latency = 1;
    }
    cfg.walkers = 1;
    return cfg;
}

TEST(RtlWalker, PscMatchesCore)
{
    const Variant &v = kPsc;
    const uint64_t seed = 0x5eed0005;
    Rng rng(seed);
    std::unique_ptr<RtlBase> rtl = make_rtl(v);
    Tally t;
    unsigned psc_hits[6] = {}, invs = 0;
    // Four PCIDs that between them set and clear every one of the 12 bits, so
    // that the caches' PCID tags and the invalidation port toggle.
    auto any_pcid = [](Rng &r) {
        static constexpr uint16_t kPcids[4] = {0x000, 0xfff, 0x555, 0xaaa};
        return kPcids[r.below(4)];
    };
    for (unsigned wi = 0; wi < 200 && t.mismatches == 0; wi++) {
        const uint64_t wseed = rng.next();
        Rng wr(wseed);
        const unsigned levels = wr.chance(50) ? 5 : 4;
        World w(v.maxphyaddr, levels, wr);
        Lat lat_a, lat_b;
        lat_a.lo = lat_b.lo = 1;
        lat_a.hi = lat_b.hi = 9;
        lat_a.rmw = lat_b.rmw = 2;
        lat_a.rng = lat_b.rng = Rng(wr.next());
        mmu_config_t ca = psc_config(v, &lat_a), cb = psc_config(v, &lat_b);
        mmu_t *ma = nullptr, *mb = nullptr;
        mmu_mem_ops_t oa = w.a.ops(), ob = w.b.ops();
        ASSERT_EQ(0, mmu_create(&ca, &oa, &ma, nullptr));
        ASSERT_EQ(0, mmu_create(&cb, &ob, &mb, nullptr));
        // No reset between worlds: mmu_set_ctrl flushes everything, so the
        // RTL's caches are emptied by the invalidate-all below (4- and 5-level
        // worlds alternate, which is the only way to change LA57).

        mmu_ctrl_t c{};
        unsigned pcid = any_pcid(wr);
        c.cr0 = wr.chance(60) ? MMU_CR0_WP : 0;
        c.cr3 = w.root | pcid;
        c.cr4 = MMU_CR4_PCIDE | (levels == 5 ? MMU_CR4_LA57 : 0) |
                (wr.chance(50) ? MMU_CR4_SMEP : 0) | (wr.chance(50) ? MMU_CR4_SMAP : 0) |
                (wr.chance(50) ? MMU_CR4_PKE : 0) | (wr.chance(50) ? MMU_CR4_PKS : 0);
        c.efer = wr.chance(90) ? MMU_EFER_NXE : 0;
        c.rflags = wr.chance(50) ? MMU_RFLAGS_AC : 0;
        ASSERT_EQ(0, mmu_set_ctrl(ma, &c, nullptr));
        rtl->invalidate(0, 0, 0);

        uint64_t now = 1000;
        std::vector<uint64_t> recent;
        for (unsigned ai = 0; ai < 100; ai++) {
            // Between accesses: control changes with the invalidations
            // mmu.c does for them, INVLPG/INVPCID, page-table edits with none.
            const unsigned r = wr.below(100);
            const mmu_ctrl_t *cur = mmu_get_ctrl(ma);
            if (r < 4) {
                pcid = any_pcid(wr);
                const bool noflush = wr.chance(30);
                ASSERT_EQ(0, mmu_write_cr(ma, 3, w.root | pcid | (noflush ? MMU_CR3_NOFLUSH : 0),
                                          nullptr));
                if (!noflush) {
                    rtl->invalidate(1, static_cast<uint16_t>(pcid), 0);
                    invs++;
                }
            } else if (r < 7) {
                const uint64_t cr4 = cur->cr4 ^ MMU_CR4_SMEP;
                ASSERT_EQ(0, mmu_write_cr(ma, 4, cr4, nullptr));
                if (cr4 & MMU_CR4_SMEP) { // SMEP 0 -> 1 drops the current PCID's entries
                    rtl->invalidate(1, static_cast<uint16_t>(pcid), 0);
                    invs++;
                }
            } else if (r < 9) {
                // A change of NXE flushes everything. Mostly it comes straight
                // back: with NXE=0 every XD entry faults, so few walks would fill.
                for (unsigned k = wr.chance(80) ? 2 : 1; k; k--) {
                    ASSERT_EQ(0, mmu_write_reg(ma, MMU_REG_EFER, mmu_get_ctrl(ma)->efer ^ MMU_EFER_NXE,
                                               nullptr));
                    rtl->invalidate(0, 0, 0);
                    invs++;
                }
            } else if (r < 12) {
                const uint64_t la = w.random_la(wr);
                mmu_invlpg(ma, la);
                if (canon(la, levels == 5 ? 57 : 48) == la) {
                    rtl->invalidate(2, static_cast<uint16_t>(pcid), la);
                    invs++;
                }
            } else if (r < 15) {
                const unsigned type = wr.below(4);
                const uint16_t p = any_pcid(wr);
                const uint64_t la = canon(w.random_la(wr), levels == 5 ? 57 : 48);
                ASSERT_EQ(0, mmu_invpcid(ma, type, p, la, nullptr));
                rtl->invalidate(type == 0 ? 2 : type == 1 ? 1 : 0, p, la);
                invs++;
            } else if (r < 25) {
                const uint64_t cr4 = cur->cr4 ^ (wr.chance(50) ? MMU_CR4_SMAP : MMU_CR4_PKE);
                ASSERT_EQ(0, mmu_write_cr(ma, 4, cr4, nullptr));
                ASSERT_EQ(0, mmu_write_cr(ma, 0, cur->cr0 ^ MMU_CR0_WP, nullptr));
                ASSERT_EQ(0, mmu_write_reg(ma, MMU_REG_RFLAGS, cur->rflags ^ MMU_RFLAGS_AC,
                                           nullptr));
                ASSERT_EQ(0, mmu_write_reg(ma, MMU_REG_PKRU, wr.next() & wr.next() & 0xffffffffull,
                                           nullptr));
                ASSERT_EQ(0, mmu_write_reg(ma, MMU_REG_PKRS, wr.next() & wr.next() & 0xffffffffull,
                                           nullptr));
            } else if (r < 30) {
                w.poke_random(wr); // stale PSC entries stay in use on both sides
            }
            cur = mmu_get_ctrl(ma);

            mmu_req_t req = MMU_REQ_INIT;
            // Locality, so that the caches hit: most accesses go near a recent
            // one (the same page, or another page of the same 2M or 1G region).
            if (!recent.empty() && wr.chance(70)) {
                const uint64_t near = recent[wr.below(static_cast<unsigned>(recent.size()))];
                const unsigned r2 = wr.below(100);
                req.la = near ^ (wr.next() & bits(r2 < 50 ? 11 : r2 < 80 ? 20 : 29, 0));
            } else {
                req.la = w.random_la(wr);
            }

            req.type = static_cast<uint8_t>(wr.below(3));
            req.cpl = static_cast<uint8_t>(wr.chance(30) ? 3 : 0);
            req.flags = wr.chance(10) ? MMU_REQ_IMPLICIT : 0;
            req.now = now;
            now += 10000;

            Inject inj;
            if (wr.chance(8)) {
                inj.flip_op = wr.below(5);
                inj.flip = wr.chance(50) ? (1ull << 9) : MMU_PTE_A;
            }
            w.a.log.clear();
            w.b.log.clear();
            w.a.inj = w.b.inj = inj;
            lat_a.log.clear();
            lat_b.log.clear();

            mmu_result_t res;
            const int rc = mmu_translate(ma, &req, &res);
            Expect e;
            e.trace = false;
            e.split = false;
            if (rc) {
                e.kind = rc == MMU_ERETRY ? 4 : 3;
                e.full = false;
            } else {
                e.kind = res.fault.kind;
                e.vector = res.fault.vector;
                e.ec = res.fault.error_code;
                e.cr2 = res.fault.cr2;
                if (res.fault.kind == MMU_FAULT_NONE) {
                    e.pa = res.pa;
                    e.psize = res.page_size;
                    e.perms = res.perms;
                    e.pkey = res.pkey;
                    e.global = res.global;
                }
                e.mem_refs = res.mem_refs;
                e.cycles = res.lat_walk;
                e.psc_level = res.psc_level;
            }

            mmu_walk_job_t j{};
            j.la = req.la;
            j.type = req.type;
            j.cpl = req.cpl;
            j.flags = req.flags;
            j.levels = static_cast<uint8_t>(levels);
            j.start_level = static_cast<uint8_t>(levels);
            j.start_table = cur->cr3 & bits(v.maxphyaddr - 1, 12);
            j.start_perms = MMU_PERM_W | MMU_PERM_U;
            j.pcid = static_cast<uint16_t>(pcid);
            j.wp = (cur->cr0 & MMU_CR0_WP) != 0;
            j.smep = (cur->cr4 & MMU_CR4_SMEP) != 0;
            j.smap = (cur->cr4 & MMU_CR4_SMAP) != 0;
            j.pke = (cur->cr4 & MMU_CR4_PKE) != 0;
            j.pks = (cur->cr4 & MMU_CR4_PKS) != 0;
            j.nxe = (cur->efer & MMU_EFER_NXE) != 0;
            j.ac = (cur->rflags & MMU_RFLAGS_AC) != 0;
            j.pkru = cur->pkru;
            j.pkrs = cur->pkrs;
            // The walk began where the C core's first latency call says (one
            // level step before it), or at done_at - lat_walk.
            j.t0 = rc == 0 ? res.done_at - res.lat_walk
                           : (lat_a.log.empty() ? 0 : lat_a.log[0].now - v.level_latency);
            const RtlOut ro = rtl->walk(j, w.b, mb, wr, wr.chance(50) ? Mode::kSkip : Mode::kExact);

            std::string d = compare(e, ro, true);
            d += compare_ops(w.a.log, w.b.log);
            d += compare_lat(lat_a.log, lat_b.log, true);
            t.walks++;
            t.cycles += ro.res_edge - ro.t0;
            if (ro.kind == 0 && recent.size() < 8)
                recent.push_back(req.la);
            else if (ro.kind == 0)
                recent[wr.below(8)] = req.la;
            psc_hits[ro.psc_level]++;
            t.ok += ro.kind == 0;
            t.pf += ro.kind == 1;
            if (!d.empty()) {
                t.mismatches++;
                ADD_FAILURE() << v.name << " vs mmu_translate, seed 0x" << std::hex << seed
                              << " world " << std::dec << wi << " (seed 0x" << std::hex << wseed
                              << std::dec << ") access " << ai << "\n  " << describe(j) << "\n"
                              << d;
                break;
            }
        }
        mmu_destroy(ma);
        mmu_destroy(mb);
    }
    std::printf("rtl psc Vwalker_psc vs mmu_translate: %u walks, %u mismatches (seed 0x%" PRIx64
                "): ok %u, #PF %u; started below PDE %u, PML4E %u, PML5E %u, root %u; "
                "%u invalidations\n",
                t.walks, t.mismatches, seed, t.ok, t.pf, psc_hits[2], psc_hits[4], psc_hits[5],
                psc_hits[0], invs);
    EXPECT_EQ(0u, t.mismatches);
    EXPECT_GT(psc_hits[2], 0u);
    EXPECT_GT(psc_hits[4], 0u);
    EXPECT_GT(psc_hits[5], 0u);
}

// Memory waits up to the width of mem_rsp_skip and res_cycles (32 bits): the
// walker adds every skipped cycle, so a walk of nearly 2^32 cycles still ends
// at the C walker's count (the C side counts in 64 bits). Each waits below
// 2^32 in total: four reads of 0x3ffffff0 cycles, then one read (a walk
// started at the PTE, as below a PDE-cache hit) of 0xf0000000.
TEST(RtlWalker, LongMemoryWaitsCountedToThePortWidth)
{
    Fixed f(kDefault, MMU_PTE_RW | MMU_PTE_US | MMU_PTE_A | MMU_PTE_D);
    mmu_walk_out_t o;
    f.run(f.job(Fixed::kVa, MMU_ACC_WRITE), o, {}, Mode::kSkip); // A in the tables
    ASSERT_EQ(4u, o.n);
    const uint64_t pt = o.entry[2] & bits(51, 12);
    for (Lat *l : {&f.lat_a, &f.lat_b}) {
        l->lo = l->hi = 0x3ffffff0u;
        l->rmw = 0;
    }
    auto [rc, r] = f.run(f.job(Fixed::kVa, MMU_ACC_WRITE), o, {}, Mode::kSkip);
    EXPECT_EQ(0, rc);
    EXPECT_EQ(0u, r.updates);
    EXPECT_EQ(4 * (0x3ffffff0ull + 1), o.cycles);
    EXPECT_EQ(o.cycles, r.port_cycles);
    for (Lat *l : {&f.lat_a, &f.lat_b})
        l->lo = l->hi = 0xf0000000u;
    mmu_walk_job_t j = f.job(Fixed::kVa, MMU_ACC_READ);
    j.start_level = 1;
    j.start_table = pt;
    std::tie(rc, r) = f.run(j, o, {}, Mode::kSkip);
    EXPECT_EQ(0, rc);
    EXPECT_EQ(1u, r.reads);
    EXPECT_EQ(0xf0000000ull + 1, o.cycles);
    EXPECT_EQ(o.cycles, r.port_cycles);
    EXPECT_EQ(0x345000u, r.pa);
}

} // namespace
