/* SPDX-License-Identifier: Apache-2.0 */
/* Scoreboard (see scoreboard.h). */
#include "scoreboard.h"

#include <cinttypes>
#include <sstream>

#include "mmu/mmu_mem.h"

namespace cosim {

/* Every field of mmu_result_t, by name, as a 64-bit value. */
#define COSIM_RESULT_FIELDS(XX)          \
    XX(fault.kind, r.fault.kind)         \
    XX(fault.vector, r.fault.vector)     \
    XX(fault.error_code, r.fault.error_code) \
    XX(fault.cr2, r.fault.cr2)           \
    XX(pa, r.pa)                         \
    XX(page_size, r.page_size)           \
    XX(perms, r.perms)                   \
    XX(pkey, r.pkey)                     \
    XX(global, r.global)                 \
    XX(mem_refs, r.mem_refs)             \
    XX(done_at, r.done_at)               \
    XX(served, r.served)                 \
    XX(psc_level, r.psc_level)           \
    XX(d_assist, r.d_assist)             \
    XX(lat_l1, r.lat_l1)                 \
    XX(lat_l2, r.lat_l2)                 \
    XX(lat_psc, r.lat_psc)               \
    XX(lat_wait, r.lat_wait)             \
    XX(lat_walk, r.lat_walk)

namespace {
struct field {
    const char *name;
    uint64_t (*get)(const mmu_result_t &r);
};
#define COSIM_FIELD(name, expr) {#name, [](const mmu_result_t &r) -> uint64_t { return (expr); }},
const field kFields[] = {COSIM_RESULT_FIELDS(COSIM_FIELD)};
#undef COSIM_FIELD

bool same_write(const sc_memory::write_rec &a, const sc_memory::write_rec &b)
{
    return a.pa == b.pa && a.old_val == b.old_val && a.new_val == b.new_val && a.locked == b.locked;
}

/* The common case, every field equal, without the table's indirect calls:
 * a trace run compares tens of millions of answers. */
bool same_result(const mmu_result_t &x, const mmu_result_t &y)
{
#define COSIM_SAME(name, expr)                                                    \
    if ([](const mmu_result_t &r) -> uint64_t { return (expr); }(x) !=              \
        [](const mmu_result_t &r) -> uint64_t { return (expr); }(y))                \
        return false;
    COSIM_RESULT_FIELDS(COSIM_SAME)
#undef COSIM_SAME
    return true;
}
} // namespace

std::string differences(const answer &c, const answer &rtl)
{
    std::string d;
    if (c.rc == rtl.rc && (c.rc != 0 || same_result(c.res, rtl.res)) && c.writes.empty() &&
        rtl.writes.empty() && c.late == rtl.late)
        return d;
    if (c.late != rtl.late)
        d += " completion_cycle";
    if (c.rc != rtl.rc)
        d += " rc";
    if (c.rc == 0 && rtl.rc == 0)
        for (const field &f : kFields)
            if (f.get(c.res) != f.get(rtl.res))
                d += std::string(" ") + f.name;
    bool writes_same = c.writes.size() == rtl.writes.size();
    for (size_t i = 0; writes_same && i < c.writes.size(); i++)
        writes_same = same_write(c.writes[i], rtl.writes[i]);
    if (!writes_same)
        d += " writes";
    return d;
}

void print_answers(FILE *f, const answer &c, const answer &rtl)
{
    fprintf(f, "  %-18s %-20s %-20s\n", "field", "C walker", "RTL walker");
    fprintf(f, "  %-18s %-20d %-20d%s\n", "rc", c.rc, rtl.rc, c.rc != rtl.rc ? "  <--" : "");
    fprintf(f, "  %-18s %-20s %-20s%s\n", "completes", c.late ? "after done_at" : "at done_at",
            rtl.late ? "after done_at" : "at done_at", c.late != rtl.late ? "  <--" : "");
    for (const field &fl : kFields) {
        const uint64_t a = fl.get(c.res), b = fl.get(rtl.res);
        char sa[24], sb[24];
        snprintf(sa, sizeof sa, "0x%" PRIx64, a);
        snprintf(sb, sizeof sb, "0x%" PRIx64, b);
        fprintf(f, "  %-18s %-20s %-20s%s\n", fl.name, sa, sb, a != b ? "  <--" : "");
    }
    const size_t n = c.writes.size() > rtl.writes.size() ? c.writes.size() : rtl.writes.size();
    for (size_t i = 0; i < n; i++) {
        auto one = [](const std::vector<sc_memory::write_rec> &w, size_t k) {
            char b[96];
            if (k < w.size())
                snprintf(b, sizeof b, "[0x%" PRIx64 "] 0x%" PRIx64 " -> 0x%" PRIx64 "%s", w[k].pa,
                         w[k].old_val, w[k].new_val, w[k].locked ? " locked" : "");
            else
                snprintf(b, sizeof b, "(none)");
            return std::string(b);
        };
        const bool same = i < c.writes.size() && i < rtl.writes.size() &&
                          same_write(c.writes[i], rtl.writes[i]);
        fprintf(f, "  write %zu  C:   %s\n  write %zu  RTL: %s%s\n", i, one(c.writes, i).c_str(), i,
                one(rtl.writes, i).c_str(), same ? "" : "  <--");
    }
    if (n == 0)
        fprintf(f, "  writes: none on either side\n");
}

std::string describe_req(const mmu_req_t &q)
{
    static const char *const T[] = {"read", "write", "fetch"};
    char b[160];
    snprintf(b, sizeof b, "%s la=0x%016" PRIx64 " cpl=%u%s now=%" PRIu64, q.type < 3 ? T[q.type] : "?",
             q.la, q.cpl, (q.flags & MMU_REQ_IMPLICIT) ? " implicit" : "", q.now);
    return b;
}

std::string describe_result(int rc, const mmu_result_t &r)
{
    char b[200];
    if (rc)
        snprintf(b, sizeof b, "error %s", mmu_err_name(rc));
    else if (r.fault.kind == MMU_FAULT_NONE)
        snprintf(b, sizeof b, "ok pa=0x%" PRIx64 " size=%u perms=%u pkey=%u global=%u", r.pa,
                 r.page_size, r.perms, r.pkey, r.global);
    else
        snprintf(b, sizeof b, "fault %u error_code=0x%x cr2=0x%" PRIx64, r.fault.vector,
                 r.fault.error_code, r.fault.cr2);
    return b;
}

std::string make_repro(const mmu_ctrl_t &c, unsigned maxphyaddr, const mmu_req_t &q,
                       uint64_t (*read)(void *ctx, uint64_t pa), void *ctx, const std::string &note)
{
    std::ostringstream s;
    std::istringstream lines(note);
    for (std::string l; std::getline(lines, l);)
        s << "# " << l << "\n";
    const unsigned levels = (c.cr4 & MMU_CR4_LA57) ? 5 : 4;
    char b[256];
    s << "scenario cosim_repro\n";
    s << "levels " << levels << "\n";
    s << "maxphyaddr " << maxphyaddr << "\n";
    snprintf(b, sizeof b, "cr3 0x%" PRIx64 "\n", c.cr3);
    s << b;
    snprintf(b, sizeof b,
             "ctl wp=%d smep=%d smap=%d pke=%d pks=%d pcide=%d pge=%d nxe=%d ac=%d pkru=0x%x "
             "pkrs=0x%x\n",
             (c.cr0 & MMU_CR0_WP) != 0, (c.cr4 & MMU_CR4_SMEP) != 0, (c.cr4 & MMU_CR4_SMAP) != 0,
             (c.cr4 & MMU_CR4_PKE) != 0, (c.cr4 & MMU_CR4_PKS) != 0, (c.cr4 & MMU_CR4_PCIDE) != 0,
             (c.cr4 & MMU_CR4_PGE) != 0, (c.efer & MMU_EFER_NXE) != 0, (c.rflags & MMU_RFLAGS_AC) != 0,
             c.pkru, c.pkrs);
    s << b;
    /* The path from the root as memory held it before the access. A
     * non-canonical address has no path (#GP comes first). */
    const unsigned width = levels == 5 ? 57 : 48;
    const uint64_t hi = q.la >> (width - 1);
    if (hi == 0 || hi == (~0ull >> (width - 1))) {
        const uint64_t frame_mask = ((1ull << maxphyaddr) - 1) & ~0xfffull;
        uint64_t table = c.cr3 & frame_mask;
        for (unsigned level = levels; level >= 1; level--) {
            const uint64_t pa = table + 8 * ((q.la >> (3 + 9 * level)) & 511);
            const uint64_t v = read(ctx, pa);
            snprintf(b, sizeof b, "mem 0x%" PRIx64 " 0x%" PRIx64 "    # level %u\n", pa, v, level);
            s << b;
            if (!(v & MMU_PTE_P) || level == 1 || (v & MMU_PTE_PS))
                break; /* not present, a leaf, or PS (reserved at levels 4 and 5) */
            table = v & frame_mask;
        }
    }
    static const char T[] = {'r', 'w', 'x'};
    snprintf(b, sizeof b, "access 1 0x%" PRIx64 " %c %u%s\n", q.la, q.type < 3 ? T[q.type] : 'r', q.cpl,
             (q.flags & MMU_REQ_IMPLICIT) ? " implicit" : "");
    s << b << "end\n";
    return s.str();
}

} // namespace cosim
