/* SPDX-License-Identifier: Apache-2.0 */
/* `mmusim compare`: how translation latency and TLB coverage change with page
 * size. For every workload (synthetic streams over each working-set size, and
 * real-program traces) and every page size (4K, 2M, 1G) it maps the working set
 * as `mmusim run` does, runs a warm-up and a measured stream closed loop, and
 * reports latency percentiles, walk cost, TLB hit rates, PSC hits and the TLB
 * reach next to the working set. The RTL walker's walk latencies come from
 * the co-simulation tool mmusim-cosim (next to this binary), run on the same
 * workload alongside the C run; when it is missing or fails, the RTL columns
 * say n/a and why. Everything is seeded: a rerun gives the same numbers. */
#include "compare.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mmu/mmu.h"
#include "mmu/mmu_stats.h"
#include "aspace.h"
#include "cli_opt.h"
#include "coverage_file.h"
#include "cli_out.h"
#include "runlib.h"
#include "synth.h"
#include "trace.h"

/* Where the shipped traces are, relative to this program's directory: set by
 * the build (share/mmusim next to bin/ once installed; the build tree has the
 * same layout), never a source path. */
#ifndef MMU_DATA_REL
#define MMU_DATA_REL "../share/mmusim"
#endif

extern char **environ;

#define MAX_WL 16
#define MAX_SIZES 32
#define NPAGES 3
#define LAT_BINS 112 /* exact below 16 cycles, then 8 bins per power of two up to 2^16 */
#define SPIKE 1.0    /* walks per 1000 accesses that count as "the TLB no longer covers it" */

static const char *const DEFAULT_WORKLOADS = "seq,stride,random,chase,sort,xz,awk";
static const char *const DEFAULT_SIZES = "1m,4m,16m,64m,256m,1g,4g,16g,64g";
static const char *const KIND_NAMES[] = {"seq", "stride", "random", "zipf", "chase"};
static const char *const POLICY[NPAGES] = {"4k", "thp", "1g"};

typedef struct cmp_wl {
    char name[64];
    const char *arg; /* as given in --workloads (points into the list copy) */
    int kind;   /* mmu_synth_kind_t, or -1 for a trace */
    char *path; /* traces: the file */
} cmp_wl_t;

enum { RTL_OFF = 0, RTL_NA = 1, RTL_OK = 2 };

/* What mmusim-cosim printed for one configuration: the keys of its JSON line. */
#define COSIM_KEYS(XX)                                                                     \
    XX(walks) XX(accesses) XX(mismatches) XX(c_walk_mean) XX(rtl_walk_mean) XX(c_walk_p50) \
    XX(rtl_walk_p50) XX(c_walk_p99) XX(rtl_walk_p99) XX(c_refs_per_walk)                   \
    XX(rtl_refs_per_walk) XX(c_seconds) XX(rtl_seconds)

typedef struct cmp_rtl {
    int state;      /* RTL_OFF, RTL_NA (note says why), RTL_OK */
    char note[240];
    double wall;    /* seconds from starting mmusim-cosim to its exit */
#define CMP__FIELD(k) double k;
    COSIM_KEYS(CMP__FIELD)
#undef CMP__FIELD
} cmp_rtl_t;

/* One preset x workload x working set x page size; both walkers. */
typedef struct cmp_row {
    unsigned wl, page;
    uint64_t ws;     /* synthetic: the set; trace: distinct 4 KiB pages touched x 4 KiB */
    uint64_t mapped; /* bytes mapped: the set rounded up to the page size / pages demand-mapped */
    uint64_t counted, walks, lat_max, p50, p99, walk_p50, walk_p99;
    double lat_mean, walk_mean, refs, l1_hit, l2_hit, l1_pki, walk_pki, psc[4];
    uint64_t l1d_reach, l1i_reach, l2_reach;
    double seconds;
    uint64_t bins[LAT_BINS];
    cmp_rtl_t rtl;
} cmp_row_t;

typedef struct cmp {
    const char *preset, *config, *out, *traces, *cosim;
    const char *wl_arg, *sizes_arg;
    const char *coverage; /* --coverage FILE */
    mmu_cov_t *cov;       /* counts every configuration's C model; NULL: off */
    cmp_wl_t wl[MAX_WL];
    unsigned nwl;
    uint64_t sizes[MAX_SIZES];
    const char *size_args[MAX_SIZES]; /* as given, for messages */
    unsigned nsizes;
    char lists[2][2048];              /* copies of --workloads and --sizes */
    uint64_t accesses, warmup, trace_accesses, rtl_walks;
    double rtl_timeout; /* seconds one mmusim-cosim run may take */
    mmu_config_t cfg;
    char cosim_path[PATH_MAX];
    char cosim_absent[PATH_MAX + 64]; /* non-empty: why there is no RTL column */
    char traces_default[PATH_MAX];
    char cmdline[2048];
    cmp_row_t *rows;
    unsigned nrows, done;
    char stopped[600]; /* non-empty: the run stopped early, and why */
    uint64_t *hist, *walk_hist;
} cmp_t;

/* The default --traces directory: <directory of this program>/MMU_DATA_REL/traces.
 * /proc/self/exe is canonical, so each ".." of MMU_DATA_REL just drops a
 * component. */
static const char *default_traces(char dir[PATH_MAX])
{
    const ssize_t n = readlink("/proc/self/exe", dir, PATH_MAX - 1);
    if (n <= 0) {
        snprintf(dir, PATH_MAX, "%s", MMU_DATA_REL "/traces");
        return dir;
    }
    dir[n] = '\0';
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    const char *rel = MMU_DATA_REL "/traces";
    while (*rel) {
        size_t len = strcspn(rel, "/");
        size_t used = strlen(dir);
        if (len == 2 && !strncmp(rel, "..", 2)) {
            slash = strrchr(dir, '/');
            if (slash && slash != dir)
                *slash = '\0';
        } else if (len && !(len == 1 && *rel == '.') && used + 1 + len < PATH_MAX) {
            dir[used] = '/';
            memcpy(dir + used + 1, rel, len);
            dir[used + 1 + len] = '\0';
        }
        rel += len + (rel[len] == '/');
    }
    return dir;
}

/* ---- small helpers ----------------------------------------------------------- */

