/* SPDX-License-Identifier: Apache-2.0 */
/* `mmusim sweep` (sweep.h). The plan: every possible point x workload x
 * policy is a run; runs of one workload and policy are cut into batches of
 * [sweep] batch points. A batch is one process: one generator or trace reader
 * feeds each decoded access to every point's own MMU and page tables through
 * runlib's lane loop, so the decode is paid once per batch. Each batch ends in
 * DIR/parts/bNNNNNN.csv (temporary file + rename), which is what a rerun
 * skips and what the merge concatenates: the final CSV does not depend on how
 * often the sweep was interrupted. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "sweep.h"

#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mmu/mmu.h"
#include "mmu/mmu_stats.h"
#include "aspace.h"
#include "cli_opt.h"
#include "cli_out.h"
#include "runlib.h"
#include "sweep_spec.h"
#include "sweep_stack.h"
#include "synth.h"
#include "trace.h"
#include "version.h"

#ifndef MMU_TRACES_DIR
#define MMU_TRACES_DIR "workloads/traces"
#endif

typedef struct sw_run {
    uint32_t point;
    uint16_t wl, pol;
} sw_run_t;

typedef struct sw_batch {
    uint32_t first, n; /* runs [first, first + n) */
} sw_batch_t;

typedef struct sw {
    const char *spec_path, *out, *traces, *partition;
    uint64_t jobs, tasks, task;
    bool restart, merge_only, list, slurm, task_given;
    sw_spec_t spec;
    unsigned char *cfg_ok; /* per point: 1 possible */
    sw_run_t *runs;
    uint32_t nruns;
    sw_batch_t *batches;
    uint32_t nbatches;
    char **imp; /* impossible points / runs, one line each */
    unsigned nimp;
    char parts[PATH_MAX];
    char cmdline[2048];
} sw_t;

static const char *CMD = "sweep";

