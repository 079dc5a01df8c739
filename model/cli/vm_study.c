/* SPDX-License-Identifier: Apache-2.0 */
/* `mmusim vm-study`: the classic page-fault-rate curves. For each trace, an
 * offline pass counts its accesses and distinct pages (the working set W) and
 * gives OPT its future; then every memory size (by default 10%..100% of W) is
 * run with every replacement policy under pure demand paging (a fixed number
 * of data frames, page tables outside them, no watermarks, kswapd, readahead
 * or THP, one page reclaimed per fault, all memory anonymous so that a
 * virtual page is one frame (no page cache, no copy on write): osrun's --tables separate
 * --watermarks none --kswapd off --batch 1 --readahead 1 --policy 4k), on the
 * same MMU model as `mmusim run`. Output: a table per trace (faults per 1000
 * accesses), a CSV with one row per trace x memory x policy, and the check
 * that OPT is the lower bound (exit 1 if a policy ever beats it). The plot is
 * scripts/plot_vm_study.py's, from the CSV. */
#include "vm_study.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_opt.h"
#include "osrun.h"
#include "runlib.h"
#include "trace.h"

#ifndef MMU_TRACES_DIR
#define MMU_TRACES_DIR "workloads/traces"
#endif

#define MAX_TRACES 16
#define MAX_MEMS 32
#define MAX_POL 16

typedef struct study {
    const char *preset, *config, *out, *traces_dir;
    char *trace[MAX_TRACES];
    char *cache[MAX_TRACES];  /* the prefix that is run, plain native (read ~10x faster) */
    char name[MAX_TRACES][64];
    unsigned ntrace;
    double frac[MAX_MEMS];   /* memory as a share of the working set, or */
    uint64_t bytes[MAX_MEMS]; /* as a size (frac 0) */
    unsigned nmem;
    unsigned pol[MAX_POL], npol;
    uint64_t max_accesses;
    unsigned flush_lo, flush_hi, swap_dev; /* flush_young values to run */
    int linux_mode;           /* --mode linux: the Linux-like set-up, cycles too */
} study_t;

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int add_trace(study_t *s, const char *tok)
{
    if (s->ntrace == MAX_TRACES) {
        fprintf(stderr, "mmusim vm-study: --traces: at most %d\n", MAX_TRACES);
        return 2;
    }
    char path[PATH_MAX] = "";
    if (strchr(tok, '/') || strchr(tok, '.')) {
        snprintf(path, sizeof path, "%s", tok);
    } else {
        static const char *const EXT[] = {".mtr.xz", ".mtr.gz", ".mtr"};
        for (int i = 0; i < 3 && !path[0]; i++) {
            char p[PATH_MAX];
            snprintf(p, sizeof p, "%s/%s%s", s->traces_dir, tok, EXT[i]);
            if (is_file(p))
                snprintf(path, sizeof path, "%s", p);
        }
        if (!path[0]) {
            fprintf(stderr, "mmusim vm-study: --traces: no trace '%s' in %s (or give a path)\n",
                    tok, s->traces_dir);
            return 2;
        }
    }
    char msg[512];
    if (runlib_trace_probe(path, s->name[s->ntrace], sizeof s->name[0], msg, sizeof msg)) {
        fprintf(stderr, "mmusim vm-study: --traces: %s\n", msg);
        return 2;
    }
    if (!(s->trace[s->ntrace] = strdup(path))) {
        fputs("mmusim vm-study: out of memory\n", stderr);
        return 2;
    }
    s->ntrace++;
    return 0;
}

static int add_mem(study_t *s, const char *tok)
{
    if (s->nmem == MAX_MEMS) {
        fprintf(stderr, "mmusim vm-study: --mems: at most %d\n", MAX_MEMS);
        return 2;
    }
    size_t n = strlen(tok);
    char *end;
    if (n && (tok[n - 1] == '%' || strchr(tok, '.'))) {
        errno = 0;
        double v = strtod(tok, &end);
        if (tok[n - 1] == '%')
            v /= 100.0;
        if (errno || end == tok || (*end && strcmp(end, "%")) || !(v > 0.0) || v > 100.0) {
            fprintf(stderr, "mmusim vm-study: --mems: '%s': a share of the working set must be "
                            "> 0 (0.5 or 50%%)\n", tok);
            return 2;
        }
        s->frac[s->nmem] = v;
        s->bytes[s->nmem++] = 0;
        return 0;
    }
    uint64_t b;
    if (osrun_size(tok, &b) || b < 4096 || (b & 4095)) {
        fprintf(stderr, "mmusim vm-study: --mems: '%s': not a share (0.5, 50%%) or a size that is "
                        "a multiple of 4 KiB (64k, 4m)\n", tok);
        return 2;
    }
    s->frac[s->nmem] = 0;
    s->bytes[s->nmem++] = b;
    return 0;
}

