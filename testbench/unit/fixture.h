/* SPDX-License-Identifier: Apache-2.0 */
// Shared fixture for the rule tests (test_pte.cc, test_fault.cc, test_walker.cc):
// a sparse memory, a logging memory interface between the MMU and that memory,
// a page-table builder, control-register presets and result matchers.
// Header-only; uses the public API only (mmu.h, mmu_mem.h), never model/*.h.
#ifndef MMU_TEST_FIXTURE_H
#define MMU_TEST_FIXTURE_H

#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "mmu/mmu.h"
#include "mmu/mmu_mem.h"

namespace mmutest {

// ---- logging memory interface ------------------------------------------------

struct Write {
    uint64_t pa;
    uint64_t val;
    bool operator==(const Write &o) const { return pa == o.pa && val == o.val; }
};

inline std::ostream &operator<<(std::ostream &os, const Write &w)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "{pa=0x%" PRIx64 ", val=0x%" PRIx64 "}", w.pa, w.val);
    return os << buf;
}

// Sits between the MMU and the sparse memory: records every successful read
// (pa, in order) and every cmpxchg that changed a word (pa, new value, in order).
struct MemLog {
    mmu_mem_ops_t inner = MMU_MEM_OPS_INIT;
    std::vector<uint64_t> reads;
    std::vector<Write> writes;
    unsigned cmpxchgs = 0; // all cmpxchg calls, including failed or no-op ones

    void clear()
    {
        reads.clear();
        writes.clear();
        cmpxchgs = 0;
    }

    static int read64(void *ctx, uint64_t pa, uint64_t *val)
    {
        MemLog *l = static_cast<MemLog *>(ctx);
        int rc = l->inner.read64(l->inner.ctx, pa, val);
        if (rc == 0)
            l->reads.push_back(pa);
        return rc;
    }
    static int cmpxchg64(void *ctx, uint64_t pa, uint64_t expected, uint64_t desired,
                         uint64_t *old)
    {
        MemLog *l = static_cast<MemLog *>(ctx);
        l->cmpxchgs++;
        int rc = l->inner.cmpxchg64(l->inner.ctx, pa, expected, desired, old);
        if (rc == 0 && *old == expected && desired != expected)
            l->writes.push_back({pa, desired});
        return rc;
    }
};

// ---- control-register presets ----------------------------------------------------

enum CtrlFlag : unsigned {
    kWP = 1u << 0,    // CR0.WP
    kNXE = 1u << 1,   // IA32_EFER.NXE
    kSMEP = 1u << 2,  // CR4.SMEP
    kSMAP = 1u << 3,  // CR4.SMAP
    kAC = 1u << 4,    // RFLAGS.AC
    kPKE = 1u << 5,   // CR4.PKE
    kPKS = 1u << 6,   // CR4.PKS
    kPGE = 1u << 7,   // CR4.PGE
    kPCIDE = 1u << 8, // CR4.PCIDE
};

// Architectural bits every IA-32e paging setup has (the model assumes them).
constexpr uint64_t kCr0PE = 1ull << 0, kCr0PG = 1ull << 31;
constexpr uint64_t kCr4PAE = 1ull << 5;
constexpr uint64_t kEferLME = 1ull << 8, kEferLMA = 1ull << 10;

inline mmu_ctrl_t make_ctrl(uint64_t cr3, unsigned levels, unsigned flags, uint32_t pkru = 0,
                            uint32_t pkrs = 0)
{
    mmu_ctrl_t c{};
    c.cr0 = kCr0PE | kCr0PG | ((flags & kWP) ? MMU_CR0_WP : 0);
    c.cr3 = cr3;
    c.cr4 = kCr4PAE | (levels == 5 ? MMU_CR4_LA57 : 0) | ((flags & kSMEP) ? MMU_CR4_SMEP : 0) |
            ((flags & kSMAP) ? MMU_CR4_SMAP : 0) | ((flags & kPKE) ? MMU_CR4_PKE : 0) |
            ((flags & kPKS) ? MMU_CR4_PKS : 0) | ((flags & kPGE) ? MMU_CR4_PGE : 0) |
            ((flags & kPCIDE) ? MMU_CR4_PCIDE : 0);
    c.efer = kEferLME | kEferLMA | ((flags & kNXE) ? MMU_EFER_NXE : 0);
    c.rflags = 0x2 | ((flags & kAC) ? MMU_RFLAGS_AC : 0);
    c.pkru = pkru;
    c.pkrs = pkrs;
    return c;
}

