/* SPDX-License-Identifier: Apache-2.0 */
/* `mmusim check`: runs every scenario of a file through the model and prints,
 * per access, the result and every paging-structure write it made. Writes are
 * seen by wrapping the memory interface, exactly where a host simulator would
 * see them. With --expect the output is compared, value by value, with a
 * golden file in the same format. Output streams: only the current scenario's
 * records (and the golden file's matching scenario) are held in memory. */
#include "check.h"

#include <errno.h>
#include <inttypes.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mmu/mmu.h"
#include "mmu/mmu_coverage.h"
#include "mmu/mmu_mem.h"
#include "cli_opt.h"
#include "coverage_file.h"
#include "runlib.h"
#include "scenario.h"

enum { REC_OK, REC_FAULT, REC_UPDATE, REC_TIMING };

typedef struct rec {
    int kind;
    int64_t id;
    uint64_t a, b, c; /* ok: pa | fault: vector, error code, cr2 | update: pa, value */
    mmu_result_t t;   /* REC_TIMING: the result, for its timing fields */
    uint64_t now;
} rec_t;

typedef struct out_scn {
    char *name;
    int line; /* in the golden file */
    rec_t *r;
    size_t n, cap;
} out_scn_t;

static void out_add(out_scn_t *s, rec_t r)
{
    if (s->n == s->cap) {
        const size_t ncap = s->cap ? s->cap * 2 : 64;
        rec_t *p = realloc(s->r, ncap * sizeof *p);
        if (!p) {
            fputs("mmusim check: out of memory\n", stderr);
            exit(2);
        }
        s->r = p;
        s->cap = ncap;
    }
    s->r[s->n++] = r;
}

/* Start the next scenario in s, keeping its record buffer. */
static int out_reset(out_scn_t *s, const char *name, int line)
{
    free(s->name);
    s->name = strdup(name);
    s->line = line;
    s->n = 0;
    return s->name ? 0 : -1;
}

static void out_free(out_scn_t *s)
{
    free(s->name);
    free(s->r);
    memset(s, 0, sizeof *s);
}

static int fmt_rec(char *buf, size_t len, const rec_t *r)
{
    switch (r->kind) {
    case REC_OK:
        return snprintf(buf, len, "result %" PRId64 " ok 0x%" PRIx64, r->id, r->a);
    case REC_FAULT:
        return snprintf(buf, len, "result %" PRId64 " fault %" PRIu64 " 0x%" PRIx64 " 0x%" PRIx64,
                        r->id, r->a, r->b, r->c);
    case REC_UPDATE:
        return snprintf(buf, len, "update %" PRId64 " 0x%" PRIx64 " 0x%" PRIx64, r->id, r->a, r->b);
    default: {
        static const char *const SERVED[] = {"l1", "l2", "walk", "none"};
        const mmu_result_t *t = &r->t;
        return snprintf(buf, len,
                        "# timing %" PRId64 ": issued %" PRIu64 ", done %" PRIu64 " (%" PRIu64
                        " cycles) served=%s psc_level=%u l1=%u l2=%u psc=%u wait=%u walk=%u "
                        "mem_refs=%u%s",
                        r->id, r->now, (uint64_t)t->done_at, (uint64_t)t->done_at - r->now,
                        SERVED[t->served & 3], t->psc_level, t->lat_l1, t->lat_l2, t->lat_psc,
                        t->lat_wait, t->lat_walk, t->mem_refs, t->d_assist ? " d_assist" : "");
    }
    }
}

static void print_scn(FILE *f, const out_scn_t *s)
{
    char buf[256];
    fprintf(f, "scenario %s\n", s->name);
    for (size_t j = 0; j < s->n; j++) {
        fmt_rec(buf, sizeof buf, &s->r[j]);
        fprintf(f, "%s\n", buf);
    }
    fputs("end\n", f);
}

/* ---- running ------------------------------------------------------------ */

/* Memory seen by the MMU: the sparse memory, with every word the MMU changes
 * recorded as an update of the current access. */