static int add_policy(study_t *s, const char *tok)
{
    for (unsigned k = 0; mmu_repl_get(k); k++)
        if (!strcmp(mmu_repl_get(k)->name, tok)) {
            if (s->npol == MAX_POL)
                break;
            s->pol[s->npol++] = k;
            return 0;
        }
    char names[128];
    fprintf(stderr, "mmusim vm-study: --policies: unknown policy '%s' (%s)\n", tok,
            mmu_repl_names(names, sizeof names));
    return 2;
}

static int each(study_t *s, const char *list, const char *flag, int (*fn)(study_t *, const char *))
{
    char buf[4096];
    if (!list[0] || strlen(list) >= sizeof buf) {
        fprintf(stderr, "mmusim vm-study: %s: %s\n", flag, list[0] ? "list too long" : "empty");
        return 2;
    }
    snprintf(buf, sizeof buf, "%s", list);
    char *save = NULL;
    unsigned n = 0;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save), n++) {
        int rc = fn(s, t);
        if (rc)
            return rc;
    }
    if (!n) { /* only commas */
        fprintf(stderr, "mmusim vm-study: %s '%s': nothing in the list\n", flag, list);
        return 2;
    }
    return 0;
}

static int parse(study_t *s, int argc, char **argv)
{
    const char *traces = NULL, *mems = NULL, *pols = NULL;
    unsigned flush = 0, mode = 0, dev = 0;
    static const char *const DEVS[] = {"nvme", "ssd", "hdd", "zswap"};
    s->traces_dir = MMU_TRACES_DIR;
    s->out = "build/vm_study";
    char names[128], pol_help[192];
    snprintf(pol_help, sizeof pol_help, "replacement policies (default all:\n%s)",
             mmu_repl_names(names, sizeof names));
    const cli_opt_t opts[] = {
        {"preset", CLI_STR, &s->preset, "NAME", "a built-in CPU ('mmusim presets'; default skylake)",
         0, 0, NULL},
        {"config", CLI_STR, &s->config, "FILE", "a config file ('mmusim config')", 0, 0, NULL},
        {"traces", CLI_STR, &traces, "LIST",
         "trace names in " MMU_TRACES_DIR "\n(default sort,xz,awk) or paths", 0, 0, NULL},
        {"mems", CLI_STR, &mems, "LIST",
         "shares of each trace's working set (0.5 or 50%), or\n"
         "sizes (4m); default 5%,10%,...,100% in steps of 10%\n"
         "after 10%",
         0, 0, NULL},
        {"policies", CLI_STR, &pols, "LIST", pol_help, 0, 0, NULL},
        {"max-accesses", CLI_COUNT, &s->max_accesses, "N",
         "the first N accesses of each trace (default all)", 1, 0, NULL},
        {"flush-young", CLI_CHOICE, &flush, "off|on|both",
         "on: clearing an A bit also invalidates the TLB entry\n"
         "(the textbook reference bit); off (default): it does\n"
         "not, as x86 Linux; both: each run with either",
         0, 0, "off|on|both"},
        {"swap-dev", CLI_CHOICE, &dev, "nvme|ssd|hdd|zswap",
         "the swap device (default nvme)", 0, 0, "nvme|ssd|hdd|zswap"},
        {"mode", CLI_CHOICE, &mode, "pure|linux",
         "linux: instead of pure demand paging, the set-up\n"
         "`mmusim run --mem` has (THP, page tables in memory,\n"
         "auto watermarks, kswapd, readahead 8, file pages as\n"
         "mapped; OPT left out), with each run's cycles against\n"
         "the same set-up's with memory enough never to reclaim\n"
         "(4x the working set); at least 64 frames of memory",
         0, 0, "pure|linux"},
        {"out", CLI_STR, &s->out, "DIR", "vm_study.csv there (default build/vm_study)", 0, 0,
         NULL},
        {NULL, CLI_FLAG, NULL, NULL, NULL, 0, 0, NULL},
    };
    const cli_cmd_t cmd = {
        .name = "vm-study",
        .synopsis = "[--preset NAME | --config FILE] [--traces LIST]\n"
                    "                       [--mems LIST] [--policies LIST] [--max-accesses N]\n"
                    "                       [--flush-young off|on|both]\n"
                    "                       [--swap-dev nvme|ssd|hdd|zswap] [--mode pure|linux]\n"
                    "                       [--out DIR]",
        .about = "Page faults per 1000 accesses for each memory size x replacement policy,\n"
                 "under pure demand paging (a fixed number of data frames; page tables\n"
                 "outside them; no watermarks, kswapd, readahead or THP), with OPT as the\n"
                 "lower bound.\n",
        .notes = "Exit 0; 1 when a policy took fewer faults than OPT; 2 on bad input.\n",
        .opts = opts};
    int rc = cli_parse(&cmd, argc, argv, NULL);
    if (rc)
        return rc;
    s->flush_lo = flush == 1;
    s->flush_hi = flush != 0;
    s->linux_mode = mode == 1;
    s->swap_dev = (unsigned)mmu_blkdev_lookup(DEVS[dev]);
    if (s->preset && s->config) {
        cli_error("vm-study", "--preset and --config exclude each other");
        return 2;
    }
    if (!s->preset && !s->config)
        s->preset = "skylake";
    rc = each(s, traces ? traces : "sort,xz,awk", "--traces", add_trace);
    if (!rc)
        rc = each(s, mems ? mems : "5%,10%,20%,30%,40%,50%,60%,70%,80%,90%,100%", "--mems", add_mem);
    if (!rc && pols)
        rc = each(s, pols, "--policies", add_policy);
    else if (!rc)
        for (unsigned k = 0; mmu_repl_get(k); k++)
            s->pol[s->npol++] = k;
    return rc;
}