// PKRU / IA32_PKRS value with AD (bit 2i) and/or WD (bit 2i+1) of key i.
inline uint32_t pk_ad(unsigned key) { return 1u << (2 * key); }
inline uint32_t pk_wd(unsigned key) { return 1u << (2 * key + 1); }

// ---- sizes and addresses ------------------------------------------------------------

constexpr mmu_access_t kRead = MMU_ACC_READ;
constexpr mmu_access_t kWrite = MMU_ACC_WRITE;
constexpr mmu_access_t kFetch = MMU_ACC_FETCH;

constexpr uint64_t kPool = 0x100000;     // page-table frames come from here...
constexpr uint64_t kPoolSize = 0x100000; // ...256 of them
constexpr uint64_t kTestVa = 0x00007f5c40000000ull; // user half, 1G-aligned
constexpr uint64_t kTestFrame = 0x80000000ull;      // 1G-aligned, below 2^36
constexpr uint64_t kUserRw = MMU_PTE_P | MMU_PTE_RW | MMU_PTE_US;
constexpr uint64_t kSupRw = MMU_PTE_P | MMU_PTE_RW;

inline uint64_t page_bytes(mmu_page_size_t ps) { return 1ull << (12 + 9 * unsigned(ps)); }
// Level of the leaf entry: PTE 1, PDE 2 (2M), PDPTE 3 (1G).
inline unsigned leaf_level(mmu_page_size_t ps) { return 1 + unsigned(ps); }
// An offset inside the page that exercises every offset bit the page size has.
inline uint64_t test_offset(mmu_page_size_t ps) { return 0x12345678ull & (page_bytes(ps) - 1); }

inline const char *ps_name(mmu_page_size_t ps)
{
    return ps == MMU_PAGE_4K ? "4K" : ps == MMU_PAGE_2M ? "2M" : "1G";
}
inline const char *level_name(unsigned level)
{
    static const char *n[] = {"?", "PT", "PD", "PDPT", "PML4", "PML5"};
    return level <= 5 ? n[level] : "?";
}

// ---- describing results ------------------------------------------------------------

inline std::string hex(uint64_t v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%" PRIx64, v);
    return buf;
}

inline std::string ec_str(uint32_t ec)
{
    std::string s = hex(ec) + " [";
    static const char *names[] = {"P", "W", "US", "RSVD", "ID", "PK"};
    bool first = true;
    for (unsigned i = 0; i < 6; i++)
        if (ec & (1u << i)) {
            s += first ? "" : " ";
            s += names[i];
            first = false;
        }
    return s + "]";
}

inline std::string describe(const mmu_result_t &r)
{
    switch (r.fault.kind) {
    case MMU_FAULT_NONE:
        return "no fault, pa=" + hex(r.pa) + " size=" + std::to_string(r.page_size) +
               " perms=" + hex(r.perms) + " vector=" + std::to_string(r.fault.vector);
    case MMU_FAULT_PF:
        return "#PF vector=" + std::to_string(r.fault.vector) +
               " ec=" + ec_str(r.fault.error_code) + " cr2=" + hex(r.fault.cr2);
    case MMU_FAULT_GP:
        return "#GP vector=" + std::to_string(r.fault.vector) + " ec=" + hex(r.fault.error_code) +
               " cr2=" + hex(r.fault.cr2);
    default:
        return "fault kind " + std::to_string(r.fault.kind) + " (translate returned an error?)";
    }
}

// The access succeeded and translated to exactly `pa`.
inline ::testing::AssertionResult IsOk(const mmu_result_t &r, uint64_t pa)
{
    if (r.fault.kind == MMU_FAULT_NONE && r.fault.vector == 0 && r.pa == pa)
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "expected no fault, pa=" << hex(pa) << "; got " << describe(r);
}

// A #PF (vector 14) with exactly this error code and CR2.
inline ::testing::AssertionResult IsPf(const mmu_result_t &r, uint32_t ec, uint64_t cr2)
{
    if (r.fault.kind == MMU_FAULT_PF && r.fault.vector == MMU_VEC_PF && r.fault.error_code == ec &&
        r.fault.cr2 == cr2)
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "expected #PF ec=" << ec_str(ec) << " cr2=" << hex(cr2)
                                         << "; got " << describe(r);
}

