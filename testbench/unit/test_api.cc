/* SPDX-License-Identifier: Apache-2.0 */
// The public API as a host uses it, including how it is misused (issue 14):
// every entry point of include/mmu/*.h answers NULL pointers, out-of-range
// values and a failing memory callback with an error code and a message
// naming the argument or field, never a crash; caller-owned structs carry
// their size/version, so a host built against older headers keeps working.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "mmu/mmu.h"
#include "mmu/mmu_mem.h"
#include "mmu/mmu_stats.h"
#include "mmu/mmu_version.h"
#include "mmu/mmu_walk.h"

namespace {

std::string Last(const mmu_t *m)
{
    return mmu_last_error(m);
}

bool Has(const std::string &s, const char *what)
{
    return s.find(what) != std::string::npos;
}

// A memory that can be told to fail one address, with either a proper
// negative code or a positive one (which breaks the contract).
struct FailingMem {
    mmu_sparse_mem_t *mem = nullptr;
    uint64_t bad_read = ~0ull, bad_cmpxchg = ~0ull;
    int code = MMU_EMEM;

    static int read64(void *ctx, uint64_t pa, uint64_t *val)
    {
        auto *f = static_cast<FailingMem *>(ctx);
        if (pa == f->bad_read)
            return f->code;
        return mmu_sparse_mem_read64(f->mem, pa, val);
    }
    static int cmpxchg64(void *ctx, uint64_t pa, uint64_t expected, uint64_t desired,
                         uint64_t *old)
    {
        auto *f = static_cast<FailingMem *>(ctx);
        if (pa == f->bad_cmpxchg)
            return f->code;
        mmu_mem_ops_t o = mmu_sparse_mem_ops(f->mem);
        return o.cmpxchg64(o.ctx, pa, expected, desired, old);
    }
    mmu_mem_ops_t ops()
    {
        mmu_mem_ops_t o = MMU_MEM_OPS_INIT;
        o.read64 = read64;
        o.cmpxchg64 = cmpxchg64;
        o.ctx = this;
        return o;
    }
};

constexpr uint64_t kLa = 0x00007f0000001000ull;

struct ApiMmu : ::testing::Test {
    FailingMem fm;
    mmu_mem_ops_t raw = MMU_MEM_OPS_INIT;
    mmu_ptb_t *pt = nullptr;
    mmu_t *mmu = nullptr;
    mmu_config_t cfg{};