typedef struct row {
    uint64_t frames, faults, minor, major, swap_outs, swap_ins, clean_drops, file_reads,
        thp_splits, cycles, walks, counted, io_wait, reclaim_cycles;
    double secs;
    int ok;
} row_t;

/* One run: the trace through the OS with `frames` data frames and policy p. */
static int run_one(const study_t *s, const mmu_config_t *cfg, unsigned t, uint64_t frames,
                   unsigned p, unsigned flush, const mmu_repl_future_t *fut, uint64_t ws,
                   uint64_t *hist, row_t *r)
{
    mmu_aspace_cfg_t ac;
    mmu_aspace_cfg_init(&ac);
    osrun_defaults(&ac);
    ac.mem_bytes = frames * 4096;
    ac.flush_young = flush;
    ac.repl = p;
    ac.nswap = 1;
    ac.swap[0].bytes = (ws + 64) * 4096; /* every page can be out at once */
    ac.swap_dev = s->swap_dev;
    if (!s->linux_mode) {
        ac.policy = MMU_POLICY_4K;
        ac.maps_anon = 1; /* one frame per virtual page: no page cache, no copies */
        ac.tables_in_mem = 0;
        ac.wmark_mode = MMU_WMARK_NONE;
        ac.kswapd = 0;
        ac.reclaim_batch = 1;
        ac.readahead = 1;
        ac.future = fut;
    } else {
        ac.series_every = 0;
        if (!frames) {
            /* The unlimited run: memory enough never to reclaim (four times
             * the working set), so its faults are charged as the others' are
             * (without a memory limit the OS charges nothing). */
            ac.mem_bytes = (4 * ws + 4096) * 4096;
            ac.nswap = 0;
        }
    }
    char msg[512];
    mmu_trace_reader_t *tr = NULL;
    if (mmu_trace_open(s->cache[t], NULL, &tr, msg, sizeof msg)) {
        fprintf(stderr, "mmusim vm-study: %s\n", msg);
        return 2;
    }
    runlib_as_t x = {0};
    runlib_acc_t a = {0};
    memset(hist, 0, RUNLIB_LAT_BUCKETS * sizeof *hist);
    a.hist = hist;
    int rc = 2;
    if (runlib_as_create(&x, cfg, &ac, msg, sizeof msg)) {
        fprintf(stderr, "mmusim vm-study: %s: %s\n", s->name[t], msg);
        goto out;
    }
    a.as = x.as;
    double t0 = runlib_now_s();
    const runlib_trace_lim_t lim = {s->max_accesses, 0, 0};
    int d = runlib_trace_drive(x.as, x.mmu, tr, &a, &lim, msg, sizeof msg);
    r->secs = runlib_now_s() - t0;
    if (d == 1) {
        fprintf(stderr, "mmusim vm-study: %s\n", mmu_trace_error(tr));
        goto out;
    }
    if (d == -1 || d == 2) {
        fprintf(stderr, "mmusim vm-study: %s, %" PRIu64 " frames, %s: %s\n", s->name[t], frames,
                mmu_repl_get(p)->name, d == 2 ? mmu_aspace_stop_reason(x.as) : msg);
        goto out;
    }
    mmu_aspace_stats_t st;
    mmu_aspace_get_stats(x.as, &st);
    mmu_stats_t ms;
    mmu_get_stats(x.mmu, &ms);
    r->frames = frames;
    r->faults = st.minor_faults + st.major_faults;
    r->minor = st.minor_faults;
    r->major = st.major_faults;
    r->swap_outs = st.swap_outs;
    r->swap_ins = st.swap_ins;
    r->clean_drops = st.clean_drops;
    r->file_reads = st.file_reads;
    r->thp_splits = st.thp_splits;
    r->io_wait = st.io_wait_cycles;
    r->reclaim_cycles = st.reclaim_cycles;
    r->cycles = a.last_done;
    r->walks = ms.walks;
    r->counted = a.counted;
    r->ok = 1;
    rc = 0;
out:
    runlib_as_free(&x);
    mmu_trace_close(tr);
    return rc;
}