// A #GP(0) (vector 13, error code 0, CR2 not loaded).
inline ::testing::AssertionResult IsGp(const mmu_result_t &r)
{
    if (r.fault.kind == MMU_FAULT_GP && r.fault.vector == MMU_VEC_GP && r.fault.error_code == 0 &&
        r.fault.cr2 == 0)
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "expected #GP(0); got " << describe(r);
}

// ---- the environment: memory + builder + MMU ---------------------------------------------

class MmuEnv {
  public:
    unsigned levels = 4;
    unsigned maxphy = 46;
    mmu_sparse_mem_t *mem = nullptr;
    mmu_mem_ops_t raw = MMU_MEM_OPS_INIT;    // the builder and the test poke memory through this
    MemLog log;             // what the MMU did during the last translate()
    mmu_mem_ops_t logged = MMU_MEM_OPS_INIT; // the MMU's memory interface
    mmu_ptb_t *ptb = nullptr;
    mmu_t *mmu = nullptr;

    MmuEnv() = default;
    MmuEnv(const MmuEnv &) = delete;
    MmuEnv &operator=(const MmuEnv &) = delete;
    ~MmuEnv() { reset(); }

    void reset()
    {
        mmu_destroy(mmu);
        mmu = nullptr;
        mmu_ptb_destroy(ptb);
        ptb = nullptr;
        mmu_sparse_mem_destroy(mem);
        mem = nullptr;
        log.clear();
    }

    // Fresh memory, builder (root at kPool) and MMU. Returns false (with a
    // failure recorded) if any step fails.
    bool init(unsigned lv = 4, unsigned maxphyaddr = 46,
              unsigned ad_on_fault = MMU_AD_ON_FAULT_NONE, unsigned page_1g = 1)
    {
        reset();
        levels = lv;
        maxphy = maxphyaddr;
        int rc = mmu_sparse_mem_create(maxphyaddr, &mem);
        EXPECT_EQ(0, rc) << "mmu_sparse_mem_create";
        if (rc)
            return false;
        raw = mmu_sparse_mem_ops(mem);
        log.inner = raw;
        logged.read64 = &MemLog::read64;
        logged.cmpxchg64 = &MemLog::cmpxchg64;
        logged.ctx = &log;
        rc = mmu_ptb_create(&raw, lv, kPool, kPoolSize, &ptb);
        EXPECT_EQ(0, rc) << "mmu_ptb_create";
        if (rc)
            return false;
        mmu_config_t cfg;
        mmu_config_init(&cfg);
        cfg.maxphyaddr = maxphyaddr;
        cfg.ad_on_fault = ad_on_fault;
        cfg.page_1g = page_1g;
        mmu_err_t err{};
        rc = mmu_create(&cfg, &logged, &mmu, &err);
        EXPECT_EQ(0, rc) << "mmu_create: " << err.msg;
        return rc == 0;
    }

    uint64_t root() const { return mmu_ptb_root(ptb); }

    // Map one page (or len bytes) of size ps; P is forced on by the builder.
    bool map(uint64_t va, uint64_t pa, mmu_page_size_t ps, uint64_t leaf_flags, uint64_t len = 0)
    {
        int rc = mmu_ptb_map(ptb, va, pa, len ? len : page_bytes(ps), ps, leaf_flags);
        EXPECT_EQ(0, rc) << "mmu_ptb_map va=" << hex(va) << " pa=" << hex(pa);
        return rc == 0;
    }

    // Physical address of the entry at `level` on va's path (as memory is now).
    uint64_t entry_pa(uint64_t va, unsigned level) const
    {
        uint64_t pa = ~0ull;
        EXPECT_EQ(0, mmu_ptb_entry_addr(ptb, va, level, &pa))
            << "mmu_ptb_entry_addr va=" << hex(va) << " level=" << level;
        return pa;
    }
    uint64_t peek(uint64_t pa) const
    {
        uint64_t v = 0;
        EXPECT_EQ(0, mmu_sparse_mem_read64(mem, pa, &v)) << "read " << hex(pa);
        return v;
    }
    void poke(uint64_t pa, uint64_t v) { EXPECT_EQ(0, mmu_sparse_mem_write64(mem, pa, v)); }
    uint64_t entry(uint64_t va, unsigned level) const { return peek(entry_pa(va, level)); }
    void set_entry(uint64_t va, unsigned level, uint64_t v) { poke(entry_pa(va, level), v); }
    void set_bits(uint64_t va, unsigned level, uint64_t bits)
    {
        uint64_t pa = entry_pa(va, level);
        poke(pa, peek(pa) | bits);
    }
    void clear_bits(uint64_t va, unsigned level, uint64_t bits)
    {
        uint64_t pa = entry_pa(va, level);
        poke(pa, peek(pa) & ~bits);
    }
    // Entry addresses on va's path, root first, down to `leaf`.
    std::vector<uint64_t> path(uint64_t va, unsigned leaf) const
    {
        std::vector<uint64_t> p;
        for (unsigned l = levels; l >= leaf; l--)
            p.push_back(entry_pa(va, l));
        return p;
    }