/* Human-readable bytes: "64 GiB", "8.7 MiB". */
static const char *hbytes(uint64_t b, char *buf, size_t len)
{
    static const char *const U[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    unsigned u = 0;
    while (u < 4 && b >= (1024ull << (10 * u)))
        u++;
    const uint64_t unit = 1ull << (10 * u);
    if (b % unit == 0)
        snprintf(buf, len, "%" PRIu64 " %s", b / unit, U[u]);
    else
        snprintf(buf, len, "%.1f %s", (double)b / (double)unit, U[u]);
    return buf;
}

static unsigned lat_bin(uint64_t v)
{
    if (v < 16)
        return (unsigned)v;
    const unsigned o = 63u - (unsigned)__builtin_clzll(v);
    if (o > 15)
        return LAT_BINS - 1;
    return 16 + (o - 4) * 8 + (unsigned)((v >> (o - 3)) & 7);
}

static void bin_range(unsigned b, uint64_t *lo, uint64_t *hi)
{
    if (b < 16) {
        *lo = b;
        *hi = b + 1ull;
        return;
    }
    const unsigned o = 4 + (b - 16) / 8, sub = (b - 16) % 8;
    *lo = (8ull + sub) << (o - 3);
    *hi = (9ull + sub) << (o - 3);
}

/* A working-set size with the binary suffixes of workload specs (1m = 1 MiB),
 * rounded up to 4 KiB. */
static int parse_size(const char *s, uint64_t *v)
{
    char spec[96];
    mmu_synth_cfg_t w;
    uint64_t bytes;
    /* digits and a suffix only; then the workload spec's own range and
     * rounding, so compare and run agree on what a size means */
    if (cli_size(s, &bytes) || strlen(s) > 40)
        return -1;
    snprintf(spec, sizeof spec, "seq:ws=%s", s);
    if (mmu_synth_parse(spec, &w, NULL, 0))
        return -1;
    *v = w.ws;
    return 0;
}

static bool is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Names of the traces (NAME.mtr.xz, .mtr.gz, .mtr) in dir, for messages. */
static void list_traces(const char *dir, char *buf, size_t len)
{
    buf[0] = '\0';
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    size_t used = 0;
    while ((e = readdir(d)) != NULL) {
        const char *dot = strstr(e->d_name, ".mtr");
        if (!dot || dot == e->d_name)
            continue;
        if (strcmp(dot, ".mtr") && strcmp(dot, ".mtr.xz") && strcmp(dot, ".mtr.gz"))
            continue;
        int n = snprintf(buf + used, len - used, "%s%.*s", used ? ", " : "",
                         (int)(dot - e->d_name), e->d_name);
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
    }
    closedir(d);
}

static int add_workload(cmp_t *c, const char *tok)
{
    for (unsigned i = 0; i < c->nwl; i++)
        if (!strcmp(c->wl[i].arg, tok)) {
            cli_error("compare", "--workloads: '%s' given twice", tok);
            return 2;
        }
    if (c->nwl == MAX_WL) {
        fprintf(stderr, "mmusim compare: --workloads: at most %d workloads\n", MAX_WL);
        return 2;
    }
    cmp_wl_t *w = &c->wl[c->nwl];
    for (int k = 0; k < 5; k++)
        if (!strcmp(tok, KIND_NAMES[k])) {
            snprintf(w->name, sizeof w->name, "%s", tok);
            w->arg = tok;
            w->kind = k;
            c->nwl++;
            return 0;
        }
    char path[PATH_MAX];
    path[0] = '\0';
    if (strchr(tok, '/') || strchr(tok, '.')) {
        snprintf(path, sizeof path, "%s", tok);
    } else {
        static const char *const EXT[] = {".mtr.xz", ".mtr.gz", ".mtr"};
        for (int i = 0; i < 3 && !path[0]; i++) {
            char p[PATH_MAX];
            snprintf(p, sizeof p, "%s/%s%s", c->traces, tok, EXT[i]);
            if (is_file(p))
                snprintf(path, sizeof path, "%s", p);
        }
        if (!path[0]) {
            char names[512];
            list_traces(c->traces, names, sizeof names);
            fprintf(stderr,
                    "mmusim compare: --workloads: unknown workload '%s' (synthetic: seq, stride, "
                    "random, zipf, chase; traces in %s: %s; or the path of a trace file)\n",
                    tok, c->traces, names[0] ? names : "none");
            return 2;
        }
    }
    /* Refuse an unreadable trace now rather than after an hour of other runs. */
    char msg[512];
    if (runlib_trace_probe(path, w->name, sizeof w->name, msg, sizeof msg)) {
        fprintf(stderr, "mmusim compare: --workloads: %s\n", msg);
        return 2;
    }
    for (unsigned i = 0; i < c->nwl; i++)
        if (c->wl[i].kind < 0 && !strcmp(c->wl[i].name, w->name)) {
            cli_error("compare",
                      "--workloads: '%s' and '%s' are both called %s in the tables; rename one",
                      c->wl[i].arg, tok, w->name);
            return 2;
        }
    w->arg = tok;
    w->kind = -1;
    w->path = strdup(path);
    if (!w->path) {
        fputs("mmusim compare: out of memory\n", stderr);
        return 2;
    }
    c->nwl++;
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Split a comma-separated list and hand each item to fn. Every item must be
 * non-empty: "a,,b" or "," is a mistake, not a shorter list. */
static int each_item(cmp_t *c, const char *list, const char *flag,
                     int (*fn)(cmp_t *, const char *))
{
    if (strlen(list) >= sizeof c->lists[0]) {
        cli_error("compare", "--%s: list too long", flag);
        return 2;
    }
    char *buf = !strcmp(flag, "sizes") ? c->lists[1] : c->lists[0];
    snprintf(buf, sizeof c->lists[0], "%s", list);
    unsigned k = 1;
    for (char *t = buf;; k++) {
        char *comma = strchr(t, ',');
        if (comma)
            *comma = '\0';
        if (!*t) {
            cli_error("compare", "--%s '%s': item %u is empty", flag, list, k);
            return 2;
        }
        const int rc = fn(c, t);
        if (rc)
            return rc;
        if (!comma)
            return 0;
        t = comma + 1;
    }
}

static int add_size(cmp_t *c, const char *tok)
{
    uint64_t v;
    if (parse_size(tok, &v)) {
        cli_error("compare",
                  "--sizes: '%s': not a working-set size (digits with an optional binary "
                  "suffix k, m, g or t; > 0 and at most 64t)",
                  tok);
        return 2;
    }
    for (unsigned i = 0; i < c->nsizes; i++)
        if (c->sizes[i] == v) {
            char b[32];
            cli_error("compare", "--sizes: '%s' and '%s' are the same size (%s)",
                      c->size_args[i], tok, hbytes(v, b, sizeof b));
            return 2;
        }
    if (c->nsizes == MAX_SIZES) {
        cli_error("compare", "--sizes: at most %d sizes", MAX_SIZES);
        return 2;
    }
    c->size_args[c->nsizes] = tok;
    c->sizes[c->nsizes++] = v;
    return 0;
}

static int parse_args(int argc, char **argv, cmp_t *c)
{
    c->accesses = 1000000;
    c->warmup = 100000;
    c->trace_accesses = 0; /* the whole trace: 40 M accesses each, ~1.5-2.5 s */
    c->rtl_walks = 5000;
    c->rtl_timeout = 600;
    c->out = "results";
    c->traces = default_traces(c->traces_default);
    c->wl_arg = DEFAULT_WORKLOADS;
    c->sizes_arg = DEFAULT_SIZES;
    size_t used = (size_t)snprintf(c->cmdline, sizeof c->cmdline, "mmusim compare");
    for (int i = 1; i < argc; i++) {
        const bool q = strpbrk(argv[i], " \t'\"$") != NULL;
        int n = snprintf(c->cmdline + used, sizeof c->cmdline - used, q ? " '%s'" : " %s",
                         argv[i]);
        if (n > 0 && (size_t)n < sizeof c->cmdline - used)
            used += (size_t)n;
    }
    static char notes[6144]; /* the default traces directory is a path of up to PATH_MAX bytes */
    snprintf(notes, sizeof notes,
             "--workloads: seq, stride, random, zipf, chase, the name of a trace in the\n"
             "  --traces directory (%s),\n"
             "  or a trace file. Default: %s\n"
             "--sizes: working sets, digits with a binary suffix k m g t. Default:\n"
             "  %s\n"
             "  Traces run once per page size; their working set is what they touch.\n"
             "  4K pages take 2 MiB of page tables per GiB mapped.\n"
             "Exit 0: done (RTL columns may be n/a, with the reason); 1: the C and RTL\n"
             "walkers disagree; 2: bad input or a run failed (what was done is written).\n",
             c->traces_default, DEFAULT_WORKLOADS, DEFAULT_SIZES);
    /* Counts stay far below 2^64 when added (warm-up + measured). */
    const uint64_t COUNT_MAX = 1000000000000000ull;
    const cli_opt_t opts[] = {
        {"preset", CLI_STR, &c->preset, "NAME", "a built-in CPU (default skylake)", 0, 0, NULL},
        {"config", CLI_STR, &c->config, "FILE", "a config file (applied on top of --preset)", 0,
         0, NULL},
        {"workloads", CLI_STR, &c->wl_arg, "LIST", "comma-separated workloads (below)", 0, 0,
         NULL},
        {"sizes", CLI_STR, &c->sizes_arg, "LIST", "comma-separated working-set sizes (below)", 0,
         0, NULL},
        {"out", CLI_STR, &c->out, "DIR",
         "compare.md, compare.csv, compare_latency.csv go here\n(default: results)", 0, 0,
         NULL},
        {"accesses", CLI_COUNT, &c->accesses, "N",
         "accesses measured per configuration (default 1m;\nsuffixes k, m, g: x1000)", 1, COUNT_MAX,
         NULL},
        {"warmup", CLI_COUNT, &c->warmup, "N", "accesses before the measured ones (default 100k)",
         0, COUNT_MAX, NULL},
        {"trace-accesses", CLI_COUNT, &c->trace_accesses, "N",
         "traces: at most N accesses after the warm-up (default 0:\nthe whole trace)", 0,
         COUNT_MAX, NULL},
        {"rtl-walks", CLI_COUNT, &c->rtl_walks, "K",
         "each configuration's stream, warm-up included,\n"
         "through both walkers in mmusim-cosim until it ends or\n"
         "K walks were compared (default 5000; 0 = off)",
         0, COUNT_MAX, NULL},
        {"traces", CLI_STR, &c->traces, "DIR", "where trace names are looked up", 0, 0, NULL},
        {"cosim", CLI_STR, &c->cosim, "PATH",
         "mmusim-cosim (default: next to this binary)", 0, 0, NULL},
        {"rtl-timeout", CLI_SECONDS, &c->rtl_timeout, "SECONDS",
         "stop one mmusim-cosim run after this long (default 600)", 0, 7 * 86400, NULL},
        {"coverage", CLI_STR, &c->coverage, "FILE",
         "write the functional coverage of every configuration's\nC model (warm-up included) "
         "to FILE (JSON)", 0, 0, NULL},
        {NULL, CLI_FLAG, NULL, NULL, NULL, 0, 0, NULL},
    };
    const cli_cmd_t cmd = {
        .name = "compare",
        .synopsis = "[--preset NAME] [--config FILE] [--workloads LIST]\n"
                    "                      [--sizes LIST] [--out DIR] [OPTIONS]",
        .about = "Every workload at every working-set size with 4K, 2M and 1G pages: translation\n"
                 "latency (mean, p50, p99), walk latency, memory references per walk, L1/L2 TLB\n"
                 "hit rates, walks per 1000 accesses, PSC hits per level and TLB reach; C and RTL\n"
                 "walk latencies side by side. Table on stdout, files in --out. Plots:\n"
                 "scripts/plot_compare.py.\n",
        .notes = notes,
        .opts = opts};
    const int rc0 = cli_parse(&cmd, argc, argv, NULL);
    if (rc0)
        return rc0;
    if (!c->preset && !c->config)
        c->preset = "skylake";
    int rc = each_item(c, c->wl_arg, "workloads", add_workload);
    if (!rc)
        rc = each_item(c, c->sizes_arg, "sizes", add_size);
    if (rc)
        return rc;
    qsort(c->sizes, c->nsizes, sizeof c->sizes[0], cmp_u64);
    return 0;
}

/* ---- the C model --------------------------------------------------------------- */

/* Fill the row's numbers from the accounting and the counters of the measured part. */
static void fill_row(cmp_t *c, cmp_row_t *r, const runlib_acc_t *a, mmu_t *mmu)
{
    mmu_stats_t after, st;
    mmu_get_stats(mmu, &after);
    mmu_stats_diff(&st, &after, &a->before);
    r->counted = a->counted;
    r->lat_mean = a->counted ? (double)a->lat_sum / (double)a->counted : NAN;
    r->lat_max = a->lat_max;
    r->p50 = runlib_percentile(a->hist, a->counted, 0.5);
    r->p99 = runlib_percentile(a->hist, a->counted, 0.99);
    r->walks = st.walks;
    r->walk_mean = st.walks ? (double)st.walk_cycles / (double)st.walks : NAN;
    r->walk_p50 = runlib_percentile(a->walk_hist, a->walked, 0.5);
    r->walk_p99 = runlib_percentile(a->walk_hist, a->walked, 0.99);
    r->refs = st.walks ? (double)st.walk_mem_refs / (double)st.walks : NAN;
    /* Hit rates are of lookups; misses per 1000 of the measured accesses. */
    const uint64_t l1look = st.l1i_lookups + st.l1d_lookups;
    const uint64_t l1miss = st.l1i_misses + st.l1d_misses;
    r->l1_hit = l1look ? 100.0 * (double)(st.l1i_hits + st.l1d_hits) / (double)l1look : NAN;
    r->l2_hit = st.l2_lookups ? 100.0 * (double)st.l2_hits / (double)st.l2_lookups : NAN;
    r->l1_pki = a->counted ? 1000.0 * (double)l1miss / (double)a->counted : NAN;
    r->walk_pki = a->counted ? 1000.0 * (double)st.walks / (double)a->counted : NAN;
    const uint64_t psc[4] = {st.psc_pde_hits, st.psc_pdpte_hits, st.psc_pml4e_hits,
                             st.psc_pml5e_hits};
    for (int i = 0; i < 4; i++)
        r->psc[i] = st.walks ? 100.0 * (double)psc[i] / (double)st.walks : NAN;
    r->l1d_reach = runlib_reach(&c->cfg.l1d, r->page);
    r->l1i_reach = runlib_reach(&c->cfg.l1i, r->page);
    r->l2_reach = runlib_reach(&c->cfg.l2, r->page);
    memset(r->bins, 0, sizeof r->bins);
    for (uint64_t i = 0; i < RUNLIB_LAT_BUCKETS; i++)
        r->bins[lat_bin(i)] += a->hist[i];
}

static void acc_reset(cmp_t *c, runlib_acc_t *a)
{
    memset(a, 0, sizeof *a);
    memset(c->hist, 0, RUNLIB_LAT_BUCKETS * sizeof *c->hist);
    memset(c->walk_hist, 0, RUNLIB_LAT_BUCKETS * sizeof *c->walk_hist);
    a->hist = c->hist;
    a->walk_hist = c->walk_hist;
    a->warmup = c->warmup;
}

/* The synthetic stream of a row. The generator always sees 4K granularity so
 * that every page size gets exactly the same addresses (a spec would round ws
 * up to the page size); the mapping covers ws rounded up to the page size. */
static void synth_cfg(const cmp_t *c, const cmp_row_t *r, uint64_t n, mmu_synth_cfg_t *w)
{
    mmu_synth_defaults(w, (mmu_synth_kind_t)c->wl[r->wl].kind);
    w->ws = r->ws;
    w->n = n;
}

static int run_synth(cmp_t *c, cmp_row_t *r, char *msg, size_t len)
{
    mmu_synth_cfg_t w;
    synth_cfg(c, r, c->warmup + c->accesses, &w);
    if (mmu_synth_validate(&w, msg, len))
        return 2;
    const uint64_t psz = 1ull << (12 + 9 * r->page);
    r->mapped = (r->ws + psz - 1) & ~(psz - 1);
    runlib_ws_t ws = {0};
    runlib_acc_t a;
    acc_reset(c, &a);
    int rc = runlib_ws_map(&ws, &c->cfg, w.base, r->mapped, r->page, 4, msg, len);
    if (!rc && c->cov) {
        mmu_err_t err = {0, ""};
        if (mmu_cov_attach(ws.mmu, c->cov, &err)) {
            snprintf(msg, len, "%s", err.msg);
            rc = 2;
        }
    }
    if (!rc) {
        mmu_synth_t g;
        uint64_t la = 0;
        mmu_synth_init(&g, &w);
        const int e = runlib_synth_drive(ws.mmu, &g, &a, 0, 0, &la);
        if (e) {
            snprintf(msg, len, "access %" PRIu64 " (0x%" PRIx64 "): %s", a.n + 1, la,
                     mmu_strerror(e));
            rc = 2;
        } else {
            fill_row(c, r, &a, ws.mmu);
        }
    }
    runlib_ws_free(&ws);
    return rc;
}

/* A trace under the demand-paging policy of the row's page size. */
static int run_trace(cmp_t *c, cmp_row_t *r, uint64_t *footprint_4k, char *msg, size_t len)
{
    const char *path = c->wl[r->wl].path;
    mmu_trace_reader_t *tr = NULL;
    if (mmu_trace_open(path, NULL, &tr, msg, len))
        return 2;
    mmu_aspace_cfg_t ac;
    mmu_aspace_cfg_init(&ac);
    /* A captured trace's MAP records are one snapshot of /proc/PID/maps:
     * records outside them are anonymous memory, as in `mmusim run`. */
    ac.implicit_vma = 2;
    ac.policy = r->page == MMU_PAGE_4K ? MMU_POLICY_4K
                : r->page == MMU_PAGE_2M ? MMU_POLICY_THP
                                         : MMU_POLICY_1G;
    runlib_as_t x = {0};
    runlib_acc_t a;
    acc_reset(c, &a);
    int rc = runlib_as_create(&x, &c->cfg, &ac, msg, len);
    if (!rc && c->cov) {
        mmu_err_t err = {0, ""};
        if (mmu_cov_attach(x.mmu, c->cov, &err)) {
            snprintf(msg, len, "%s", err.msg);
            rc = 2;
        }
    }
    if (!rc) {
        char m[512];
        const runlib_trace_lim_t lim = {c->trace_accesses ? c->warmup + c->trace_accesses : 0, 0,
                                        0};
        const int e = runlib_trace_drive(x.as, x.mmu, tr, &a, &lim, m, sizeof m);
        if (e == -1) {
            snprintf(msg, len, "%s", m);
            rc = 2;
        } else if (e == 1) {
            snprintf(msg, len, "%s", mmu_trace_error(tr));
            rc = 2;
        } else {
            mmu_aspace_stats_t s;
            mmu_aspace_get_stats(x.as, &s);
            r->mapped = (s.pages_4k << 12) + (s.pages_2m << 21) + (s.pages_1g << 30);
            if (r->page == MMU_PAGE_4K)
                *footprint_4k = s.pages_4k << 12;
            r->ws = *footprint_4k ? *footprint_4k : r->mapped;
            fill_row(c, r, &a, x.mmu);
        }
    }
    runlib_as_free(&x);
    mmu_trace_close(tr);
    return rc;
}

/* ---- the RTL walker, through mmusim-cosim --------------------------------------- */

typedef struct cosim_job {
    pid_t pid;
    FILE *out, *err;
} cosim_job_t;

static void find_cosim(cmp_t *c)
{
    c->cosim_absent[0] = '\0';
    if (c->cosim) {
        snprintf(c->cosim_path, sizeof c->cosim_path, "%s", c->cosim);
    } else {
        char self[PATH_MAX];
        const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0) {
            snprintf(c->cosim_absent, sizeof c->cosim_absent,
                     "cannot tell where mmusim is (/proc/self/exe), so not where mmusim-cosim is");
            return;
        }
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash)
            *slash = '\0';
        snprintf(c->cosim_path, sizeof c->cosim_path, "%.4000s/mmusim-cosim", self);
    }
    /* Say where it was looked for, relative to the working directory if inside
     * it (results files are published). */
    char cwd[PATH_MAX];
    const char *shown = c->cosim_path;
    if (getcwd(cwd, sizeof cwd)) {
        const size_t n = strlen(cwd);
        if (!strncmp(shown, cwd, n) && shown[n] == '/')
            shown += n + 1;
    }
    if (access(c->cosim_path, X_OK))
        snprintf(c->cosim_absent, sizeof c->cosim_absent, "mmusim-cosim not built (no %.200s)",
                 shown);
}

