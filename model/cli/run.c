/* SPDX-License-Identifier: Apache-2.0 */
/* `mmusim run`: one configuration, one synthetic workload, the statistics.
 * The working set is mapped up front with the chosen page size (A/D clear, as
 * after an OS maps it), then the stream is translated access by access, each
 * issued when the previous one completes plus --gap cycles (a dependent,
 * in-order stream; --gap 0 is a pointer chase's timing). Memory use does not
 * depend on the number of accesses. */
#include "run.h"

#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mmu/mmu.h"
#include "mmu/mmu_mem.h"
#include "mmu/mmu_stats.h"
#include "aspace.h"
#include "cli_opt.h"
#include "cli_out.h"
#include "coverage_file.h"
#include "osrun.h"
#include "runlib.h"
#include "synth.h"
#include "trace.h"

typedef struct run_opts {
    const char *preset, *config, *workload, *json;
    const char *trace;               /* --trace FILE [--format F] */
    unsigned format;                 /* index in FORMATS; 4: detect */
    uint64_t warmup, gap, interval;
    uint64_t warmup_records, records; /* traces: by input record */
    uint64_t stats_every;             /* --stats-every N accesses into --stats-file */
    const char *stats_file;
    const char *coverage; /* --coverage FILE */
    const char *lat_csv;              /* --latency-csv FILE: the latency histograms */
    unsigned levels;
    mmu_aspace_cfg_t as;             /* --policy --frames --procs --switch --pcid --kpti */
    bool kpti;
    osrun_opts_t os;                 /* --mem --swap --reclaim ... (osrun.h) */
} run_opts_t;

static const char *const FORMATS[] = {"native", "text", "lackey", "champsim"};

/* Reach of a TLB level: sum over its arrays of entries x largest page held. */
static void print_reach(FILE *f, const char *lvl, const mmu_tlb_cfg_t *t)
{
    fprintf(f, "  %-3s", lvl);
    for (int i = 0; i < MMU_TLB_ARRAYS; i++) {
        const mmu_array_cfg_t *a = &t->arr[i];
        if (!a->entries)
            continue;
        for (unsigned s = 0; s < 3; s++)
            if (a->sizes & (1u << s)) {
                char b[32];
                fprintf(f, "  %s x%u = %s", runlib_size_name(s), a->entries,
                        runlib_bytes_str((uint64_t)a->entries << (12 + 9 * s), b, sizeof b));
            }
    }
    fputc('\n', f);
}

