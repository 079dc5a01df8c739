/* SPDX-License-Identifier: Apache-2.0 */
/* mmusim-cosim check: the scenarios of `mmusim check` (model/cli/scenario.h)
 * through two MMUs, one with the C walker and one with the RTL walker (see
 * cosim.h), so a co-simulation mismatch's reproduction (`random --repro`)
 * can be replayed through the RTL as well as the C model. As `mmusim check`
 * does without --cold, TLB and paging-structure-cache contents carry over
 * from access to access, and memory (A/D bits) within a scenario. The C
 * side's answers are printed in `mmusim check`'s output format; every
 * answer is compared with the scoreboard, field by field. */
#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "mmu/mmu_config_file.h"
#include "cosim.h"
#include "mmu/mmu_mem.h"
#include "rtl_walker.h"
#include "rtl_walker_cc.h"
#include "world.h"

extern "C" {
#include "scenario.h" /* the CLI's parser, in C */
}

namespace cosim {
namespace {

struct check_opts {
    const char *path = nullptr;
    const char *preset = nullptr, *config = nullptr;
    bool cold = false, timing = false;
    uint64_t gap = 0, start = 0;
    int ad_on_fault = -1; /* -1: the configuration's */
    bool no_1g = false;
    dut_opts dut;
    /* The environment of a `random` world (see its --repro). */
    bool host_latency = false;
    uint64_t host_key = 0;
    unsigned interfere_pm = 0;
    uint64_t interfere_key = 0;
    uint64_t bad_lo = 0, bad_hi = 0;
    /* Waveform of one walk (mmusim-cosim-trace). */
    uint64_t trace_walk = 0;
    const char *fst = nullptr;
    /* --inject-bug result:N (hidden, for the tests): the RTL side's N-th walk
     * answers a different frame or error code. */
    uint64_t bug_at = 0;
};

void usage(FILE *f)
{
    fputs("usage: mmusim-cosim check [--preset NAME | --config FILE] [--cold] [--timing]\n"
          "                          [--gap CYCLES] [--start CYCLE] [--ad-on-fault none|used]\n"
          "                          [--no-1g] [--dut rtl|rtl-sc|c] [--no-skip]\n"
          "                          [--host-latency KEY] [--interfere PERMILLE:KEY]\n"
          "                          [--bad-region LO:HI] [--walk N --fst OUT.fst] FILE|-\n"
          "  Runs the `mmusim check` scenarios in FILE through two MMUs, one with the C\n"
          "  walker and one with the RTL walker, and compares every answer and memory\n"
          "  write. TLB and paging-structure-cache contents carry over from access to\n"
          "  access (--cold flushes them before each). Prints the C side's results in\n"
          "  `mmusim check`'s format (--timing adds its '# timing' lines and the RTL walk\n"
          "  number), each difference field by field (a scenario stops at its first),\n"
          "  and a summary line. The configuration is the built-in default, a preset or\n"
          "  a config file, with the scenario's maxphyaddr; the RTL walker must have\n"
          "  been built for its parameters. Accesses are issued from --start on, each\n"
          "  --gap cycles after the previous one completes.\n"
          "  Replaying a `random` world (its --repro prints the command):\n"
          "    --host-latency KEY      page-table latencies from the campaign's host callback\n"
          "    --interfere PM:KEY      another agent changes entries under PM per mille of\n"
          "                            the locked A/D updates\n"
          "    --bad-region LO:HI      memory in [LO, HI) answers with an error\n"
          "  --walk N --fst OUT.fst (mmusim-cosim-trace only) writes the RTL walker's\n"
          "  signals during its N-th walk (counted from 1) as an FST waveform.\n"
          "  --dut/--no-skip as for `mmusim-cosim random`; with --dut rtl-sc simulated\n"
          "  time only moves forward, so each scenario after the first starts where the\n"
          "  one before it ended.\n"
          "  Exit 0 if the walkers agree, 1 on a difference, 2 on bad input.\n",
          f);
}

/* "A:B" of two numbers. */
bool parse_pair(const char *s, uint64_t *a, uint64_t *b)
{
    const char *colon = strchr(s, ':');
    if (!colon)
        return false;
    const std::string left(s, static_cast<size_t>(colon - s));
    return parse_u64(left.c_str(), a) && parse_u64(colon + 1, b);
}

int parse(int argc, char **argv, check_opts &o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const bool has = i + 1 < argc;
        uint64_t x = 0, y = 0;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 1;
        } else if (!strcmp(a, "--preset") && has) {
            o.preset = argv[++i];
        } else if (!strcmp(a, "--config") && has) {
            o.config = argv[++i];
        } else if (!strcmp(a, "--cold")) {
            o.cold = true;
        } else if (!strcmp(a, "--timing")) {
            o.timing = true;
        } else if ((!strcmp(a, "--gap") || !strcmp(a, "--start")) && has) {
            /* Cycle arithmetic must not wrap: keep both far below 2^64. */
            if (!parse_u64(argv[++i], &x) || x > (1ull << 48)) {
                fprintf(stderr, "mmusim-cosim check: %s '%s': must be a number of cycles <= 2^48\n", a,
                        argv[i]);
                return 2;
            }
            (a[2] == 'g' ? o.gap : o.start) = x;
        } else if (!strcmp(a, "--ad-on-fault") && has) {
            const char *v = argv[++i];
            if (!strcmp(v, "none"))
                o.ad_on_fault = MMU_AD_ON_FAULT_NONE;
            else if (!strcmp(v, "used"))
                o.ad_on_fault = MMU_AD_ON_FAULT_USED;
            else {
                fprintf(stderr, "mmusim-cosim check: --ad-on-fault '%s': must be none or used\n", v);
                return 2;
            }
        } else if (!strcmp(a, "--no-1g")) {
            o.no_1g = true;
        } else if (!strcmp(a, "--dut") && has) {
            const char *v = argv[++i];
            if (!parse_dut(v, &o.dut.kind)) {
                fprintf(stderr, "mmusim-cosim check: --dut '%s': must be rtl, rtl-sc or c\n", v);
                return 2;
            }
        } else if (!strcmp(a, "--no-skip")) {
            o.dut.skip = false;
        } else if (!strcmp(a, "--host-latency") && has) {
            if (!parse_u64(argv[++i], &o.host_key)) {
                fprintf(stderr, "mmusim-cosim check: --host-latency '%s': not a number\n", argv[i]);
                return 2;
            }
            o.host_latency = true;
        } else if (!strcmp(a, "--interfere") && has) {
            if (!parse_pair(argv[++i], &x, &o.interfere_key) || x > 1000) {
                fprintf(stderr, "mmusim-cosim check: --interfere '%s': must be PERMILLE:KEY with "
                                "PERMILLE <= 1000\n", argv[i]);
                return 2;
            }
            o.interfere_pm = static_cast<unsigned>(x);
        } else if (!strcmp(a, "--bad-region") && has) {
            if (!parse_pair(argv[++i], &x, &y) || y < x) {
                fprintf(stderr, "mmusim-cosim check: --bad-region '%s': must be LO:HI with LO <= HI\n",
                        argv[i]);
                return 2;
            }
            o.bad_lo = x;
            o.bad_hi = y;
        } else if (!strcmp(a, "--walk") && has) {
            if (!parse_u64(argv[++i], &o.trace_walk) || o.trace_walk == 0) {
                fprintf(stderr, "mmusim-cosim check: --walk '%s': must be a number >= 1\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(a, "--fst") && has) {
            o.fst = argv[++i];
        } else if (!strcmp(a, "--inject-bug") && has) {
            const char *v = argv[++i];
            if (strncmp(v, "result:", 7) || !parse_u64(v + 7, &o.bug_at) || o.bug_at == 0) {
                fprintf(stderr, "mmusim-cosim check: --inject-bug '%s': must be result:N\n", v);
                return 2;
            }
        } else if ((a[0] != '-' || !strcmp(a, "-")) && !o.path) {
            o.path = a;
        } else {
            fprintf(stderr, "mmusim-cosim check: unexpected argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (!o.path) {
        usage(stderr);
        return 2;
    }
    if (o.preset && o.config) {
        fputs("mmusim-cosim check: --preset and --config exclude each other\n", stderr);
        return 2;
    }
    if (!o.fst != !o.trace_walk) {
        fputs("mmusim-cosim check: --walk and --fst go together\n", stderr);
        return 2;
    }
    if (o.fst && !rtl_walker_cc::trace_available()) {
        fputs("mmusim-cosim check: --fst: this program has no waveform tracing; use "
              "mmusim-cosim-trace (configure with -DMMU_RTL_TRACE=ON)\n",
              stderr);
        return 2;
    }
    if (o.fst && o.dut.kind != dut_kind::rtl) {
        fputs("mmusim-cosim check: --fst needs --dut rtl (the directly clocked walker)\n", stderr);
        return 2;
    }
    return 0;
}

struct run_state {
    const check_opts *o;
    const scn_file_t *f;
    std::vector<mmu_config_t> cfgs; /* per scenario */
    uint64_t accesses = 0, walks = 0, differences = 0;
    int exit_code = 0;
    std::string traced; /* which access the traced walk belonged to */
};

void print_result(int64_t id, const answer &c, mmu_cycle_t now, bool timing, uint64_t rtl_walk)
{
    if (c.rc) {
        printf("# access %" PRId64 ": %s (%s)\n", id, mmu_err_name(c.rc), mmu_strerror(c.rc));
    } else if (c.res.fault.kind == MMU_FAULT_NONE) {
        printf("result %" PRId64 " ok 0x%" PRIx64 "\n", id, c.res.pa);
    } else {
        printf("result %" PRId64 " fault %u 0x%x 0x%" PRIx64 "\n", id, c.res.fault.vector,
               c.res.fault.error_code, c.res.fault.cr2);
    }
    for (const sc_memory::write_rec &w : c.writes)
        if (w.locked && w.new_val != w.old_val)
            printf("update %" PRId64 " 0x%" PRIx64 " 0x%" PRIx64 "\n", id, w.pa, w.new_val);
    if (!timing || c.rc)
        return;
    /* As `mmusim check --timing` prints it. */
    static const char *const SERVED[] = {"l1", "l2", "walk", "none"};
    const mmu_result_t &t = c.res;
    printf("# timing %" PRId64 ": issued %" PRIu64 ", done %" PRIu64 " (%" PRIu64
           " cycles) served=%s psc_level=%u l1=%u l2=%u psc=%u wait=%u walk=%u mem_refs=%u%s\n",
           id, static_cast<uint64_t>(now), static_cast<uint64_t>(t.done_at),
           static_cast<uint64_t>(t.done_at - now), SERVED[t.served & 3], t.psc_level, t.lat_l1,
           t.lat_l2, t.lat_psc, t.lat_wait, t.lat_walk, t.mem_refs, t.d_assist ? " d_assist" : "");
    if (rtl_walk)
        printf("# rtl walk %" PRIu64 "\n", rtl_walk);
}

/* Both sides' return codes of one operation; false (reported) if they differ. */
bool same_rc(run_state &st, const scenario_t &s, const scn_op_t &op, int a, int b, const char *what)
{
    if (a == b)
        return true;
    printf("cosim check: %s:%d: scenario %s: %s returned %s on the C side, %s on the RTL side\n",
           st.o->path, op.line, s.name, what, mmu_err_name(a), mmu_err_name(b));
    st.differences++;
    return false;
}

/* Walks the RTL side's walker has made (walk_cb calls with the C walker
 * behind it: counted by the caller). */
uint64_t rtl_walks(bench &b)
{
    rtl_walker *w = rtl_walker::of(*b.mmu[bench::RTL]);
    return w ? w->stats().walks : 0;
}

/* One scenario; false if it stopped at a difference or an error. */
bool run_scenario(bench &b, run_state &st, size_t si)
{
    const check_opts &o = *st.o;
    const scenario_t &s = st.f->s[si];
    mmu_err_t err{};
    if (b.reconfigure(st.cfgs[si], &err)) {
        fprintf(stderr, "%s:%d: scenario %s: %s\n", o.path, s.line, s.name, err.msg);
        st.exit_code = 2;
        return false;
    }
    for (int side = 0; side < 2; side++) {
        b.mem[side]->clear();
        for (size_t i = 0; i < s.nmem; i++)
            if (int rc = b.mem[side]->write64(s.mem[i].pa, s.mem[i].val)) {
                fprintf(stderr, "%s:%d: mem: %s\n", o.path, s.mem[i].line, mmu_strerror(rc));
                st.exit_code = 2;
                return false;
            }
        meddler &m = *b.med[side];
        m.interfere_pm = o.interfere_pm;
        m.key = o.interfere_key;
        m.count = 0;
        m.bad_lo = o.bad_lo;
        m.bad_hi = o.bad_hi;
    }
    int rc[2];
    for (int side = 0; side < 2; side++)
        rc[side] = b.mmu[side]->set_ctrl(s.ctrl0, &err);
    if (rc[0] || rc[1]) {
        fprintf(stderr, "%s:%d: scenario %s: %s\n", o.path, s.cr3_line ? s.cr3_line : s.line, s.name,
                err.msg);
        st.exit_code = 2;
        return false;
    }
    printf("scenario %s\n", s.name);
    mmu_cycle_t now = o.start;
    for (size_t i = 0; i < s.nops; i++) {
        const scn_op_t &op = s.ops[i];
        if (op.kind != SCN_ACCESS) {
            /* The same operation on both sides, as `mmusim check` applies it. */
            for (int side = 0; side < 2; side++) {
                mmu_sc &m = *b.mmu[side];
                const mmu_ctrl_t cur = m.ctrl();
                int r = 0;
                switch (op.kind) {
                case SCN_CR3:
                    r = m.write_cr(3, op.val, &err);
                    break;
                case SCN_CTRL:
                    if (!r && op.ctrl.cr0 != cur.cr0)
                        r = m.write_cr(0, op.ctrl.cr0, &err);
                    if (!r && op.ctrl.cr4 != cur.cr4)
                        r = m.write_cr(4, op.ctrl.cr4, &err);
                    if (!r && op.ctrl.efer != cur.efer)
                        r = m.write_reg(MMU_REG_EFER, op.ctrl.efer, &err);
                    if (!r && op.ctrl.rflags != cur.rflags)
                        r = m.write_reg(MMU_REG_RFLAGS, op.ctrl.rflags, &err);
                    if (!r && op.ctrl.pkru != cur.pkru)
                        r = m.write_reg(MMU_REG_PKRU, op.ctrl.pkru, &err);
                    if (!r && op.ctrl.pkrs != cur.pkrs)
                        r = m.write_reg(MMU_REG_PKRS, op.ctrl.pkrs, &err);
                    break;
                case SCN_INVLPG:
                    m.invlpg(op.req.la);
                    break;
                case SCN_INVPCID:
                    r = m.invpcid(static_cast<unsigned>(op.val), op.pcid, op.req.la, &err);
                    break;
                case SCN_WRITE:
                    if ((r = b.mem[side]->write64(op.pa, op.val)) != 0)
                        snprintf(err.msg, sizeof err.msg, "write: %s", mmu_strerror(r));
                    break;
                case SCN_ACCESS:
                    break;
                }
                rc[side] = r;
            }
            if (!same_rc(st, s, op, rc[0], rc[1], "an operation"))
                return false;
            if (rc[0]) {
                fprintf(stderr, "%s:%d: %s\n", o.path, op.line, err.msg);
                st.exit_code = 2;
                return false;
            }
            continue;
        }
        mmu_req_t req = op.req;
        req.version = MMU_REQ_VERSION;
        req.now = std::max(now, b.cycle());
        if (o.cold)
            b.both([](mmu_sc &m) { m.flush_all(); return 0; });
        const uint64_t walks_before = rtl_walks(b);
        answer c = b.translate(bench::C, req);
        answer t = b.translate(bench::RTL, req);
        const bool walked = rtl_walker::of(*b.mmu[bench::RTL])
                                ? rtl_walks(b) != walks_before
                                : t.rc != 0 || t.res.served == MMU_SERVED_WALK;
        const uint64_t walk_no = walked ? st.walks + 1 : 0;
        st.accesses++;
        st.walks += walked;
        if (o.bug_at && walked && walk_no == o.bug_at && t.rc == 0) {
            /* Planted: the RTL side returns a different frame or error code. */
            if (t.res.fault.kind == MMU_FAULT_NONE)
                t.res.pa ^= 0x1000;
            else
                t.res.fault.error_code ^= MMU_PF_W;
        }
        if (o.fst && walked && walk_no == o.trace_walk)
            st.traced = "scenario " + std::string(s.name) + ", access " + std::to_string(op.id);
        print_result(op.id, c, req.now, o.timing, walk_no);
        const std::string diff = differences(c, t);
        if (!diff.empty()) {
            st.differences++;
            printf("cosim check: %s:%d: scenario %s access %" PRId64 "%s differs in:%s\n", o.path, op.line,
                   s.name, op.id, walked ? (" (RTL walk " + std::to_string(walk_no) + ")").c_str() : "",
                   diff.c_str());
            printf("  request: %s\n  C walker:   %s\n  RTL walker: %s\n", describe_req(req).c_str(),
                   describe_result(c.rc, c.res).c_str(), describe_result(t.rc, t.res).c_str());
            print_answers(stdout, c, t);
            if (rtl_walker *w = rtl_walker::of(*b.mmu[bench::RTL]))
                if (!w->error().empty())
                    printf("  bridge: %s\n", w->error().c_str());
            printf("cosim check: the rest of scenario %s is not run (the two sides' states differ)\n",
                   s.name);
            printf("end\n");
            return false;
        }
        now = (c.rc == 0 ? c.res.done_at : now) + o.gap;
    }
    printf("end\n");
    return true;
}

} // namespace

int check_main(int argc, char **argv)
{
    check_opts o;
    int rc = parse(argc, argv, o);
    if (rc)
        return rc == 1 ? 0 : rc;

    /* The whole input first: nothing runs if any of it is bad. */
    const bool is_stdin = !strcmp(o.path, "-");
    FILE *in = is_stdin ? stdin : fopen(o.path, "r");
    if (!in) {
        fprintf(stderr, "%s: cannot open: %s\n", o.path, strerror(errno));
        return 2;
    }
    const char *shown = is_stdin ? "<stdin>" : o.path;
    scn_file_t f{};
    char msg[1024];
    rc = scn_parse(in, shown, &f, msg, sizeof msg);
    if (!is_stdin)
        fclose(in);
    if (rc) {
        fprintf(stderr, "%s\n", msg);
        return 2;
    }
    struct file_guard {
        scn_file_t *f;
        ~file_guard() { scn_free(f); }
    } guard{&f};
    o.path = shown;
    if (f.n == 0) {
        fprintf(stderr, "%s: no scenario\n", shown);
        return 2;
    }

    mmu_config_t base;
    mmu_config_init(&base);
    mmu_err_t cerr;
    if (o.preset && mmu_config_preset(&base, o.preset, &cerr)) {
        fprintf(stderr, "mmusim-cosim check: %s\n", cerr.msg);
        return 2;
    }
    if (o.config && mmu_config_load(o.config, &base, &cerr)) {
        fprintf(stderr, "%s\n", cerr.msg);
        return 2;
    }
    if (o.no_1g)
        base.page_1g = 0;
    if (o.ad_on_fault >= 0)
        base.ad_on_fault = static_cast<unsigned>(o.ad_on_fault);
    if (o.host_latency) {
        base.memlat_cb = &hashed_latency;
        base.memlat_ctx = reinterpret_cast<void *>(static_cast<uintptr_t>(o.host_key));
    }
    run_state st;
    st.o = &o;
    st.f = &f;
    const mmu_sc_opts wk = dut_opts_for(o.dut);
    const bool rtl = o.dut.kind != dut_kind::c_callback;
    for (size_t i = 0; i < f.n; i++) {
        mmu_config_t c = base;
        c.maxphyaddr = f.s[i].maxphyaddr;
        mmu_err_t err{};
        if (mmu_sc::check_config(c, wk, &err)) {
            const bool mpa = !strncmp(err.msg, "maxphyaddr", 10);
            const int line = mpa && f.s[i].maxphyaddr_line ? f.s[i].maxphyaddr_line : f.s[i].line;
            fprintf(stderr, "%s:%d: scenario %s: %s\n", shown, line, f.s[i].name, err.msg);
            return 2;
        }
        /* The RTL variant is chosen when the bench is built, before the
         * simulation starts, so every scenario must run on the same one. */
        const mmu_config_t &c0 = st.cfgs.empty() ? c : st.cfgs[0];
        if (rtl && c.maxphyaddr != c0.maxphyaddr) {
            const int line = f.s[i].maxphyaddr_line ? f.s[i].maxphyaddr_line : f.s[i].line;
            fprintf(stderr,
                    "%s:%d: scenario %s: maxphyaddr %u: the RTL walker runs the whole file on one "
                    "variant, and scenario %s has maxphyaddr %u; run them separately\n",
                    shown, line, f.s[i].name, c.maxphyaddr, f.s[0].name, c0.maxphyaddr);
            return 2;
        }
        st.cfgs.push_back(c);
    }
    /* The memories are built for the largest MAXPHYADDR of the file. */
    size_t widest = 0;
    for (size_t i = 1; i < f.n; i++)
        if (st.cfgs[i].maxphyaddr > st.cfgs[widest].maxphyaddr)
            widest = i;

    mmu_err_t err{};
    std::unique_ptr<bench> b = bench::create(st.cfgs[widest], o.dut, &err);
    if (!b) {
        fprintf(stderr, "mmusim-cosim check: %s\n", err.msg);
        return 2;
    }
    rtl_walker_cc *direct = rtl_walker::of(*b->mmu[bench::RTL]) ? rtl_walker::of(*b->mmu[bench::RTL])->direct() : nullptr;
    if (o.fst) {
        std::string m;
        if (!direct || direct->trace_open(o.fst, o.trace_walk, o.trace_walk, &m)) {
            fprintf(stderr, "mmusim-cosim check: --fst %s: %s\n", o.fst, direct ? m.c_str() : "no RTL walker");
            return 2;
        }
    }
    b->body = [&](bench &bb) {
        for (size_t i = 0; i < f.n && st.exit_code != 2; i++)
            run_scenario(bb, st, i);
    };
    sc_core::sc_start();

    if (o.fst) {
        std::string m;
        if (st.traced.empty()) {
            /* Nothing to show: drop the file rather than leave an empty one. */
            fprintf(stderr, "mmusim-cosim check: --walk %" PRIu64 ": the RTL walker made only %" PRIu64
                            " walks; no waveform written\n",
                    o.trace_walk, st.walks);
            b.reset(); /* the bridge removes its unfinished file */
            return st.exit_code ? st.exit_code : 2;
        }
        if (direct->trace_close(&m)) {
            fprintf(stderr, "mmusim-cosim check: --fst %s: %s\n", o.fst, m.c_str());
            return 2;
        }
        printf("cosim check: RTL walk %" PRIu64 " (%s) written to %s\n", o.trace_walk, st.traced.c_str(),
               o.fst);
    }
    if (st.exit_code == 2)
        return 2;
    printf("cosim check: %zu scenarios, %" PRIu64 " accesses, %" PRIu64 " RTL walks, %" PRIu64
           " differences (%s)\n",
           f.n, st.accesses, st.walks, st.differences, dut_name(o.dut));
    return st.differences ? 1 : 0;
}

} // namespace cosim