typedef struct logged_mem {
    mmu_sparse_mem_t *mem;
    out_scn_t *out;
    int64_t id;
} logged_mem_t;

static int lm_read64(void *ctx, uint64_t pa, uint64_t *val)
{
    return mmu_sparse_mem_read64(((logged_mem_t *)ctx)->mem, pa, val);
}

static int lm_cmpxchg64(void *ctx, uint64_t pa, uint64_t expected, uint64_t desired, uint64_t *old)
{
    logged_mem_t *lm = ctx;
    int rc = mmu_sparse_mem_read64(lm->mem, pa, old);
    if (rc || *old != expected)
        return rc;
    if ((rc = mmu_sparse_mem_write64(lm->mem, pa, desired)) != 0)
        return rc;
    if (desired != expected)
        out_add(lm->out, (rec_t){.kind = REC_UPDATE, .id = lm->id, .a = pa, .b = desired});
    return 0;
}

typedef struct check_opts {
    const char *path;
    const char *expect;
    bool cold;
    bool timing;
    uint64_t gap;       /* cycles between the completion of one access and the next issue */
    bool preset_or_config; /* cfg comes from --preset / --config */
    mmu_config_t cfg;
    mmu_cov_t *cov;     /* --coverage: counts every scenario's MMU; NULL: off */
} check_opts_t;

