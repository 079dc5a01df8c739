/* `mmusim check`: runs every scenario of a file through the model and prints,
 * per access, the result and every paging-structure write it made. Writes are
 * seen by wrapping the memory interface, exactly where a host simulator would
 * see them. With --expect the output is compared, value by value, with a
 * golden file in the same format. */
#include "check.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/mmu.h"
#include "mmu/mmu_mem.h"
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

typedef struct out_file {
    out_scn_t *s;
    size_t n, cap;
} out_file_t;

static void *xgrow(void *arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return arr;
    size_t ncap = *cap ? *cap * 2 : 64;
    void *p = realloc(arr, ncap * elem);
    if (!p) {
        fputs("mmusim: out of memory\n", stderr);
        exit(2);
    }
    *cap = ncap;
    return p;
}

static out_scn_t *out_new_scn(out_file_t *o, const char *name, int line)
{
    o->s = xgrow(o->s, &o->cap, o->n, sizeof *o->s);
    out_scn_t *s = &o->s[o->n++];
    memset(s, 0, sizeof *s);
    s->name = strdup(name);
    s->line = line;
    return s;
}

static void out_add(out_scn_t *s, rec_t r)
{
    s->r = xgrow(s->r, &s->cap, s->n, sizeof *s->r);
    s->r[s->n++] = r;
}