static int parse_args(int argc, char **argv, run_opts_t *o)
{
    o->levels = 4;
    o->format = 4;
    mmu_aspace_cfg_init(&o->as);
    osrun_defaults(&o->as);
    o->as.pcid = 1;
    const cli_opt_t opts[] = {
        {"preset", CLI_STR, &o->preset, "NAME", "a built-in CPU ('mmusim presets')", 0, 0, NULL},
        {"config", CLI_STR, &o->config, "FILE", "a config file ('mmusim config')", 0, 0, NULL},
        {"workload", CLI_STR, &o->workload, "SPEC", "a synthetic stream (below)", 0, 0, NULL},
        {"trace", CLI_STR, &o->trace, "FILE", "a trace (.xz/.gz read directly)", 0, 0, NULL},
        {"format", CLI_CHOICE, &o->format, "F", "the trace's format (default: detected)", 0, 0,
         "native|text|lackey|champsim"},
        {"json", CLI_STR, &o->json, "FILE", "also write the results as JSON", 0, 0, NULL},
        {"warmup", CLI_COUNT, &o->warmup, "N", "the first N accesses are not counted", 0, 0,
         NULL},
        {"gap", CLI_U64, &o->gap, "CYCLES",
         "workloads: issue each access CYCLES after the previous\none completes (default 0)",
         0, RUNLIB_CYCLE_LIMIT, NULL},
        {"interval", CLI_U64, &o->interval, "CYCLES",
         "workloads: issue one access every CYCLES instead, so\n"
         "misses overlap (walkers, walks in flight)",
         1, RUNLIB_CYCLE_LIMIT, NULL},
        {"levels", CLI_UINT, &o->levels, "4|5", "paging levels (default 4)", 4, 5, NULL},
        {"policy", CLI_CHOICE, &o->as.policy, "P",
         "traces: pages mapped on first touch as 4k, thp\n(default), 1g or mixed", 0, 0,
         "4k|thp|1g|mixed"},
        {"frames", CLI_CHOICE, &o->as.frames_mode, "F",
         "traces: physical frames contiguous (default) or\nfragmented", 0, 0,
         "contiguous|fragmented"},
        {"procs", CLI_UINT, &o->as.nproc, "N", "traces: processes (default 1)", 1, 2047, NULL},
        {"switch", CLI_U64, &o->as.switch_every, "ACCESSES",
         "traces: switch process every ACCESSES (default 0: never)", 0, 0, NULL},
        {"pcid", CLI_CHOICE, &o->as.pcid, "on|off", "traces: PCIDs (default on)", 0, 0,
         "off|on"},
        {"kpti", CLI_FLAG, &o->kpti, NULL, "traces: separate user and kernel page tables", 0, 0,
         NULL},
        {"warmup-records", CLI_COUNT, &o->warmup_records, "N",
         "traces: the first N records of the input format (a\n"
         "ChampSim instruction, a lackey line) are warm-up",
         1, 0, NULL},
        {"records", CLI_COUNT, &o->records, "N", "traces: stop after N records of the input format",
         1, 0, NULL},
        {"stats-every", CLI_COUNT, &o->stats_every, "N",
         "the counters of every N accesses as one row of\n"
         "--stats-file (warm-up included and marked)",
         1, 0, NULL},
        {"stats-file", CLI_STR, &o->stats_file, "FILE",
         "where --stats-every rows go: CSV when FILE ends in .csv,\nelse JSON lines", 0, 0,
         NULL},
        {"coverage", CLI_STR, &o->coverage, "FILE",
         "write the functional coverage (warm-up included) to\nFILE (JSON; 'mmusim coverage')",
         0, 0, NULL},
        {"latency-csv", CLI_STR, &o->lat_csv, "FILE",
         "the measured accesses' latency histogram, one row per\n"
         "latency in cycles (and ns at the configuration's\nfrequency_mhz)", 0, 0, NULL},
        {NULL, CLI_FLAG, NULL, NULL, NULL, 0, 0, NULL},
    };
    bool seen[sizeof opts / sizeof opts[0]];
    const cli_cmd_t cmd = {
        .name = "run",
        .synopsis = "(--preset NAME | --config FILE)\n"
                    "                  (--workload SPEC | --trace FILE) [OPTIONS]",
        .about = "Runs a synthetic workload or a trace through one configuration and prints\n"
        "the latency and the TLB, walk and fault statistics.\n",
        .notes = "SPEC: KIND[:key=value,...], KIND = seq | stride | random | zipf | chase,\n"
        "  or a kernel: gups | pagerank | spmv | hashjoin | hashprobe | btree;\n"
        "  keys ws= n= seed= page=4k|2m|1g base= writes= fetch= stride= s= elem=,\n"
        "  kernels' deg= skew= band= load= ratio= hit= fanout= start=;\n"
        "  how it is issued and mapped: chains= lockstep= pretouch= scatter=\n"
        "  (workloads/README.md). Example: random:ws=64g,page=4k,n=10m,seed=1\n"
        "A workload's working set is mapped up front; a trace's pages are mapped on\n"
        "first touch, and it is issued closed loop. With the workload key chains=N,\n"
        "N dependent chains are in flight together. Exit 0, or 2 on bad input.\n",
        .opts = opts,
        .seen = seen};
    /* The OS model's options (memory pressure) have their own parser, shared
     * with vm-study: take them out first, then the rest goes to cli_parse. */
    char **rest = malloc(((size_t)argc + 1) * sizeof *rest);
    if (!rest) {
        cli_error("run", "out of memory");
        return 2;
    }
    int nrest = 0;
    for (int i = 0; i < argc; i++) {
        if (i && !strcmp(argv[i], "--")) { /* the rest is not options */
            while (i < argc)
                rest[nrest++] = argv[i++];
            break;
        }
        const int os_rc = i ? osrun_parse("mmusim run", argc, argv, &i, &o->os, &o->as) : 0;
        if (os_rc == 2) {
            free(rest);
            return 2;
        }
        if (os_rc == 0)
            rest[nrest++] = argv[i];
    }
    rest[nrest] = NULL;
    int rc = cli_parse(&cmd, nrest, rest, NULL);
    free(rest);
    if (rc == 1)
        osrun_usage(stdout);
    if (rc)
        return rc;
    o->as.kpti = o->kpti;
    if (!o->workload == !o->trace) {
        cli_error("run", "need one of --workload SPEC and --trace FILE");
        return 2;
    }
    if (!o->preset == !o->config) {
        cli_error("run", "need one of --preset NAME and --config FILE");
        return 2;
    }
    if (o->interval && o->gap) {
        cli_error("run", "--gap and --interval exclude each other");
        return 2;
    }
    if (o->warmup_records && o->warmup) {
        cli_error("run", "--warmup and --warmup-records exclude each other");
        return 2;
    }
    if (!o->stats_every != !o->stats_file) {
        cli_error("run", "--stats-every N and --stats-file FILE go together");
        return 2;
    }
    if (o->workload && (o->warmup_records || o->records)) {
        cli_error("run", "--%s counts trace records: it needs --trace",
                  o->warmup_records ? "warmup-records" : "records");
        return 2;
    }
    /* Options of the other driver would be silently ignored: refuse them. */
    static const char *const TRACE_ONLY[] = {"format", "policy", "frames", "procs",
                                             "switch", "pcid", "kpti"};
    for (size_t k = 0; o->workload && k < sizeof TRACE_ONLY / sizeof *TRACE_ONLY; k++)
        if (cli_given(&cmd, TRACE_ONLY[k])) {
            cli_error("run", "--%s applies to --trace only", TRACE_ONLY[k]);
            return 2;
        }
    if (o->trace && (cli_given(&cmd, "gap") || cli_given(&cmd, "interval"))) {
        cli_error("run", "--%s applies to --workload only (a trace is issued closed loop)",
                  cli_given(&cmd, "gap") ? "gap" : "interval");
        return 2;
    }
    if (o->workload && (o->os.mem_set || o->os.pressure_opts || o->os.series_csv)) {
        fputs("mmusim run: memory pressure (--mem, --swap, ...) needs --trace: a synthetic "
              "workload is mapped up front\n",
              stderr);
        return 2;
    }
    return 0;
}