static int run_scenario(const check_opts_t *o, const scenario_t *s, out_scn_t *out)
{
    mmu_sparse_mem_t *mem = NULL;
    mmu_t *mmu = NULL;
    mmu_err_t err = {0, ""};
    mmu_config_t cfg = o->cfg;
    /* The scenario's maxphyaddr line wins; without one, a preset or config
     * file gives it, and otherwise the scenario format's default (52). */
    if (s->maxphyaddr_line || !o->preset_or_config)
        cfg.maxphyaddr = s->maxphyaddr;
    int rc = mmu_sparse_mem_create(cfg.maxphyaddr, &mem);
    for (size_t i = 0; !rc && i < s->nmem; i++)
        if ((rc = mmu_sparse_mem_write64(mem, s->mem[i].pa, s->mem[i].val)) != 0)
            fprintf(stderr, "mmusim check: %s:%d: mem: %s\n", o->path, s->mem[i].line,
                    mmu_strerror(rc));
    if (rc) {
        if (!mem)
            fprintf(stderr, "mmusim check: %s:%d: scenario %s: memory: %s\n", o->path, s->line,
                    s->name, mmu_strerror(rc));
        mmu_sparse_mem_destroy(mem);
        return 2;
    }
    logged_mem_t lm = {mem, out, 0};
    uint64_t now = 0;
    mmu_mem_ops_t ops = {sizeof ops, lm_read64, lm_cmpxchg64, &lm, NULL, NULL};
    if ((rc = mmu_create(&cfg, &ops, &mmu, &err)) != 0 ||
        (o->cov && (rc = mmu_cov_attach(mmu, o->cov, &err)) != 0) ||
        (rc = mmu_set_ctrl(mmu, &s->ctrl0, &err)) != 0) {
        fprintf(stderr, "mmusim check: %s:%d: scenario %s: %s\n", o->path, s->line, s->name,
                err.msg);
        goto done;
    }
    for (size_t i = 0; i < s->nops; i++) {
        const scn_op_t *op = &s->ops[i];
        const mmu_ctrl_t *cur = mmu_get_ctrl(mmu);
        rc = 0;
        switch (op->kind) {
        case SCN_CR3:
            rc = mmu_write_cr(mmu, 3, op->val, &err);
            break;
        case SCN_CTRL: {
            /* A ctl line writes each register whose value it changes, as the
             * instructions would: MOV to CR0, MOV to CR4, WRMSR, POPF, WRPKRU. */
            const mmu_ctrl_t want = op->ctrl;
            if (!rc && want.cr0 != cur->cr0)
                rc = mmu_write_cr(mmu, 0, want.cr0, &err);
            if (!rc && want.cr4 != cur->cr4)
                rc = mmu_write_cr(mmu, 4, want.cr4, &err);
            if (!rc && want.efer != cur->efer)
                rc = mmu_write_reg(mmu, MMU_REG_EFER, want.efer, &err);
            if (!rc && want.rflags != cur->rflags)
                rc = mmu_write_reg(mmu, MMU_REG_RFLAGS, want.rflags, &err);
            if (!rc && want.pkru != cur->pkru)
                rc = mmu_write_reg(mmu, MMU_REG_PKRU, want.pkru, &err);
            if (!rc && want.pkrs != cur->pkrs)
                rc = mmu_write_reg(mmu, MMU_REG_PKRS, want.pkrs, &err);
            break;
        }
        case SCN_INVLPG:
            mmu_invlpg(mmu, op->req.la);
            break;
        case SCN_INVPCID:
            rc = mmu_invpcid(mmu, (unsigned)op->val, op->pcid, op->req.la, &err);
            break;
        case SCN_WRITE:
            if ((rc = mmu_sparse_mem_write64(mem, op->pa, op->val)) != 0)
                snprintf(err.msg, sizeof err.msg, "write: %s", mmu_strerror(rc));
            break;
        case SCN_ACCESS:
            break;
        }
        if (rc) {
            fprintf(stderr, "mmusim check: %s:%d: %s\n", o->path, op->line, err.msg);
            goto done;
        }
        if (op->kind == SCN_ACCESS) {
            mmu_req_t req = op->req;
            req.version = MMU_REQ_VERSION;
            mmu_result_t res;
            size_t at = out->n;
            /* Unreachable with the bound on --gap checked up front; kept so a
             * wrapped clock can never pass silently. */
            if (now >= RUNLIB_CLOCK_MAX) {
                fprintf(stderr,
                        "mmusim check: %s:%d: access %" PRId64
                        ": its issue cycle would pass 2^63 (--gap)\n",
                        o->path, op->line, op->id);
                rc = 2;
                goto done;
            }
            req.now = now;
            lm.id = op->id;
            /* --cold: nothing cached carries over; memory (and so A/D) does. */
            if (o->cold)
                mmu_flush_all(mmu);
            out_add(out, (rec_t){.kind = REC_OK}); /* the result goes before its updates */
            if ((rc = mmu_translate(mmu, &req, &res)) != 0) {
                out->n = at;
                fprintf(stderr, "mmusim check: %s:%d: access %" PRId64 ": %s\n", o->path,
                        op->line, op->id, mmu_strerror(rc));
                goto done;
            }
            if (res.fault.kind == MMU_FAULT_NONE)
                out->r[at] = (rec_t){.kind = REC_OK, .id = op->id, .a = res.pa};
            else
                out->r[at] = (rec_t){.kind = REC_FAULT, .id = op->id, .a = res.fault.vector,
                                     .b = res.fault.error_code, .c = res.fault.cr2};
            if (o->timing)
                out_add(out, (rec_t){.kind = REC_TIMING, .id = op->id, .t = res, .now = now});
            /* Accesses are issued one after the other, each when the previous
             * one has completed, plus the gap. */
            now = res.done_at + o->gap;
        }
    }
done:
    mmu_destroy(mmu);
    mmu_sparse_mem_destroy(mem);
    return rc ? 2 : 0;
}

/* ---- golden files ----------------------------------------------------------- */

/* A golden file read one scenario at a time. */
typedef struct golden {
    FILE *f;
    const char *path;
    int lineno;
    char *line; /* SCN_LINE_MAX + 2 bytes, allocated on first use */
} golden_t;

/* The next scenario into *s: 1, 0 at the end of the file, or 2 after printing
 * what is wrong (file:line, or a read error). */