/* Start mmusim-cosim on the row's configuration; its output goes to temporary
 * files so that it runs while the C model does (the machine has two cores). */
static int cosim_start(cmp_t *c, const cmp_row_t *r, cosim_job_t *j, char *note, size_t len)
{
    char spec[MMU_SYNTH_SPEC_MAX], kbuf[32], wbuf[32];
    const char *argv[24];
    int n = 0;
    argv[n++] = c->cosim_path;
    argv[n++] = "walks";
    if (c->preset)
        argv[n++] = "--preset", argv[n++] = c->preset;
    if (c->config)
        argv[n++] = "--config", argv[n++] = c->config;
    if (c->wl[r->wl].kind >= 0) {
        /* A spec rounds ws up to the page size: below one page, the
         * co-simulation's stream spreads over the whole page. */
        mmu_synth_cfg_t w;
        synth_cfg(c, r, c->warmup + c->accesses, &w);
        w.page_size = r->page;
        w.ws = r->mapped;
        mmu_synth_format(&w, spec, sizeof spec);
        argv[n++] = "--workload", argv[n++] = spec;
    } else {
        argv[n++] = "--trace", argv[n++] = c->wl[r->wl].path;
        argv[n++] = "--policy", argv[n++] = POLICY[r->page];
    }
    /* The C run's accesses, warm-up included, until K walks were compared:
     * the RTL clock stops between walks, so accesses that hit in the TLBs
     * cost about what they cost the C run, and walks bound the time. */
    uint64_t k = c->warmup + c->accesses;
    if (c->wl[r->wl].kind < 0)
        k = c->trace_accesses ? c->warmup + c->trace_accesses : UINT64_MAX;
    snprintf(kbuf, sizeof kbuf, "%" PRIu64, k);
    snprintf(wbuf, sizeof wbuf, "%" PRIu64, c->rtl_walks);
    argv[n++] = "--accesses", argv[n++] = kbuf;
    argv[n++] = "--walks", argv[n++] = wbuf;
    argv[n++] = "--json";
    argv[n] = NULL;

    j->out = tmpfile();
    j->err = tmpfile();
    posix_spawn_file_actions_t fa;
    if (!j->out || !j->err || posix_spawn_file_actions_init(&fa)) {
        snprintf(note, len, "cannot create temporary files for mmusim-cosim");
        return -1;
    }
    posix_spawn_file_actions_adddup2(&fa, fileno(j->out), 1);
    posix_spawn_file_actions_adddup2(&fa, fileno(j->err), 2);
    const int e = posix_spawn(&j->pid, c->cosim_path, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (e) {
        snprintf(note, len, "cannot run %.120s: %s", c->cosim_path, strerror(e));
        return -1;
    }
    return 0;
}

/* mmusim-cosim --json prints one JSON object on a line of its own: the last
 * such line of f, parsed (Jansson). NULL with the reason in why when there is
 * none or it does not parse. */
static json_t *cosim_json(FILE *f, char *why, size_t len)
{
    char *line = NULL, *last = NULL;
    size_t cap = 0;
    ssize_t n;
    rewind(f);
    while ((n = getline(&line, &cap, f)) > 0)
        if (line[0] == '{') {
            free(last);
            last = strdup(line);
        }
    free(line);
    snprintf(why, len, "printed no JSON line");
    if (!last)
        return NULL;
    json_error_t e;
    json_t *j = json_loads(last, 0, &e);
    free(last);
    if (!j)
        snprintf(why, len, "printed a JSON line that does not parse (column %d: %.120s)",
                 e.column, e.text);
    else if (!json_is_object(j)) {
        snprintf(why, len, "printed JSON that is not an object");
        json_decref(j);
        j = NULL;
    }
    return j;
}

/* The last non-empty line of f (trimmed), for a failure's reason. */
static void last_line(FILE *f, char *buf, size_t len)
{
    char line[512];
    buf[0] = '\0';
    rewind(f);
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0])
            snprintf(buf, len, "%.*s", (int)len - 1, line);
    }
}