/* The offline pass: the first max accesses (0: all) of the trace copied to a
 * plain native file, which every run then reads instead of decompressing the
 * trace again, and OPT's future over them. Returns 0, or 2 after a message. */
static int make_cache(const char *in, const char *cache, uint64_t max, mmu_repl_future_t **fut)
{
    char msg[512];
    mmu_trace_reader_t *tr = NULL;
    mmu_trace_writer_t *w = NULL;
    *fut = NULL;
    if (mmu_trace_open(in, NULL, &tr, msg, sizeof msg) ||
        mmu_trace_writer_open(cache, "native", &w, msg, sizeof msg) ||
        mmu_repl_future_create(fut)) {
        fprintf(stderr, "mmusim vm-study: %s\n", msg);
        mmu_trace_close(tr);
        mmu_trace_writer_close(w, msg, sizeof msg);
        return 2;
    }
    mmu_trec_t rec;
    int r = 0, rc = 0;
    while ((!max || mmu_repl_future_len(*fut) < max) && (r = mmu_trace_next(tr, &rec)) > 0) {
        if (mmu_trace_write(w, &rec)) {
            fprintf(stderr, "mmusim vm-study: %s\n", mmu_trace_writer_error(w));
            rc = 2;
            break;
        }
        if (rec.kind == MMU_TREC_ACCESS && mmu_repl_future_add(*fut, rec.la >> 12)) {
            fprintf(stderr, "mmusim vm-study: %s: OPT's offline pass: out of memory or more "
                            "than 2^32 - 2 accesses\n", in);
            rc = 2;
            break;
        }
    }
    if (!rc && r < 0) {
        fprintf(stderr, "mmusim vm-study: %s\n", mmu_trace_error(tr));
        rc = 2;
    }
    mmu_trace_close(tr);
    if (mmu_trace_writer_close(w, msg, sizeof msg) && !rc) {
        fprintf(stderr, "mmusim vm-study: %s\n", msg);
        rc = 2;
    }
    if (rc) {
        mmu_repl_future_destroy(*fut);
        *fut = NULL;
        remove(cache);
    }
    return rc;
}

static double per_k(uint64_t a, uint64_t n)
{
    return n ? 1000.0 * (double)a / (double)n : 0.0;
}

static int study(study_t *sp);

int vm_study_main(int argc, char **argv)
{
    study_t s;
    memset(&s, 0, sizeof s);
    int rc = parse(&s, argc, argv);
    if (!rc)
        rc = study(&s);
    else if (rc == 1)
        rc = 0;
    for (unsigned t = 0; t < s.ntrace; t++)
        free(s.trace[t]);
    return rc;
}