/* A JSON integer; counters and cycles stay far below 2^63 (cycles are
 * bounded by RUNLIB_CYCLE_LIMIT), so json_int_t holds them exactly. */
static json_t *jint(uint64_t v)
{
    return v <= INT64_MAX ? json_integer((json_int_t)v) : json_real((double)v);
}

/* --json FILE: the run's numbers as one JSON document (Jansson escapes the
 * strings: paths and specs may hold quotes or backslashes), written to a
 * temporary file renamed on success. */
/* osrun_json's members ("memory", "processes", "events", "series") into doc:
 * 0, or -1 when they could not be built. */
static int add_os_json(json_t *doc, const mmu_aspace_t *os, const mmu_aspace_cfg_t *ac,
                       const osrun_opts_t *oo)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return -1;
    fputc('{', m);
    osrun_json(m, os, ac, oo);
    fputs("\"end\": 0}", m);
    if (fclose(m)) {
        free(buf);
        return -1;
    }
    json_error_t err;
    json_t *members = json_loads(buf, 0, &err);
    free(buf);
    if (!members)
        return -1;
    json_object_del(members, "end");
    json_object_update(doc, members);
    json_decref(members);
    return 0;
}

static int write_json(const run_opts_t *o, const char *what, const runlib_acc_t *a,
                      const uint64_t pct[3], const mmu_stats_t *st,
                      const mmu_aspace_stats_t *as, const mmu_aspace_t *osm,
                      const mmu_aspace_cfg_t *ac)
{
    json_t *doc = json_object(), *lat = json_object(), *stats = json_object();
    json_object_set_new(doc, o->preset ? "preset" : "config",
                        json_string(o->preset ? o->preset : o->config));
    json_object_set_new(doc, "workload", json_string(what));
    json_object_set_new(doc, "levels", json_integer(o->levels));
    json_object_set_new(doc, "accesses", jint(a->n));
    json_object_set_new(doc, "counted", jint(a->counted));
    json_object_set_new(lat, "mean", json_real(a->counted ? (double)a->lat_sum /
                                                            (double)a->counted : 0.0));
    json_object_set_new(lat, "sum", jint(a->lat_sum));
    json_object_set_new(lat, "p50", jint(pct[0]));
    json_object_set_new(lat, "p90", jint(pct[1]));
    json_object_set_new(lat, "p99", jint(pct[2]));
    json_object_set_new(lat, "max", jint(a->lat_max));
    json_object_set_new(doc, "latency", lat);
    if (as) {
        json_t *os = json_object();
#define RUN__AS_JSON(name) json_object_set_new(os, #name, jint(as->name));
        MMU_ASPACE_STATS_MAP(RUN__AS_JSON)
#undef RUN__AS_JSON
        json_object_set_new(doc, "os", os);
        if (osm && add_os_json(doc, osm, ac, &o->os)) {
            cli_error("run", "--json %s: out of memory", o->json);
            json_decref(doc);
            return 2;
        }
    }
    for (unsigned i = 0; i < mmu_stats_count(); i++)
        json_object_set_new(stats, mmu_stats_name(i), jint(mmu_stats_get(st, i)));
    json_object_set_new(doc, "stats", stats);

    char msg[PATH_MAX + 128];
    cli_out_t out;
    int rc = 0;
    if (cli_out_open(&out, o->json, msg, sizeof msg) ||
        json_dumpf(doc, out.f, JSON_INDENT(1) | JSON_REAL_PRECISION(15)) != 0 ||
        fputc('\n', out.f) == EOF || cli_out_commit(&out, msg, sizeof msg)) {
        if (out.f) /* the dump or the newline failed */
            snprintf(msg, sizeof msg, "%s: write error", o->json);
        cli_out_abort(&out);
        cli_error("run", "--json %s", msg);
        rc = 2;
    }
    json_decref(doc);
    return rc;
}