static void cosim_finish(cosim_job_t *j, cmp_rtl_t *rt, double t_start, double timeout)
{
    int status = 0;
    bool killed = false;
    for (;;) {
        const pid_t w = waitpid(j->pid, &status, WNOHANG);
        if (w == j->pid || (w < 0 && errno != EINTR))
            break;
        if (!killed && runlib_now_s() - t_start > timeout) {
            kill(j->pid, SIGKILL);
            killed = true;
        }
        const struct timespec ts = {0, 5000000}; /* 5 ms */
        nanosleep(&ts, NULL);
    }
    char why[200], err[200];
    json_t *json = cosim_json(j->out, why, sizeof why);
    last_line(j->err, err, sizeof err);
    fclose(j->out);
    fclose(j->err);
    rt->state = RTL_NA;
    if (killed) {
        snprintf(rt->note, sizeof rt->note, "mmusim-cosim timed out after %g s (--rtl-timeout)",
                 timeout);
        return;
    }
    if (WIFSIGNALED(status)) {
        snprintf(rt->note, sizeof rt->note, "mmusim-cosim killed by signal %d%s%.160s",
                 WTERMSIG(status), err[0] ? ": " : "", err);
        return;
    }
    if (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 1) {
        snprintf(rt->note, sizeof rt->note, "mmusim-cosim exited with status %d%s%.160s",
                 WEXITSTATUS(status), err[0] ? ": " : "", err);
        return;
    }
    if (!json) {
        snprintf(rt->note, sizeof rt->note, "mmusim-cosim %.100s (exit %d)%s%.100s", why,
                 WEXITSTATUS(status), err[0] ? ": " : "", err);
        return;
    }
#define CMP__PARSE(k)                                                                     \
    {                                                                                     \
        const json_t *v = json_object_get(json, #k);                                      \
        if (!json_is_number(v)) {                                                         \
            snprintf(rt->note, sizeof rt->note, "mmusim-cosim's JSON has no number '%s'", \
                     #k);                                                                 \
            json_decref(json);                                                            \
            return;                                                                       \
        }                                                                                 \
        rt->k = json_number_value(v);                                                     \
    }
    COSIM_KEYS(CMP__PARSE)
#undef CMP__PARSE
    json_decref(json);
    /* Exit 1 with a JSON line is the tool reporting mismatches; they count below. */
    if (WEXITSTATUS(status) == 1 && rt->mismatches == 0) {
        snprintf(rt->note, sizeof rt->note, "mmusim-cosim exited with status 1%s%.160s",
                 err[0] ? ": " : "", err);
        return;
    }
    rt->state = RTL_OK;
}

/* C and RTL disagree: mismatches, or walk statistics that differ. */
static bool rtl_disagrees(const cmp_rtl_t *t)
{
    return t->state == RTL_OK &&
           (t->mismatches > 0 || fabs(t->rtl_walk_mean - t->c_walk_mean) > 1e-9 ||
            fabs(t->rtl_refs_per_walk - t->c_refs_per_walk) > 1e-9);
}

/* ---- output ------------------------------------------------------------------------ */

static const char *fmt_num(char *buf, size_t len, double v, int prec)
{
    if (isnan(v))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.*f", prec, v);
    return buf;
}

#define NCOL1 15
#define NCOL2 12
#define CELL 80

static void row_cells1(const cmp_t *c, const cmp_row_t *r, char cell[][CELL])
{
    snprintf(cell[0], CELL, "%s", c->wl[r->wl].name);
    hbytes(r->ws, cell[1], CELL);
    snprintf(cell[2], CELL, "%s", runlib_size_name(r->page));
    hbytes(r->l1d_reach, cell[3], CELL);
    hbytes(r->l2_reach, cell[4], CELL);
    fmt_num(cell[5], CELL, r->lat_mean, 2);
    /* The same mean in ns at the configuration's clock ("-" when not set). */
    fmt_num(cell[6], CELL, c->cfg.frequency_mhz ? r->lat_mean * 1000.0 / c->cfg.frequency_mhz : NAN,
            2);
    snprintf(cell[7], CELL, "%" PRIu64, r->p50);
    snprintf(cell[8], CELL, "%" PRIu64, r->p99);
    fmt_num(cell[9], CELL, r->walk_mean, 1);
    fmt_num(cell[10], CELL, r->refs, 2);
    fmt_num(cell[11], CELL, r->l1_hit, 2);
    fmt_num(cell[12], CELL, r->l2_hit, 2);
    fmt_num(cell[13], CELL, r->walk_pki, 2);
    if (r->walks)
        snprintf(cell[14], CELL, "%.0f/%.0f/%.0f", r->psc[0], r->psc[1], r->psc[2]);
    else
        snprintf(cell[14], CELL, "-");
}

static void row_cells2(const cmp_t *c, const cmp_row_t *r, char cell[][CELL])
{
    const cmp_rtl_t *t = &r->rtl;
    snprintf(cell[0], CELL, "%s", c->wl[r->wl].name);
    hbytes(r->ws, cell[1], CELL);
    snprintf(cell[2], CELL, "%s", runlib_size_name(r->page));
    if (t->state != RTL_OK) {
        for (int i = 3; i < NCOL2; i++)
            snprintf(cell[i], CELL, "%s", i == 3 ? "n/a" : "");
        return;
    }
    snprintf(cell[3], CELL, "%.0f", t->walks);
    fmt_num(cell[4], CELL, t->c_walk_mean, 2);
    fmt_num(cell[5], CELL, t->rtl_walk_mean, 2);
    snprintf(cell[6], CELL, "%+.2f", t->rtl_walk_mean - t->c_walk_mean);
    snprintf(cell[7], CELL, "%.0f", t->c_walk_p99);
    snprintf(cell[8], CELL, "%.0f", t->rtl_walk_p99);
    fmt_num(cell[9], CELL, t->c_refs_per_walk, 2);
    fmt_num(cell[10], CELL, t->rtl_refs_per_walk, 2);
    snprintf(cell[11], CELL, "%.0f%s", t->mismatches, rtl_disagrees(t) ? " !!" : "");
}

static const char *const HEAD1[NCOL1] = {
    "workload", "ws",       "page",     "L1 reach", "L2 reach", "lat mean", "mean ns", "p50",
    "p99",      "walk mean", "refs/walk", "L1 hit%", "L2 hit%", "walks/1k",
    "PSC hit% PDE/PDPTE/PML4E"};
static const int W1[NCOL1] = {-8, 9, -4, 9, 9, 9, 7, 5, 5, 9, 9, 7, 7, 8, -16};
static const char *const HEAD2[NCOL2] = {"workload", "ws",      "page",    "walks",
                                         "C walk",   "RTL walk", "RTL-C",  "C p99",
                                         "RTL p99",  "C refs",   "RTL refs", "mismatches"};
static const int W2[NCOL2] = {-8, 9, -4, 7, 9, 9, 7, 6, 7, 7, 8, -10};

/* One table, fixed width (md = false) or Markdown. */
static void print_table(FILE *f, bool md, int ncol, const char *const *head, const int *wd,
                        const cmp_t *c, void (*cells)(const cmp_t *, const cmp_row_t *, char[][CELL]))
{
    char cell[NCOL1][CELL];
    if (md) {
        for (int i = 0; i < ncol; i++)
            fprintf(f, "| %s ", head[i]);
        fputs("|\n", f);
        for (int i = 0; i < ncol; i++)
            fputs(wd[i] < 0 ? "|:---" : "|---:", f);
        fputs("|\n", f);
    } else {
        for (int i = 0; i < ncol; i++)
            fprintf(f, "%s%*s", i ? " " : "", i == ncol - 1 && wd[i] < 0 ? 0 : wd[i], head[i]);
        fputc('\n', f);
    }
    unsigned prev_wl = UINT_MAX;
    for (unsigned k = 0; k < c->done; k++) {
        const cmp_row_t *r = &c->rows[k];
        cells(c, r, cell);
        if (!md && prev_wl != UINT_MAX && r->wl != prev_wl)
            fputc('\n', f);
        prev_wl = r->wl;
        for (int i = 0; i < ncol; i++) {
            if (md)
                fprintf(f, "| %s ", cell[i]);
            else if (i == ncol - 1 && wd[i] < 0) /* no trailing blanks */
                fprintf(f, " %s", cell[i]);
            else
                fprintf(f, "%s%*s", i ? " " : "", wd[i], cell[i]);
        }
        fputs(md ? "|\n" : "\n", f);
    }
}

static void print_reach(FILE *f, bool md, const cmp_t *c)
{
    const struct {
        const char *name;
        const mmu_tlb_cfg_t *t;
    } lv[] = {{"L1D", &c->cfg.l1d}, {"L1I", &c->cfg.l1i}, {"L2", &c->cfg.l2}};
    char b[32];
    if (md)
        fputs("| level | 4K | 2M | 1G |\n|:---|---:|---:|---:|\n", f);
    else
        fprintf(f, "TLB reach (entries x page size):  %9s %9s %9s\n", "4K", "2M", "1G");
    for (int i = 0; i < 3; i++) {
        fprintf(f, md ? "| %s " : "  %-31s", lv[i].name);
        for (unsigned p = 0; p < NPAGES; p++) {
            const uint64_t r = runlib_reach(lv[i].t, p);
            fprintf(f, md ? "| %s " : " %9s", r ? hbytes(r, b, sizeof b) : "none");
        }
        fputs(md ? "|\n" : "\n", f);
    }
}

/* RTL summary: how many configurations ran, and the state of the others. */
typedef struct rtl_sum {
    unsigned ok, na, off, bad;
    double walks, mismatches, max_diff;
    const char *first_note; /* of the first n/a */
    bool same_note;
} rtl_sum_t;

static rtl_sum_t rtl_summary(const cmp_t *c)
{
    rtl_sum_t s = {0};
    s.same_note = true;
    for (unsigned k = 0; k < c->done; k++) {
        const cmp_rtl_t *t = &c->rows[k].rtl;
        if (t->state == RTL_OFF) {
            s.off++;
        } else if (t->state == RTL_NA) {
            s.na++;
            if (!s.first_note)
                s.first_note = t->note;
            else if (strcmp(s.first_note, t->note))
                s.same_note = false;
        } else {
            s.ok++;
            s.walks += t->walks;
            s.mismatches += t->mismatches;
            const double d = fabs(t->rtl_walk_mean - t->c_walk_mean);
            s.max_diff = d > s.max_diff ? d : s.max_diff;
            s.bad += rtl_disagrees(t);
        }
    }
    return s;
}

static void print_rtl(FILE *f, bool md, const cmp_t *c)
{
    const rtl_sum_t s = rtl_summary(c);
    if (!s.ok) {
        if (s.na)
            fprintf(f, "RTL walker: n/a: %s%s\n", s.first_note,
                    s.same_note ? "" : " (and other reasons; see compare.csv)");
        else
            fprintf(f, "RTL walker: not run (--rtl-walks 0)\n");
        return;
    }
    fprintf(f,
            "C walker vs RTL walker through mmusim-cosim: each configuration's stream from a "
            "cold start, warm-up included, through both walkers until it ends or %" PRIu64
            " walks were compared (walk latency in cycles)%s\n%s",
            c->rtl_walks, md ? "." : ":", md ? "\n" : "");
    print_table(f, md, NCOL2, HEAD2, W2, c, row_cells2);
    if (s.na)
        fprintf(f, "%s%u configuration%s n/a: %s\n", md ? "\n" : "", s.na, s.na == 1 ? "" : "s",
                s.first_note);
}

/* Rows of one workload, by size and page size. */
static const cmp_row_t *find_row(const cmp_t *c, unsigned wl, uint64_t ws, unsigned page)
{
    for (unsigned k = 0; k < c->done; k++) {
        const cmp_row_t *r = &c->rows[k];
        if (r->wl == wl && r->page == page && (c->wl[wl].kind < 0 || r->ws == ws))
            return r;
    }
    return NULL;
}

/* The smallest working set at which `what` (walks or L1 misses per 1000)
 * exceeds SPIKE, as "16 MiB", or "none up to 64 GiB". */
static void first_spike(const cmp_t *c, unsigned wl, unsigned page, bool l1, char *buf,
                        size_t len)
{
    char b[32];
    uint64_t last = 0;
    for (unsigned i = 0; i < c->nsizes; i++) {
        const cmp_row_t *r = find_row(c, wl, c->sizes[i], page);
        if (!r)
            continue;
        last = r->ws;
        if ((l1 ? r->l1_pki : r->walk_pki) > SPIKE) {
            snprintf(buf, len, "%s", hbytes(r->ws, b, sizeof b));
            return;
        }
    }
    snprintf(buf, len, "none up to %s", last ? hbytes(last, b, sizeof b) : "-");
}

/* The reading: sentences made from the numbers, so they stay true on a rerun
 * with another preset. */
static void write_reading(FILE *f, const cmp_t *c)
{
    char b1[48], b2[48], b3[48];
    fputs("## Reading\n\n", f);
    for (unsigned wl = 0; wl < c->nwl; wl++) {
        if (c->wl[wl].kind < 0)
            continue;
        fprintf(f, "- **%s**: walks per 1000 accesses first exceed %.0f at", c->wl[wl].name, SPIKE);
        for (unsigned p = 0; p < NPAGES; p++) {
            first_spike(c, wl, p, false, b1, sizeof b1);
            fprintf(f, "%s %s with %s pages (L2 reach %s)", p ? (p == 2 ? "; and" : ";") : "", b1,
                    runlib_size_name(p), hbytes(runlib_reach(&c->cfg.l2, p), b2, sizeof b2));
        }
        fputs(". L1 misses per 1000 first exceed it at", f);
        for (unsigned p = 0; p < NPAGES; p++) {
            first_spike(c, wl, p, true, b1, sizeof b1);
            fprintf(f, "%s %s (%s; L1D reach %s)", p ? ";" : "", b1, runlib_size_name(p),
                    hbytes(runlib_reach(&c->cfg.l1d, p), b2, sizeof b2));
        }
        fputs(".\n", f);
        /* The largest set: what 2M and 1G buy. */
        const uint64_t big = c->nsizes ? c->sizes[c->nsizes - 1] : 0;
        const cmp_row_t *r4 = find_row(c, wl, big, 0), *r2 = find_row(c, wl, big, 1),
                        *r1 = find_row(c, wl, big, 2);
        if (r4 && r2 && r1) {
            fprintf(f,
                    "  At %s: mean translation latency %.2f cycles with 4K, %.2f with 2M "
                    "(%.1fx less), %.2f with 1G pages (%.1fx less); walks per 1000 accesses "
                    "%.2f / %.2f / %.2f",
                    hbytes(big, b1, sizeof b1), r4->lat_mean, r2->lat_mean,
                    r4->lat_mean / r2->lat_mean, r1->lat_mean, r4->lat_mean / r1->lat_mean,
                    r4->walk_pki, r2->walk_pki, r1->walk_pki);
            if (r4->walks && r2->walks && r1->walks)
                fprintf(f, "; memory references per walk %.2f / %.2f / %.2f; mean walk %s / %s / %s cycles",
                        r4->refs, r2->refs, r1->refs, fmt_num(b1, sizeof b1, r4->walk_mean, 1),
                        fmt_num(b2, sizeof b2, r2->walk_mean, 1),
                        fmt_num(b3, sizeof b3, r1->walk_mean, 1));
            fputs(".\n", f);
        }
    }
    for (unsigned wl = 0; wl < c->nwl; wl++) {
        if (c->wl[wl].kind >= 0)
            continue;
        const cmp_row_t *r[NPAGES];
        for (unsigned p = 0; p < NPAGES; p++)
            r[p] = find_row(c, wl, 0, p);
        if (!r[0] || !r[1] || !r[2])
            continue;
        fprintf(f,
                "- **%s** (trace, %" PRIu64 " accesses measured, %s of 4 KiB pages touched): "
                "walks per 1000 accesses %.2f (4K) / %.2f (2M) / %.2f (1G); mean translation "
                "latency %.2f / %.2f / %.2f cycles; L1 hit rate %.2f%% / %.2f%% / %.2f%%.",
                c->wl[wl].name, r[0]->counted, hbytes(r[0]->ws, b1, sizeof b1), r[0]->walk_pki,
                r[1]->walk_pki, r[2]->walk_pki, r[0]->lat_mean, r[1]->lat_mean, r[2]->lat_mean,
                r[0]->l1_hit, r[1]->l1_hit, r[2]->l1_hit);
        if (!runlib_reach(&c->cfg.l1i, MMU_PAGE_1G) && r[2]->l1_hit + 5 < r[1]->l1_hit)
            fputs(" The L1 hit rate falls with 1G pages because this configuration's L1 ITLB "
                  "holds no 1G pages: instruction fetches from a 1G page are served by the L2 "
                  "TLB every time.",
                  f);
        fputc('\n', f);
    }
    const rtl_sum_t s = rtl_summary(c);
    if (s.ok)
        fprintf(f,
                "- **C vs RTL walker**: %u configuration%s through mmusim-cosim, %.0f walks "
                "compared: %.0f mismatches, largest difference of mean walk latency %.2f cycles%s.\n",
                s.ok, s.ok == 1 ? "" : "s", s.walks, s.mismatches, s.max_diff,
                s.bad ? " — THE WALKERS DISAGREE" : ": they agree");
    if (s.na)
        fprintf(f, "- **RTL walker**: n/a for %u configuration%s: %s.\n", s.na, s.na == 1 ? "" : "s",
                s.first_note);
    if (!s.ok && !s.na)
        fputs("- **RTL walker**: not run (`--rtl-walks 0`).\n", f);
    fputs("- Memory references per walk count paging-structure reads and A/D updates (30% of "
          "accesses are writes); PSC hit rates are the share of walks whose deepest "
          "paging-structure-cache hit was at that level.\n\n",
          f);
}

static void write_md(const cmp_t *c, FILE *f, const char *date)
{
    fputs("# Page size against translation latency and TLB coverage\n\n", f);
    fprintf(f, "Produced by `%s` on %s, configuration: %s%s%s%s.\n", c->cmdline, date,
            c->preset ? "preset " : "", c->preset ? c->preset : "",
            c->preset && c->config ? " + " : "", c->config ? c->config : "");
    fprintf(f,
            "Each configuration: %" PRIu64 " accesses measured after %" PRIu64
            " warm-up accesses (traces: ",
            c->accesses, c->warmup);
    if (c->trace_accesses)
        fprintf(f, "at most %" PRIu64 " after the warm-up", c->trace_accesses);
    else
        fputs("the whole trace after the warm-up", f);
    fputs("), closed loop (each access issued when the previous one completes), 4-level "
          "paging, seed 1; 30% of synthetic accesses are writes. Page sizes: the set mapped "
          "with 4K, 2M or 1G pages; traces demand-paged with the 4k, thp or 1g policy "
          "(workloads/aspace.h). Plots (`scripts/plot_compare.py`): `compare_misses.png`, "
          "`compare_latency.png`.\n\n",
          f);
    if (c->stopped[0])
        fprintf(f, "**Incomplete**: %s. The tables hold the %u configurations done before.\n\n",
                c->stopped, c->done);
    write_reading(f, c);
    fputs("## TLB reach\n\n", f);
    print_reach(f, true, c);
    fputs("\n## C model\n\nLatencies in cycles. L1 hit% and L2 hit% are of the lookups "
          "of that level (an L2 lookup per L1 miss); a D-assist (a write hitting an entry "
          "cached with D=0) is a hit. walks/1k = page walks per 1000 measured accesses: L2 "
          "misses, fault retries and D-assists (README \"Statistics\"). For traces, ws is the "
          "distinct 4 KiB pages touched.\n\n",
          f);
    print_table(f, true, NCOL1, HEAD1, W1, c, row_cells1);
    fputs("\n## C walker vs RTL walker\n\n", f);
    print_rtl(f, true, c);
    fputs("\n## Files\n\n"
          "`compare.csv`: one row per preset x workload x ws x page x walker. Columns: "
          "`preset`, `workload`, `source` (synthetic or trace), `ws_bytes` (traces: distinct "
          "4 KiB pages touched x 4096), `mapped_bytes`, `page` (4K/2M/1G), `walker` (c or rtl), "
          "`accesses` (measured), `lat_mean`, `lat_p50`, `lat_p99`, `lat_max` (translation "
          "latency, cycles), `lat_mean_ns` (lat_mean in ns at the configuration's "
          "frequency_mhz; empty when not set), `walk_mean`, `walk_p50`, `walk_p99` (walk latency, cycles), "
          "`walk_diff` (rtl rows: RTL minus C mean walk latency over the same co-simulated "
          "stream), `refs_per_walk`, `l1_hit_pct`, `l2_hit_pct` (of L1 misses), "
          "`l1_misses_per_1k`, `walks_per_1k`, `walks`, `psc_pde_pct`, `psc_pdpte_pct`, "
          "`psc_pml4e_pct`, `psc_pml5e_pct` (share of walks), `l1d_reach_bytes`, "
          "`l1i_reach_bytes`, `l2_reach_bytes`, `mismatches` (rtl rows), `seconds` (wall time "
          "of that run), `status` (ok, off, or n/a: reason). The rtl rows fill accesses, walks, "
          "the walk columns, refs_per_walk, mismatches and seconds from mmusim-cosim "
          "(`rtl_*` keys); the other metric columns are empty. For working sets smaller than "
          "the page, the co-simulation's stream covers the whole page (a workload spec rounds "
          "ws up to the page size).\n\n"
          "`compare_latency.csv`: the translation-latency distribution of each C row: "
          "`preset`, `workload`, `ws_bytes`, `page`, `lat_lo`, `lat_hi`, `count` (measured "
          "accesses with lat_lo <= latency < lat_hi; exact below 16 cycles, then 8 bins per "
          "power of two).\n",
          f);
}

static void csv_num(FILE *f, double v, int prec)
{
    if (isnan(v))
        fputc(',', f);
    else
        fprintf(f, ",%.*f", prec, v);
}

static void write_csv(const cmp_t *c, FILE *f)
{
    const char *preset = c->preset ? c->preset : c->config;
    fputs("preset,workload,source,ws_bytes,mapped_bytes,page,walker,accesses,lat_mean,lat_mean_ns,lat_p50,"
          "lat_p99,lat_max,walk_mean,walk_p50,walk_p99,walk_diff,refs_per_walk,l1_hit_pct,"
          "l2_hit_pct,l1_misses_per_1k,walks_per_1k,walks,psc_pde_pct,psc_pdpte_pct,"
          "psc_pml4e_pct,psc_pml5e_pct,l1d_reach_bytes,l1i_reach_bytes,l2_reach_bytes,"
          "mismatches,seconds,status\n",
          f);
    for (unsigned k = 0; k < c->done; k++) {
        const cmp_row_t *r = &c->rows[k];
        const char *src = c->wl[r->wl].kind < 0 ? "trace" : "synthetic";
        for (int walker = 0; walker < 2; walker++) {
            fprintf(f, "%s,%s,%s,%" PRIu64 ",%" PRIu64 ",%s,%s", preset, c->wl[r->wl].name, src,
                    r->ws, r->mapped, runlib_size_name(r->page), walker ? "rtl" : "c");
            if (!walker) {
                fprintf(f, ",%" PRIu64, r->counted);
                csv_num(f, r->lat_mean, 4);
                csv_num(f, c->cfg.frequency_mhz ? r->lat_mean * 1000.0 / c->cfg.frequency_mhz : NAN,
                        4);
                fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64, r->p50, r->p99, r->lat_max);
                csv_num(f, r->walk_mean, 4);
                if (r->walks)
                    fprintf(f, ",%" PRIu64 ",%" PRIu64 ",", r->walk_p50, r->walk_p99);
                else
                    fputs(",,,", f);
                csv_num(f, r->refs, 4);
                csv_num(f, r->l1_hit, 4);
                csv_num(f, r->l2_hit, 4);
                csv_num(f, r->l1_pki, 4);
                csv_num(f, r->walk_pki, 4);
                fprintf(f, ",%" PRIu64, r->walks);
                for (int i = 0; i < 4; i++)
                    csv_num(f, r->psc[i], 4);
            } else if (r->rtl.state == RTL_OK) {
                const cmp_rtl_t *t = &r->rtl;
                fprintf(f, ",%.0f,,,,,", t->accesses);
                csv_num(f, t->rtl_walk_mean, 4);
                fprintf(f, ",%.0f,%.0f", t->rtl_walk_p50, t->rtl_walk_p99);
                csv_num(f, t->rtl_walk_mean - t->c_walk_mean, 4);
                csv_num(f, t->rtl_refs_per_walk, 4);
                fprintf(f, ",,,,,%.0f,,,,", t->walks);
            } else {
                fputs(",,,,,,,,,,,,,,,,,,,,", f); /* accesses .. psc_pml5e_pct: 20 empty */
            }
            fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64, r->l1d_reach, r->l1i_reach,
                    r->l2_reach);
            if (!walker)
                fprintf(f, ",,%.3f,ok\n", r->seconds);
            else if (r->rtl.state == RTL_OK)
                fprintf(f, ",%.0f,%.3f,ok\n", r->rtl.mismatches, r->rtl.rtl_seconds);
            else if (r->rtl.state == RTL_OFF)
                fputs(",,,off\n", f);
            else {
                /* Quote the reason: it may hold commas. */
                fputs(",,,\"n/a: ", f);
                for (const char *p = r->rtl.note; *p; p++)
                    if (*p == '"')
                        fputs("\"\"", f);
                    else
                        fputc(*p, f);
                fputs("\"\n", f);
            }
        }
    }
}