static int study(study_t *sp)
{
    study_t s = *sp;
    int rc;
    mmu_config_t cfg;
    char msg[512];
    if (runlib_load_config(s.preset, s.config, &cfg, msg, sizeof msg)) {
        fprintf(stderr, "%s\n", msg);
        return 2;
    }
    char dir[PATH_MAX + 16], path[PATH_MAX + 64], tmp[PATH_MAX + 80];
    snprintf(dir, sizeof dir, "%s", s.out);
    for (char *q = dir + 1; *q; q++)
        if (*q == '/') {
            *q = '\0';
            mkdir(dir, 0777);
            *q = '/';
        }
    if (mkdir(dir, 0777) && errno != EEXIST) {
        fprintf(stderr, "mmusim vm-study: --out %s: %s\n", s.out, strerror(errno));
        return 2;
    }
    snprintf(path, sizeof path, "%s/vm_study.csv", s.out);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *csv = fopen(tmp, "w");
    if (!csv) {
        fprintf(stderr, "mmusim vm-study: cannot write %s: %s\n", tmp, strerror(errno));
        return 2;
    }
    fprintf(csv, "trace,mode,accesses,ws_pages,frames,mem_bytes,mem_share,policy,faults,"
                 "faults_per_1k,minor_faults,major_faults,swap_outs,swap_ins,clean_drops,"
                 "file_reads,thp_splits,cycles,cycles_vs_unlimited,io_wait_cycles,reclaim_cycles,"
                 "walks_per_1k,flush_young,preset\n");
    uint64_t *hist = calloc(RUNLIB_LAT_BUCKETS, sizeof *hist);
    row_t *rows = calloc((size_t)MAX_MEMS * MAX_POL, sizeof *rows);
    if (!hist || !rows) {
        fclose(csv);
        free(hist);
        free(rows);
        fputs("mmusim vm-study: out of memory\n", stderr);
        return 2;
    }
    const double t_all = runlib_now_s();
    int violated = 0;
    rc = 0;
    /* The policies this run compares, in column order (not every one known). */
    char names[128] = "";
    for (unsigned p = 0, at = 0; p < s.npol && at < sizeof names; p++)
        at += (unsigned)snprintf(names + at, sizeof names - at, "%s%s", p ? ", " : "",
                                 mmu_repl_get(s.pol[p])->name);
    int future = 0;
    for (unsigned p = 0; p < s.npol; p++)
        future |= (mmu_repl_get(s.pol[p])->flags & MMU_REPL_NEEDS_FUTURE) != 0;
    if (s.linux_mode)
        printf("mmusim vm-study: %s %s; mode linux: THP, page tables in memory, auto watermarks, "
               "kswapd, readahead 8, file pages as mapped, swap on %s; policies %s%s\n",
               s.preset ? "preset" : "config", s.preset ? s.preset : s.config,
               mmu_blkdev_name(s.swap_dev), names,
               future ? " (OPT left out: it is defined for pure demand paging)" : "");
    else
        printf("mmusim vm-study: %s %s; pure demand paging of 4 KiB pages (page tables outside the "
               "frames, no watermarks, kswapd, readahead or THP; one page reclaimed per fault); "
               "policies %s\n",
               s.preset ? "preset" : "config", s.preset ? s.preset : s.config, names);
    for (unsigned t = 0; t < s.ntrace && !rc; t++) {
        /* The offline pass: accesses, distinct pages, OPT's future. */
        mmu_repl_future_t *fut = NULL;
        double t0 = runlib_now_s();
        char cache[PATH_MAX + 96];
        snprintf(cache, sizeof cache, "%s/.%s.run.mtr", s.out, s.name[t]);
        if (!(s.cache[t] = strdup(cache)) || make_cache(s.trace[t], cache, s.max_accesses, &fut)) {
            fputs(s.cache[t] ? "" : "mmusim vm-study: out of memory\n", stderr);
            rc = 2;
            break;
        }
        uint64_t acc = mmu_repl_future_len(fut), ws = mmu_repl_future_pages(fut);
        char wsb[32];
        printf("\n%s: %" PRIu64 " accesses, working set %" PRIu64 " pages (%s); offline pass %.1f s\n",
               s.name[t], acc, ws, runlib_bytes_str(ws * 4096, wsb, sizeof wsb),
               runlib_now_s() - t0);
        for (unsigned flush = s.flush_lo; flush <= s.flush_hi && !rc; flush++) {
        row_t base = {0};
        if (s.linux_mode) {
            if ((rc = run_one(&s, &cfg, t, 0, s.pol[0], flush, NULL, ws, hist, &base)) != 0)
                break;
            printf("memory never short (4x the working set): %" PRIu64
                   " cycles, %.3f faults per 1000 accesses\n",
                   base.cycles, per_k(base.faults, base.counted));
        }
        printf("faults per 1000 accesses%s, A bits cleared %s\n%-8s %7s",
               s.linux_mode ? " (and cycles as a multiple of the run never short of memory)" : "",
               flush ? "with a TLB flush" : "without a flush (x86 Linux)", "memory", "frames");
        for (unsigned p = 0; p < s.npol; p++)
            printf(" %8s", mmu_repl_get(s.pol[p])->name);
        printf("\n");
        for (unsigned m = 0; m < s.nmem && !rc; m++) {
            uint64_t frames = s.frac[m] > 0 ? (uint64_t)((double)ws * s.frac[m] + 0.999999)
                                            : s.bytes[m] / 4096;
            if (frames < 1)
                frames = 1;
            if (s.linux_mode && frames < 64)
                frames = 64;
            char label[32];
            if (s.frac[m] > 0)
                snprintf(label, sizeof label, "%g%%", s.frac[m] * 100.0);
            else
                runlib_bytes_str(s.bytes[m], label, sizeof label);
            printf("%-8s %7" PRIu64, label, frames);
            fflush(stdout);
            uint64_t opt = UINT64_MAX;
            for (unsigned p = 0; p < s.npol && !rc; p++) {
                row_t *r = &rows[m * MAX_POL + p];
                memset(r, 0, sizeof *r);
                if (s.linux_mode && (mmu_repl_get(s.pol[p])->flags & MMU_REPL_NEEDS_FUTURE)) {
                    printf(" %8s", "-");
                    r->faults = UINT64_MAX;
                    continue;
                }
                if ((rc = run_one(&s, &cfg, t, frames, s.pol[p], flush, fut, ws, hist, r)) != 0)
                    break;
                if (mmu_repl_get(s.pol[p])->flags & MMU_REPL_NEEDS_FUTURE)
                    opt = r->faults;
                printf(" %8.3f", per_k(r->faults, r->counted));
                fflush(stdout);
                fprintf(csv,
                        "%s,%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.4f,%s,%" PRIu64
                        ",%.4f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
                        ",%" PRIu64 ",%" PRIu64 ",%.4f,%" PRIu64 ",%" PRIu64 ",%.4f,%u,%s\n",
                        s.name[t], s.linux_mode ? "linux" : "pure", r->counted, ws, frames,
                        frames * 4096, (double)frames / (double)ws, mmu_repl_get(s.pol[p])->name,
                        r->faults, per_k(r->faults, r->counted), r->minor, r->major, r->swap_outs,
                        r->swap_ins, r->clean_drops, r->file_reads, r->thp_splits, r->cycles,
                        base.cycles ? (double)r->cycles / (double)base.cycles : 0.0, r->io_wait,
                        r->reclaim_cycles, per_k(r->walks, r->counted), flush,
                        s.preset ? s.preset : s.config);
            }
            if (s.linux_mode && !rc) {
                printf("\n%-8s %7s", "", "x");
                for (unsigned p = 0; p < s.npol; p++) {
                    const row_t *r = &rows[m * MAX_POL + p];
                    if (r->faults == UINT64_MAX)
                        printf(" %8s", "-");
                    else
                        printf(" %8.2f", base.cycles ? (double)r->cycles / (double)base.cycles : 0.0);
                }
            }
            for (unsigned p = 0; p < s.npol && !rc && opt != UINT64_MAX; p++)
                if (rows[m * MAX_POL + p].faults < opt) {
                    fprintf(stderr, "mmusim vm-study: %s at %" PRIu64 " frames (flush %u): %s took %" PRIu64
                                    " faults, fewer than OPT's %" PRIu64 "\n",
                            s.name[t], frames, flush, mmu_repl_get(s.pol[p])->name,
                            rows[m * MAX_POL + p].faults, opt);
                    violated = 1;
                }
            printf("\n");
        }
        }
        mmu_repl_future_destroy(fut);
        remove(s.cache[t]);
        free(s.cache[t]);
        s.cache[t] = NULL;
    }
    for (unsigned t = 0; t < s.ntrace; t++)
        if (s.cache[t]) {
            remove(s.cache[t]);
            free(s.cache[t]);
        }
    free(hist);
    free(rows);
    if (fclose(csv) || rc) {
        remove(tmp);
        if (!rc)
            fprintf(stderr, "mmusim vm-study: cannot write %s\n", tmp);
        return 2;
    }
    if (rename(tmp, path)) {
        fprintf(stderr, "mmusim vm-study: cannot write %s: %s\n", path, strerror(errno));
        return 2;
    }
    if (!s.linux_mode)
        printf("\nOPT the lower bound in every row: %s.", violated ? "NO" : "yes");
    printf("\n%s written in %.1f s\n", path, runlib_now_s() - t_all);
    return violated ? 1 : 0;
}