/* The report common to both drivers; `what` names the workload. Every
 * number comes from one set of counters taken over the measured accesses:
 * the headline rates are the table's counts per 1000 of those accesses. */
/* The same figures in ns at cfg->frequency_mhz (nothing when it is not set). */
static void print_ns(const mmu_config_t *cfg, const char *what, double mean, uint64_t p50,
                     uint64_t p90, uint64_t p99, uint64_t max)
{
    if (!cfg->frequency_mhz)
        return;
    const double k = 1000.0 / (double)cfg->frequency_mhz;
    printf("%s (ns at %u MHz): mean %.2f, p50 %.2f, p90 %.2f, p99 %.2f, max %.2f\n", what,
           cfg->frequency_mhz, mean * k, (double)p50 * k, (double)p90 * k, (double)p99 * k,
           (double)max * k);
}

/* --latency-csv: one row per latency (cycles) that some measured access had:
 * how many translations took that long, and how many whole accesses
 * (translation + data line) did; ns at the configured frequency. Written to
 * FILE.tmp, then renamed. */
static int write_lat_csv(const char *path, const mmu_config_t *cfg, const runlib_acc_t *a)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        fprintf(stderr, "mmusim run: --latency-csv %s: path too long\n", path);
        return 2;
    }
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "mmusim run: cannot write %s\n", tmp);
        return 2;
    }
    const bool data = cfg->data_lines && !cfg->memlat_cb;
    fprintf(f, "cycles,ns,translations%s\n", data ? ",accesses" : "");
    for (uint64_t i = 0; i < RUNLIB_LAT_BUCKETS; i++) {
        const uint64_t t = a->hist[i], l = data && a->load_hist ? a->load_hist[i] : 0;
        if (!t && !l)
            continue;
        /* The last row holds every longer latency too. */
        fprintf(f, "%" PRIu64 "%s,", i, i == RUNLIB_LAT_BUCKETS - 1 ? "+" : "");
        if (cfg->frequency_mhz)
            fprintf(f, "%.3f", (double)i * 1000.0 / (double)cfg->frequency_mhz);
        fprintf(f, ",%" PRIu64, t);
        if (data)
            fprintf(f, ",%" PRIu64, l);
        fputc('\n', f);
    }
    if (ferror(f) | fclose(f) || rename(tmp, path)) {
        fprintf(stderr, "mmusim run: cannot write %s\n", path);
        remove(tmp);
        return 2;
    }
    return 0;
}

