/* SPDX-License-Identifier: Apache-2.0 */
// libFuzzer harness of the scenario parser (model/cli/scenario.c), fed through
// a FILE as `mmusim check` feeds it. Properties besides not crashing:
//   - an error names the input and a line inside it ("fuzz.scn:N: "), or the
//     whole file ("fuzz.scn: no scenario in file");
//   - what parses prints back (in a canonical form written here) and parses
//     again to the same scenarios, field by field.
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "fuzz_util.h"
extern "C" {
#include "scenario.h"
}

namespace {

const char *const kName = "fuzz.scn";

void print_ctl(FILE *f, const mmu_ctrl_t &c)
{
    fprintf(f, "ctl wp=%d smep=%d smap=%d pke=%d pks=%d pcide=%d pge=%d nxe=%d ac=%d pkru=0x%x "
               "pkrs=0x%x\n",
            !!(c.cr0 & MMU_CR0_WP), !!(c.cr4 & MMU_CR4_SMEP), !!(c.cr4 & MMU_CR4_SMAP),
            !!(c.cr4 & MMU_CR4_PKE), !!(c.cr4 & MMU_CR4_PKS), !!(c.cr4 & MMU_CR4_PCIDE),
            !!(c.cr4 & MMU_CR4_PGE), !!(c.efer & MMU_EFER_NXE), !!(c.rflags & MMU_RFLAGS_AC),
            c.pkru, c.pkrs);
}

void print(FILE *f, const scn_file_t &sf)
{
    for (size_t i = 0; i < sf.n; i++) {
        const scenario_t &s = sf.s[i];
        fprintf(f, "scenario %s\nlevels %u\nmaxphyaddr %u\n", s.name, s.levels, s.maxphyaddr);
        print_ctl(f, s.ctrl0);
        fprintf(f, "cr3 0x%" PRIx64 "\n", s.ctrl0.cr3);
        for (size_t k = 0; k < s.nmem; k++)
            fprintf(f, "mem 0x%" PRIx64 " 0x%" PRIx64 "\n", s.mem[k].pa, s.mem[k].val);
        for (size_t k = 0; k < s.nops; k++) {
            const scn_op_t &o = s.ops[k];
            switch (o.kind) {
            case SCN_ACCESS:
                fprintf(f, "access %" PRId64 " 0x%" PRIx64 " %c %u%s\n", o.id, o.req.la,
                        "rwx"[o.req.type], o.req.cpl,
                        (o.req.flags & MMU_REQ_IMPLICIT) ? " implicit" : "");
                break;
            case SCN_CTRL: print_ctl(f, o.ctrl); break;
            case SCN_CR3: fprintf(f, "cr3 0x%" PRIx64 "\n", o.val); break;
            case SCN_WRITE: fprintf(f, "write 0x%" PRIx64 " 0x%" PRIx64 "\n", o.pa, o.val); break;
            case SCN_INVLPG: fprintf(f, "invlpg 0x%" PRIx64 "\n", o.req.la); break;
            case SCN_INVPCID:
                fprintf(f, "invpcid %" PRIu64 " %u 0x%" PRIx64 "\n", o.val, o.pcid, o.req.la);
                break;
            }
        }
        fputs("end\n", f);
    }
}

bool same_ctrl(const mmu_ctrl_t &a, const mmu_ctrl_t &b)
{
    return a.cr0 == b.cr0 && a.cr3 == b.cr3 && a.cr4 == b.cr4 && a.efer == b.efer &&
           a.rflags == b.rflags && a.pkru == b.pkru && a.pkrs == b.pkrs;
}

void same(const scn_file_t &a, const scn_file_t &b)
{
    FUZZ_CHECK(a.n == b.n, "scenario count");
    for (size_t i = 0; i < a.n; i++) {
        const scenario_t &x = a.s[i], &y = b.s[i];
        const std::string w = "scenario " + std::to_string(i) + ": ";
        FUZZ_CHECK(!strcmp(x.name, y.name) && x.levels == y.levels &&
                       x.maxphyaddr == y.maxphyaddr && same_ctrl(x.ctrl0, y.ctrl0) &&
                       x.nmem == y.nmem && x.nops == y.nops && x.naccess == y.naccess,
                   w + "header");
        for (size_t k = 0; k < x.nmem; k++)
            FUZZ_CHECK(x.mem[k].pa == y.mem[k].pa && x.mem[k].val == y.mem[k].val, w + "mem");
        for (size_t k = 0; k < x.nops; k++) {
            const scn_op_t &p = x.ops[k], &q = y.ops[k];
            FUZZ_CHECK(p.kind == q.kind && p.id == q.id && p.req.la == q.req.la &&
                           p.req.type == q.req.type && p.req.cpl == q.req.cpl &&
                           p.req.flags == q.req.flags && p.pa == q.pa && p.val == q.val &&
                           p.pcid == q.pcid && same_ctrl(p.ctrl, q.ctrl),
                       w + "op " + std::to_string(k));
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char none[1] = {0};
    FILE *in = fmemopen(size ? const_cast<uint8_t *>(data) : (void *)none, size, "r");
    FUZZ_CHECK(in, "fmemopen");
    scn_file_t f;
    char msg[600] = "";
    const int rc = scn_parse(in, kName, &f, msg, sizeof msg);
    fclose(in);
    if (rc) {
        const std::string m = msg;
        FUZZ_CHECK(fuzz::at_line(m, kName, fuzz::count_lines(data, size)) ||
                       m == std::string(kName) + ": no scenario in file",
                   "error does not name the input and a line inside it: '" + m + "'");
        FUZZ_CHECK(f.n == 0 && f.s == nullptr, "a failed parse leaves nothing behind");
        return 0;
    }
    char *buf = nullptr;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    FUZZ_CHECK(out, "open_memstream");
    print(out, f);
    fclose(out);
    FILE *again = fmemopen(buf, len, "r");
    scn_file_t g;
    FUZZ_CHECK(scn_parse(again, "printed", &g, msg, sizeof msg) == 0,
               std::string("the printout does not parse: ") + msg + "\n" + buf);
    fclose(again);
    same(f, g);
    scn_free(&f);
    scn_free(&g);
    free(buf);
    return 0;
}