    void SetUp() override
    {
        ASSERT_EQ(0, mmu_sparse_mem_create(46, &fm.mem));
        raw = mmu_sparse_mem_ops(fm.mem);
        ASSERT_EQ(0, mmu_ptb_create(&raw, 4, 0x100000, 1 << 20, &pt));
        ASSERT_EQ(0, mmu_ptb_map(pt, kLa, 0x40000000, 4096, MMU_PAGE_4K, MMU_PTE_RW | MMU_PTE_US));
        mmu_config_init(&cfg);
        mmu_mem_ops_t ops = fm.ops();
        mmu_err_t err{};
        ASSERT_EQ(0, mmu_create(&cfg, &ops, &mmu, &err)) << err.msg;
        mmu_ctrl_t c{};
        c.cr3 = mmu_ptb_root(pt);
        ASSERT_EQ(0, mmu_set_ctrl(mmu, &c, &err)) << err.msg;
    }
    void TearDown() override
    {
        mmu_destroy(mmu);
        mmu_ptb_destroy(pt);
        mmu_sparse_mem_destroy(fm.mem);
    }
    uint64_t EntryAddr(unsigned level)
    {
        uint64_t pa = 0;
        EXPECT_EQ(0, mmu_ptb_entry_addr(pt, kLa, level, &pa));
        return pa;
    }
    int Read(mmu_result_t *res)
    {
        mmu_req_t req = MMU_REQ_INIT;
        req.la = kLa;
        req.cpl = 3;
        return mmu_translate(mmu, &req, res);
    }
};

TEST(Api, VersionMatchesTheHeaders)
{
    EXPECT_EQ(unsigned(MMU_VERSION_NUMBER), mmu_version());
    EXPECT_STREQ(MMU_VERSION_STRING, mmu_version_string());
    EXPECT_EQ(0, MMU_VERSION_MAJOR); // 0.x until the API is declared stable
}

// ---- mmu_create and the structs it copies --------------------------------------

TEST(Api, CreateNamesEachBadArgument)
{
    mmu_sparse_mem_t *mem = nullptr;
    ASSERT_EQ(0, mmu_sparse_mem_create(46, &mem));
    mmu_mem_ops_t ops = mmu_sparse_mem_ops(mem);
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    mmu_t *m = reinterpret_cast<mmu_t *>(1);
    mmu_err_t err{};
    EXPECT_EQ(MMU_EINVAL, mmu_create(&cfg, &ops, nullptr, &err));
    EXPECT_STREQ("mmu_create: out is NULL", err.msg);
    EXPECT_EQ(MMU_EINVAL, mmu_create(nullptr, &ops, &m, &err));
    EXPECT_STREQ("config: NULL", err.msg);
    EXPECT_EQ(nullptr, m);
    EXPECT_EQ(MMU_EINVAL, mmu_create(&cfg, nullptr, &m, &err));
    EXPECT_STREQ("mem: NULL", err.msg);
    mmu_mem_ops_t bad = ops;
    bad.size = 0; // never initialized
    EXPECT_EQ(MMU_EINVAL, mmu_create(&cfg, &bad, &m, &err));
    EXPECT_TRUE(Has(err.msg, "mem->size=0: not an initialized mmu_mem_ops_t")) << err.msg;
    bad = ops;
    bad.read64 = nullptr;
    EXPECT_EQ(MMU_EINVAL, mmu_create(&cfg, &bad, &m, &err));
    EXPECT_STREQ("mem->read64: NULL", err.msg);
    bad = ops;
    bad.cmpxchg64 = nullptr;
    EXPECT_EQ(MMU_EINVAL, mmu_create(&cfg, &bad, &m, &err));
    EXPECT_STREQ("mem->cmpxchg64: NULL", err.msg);
    mmu_config_t raw{};
    EXPECT_EQ(MMU_EINVAL, mmu_create(&raw, &ops, &m, &err));
    EXPECT_STREQ("size=0: not an initialized mmu_config_t (use mmu_config_init())", err.msg);
    memset(&raw, 0xab, sizeof raw); // stack garbage: must not be read as a length
    EXPECT_EQ(MMU_EINVAL, mmu_create(&raw, &ops, &m, &err));
    EXPECT_STREQ("size=2880154539: not an initialized mmu_config_t (use mmu_config_init())",
                 err.msg);
    bad = ops;
    bad.size = 0xabababab;
    EXPECT_EQ(MMU_EINVAL, mmu_create(&cfg, &bad, &m, &err));
    EXPECT_TRUE(Has(err.msg, "not an initialized mmu_mem_ops_t")) << err.msg;
    cfg.walkers = 0; // out of range
    EXPECT_EQ(MMU_EINVAL, mmu_create(&cfg, &ops, &m, &err));
    EXPECT_STREQ("walkers=0: must be 1..64", err.msg);
    EXPECT_EQ(nullptr, m);
    EXPECT_EQ(MMU_EINVAL, mmu_create(&cfg, &ops, &m, nullptr)); // err is optional
    mmu_destroy(nullptr);
    mmu_sparse_mem_destroy(mem);
}

// A host compiled against newer headers (a longer mmu_config_t): fine while
// the fields this library does not know are zero, refused otherwise.
TEST(Api, ConfigFromNewerHeaders)
{
    struct Newer {
        mmu_config_t cfg;
        uint64_t future_field;
    } n;
    mmu_config_init_size(&n.cfg, sizeof n);
    EXPECT_EQ(sizeof n, n.cfg.size);
    EXPECT_EQ(0u, n.future_field); // zeroed: the library does not know it
    mmu_err_t err{};
    EXPECT_EQ(0, mmu_config_validate(&n.cfg, &err)) << err.msg;
    n.future_field = 1;
    EXPECT_EQ(MMU_EINVAL, mmu_config_validate(&n.cfg, &err));
    EXPECT_TRUE(Has(err.msg, "sets fields this libmmusim")) << err.msg;
    // A presumed config shorter than the first released layout is not touched.
    mmu_config_t small;
    memset(&small, 0xab, sizeof small);
    mmu_config_init_size(&small, 8);
    EXPECT_EQ(0xababababu, small.size);
    mmu_config_init_size(nullptr, sizeof small); // no crash
}

// An older host's mmu_config_t ends earlier: the library reads and writes only
// its part (here: every field but the last one it knows, walk_ctx).
TEST(Api, ConfigFromOlderHeadersIsAPrefix)
{
    unsigned char buf[sizeof(mmu_config_t) + 16];
    memset(buf, 0xcd, sizeof buf);
    auto *c = reinterpret_cast<mmu_config_t *>(buf);
    mmu_config_init_size(c, sizeof(mmu_config_t));
    mmu_err_t err{};
    ASSERT_EQ(0, mmu_config_preset(c, "tiny", &err)) << err.msg;
    for (size_t i = sizeof(mmu_config_t); i < sizeof buf; i++)
        EXPECT_EQ(0xcd, buf[i]) << "byte " << i << " beyond the caller's struct was written";
}

TEST(Api, MemOpsInitNeedsItsArguments)
{
    mmu_sparse_mem_t *mem = nullptr;
    ASSERT_EQ(0, mmu_sparse_mem_create(40, &mem));
    mmu_mem_ops_t o = MMU_MEM_OPS_INIT;
    EXPECT_EQ(MMU_EINVAL, mmu_sparse_mem_ops_init(nullptr, &o, sizeof o));
    EXPECT_EQ(MMU_EINVAL, mmu_sparse_mem_ops_init(mem, nullptr, sizeof o));
    EXPECT_EQ(MMU_EINVAL, mmu_sparse_mem_ops_init(mem, &o, 4));
    EXPECT_EQ(0, mmu_sparse_mem_ops_init(mem, &o, sizeof o));
    EXPECT_EQ(sizeof o, o.size);
    EXPECT_EQ(mem, o.ctx);
    mmu_sparse_mem_destroy(mem);
}

// ---- control state and invalidation ---------------------------------------------

TEST_F(ApiMmu, ControlCallsRefuseANullMmu)
{
    mmu_err_t err{};
    mmu_ctrl_t c{};
    EXPECT_EQ(MMU_EINVAL, mmu_set_ctrl(nullptr, &c, &err));
    EXPECT_STREQ("mmu_set_ctrl: mmu is NULL", err.msg);
    EXPECT_EQ(MMU_EINVAL, mmu_set_ctrl(mmu, nullptr, &err));
    EXPECT_STREQ("mmu_set_ctrl: ctrl is NULL", err.msg);
    EXPECT_EQ(MMU_EINVAL, mmu_write_cr(nullptr, 0, 0, &err));
    EXPECT_STREQ("mmu_write_cr: mmu is NULL", err.msg);
    EXPECT_EQ(MMU_EINVAL, mmu_write_cr(mmu, 2, 0, &err));
    EXPECT_STREQ("mmu_write_cr: CR2 is not modelled", err.msg);
    EXPECT_EQ(MMU_EINVAL, mmu_write_reg(nullptr, MMU_REG_EFER, 0, &err));
    EXPECT_STREQ("mmu_write_reg: mmu is NULL", err.msg);
    EXPECT_EQ(MMU_EINVAL, mmu_write_reg(mmu, 9, 0, &err));
    EXPECT_STREQ("mmu_write_reg: unknown register 9", err.msg);
    EXPECT_EQ(MMU_EINVAL, mmu_invpcid(nullptr, 0, 0, 0, &err));
    EXPECT_STREQ("mmu_invpcid: mmu is NULL", err.msg);
    EXPECT_EQ(MMU_EINVAL, mmu_invpcid(mmu, 4, 0, 0, &err));
    EXPECT_STREQ("invpcid: type 4: must be 0..3", err.msg);
    mmu_invlpg(nullptr, kLa);
    mmu_flush_all(nullptr);
    mmu_reset_stats(nullptr);
    EXPECT_EQ(nullptr, mmu_get_ctrl(nullptr));
    EXPECT_NE(nullptr, mmu_get_ctrl(mmu));
    // An out-of-range value names the register.
    c.cr3 = 1ull << 50; // above MAXPHYADDR 46
    EXPECT_EQ(MMU_EINVAL, mmu_set_ctrl(mmu, &c, &err));
    EXPECT_TRUE(Has(err.msg, "cr3=0x4000000000000: bits at or above MAXPHYADDR (46)")) << err.msg;
}

// ---- mmu_translate ----------------------------------------------------------------

TEST_F(ApiMmu, TranslateRefusesBadUseAndSaysWhy)
{
    mmu_req_t req = MMU_REQ_INIT;
    req.la = kLa;
    req.cpl = 3;
    mmu_result_t res;
    EXPECT_EQ(MMU_EINVAL, mmu_translate(nullptr, &req, &res));
    EXPECT_TRUE(Has(mmu_last_error(nullptr), "NULL"));
    EXPECT_EQ(MMU_EINVAL, mmu_translate(mmu, nullptr, &res));
    EXPECT_EQ("mmu_translate: req is NULL", Last(mmu));
    EXPECT_EQ(MMU_EINVAL, mmu_translate(mmu, &req, nullptr));
    EXPECT_EQ("mmu_translate: res is NULL", Last(mmu));
    mmu_req_t zero{}; // version 0: never initialized
    EXPECT_EQ(MMU_EINVAL, mmu_translate(mmu, &zero, &res));
    EXPECT_TRUE(Has(Last(mmu), "req->version=0: this libmmusim")) << Last(mmu);
    mmu_req_t future = req;
    future.version = MMU_REQ_VERSION + 1;
    EXPECT_EQ(MMU_EINVAL, mmu_translate(mmu, &future, &res));
    EXPECT_TRUE(Has(Last(mmu), "req->version=2")) << Last(mmu);
    mmu_req_t bad = req;
    bad.type = 3;
    EXPECT_EQ(MMU_EINVAL, mmu_translate(mmu, &bad, &res));
    EXPECT_EQ("mmu_translate: req->type=3: must be 0 (read), 1 (write) or 2 (fetch)", Last(mmu));
    bad = req;
    bad.cpl = 4;
    EXPECT_EQ(MMU_EINVAL, mmu_translate(mmu, &bad, &res));
    EXPECT_EQ("mmu_translate: req->cpl=4: must be 0..3", Last(mmu));
    // None of those counted as a translation; a good request still works.
    mmu_stats_t s;
    mmu_get_stats(mmu, &s);
    EXPECT_EQ(0u, s.translations);
    ASSERT_EQ(0, mmu_translate(mmu, &req, &res)) << Last(mmu);
    EXPECT_EQ(0x40000000u, res.pa);
}

// SDM-level faults are results, memory failures are errors.
TEST_F(ApiMmu, FailingReadStopsTheWalkAndNamesTheAccess)
{
    const uint64_t pde = EntryAddr(MMU_LVL_PD);
    fm.bad_read = pde;
    mmu_result_t res;
    EXPECT_EQ(MMU_EMEM, Read(&res));
    char want[128];
    snprintf(want, sizeof want, "mmu_translate: la 0x7f0000001000: read64 of the entry at pa 0x%llx "
             "failed: EMEM", (unsigned long long)pde);
    EXPECT_EQ(want, Last(mmu));
    mmu_stats_t s;
    mmu_get_stats(mmu, &s);
    EXPECT_EQ(1u, s.translations);
    EXPECT_EQ(0u, s.walks); // abandoned: not counted, nothing filled
    // The MMU is still usable: with the memory healthy the next request walks
    // from scratch (no entry was cached by the failed walk).
    fm.bad_read = ~0ull;
    ASSERT_EQ(0, Read(&res)) << Last(mmu);
    EXPECT_EQ(MMU_SERVED_WALK, res.served);
    EXPECT_EQ(0u, res.psc_level);
    EXPECT_EQ(0x40000000u, res.pa);
}

TEST_F(ApiMmu, FailingCompareExchangeIsNamedToo)
{
    const uint64_t pte = EntryAddr(MMU_LVL_PT);
    fm.bad_cmpxchg = pte; // the A update of the leaf
    mmu_result_t res;
    EXPECT_EQ(MMU_EMEM, Read(&res));
    EXPECT_TRUE(Has(Last(mmu), "cmpxchg64 of the entry at pa")) << Last(mmu);
}

TEST_F(ApiMmu, APositiveCallbackReturnIsAMemoryError)
{
    fm.bad_read = EntryAddr(MMU_LVL_PML4);
    fm.code = 7; // breaks the contract (0 or a negative MMU_E* code)
    mmu_result_t res;
    EXPECT_EQ(MMU_EMEM, Read(&res));
    fm.bad_read = ~0ull;
    fm.bad_cmpxchg = EntryAddr(MMU_LVL_PT);
    EXPECT_EQ(MMU_EMEM, Read(&res)); // not taken for "entry changed, retry"
}

TEST_F(ApiMmu, ACallbacksOwnCodeIsPassedOn)
{
    fm.bad_read = EntryAddr(MMU_LVL_PDPT);
    fm.code = MMU_ERANGE;
    mmu_result_t res;
    EXPECT_EQ(MMU_ERANGE, Read(&res));
    EXPECT_TRUE(Has(Last(mmu), "failed: ERANGE")) << Last(mmu);
}

// ---- the walker API -------------------------------------------------------------

TEST_F(ApiMmu, WalkApiRefusesBadUse)
{
    mmu_walk_job_t job{};
    mmu_walk_out_t out{};
    EXPECT_EQ(MMU_EINVAL, mmu_walk_c(nullptr, &job, &out));
    EXPECT_EQ(MMU_EINVAL, mmu_walk_c(mmu, nullptr, &out));
    EXPECT_EQ("mmu_walk_c: job is NULL", Last(mmu));
    EXPECT_EQ(MMU_EINVAL, mmu_walk_c(mmu, &job, nullptr));
    EXPECT_EQ("mmu_walk_c: out is NULL", Last(mmu));
    job.levels = 3;
    EXPECT_EQ(MMU_EINVAL, mmu_walk_c(mmu, &job, &out));
    EXPECT_EQ("mmu_walk_c: job->levels=3: must be 4 or 5", Last(mmu));
    job.levels = 4;
    job.start_level = 5;
    EXPECT_EQ(MMU_EINVAL, mmu_walk_c(mmu, &job, &out));
    EXPECT_EQ("mmu_walk_c: job->start_level=5: must be 1..4", Last(mmu));
    EXPECT_EQ(0u, mmu_walk_latency(nullptr, 0, 0, 0));
    // A failing callback during mmu_walk_c is named as in mmu_translate.
    job.start_level = 4;
    job.start_table = mmu_ptb_root(pt);
    job.la = kLa;
    fm.bad_read = EntryAddr(MMU_LVL_PML4);
    EXPECT_EQ(MMU_EMEM, mmu_walk_c(mmu, &job, &out));
    EXPECT_TRUE(Has(Last(mmu), "mmu_walk_c: la 0x7f0000001000: read64")) << Last(mmu);
}

// ---- statistics -------------------------------------------------------------------

TEST_F(ApiMmu, StatsFromOlderHeadersArePrefixes)
{
    mmu_result_t res;
    ASSERT_EQ(0, Read(&res));
    // A host whose mmu_stats_t had only the first 3 counters.
    uint64_t old[3 + 2];
    memset(old, 0xee, sizeof old);
    mmu_get_stats_size(mmu, reinterpret_cast<mmu_stats_t *>(old), 3 * sizeof(uint64_t));
    EXPECT_EQ(1u, old[0]); // translations
    EXPECT_EQ(0xeeeeeeeeeeeeeeeeull, old[3]) << "wrote past the caller's struct";
    EXPECT_EQ(0xeeeeeeeeeeeeeeeeull, old[4]);
    const auto *o = reinterpret_cast<const mmu_stats_t *>(old);
    EXPECT_EQ(1u, mmu_stats_get_size(o, 3 * sizeof(uint64_t), 0));
    EXPECT_EQ(0u, mmu_stats_get_size(o, 3 * sizeof(uint64_t), 3)); // beyond its struct
    uint64_t diff[3 + 1];
    diff[3] = 42;
    mmu_stats_diff_size(reinterpret_cast<mmu_stats_t *>(diff), o, o, 3 * sizeof(uint64_t));
    EXPECT_EQ(0u, diff[0]);
    EXPECT_EQ(42u, diff[3]);
}

TEST_F(ApiMmu, StatsCallsIgnoreNull)
{
    mmu_stats_t s;
    memset(&s, 0x5a, sizeof s);
    mmu_get_stats(nullptr, &s);
    EXPECT_EQ(0u, s.translations); // all zero for a NULL mmu
    mmu_get_stats_size(mmu, nullptr, sizeof s);
    EXPECT_EQ(0u, mmu_stats_get_size(nullptr, sizeof s, 0));
    mmu_stats_diff_size(nullptr, &s, &s, sizeof s);
    mmu_stats_diff_size(&s, nullptr, &s, sizeof s);
    mmu_stats_print_size(nullptr, &s, sizeof s, nullptr);
    mmu_stats_print_size(stdout, nullptr, sizeof s, nullptr);
    mmu_stats_print_json_size(nullptr, &s, sizeof s);
    EXPECT_EQ(nullptr, mmu_stats_name(mmu_stats_count()));
}

TEST_F(ApiMmu, DataAccessIgnoresNull)
{
    EXPECT_EQ(0u, mmu_data_access(nullptr, 0x1000, 0)); // bad use: no cycles, no crash
    EXPECT_GT(mmu_data_access(mmu, 0x1000, 0), 0u);       // the stand-ins answer
}

// ---- sparse memory and page-table builder ----------------------------------------

TEST(Api, SparseMemoryRefusesNull)
{
    EXPECT_EQ(MMU_EINVAL, mmu_sparse_mem_create(46, nullptr));
    mmu_sparse_mem_t *m = reinterpret_cast<mmu_sparse_mem_t *>(1);
    EXPECT_EQ(MMU_EINVAL, mmu_sparse_mem_create(35, &m));
    EXPECT_EQ(nullptr, m);
    uint64_t v;
    EXPECT_EQ(MMU_EINVAL, mmu_sparse_mem_read64(nullptr, 0, &v));
    ASSERT_EQ(0, mmu_sparse_mem_create(40, &m));
    EXPECT_EQ(MMU_EINVAL, mmu_sparse_mem_read64(m, 0, nullptr));
    EXPECT_EQ(MMU_EINVAL, mmu_sparse_mem_write64(nullptr, 0, 1));
    EXPECT_EQ(MMU_EALIGN, mmu_sparse_mem_write64(m, 4, 1));
    EXPECT_EQ(MMU_ERANGE, mmu_sparse_mem_write64(m, 1ull << 40, 1));
    EXPECT_EQ(0u, mmu_sparse_mem_frames(nullptr));
    mmu_sparse_mem_clear(nullptr);
    mmu_sparse_mem_destroy(nullptr);
    mmu_sparse_mem_destroy(m);
}

TEST(Api, PageTableBuilderRefusesBadUse)
{
    mmu_sparse_mem_t *m = nullptr;
    ASSERT_EQ(0, mmu_sparse_mem_create(40, &m));
    mmu_mem_ops_t ops = mmu_sparse_mem_ops(m);
    mmu_ptb_t *b = reinterpret_cast<mmu_ptb_t *>(1);
    EXPECT_EQ(MMU_EINVAL, mmu_ptb_create(&ops, 4, 0x1000, 1 << 20, nullptr));
    EXPECT_EQ(MMU_EINVAL, mmu_ptb_create(nullptr, 4, 0x1000, 1 << 20, &b));
    EXPECT_EQ(nullptr, b);
    mmu_mem_ops_t bad = ops;
    bad.size = 0;
    EXPECT_EQ(MMU_EINVAL, mmu_ptb_create(&bad, 4, 0x1000, 1 << 20, &b));
    bad = ops;
    bad.read64 = nullptr;
    EXPECT_EQ(MMU_EINVAL, mmu_ptb_create(&bad, 4, 0x1000, 1 << 20, &b));
    EXPECT_EQ(MMU_EINVAL, mmu_ptb_create(&ops, 3, 0x1000, 1 << 20, &b));
    EXPECT_EQ(MMU_EINVAL, mmu_ptb_map(nullptr, 0, 0, 4096, MMU_PAGE_4K, 0));
    uint64_t pa;
    EXPECT_EQ(MMU_EINVAL, mmu_ptb_entry_addr(nullptr, 0, 1, &pa));
    EXPECT_EQ(0u, mmu_ptb_root(nullptr));
    EXPECT_EQ(0u, mmu_ptb_tables(nullptr));
    mmu_ptb_set_table_flags(nullptr, 0);
    mmu_ptb_destroy(nullptr);
    ASSERT_EQ(0, mmu_ptb_create(&ops, 4, 0x1000, 1 << 20, &b));
    EXPECT_EQ(MMU_EINVAL, mmu_ptb_entry_addr(b, 0, 1, nullptr));
    EXPECT_EQ(MMU_EINVAL, mmu_ptb_map(b, 0, 0, 4096, static_cast<mmu_page_size_t>(7), 0));
    mmu_ptb_destroy(b);
    mmu_sparse_mem_destroy(m);
}

TEST(Api, PageTableBuilderPassesMemoryErrorsOn)
{
    FailingMem fm;
    ASSERT_EQ(0, mmu_sparse_mem_create(40, &fm.mem));
    mmu_mem_ops_t ops = fm.ops();
    mmu_ptb_t *b = nullptr;
    ASSERT_EQ(0, mmu_ptb_create(&ops, 4, 0x1000, 1 << 20, &b));
    fm.bad_read = mmu_ptb_root(b); // the PML4E of va 0
    fm.code = 3;                  // positive: a broken callback
    EXPECT_EQ(MMU_EMEM, mmu_ptb_map(b, 0, 0x200000, 4096, MMU_PAGE_4K, 0));
    fm.code = MMU_ERANGE;
    EXPECT_EQ(MMU_ERANGE, mmu_ptb_map(b, 0, 0x200000, 4096, MMU_PAGE_4K, 0));
    mmu_ptb_destroy(b);
    mmu_sparse_mem_destroy(fm.mem);
}

TEST(Api, ErrorNamesCoverEveryCode)
{
#define NAMED(name, val, msg)                           \
    EXPECT_STREQ(#name, mmu_err_name(MMU_##name));      \
    EXPECT_STREQ(msg, mmu_strerror(MMU_##name));
    MMU_ERRNO_MAP(NAMED)
#undef NAMED
    EXPECT_STREQ("UNKNOWN", mmu_err_name(1));
}

} // namespace