static int report(const run_opts_t *o, const mmu_config_t *cfg, mmu_t *mmu, runlib_acc_t *a,
                  const char *what, const char *setup, double t_run, double cpu_run,
                  const mmu_aspace_t *os, const mmu_aspace_cfg_t *ac)
{
    mmu_stats_t st;
    mmu_aspace_stats_t ast;
    runlib_acc_stats(a, mmu, &st, &ast);
    printf("mmusim run: %s %s, %s, %u-level paging\n", o->preset ? "preset" : "config",
           o->preset ? o->preset : o->config, what, o->levels);
    const uint64_t warm = a->n - a->counted;
    printf("%s; %" PRIu64 " accesses (%" PRIu64 " measured after %" PRIu64
           " of warm-up) in %.2f s wall, %.2f s CPU (%.2f M accesses/s); %" PRIu64
           " cycles (%" PRIu64 " measured)\n",
           setup, a->n, a->counted, warm, t_run, cpu_run,
           t_run > 0 ? (double)a->n / t_run / 1e6 : 0.0, a->last_done,
           a->counted ? a->last_done - a->warm_cycle : 0);
    if (!a->counted) {
        fprintf(stderr,
                "mmusim run: nothing measured: the run ended after %" PRIu64
                " accesses, all of them warm-up\n",
                a->n);
        return 2;
    }
    printf("TLB reach:\n");
    print_reach(stdout, "L1I", &cfg->l1i);
    print_reach(stdout, "L1D", &cfg->l1d);
    print_reach(stdout, "L2", &cfg->l2);
    const double mean = (double)a->lat_sum / (double)a->counted;
    const uint64_t p50 = runlib_percentile(a->hist, a->counted, 0.5),
                   p90 = runlib_percentile(a->hist, a->counted, 0.9),
                   p99 = runlib_percentile(a->hist, a->counted, 0.99);
    printf("translation latency (cycles): mean %.2f, p50 %" PRIu64 ", p90 %" PRIu64
           ", p99 %" PRIu64 ", max %" PRIu64 "\n",
           mean, p50, p90, p99, a->lat_max);
    print_ns(cfg, "translation latency", mean, p50, p90, p99, a->lat_max);
    if (cfg->data_lines && !cfg->memlat_cb && a->load_hist) {
        /* The whole access: its translation, then its data line. */
        const double lm = (double)a->load_sum / (double)a->counted;
        const uint64_t l50 = runlib_percentile(a->load_hist, a->counted, 0.5),
                       l90 = runlib_percentile(a->load_hist, a->counted, 0.9),
                       l99 = runlib_percentile(a->load_hist, a->counted, 0.99);
        printf("access latency, translation + data line (cycles): mean %.2f, p50 %" PRIu64
               ", p90 %" PRIu64 ", p99 %" PRIu64 ", max %" PRIu64 "\n",
               lm, l50, l90, l99, a->load_max);
        print_ns(cfg, "access latency, translation + data line", lm, l50, l90, l99, a->load_max);
    }
    const double k = 1000.0 / (double)a->counted;
    const uint64_t pf = st.faults_pf_not_present + st.faults_pf_rsvd + st.faults_pf_prot;
    printf("per 1000 accesses: L1 misses %.2f, L2 misses %.2f, walks %.2f (miss %.2f, "
           "fault-retry %.2f, D-assist %.2f, re-walk %.2f), #PF %.2f\n",
           (double)(st.l1i_misses + st.l1d_misses) * k, (double)st.l2_misses * k,
           (double)st.walks * k, (double)st.walks_miss * k, (double)st.walks_retry * k,
           (double)st.d_assists * k, (double)st.walks_rewalk * k, (double)pf * k);
    mmu_stats_print(stdout, &st, cfg);
    if (a->as) {
        printf("operating system:");
#define RUN__AS_PRINT(name) printf(" %s=%" PRIu64, #name, ast.name);
        MMU_ASPACE_STATS_MAP(RUN__AS_PRINT)
#undef RUN__AS_PRINT
        printf("\n");
        osrun_report(stdout, os, ac, &o->os, &ast, a->counted, a->last_done - a->warm_cycle);
    }
    if (o->os.series_csv && os && osrun_series_csv("mmusim run", o->os.series_csv, os))
        return 2;
    if (!o->json)
        return 0;
    const uint64_t pct[3] = {p50, p90, p99};
    return write_json(o, what, a, pct, &st, a->as ? &ast : NULL, os, ac);
}