/* snprintf for messages that may be cut (a run's status, a path). */
static void setf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void setf(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

/* ---- small helpers ------------------------------------------------------------------ */

static int add_imp(sw_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int add_imp(sw_t *s, const char *fmt, ...)
{
    char b[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    char **n = realloc(s->imp, (s->nimp + 1) * sizeof *n);
    if (!n || !(n[s->nimp] = strdup(b))) {
        if (n)
            s->imp = n;
        return -1;
    }
    s->imp = n;
    s->nimp++;
    return 0;
}

/* "preset=skylake l2.4k2m.entries=512 l2.4k2m.ways=8": the varied values. */
static void point_label(const sw_spec_t *sp, uint64_t p, char *buf, size_t len)
{
    unsigned preset, choice[256];
    sw_point_choice(sp, p, &preset, choice);
    size_t used = (size_t)snprintf(buf, len, "preset=%s", sp->presets[preset]);
    for (unsigned k = 0; k < sp->nkeys && used < len; k++) {
        if (sp->keys[k].nalt < 2)
            continue;
        char col[112];
        sw_key_column(&sp->keys[k], col, sizeof col);
        used += (size_t)snprintf(buf + used, len - used, " %s=%s", col,
                                 sp->keys[k].alt[choice[k]]);
    }
}

/* A CSV field: quoted when it holds a comma, quote or line end. */
static void csv_field(FILE *f, const char *v)
{
    if (!strpbrk(v, ",\"\n\r")) {
        fputs(v, f);
        return;
    }
    fputc('"', f);
    for (; *v; v++) {
        if (*v == '"')
            fputc('"', f);
        fputc(*v == '\n' || *v == '\r' ? ' ' : *v, f);
    }
    fputc('"', f);
}

/* Split one CSV line into at most max fields (in place). */
static unsigned csv_split(char *line, char **field, unsigned max)
{
    unsigned n = 0;
    char *p = line;
    while (n < max) {
        char *out = p;
        field[n++] = p;
        if (*p == '"') {
            char *r = p + 1;
            for (;;) {
                if (!*r)
                    break;
                if (*r == '"' && r[1] == '"') {
                    *out++ = '"';
                    r += 2;
                } else if (*r == '"') {
                    r++;
                    break;
                } else {
                    *out++ = *r++;
                }
            }
            p = r;
        } else {
            while (*p && *p != ',')
                out++, p++;
        }
        const char c = *p;
        *out = '\0';
        if (c != ',')
            break;
        p++;
    }
    return n;
}

static uint64_t total_entries(const mmu_tlb_cfg_t *t)
{
    uint64_t n = 0;
    for (int i = 0; i < MMU_TLB_ARRAYS; i++)
        n += t->arr[i].entries;
    return n;
}

/* ---- the plan ------------------------------------------------------------------------- */

static int plan(sw_t *s)
{
    sw_spec_t *sp = &s->spec;
    char why[1024], lab[1024];
    s->cfg_ok = calloc(sp->npoints, 1);
    if (!s->cfg_ok)
        return -1;
    mmu_config_t *cfgs = NULL; /* only to check the working sets fit */
    for (uint64_t p = 0; p < sp->npoints; p++) {
        mmu_config_t cfg;
        if (sw_point_config(sp, p, &cfg, why, sizeof why) == 0) {
            s->cfg_ok[p] = 1;
            continue;
        }
        point_label(sp, p, lab, sizeof lab);
        if (add_imp(s, "point %" PRIu64 " (%s): %s", p, lab, why))
            return -1;
    }
    free(cfgs);
    const uint64_t maxruns = sp->npoints * sp->nwl * sp->npol;
    if (maxruns > UINT32_MAX)
        return -1;
    s->runs = malloc((maxruns ? maxruns : 1) * sizeof *s->runs);
    s->batches = malloc((maxruns ? maxruns : 1) * sizeof *s->batches);
    if (!s->runs || !s->batches)
        return -1;
    for (unsigned w = 0; w < sp->nwl; w++)
        for (unsigned q = 0; q < sp->npol; q++) {
            const sw_wl_t *wl = &sp->wl[w];
            mmu_synth_cfg_t sc;
            if (!wl->trace && sw_synth_cfg(sp, wl, sp->pol[q], &sc, why, sizeof why)) {
                if (add_imp(s, "workload %s, policy %s: %s", wl->label,
                            SW_POLICY_NAME[sp->pol[q]], why))
                    return -1;
                continue;
            }
            uint32_t in_batch = 0;
            for (uint64_t p = 0; p < sp->npoints; p++) {
                if (!s->cfg_ok[p])
                    continue;
                if (!wl->trace) {
                    mmu_config_t cfg;
                    sw_point_config(sp, p, &cfg, why, sizeof why);
                    if (runlib_ws_fits(&cfg, mmu_synth_mapped(&sc), sc.page_size, 4, why,
                                       sizeof why)) {
                        point_label(sp, p, lab, sizeof lab);
                        if (add_imp(s, "point %" PRIu64 " (%s), workload %s, policy %s: %s", p,
                                    lab, wl->label, SW_POLICY_NAME[sp->pol[q]], why))
                            return -1;
                        continue;
                    }
                }
                if (!in_batch) {
                    s->batches[s->nbatches].first = s->nruns;
                    s->batches[s->nbatches].n = 0;
                    s->nbatches++;
                }
                s->runs[s->nruns++] = (sw_run_t){(uint32_t)p, (uint16_t)w, (uint16_t)q};
                s->batches[s->nbatches - 1].n++;
                /* A stack-distance pass is one run for all of them. */
                if (++in_batch == sp->batch && !sp->stack)
                    in_batch = 0;
            }
        }
    return 0;
}

/* [sweep] stack_distance = yes: refuse, before anything runs, a spec whose
 * points a stack-distance pass cannot give exactly (sweep_stack.h). Returns 0,
 * or 2 with "spec:line: why" printed. */
static int stack_plan_check(const sw_t *s)
{
    const sw_spec_t *sp = &s->spec;
    if (!sp->stack)
        return 0;
    if (sp->npresets > 1) {
        cli_error(CMD, "%s:%d: stack_distance = yes: presets vary (%u of them): a stack-distance "
                  "pass varies only one L2 array's entries and ways; run without it",
                  sp->path, sp->stack_line, sp->npresets);
        return 2;
    }
    for (unsigned k = 0; k < sp->nkeys; k++) {
        const sw_key_t *key = &sp->keys[k];
        if (key->nalt < 2)
            continue;
        if (strncmp(key->sec, "l2.", 3) ||
            (strcmp(key->key, "entries") && strcmp(key->key, "ways"))) {
            cli_error(CMD, "%s:%d: [%s] %s varies: a stack-distance pass (stack_distance = yes, "
                      "line %d) gives only the L2 misses of one L2 array's sizes (entries, "
                      "ways); run without it",
                      sp->path, key->line, key->sec, key->key, sp->stack_line);
            return 2;
        }
    }
    uint64_t n = 0;
    for (uint64_t p = 0; p < sp->npoints; p++)
        n += s->cfg_ok[p];
    mmu_config_t *cfg = malloc((n ? n : 1) * sizeof *cfg);
    if (!cfg) {
        cli_error(CMD, "out of memory");
        return 2;
    }
    char why[1024];
    n = 0;
    for (uint64_t p = 0; p < sp->npoints; p++)
        if (s->cfg_ok[p])
            sw_point_config(sp, p, &cfg[n++], why, sizeof why);
    unsigned arr;
    int rc = 0;
    if (n && sw_stack_check(cfg, (unsigned)n, &arr, why, sizeof why)) {
        cli_error(CMD, "%s:%d: stack_distance = yes does not apply: %s; run without it", sp->path,
                  sp->stack_line, why);
        rc = 2;
    }
    free(cfg);
    return rc;
}

/* ---- the CSV --------------------------------------------------------------------------- */

#define LAT_COLS "lat_mean,lat_sum,lat_p50,lat_p90,lat_p99,lat_max"

static void write_header(const sw_t *s, FILE *f)
{
    const sw_spec_t *sp = &s->spec;
    fputs("run,point,preset", f);
    for (unsigned k = 0; k < sp->nkeys; k++)
        if (sp->keys[k].nalt > 1) {
            char col[112];
            sw_key_column(&sp->keys[k], col, sizeof col);
            fprintf(f, ",%s", col);
        }
    fputs(",workload,policy,status,accesses,counted,cycles," LAT_COLS
          ",l1_misses_per_1k,l2_misses_per_1k,walks_per_1k,tlb_entries,l2_entries,psc_entries,"
          "total_entries",
          f);
    for (unsigned i = 0; i < mmu_stats_count(); i++)
        fprintf(f, ",%s", mmu_stats_name(i));
#define SW__AS_COL(name) fputs(",os_" #name, f);
    MMU_ASPACE_STATS_MAP(SW__AS_COL)
#undef SW__AS_COL
    fputs(",pareto,batch_seconds\n", f);
}

/* Columns of the header before the ones a run fills: run .. policy. */
static unsigned lead_cols(const sw_spec_t *sp)
{
    unsigned n = 3;
    for (unsigned k = 0; k < sp->nkeys; k++)
        n += sp->keys[k].nalt > 1;
    return n + 2;
}

/* One run's row, without pareto (added by the merge) and with batch_seconds. */
static void write_row(const sw_t *s, FILE *f, uint32_t r, const mmu_config_t *cfg,
                      const runlib_acc_t *a, mmu_t *mmu, bool trace, const char *status,
                      double secs, const mmu_stats_t *stk, const bool *given)
{
    const sw_spec_t *sp = &s->spec;
    const sw_run_t *ru = &s->runs[r];
    unsigned preset, choice[256];
    sw_point_choice(sp, ru->point, &preset, choice);
    fprintf(f, "%" PRIu32 ",%" PRIu32 ",", r, ru->point);
    csv_field(f, sp->presets[preset]);
    for (unsigned k = 0; k < sp->nkeys; k++)
        if (sp->keys[k].nalt > 1) {
            fputc(',', f);
            csv_field(f, sp->keys[k].alt[choice[k]]);
        }
    fputc(',', f);
    csv_field(f, sp->wl[ru->wl].label);
    fprintf(f, ",%s,", SW_POLICY_NAME[sp->pol[ru->pol]]);
    csv_field(f, status);
    mmu_stats_t st;
    mmu_aspace_stats_t ast;
    memset(&ast, 0, sizeof ast);
    memset(&st, 0, sizeof st);
    if (stk) /* a stack-distance point: only what the pass gives */
        st = *stk;
    else if (mmu) /* else the run never started: zeros, and the status says why */
        runlib_acc_stats(a, mmu, &st, &ast);
    const uint64_t c = a->counted;
    const double k = c ? 1000.0 / (double)c : 0.0;
    if (stk) {
        /* Timing depends on every hit and miss: not known for this point. */
        fprintf(f, ",%" PRIu64 ",%" PRIu64 ",,,,,,,", a->n, c);
    } else {
        fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64, a->n, c,
                c ? a->last_done - a->warm_cycle : 0);
        fprintf(f, ",%.6f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
                c ? (double)a->lat_sum / (double)c : 0.0, a->lat_sum,
                runlib_percentile(a->hist, c, 0.5), runlib_percentile(a->hist, c, 0.9),
                runlib_percentile(a->hist, c, 0.99), a->lat_max);
    }
    uint64_t psc = 0;
    for (int i = 2; i <= 5; i++)
        psc += cfg->psc[i].arr.entries;
    const uint64_t l2e = total_entries(&cfg->l2);
    const uint64_t tlb = total_entries(&cfg->l1i) + total_entries(&cfg->l1d) + l2e;
    fprintf(f, ",%.4f,%.4f,%.4f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
            (double)(st.l1i_misses + st.l1d_misses) * k, (double)st.l2_misses * k,
            (double)st.walks * k, tlb, l2e, psc, tlb + psc);
    for (unsigned i = 0; i < mmu_stats_count(); i++)
        if (given && !given[i])
            fputc(',', f);
        else
            fprintf(f, ",%" PRIu64, mmu_stats_get(&st, i));
#define SW__AS_VAL(name)                                                                       \
    if (trace && !stk)                                                                         \
        fprintf(f, ",%" PRIu64, ast.name);                                                     \
    else                                                                                       \
        fputc(',', f);
    MMU_ASPACE_STATS_MAP(SW__AS_VAL)
#undef SW__AS_VAL
    fprintf(f, ",%.3f\n", secs);
}

/* ---- one batch ---------------------------------------------------------------------- */

static void part_path(const sw_t *s, uint32_t b, char *buf, size_t len)
{
    setf(buf, len, "%s/b%06" PRIu32 ".csv", s->parts, b);
}

/* Run batch b and write its part file. Returns 0, 1 when a run failed (its row
 * says why; the part is written), 2 when the part could not be made. */
static int run_batch(const sw_t *s, uint32_t b)
{
    const sw_spec_t *sp = &s->spec;
    const sw_batch_t *bt = &s->batches[b];
    const unsigned n = bt->n;
    const sw_run_t *r0 = &s->runs[bt->first];
    const sw_wl_t *wl = &sp->wl[r0->wl];
    const unsigned pol = sp->pol[r0->pol];
    char msg[1024];
    int rc = 2;
    runlib_lane_t *lane = calloc(n, sizeof *lane);
    runlib_acc_t *acc = calloc(n, sizeof *acc);
    mmu_config_t *cfg = calloc(n, sizeof *cfg);
    runlib_ws_t *ws = calloc(n, sizeof *ws);
    runlib_as_t *as = calloc(n, sizeof *as);
    char (*status)[600] = calloc(n, sizeof *status);
    mmu_trace_reader_t *tr = NULL;
    sw_stack_t *stk = NULL;
    mmu_stats_t base_st, stk_st;
    bool *given = calloc(mmu_stats_count(), sizeof *given);
    if (!lane || !acc || !cfg || !ws || !as || !status || !given) {
        fprintf(stderr, "mmusim sweep: batch %" PRIu32 ": out of memory\n", b);
        goto out;
    }
    const double t0 = runlib_now_s();
    mmu_synth_cfg_t sc;
    if (!wl->trace && sw_synth_cfg(sp, wl, pol, &sc, msg, sizeof msg)) {
        fprintf(stderr, "mmusim sweep: batch %" PRIu32 ": %s\n", b, msg);
        goto out;
    }
    mmu_aspace_cfg_t ac;
    mmu_aspace_cfg_init(&ac);
    ac.pcid = 1; /* as `mmusim run --trace` */
    ac.policy = (mmu_policy_t)pol;
    for (unsigned i = 0; i < n; i++) {
        acc[i].warmup = sp->warmup;
        if (!(acc[i].hist = calloc(RUNLIB_LAT_BUCKETS, sizeof *acc[i].hist))) {
            fprintf(stderr, "mmusim sweep: batch %" PRIu32 ": out of memory\n", b);
            goto out;
        }
        lane[i].a = &acc[i];
        setf(status[i], sizeof status[i], "ok");
        int e = sw_point_config(sp, s->runs[bt->first + i].point, &cfg[i], msg, sizeof msg);
        if (!e && sp->stack && i > 0) { /* the pass over run 0 gives it */
            lane[i].err = INT_MIN;
            continue;
        }
        if (!e && !wl->trace) { /* mapped as `mmusim run` maps it */
            ws[i].pretouch = (int)sc.pretouch;
            ws[i].scatter = (int)sc.scatter;
            e = runlib_ws_map(&ws[i], &cfg[i], sc.base, mmu_synth_mapped(&sc), sc.page_size, 4,
                              msg, sizeof msg);
        } else if (!e) {
            e = runlib_as_create(&as[i], &cfg[i], &ac, msg, sizeof msg);
        }
        if (e) { /* never starts: mmu stays NULL, the row says why */
            setf(status[i], sizeof status[i], "error: %s", msg);
            lane[i].err = INT_MIN;
            continue;
        }
        lane[i].mmu = wl->trace ? as[i].mmu : ws[i].mmu;
        lane[i].as = wl->trace ? as[i].as : NULL;
    }
    if (sp->stack && lane[0].mmu) {
        unsigned arr;
        sw_geom_t *g = malloc(n * sizeof *g);
        if (!g || sw_stack_check(cfg, n, &arr, msg, sizeof msg)) {
            fprintf(stderr, "mmusim sweep: batch %" PRIu32 ": %s\n", b,
                    g ? msg : "out of memory");
            free(g);
            goto out;
        }
        for (unsigned i = 0; i < n; i++)
            g[i] = (sw_geom_t){cfg[i].l2.arr[arr].entries / cfg[i].l2.arr[arr].ways,
                               cfg[i].l2.arr[arr].ways};
        /* Measured from the first access when there is no warm-up. */
        if (!acc[0].warmup)
            acc[0].warm_done = 1;
        stk = sw_stack_new(&cfg[0], arr, g, n, &acc[0].warm_done);
        free(g);
        if (!stk) {
            fprintf(stderr, "mmusim sweep: batch %" PRIu32 ": out of memory\n", b);
            goto out;
        }
        sw_stack_attach(stk, lane[0].mmu);
    }
    if (wl->trace) {
        if (mmu_trace_open(wl->path, NULL, &tr, msg, sizeof msg)) {
            fprintf(stderr, "mmusim sweep: batch %" PRIu32 ": %s\n", b, msg);
            goto out;
        }
        const runlib_trace_lim_t lim = {sp->accesses ? sp->warmup + sp->accesses : 0, 0, 0};
        const int r = runlib_trace_drive_lanes(lane, n, tr, &lim);
        for (unsigned i = 0; i < n; i++) {
            if (lane[i].mmu && lane[i].err == RUNLIB_ESTOP)
                setf(status[i], sizeof status[i], "stopped at record %" PRIu64 ": %s",
                     lane[i].bad_rec, lane[i].msg);
            else if (lane[i].mmu && lane[i].err)
                setf(status[i], sizeof status[i], "error: %s: record %" PRIu64 ": %s",
                         wl->path, lane[i].bad_rec, lane[i].msg);
            else if (r == 1 && !lane[i].err)
                setf(status[i], sizeof status[i], "error: %s", mmu_trace_error(tr));
        }
    } else {
        mmu_synth_t g;
        mmu_synth_init(&g, &sc);
        runlib_synth_drive_lanes(lane, n, &g, 0, 0);
        for (unsigned i = 0; i < n; i++)
            if (lane[i].mmu && lane[i].err)
                setf(status[i], sizeof status[i], "error: access %" PRIu64 " (0x%" PRIx64
                         "): %s", acc[i].n + 1, lane[i].bad_la,
                         lane[i].err == RUNLIB_ECLOCK ? "the model's clock would pass 2^63 cycles"
                                                      : mmu_strerror(lane[i].err));
    }
    for (unsigned i = 0; i < n; i++)
        if (!lane[i].err && !acc[i].counted)
            setf(status[i], sizeof status[i],
                     "error: nothing measured: the run ended after %" PRIu64
                     " accesses, all of them warm-up",
                     acc[i].n);
    if (stk && !strcmp(status[0], "ok")) {
        mmu_aspace_stats_t ast;
        runlib_acc_stats(&acc[0], lane[0].mmu, &base_st, &ast);
        if (sw_stack_verdict(stk, lane[0].mmu, &base_st, msg, sizeof msg))
            setf(status[0], sizeof status[0], "error: %s", msg);
    }
    if (sp->stack) /* the other points stand or fall with run 0 */
        for (unsigned i = 1; i < n; i++)
            if (!strcmp(status[i], "ok"))
                memcpy(status[i], status[0], sizeof status[i]);
    const double secs = runlib_now_s() - t0;
    char path[PATH_MAX];
    part_path(s, b, path, sizeof path);
    cli_out_t o;
    if (cli_out_open(&o, path, msg, sizeof msg)) {
        fprintf(stderr, "mmusim sweep: %s\n", msg);
        goto out;
    }
    fprintf(o.f, "# mmusim sweep part: spec %016" PRIx64 " batch %" PRIu32 " rows %u\n",
            sp->hash, b, n);
    rc = 0;
    for (unsigned i = 0; i < n; i++) {
        if (stk && i > 0 && !strcmp(status[i], "ok")) {
            sw_stack_stats(stk, i, &base_st, &stk_st, given);
            write_row(s, o.f, bt->first + i, &cfg[i], &acc[0], lane[0].mmu, wl->trace,
                      status[i], secs, &stk_st, given);
        } else {
            write_row(s, o.f, bt->first + i, &cfg[i], &acc[i], lane[i].mmu, wl->trace,
                      status[i], secs, NULL, NULL);
        }
        if (strcmp(status[i], "ok"))
            rc = 1;
    }
    if (ferror(o.f) || cli_out_commit(&o, msg, sizeof msg)) {
        cli_out_abort(&o);
        fprintf(stderr, "mmusim sweep: %s: write error\n", path);
        rc = 2;
    }
out:
    mmu_trace_close(tr);
    sw_stack_free(stk);
    free(given);
    for (unsigned i = 0; lane && i < n; i++) {
        if (acc)
            free(acc[i].hist);
        if (ws)
            runlib_ws_free(&ws[i]);
        if (as)
            runlib_as_free(&as[i]);
    }
    free(lane);
    free(acc);
    free(cfg);
    free(ws);
    free(as);
    free(status);
    return rc;
}

/* ---- the output directory -------------------------------------------------------------- */

static int make_dir(const char *path)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0777) && errno != EEXIST)
                return -1;
            *p = '/';
        }
    if (mkdir(buf, 0777) && errno != EEXIST)
        return -1;
    struct stat st;
    return stat(buf, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

static bool exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* Remove temporary files of parts left by a batch killed while writing
 * (SIGKILL). Only when no other process can be writing into DIR: a local
 * sweep holding DIR's lock, or a Slurm submission with no job of its own in
 * the queue -- never an array task, whose siblings write beside it. */
static void clean_stale(const sw_t *s)
{
    DIR *d = opendir(s->parts);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] == '.' && strstr(e->d_name, ".tmp-")) {
            char p[PATH_MAX + 300];
            snprintf(p, sizeof p, "%s/%s", s->parts, e->d_name);
            unlink(p);
        }
    closedir(d);
}

