/* SPDX-License-Identifier: Apache-2.0 */
/* mmusim-cosim random: random worlds through both walkers (see cosim.h). */
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <map>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "mmu/mmu_config_file.h"
#include "cosim.h"
#include "mmu/mmu_mem.h"
#include "rtl_walker.h"
#include "world.h"

namespace cosim {
namespace {

constexpr uint64_t kDefaultSeed = 0x636f73696d2021ull; /* "cosim !" */
constexpr mmu_cycle_t kFirstCycle = 8;              /* after the RTL's reset */

struct random_opts {
    uint64_t walks = 10000;
    uint64_t seed = kDefaultSeed;
    unsigned levels = 0; /* 0: mixed */
    bool quiet = false;
    dut_opts dut;
    const char *repro = nullptr;
    /* --inject-bug KIND:N (hidden, for the scoreboard's own test) */
    int bug = 0; /* 0 none, 1 result, 2 write, 3 late */
    uint64_t bug_at = 0;
};

void usage(FILE *f)
{
    fputs("usage: mmusim-cosim random [--walks N] [--seed S] [--levels 4|5|mixed] [--quiet]\n"
          "                           [--repro FILE] [--dut rtl|rtl-sc|c] [--no-skip]\n"
          "  Random page tables, control state and accesses through two MMUs, one with\n"
          "  the C walker and one with the RTL walker, until N accesses have reached the\n"
          "  walker (default 10000). Every field of every answer and every memory write\n"
          "  is compared; the first mismatch is printed with a `mmusim check` scenario\n"
          "  of its world up to that access and exits 1. --repro FILE also writes that\n"
          "  scenario to FILE and the world's configuration to FILE.ini, and the\n"
          "  scenario's first lines give the `mmusim-cosim check` command that replays\n"
          "  it through both walkers.\n"
          "  --dut: rtl (default) runs the Verilated walker clocked directly from C++,\n"
          "  rtl-sc the one on a SystemC clock; c puts the C walker behind walk_cb\n"
          "  instead (a check of this program). --no-skip clocks the RTL through every\n"
          "  cycle of its memory waits (slower; same answers and cycles).\n"
          "  Exit 0, 1 on a mismatch, 2 on bad input.\n",
          f);
}

int parse(int argc, char **argv, random_opts &o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const bool has = i + 1 < argc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 1;
        } else if ((!strcmp(a, "--walks") || !strcmp(a, "--seed")) && has) {
            uint64_t v;
            if (!parse_u64(argv[++i], &v) || (a[2] == 'w' && v == 0)) {
                fprintf(stderr, "mmusim-cosim random: %s '%s': %s\n", a, argv[i],
                        a[2] == 'w' ? "must be a number >= 1" : "not a number");
                return 2;
            }
            (a[2] == 'w' ? o.walks : o.seed) = v;
        } else if (!strcmp(a, "--levels") && has) {
            const char *v = argv[++i];
            if (!strcmp(v, "4") || !strcmp(v, "5"))
                o.levels = static_cast<unsigned>(v[0] - '0');
            else if (!strcmp(v, "mixed"))
                o.levels = 0;
            else {
                fprintf(stderr, "mmusim-cosim random: --levels '%s': must be 4, 5 or mixed\n", v);
                return 2;
            }
        } else if (!strcmp(a, "--quiet")) {
            o.quiet = true;
        } else if (!strcmp(a, "--repro") && has) {
            o.repro = argv[++i];
        } else if (!strcmp(a, "--dut") && has) {
            const char *v = argv[++i];
            if (!parse_dut(v, &o.dut.kind)) {
                fprintf(stderr, "mmusim-cosim random: --dut '%s': must be rtl, rtl-sc or c\n", v);
                return 2;
            }
        } else if (!strcmp(a, "--no-skip")) {
            o.dut.skip = false;
        } else if (!strcmp(a, "--inject-bug") && has) {
            const char *v = argv[++i];
            const char *colon = strchr(v, ':');
            uint64_t n;
            if (!colon || !parse_u64(colon + 1, &n) || n == 0 ||
                (strncmp(v, "result:", 7) && strncmp(v, "write:", 6) && strncmp(v, "late:", 5))) {
                fprintf(stderr,
                        "mmusim-cosim random: --inject-bug '%s': must be result:N, write:N or late:N\n", v);
                return 2;
            }
            o.bug = v[0] == 'r' ? 1 : v[0] == 'w' ? 2 : 3;
            o.bug_at = n;
        } else {
            fprintf(stderr, "mmusim-cosim random: unexpected argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    return 0;
}

/* What happened in the current world, in `mmusim check` terms, so a
 * mismatch can be replayed with the TLB and PSC contents it had: the
 * operations that succeeded on both sides and the accesses. */
struct event {
    enum kind_t { ACCESS, CTL, CR3, INVLPG, INVPCID, WRITE, FLUSH } kind;
    mmu_req_t req = MMU_REQ_INIT;   /* ACCESS; req.la for INVLPG, INVPCID */
    mmu_ctrl_t ctrl{}; /* CTL: the whole state after it */
    uint64_t a = 0, b = 0; /* CR3: value; WRITE: pa, value; INVPCID: type */
    uint16_t pcid = 0;
};

/* The current world and how it runs, for its reproduction. */
struct world_env {
    uint64_t index = 0;
    const world *w = nullptr;
    mmu_config_t cfg{};
    unsigned gap = 0;
    mmu_cycle_t start = 0; /* issue cycle of its first access */
    unsigned interfere_pm = 0;
    uint64_t key = 0, bad_lo = 0, bad_hi = 0;
    std::vector<event> events;
};

struct run_state {
    const random_opts *o;
    world_env env;
    uint64_t walks = 0, accesses = 0, worlds = 0, mismatches = 0;
    uint64_t bug_walks = 0, bug_writes = 0;
    uint64_t psc_walks = 0, root_walks = 0, ad_writes = 0;
    uint64_t eretry = 0, memerr = 0;
    uint64_t pf_np = 0, pf_rsvd = 0, pf_prot = 0, pf_pk = 0, gp = 0, d_assists = 0, cb_worlds = 0;
    int exit_code = 0;
};

/* The world up to and including the access that differed, as a scenario, and
 * the command that replays it (world_env's settings as options). */
std::string world_repro(const run_state &st, const std::string &note, const std::string &scn,
                        const std::string &ini)
{
    const world_env &e = st.env;
    const world &w = *e.w;
    std::string s;
    char b[512];
    std::string cmd = "mmusim-cosim check --config " + ini;
    snprintf(b, sizeof b, " --start %" PRIu64 " --gap %u", static_cast<uint64_t>(e.start), e.gap);
    cmd += b;
    /* After a walk that ends in an error the next access is issued no
     * earlier than the simulated time the SystemC engine spent on it, so that
     * engine's timeline differs from the direct one's: replay with the same. */
    if (st.o->dut.kind == dut_kind::rtl_sc)
        cmd += " --dut rtl-sc";
    if (e.cfg.memlat_cb) {
        snprintf(b, sizeof b, " --host-latency %" PRIu64, e.index);
        cmd += b;
    }
    if (e.interfere_pm) {
        snprintf(b, sizeof b, " --interfere %u:0x%" PRIx64, e.interfere_pm, e.key);
        cmd += b;
    }
    if (e.bad_hi) {
        snprintf(b, sizeof b, " --bad-region 0x%" PRIx64 ":0x%" PRIx64, e.bad_lo, e.bad_hi);
        cmd += b;
    }
    std::string text = note;
    text += "World " + std::to_string(e.index) +
            " from its start (page tables, control state, every operation and access up to the one\n"
            "that differed), so the TLBs and paging-structure caches hold what they held. Replay it\n"
            "through both walkers with the world's configuration (" + ini + ") and environment:\n  " +
            cmd + " " + scn + "\n";
    std::istringstream lines(text);
    for (std::string l; std::getline(lines, l);)
        s += "# " + l + "\n";
    auto ctl = [&](const mmu_ctrl_t &c) {
        snprintf(b, sizeof b,
                 "ctl wp=%d smep=%d smap=%d pke=%d pks=%d pcide=%d pge=%d nxe=%d ac=%d pkru=0x%x "
                 "pkrs=0x%x\n",
                 (c.cr0 & MMU_CR0_WP) != 0, (c.cr4 & MMU_CR4_SMEP) != 0, (c.cr4 & MMU_CR4_SMAP) != 0,
                 (c.cr4 & MMU_CR4_PKE) != 0, (c.cr4 & MMU_CR4_PKS) != 0, (c.cr4 & MMU_CR4_PCIDE) != 0,
                 (c.cr4 & MMU_CR4_PGE) != 0, (c.efer & MMU_EFER_NXE) != 0,
                 (c.rflags & MMU_RFLAGS_AC) != 0, c.pkru, c.pkrs);
        return std::string(b);
    };
    snprintf(b, sizeof b, "scenario cosim_world_%" PRIu64 "\nlevels %u\nmaxphyaddr %u\ncr3 0x%" PRIx64 "\n",
             e.index, w.levels, w.maxphyaddr, w.ctrl.cr3);
    s += b;
    s += ctl(w.ctrl);
    for (const auto &kv : w.words) {
        snprintf(b, sizeof b, "mem 0x%" PRIx64 " 0x%016" PRIx64 "\n", kv.first, kv.second);
        s += b;
    }
    unsigned id = 0;
    static const char T[] = {'r', 'w', 'x'};
    for (const event &ev : e.events) {
        switch (ev.kind) {
        case event::ACCESS:
            snprintf(b, sizeof b, "access %u 0x%016" PRIx64 " %c %u%s\n", ++id, ev.req.la,
                     ev.req.type < 3 ? T[ev.req.type] : 'r', ev.req.cpl,
                     (ev.req.flags & MMU_REQ_IMPLICIT) ? " implicit" : "");
            break;
        case event::CTL:
            snprintf(b, sizeof b, "%s", ctl(ev.ctrl).c_str());
            break;
        case event::CR3:
            snprintf(b, sizeof b, "cr3 0x%" PRIx64 "\n", ev.a);
            break;
        case event::INVLPG:
            snprintf(b, sizeof b, "invlpg 0x%" PRIx64 "\n", ev.req.la);
            break;
        case event::INVPCID:
            snprintf(b, sizeof b, "invpcid %" PRIu64 " 0x%x 0x%" PRIx64 "\n", ev.a, ev.pcid, ev.req.la);
            break;
        case event::WRITE:
            snprintf(b, sizeof b, "write 0x%" PRIx64 " 0x%016" PRIx64 "\n", ev.a, ev.b);
            break;
        case event::FLUSH: /* mmu_flush_all = INVPCID type 2: everything, globals included */
            snprintf(b, sizeof b, "invpcid 2 0 0x0    # flush everything\n");
            break;
        }
        s += b;
    }
    s += "end\n";
    return s;
}

/* Write text to path through path.tmp (the old file survives a failure). */
bool write_file(const std::string &path, const std::function<bool(FILE *)> &fill)
{
    const std::string tmp = path + ".tmp";
    FILE *f = fopen(tmp.c_str(), "w");
    if (!f)
        return false;
    const bool ok = fill(f);
    if (fclose(f) != 0 || !ok || rename(tmp.c_str(), path.c_str()) != 0) {
        remove(tmp.c_str());
        return false;
    }
    return true;
}

void report(bench &b, run_state &st, uint64_t world_index, unsigned access_index, const mmu_req_t &req,
            const answer &c, const answer &r, const std::string &diff)
{
    const random_opts &o = *st.o;
    st.mismatches++;
    st.exit_code = 1;
    printf("cosim: MISMATCH at access %" PRIu64 " (world %" PRIu64 ", access %u of it; walk %" PRIu64
           "), seed 0x%" PRIx64 "\n",
           st.accesses + 1, world_index, access_index, st.walks + 1, o.seed);
    printf("request: %s\n", describe_req(req).c_str());
    printf("differs in:%s\n", diff.c_str());
    printf("C walker:   %s\nRTL walker: %s\n", describe_result(c.rc, c.res).c_str(),
           describe_result(r.rc, r.res).c_str());
    print_answers(stdout, c, r);
    if (rtl_walker::of(*b.mmu[bench::RTL]) && !rtl_walker::of(*b.mmu[bench::RTL])->error().empty())
        printf("bridge: %s\n", rtl_walker::of(*b.mmu[bench::RTL])->error().c_str());
    char note[512];
    snprintf(note, sizeof note,
             "mmusim-cosim random --seed 0x%" PRIx64 ": access %" PRIu64 " (world %" PRIu64
             ", access %u of it) differs in:%s\nC walker:   %s\nRTL walker: %s\n",
             o.seed, st.accesses + 1, world_index, access_index, diff.c_str(),
             describe_result(c.rc, c.res).c_str(), describe_result(r.rc, r.res).c_str());
    /* Without --repro the configuration is not written: name placeholders. */
    const std::string scn = o.repro ? std::string(o.repro) : std::string("FILE");
    const std::string ini = scn + ".ini";
    const std::string repro = world_repro(st, note, scn, ini);
    printf("reproduction (mmusim check scenario%s):\n%s",
           o.repro ? "" : "; --repro FILE writes it to FILE and the configuration to FILE.ini",
           repro.c_str());
    if (o.repro) {
        const mmu_config_t &cfg = st.env.cfg;
        const bool ok =
            write_file(o.repro, [&](FILE *f) { return fputs(repro.c_str(), f) >= 0; }) &&
            write_file(ini, [&](FILE *f) { return mmu_config_print(f, &cfg) == 0; });
        if (!ok) {
            fprintf(stderr, "mmusim-cosim: cannot write %s or %s\n", o.repro, ini.c_str());
            st.exit_code = 2;
        }
    }
}

/* Control traffic between accesses, the same on both sides. False (after a
 * report) if the two sides disagree about an operation's return code. */
bool control_op(bench &b, world &w, rng &r, run_state &st)
{
    const mmu_ctrl_t cur = b.mmu[bench::C]->ctrl();
    const unsigned u = static_cast<unsigned>(r.range(0, 999));
    const char *what = nullptr;
    bool same = true;
    int rc = 0;
    event ev{};
    ev.kind = event::CTL; /* the default: the control state after the operation */
    if (u < 70) {
        what = "flush_all";
        ev.kind = event::FLUSH;
        same = b.both([](mmu_sc &m) { m.flush_all(); return 0; });
    } else if (u < 190) {
        const unsigned reg = static_cast<unsigned>(r.range(0, 2));
        const uint64_t v = reg == 0 ? (cur.rflags ^ MMU_RFLAGS_AC) : random_key_register(r);
        const unsigned id = reg == 0 ? MMU_REG_RFLAGS : reg == 1 ? MMU_REG_PKRU : MMU_REG_PKRS;
        what = "write_reg";
        same = b.both([&](mmu_sc &m) { return m.write_reg(id, v); }, &rc);
    } else if (u < 215) {
        mmu_ctrl_t c = cur;
        static const uint64_t kCr4[] = {MMU_CR4_PGE, MMU_CR4_SMEP, MMU_CR4_SMAP, MMU_CR4_PKE, MMU_CR4_PKS};
        c.cr4 ^= kCr4[r.range(0, 4)];
        if (r.chance(30))
            c.cr0 ^= MMU_CR0_WP;
        if (r.chance(20))
            c.efer ^= MMU_EFER_NXE;
        what = "set_ctrl";
        same = b.both([&](mmu_sc &m) { return m.set_ctrl(c); }, &rc);
        /* set_ctrl loads the registers and flushes everything: the ctl line
         * (below), then a flush. */
        if (same && rc == 0) {
            ev.ctrl = b.mmu[bench::C]->ctrl();
            st.env.events.push_back(ev);
            ev.kind = event::FLUSH;
        }
    } else if (u < 245) {
        const uint64_t la = r.chance(80) ? w.targets[r.range(0, w.targets.size() - 1)] : r.u64();
        what = "invlpg";
        ev.kind = event::INVLPG;
        ev.req.la = la;
        same = b.both([&](mmu_sc &m) { m.invlpg(la); return 0; });
    } else if (u < 265) {
        const unsigned type = static_cast<unsigned>(r.range(0, 3));
        const uint16_t pcid = r.chance(60) ? static_cast<uint16_t>(cur.cr3 & 0xfff)
                                           : static_cast<uint16_t>(r.range(0, 0xfff));
        const uint64_t la = r.chance(80) ? w.targets[r.range(0, w.targets.size() - 1)] : r.u64();
        what = "invpcid";
        ev.kind = event::INVPCID;
        ev.a = type;
        ev.pcid = pcid;
        ev.req.la = la;
        same = b.both([&](mmu_sc &m) { return m.invpcid(type, pcid, la); }, &rc);
    } else if (u < 285) {
        uint64_t v = w.root;
        if (cur.cr4 & MMU_CR4_PCIDE)
            v |= (r.chance(50) ? (cur.cr3 & 0xfff) : r.range(0, 0xfff)) |
                 (r.chance(40) ? MMU_CR3_NOFLUSH : 0);
        else
            v |= (r.chance(30) ? MMU_CR3_PWT : 0) | (r.chance(30) ? MMU_CR3_PCD : 0);
        what = "write_cr3";
        ev.kind = event::CR3;
        ev.a = v;
        same = b.both([&](mmu_sc &m) { return m.write_cr(3, v); }, &rc);
    } else if (u < 300) {
        static const uint64_t kCr4[] = {MMU_CR4_PGE, MMU_CR4_SMEP, MMU_CR4_SMAP, MMU_CR4_PKE,
                                        MMU_CR4_PKS, MMU_CR4_PCIDE};
        const uint64_t v = cur.cr4 ^ kCr4[r.range(0, 5)];
        what = "write_cr4";
        same = b.both([&](mmu_sc &m) { return m.write_cr(4, v); }, &rc);
    } else if (u < 310) {
        const uint64_t v = cur.cr0 ^ MMU_CR0_WP;
        what = "write_cr0";
        same = b.both([&](mmu_sc &m) { return m.write_cr(0, v); }, &rc);
    } else if (u < 315) {
        const uint64_t v = cur.efer ^ MMU_EFER_NXE;
        what = "write_efer";
        same = b.both([&](mmu_sc &m) { return m.write_reg(MMU_REG_EFER, v); }, &rc);
    } else if (u < 345 && !w.entries.empty()) {
        /* Software edits an entry and invalidates nothing: cached
         * translations and PSC entries go stale, as the SDM allows. */
        static const uint64_t kBits[] = {MMU_PTE_P, MMU_PTE_RW, MMU_PTE_US, MMU_PTE_A, MMU_PTE_D,
                                         MMU_PTE_G, MMU_PTE_XD, MMU_PTE_PS, 1ull << 59, 1ull << 61};
        const uint64_t pa = w.entries[r.range(0, w.entries.size() - 1)];
        const uint64_t bit = kBits[r.range(0, 9)];
        uint64_t v = 0;
        for (int s = 0; s < 2; s++) {
            b.mem[s]->read64(pa, &v);
            b.mem[s]->write64(pa, v ^ bit);
        }
        ev.kind = event::WRITE;
        ev.a = pa;
        ev.b = v ^ bit;
        st.env.events.push_back(ev);
        return true;
    } else {
        return true;
    }
    if (same && rc == 0) {
        if (ev.kind == event::CTL)
            ev.ctrl = b.mmu[bench::C]->ctrl();
        st.env.events.push_back(ev);
    }
    if (!same) {
        st.mismatches++;
        st.exit_code = 1;
        printf("cosim: MISMATCH before access %" PRIu64 ": %s returned different codes on the two "
               "sides (seed 0x%" PRIx64 ")\n",
               st.accesses + 1, what, st.o->seed);
        return false;
    }
    return true;
}

void run(bench &b, run_state &st)
{
    const random_opts &o = *st.o;
    const bool rtl = o.dut.kind != dut_kind::c_callback;
    unsigned maxphyaddr = 52, page_1g = 1, ad = 0, retry = 16, step = 1;
    if (rtl) {
        const rtl_walker::params p = rtl_walker::built();
        maxphyaddr = p.maxphyaddr, page_1g = p.page_1g, ad = p.ad_on_fault, retry = p.retry_limit,
        step = p.level_latency;
    }
    mmu_cycle_t now = kFirstCycle;
    std::vector<uint64_t> prev_words;
    uint64_t next_progress = 100000;
    const auto t0 = std::chrono::steady_clock::now();
    for (uint64_t wi = 0; st.walks < o.walks; wi++) {
        rng r(mix(o.seed ^ mix(wi)));
        const unsigned levels = o.levels ? o.levels : (r.chance(50) ? 5 : 4);
        world w = make_world(r, levels, maxphyaddr);
        const mmu_config_t cfg = make_config(r, maxphyaddr, page_1g, ad, retry, step, &hashed_latency,
                                             reinterpret_cast<void *>(static_cast<uintptr_t>(wi)));
        mmu_err_t err{};
        for (int s = 0; s < 2; s++) {
            if (b.mmu[s]->reconfigure(cfg, &err)) {
                fprintf(stderr, "mmusim-cosim: internal error: world %" PRIu64 ": config refused: %s\n", wi,
                        err.msg);
                st.exit_code = 3;
                return;
            }
            /* Zero the last world's words (every write since went to one of
             * them); start afresh only now and then, as clearing frees and
             * re-zeroes every frame. */
            if (mmu_sparse_mem_frames(b.mem[s]->sparse()) > 1024) {
                b.mem[s]->clear();
            } else {
                for (uint64_t pa : prev_words)
                    b.mem[s]->write64(pa, 0);
            }
            for (const auto &kv : w.words)
                b.mem[s]->write64(kv.first, kv.second);
        }
        /* Some worlds have another agent writing the page tables under the
         * walker (retries, MMU_ERETRY) or a region of failing memory. */
        const uint64_t mode = r.range(0, 99);
        const unsigned interfere = mode < 8 ? 300 : mode < 10 ? 1000 : 0;
        uint64_t bad_lo = 0, bad_hi = 0;
        if (mode >= 10 && mode < 14 && w.regions.size() > 1) {
            const uint64_t root_region = w.root & ~((1ull << kRegionShift) - 1);
            for (uint64_t reg : w.regions)
                if (reg != root_region) {
                    bad_lo = reg;
                    bad_hi = reg + (1ull << kRegionShift);
                    break;
                }
        }
        for (int s = 0; s < 2; s++) {
            b.med[s]->interfere_pm = interfere;
            b.med[s]->key = mix(wi);
            b.med[s]->count = 0;
            b.med[s]->bad_lo = bad_lo;
            b.med[s]->bad_hi = bad_hi;
        }
        /* Each access is issued this many cycles after the previous one
         * completes (one number per world, so `check --gap` replays it). */
        const unsigned gap = static_cast<unsigned>(r.range(0, 3));
        world_env &env = st.env;
        env.index = wi;
        env.w = &w;
        env.cfg = cfg;
        env.gap = gap;
        env.interfere_pm = interfere;
        env.key = mix(wi);
        env.bad_lo = bad_lo;
        env.bad_hi = bad_hi;
        env.events.clear();
        if (!b.both([&](mmu_sc &m) { return m.set_ctrl(w.ctrl); })) {
            st.exit_code = 1;
            st.mismatches++;
            return;
        }
        prev_words.clear();
        for (const auto &kv : w.words)
            prev_words.push_back(kv.first);
        st.worlds++;
        st.cb_worlds += cfg.memlat_cb != nullptr;
        const unsigned naccess = static_cast<unsigned>(r.range(20, 120));
        for (unsigned i = 0; i < naccess && st.walks < o.walks; i++) {
            if (!control_op(b, w, r, st))
                return;
            mmu_req_t req = make_request(w, r);
            /* Should an RTL walk ever end later in simulated time than its
             * done_at (a mismatch, "completion_cycle"), issue the next
             * request no earlier than now. */
            req.now = std::max(now, b.cycle());
            if (i == 0)
                env.start = req.now;
            event ev{};
            ev.kind = event::ACCESS;
            ev.req = req;
            env.events.push_back(ev);
            answer c = b.translate(bench::C, req);
            answer t = b.translate(bench::RTL, req);
            const bool walked = t.rc == 0 && t.res.served == MMU_SERVED_WALK;
            if (o.bug == 3 && walked && ++st.bug_walks == o.bug_at)
                t.late = true; /* Planted: the RTL walk completed after its done_at. */
            if (o.bug == 1 && walked && ++st.bug_walks == o.bug_at) {
                /* Planted: the RTL side returns a different frame or error code. */
                if (t.res.fault.kind == MMU_FAULT_NONE)
                    t.res.pa ^= 0x1000;
                else
                    t.res.fault.error_code ^= MMU_PF_W;
            }
            if (o.bug == 2 && !t.writes.empty() && ++st.bug_writes == o.bug_at) {
                /* Planted: the RTL side's last write stored a different value. */
                sc_memory::write_rec &wr = t.writes.back();
                wr.new_val ^= 1ull << 9;
                b.mem[bench::RTL]->write64(wr.pa, wr.new_val);
            }
            const std::string diff = differences(c, t);
            if (!diff.empty()) {
                report(b, st, wi, i + 1, req, c, t, diff);
                return;
            }
            st.accesses++;
            if (c.rc) {
                st.walks++; /* only a walk fails */
                (c.rc == MMU_ERETRY ? st.eretry : st.memerr)++;
            } else if (c.res.served == MMU_SERVED_WALK) {
                st.walks++;
                (c.res.psc_level ? st.psc_walks : st.root_walks)++;
                const uint32_t ec = c.res.fault.error_code;
                if (c.res.fault.kind == MMU_FAULT_PF)
                    (ec & MMU_PF_RSVD ? st.pf_rsvd : ec & MMU_PF_PK ? st.pf_pk : ec & MMU_PF_P ? st.pf_prot : st.pf_np)++;
                st.d_assists += c.res.d_assist;
            }
            if (c.rc == 0 && c.res.fault.kind == MMU_FAULT_GP)
                st.gp++;
            st.ad_writes += c.writes.size();
            now = (c.rc == 0 ? c.res.done_at : now) + gap;
            if (!o.quiet && st.walks >= next_progress) {
                const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                fprintf(stderr, "cosim: %" PRIu64 " walks, %" PRIu64 " accesses, %.0f s\n", st.walks,
                        st.accesses, s);
                next_progress += 100000;
            }
        }
    }
}

} // namespace

int random_main(int argc, char **argv)
{
    random_opts o;
    int rc = parse(argc, argv, o);
    if (rc)
        return rc == 1 ? 0 : rc;
    /* The bench is built once, for a configuration with the RTL parameters;
     * every world reconfigures both cores. */
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    const rtl_walker::params rp = rtl_walker::built();
    cfg.maxphyaddr = rp.maxphyaddr;
    cfg.page_1g = rp.page_1g;
    cfg.ad_on_fault = rp.ad_on_fault;
    cfg.ad_retry_limit = rp.retry_limit;
    cfg.walk_level_latency = rp.level_latency;
    mmu_err_t err{};
    std::unique_ptr<bench> b = bench::create(cfg, o.dut, &err);
    if (!b) {
        fprintf(stderr, "mmusim-cosim random: %s\n", err.msg);
        return 2;
    }
    run_state st;
    st.o = &o;
    b->body = [&st](bench &bb) { run(bb, st); };
    const auto w0 = std::chrono::steady_clock::now();
    sc_core::sc_start();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    const char *lv = o.levels == 4 ? "4" : o.levels == 5 ? "5" : "mixed";
    printf("cosim: %" PRIu64 " walks, %" PRIu64 " mismatches (seed 0x%" PRIx64 ")\n", st.walks,
           st.mismatches, o.seed);
    const double rs = b->seconds(bench::RTL), cs = b->seconds(bench::C);
    printf("cosim: %" PRIu64 " accesses in %" PRIu64 " worlds (levels %s, %" PRIu64
           " with host latencies); walks: %" PRIu64 " from the root, %" PRIu64
           " below a PSC hit, %" PRIu64 " D-assists; #PF from walks: %" PRIu64 " not present, %" PRIu64
           " reserved, %" PRIu64 " protection, %" PRIu64 " keys; %" PRIu64 " #GP; %" PRIu64
           " A/D writes; %" PRIu64 " A/D updates interfered with, %" PRIu64 " walks ended in "
           "MMU_ERETRY, %" PRIu64 " in a memory error\n",
           st.accesses, st.worlds, lv, st.cb_worlds, st.root_walks, st.psc_walks, st.d_assists,
           st.pf_np, st.pf_rsvd, st.pf_prot, st.pf_pk, st.gp, st.ad_writes, b->med[bench::C]->interfered,
           st.eretry, st.memerr);
    printf("cosim: %s path %.0f walks/s (%.2f s in translate), C path %.0f walks/s (%.2f s); "
           "%.2f s wall; %" PRIu64 " late TLM annotations\n",
           dut_name(o.dut), rs > 0 ? (double)st.walks / rs : 0.0, rs,
           cs > 0 ? (double)st.walks / cs : 0.0, cs, wall, b->late_annotations);
    if (rtl_walker *bw = rtl_walker::of(*b->mmu[bench::RTL])) {
        const rtl_walker::counters k = bw->stats();
        const double n = k.walks ? static_cast<double>(k.walks) : 1.0;
        printf("cosim: RTL walker: %" PRIu64 " walks, %.3f cycles per walk, %.2f clock edges per walk "
               "(%" PRIu64 " cycles of memory waits had none), %" PRIu64 " reads, %" PRIu64
               " locked updates, %" PRIu64 " started late (%" PRIu64 " edges)\n",
               k.walks, static_cast<double>(k.edges) / n, static_cast<double>(k.clock_edges) / n,
               k.skipped, k.reads, k.cmpxchgs, k.late, k.late_edges);
    }
    if (st.exit_code == 0 && b->late_annotations)
        printf("cosim: note: %" PRIu64 " requests completed later in simulated time than done_at\n",
               b->late_annotations);
    return st.exit_code;
}

} // namespace cosim