static int load_config(const run_opts_t *o, mmu_config_t *cfg)
{
    char msg[512];
    if (runlib_load_config(o->preset, o->config, cfg, msg, sizeof msg)) {
        cli_error("run", "%s", msg);
        return 2;
    }
    return 0;
}

/* A progress line on stderr, rewritten in place, once a run has taken a
 * second -- only when stderr is a terminal, so logs and tests stay clean. */
typedef struct progress {
    double t0, last;
    uint64_t total;  /* accesses in the run; 0 unknown (a trace) */
    const mmu_trace_reader_t *tr;
    bool shown;
} progress_t;

static void progress_note(void *ctx, const runlib_acc_t *a)
{
    progress_t *p = ctx;
    const double now = runlib_now_s();
    if (now - p->t0 < 1.0 || now - p->last < 0.25)
        return;
    p->last = now;
    p->shown = true;
    if (p->tr)
        fprintf(stderr, "\rmmusim run: %.1f M records, %.1f M accesses in %.0f s (%.2f M/s) ",
                (double)mmu_trace_records(p->tr) / 1e6, (double)a->n / 1e6, now - p->t0,
                (double)a->n / (now - p->t0) / 1e6);
    else
        fprintf(stderr, "\rmmusim run: %.1f of %.1f M accesses (%.0f%%) in %.0f s ",
                (double)a->n / 1e6, (double)p->total / 1e6,
                100.0 * (double)a->n / (double)p->total, now - p->t0);
    fflush(stderr);
}

static void progress_start(progress_t *p, runlib_acc_t *a, uint64_t total,
                           const mmu_trace_reader_t *tr)
{
    *p = (progress_t){runlib_now_s(), 0, total, tr, false};
    if (isatty(STDERR_FILENO)) {
        a->progress = progress_note;
        a->progress_ctx = p;
    }
}

static void progress_end(const progress_t *p)
{
    if (p->shown)
        fputs("\r\033[K", stderr); /* erase the line */
}

/* A trace: pages are mapped on first touch by the address-space driver, which
 * also plays the processes, PCIDs and KPTI. A malformed record stops the run
 * with its position, after the statistics of everything before it. */