static void write_lat(const cmp_t *c, FILE *f)
{
    const char *preset = c->preset ? c->preset : c->config;
    fputs("preset,workload,ws_bytes,page,lat_lo,lat_hi,count\n", f);
    for (unsigned k = 0; k < c->done; k++) {
        const cmp_row_t *r = &c->rows[k];
        for (unsigned b = 0; b < LAT_BINS; b++) {
            uint64_t lo, hi;
            if (!r->bins[b])
                continue;
            bin_range(b, &lo, &hi);
            fprintf(f, "%s,%s,%" PRIu64 ",%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n", preset,
                    c->wl[r->wl].name, r->ws, runlib_size_name(r->page), lo, hi, r->bins[b]);
        }
    }
}

/* mkdir -p */
static int make_dir(const char *path)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, 0777) && errno != EEXIST)
                return -1;
            *s = '/';
        }
    if (mkdir(p, 0777) && errno != EEXIST)
        return -1;
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

static int write_outputs(const cmp_t *c)
{
    char md[PATH_MAX], csv[PATH_MAX], lat[PATH_MAX], date[64];
    if (make_dir(c->out)) {
        fprintf(stderr, "mmusim compare: cannot create directory %s: %s\n", c->out,
                strerror(errno));
        return 2;
    }
    snprintf(md, sizeof md, "%s/compare.md", c->out);
    snprintf(csv, sizeof csv, "%s/compare.csv", c->out);
    snprintf(lat, sizeof lat, "%s/compare_latency.csv", c->out);
    const time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", &tm);
    /* All three are written to temporary files first and renamed only when
     * all were written: a failure leaves the previous set as it was. */
    const char *paths[3] = {md, csv, lat};
    void (*const writers[3])(const cmp_t *, FILE *) = {NULL, write_csv, write_lat};
    cli_out_t out[3];
    char msg[PATH_MAX + 128];
    int bad = -1;
    memset(out, 0, sizeof out);
    for (int i = 0; i < 3 && bad < 0; i++) {
        if (cli_out_open(&out[i], paths[i], msg, sizeof msg)) {
            bad = i;
            break;
        }
        if (i == 0)
            write_md(c, out[i].f, date);
        else
            writers[i](c, out[i].f);
        if (fflush(out[i].f) || ferror(out[i].f)) {
            snprintf(msg, sizeof msg, "%s: write error: %s", paths[i], strerror(errno));
            bad = i;
        }
    }
    for (int i = 0; i < 3 && bad < 0; i++)
        if (cli_out_commit(&out[i], msg, sizeof msg))
            bad = i;
    if (bad >= 0) {
        for (int i = 0; i < 3; i++)
            cli_out_abort(&out[i]);
        cli_error("compare", "%s", msg);
        return 2;
    }
    fprintf(stderr, "compare: wrote %s, %s, %s\n", md, csv, lat);
    return 0;
}