static void out_free(out_file_t *o)
{
    for (size_t i = 0; i < o->n; i++) {
        free(o->s[i].name);
        free(o->s[i].r);
    }
    free(o->s);
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

static void print_out(FILE *f, const out_file_t *o)
{
    char buf[256];
    for (size_t i = 0; i < o->n; i++) {
        fprintf(f, "scenario %s\n", o->s[i].name);
        for (size_t j = 0; j < o->s[i].n; j++) {
            fmt_rec(buf, sizeof buf, &o->s[i].r[j]);
            fprintf(f, "%s\n", buf);
        }
        fputs("end\n", f);
    }
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
    uint64_t gap; /* cycles between the completion of one access and the next issue */
    mmu_config_t cfg;
} check_opts_t;

static int run_scenario(const check_opts_t *o, const scenario_t *s, out_scn_t *out)
{
    mmu_sparse_mem_t *mem = NULL;
    mmu_t *mmu = NULL;
    mmu_err_t err = {0, ""};
    int rc = mmu_sparse_mem_create(s->maxphyaddr, &mem);
    for (size_t i = 0; !rc && i < s->nmem; i++)
        rc = mmu_sparse_mem_write64(mem, s->mem[i].pa, s->mem[i].val);
    if (rc) {
        fprintf(stderr, "%s:%d: scenario %s: memory: %s\n", o->path, s->line, s->name,
                mmu_strerror(rc));
        mmu_sparse_mem_destroy(mem);
        return 2;
    }
    logged_mem_t lm = {mem, out, 0};
    uint64_t now = 0;
    mmu_mem_ops_t ops = {sizeof ops, lm_read64, lm_cmpxchg64, &lm};
    mmu_config_t cfg = o->cfg;
    cfg.maxphyaddr = s->maxphyaddr;
    if ((rc = mmu_create(&cfg, &ops, &mmu, &err)) != 0 ||
        (rc = mmu_set_ctrl(mmu, &s->ctrl0, &err)) != 0) {
        fprintf(stderr, "%s:%d: scenario %s: %s\n", o->path, s->line, s->name, err.msg);
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
            fprintf(stderr, "%s:%d: %s\n", o->path, op->line, err.msg);
            goto done;
        }
        if (op->kind == SCN_ACCESS) {
            mmu_req_t req = op->req;
            req.version = MMU_REQ_VERSION;
            mmu_result_t res;
            size_t at = out->n;
            req.now = now;
            lm.id = op->id;
            /* --cold: nothing cached carries over; memory (and so A/D) does. */
            if (o->cold)
                mmu_flush_all(mmu);
            out_add(out, (rec_t){.kind = REC_OK}); /* the result goes before its updates */
            if ((rc = mmu_translate(mmu, &req, &res)) != 0) {
                out->n = at;
                fprintf(stderr, "%s:%d: access %" PRId64 ": %s\n", o->path, op->line, op->id,
                        mmu_strerror(rc));
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

static int read_golden(const char *path, out_file_t *g)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
        return 2;
    }
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0, rc = 0;
    out_scn_t *cur = NULL;
    while (getline(&line, &cap, f) >= 0) {
        char *tok[8];
        lineno++;
        int n = scn_tokenize(line, tok, 8);
        if (n == 0)
            continue;
        rec_t r = {0};
        uint64_t ec;
        const char *what = NULL;
        if (n < 0) {
            what = "too many words";
        } else if (!strcmp(tok[0], "scenario") && n == 2 && !cur) {
            cur = out_new_scn(g, tok[1], lineno);
            continue;
        } else if (!strcmp(tok[0], "end") && n == 1 && cur) {
            cur = NULL;
            continue;
        } else if (!cur) {
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
            fprintf(stderr, "%s:%d: %s\n", path, lineno, what);
            rc = 2;
            break;
        }
        out_add(cur, r);
    }
    if (!rc && cur) {
        fprintf(stderr, "%s:%d: end of file inside scenario '%s': missing 'end'\n", path, lineno,
                cur->name);
        rc = 2;
    }
    free(line);
    fclose(f);
    return rc;
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

static size_t compare(const out_file_t *want, const out_file_t *got, size_t *accesses)
{
    size_t diffs = 0;
    char wb[2048], gb[2048];
    *accesses = 0;
    for (size_t i = 0; i < want->n || i < got->n; i++) {
        if (i >= got->n) {
            printf("scenario %s: expected, but the input has no such scenario\n", want->s[i].name);
            diffs++;
            continue;
        }
        if (i >= want->n) {
            printf("scenario %s: not in the expected output\n", got->s[i].name);
            diffs++;
            continue;
        }
        const out_scn_t *w = &want->s[i], *g = &got->s[i];
        if (strcmp(w->name, g->name)) {
            printf("scenario %s: expected scenario %s here\n", g->name, w->name);
            diffs++;
            continue;
        }
        size_t wi = 0, gi = 0;
        while (wi < w->n || gi < g->n) {
            size_t wj = wi < w->n ? group_end(w, wi) : wi, gj = gi < g->n ? group_end(g, gi) : gi;
            if (gi < g->n)
                ++*accesses;
            if (wi >= w->n) {
                fmt_group(gb, sizeof gb, g, gi, gj);
                printf("scenario %s access %" PRId64 ": unexpected: %s\n", g->name,
                       g->r[gi].id, gb);
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
    }
    return diffs;
}

/* ---- command ------------------------------------------------------------------ */

static void usage(FILE *f)
{
    fputs("usage: mmusim check [--cold] [--expect GOLDEN] [--ad-on-fault none|used] [--no-1g]\n"
          "                    [--timing] [--gap CYCLES] [--print] FILE|-\n"
          "  Runs the scenarios in FILE and prints each access's result and the\n"
          "  paging-structure writes it made. --expect compares with GOLDEN instead\n"
          "  (exit 1 on any difference; --print also prints the output). --timing adds a\n"
          "  '# timing' comment per access: where it was served and its cycles. Each\n"
          "  access is issued when the previous one completes, plus --gap cycles (0).\n"
          "  Exit status: 0 ok, 1 differences, 2 bad input.\n",
          f);
}

int check_main(int argc, char **argv)
{
    check_opts_t o = {0};
    bool print = false;
    mmu_config_init(&o.cfg);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--cold")) {
            o.cold = true;
        } else if (!strcmp(a, "--expect") && i + 1 < argc) {
            o.expect = argv[++i];
        } else if (!strcmp(a, "--print")) {
            print = true;
        } else if (!strcmp(a, "--timing")) {
            o.timing = true;
        } else if (!strcmp(a, "--gap") && i + 1 < argc) {
            if (scn_u64(argv[++i], &o.gap)) {
                fprintf(stderr, "mmusim check: --gap %s: not a number of cycles\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(a, "--no-1g")) {
            o.cfg.page_1g = 0;
        } else if (!strcmp(a, "--ad-on-fault") && i + 1 < argc) {
            const char *v = argv[++i];
            if (!strcmp(v, "none"))
                o.cfg.ad_on_fault = MMU_AD_ON_FAULT_NONE;
            else if (!strcmp(v, "used"))
                o.cfg.ad_on_fault = MMU_AD_ON_FAULT_USED;
            else {
                fprintf(stderr, "mmusim check: --ad-on-fault %s: must be none or used\n", v);
                return 2;
            }
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if ((a[0] != '-' || !strcmp(a, "-")) && !o.path) {
            o.path = a;
        } else {
            fprintf(stderr, "mmusim check: unexpected argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (!o.path) {
        usage(stderr);
        return 2;
    }

    bool is_stdin = !strcmp(o.path, "-");
    FILE *in = is_stdin ? stdin : fopen(o.path, "r");
    if (!in) {
        fprintf(stderr, "%s: cannot open: %s\n", o.path, strerror(errno));
        return 2;
    }
    const char *shown = is_stdin ? "<stdin>" : o.path;
    scn_file_t f;
    char msg[512];
    int rc = scn_parse(in, shown, &f, msg, sizeof msg);
    if (!is_stdin)
        fclose(in);
    if (rc) {
        fprintf(stderr, "%s\n", msg);
        return 2;
    }
    o.path = shown;

    out_file_t want = {0}, got = {0};
    if (o.expect && (rc = read_golden(o.expect, &want)) != 0) {
        scn_free(&f);
        return rc;
    }
    for (size_t i = 0; i < f.n && !rc; i++)
        rc = run_scenario(&o, &f.s[i], out_new_scn(&got, f.s[i].name, 0));
    if (!o.expect || print)
        print_out(stdout, &got);
    if (!rc && o.expect) {
        size_t accesses;
        size_t diffs = compare(&want, &got, &accesses);
        printf("check: %zu scenarios, %zu accesses, %zu differences from %s\n", got.n, accesses,
               diffs, o.expect);
        rc = diffs ? 1 : 0;
    }
    out_free(&want);
    out_free(&got);
    scn_free(&f);
    return rc;
}