static int run_trace(run_opts_t *o)
{
    mmu_config_t cfg;
    if (load_config(o, &cfg))
        return 2;
    mmu_aspace_cfg_t ac = o->as;
    ac.levels = o->levels;
    /* The OS costs in cycles at the configuration's core frequency (4000 MHz
     * when it has none). */
    if (osrun_finish("mmusim run", &o->os, &ac, cfg.frequency_mhz))
        return 2;
    char msg[512];
    mmu_repl_future_t *future = NULL;
    if (ac.mem_bytes && (mmu_repl_get(ac.repl)->flags & MMU_REPL_NEEDS_FUTURE)) {
        /* OPT: the offline pass over the same trace first. */
        if (osrun_future(o->trace, o->format < 4 ? FORMATS[o->format] : NULL, 0, &future, msg, sizeof msg)) {
            fprintf(stderr, "mmusim run: %s\n", msg);
            return 2;
        }
        ac.future = future;
    }
    mmu_trace_reader_t *tr = NULL;
    if (mmu_trace_open(o->trace, o->format < 4 ? FORMATS[o->format] : NULL, &tr, msg,
                       sizeof msg)) {
        cli_error("run", "%s", msg);
        mmu_repl_future_destroy(future);
        return 2;
    }
    runlib_as_t x = {0};
    runlib_acc_t a = {0};
    mmu_cov_t *cov = NULL;
    int rc = 2, bad = 0;
    a.warmup = o->warmup;
    if (!(a.hist = calloc(RUNLIB_LAT_BUCKETS, sizeof *a.hist)) ||
        !(a.load_hist = calloc(RUNLIB_LAT_BUCKETS, sizeof *a.load_hist))) {
        cli_error("run", "out of memory");
        goto out;
    }
    if (runlib_as_create(&x, &cfg, &ac, msg, sizeof msg)) {
        cli_error("run", "%s", msg);
        goto out;
    }
    mmu_t *mmu = x.mmu;
    mmu_aspace_t *as = x.as;
    if (covfile_start(mmu, o->coverage, &cov, msg, sizeof msg)) {
        cli_error("run", "%s", msg);
        goto out;
    }
    if (runlib_rows_open(&a.rows, o->stats_file, o->stats_every, msg, sizeof msg)) {
        cli_error("run", "%s", msg);
        goto out;
    }
    const double t0 = runlib_now_s(), c0 = runlib_cpu_s();
    const runlib_trace_lim_t lim = {0, o->records, o->warmup_records};
    progress_t prog;
    progress_start(&prog, &a, 0, tr);
    const int r = runlib_trace_drive(as, mmu, tr, &a, &lim, msg, sizeof msg);
    progress_end(&prog);
    if (r == -1) {
        cli_error("run", "%s", msg);
        bad = 1;
    }
    const double t_run = runlib_now_s() - t0, cpu_run = runlib_cpu_s() - c0;
    if (runlib_rows_close(&a, mmu)) {
        cli_error("run", "--stats-file %s: write error", o->stats_file);
        bad = 1;
    }
    static const char *const POL[] = {"4k", "thp", "1g", "mixed"};
    char what[512], setup[256];
    snprintf(what, sizeof what, "trace %s (%s: %" PRIu64 " records read, %" PRIu64 " accesses)",
             o->trace, mmu_trace_format(tr), mmu_trace_input_records(tr), a.n);
    snprintf(setup, sizeof setup,
             "demand paging, policy %s, %s frames, %u process%s, switch every %" PRIu64
             ", PCIDs %s, KPTI %s",
             POL[ac.policy & 3], ac.frames_mode ? "fragmented" : "contiguous", ac.nproc,
             ac.nproc == 1 ? "" : "es", ac.switch_every, ac.pcid ? "on" : "off",
             ac.kpti ? "on" : "off");
    rc = report(o, &cfg, mmu, &a, what, setup, t_run, cpu_run, as, &ac);
    /* Like the statistics, the histogram covers whatever ran before a bad record. */
    if (!rc && o->lat_csv && write_lat_csv(o->lat_csv, &cfg, &a))
        rc = 2;
    if (r == 2)
        fprintf(stderr, "mmusim run: the run stopped at record %" PRIu64 ": %s\n",
                mmu_trace_records(tr), mmu_aspace_stop_reason(as));
    if (r == 1) {
        /* After the statistics so far, as promised: where the trace went bad. */
        cli_error("run", "%s", mmu_trace_error(tr));
        bad = 1;
    }
    if (bad)
        rc = 2;
out:
    if (covfile_finish(x.mmu, cov, o->coverage, msg, sizeof msg)) {
        cli_error("run", "%s", msg);
        rc = 2;
    }
    cli_out_abort(&a.rows.out); /* after a failure; a no-op once closed */
    runlib_as_free(&x);
    mmu_trace_close(tr);
    mmu_repl_future_destroy(future);
    free(a.hist);
    free(a.load_hist);
    return rc;
}