/* ---- the job ----------------------------------------------------------------------- */

static int run_all(cmp_t *c)
{
    char msg[1024];
    unsigned nsynth = 0, ntrace = 0;
    for (unsigned i = 0; i < c->nwl; i++) {
        if (c->wl[i].kind < 0)
            ntrace++;
        else
            nsynth++;
    }
    c->nrows = (nsynth * c->nsizes + ntrace) * NPAGES;
    c->rows = calloc(c->nrows, sizeof *c->rows);
    c->hist = calloc(RUNLIB_LAT_BUCKETS, sizeof *c->hist);
    c->walk_hist = calloc(RUNLIB_LAT_BUCKETS, sizeof *c->walk_hist);
    if (!c->rows || !c->hist || !c->walk_hist) {
        fputs("mmusim compare: out of memory\n", stderr);
        return 2;
    }
    /* Lay out the rows: workloads in the order given, sizes ascending, 4K 2M 1G. */
    unsigned k = 0;
    for (unsigned i = 0; i < c->nwl; i++)
        for (unsigned s = 0; s < (c->wl[i].kind < 0 ? 1 : c->nsizes); s++)
            for (unsigned p = 0; p < NPAGES; p++) {
                c->rows[k].wl = i;
                c->rows[k].page = p;
                c->rows[k].ws = c->wl[i].kind < 0 ? 0 : c->sizes[s];
                k++;
            }
    const bool rtl = c->rtl_walks && !c->cosim_absent[0];
    uint64_t footprint = 0;
    for (k = 0; k < c->nrows; k++) {
        cmp_row_t *r = &c->rows[k];
        char wsb[32];
        const bool trace = c->wl[r->wl].kind < 0;
        if (trace && r->page == 0)
            footprint = 0;
        fprintf(stderr, "[%u/%u] %s %s %s ...", k + 1, c->nrows, c->wl[r->wl].name,
                trace ? "trace" : hbytes(r->ws, wsb, sizeof wsb), runlib_size_name(r->page));
        if (trace) /* the mapping of a synthetic row is known before it runs */
            r->mapped = 0;
        else {
            const uint64_t psz = 1ull << (12 + 9 * r->page);
            r->mapped = (r->ws + psz - 1) & ~(psz - 1);
        }
        cosim_job_t job;
        const double t_spawn = runlib_now_s();
        r->rtl.state = RTL_OFF;
        bool started = false;
        if (rtl) {
            if (cosim_start(c, r, &job, r->rtl.note, sizeof r->rtl.note))
                r->rtl.state = RTL_NA;
            else
                started = true;
        } else if (c->rtl_walks) {
            r->rtl.state = RTL_NA;
            snprintf(r->rtl.note, sizeof r->rtl.note, "%.*s", (int)sizeof r->rtl.note - 1,
                     c->cosim_absent);
        }
        const double t0 = runlib_now_s();
        const int rc = trace ? run_trace(c, r, &footprint, msg, sizeof msg)
                             : run_synth(c, r, msg, sizeof msg);
        r->seconds = runlib_now_s() - t0;
        if (started) {
            cosim_finish(&job, &r->rtl, t_spawn, c->rtl_timeout);
            r->rtl.wall = runlib_now_s() - t_spawn;
        }
        if (rc) {
            fputs(" failed\n", stderr);
            snprintf(c->stopped, sizeof c->stopped, "stopped at %s %s %s pages: %.400s",
                     c->wl[r->wl].name, trace ? "trace" : hbytes(r->ws, wsb, sizeof wsb),
                     runlib_size_name(r->page), msg);
            fprintf(stderr, "mmusim compare: %s\n", c->stopped);
            return 2;
        }
        c->done = k + 1;
        if (r->rtl.state == RTL_OK)
            fprintf(stderr, " %.1f s (mmusim-cosim %.1f s)%s\n", r->seconds, r->rtl.wall,
                    rtl_disagrees(&r->rtl) ? " C/RTL MISMATCH" : "");
        else
            fprintf(stderr, " %.1f s\n", r->seconds);
        if (rtl_disagrees(&r->rtl))
            fprintf(stderr,
                    "mmusim compare: C/RTL MISMATCH at %s %s %s: %.0f mismatches, mean walk C "
                    "%.3f vs RTL %.3f cycles, refs/walk C %.3f vs RTL %.3f\n",
                    c->wl[r->wl].name, hbytes(r->ws, wsb, sizeof wsb), runlib_size_name(r->page),
                    r->rtl.mismatches, r->rtl.c_walk_mean, r->rtl.rtl_walk_mean,
                    r->rtl.c_refs_per_walk, r->rtl.rtl_refs_per_walk);
    }
    return 0;
}