    mmu_ctrl_t ctrl(unsigned flags, uint32_t pkru = 0, uint32_t pkrs = 0,
                    uint64_t cr3_low = 0) const
    {
        return make_ctrl(root() | cr3_low, levels, flags, pkru, pkrs);
    }
    // Load control registers built from named flags; returns mmu_set_ctrl's code.
    int set_ctrl(unsigned flags, uint32_t pkru = 0, uint32_t pkrs = 0, uint64_t cr3_low = 0)
    {
        mmu_ctrl_t c = ctrl(flags, pkru, pkrs, cr3_low);
        mmu_err_t err{};
        int rc = mmu_set_ctrl(mmu, &c, &err);
        EXPECT_EQ(0, rc) << "mmu_set_ctrl: " << err.msg;
        return rc;
    }

    // One access. The log holds exactly this translation's memory traffic.
    mmu_result_t translate(uint64_t la, mmu_access_t type, unsigned cpl, bool implicit = false)
    {
        log.clear();
        // These tests pin the architectural walk (every level read, every A/D
        // write), so each access starts cold, as with `mmusim check --cold`.
        // What the TLBs and paging-structure caches may keep is test_mmu.cc's job.
        mmu_flush_all(mmu);
        mmu_req_t req = MMU_REQ_INIT;
        req.la = la;
        req.type = uint8_t(type);
        req.cpl = uint8_t(cpl);
        req.flags = implicit ? MMU_REQ_IMPLICIT : 0;
        req.now = 0;
        mmu_result_t res{};
        int rc = mmu_translate(mmu, &req, &res);
        EXPECT_EQ(0, rc) << "mmu_translate(" << hex(la) << ") returned " << mmu_err_name(rc);
        if (rc != 0) {
            res = mmu_result_t{};
            res.fault.kind = 0xff; // matches nothing
        }
        return res;
    }
};

// ---- parameters shared by the suites ------------------------------------------------------

// A page of size ps mapped with `levels`-level paging; the bit under test sits
// in the entry at `level` (from the root down to the leaf).
struct LevelCase {
    unsigned levels;
    mmu_page_size_t ps;
    unsigned level;
};

inline std::vector<LevelCase> all_level_cases()
{
    std::vector<LevelCase> v;
    for (unsigned lv : {4u, 5u})
        for (mmu_page_size_t ps : {MMU_PAGE_4K, MMU_PAGE_2M, MMU_PAGE_1G})
            for (unsigned l = lv; l >= leaf_level(ps); l--)
                v.push_back({lv, ps, l});
    return v;
}

inline std::string level_case_name(const ::testing::TestParamInfo<LevelCase> &i)
{
    return "L" + std::to_string(i.param.levels) + "_" + ps_name(i.param.ps) + "_at" +
           level_name(i.param.level);
}

// A page of size ps mapped with `levels`-level paging (rules with no level).
struct SizeCase {
    unsigned levels;
    mmu_page_size_t ps;
};

inline std::vector<SizeCase> all_size_cases()
{
    std::vector<SizeCase> v;
    for (unsigned lv : {4u, 5u})
        for (mmu_page_size_t ps : {MMU_PAGE_4K, MMU_PAGE_2M, MMU_PAGE_1G})
            v.push_back({lv, ps});
    return v;
}

inline std::string size_case_name(const ::testing::TestParamInfo<SizeCase> &i)
{
    return "L" + std::to_string(i.param.levels) + "_" + ps_name(i.param.ps);
}

} // namespace mmutest

#endif // MMU_TEST_FIXTURE_H