/* One local sweep per DIR at a time: an exclusive lock on DIR/.lock held
 * (through inherited descriptors) until the last worker exits. */
static int lock_dir(const sw_t *s)
{
    char p[PATH_MAX + 16];
    if (make_dir(s->out)) {
        cli_error(CMD, "--out %s: cannot create the directory: %s", s->out, strerror(errno));
        return 2;
    }
    setf(p, sizeof p, "%s/.lock", s->out);
    const int fd = open(p, O_RDWR | O_CREAT, 0666);
    if (fd < 0) {
        cli_error(CMD, "%s: %s", p, strerror(errno));
        return 2;
    }
    if (flock(fd, LOCK_EX | LOCK_NB)) {
        cli_error(CMD, "another mmusim sweep is running in %s", s->out);
        close(fd);
        return 2;
    }
    return 0; /* fd stays open: the lock lasts as long as the process */
}

/* DIR/sweep.spec-hash names the spec the parts belong to: a rerun with a
 * changed spec (or changed traces) must not mix old and new parts. */
static int check_dir(sw_t *s)
{
    if (make_dir(s->out) || make_dir(s->parts)) {
        cli_error(CMD, "--out %s: cannot create the directory: %s", s->out, strerror(errno));
        return 2;
    }
    char hp[PATH_MAX + 32], want[64], have[64] = "";
    snprintf(hp, sizeof hp, "%s/sweep.spec-hash", s->out);
    snprintf(want, sizeof want, "%016" PRIx64 "\n", s->spec.hash);
    FILE *f = fopen(hp, "r");
    if (f) {
        if (!fgets(have, sizeof have, f))
            have[0] = '\0';
        fclose(f);
    }
    DIR *d = opendir(s->parts);
    unsigned parts = 0;
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            char p[PATH_MAX + 300];
            snprintf(p, sizeof p, "%s/%s", s->parts, e->d_name);
            if (e->d_name[0] == 'b' && strstr(e->d_name, ".csv")) {
                if (s->restart)
                    unlink(p);
                else
                    parts++;
            }
        }
        closedir(d);
    }
    if (!s->restart && parts && strcmp(have, want)) {
        cli_error(CMD,
                  "%s holds results of a different spec (hash %.16s, this spec %.16s): rerun "
                  "with --restart to discard them, or choose another --out",
                  s->out, have[0] ? have : "missing", want);
        return 2;
    }
    if (strcmp(have, want)) {
        cli_out_t o;
        char msg[PATH_MAX + 128];
        if (cli_out_open(&o, hp, msg, sizeof msg) || fputs(want, o.f) == EOF ||
            cli_out_commit(&o, msg, sizeof msg)) {
            cli_out_abort(&o);
            cli_error(CMD, "%s", msg);
            return 2;
        }
    }
    return 0;
}