static int golden_next(golden_t *g, out_scn_t *s)
{
    bool in = false;
    char msg[512];
    int got;
    if (!g->line && !(g->line = malloc(SCN_LINE_MAX + 2))) {
        fprintf(stderr, "mmusim check: %s: out of memory\n", g->path);
        return 2;
    }
    while ((got = scn_getline(g->f, g->line, g->path, g->lineno + 1, msg, sizeof msg)) > 0) {
        char *tok[8];
        g->lineno++;
        int n = scn_tokenize(g->line, tok, 8);
        if (n == 0)
            continue;
        rec_t r = {0};
        uint64_t ec;
        const char *what = NULL;
        if (n < 0) {
            what = "too many words";
        } else if (!strcmp(tok[0], "scenario") && n == 2 && !in) {
            if (out_reset(s, tok[1], g->lineno)) {
                fputs("mmusim check: out of memory\n", stderr);
                return 2;
            }
            in = true;
            continue;
        } else if (!strcmp(tok[0], "end") && n == 1 && in) {
            return 1;
        } else if (!in) {
            what = "expected 'scenario NAME'";
        } else if (!strcmp(tok[0], "result") && n == 4 && !strcmp(tok[2], "ok")) {
            r.kind = REC_OK;
            if (scn_i64(tok[1], &r.id) || scn_u64(tok[3], &r.a))
                what = "bad number";
        } else if (!strcmp(tok[0], "result") && n == 6 && !strcmp(tok[2], "fault")) {
            r.kind = REC_FAULT;
            if (scn_i64(tok[1], &r.id) || scn_u64(tok[3], &r.a) || scn_u64(tok[4], &ec) ||
                scn_u64(tok[5], &r.c))
                what = "bad number";
            r.b = ec;
        } else if (!strcmp(tok[0], "update") && n == 4) {
            r.kind = REC_UPDATE;
            if (scn_i64(tok[1], &r.id) || scn_u64(tok[2], &r.a) || scn_u64(tok[3], &r.b))
                what = "bad number";
        } else {
            what = "expected 'result ID ok PA', 'result ID fault VECTOR CODE CR2', "
                   "'update ID PA VALUE' or 'end'";
        }
        if (what) {
            fprintf(stderr, "mmusim check: %s:%d: %s\n", g->path, g->lineno, what);
            return 2;
        }
        out_add(s, r);
    }
    if (got < 0) {
        /* a line too long, a NUL byte or a read error, with file:line */
        fprintf(stderr, "mmusim check: %s\n", msg);
        return 2;
    }
    if (in) {
        fprintf(stderr, "mmusim check: %s:%d: end of file inside scenario '%s': missing 'end'\n",
                g->path, g->lineno, s->name);
        return 2;
    }
    return 0;
}

/* Open the golden file and check all of it, so that a malformed one stops
 * the command before anything runs; then rewind for golden_next. */
static int golden_open(golden_t *g, const char *path)
{
    memset(g, 0, sizeof *g);
    g->path = path;
    struct stat st;
    if (!(g->f = fopen(path, "r"))) {
        fprintf(stderr, "mmusim check: %s: cannot open: %s\n", path, strerror(errno));
        return 2;
    }
    if (fstat(fileno(g->f), &st) == 0 && !S_ISREG(st.st_mode)) {
        /* a directory reads as an error, a FIFO could not be read twice */
        fprintf(stderr, "mmusim check: %s: %s\n", path,
                S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
        return 2;
    }
    out_scn_t tmp = {0};
    int rc;
    while ((rc = golden_next(g, &tmp)) == 1)
        ;
    out_free(&tmp);
    if (rc)
        return rc;
    rewind(g->f);
    g->lineno = 0;
    return 0;
}

static void golden_close(golden_t *g)
{
    if (g->f)
        fclose(g->f);
    free(g->line);
    memset(g, 0, sizeof *g);
}

/* One access: its result record and the updates after it. */
static size_t group_end(const out_scn_t *s, size_t i)
{
    size_t j = i + 1;
    while (j < s->n && (s->r[j].kind == REC_UPDATE || s->r[j].kind == REC_TIMING))
        j++;
    return j;
}

static void fmt_group(char *buf, size_t len, const out_scn_t *s, size_t i, size_t j)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t k = i; k < j && off < len; k++) {
        if (s->r[k].kind == REC_TIMING)
            continue;
        if (k > i)
            off += (size_t)snprintf(buf + off, len - off, "; ");
        if (off < len)
            off += (size_t)fmt_rec(buf + off, len - off, &s->r[k]);
    }
}

