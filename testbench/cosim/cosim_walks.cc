/* SPDX-License-Identifier: Apache-2.0 */
/* mmusim-cosim walks: the workloads of `mmusim run` through both walkers
 * (see cosim.h). The synthetic set-up copies model/cli/run.c: the working set
 * is mapped up front (A/D clear), accesses are CPL 3 and closed-loop (each
 * issued when the previous one completes). Traces go through the same
 * address-space driver (workloads/aspace.h), one per side. */
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "aspace.h"
#include "mmu/mmu_config_file.h"
#include "cosim.h"
#include "mmu/mmu_mem.h"
#include "rtl_walker.h"
#include "synth.h"
#include "trace.h"

namespace cosim {
namespace {

constexpr uint64_t kPoolBase = 0x100000ull; /* as model/cli/run.c */

struct walks_opts {
    const char *preset = nullptr, *config = nullptr, *workload = nullptr, *trace = nullptr,
               *format = nullptr;
    int policy = -1;
    uint64_t accesses = 0;
    uint64_t max_walks = 0; /* 0: no limit */
    bool have_accesses = false, json = false;
    unsigned levels = 4;
    dut_opts dut;
};

void usage(FILE *f)
{
    fputs("usage: mmusim-cosim walks (--preset NAME | --config FILE)\n"
          "                          (--workload SPEC | --trace FILE [--policy 4k|thp|1g] [--format F])\n"
          "                          --accesses K [--walks W] [--levels 4|5] [--json]\n"
          "                          [--dut rtl|rtl-sc|c] [--no-skip]\n"
          "  Runs the first K accesses of a `mmusim run` workload through two MMUs, one\n"
          "  with the C walker and one with the RTL walker, compares every answer and\n"
          "  memory write, and reports walk latencies of both; with --walks, stops after\n"
          "  the access that made the W-th walk. --json prints one line:\n"
          "  {\"walks\":W,\"accesses\":K,\"mismatches\":M,\"c_walk_mean\":x,...}.\n"
          "  The RTL walker is built for one MAXPHYADDR: a configuration with a smaller\n"
          "  one runs with the RTL's on both sides (its tables lie below both), noted on\n"
          "  stderr. --dut and --no-skip as for `mmusim-cosim random`.\n"
          "  Exit 0, 1 on a mismatch, 2 on bad input.\n",
          f);
}

int parse(int argc, char **argv, walks_opts &o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const bool has = i + 1 < argc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 1;
        } else if (!strcmp(a, "--preset") && has) {
            o.preset = argv[++i];
        } else if (!strcmp(a, "--config") && has) {
            o.config = argv[++i];
        } else if (!strcmp(a, "--workload") && has) {
            o.workload = argv[++i];
        } else if (!strcmp(a, "--trace") && has) {
            o.trace = argv[++i];
        } else if (!strcmp(a, "--format") && has) {
            o.format = argv[++i];
        } else if (!strcmp(a, "--policy") && has) {
            const char *v = argv[++i];
            o.policy = !strcmp(v, "4k") ? MMU_POLICY_4K : !strcmp(v, "thp") ? MMU_POLICY_THP
                     : !strcmp(v, "1g") ? MMU_POLICY_1G : -2;
            if (o.policy == -2) {
                fprintf(stderr, "mmusim-cosim walks: --policy '%s': must be 4k, thp or 1g\n", v);
                return 2;
            }
        } else if (!strcmp(a, "--accesses") && has) {
            if (!parse_u64(argv[++i], &o.accesses) || o.accesses == 0) {
                fprintf(stderr, "mmusim-cosim walks: --accesses '%s': must be a number >= 1\n", argv[i]);
                return 2;
            }
            o.have_accesses = true;
        } else if (!strcmp(a, "--walks") && has) {
            if (!parse_u64(argv[++i], &o.max_walks) || o.max_walks == 0) {
                fprintf(stderr, "mmusim-cosim walks: --walks '%s': must be a number >= 1\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(a, "--levels") && has) {
            const char *v = argv[++i];
            if (strcmp(v, "4") && strcmp(v, "5")) {
                fprintf(stderr, "mmusim-cosim walks: --levels '%s': must be 4 or 5\n", v);
                return 2;
            }
            o.levels = static_cast<unsigned>(v[0] - '0');
        } else if (!strcmp(a, "--json")) {
            o.json = true;
        } else if (!strcmp(a, "--dut") && has) {
            const char *v = argv[++i];
            if (!parse_dut(v, &o.dut.kind)) {
                fprintf(stderr, "mmusim-cosim walks: --dut '%s': must be rtl, rtl-sc or c\n", v);
                return 2;
            }
        } else if (!strcmp(a, "--no-skip")) {
            o.dut.skip = false;
        } else {
            fprintf(stderr, "mmusim-cosim walks: unexpected argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (!o.preset == !o.config || !o.workload == !o.trace || !o.have_accesses) {
        fputs("mmusim-cosim walks: need one of --preset / --config, one of --workload / --trace, "
              "and --accesses\n",
              stderr);
        usage(stderr);
        return 2;
    }
    if (o.workload && (o.policy >= 0 || o.format)) {
        fputs("mmusim-cosim walks: --policy and --format go with --trace\n", stderr);
        return 2;
    }
    return 0;
}

struct side_stats {
    std::vector<uint64_t> lat; /* lat_walk of every walk */
    uint64_t refs = 0;
    double mean() const
    {
        double s = 0;
        for (uint64_t v : lat)
            s += static_cast<double>(v);
        return lat.empty() ? 0.0 : s / static_cast<double>(lat.size());
    }
    uint64_t pct(double q) /* the smallest latency with at least q of the walks at or below it */
    {
        if (lat.empty())
            return 0;
        std::sort(lat.begin(), lat.end());
        size_t k = static_cast<size_t>(std::ceil(q * static_cast<double>(lat.size())));
        return lat[k ? k - 1 : 0];
    }
    double refs_per_walk() const
    {
        return lat.empty() ? 0.0 : static_cast<double>(refs) / static_cast<double>(lat.size());
    }
};

struct walks_state {
    const walks_opts *o;
    unsigned orig_maxphyaddr = 0;
    uint64_t accesses = 0, mismatches = 0;
    side_stats st[2];
    int exit_code = 0;
    std::string fail; /* set-up failure, printed after the simulation */
    bool more() const
    {
        return !exit_code && accesses < o->accesses &&
               (!o->max_walks || st[0].lat.size() < o->max_walks);
    }
};

void note(walks_state &s, int side, const answer &a)
{
    if (a.rc == 0 && a.res.served == MMU_SERVED_WALK) {
        s.st[side].lat.push_back(a.res.lat_walk);
        s.st[side].refs += a.res.mem_refs;
    }
}

/* Compare one access; on a difference print it (stderr with --json) with a
 * reproduction, and stop the run. */
bool check(bench &b, walks_state &s, const mmu_req_t &req, const answer &c, const answer &t)
{
    const std::string diff = differences(c, t);
    if (diff.empty())
        return true;
    FILE *f = s.o->json ? stderr : stdout;
    s.mismatches++;
    s.exit_code = 1;
    fprintf(f, "cosim: MISMATCH at access %" PRIu64 "\nrequest: %s\ndiffers in:%s\n", s.accesses + 1,
            describe_req(req).c_str(), diff.c_str());
    print_answers(f, c, t);
    if (rtl_walker::of(*b.mmu[bench::RTL]) && !rtl_walker::of(*b.mmu[bench::RTL])->error().empty())
        fprintf(f, "bridge: %s\n", rtl_walker::of(*b.mmu[bench::RTL])->error().c_str());
    struct view {
        sc_memory *mem;
        const answer *a;
        static uint64_t read(void *ctx, uint64_t pa)
        {
            auto *v = static_cast<view *>(ctx);
            for (const auto &w : v->a->writes)
                if (w.pa == pa)
                    return w.old_val;
            uint64_t x = 0;
            v->mem->read64(pa, &x);
            return x;
        }
    } v{b.mem[bench::C].get(), &c};
    const std::string note_text = "mmusim-cosim walks: access " + std::to_string(s.accesses + 1) +
                                  " differs in:" + diff;
    fprintf(f, "reproduction (mmusim check scenario):\n%s",
            make_repro(b.mmu[bench::C]->ctrl(), b.mem[bench::C]->maxphyaddr(), req, &view::read, &v,
                       note_text)
                .c_str());
    return false;
}

void run_synth(bench &b, walks_state &s, const mmu_synth_cfg_t &wcfg)
{
    const walks_opts &o = *s.o;
    const unsigned ps = wcfg.page_size;
    const uint64_t psz = 1ull << (12 + 9 * ps);
    const uint64_t tables = (wcfg.ws >> 21) + (wcfg.ws >> 30) + 3 * o.levels + 16;
    const uint64_t pool = tables * 4096;
    const uint64_t data = (kPoolBase + pool + psz - 1) & ~(psz - 1);
    uint64_t root = 0;
    for (int side = 0; side < 2; side++) {
        mmu_mem_ops_t ops = b.mem[side]->backdoor_ops();
        mmu_ptb_t *pt = nullptr;
        int e = mmu_ptb_create(&ops, o.levels, kPoolBase, pool, &pt);
        if (!e)
            e = mmu_ptb_map(pt, wcfg.base, data, wcfg.ws, static_cast<mmu_page_size_t>(ps),
                            MMU_PTE_RW | MMU_PTE_US);
        if (!e)
            root = mmu_ptb_root(pt);
        mmu_ptb_destroy(pt);
        if (e) {
            s.fail = std::string("building page tables: ") + mmu_strerror(e);
            s.exit_code = 2;
            return;
        }
    }
    mmu_ctrl_t ctrl{};
    ctrl.cr0 = MMU_CR0_WP;
    ctrl.cr3 = root;
    ctrl.cr4 = MMU_CR4_PGE | MMU_CR4_SMEP | MMU_CR4_SMAP | (o.levels == 5 ? MMU_CR4_LA57 : 0);
    ctrl.efer = MMU_EFER_NXE;
    mmu_err_t err{};
    for (int side = 0; side < 2; side++)
        if (b.mmu[side]->set_ctrl(ctrl, &err)) {
            s.fail = err.msg;
            s.exit_code = 2;
            return;
        }
    mmu_synth_t gen;
    mmu_synth_init(&gen, &wcfg);
    uint64_t la;
    mmu_access_t type;
    mmu_cycle_t now = 0;
    while (s.more() && mmu_synth_next(&gen, &la, &type)) {
        mmu_req_t req = MMU_REQ_INIT;
        req.la = la;
        req.type = static_cast<uint8_t>(type);
        req.cpl = 3;
        req.now = now;
        const answer c = b.translate(bench::C, req);
        const answer t = b.translate(bench::RTL, req);
        if (!check(b, s, req, c, t))
            return;
        note(s, bench::C, c);
        note(s, bench::RTL, t);
        s.accesses++;
        if (c.rc) {
            s.fail = std::string("access ") + std::to_string(s.accesses) + ": " + mmu_strerror(c.rc);
            s.exit_code = 2;
            return;
        }
        now = std::max(c.res.done_at, b.cycle()); /* see cosim_random.cc */
    }
}

void run_trace(bench &b, walks_state &s, const mmu_config_t &cfg)
{
    const walks_opts &o = *s.o;
    char msg[512];
    mmu_trace_reader_t *tr = nullptr;
    if (mmu_trace_open(o.trace, o.format, &tr, msg, sizeof msg)) {
        s.fail = msg;
        s.exit_code = 2;
        return;
    }
    mmu_aspace_cfg_t ac;
    mmu_aspace_cfg_init(&ac);
    ac.levels = o.levels;
    if (o.policy >= 0)
        ac.policy = static_cast<unsigned>(o.policy);
    /* The layout `mmusim run` would use with the configuration's own MAXPHYADDR. */
    if (ac.phys_limit > (1ull << s.orig_maxphyaddr))
        ac.phys_limit = 1ull << s.orig_maxphyaddr;
    (void)cfg;
    mmu_aspace_t *as[2] = {nullptr, nullptr};
    mmu_ctrl_t ctrl{};
    ctrl.cr0 = MMU_CR0_WP;
    ctrl.cr4 = MMU_CR4_SMEP | MMU_CR4_SMAP;
    ctrl.efer = MMU_EFER_NXE;
    mmu_err_t err{};
    for (int side = 0; side < 2; side++) {
        if (b.mmu[side]->set_ctrl(ctrl, &err)) {
            s.fail = err.msg;
            s.exit_code = 2;
            break;
        }
        if (mmu_aspace_create(b.mmu[side]->core(), b.mem[side]->sparse(), &ac, &as[side], msg, sizeof msg)) {
            s.fail = msg;
            s.exit_code = 2;
            break;
        }
    }
    mmu_trec_t rec;
    int r = 0;
    while (s.more() && (r = mmu_trace_next(tr, &rec)) > 0) {
        answer a[2];
        char m[2][512];
        mmu_req_t req = MMU_REQ_INIT;
        req.la = rec.la;
        req.type = static_cast<uint8_t>(rec.type);
        req.cpl = rec.cpl;
        req.now = mmu_aspace_now(as[0]);
        for (int side = 0; side < 2; side++) {
            b.mem[side]->clear_log();
            const uint64_t w0 = bench::ticks_now();
            a[side].rc = mmu_aspace_feed(as[side], &rec, &a[side].res, m[side], sizeof m[side]);
            b.add_ticks(static_cast<bench::side>(side), w0);
            a[side].writes = b.mem[side]->log();
            b.mem[side]->clear_log();
        }
        if (rec.kind != MMU_TREC_ACCESS) {
            if (a[0].rc != a[1].rc) {
                char at[200];
                s.fail = std::string(mmu_trace_where(tr, at, sizeof at)) +
                         ": the two sides disagree: " + m[0] + " / " + m[1];
                s.exit_code = 1;
                s.mismatches++;
            } else if (a[0].rc) {
                char at[200];
                s.fail = std::string(mmu_trace_where(tr, at, sizeof at)) + ": " + m[0];
                s.exit_code = 2;
            }
            continue;
        }
        if (!check(b, s, req, a[0], a[1]))
            break;
        note(s, bench::C, a[0]);
        note(s, bench::RTL, a[1]);
        s.accesses++;
        if (a[0].rc) {
            char at[200];
            s.fail = std::string(mmu_trace_where(tr, at, sizeof at)) + ": " + m[0];
            s.exit_code = 2;
        }
    }
    if (r < 0 && !s.exit_code) {
        s.fail = mmu_trace_error(tr);
        s.exit_code = 2;
    }
    for (int side = 0; side < 2; side++)
        mmu_aspace_destroy(as[side]);
    mmu_trace_close(tr);
}

} // namespace

int walks_main(int argc, char **argv)
{
    walks_opts o;
    int rc = parse(argc, argv, o);
    if (rc)
        return rc == 1 ? 0 : rc;
    char msg[512];
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    mmu_err_t cerr;
    if ((o.preset ? mmu_config_preset(&cfg, o.preset, &cerr)
                  : mmu_config_load(o.config, &cfg, &cerr)) != 0) {
        fprintf(stderr, "%s\n", cerr.msg);
        return 2;
    }
    walks_state s;
    s.o = &o;
    s.orig_maxphyaddr = cfg.maxphyaddr;
    const char *src = o.preset ? o.preset : o.config;
    if (o.dut.kind != dut_kind::c_callback) {
        const unsigned want = rtl_walker::built().maxphyaddr;
        if (cfg.maxphyaddr < want) {
            fprintf(stderr,
                    "mmusim-cosim: note: %s: maxphyaddr %u runs as %u on both sides (the RTL walker's "
                    "MAXPHYADDR); the workload is laid out below 2^%u as `mmusim run` lays it out\n",
                    src, cfg.maxphyaddr, want, cfg.maxphyaddr);
            cfg.maxphyaddr = want;
        }
    }
    mmu_synth_cfg_t wcfg{};
    if (o.workload) {
        if (mmu_synth_parse(o.workload, &wcfg, msg, sizeof msg) != 0) {
            fprintf(stderr, "%s\n", msg);
            return 2;
        }
        const uint64_t psz = 1ull << (12 + 9 * wcfg.page_size);
        const uint64_t pool = ((wcfg.ws >> 21) + (wcfg.ws >> 30) + 3 * o.levels + 16) * 4096;
        const uint64_t data = (kPoolBase + pool + psz - 1) & ~(psz - 1);
        if (data + wcfg.ws > (1ull << s.orig_maxphyaddr) || data + wcfg.ws < data) {
            fprintf(stderr,
                    "mmusim-cosim walks: working set of %" PRIu64 " bytes plus its page tables does not "
                    "fit below MAXPHYADDR (%u bits)\n",
                    wcfg.ws, s.orig_maxphyaddr);
            return 2;
        }
    }
    mmu_err_t err{};
    std::unique_ptr<bench> b = bench::create(cfg, o.dut, &err);
    if (!b) {
        fprintf(stderr, "mmusim-cosim walks: %s: %s\n", src, err.msg);
        return 2;
    }
    b->body = [&](bench &bb) {
        if (o.workload)
            run_synth(bb, s, wcfg);
        else
            run_trace(bb, s, cfg);
    };
    sc_core::sc_start();
    /* Trace records go to the cores directly, not through the TLM sockets
     * whose annotation bench::translate checks: catch a walk that started
     * after its cycle (so completed after its done_at) here. */
    if (rtl_walker *bw = rtl_walker::of(*b->mmu[bench::RTL]))
        if (const uint64_t late = bw->stats().late) {
            fprintf(stderr,
                    "mmusim-cosim walks: %" PRIu64 " RTL walks started after their cycle (%" PRIu64
                    " edges in all): their completion cycles differ from the C walker's\n",
                    late, bw->stats().late_edges);
            s.mismatches += late;
            if (!s.exit_code)
                s.exit_code = 1;
        }
    if (!s.fail.empty())
        fprintf(stderr, "mmusim-cosim walks: %s\n", s.fail.c_str());
    if (s.exit_code == 2)
        return 2;
    side_stats &c = s.st[bench::C], &t = s.st[bench::RTL];
    const uint64_t walks = c.lat.size();
    const double cm = c.mean(), tm = t.mean();
    const uint64_t c50 = c.pct(0.5), t50 = t.pct(0.5), c99 = c.pct(0.99), t99 = t.pct(0.99);
    if (o.json) {
        printf("{\"walks\":%" PRIu64 ",\"accesses\":%" PRIu64 ",\"mismatches\":%" PRIu64
               ",\"c_walk_mean\":%.4f,\"rtl_walk_mean\":%.4f,\"c_walk_p50\":%" PRIu64
               ",\"rtl_walk_p50\":%" PRIu64 ",\"c_walk_p99\":%" PRIu64 ",\"rtl_walk_p99\":%" PRIu64
               ",\"c_refs_per_walk\":%.4f,\"rtl_refs_per_walk\":%.4f,\"c_seconds\":%.6f,"
               "\"rtl_seconds\":%.6f}\n",
               walks, s.accesses, s.mismatches, cm, tm, c50, t50, c99, t99, c.refs_per_walk(),
               t.refs_per_walk(), b->seconds(bench::C), b->seconds(bench::RTL));
    } else {
        printf("mmusim-cosim walks: %s %s, %s %s, %u-level paging\n", o.preset ? "preset" : "config",
               src, o.workload ? "workload" : "trace", o.workload ? o.workload : o.trace, o.levels);
        printf("cosim: %" PRIu64 " walks, %" PRIu64 " mismatches in %" PRIu64 " accesses\n", walks,
               s.mismatches, s.accesses);
        printf("walk latency (cycles)   C: mean %.2f, p50 %" PRIu64 ", p99 %" PRIu64
               "; RTL: mean %.2f, p50 %" PRIu64 ", p99 %" PRIu64 "\n",
               cm, c50, c99, tm, t50, t99);
        printf("memory references per walk   C: %.3f; RTL: %.3f\n", c.refs_per_walk(), t.refs_per_walk());
        printf("time in translate   C: %.3f s; RTL: %.3f s\n", b->seconds(bench::C), b->seconds(bench::RTL));
    }
    return s.exit_code;
}

} // namespace cosim