/* ---- merge ----------------------------------------------------------------------------- */

typedef struct mrow {
    char *text; /* the part's line, without its line end */
    uint64_t entries;
    double lat;
    bool ok;
    bool pareto;
} mrow_t;

/* Read every part into rows[]; missing[] gets the batches without one.
 * Returns -1 on a part that is not of this spec (message printed). */
static int read_parts(const sw_t *s, mrow_t *rows, uint32_t *missing, uint32_t *nmissing)
{
    const sw_spec_t *sp = &s->spec;
    const unsigned lead = lead_cols(sp);
    *nmissing = 0;
    char *line = NULL;
    size_t cap = 0;
    for (uint32_t b = 0; b < s->nbatches; b++) {
        char path[PATH_MAX];
        part_path(s, b, path, sizeof path);
        FILE *f = fopen(path, "r");
        if (!f) {
            missing[(*nmissing)++] = b;
            continue;
        }
        char want[128];
        snprintf(want, sizeof want, "# mmusim sweep part: spec %016" PRIx64 " batch %" PRIu32
                 " rows %" PRIu32 "\n", sp->hash, b, s->batches[b].n);
        ssize_t got = getline(&line, &cap, f);
        uint32_t k = 0;
        bool bad = got < 0 || strcmp(line, want);
        while (!bad && (got = getline(&line, &cap, f)) > 0) {
            if (line[got - 1] == '\n')
                line[--got] = '\0';
            const uint32_t r = s->batches[b].first + k;
            char run[16];
            snprintf(run, sizeof run, "%" PRIu32 ",", r);
            if (k == s->batches[b].n || strncmp(line, run, strlen(run))) {
                bad = true;
                break;
            }
            mrow_t *m = &rows[r];
            free(m->text);
            m->text = strdup(line);
            char *fields[4096];
            const unsigned nf = csv_split(line, fields, 4096);
            /* status, accesses, counted, cycles, lat_mean ... total_entries */
            bad = !m->text || nf < lead + 17;
            if (!bad) {
                m->ok = !strcmp(fields[lead], "ok");
                /* Empty for a stack-distance point: no latency, no frontier. */
                m->lat = fields[lead + 4][0] ? strtod(fields[lead + 4], NULL) : NAN;
                m->entries = strtoull(fields[lead + 16], NULL, 10);
            }
            k++;
        }
        fclose(f);
        if (bad || k != s->batches[b].n) {
            cli_error(CMD, "%s: not a complete result of this spec's batch %" PRIu32
                      " (delete it, or rerun with --restart)", path, b);
            free(line);
            return -1;
        }
    }
    free(line);
    return 0;
}

typedef struct fpt {
    uint64_t entries;
    double lat;
    uint32_t r;
} fpt_t;

static int cmp_front(const void *x, const void *y)
{
    const fpt_t *a = x, *b = y;
    if (a->entries != b->entries)
        return a->entries < b->entries ? -1 : 1;
    if (a->lat != b->lat)
        return a->lat < b->lat ? -1 : 1;
    return a->r < b->r ? -1 : 1;
}

/* Pareto frontier of (total_entries, lat_mean) among the rows of each
 * workload x policy: no other row has as few entries (TLB and PSC, an area
 * proxy) and a lower latency. */
static void pareto(const sw_t *s, mrow_t *rows)
{
    const sw_spec_t *sp = &s->spec;
    fpt_t *idx = malloc((s->nruns ? s->nruns : 1) * sizeof *idx);
    if (!idx)
        return;
    for (unsigned w = 0; w < sp->nwl; w++)
        for (unsigned q = 0; q < sp->npol; q++) {
            uint32_t n = 0;
            for (uint32_t r = 0; r < s->nruns; r++)
                if (s->runs[r].wl == w && s->runs[r].pol == q && rows[r].ok && !isnan(rows[r].lat))
                    idx[n++] = (fpt_t){rows[r].entries, rows[r].lat, r};
            qsort(idx, n, sizeof *idx, cmp_front);
            double best = INFINITY;
            for (uint32_t i = 0; i < n; i++)
                if (idx[i].lat < best) {
                    rows[idx[i].r].pareto = true;
                    best = idx[i].lat;
                }
        }
    free(idx);
}