static bool recs_equal(const rec_t *a, const rec_t *b)
{
    return a->kind == b->kind && a->id == b->id && a->a == b->a && a->b == b->b && a->c == b->c;
}

/* Differences between the golden scenario w and the one just run, g, printed
 * on stdout. */
static size_t compare_scn(const out_scn_t *w, const out_scn_t *g)
{
    size_t diffs = 0;
    char wb[2048], gb[2048];
    if (strcmp(w->name, g->name)) {
        printf("scenario %s: expected scenario %s here\n", g->name, w->name);
        return 1;
    }
    size_t wi = 0, gi = 0;
    while (wi < w->n || gi < g->n) {
        size_t wj = wi < w->n ? group_end(w, wi) : wi, gj = gi < g->n ? group_end(g, gi) : gi;
        if (wi >= w->n) {
            fmt_group(gb, sizeof gb, g, gi, gj);
            printf("scenario %s access %" PRId64 ": unexpected: %s\n", g->name, g->r[gi].id,
                   gb);
            diffs++;
        } else if (gi >= g->n) {
            fmt_group(wb, sizeof wb, w, wi, wj);
            printf("scenario %s access %" PRId64 ": missing: %s\n", w->name, w->r[wi].id, wb);
            diffs++;
        } else {
            /* Timing notes are comments: never part of the comparison. */
            size_t a = wi, b = gi;
            bool same = true;
            while (same && (a < wj || b < gj)) {
                while (b < gj && g->r[b].kind == REC_TIMING)
                    b++;
                if (a == wj || b == gj) {
                    same = a == wj && b == gj;
                    break;
                }
                same = recs_equal(&w->r[a++], &g->r[b++]);
            }
            if (!same) {
                fmt_group(wb, sizeof wb, w, wi, wj);
                fmt_group(gb, sizeof gb, g, gi, gj);
                printf("scenario %s access %" PRId64 ":\n  expected: %s\n  got:      %s\n",
                       g->name, g->r[gi].id, wb, gb);
                diffs++;
            }
        }
        wi = wj, gi = gj;
    }
    return diffs;
}

/* ---- command ------------------------------------------------------------------ */

/* The state of one check run, for the scn_parse_each callbacks. */
typedef struct check_run {
    const check_opts_t *o;
    bool print;     /* print each scenario's output */
    golden_t gold;  /* --expect */
    out_scn_t want, got;
    size_t diffs, accesses, ran;
} check_run_t;

/* Pass 1, before anything runs: every scenario's issue cycles must stay below
 * RUNLIB_CYCLE_LIMIT; each access is issued at least --gap cycles after the
 * previous one. */
static int check_gap(void *ctx, scenario_t *s)
{
    const check_opts_t *o = ((check_run_t *)ctx)->o;
    if (s->naccess > 1 && o->gap > (RUNLIB_CYCLE_LIMIT - 1) / (s->naccess - 1)) {
        fprintf(stderr,
                "mmusim check: --gap %" PRIu64 ": %s:%d: scenario %s issues %zu accesses; "
                "that far apart they would take the model's clock past 2^62 cycles (at "
                "most %" PRIu64 " here)\n",
                o->gap, o->path, s->line, s->name, s->naccess,
                (RUNLIB_CYCLE_LIMIT - 1) / (s->naccess - 1));
        return 2;
    }
    return 0;
}