int run_main(int argc, char **argv)
{
    run_opts_t o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (o.trace)
        return run_trace(&o);

    char msg[512];
    mmu_config_t cfg;
    if (load_config(&o, &cfg))
        return 2;
    mmu_synth_cfg_t wcfg;
    if (mmu_synth_parse(o.workload, &wcfg, msg, sizeof msg) != 0) {
        cli_error("run", "%s", msg);
        return 2;
    }
    /* Issue times grow by at least --interval or --gap per access: refuse a
     * run whose clock would pass the limit before it starts. */
    const uint64_t step = o.interval ? o.interval : o.gap;
    if (wcfg.n > 1 && step > (RUNLIB_CYCLE_LIMIT - 1) / (wcfg.n - 1)) {
        cli_error("run",
                  "--%s %" PRIu64 ": %" PRIu64 " accesses that far apart would take the "
                  "model's clock past 2^62 cycles; at most %" PRIu64 " for this run",
                  o.interval ? "interval" : "gap", step, wcfg.n,
                  (RUNLIB_CYCLE_LIMIT - 1) / (wcfg.n - 1));
        return 2;
    }
    char spec[MMU_SYNTH_SPEC_MAX];
    mmu_synth_format(&wcfg, spec, sizeof spec);

    /* The working set and its page tables must fit below MAXPHYADDR. */
    const unsigned ps = wcfg.page_size;
    const uint64_t mapped = mmu_synth_mapped(&wcfg); /* ws up to whole pages */
    if (wcfg.chains > 1 && o.interval) {
        cli_error("run", "--interval issues at a fixed rate, one access at a time: it "
                         "excludes the workload's chains");
        return 2;
    }
    if (runlib_ws_fits(&cfg, mapped, ps, o.levels, msg, sizeof msg)) {
        cli_error("run", "%s", msg);
        return 2;
    }

    if (o.warmup >= wcfg.n) {
        cli_error("run",
                  "--warmup %" PRIu64 ": must be less than the workload's %" PRIu64
                  " accesses, or nothing is measured",
                  o.warmup, wcfg.n);
        return 2;
    }
    runlib_ws_t w = {0};
    runlib_acc_t a = {0};
    mmu_cov_t *cov = NULL;
    int e = 0;
    rc = 2;
    a.warmup = o.warmup;
    if (!(a.hist = calloc(RUNLIB_LAT_BUCKETS, sizeof *a.hist)) ||
        !(a.load_hist = calloc(RUNLIB_LAT_BUCKETS, sizeof *a.load_hist))) {
        cli_error("run", "out of memory");
        goto out;
    }
    /* Before the mapping, which can take a while: a bad --stats-file fails now. */
    if (runlib_rows_open(&a.rows, o.stats_file, o.stats_every, msg, sizeof msg)) {
        cli_error("run", "%s", msg);
        goto out;
    }
    double t0 = runlib_now_s();
    char wsb[32];
    runlib_bytes_str(mapped, wsb, sizeof wsb);
    fprintf(stderr, "run: mapping %s with %s pages...\n", wsb, runlib_size_name(ps));
    w.pretouch = (int)wcfg.pretouch;
    w.scatter = (int)wcfg.scatter;
    if (runlib_ws_map(&w, &cfg, wcfg.base, mapped, ps, o.levels, msg, sizeof msg)) {
        cli_error("run", "%s", msg);
        goto out;
    }
    const double t_map = runlib_now_s() - t0;
    if (covfile_start(w.mmu, o.coverage, &cov, msg, sizeof msg)) {
        cli_error("run", "%s", msg);
        goto out;
    }

    mmu_synth_t gen;
    mmu_synth_init(&gen, &wcfg);
    uint64_t la = 0;
    t0 = runlib_now_s();
    const double c0 = runlib_cpu_s();
    progress_t prog;
    progress_start(&prog, &a, wcfg.n, NULL);
    e = runlib_synth_drive(w.mmu, &gen, &a, o.gap, o.interval, &la);
    progress_end(&prog);
    if (e) /* the statistics so far are still printed */
        cli_error("run", "access %" PRIu64 " (0x%" PRIx64 "): %s", a.n + 1, la,
                  e == RUNLIB_ECLOCK ? "the model's clock would pass 2^63 cycles"
                                     : mmu_strerror(e));
    const double t_run = runlib_now_s() - t0, cpu_run = runlib_cpu_s() - c0;
    if (runlib_rows_close(&a, w.mmu)) {
        cli_error("run", "--stats-file %s: write error", o.stats_file);
        e = 1;
    }
    char what[MMU_SYNTH_SPEC_MAX + 16], setup[128];
    snprintf(what, sizeof what, "workload %s", spec);
    snprintf(setup, sizeof setup, "mapped %s with %s pages%s%s in %.2f s", wsb,
             runlib_size_name(ps), wcfg.pretouch ? " (A/D set)" : "",
             wcfg.scatter ? " (frames scattered)" : "", t_map);
    rc = report(&o, &cfg, w.mmu, &a, what, setup, t_run, cpu_run, NULL, NULL);
    if (!rc && o.lat_csv && write_lat_csv(o.lat_csv, &cfg, &a))
        rc = 2;
    if (e)
        rc = 2;
out:
    if (covfile_finish(w.mmu, cov, o.coverage, msg, sizeof msg)) {
        cli_error("run", "%s", msg);
        rc = 2;
    }
    cli_out_abort(&a.rows.out); /* after a failure; a no-op once closed */
    free(a.hist);
    free(a.load_hist);
    runlib_ws_free(&w);
    return rc;
}