static void write_md(const sw_t *s, FILE *f, const mrow_t *rows)
{
    const sw_spec_t *sp = &s->spec;
    fprintf(f, "# mmusim sweep: %s\n\n", sp->path);
    fprintf(f, "Command: `%s`  \nmmusim %s; spec hash %016" PRIx64 "\n\n", s->cmdline,
            mmusim_version(), sp->hash);
    uint64_t ok = 0;
    for (uint64_t p = 0; p < sp->npoints; p++)
        ok += s->cfg_ok[p];
    fprintf(f,
            "%" PRIu64 " points (%" PRIu64 " possible) x %u workloads x %u policies: %" PRIu32
            " runs in %" PRIu32 " batches of up to %u points. Columns of every statistic: "
            "sweep.csv.\n\n",
            sp->npoints, ok, sp->nwl, sp->npol, s->nruns, s->nbatches, sp->batch);
    if (sp->stack)
        fprintf(f,
                "Stack-distance pass (`stack_distance = yes`): per workload and policy the first "
                "point was simulated and every other point's L2 counts come from its LRU stack "
                "depths in that one run. Those rows give accesses, counted, the L1 counters, "
                "l2_lookups, l2_hits, l2_misses, l2_{4k,2m,1g}_hits, walks, translations and the "
                "per-1k rates; cycles, latencies, every other counter and the OS counters are "
                "left empty (they depend on timing or on the walks themselves), and they are "
                "not on the Pareto frontier.\n\n");
    if (s->nimp) {
        fprintf(f, "## Impossible points (skipped)\n\n");
        for (unsigned i = 0; i < s->nimp; i++)
            fprintf(f, "- %s\n", s->imp[i]);
        fputc('\n', f);
    }
    for (unsigned w = 0; w < sp->nwl; w++)
        for (unsigned q = 0; q < sp->npol; q++) {
            bool any = false;
            for (uint32_t r = 0; r < s->nruns; r++) {
                const sw_run_t *ru = &s->runs[r];
                if (ru->wl != w || ru->pol != q)
                    continue;
                if (!any) {
                    fprintf(f, "## %s, policy %s\n\n| point | configuration | entries (TLB + PSC) | "
                               "L2 misses /1k | walks /1k | mean latency | Pareto |\n"
                               "|---:|---|---:|---:|---:|---:|:-:|\n",
                            sp->wl[w].label, SW_POLICY_NAME[sp->pol[q]]);
                    any = true;
                }
                char lab[1024], *fields[4096], copy[1 << 15];
                point_label(sp, ru->point, lab, sizeof lab);
                snprintf(copy, sizeof copy, "%s", rows[r].text);
                const unsigned lead = lead_cols(sp);
                const unsigned nf = csv_split(copy, fields, 4096);
                if (nf < lead + 17)
                    continue;
                if (!rows[r].ok) {
                    fprintf(f, "| %" PRIu32 " | %s | %s | %s | | | |\n", ru->point, lab,
                            fields[lead + 16], fields[lead]);
                    continue;
                }
                fprintf(f, "| %" PRIu32 " | %s | %s | %s | %s | %s | %s |\n", ru->point, lab,
                        fields[lead + 16], fields[lead + 11], fields[lead + 12], fields[lead + 4],
                        rows[r].pareto ? "*" : "");
            }
            if (any)
                fputc('\n', f);
        }
}

static int merge(const sw_t *s)
{
    mrow_t *rows = calloc(s->nruns ? s->nruns : 1, sizeof *rows);
    uint32_t *missing = malloc((s->nbatches ? s->nbatches : 1) * sizeof *missing);
    uint32_t nmissing = 0;
    int rc = 2;
    if (!rows || !missing) {
        cli_error(CMD, "out of memory");
        goto out;
    }
    if (read_parts(s, rows, missing, &nmissing))
        goto out;
    if (nmissing) {
        char list[512] = "";
        size_t used = 0;
        for (uint32_t i = 0; i < nmissing && used < sizeof list - 16; i++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%" PRIu32,
                                     i ? " " : "", missing[i]);
        cli_error(CMD, "%" PRIu32 " of %" PRIu32 " batches have no result in %s (batches: %s%s); "
                  "rerun the same command to run them",
                  nmissing, s->nbatches, s->parts, list, used >= sizeof list - 16 ? " ..." : "");
        goto out;
    }
    pareto(s, rows);
    char csv[PATH_MAX + 16], md[PATH_MAX + 16], msg[PATH_MAX + 128];
    snprintf(csv, sizeof csv, "%s/sweep.csv", s->out);
    snprintf(md, sizeof md, "%s/sweep.md", s->out);
    cli_out_t o;
    if (cli_out_open(&o, csv, msg, sizeof msg)) {
        cli_error(CMD, "%s", msg);
        goto out;
    }
    write_header(s, o.f);
    for (uint32_t r = 0; r < s->nruns; r++) {
        /* pareto goes before the last column, batch_seconds */
        const char *t = rows[r].text, *last = strrchr(t, ',');
        fprintf(o.f, "%.*s,%d%s\n", (int)(last - t), t, rows[r].pareto, last);
    }
    if (ferror(o.f) || cli_out_commit(&o, msg, sizeof msg)) {
        cli_out_abort(&o);
        cli_error(CMD, "%s: write error", csv);
        goto out;
    }
    if (cli_out_open(&o, md, msg, sizeof msg)) {
        cli_error(CMD, "%s", msg);
        goto out;
    }
    write_md(s, o.f, rows);
    if (ferror(o.f) || cli_out_commit(&o, msg, sizeof msg)) {
        cli_out_abort(&o);
        cli_error(CMD, "%s: write error", md);
        goto out;
    }
    rc = 0;
    for (uint32_t r = 0; r < s->nruns; r++)
        if (!rows[r].ok) {
            char *fields[4096], copy[1 << 15];
            snprintf(copy, sizeof copy, "%s", rows[r].text);
            const unsigned nf = csv_split(copy, fields, 4096);
            cli_error(CMD, "run %" PRIu32 " (point %" PRIu32 ", %s, %s): %s", r,
                      s->runs[r].point, s->spec.wl[s->runs[r].wl].label,
                      SW_POLICY_NAME[s->spec.pol[s->runs[r].pol]],
                      nf > lead_cols(&s->spec) ? fields[lead_cols(&s->spec)] : "?");
            rc = 2;
        }
    printf("mmusim sweep: %" PRIu32 " runs -> %s, %s\n", s->nruns, csv, md);
out:
    for (uint32_t r = 0; rows && r < s->nruns; r++)
        free(rows[r].text);
    free(rows);
    free(missing);
    return rc;
}

/* ---- local workers -------------------------------------------------------------------- */

static void fmt_dur(double t, char *buf, size_t len)
{
    const uint64_t s = (uint64_t)(t + 0.5);
    if (s >= 3600)
        snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, s / 60 % 60);
    else if (s >= 60)
        snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
    else
        snprintf(buf, len, "%" PRIu64 "s", s);
}