/* Pass 2: run one scenario, print it and/or compare it with the golden one. */
static int check_one(void *ctx, scenario_t *s)
{
    check_run_t *c = ctx;
    if (out_reset(&c->got, s->name, 0)) {
        cli_error("check", "out of memory");
        return 2;
    }
    const int rc = run_scenario(c->o, s, &c->got);
    /* A scenario that failed half-way still shows what it did before. */
    if (c->print && (!rc || c->got.n))
        print_scn(stdout, &c->got);
    if (rc)
        return rc;
    c->ran++;
    for (size_t k = 0; k < c->got.n; k++)
        c->accesses += c->got.r[k].kind == REC_OK || c->got.r[k].kind == REC_FAULT;
    if (!c->o->expect)
        return 0;
    const int g = golden_next(&c->gold, &c->want);
    if (g == 2) /* it changed since golden_open read it */
        return 2;
    if (g == 0) {
        printf("scenario %s: not in the expected output\n", c->got.name);
        c->diffs++;
    } else {
        c->diffs += compare_scn(&c->want, &c->got);
    }
    return 0;
}

/* FILE, or stdin spooled to a temporary file: the scenarios are read twice
 * (checked whole, then run) and never held in memory together. */
static FILE *open_input(const char *path)
{
    if (strcmp(path, "-")) {
        FILE *in = fopen(path, "r");
        if (!in)
            cli_error("check", "%s: cannot open: %s", path, strerror(errno));
        return in;
    }
    FILE *t = tmpfile();
    if (!t) {
        cli_error("check", "cannot create a temporary file for <stdin>: %s", strerror(errno));
        return NULL;
    }
    char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
        if (fwrite(buf, 1, n, t) != n) {
            cli_error("check", "<stdin>: cannot spool to a temporary file: %s", strerror(errno));
            fclose(t);
            return NULL;
        }
    if (ferror(stdin)) {
        cli_error("check", "<stdin>: read error: %s", strerror(errno));
        fclose(t);
        return NULL;
    }
    rewind(t);
    return t;
}

