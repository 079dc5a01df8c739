// SPDX-License-Identifier: Apache-2.0
// The direct RTL bridge (model/sc/rtl_walker_cc): the Verilated --cc walker in
// the C core's walker slot (cfg.walk_cb), from plain C++ with no SystemC. An
// MMU with it must answer exactly as one with the built-in C walker: result,
// memory writes, cycles (done_at, lat_walk); skipped memory waits change the
// number of clock edges, never the cycles; a protocol error is an error for
// that walk only.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "mmu/mmu.h"
#include "mmu/mmu_mem.h"
#include "mmu/mmu_walk.h"
#include "rtl_walker_cc.h"

namespace {

constexpr uint64_t kLa = 0x00007f5c2a001234ull;

// A memory that logs the compare-exchanges that changed a word.
struct Mem {
    mmu_sparse_mem_t *m = nullptr;
    std::vector<std::pair<uint64_t, uint64_t>> writes;
    Mem() { EXPECT_EQ(0, mmu_sparse_mem_create(52, &m)); }
    ~Mem() { mmu_sparse_mem_destroy(m); }
    Mem(const Mem &) = delete;
    Mem &operator=(const Mem &) = delete;
    static int read64(void *ctx, uint64_t pa, uint64_t *v)
    {
        return mmu_sparse_mem_read64(static_cast<Mem *>(ctx)->m, pa, v);
    }
    static int cmpxchg64(void *ctx, uint64_t pa, uint64_t cmp, uint64_t want, uint64_t *old)
    {
        Mem *s = static_cast<Mem *>(ctx);
        int rc = mmu_sparse_mem_read64(s->m, pa, old);
        if (rc == 0 && *old == cmp && want != cmp) {
            rc = mmu_sparse_mem_write64(s->m, pa, want);
            s->writes.emplace_back(pa, want);
        }
        return rc;
    }
    mmu_mem_ops_t ops()
    {
        mmu_mem_ops_t o = MMU_MEM_OPS_INIT;
        o.read64 = read64;
        o.cmpxchg64 = cmpxchg64;
        o.ctx = this;
        return o;
    }
    // The README's worked example: PML4E with A set, then PDPTE, PDE, PTE.
    void worked_example()
    {
        const std::pair<uint64_t, uint64_t> w[] = {
            {0x17f0, 0x2027}, {0x2b80, 0x3007}, {0x3a80, 0x4007}, {0x4008, 0xabcde007}, {0x4010, 0x6007}};
        for (const auto &kv : w)
            EXPECT_EQ(0, mmu_sparse_mem_write64(m, kv.first, kv.second));
    }
};

mmu_config_t config()
{
    mmu_config_t c;
    mmu_config_init(&c);
    c.maxphyaddr = 52; // the default RTL variant's
    return c;
}

mmu_ctrl_t ctrl()
{
    mmu_ctrl_t c{};
    c.cr0 = MMU_CR0_WP;
    c.cr3 = 0x1000;
    c.efer = MMU_EFER_NXE;
    return c;
}

// One MMU with the C walker, one with the bridge, each over its own memory.
struct Pair {
    Mem mc, mr;
    mmu_t *c = nullptr, *r = nullptr;
    rtl_walker_cc bridge;
    explicit Pair(mmu_config_t cfg) : bridge(cfg)
    {
        mc.worked_example();
        mr.worked_example();
        mmu_mem_ops_t oc = mc.ops(), orr = mr.ops();
        EXPECT_EQ(0, mmu_create(&cfg, &oc, &c, nullptr));
        cfg.walk_cb = &rtl_walker_cc::walk_cb;
        cfg.walk_ctx = &bridge;
        EXPECT_EQ(0, mmu_create(&cfg, &orr, &r, nullptr));
        bridge.attach(r, orr);
        const mmu_ctrl_t k = ctrl();
        EXPECT_EQ(0, mmu_set_ctrl(c, &k, nullptr));
        EXPECT_EQ(0, mmu_set_ctrl(r, &k, nullptr));
    }
    ~Pair()
    {
        mmu_destroy(c);
        mmu_destroy(r);
    }
    Pair(const Pair &) = delete;
    Pair &operator=(const Pair &) = delete;