/* Run the batches in todo[] on s->jobs worker processes. */
static int run_local(const sw_t *s, const uint32_t *todo, uint32_t ntodo, uint32_t runs_done)
{
    const bool tty = isatty(STDERR_FILENO);
    pid_t *pid = calloc(s->jobs, sizeof *pid);
    uint32_t *which = calloc(s->jobs, sizeof *which);
    double *started = calloc(s->jobs, sizeof *started);
    if (!pid || !which || !started) {
        cli_error(CMD, "out of memory");
        free(pid);
        free(which);
        free(started);
        return 2;
    }
    const double t0 = runlib_now_s();
    uint32_t next = 0, running = 0, runs_now = 0, failed = 0;
    int rc = 0;
    fflush(stdout);
    fflush(stderr);
    while (next < ntodo || running) {
        while (next < ntodo && running < s->jobs) {
            unsigned slot = 0;
            while (pid[slot])
                slot++;
            const pid_t p = fork();
            if (p < 0) {
                cli_error(CMD, "fork: %s", strerror(errno));
                rc = 2;
                next = ntodo;
                break;
            }
            if (p == 0)
                _exit(run_batch(s, todo[next]));
            pid[slot] = p;
            which[slot] = todo[next++];
            started[slot] = runlib_now_s();
            running++;
        }
        if (!running)
            break;
        int st;
        const pid_t p = wait(&st);
        if (p < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        unsigned slot = 0;
        while (slot < s->jobs && pid[slot] != p)
            slot++;
        if (slot == s->jobs)
            continue;
        pid[slot] = 0;
        running--;
        const uint32_t b = which[slot];
        const sw_batch_t *bt = &s->batches[b];
        const bool ok = WIFEXITED(st) && WEXITSTATUS(st) < 2;
        if (!ok) {
            failed++;
            if (WIFSIGNALED(st))
                cli_error(CMD, "batch %" PRIu32 ": killed by signal %d", b, WTERMSIG(st));
            else
                cli_error(CMD, "batch %" PRIu32 ": failed (exit %d)", b, WEXITSTATUS(st));
            continue;
        }
        runs_now += bt->n;
        const double el = runlib_now_s() - t0;
        const uint32_t left = s->nruns - runs_done - runs_now;
        char e1[32], e2[32];
        fmt_dur(el, e1, sizeof e1);
        fmt_dur(el / runs_now * left, e2, sizeof e2);
        if (tty) {
            fprintf(stderr, "\r\033[Ksweep: %" PRIu32 "/%" PRIu32 " runs (%.0f%%), %s, ETA %s",
                    runs_done + runs_now, s->nruns,
                    100.0 * (runs_done + runs_now) / (s->nruns ? s->nruns : 1), e1, e2);
        } else {
            const sw_run_t *r0 = &s->runs[bt->first];
            for (uint32_t i = 0; i < bt->n; i++) {
                char lab[1024];
                point_label(&s->spec, s->runs[bt->first + i].point, lab, sizeof lab);
                fprintf(stderr,
                        "sweep: [%" PRIu32 "/%" PRIu32 "] point %" PRIu32 " (%s), %s, %s: "
                        "done (batch %" PRIu32 ", %.2f s; ETA %s)\n",
                        runs_done + runs_now - bt->n + i + 1, s->nruns,
                        s->runs[bt->first + i].point, lab, s->spec.wl[r0->wl].label,
                        SW_POLICY_NAME[s->spec.pol[r0->pol]], b,
                        runlib_now_s() - started[slot], e2);
            }
        }
    }
    if (tty)
        fputc('\n', stderr);
    free(pid);
    free(which);
    free(started);
    if (failed) {
        cli_error(CMD, "%" PRIu32 " batches failed; rerun the same command to retry them", failed);
        rc = 2;
    }
    return rc;
}

/* ---- command line --------------------------------------------------------------------- */

static int parse_args(int argc, char **argv, sw_t *s, const char **spec)
{
    long nproc = sysconf(_SC_NPROCESSORS_ONLN);
    s->jobs = nproc > 0 ? (uint64_t)nproc : 1;
    s->traces = MMU_TRACES_DIR;
    size_t used = (size_t)snprintf(s->cmdline, sizeof s->cmdline, "mmusim sweep");
    for (int i = 1; i < argc; i++) {
        const bool q = strpbrk(argv[i], " \t'\"$|") != NULL;
        int n = snprintf(s->cmdline + used, sizeof s->cmdline - used, q ? " '%s'" : " %s",
                         argv[i]);
        if (n > 0 && (size_t)n < sizeof s->cmdline - used)
            used += (size_t)n;
    }
    const cli_opt_t opts[] = {
        {"out", CLI_STR, &s->out, "DIR", "results: DIR/sweep.csv, DIR/sweep.md, DIR/parts/", 0, 0,
         NULL},
        {"jobs", CLI_U64, &s->jobs, "N", "batches run at once, also -j N (default: all cores)", 1,
         4096, NULL},
        {"restart", CLI_FLAG, &s->restart, NULL,
         "discard the results DIR holds (needed when the spec changed)", 0, 0, NULL},
        {"merge", CLI_FLAG, &s->merge_only, NULL,
         "run nothing: merge the finished batches into sweep.csv\n(fails listing the missing ones)",
         0, 0, NULL},
        {"list", CLI_FLAG, &s->list, NULL, "print the runs, batches and impossible points; run nothing",
         0, 0, NULL},
        {"traces", CLI_STR, &s->traces, "DIR", "where bare trace names are looked up", 0, 0, NULL},
        {"slurm", CLI_FLAG, &s->slurm, NULL, "submit the batches as a Slurm job array", 0, 0,
         NULL},
        {"partition", CLI_STR, &s->partition, "P", "--slurm: the partition", 0, 0, NULL},
        {"tasks", CLI_U64, &s->tasks, "K", "--slurm: array tasks (default: one per batch, at most 1000)",
         1, 100000, NULL},
        {"task", CLI_U64, &s->task, "I",
         "run only the batches b with b % K == I (what each array\ntask runs; needs --tasks K)", 0,
         100000, NULL},
        {NULL, CLI_FLAG, NULL, NULL, NULL, 0, 0, NULL},
    };
    static const char *const POS[] = {"SPEC"};
    bool seen[16] = {0};
    const cli_cmd_t cmd = {
        .name = "sweep",
        .synopsis = "SPEC --out DIR [-j N] [--restart] [--merge] [--slurm [--partition P] "
                    "[--tasks K]]",
        .about = "Every point of SPEC (a config file whose values may be a|b|c or ranges LO..HI,\n"
                 "LO..HI*2, plus a [sweep] section) x workload x page policy. Points sharing a\n"
                 "workload and policy run as one batch fed by one decoded stream; batches run\n"
                 "on -j workers; a rerun skips finished batches. Results: DIR/sweep.csv (one row\n"
                 "per run, every statistic) and DIR/sweep.md. Plots: scripts/plot_sweep.py.\n",
        .notes = "[sweep] keys: presets (A|B, default skylake), workloads (synthetic specs,\n"
                 "kernels, trace names or files, '|'-separated), policies (4k|thp|1g|mixed;\n"
                 "synthetic streams: 4k, thp = 2M pages, 1g), accesses (measured per run;\n"
                 "default: the workload's own / the whole trace), warmup, seed, batch (16),\n"
                 "stack_distance (yes: the L2 counts of every point from one simulated run\n"
                 "per workload and policy; README).\n"
                 "Exit 0: done; 2: bad spec (nothing run), a failed run or missing batches.\n",
        .opts = opts,
        .pos_names = POS,
        .npos = 1,
        .min_pos = 1,
        .seen = seen};
    const int rc = cli_parse(&cmd, argc, argv, spec);
    if (rc)
        return rc;
    s->task_given = cli_given(&cmd, "task");
    if (!s->out) {
        cli_error(CMD, "--out DIR is required");
        return 2;
    }
    if (s->task_given && (!cli_given(&cmd, "tasks") || s->task >= s->tasks)) {
        cli_error(CMD, "--task I needs --tasks K with I < K");
        return 2;
    }
    if ((s->partition || (cli_given(&cmd, "tasks") && !s->task_given)) && !s->slurm) {
        cli_error(CMD, "--%s goes with --slurm", s->partition ? "partition" : "tasks");
        return 2;
    }
    return 0;
}

static int sweep_slurm(sw_t *s, const uint32_t *todo, uint32_t ntodo, char *const *argv,
                       int argc);

int sweep_main(int argc, char **argv)
{
    /* -j N / -jN: the short form every parallel tool has. */
    char **av = calloc((size_t)argc + 1, sizeof *av);
    char jbuf[64];
    if (!av)
        return 2;
    for (int i = 0; i < argc; i++) {
        av[i] = argv[i];
        if (!strcmp(argv[i], "-j")) {
            av[i] = (char *)"--jobs";
        } else if (!strncmp(argv[i], "-j", 2) && argv[i][2] >= '0' && argv[i][2] <= '9') {
            snprintf(jbuf, sizeof jbuf, "--jobs=%.50s", argv[i] + 2);
            av[i] = jbuf;
        }
    }
    sw_t s;
    memset(&s, 0, sizeof s);
    const char *spec = NULL;
    int rc = parse_args(argc, av, &s, &spec);
    if (rc) {
        free(av);
        return rc == 1 ? 0 : 2;
    }
    s.spec_path = spec;
    char msg[2048];
    if (sw_spec_load(spec, s.traces, &s.spec, msg, sizeof msg)) {
        fprintf(stderr, "mmusim sweep: %s\n", msg);
        free(av);
        return 2;
    }
    snprintf(s.parts, sizeof s.parts, "%s/parts", s.out);
    if (plan(&s)) {
        cli_error(CMD, "out of memory planning the sweep");
        rc = 2;
        goto out;
    }
    for (unsigned i = 0; i < s.nimp; i++)
        fprintf(stderr, "mmusim sweep: skipped: %s\n", s.imp[i]);
    if ((rc = stack_plan_check(&s)) != 0)
        goto out;
    if (s.list) {
        for (uint32_t b = 0; b < s.nbatches; b++) {
            const sw_batch_t *bt = &s.batches[b];
            for (uint32_t i = 0; i < bt->n; i++) {
                const sw_run_t *r = &s.runs[bt->first + i];
                char lab[1024];
                point_label(&s.spec, r->point, lab, sizeof lab);
                printf("batch %" PRIu32 " run %" PRIu32 ": point %" PRIu32 " (%s), %s, %s\n", b,
                       bt->first + i, r->point, lab, s.spec.wl[r->wl].label,
                       SW_POLICY_NAME[s.spec.pol[r->pol]]);
            }
        }
        printf("%" PRIu32 " runs in %" PRIu32 " batches; %u skipped\n", s.nruns, s.nbatches,
               s.nimp);
        goto out;
    }
    if (!s.nruns) {
        cli_error(CMD, "%s: no possible point (%u skipped, listed above)", spec, s.nimp);
        rc = 2;
        goto out;
    }
    /* A local sweep locks DIR before it looks at (or --restart deletes) parts. */
    const bool local = !s.merge_only && !s.slurm && !s.task_given;
    if (local && (rc = lock_dir(&s)) != 0)
        goto out;
    if (!s.merge_only && (rc = check_dir(&s)) != 0)
        goto out;
    if (local)
        clean_stale(&s);
    if (s.merge_only) {
        rc = merge(&s);
        goto out;
    }
    uint32_t *todo = malloc(s.nbatches * sizeof *todo), ntodo = 0, done_runs = 0;
    if (!todo) {
        rc = 2;
        goto out;
    }
    for (uint32_t b = 0; b < s.nbatches; b++) {
        char p[PATH_MAX];
        part_path(&s, b, p, sizeof p);
        if (s.task_given && b % s.tasks != s.task)
            continue;
        if (exists(p))
            done_runs += s.batches[b].n;
        else
            todo[ntodo++] = b;
    }
    if (s.slurm) {
        rc = sweep_slurm(&s, todo, ntodo, av, argc);
        free(todo);
        goto out;
    }
    /* Fault injection for the Slurm test: this array task fails at once. */
    const char *fail = getenv("MMUSIM_SWEEP_FAIL_TASK");
    if (s.task_given && fail && cli_u64(fail, &(uint64_t){0}) == 0 &&
        strtoull(fail, NULL, 10) == s.task) {
        cli_error(CMD, "task %" PRIu64 ": failing as MMUSIM_SWEEP_FAIL_TASK asks", s.task);
        free(todo);
        rc = 3;
        goto out;
    }
    if (done_runs && !s.task_given)
        fprintf(stderr, "sweep: %" PRIu32 " of %" PRIu32 " runs already done in %s; running the "
                "other %" PRIu32 "\n", done_runs, s.nruns, s.out, s.nruns - done_runs);
    rc = run_local(&s, todo, ntodo, done_runs);
    free(todo);
    if (!rc && !s.task_given)
        rc = merge(&s);
out:
    for (unsigned i = 0; i < s.nimp; i++)
        free(s.imp[i]);
    free(s.imp);
    free(s.cfg_ok);
    free(s.runs);
    free(s.batches);
    sw_spec_free(&s.spec);
    free(av);
    return rc;
}

/* ---- Slurm ----------------------------------------------------------------------------- */

/* Run argv (PATH searched), its stdout into out (NUL-terminated, cut at len).
 * Returns its exit status, or -1 when it could not run or was killed. */
static int capture(char *const *argv, char *out, size_t len)
{
    int fd[2];
    if (pipe(fd))
        return -1;
    fflush(stdout);
    fflush(stderr);
    const pid_t p = fork();
    if (p < 0) {
        close(fd[0]);
        close(fd[1]);
        return -1;
    }
    if (p == 0) {
        dup2(fd[1], STDOUT_FILENO);
        close(fd[0]);
        close(fd[1]);
        execvp(argv[0], argv);
        fprintf(stderr, "mmusim sweep: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(fd[1]);
    size_t used = 0;
    for (;;) {
        char b[512];
        const ssize_t n = read(fd[0], b, sizeof b);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n && used + 1 < len; i++)
            out[used++] = b[i];
    }
    if (len)
        out[used] = '\0';
    close(fd[0]);
    int st;
    while (waitpid(p, &st, 0) < 0 && errno == EINTR)
        ;
    while (used && (out[used - 1] == '\n' || out[used - 1] == '\r'))
        out[--used] = '\0';
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* 'text' for sh, single quotes escaped. */
static void shq(char *buf, size_t len, const char *v)
{
    size_t u = 0;
    if (u + 1 < len)
        buf[u++] = '\'';
    for (; *v && u + 5 < len; v++) {
        if (*v == '\'') {
            memcpy(buf + u, "'\\''", 4);
            u += 4;
        } else {
            buf[u++] = *v;
        }
    }
    if (u + 1 < len)
        buf[u++] = '\'';
    buf[u] = '\0';
}

/* DIR/slurm/state: "tasks K\njob JID\n" of the last submission. */
static void slurm_state_read(const sw_t *s, uint64_t *tasks, char *job, size_t len)
{
    char p[PATH_MAX + 32];
    setf(p, sizeof p, "%s/slurm/state", s->out);
    *tasks = 0;
    job[0] = '\0';
    FILE *f = fopen(p, "r");
    if (!f)
        return;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        uint64_t v;
        char w[128];
        if (sscanf(line, "tasks %" SCNu64, &v) == 1)
            *tasks = v;
        else if (sscanf(line, "job %127s", w) == 1)
            snprintf(job, len, "%s", w);
    }
    fclose(f);
}

static int sweep_slurm(sw_t *s, const uint32_t *todo, uint32_t ntodo, char *const *argv,
                       int argc)
{
    (void)argv;
    (void)argc;
    char sdir[PATH_MAX], msg[PATH_MAX + 128], out[4096];
    setf(sdir, sizeof sdir, "%s/slurm", s->out);
    if (make_dir(sdir)) {
        cli_error(CMD, "%s: cannot create: %s", sdir, strerror(errno));
        return 2;
    }
    uint64_t tasks;
    char job[128];
    slurm_state_read(s, &tasks, job, sizeof job);
    /* A job still queued or running would race a resubmission. */
    if (job[0]) {
        char *const sq[] = {"squeue", "-h", "-j", job, "-o", "%K %T", NULL};
        if (capture(sq, out, sizeof out) == 0 && out[0]) {
            cli_error(CMD, "Slurm job %s of this sweep is still queued or running:\n%s\n"
                      "wait for it (or scancel %s), then rerun", job, out, job);
            return 2;
        }
    }
    clean_stale(s);
    if (!ntodo) {
        fprintf(stderr, "sweep: every batch has a result; merging\n");
        return merge(s);
    }
    if (!tasks || s->restart || (s->tasks && s->tasks != tasks))
        tasks = s->tasks ? s->tasks : (s->nbatches < 1000 ? s->nbatches : 1000);
    if (tasks > s->nbatches)
        tasks = s->nbatches;
    /* The array indices that still have batches to run; a rerun resubmits
     * only those (task i runs the batches b with b % tasks == i). */
    unsigned char *want = calloc(tasks, 1);
    char list[8192] = "";
    size_t used = 0;
    uint32_t nt = 0;
    if (!want)
        return 2;
    for (uint32_t i = 0; i < ntodo; i++)
        want[todo[i] % tasks] = 1;
    for (uint64_t t = 0; t < tasks; t++)
        if (want[t]) {
            int n = snprintf(list + used, sizeof list - used, "%s%" PRIu64, nt ? "," : "", t);
            if (n < 0 || (size_t)n >= sizeof list - used) {
                free(want);
                cli_error(CMD, "--slurm: too many array tasks to list; use fewer --tasks");
                return 2;
            }
            used += (size_t)n;
            nt++;
        }
    free(want);
    if (job[0]) {
        /* What happened to the tasks of the last submission that left batches
         * undone: Slurm's word while it remembers the job, and each log. */
        char *const sq[] = {"squeue", "-h", "-t", "all", "-j", job, "-o", "%K %T", NULL};
        char states[4096] = "";
        capture(sq, states, sizeof states);
        fprintf(stderr, "sweep: job %s left %" PRIu32 " batches without a result; array tasks %s "
                "are resubmitted\n", job, ntodo, list);
        for (char *line = strtok(states, "\n"); line; line = strtok(NULL, "\n")) {
            unsigned t;
            char st[64];
            if (sscanf(line, "%u %63s", &t, st) == 2 && strcmp(st, "COMPLETED"))
                fprintf(stderr, "sweep:   task %u: %s (log %s/task-%s_%u.out)\n", t, st, sdir, job,
                        t);
        }
    }
    char self[PATH_MAX], spec_abs[PATH_MAX], out_abs[PATH_MAX];
    const ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl <= 0 || !realpath(s->spec_path, spec_abs) || !realpath(s->out, out_abs)) {
        cli_error(CMD, "--slurm: cannot resolve the paths of mmusim, the spec or --out");
        return 2;
    }
    self[sl] = '\0';
    char q_self[PATH_MAX * 2], q_spec[PATH_MAX * 2], q_out[PATH_MAX * 2], q_tr[PATH_MAX * 2];
    shq(q_self, sizeof q_self, self);
    shq(q_spec, sizeof q_spec, spec_abs);
    shq(q_out, sizeof q_out, out_abs);
    char tr_abs[PATH_MAX];
    shq(q_tr, sizeof q_tr, realpath(s->traces, tr_abs) ? tr_abs : s->traces);
    char wrap[PATH_MAX * 8], merge_wrap[PATH_MAX * 8], array[8300], output[PATH_MAX + 64],
        moutput[PATH_MAX + 64], tasks_s[32], dep[160];
    setf(wrap, sizeof wrap,
         "exec %s sweep %s --out %s --traces %s -j 1 --tasks %" PRIu64
         " --task \"$SLURM_ARRAY_TASK_ID\"",
         q_self, q_spec, q_out, q_tr, tasks);
    setf(merge_wrap, sizeof merge_wrap, "exec %s sweep %s --out %s --traces %s --merge", q_self,
         q_spec, q_out, q_tr);
    setf(array, sizeof array, "--array=%s", list);
    setf(output, sizeof output, "--output=%s/slurm/task-%%A_%%a.out", out_abs);
    setf(moutput, sizeof moutput, "--output=%s/slurm/merge-%%j.out", out_abs);
    snprintf(tasks_s, sizeof tasks_s, "%" PRIu64, tasks);
    char part_opt[300] = "";
    if (s->partition)
        setf(part_opt, sizeof part_opt, "--partition=%s", s->partition);
    char *sb[12];
    int k = 0;
    sb[k++] = "sbatch";
    sb[k++] = "--parsable";
    sb[k++] = "--job-name=mmusim-sweep";
    sb[k++] = array;
    sb[k++] = output;
    sb[k++] = "--cpus-per-task=1";
    if (part_opt[0])
        sb[k++] = part_opt;
    sb[k++] = "--wrap";
    sb[k++] = wrap;
    sb[k] = NULL;
    int rc = capture(sb, out, sizeof out);
    char jid[128];
    if (rc != 0 || sscanf(out, "%127[0-9]", jid) != 1) {
        cli_error(CMD, "--slurm: sbatch failed (exit %d): %s", rc, out);
        return 2;
    }
    /* Remember the job before anything else can fail. */
    char st_path[PATH_MAX + 32];
    setf(st_path, sizeof st_path, "%s/state", sdir);
    cli_out_t o;
    if (cli_out_open(&o, st_path, msg, sizeof msg) ||
        fprintf(o.f, "tasks %" PRIu64 "\njob %s\n", tasks, jid) < 0 ||
        cli_out_commit(&o, msg, sizeof msg)) {
        cli_out_abort(&o);
        cli_error(CMD, "%s", msg);
        return 2;
    }
    setf(dep, sizeof dep, "--dependency=afterany:%s", jid);
    k = 0;
    sb[k++] = "sbatch";
    sb[k++] = "--parsable";
    sb[k++] = "--job-name=mmusim-sweep-merge";
    sb[k++] = dep;
    sb[k++] = moutput;
    if (part_opt[0])
        sb[k++] = part_opt;
    sb[k++] = "--wrap";
    sb[k++] = merge_wrap;
    sb[k] = NULL;
    char mjid[128] = "";
    rc = capture(sb, out, sizeof out);
    if (rc != 0 || sscanf(out, "%127[0-9]", mjid) != 1) {
        cli_error(CMD, "--slurm: sbatch of the merge job failed (exit %d): %s; run 'mmusim sweep "
                  "%s --out %s --merge' once job %s ends", rc, out, s->spec_path, s->out, jid);
        return 2;
    }
    printf("mmusim sweep: submitted job %s: %" PRIu32 " array tasks (%s of %s) for %" PRIu32
           " batches; merge job %s writes %s/sweep.csv when they end.\n"
           "Task logs: %s/task-%s_*.out. Rerun this command to resubmit failed or missing "
           "tasks.\n",
           jid, nt, list, tasks_s, ntodo, mjid, s->out, sdir, jid);
    return 0;
}