int check_main(int argc, char **argv)
{
    check_opts_t o = {0};
    bool print = false, no1g = false;
    unsigned ad_on_fault = 0;
    const char *preset = NULL, *config = NULL, *covpath = NULL;
    const cli_opt_t opts[] = {
        {"expect", CLI_STR, &o.expect, "GOLDEN",
         "compare with GOLDEN instead of printing (exit 1 on any\ndifference)", 0, 0, NULL},
        {"print", CLI_FLAG, &print, NULL, "with --expect, also print the output", 0, 0, NULL},
        {"cold", CLI_FLAG, &o.cold, NULL,
         "flush every TLB and paging-structure cache before\neach access", 0, 0, NULL},
        {"timing", CLI_FLAG, &o.timing, NULL,
         "add a '# timing' comment per access: where it was served\nand its cycles", 0, 0,
         NULL},
        {"gap", CLI_U64, &o.gap, "CYCLES",
         "issue each access CYCLES after the previous one\ncompletes (default 0)", 0,
         RUNLIB_CYCLE_LIMIT, NULL},
        {"preset", CLI_STR, &preset, "NAME",
         "TLB/PSC geometry, latencies and walkers of a built-in\nCPU (default: the library defaults)", 0, 0, NULL},
        {"config", CLI_STR, &config, "FILE", "the same from a config file (on top of --preset)",
         0, 0, NULL},
        {"ad-on-fault", CLI_CHOICE, &ad_on_fault, "none|used",
         "what a faulting walk writes (default: none, or the\nconfiguration's)", 0, 0,
         "none|used"},
        {"no-1g", CLI_FLAG, &no1g, NULL, "no 1-GByte pages: PDPTE.PS is a reserved bit", 0, 0,
         NULL},
        {"coverage", CLI_STR, &covpath, "FILE",
         "write the functional coverage of all scenarios to FILE\n(JSON; 'mmusim coverage')",
         0, 0, NULL},
        {NULL, CLI_FLAG, NULL, NULL, NULL, 0, 0, NULL},
    };
    bool seen[sizeof opts / sizeof opts[0]];
    static const char *const POS[] = {"FILE"};
    const cli_cmd_t cmd = {
        .name = "check",
        .synopsis = "[OPTIONS] FILE|-",
        .about = "Runs the scenarios in FILE and prints each access's result and the\n"
                 "paging-structure writes it made (format: README.md, \"mmusim check\").\n",
        .notes = "Each scenario starts from a cold MMU with the default configuration, or\n"
                 "the --preset/--config one; the scenario's own lines (levels, maxphyaddr,\n"
                 "ctl, cr3) win over it. Exit status: 0 ok, 1 differences, 2 bad input.\n",
        .opts = opts,
        .pos_names = POS,
        .npos = 1,
        .min_pos = 1,
        .seen = seen};
    const char *pos[1];
    int rc = cli_parse(&cmd, argc, argv, pos);
    if (rc)
        return rc == 1 ? 0 : 2;
    o.path = pos[0];
#ifdef __GLIBC__
    /* One MMU and one memory are created and freed per scenario (a few
     * hundred KiB of TLB and cache-model arrays). By default glibc hands
     * freed memory at the top of the heap back to the kernel and maps big
     * blocks afresh, so each scenario paid for brk/mmap calls and page faults
     * (~100 us, more than its own work). Keep it for reuse instead. */
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
    if (cli_given(&cmd, "gap") && !o.timing) {
        cli_error("check", "--gap only changes the cycles --timing prints; add --timing");
        return 2;
    }
    char msg[1024];
    if (runlib_load_config(preset, config, &o.cfg, msg, sizeof msg)) {
        cli_error("check", "%s", msg);
        return 2;
    }
    o.preset_or_config = preset || config;
    if (no1g)
        o.cfg.page_1g = 0;
    if (cli_given(&cmd, "ad-on-fault"))
        o.cfg.ad_on_fault = ad_on_fault ? MMU_AD_ON_FAULT_USED : MMU_AD_ON_FAULT_NONE;

    mmu_err_t err = {0, ""};
    if (covpath && mmu_cov_create(&o.cov, &err)) {
        cli_error("check", "%s", err.msg);
        return 2;
    }
    FILE *in = open_input(o.path);
    if (!in) {
        mmu_cov_destroy(o.cov);
        return 2;
    }
    o.path = strcmp(o.path, "-") ? o.path : "<stdin>";
    check_run_t c = {.o = &o, .print = !o.expect || print};
    /* Pass 1: the whole file is parsed and checked before anything runs. */
    rc = scn_parse_each(in, o.path, check_gap, &c, msg, sizeof msg);
    if (rc == -1)
        cli_error("check", "%s", msg);
    if (!rc && o.expect)
        rc = golden_open(&c.gold, o.expect);
    if (!rc) {
        rewind(in);
        rc = scn_parse_each(in, o.path, check_one, &c, msg, sizeof msg);
        if (rc == -1) /* the file changed under us */
            cli_error("check", "%s", msg);
    }
    fclose(in);
    if (!rc && o.expect) {
        int g;
        while ((g = golden_next(&c.gold, &c.want)) == 1) {
            printf("scenario %s: expected, but the input has no such scenario\n", c.want.name);
            c.diffs++;
        }
        if (g == 2)
            rc = 2;
    }
    if (!rc && o.expect) {
        printf("check: %zu scenarios, %zu accesses, %zu differences from %s\n", c.ran,
               c.accesses, c.diffs, o.expect);
        rc = c.diffs ? 1 : 0;
    }
    golden_close(&c.gold);
    out_free(&c.want);
    out_free(&c.got);
    /* Written after a bad scenario too: it holds what ran before it. */
    if (o.cov && covfile_write(o.cov, covpath, msg, sizeof msg)) {
        cli_error("check", "%s", msg);
        rc = 2;
    }
    mmu_cov_destroy(o.cov);
    return rc ? (rc == 1 ? 1 : 2) : 0;
}