int compare_main(int argc, char **argv)
{
    cmp_t *c = calloc(1, sizeof *c);
    if (!c) {
        fputs("mmusim compare: out of memory\n", stderr);
        return 2;
    }
    int rc = parse_args(argc, argv, c);
    if (rc) {
        rc = rc == 1 ? 0 : rc;
        goto out;
    }
    char msg[512];
    if (runlib_load_config(c->preset, c->config, &c->cfg, msg, sizeof msg)) {
        fprintf(stderr, "mmusim compare: %s\n", msg);
        rc = 2;
        goto out;
    }
    if (!c->cfg.page_1g) {
        fputs("mmusim compare: this configuration has no 1G pages (page_1g = 0); compare "
              "needs all three page sizes\n",
              stderr);
        rc = 2;
        goto out;
    }
    /* Every working set must fit below MAXPHYADDR with each page size. */
    for (unsigned i = 0; i < c->nsizes; i++)
        for (unsigned p = 0; p < NPAGES; p++) {
            const uint64_t psz = 1ull << (12 + 9 * p);
            if (runlib_ws_fits(&c->cfg, (c->sizes[i] + psz - 1) & ~(psz - 1), p, 4, msg,
                               sizeof msg)) {
                char b[32];
                fprintf(stderr, "mmusim compare: --sizes %s with %s pages: %s; use smaller sizes\n",
                        hbytes(c->sizes[i], b, sizeof b), runlib_size_name(p), msg);
                rc = 2;
                goto out;
            }
        }
    if (c->rtl_walks)
        find_cosim(c);
    mmu_err_t cerr = {0, ""};
    if (c->coverage && mmu_cov_create(&c->cov, &cerr)) {
        fprintf(stderr, "mmusim compare: %s\n", cerr.msg);
        rc = 2;
        goto out;
    }
    const double t0 = runlib_now_s();
    rc = run_all(c);
    if (c->rows && c->done) {
        printf("mmusim compare: %s%s%s%s, %u configurations, %" PRIu64
               " accesses measured after %" PRIu64 " warm-up, in %.1f s\n",
               c->preset ? "preset " : "", c->preset ? c->preset : "",
               c->preset && c->config ? " + " : "", c->config ? c->config : "", c->done,
               c->accesses, c->warmup, runlib_now_s() - t0);
        print_reach(stdout, false, c);
        printf("\nLatencies in cycles; hit%% of each level's lookups (L2: of the L1 misses; a "
               "D-assist is a hit); walks/1k = page walks (L2 misses, fault retries, D-assists) "
               "per 1000 accesses; traces: ws = 4 KiB pages touched.\n");
        print_table(stdout, false, NCOL1, HEAD1, W1, c, row_cells1);
        putchar('\n');
        print_rtl(stdout, false, c);
        fflush(stdout);
        const int wrc = write_outputs(c);
        if (!rc)
            rc = wrc;
    }
    const rtl_sum_t s = rtl_summary(c);
    if (s.bad) {
        fprintf(stderr,
                "mmusim compare: C/RTL MISMATCH: the C and RTL walkers disagree in %u of %u "
                "co-simulated configurations (%.0f mismatches); see the RTL table\n",
                s.bad, s.ok, s.mismatches);
        if (!rc)
            rc = 1;
    }
    /* What ran before a failure is written too. */
    if (c->cov && covfile_write(c->cov, c->coverage, msg, sizeof msg)) {
        fprintf(stderr, "mmusim compare: %s\n", msg);
        rc = 2;
    }
out:
    mmu_cov_destroy(c->cov);
    for (unsigned i = 0; i < c->nwl; i++)
        free(c->wl[i].path);
    free(c->rows);
    free(c->hist);
    free(c->walk_hist);
    free(c);
    return rc;
}