    // Translate on both; expect the same answer; return it.
    mmu_result_t both(uint64_t la, mmu_access_t type, unsigned cpl, uint64_t now)
    {
        mmu_req_t q = MMU_REQ_INIT;
        q.la = la;
        q.type = static_cast<uint8_t>(type);
        q.cpl = static_cast<uint8_t>(cpl);
        q.now = now;
        mmu_result_t a{}, b{};
        const int ra = mmu_translate(c, &q, &a), rb = mmu_translate(r, &q, &b);
        EXPECT_EQ(ra, rb) << bridge.error();
        EXPECT_EQ(a.fault.kind, b.fault.kind);
        EXPECT_EQ(a.fault.error_code, b.fault.error_code);
        EXPECT_EQ(a.pa, b.pa);
        EXPECT_EQ(a.done_at, b.done_at);
        EXPECT_EQ(a.lat_walk, b.lat_walk);
        EXPECT_EQ(a.mem_refs, b.mem_refs);
        EXPECT_EQ(a.psc_level, b.psc_level);
        EXPECT_EQ(mc.writes, mr.writes);
        return a;
    }
};

// The worked example (README "One miss, cycle by cycle"): 889 cycles, 7
// memory references; then a D-assist from the PDE cache and an L1 hit.
// With skipped waits the 879-cycle walk takes 1 + 4 x 2 + 3 = 12 edges (the
// one that takes the job, a level step and a request-and-answer per read, one
// per update); with every edge clocked, one per cycle and the job's.
TEST(RtlBridge, MatchesCWalkerCycleForCycle)
{
    for (const bool skip : {true, false}) {
        Pair p(config());
        p.bridge.set_skip(skip);
        const mmu_result_t r1 = p.both(kLa, MMU_ACC_READ, 3, 0);
        EXPECT_EQ(0xabcde234u, r1.pa);
        EXPECT_EQ(889u, r1.done_at);
        EXPECT_EQ(879u, r1.lat_walk);
        const rtl_walker_cc::counters after1 = p.bridge.stats();
        EXPECT_EQ(1u, after1.walks);
        EXPECT_EQ(879u, after1.cycles);
        EXPECT_EQ(4u, after1.reads);
        EXPECT_EQ(3u, after1.cmpxchgs);
        const uint64_t edges = after1.edges - 2; // the reset's two
        if (skip) {
            EXPECT_EQ(12u, edges);
            EXPECT_EQ(879u - 11u, after1.skipped); // every cycle after t0 is an edge or skipped
        } else {
            EXPECT_EQ(1u + 879u, edges);
            EXPECT_EQ(0u, after1.skipped);
        }
        const mmu_result_t r2 = p.both(kLa, MMU_ACC_WRITE, 3, 889);
        EXPECT_EQ(1u, r2.d_assist);
        EXPECT_EQ(31u, r2.lat_walk);
        EXPECT_EQ(889u + 33u, r2.done_at);
        p.both(kLa, MMU_ACC_READ, 3, 922);
        EXPECT_EQ(2u, p.bridge.stats().walks);
        EXPECT_EQ("", p.bridge.error());
    }
}

// A memory that answers in one cycle: the direct bridge serves it (the
// response is taken at the edge that takes the request).
unsigned one_cycle(void *, uint64_t, int, uint64_t)
{
    return 1;
}

TEST(RtlBridge, OneCycleMemory)
{
    mmu_config_t cfg = config();
    cfg.memlat_cb = &one_cycle;
    Pair p(cfg);
    const mmu_result_t r = p.both(kLa, MMU_ACC_WRITE, 3, 100);
    EXPECT_EQ(0xabcde234u, r.pa);
    // 4 x (step 1 + read 1) + 3 updates of 1 (PDPTE, PDE A; PTE A|D).
    EXPECT_EQ(4u * 2u + 3u, r.lat_walk);
}

// Latency 0 cannot be a memory access: the walk fails with MMU_EINVAL and a
// message; the bridge resets the walker and the next walk is right again.
unsigned zero_then_five(void *ctx, uint64_t, int, uint64_t)
{
    return (*static_cast<int *>(ctx))-- > 0 ? 0 : 5;
}

TEST(RtlBridge, ProtocolErrorEndsOnlyThatWalk)
{
    mmu_config_t cfg = config();
    int zeros = 1;
    cfg.memlat_cb = &zero_then_five;
    cfg.memlat_ctx = &zeros;
    Mem m;
    m.worked_example();
    rtl_walker_cc bridge(cfg);
    cfg.walk_cb = &rtl_walker_cc::walk_cb;
    cfg.walk_ctx = &bridge;
    mmu_mem_ops_t ops = m.ops();
    mmu_t *mmu = nullptr;
    ASSERT_EQ(0, mmu_create(&cfg, &ops, &mmu, nullptr));
    bridge.attach(mmu, ops);
    const mmu_ctrl_t k = ctrl();
    ASSERT_EQ(0, mmu_set_ctrl(mmu, &k, nullptr));
    mmu_req_t q = MMU_REQ_INIT;
    q.la = kLa;
    q.cpl = 3;
    mmu_result_t res{};
    EXPECT_EQ(MMU_EINVAL, mmu_translate(mmu, &q, &res));
    EXPECT_NE(std::string::npos, bridge.error().find("latency 0")) << bridge.error();
    q.now = 1000;
    EXPECT_EQ(0, mmu_translate(mmu, &q, &res)) << bridge.error();
    EXPECT_EQ(0xabcde234u, res.pa);
    mmu_destroy(mmu);
}

TEST(RtlBridge, RefusesConfigurationsNoVariantFits)
{
    mmu_config_t cfg = config();
    EXPECT_EQ(0, rtl_walker_cc::check_config(cfg, nullptr));
    ASSERT_GE(rtl_walker_cc::variant_count(), 1u);
    EXPECT_EQ(52u, rtl_walker_cc::variant(0).maxphyaddr);
    cfg.page_1g = 0;
    mmu_err_t err{};
    EXPECT_EQ(MMU_EINVAL, rtl_walker_cc::check_config(cfg, &err));
    EXPECT_NE(nullptr, std::strstr(err.msg, "page_1g=0")) << err.msg;
    EXPECT_NE(nullptr, std::strstr(err.msg, "MMU_RTL_VARIANTS")) << err.msg;
}

// The campaign's bridge has no tracing compiled in, and says how to get it.
TEST(RtlBridge, NoWaveformsWithoutTheTracedBuild)
{
    if (rtl_walker_cc::trace_available())
        GTEST_SKIP() << "built with MMU_RTL_TRACE";
    rtl_walker_cc bridge(config());
    std::string msg;
    EXPECT_EQ(-1, bridge.trace_open("/nonexistent/x.fst", 1, 1, &msg));
    EXPECT_NE(std::string::npos, msg.find("MMU_RTL_TRACE")) << msg;
}

} // namespace
