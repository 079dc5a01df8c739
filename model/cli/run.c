/* `mmusim run`: one configuration, one synthetic workload, the statistics.
 * The working set is mapped up front with the chosen page size (A/D clear, as
 * after an OS maps it), then the stream is translated access by access, each
 * issued when the previous one completes plus --gap cycles (a dependent,
 * in-order stream; --gap 0 is a pointer chase's timing). Memory use does not
 * depend on the number of accesses. */
#include "run.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/mmu.h"
#include "mmu/mmu_mem.h"
#include "mmu/mmu_stats.h"
#include "aspace.h"
#include "runlib.h"
#include "scenario.h"
#include "synth.h"
#include "trace.h"

typedef struct run_opts {
    const char *preset, *config, *workload, *json;
    const char *trace, *format;      /* --trace FILE [--format F] */
    uint64_t warmup, gap, interval;
    uint64_t warmup_records, records; /* traces: by input record */
    uint64_t stats_every;             /* --stats-every N accesses into --stats-file */
    const char *stats_file;
    unsigned levels;
    mmu_aspace_cfg_t as;             /* --policy --frames --procs --switch --pcid --kpti */
} run_opts_t;

static void usage(FILE *f)
{
    fputs("usage: mmusim run (--preset NAME | --config FILE) (--workload SPEC | --trace FILE)\n"
          "                  [--json FILE] [--warmup N] [--gap CYCLES | --interval CYCLES]\n"
          "                  [--levels 4|5]\n"
          "  SPEC: KIND[:key=value,...], KIND = seq | stride | random | zipf | chase;\n"
          "  keys ws= n= seed= page=4k|2m|1g base= writes= fetch= stride= s= elem=\n"
          "  (see workloads/README.md). Example: random:ws=64g,page=4k,n=10m,seed=1\n"
          "  --trace FILE [--format native|text|lackey|champsim] (detected by default)\n"
          "    pages are mapped on first touch: --policy 4k|thp|1g|mixed (thp),\n"
          "    --frames contiguous|fragmented, --procs N --switch ACCESSES (1, 0),\n"
          "    --pcid on|off (on), --kpti (off). .xz and .gz traces are read directly.\n"
          "  --warmup N: the first N accesses are not counted (traces: --warmup-records N,\n"
          "  the first N records of the input format; --records N stops after N of them).\n"
          "  --stats-every N --stats-file F: the counters of every N accesses as one row\n"
          "  (CSV when F ends in .csv, else JSON lines), warm-up included and marked.\n"
          "  Each access is issued when\n"
          "  the previous one completes, plus --gap cycles (default 0); --interval N issues\n"
          "  one every N cycles instead, so misses overlap (walkers, walks in flight).\n"
          "  Exit 0, or 2 on bad input.\n",
          f);
}

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
    mmu_aspace_cfg_init(&o->as);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const bool has = i + 1 < argc;
        uint64_t v;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 1;
        } else if (!strcmp(a, "--preset") && has) {
            o->preset = argv[++i];
        } else if (!strcmp(a, "--config") && has) {
            o->config = argv[++i];
        } else if (!strcmp(a, "--workload") && has) {
            o->workload = argv[++i];
        } else if (!strcmp(a, "--trace") && has) {
            o->trace = argv[++i];
        } else if (!strcmp(a, "--format") && has) {
            o->format = argv[++i];
        } else if (!strcmp(a, "--policy") && has) {
            static const char *const P[] = {"4k", "thp", "1g", "mixed"};
            const char *v_ = argv[++i];
            unsigned k = 0;
            while (k < 4 && strcmp(v_, P[k]))
                k++;
            if (k == 4) {
                fprintf(stderr, "mmusim run: --policy %s: must be 4k, thp, 1g or mixed\n", v_);
                return 2;
            }
            o->as.policy = k;
        } else if (!strcmp(a, "--frames") && has) {
            const char *v_ = argv[++i];
            if (strcmp(v_, "contiguous") && strcmp(v_, "fragmented")) {
                fprintf(stderr, "mmusim run: --frames %s: must be contiguous or fragmented\n", v_);
                return 2;
            }
            o->as.frames_mode = v_[0] == 'f' ? MMU_FRAMES_FRAGMENTED : MMU_FRAMES_CONTIGUOUS;
        } else if (!strcmp(a, "--pcid") && has) {
            const char *v_ = argv[++i];
            if (strcmp(v_, "on") && strcmp(v_, "off")) {
                fprintf(stderr, "mmusim run: --pcid %s: must be on or off\n", v_);
                return 2;
            }
            o->as.pcid = !strcmp(v_, "on");
        } else if (!strcmp(a, "--kpti")) {
            o->as.kpti = 1;
        } else if ((!strcmp(a, "--procs") || !strcmp(a, "--switch")) && has) {
            if (scn_u64(argv[++i], &v) || (a[2] == 'p' && (v < 1 || v > 2047))) {
                fprintf(stderr, "mmusim run: %s %s: %s\n", a, argv[i],
                        a[2] == 'p' ? "must be 1..2047" : "not a number");
                return 2;
            }
            if (a[2] == 'p')
                o->as.nproc = (unsigned)v;
            else
                o->as.switch_every = v;
        } else if (!strcmp(a, "--json") && has) {
            o->json = argv[++i];
        } else if (!strcmp(a, "--stats-file") && has) {
            o->stats_file = argv[++i];
        } else if ((!strcmp(a, "--warmup-records") || !strcmp(a, "--records") ||
                    !strcmp(a, "--stats-every")) &&
                   has) {
            if (scn_u64(argv[++i], &v) || v == 0) {
                fprintf(stderr, "mmusim run: %s %s: must be a number >= 1\n", a, argv[i]);
                return 2;
            }
            if (a[2] == 'w')
                o->warmup_records = v;
            else if (a[2] == 'r')
                o->records = v;
            else
                o->stats_every = v;
        } else if ((!strcmp(a, "--warmup") || !strcmp(a, "--gap") || !strcmp(a, "--levels") ||
                    !strcmp(a, "--interval")) &&
                   has) {
            if (scn_u64(argv[++i], &v) || (a[2] == 'l' && v != 4 && v != 5) ||
                (a[2] == 'i' && v == 0)) {
                fprintf(stderr, "mmusim run: %s %s: %s\n", a, argv[i],
                        a[2] == 'l'   ? "must be 4 or 5"
                        : a[2] == 'i' ? "must be a number of cycles >= 1"
                                      : "not a number");
                return 2;
            }
            if (a[2] == 'w')
                o->warmup = v;
            else if (a[2] == 'g')
                o->gap = v;
            else if (a[2] == 'i')
                o->interval = v;
            else
                o->levels = (unsigned)v;
        } else {
            fprintf(stderr, "mmusim run: unexpected argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if ((o->warmup_records || o->records) && !o->trace) {
        fputs("mmusim run: --warmup-records and --records count trace records: they need --trace\n",
              stderr);
        return 2;
    }
    if (o->warmup_records && o->warmup) {
        fputs("mmusim run: --warmup and --warmup-records exclude each other\n", stderr);
        return 2;
    }
    if (!o->stats_every != !o->stats_file) {
        fputs("mmusim run: --stats-every N and --stats-file FILE go together\n", stderr);
        return 2;
    }
    if (o->interval && o->gap) {
        fputs("mmusim run: --gap and --interval exclude each other\n", stderr);
        return 2;
    }
    if (!o->workload == !o->trace || (!o->preset == !o->config)) {
        fputs("mmusim run: need one of --workload / --trace and one of --preset / --config\n",
              stderr);
        usage(stderr);
        return 2;
    }
    return 0;
}

/* The report common to both drivers; `what` names the workload. Every
 * number comes from one set of counters taken over the measured accesses:
 * the headline rates are the table's counts per 1000 of those accesses. */
static int report(const run_opts_t *o, const mmu_config_t *cfg, mmu_t *mmu, runlib_acc_t *a,
                  const char *what, const char *setup, double t_run, double cpu_run)
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
    }
    if (!o->json)
        return 0;
    FILE *jf = fopen(o->json, "w");
    if (!jf) {
        fprintf(stderr, "mmusim run: cannot write %s\n", o->json);
        return 2;
    }
    fprintf(jf,
            "{\n\"%s\": \"%s\",\n\"workload\": \"%s\",\n\"levels\": %u,\n"
            "\"accesses\": %" PRIu64 ",\n\"counted\": %" PRIu64 ",\n"
            "\"latency\": {\"mean\": %.4f, \"p50\": %" PRIu64 ", \"p90\": %" PRIu64
            ", \"p99\": %" PRIu64 ", \"max\": %" PRIu64 "},\n",
            o->preset ? "preset" : "config", o->preset ? o->preset : o->config, what, o->levels,
            a->n, a->counted, mean, p50, p90, p99, a->lat_max);
    if (a->as) {
        fputs("\"os\": {", jf);
        const char *sep = "";
#define RUN__AS_JSON(name) fprintf(jf, "%s\"%s\": %" PRIu64, sep, #name, ast.name), sep = ", ";
        MMU_ASPACE_STATS_MAP(RUN__AS_JSON)
#undef RUN__AS_JSON
        fputs("},\n", jf);
    }
    fputs("\"stats\": ", jf);
    mmu_stats_print_json(jf, &st);
    fputs("}\n", jf);
    return fclose(jf) ? 2 : 0;
}

static int load_config(const run_opts_t *o, mmu_config_t *cfg)
{
    char msg[512];
    if (runlib_load_config(o->preset, o->config, cfg, msg, sizeof msg)) {
        fprintf(stderr, "%s\n", msg);
        return 2;
    }
    return 0;
}

/* A trace: pages are mapped on first touch by the address-space driver, which
 * also plays the processes, PCIDs and KPTI. A malformed record stops the run
 * with its position, after the statistics of everything before it. */
static int run_trace(const run_opts_t *o)
{
    mmu_config_t cfg;
    if (load_config(o, &cfg))
        return 2;
    char msg[512];
    mmu_trace_reader_t *tr = NULL;
    if (mmu_trace_open(o->trace, o->format, &tr, msg, sizeof msg)) {
        fprintf(stderr, "%s\n", msg);
        return 2;
    }
    runlib_as_t x = {0};
    runlib_acc_t a = {0};
    int rc = 2, bad = 0;
    mmu_aspace_cfg_t ac = o->as;
    ac.levels = o->levels;
    a.warmup = o->warmup;
    if (!(a.hist = calloc(RUNLIB_LAT_BUCKETS, sizeof *a.hist))) {
        fputs("mmusim run: out of memory\n", stderr);
        goto out;
    }
    if (runlib_as_create(&x, &cfg, &ac, msg, sizeof msg)) {
        fprintf(stderr, "mmusim run: %s\n", msg);
        goto out;
    }
    mmu_t *mmu = x.mmu;
    mmu_aspace_t *as = x.as;
    if (runlib_rows_open(&a.rows, o->stats_file, o->stats_every, msg, sizeof msg)) {
        fprintf(stderr, "mmusim run: %s\n", msg);
        goto out;
    }
    const double t0 = runlib_now_s(), c0 = runlib_cpu_s();
    const runlib_trace_lim_t lim = {0, o->records, o->warmup_records};
    const int r = runlib_trace_drive(as, mmu, tr, &a, &lim, msg, sizeof msg);
    if (r == -1) {
        fprintf(stderr, "mmusim run: %s: record %" PRIu64 ": %s\n", o->trace,
                mmu_trace_records(tr), msg);
        bad = 1;
    }
    const double t_run = runlib_now_s() - t0, cpu_run = runlib_cpu_s() - c0;
    if (runlib_rows_close(&a, mmu)) {
        fprintf(stderr, "mmusim run: %s: write error\n", o->stats_file);
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
    rc = report(o, &cfg, mmu, &a, what, setup, t_run, cpu_run);
    if (r == 1) {
        /* After the statistics so far, as promised: where the trace went bad. */
        fprintf(stderr, "%s\n", mmu_trace_error(tr));
        bad = 1;
    }
    if (bad)
        rc = 2;
out:
    runlib_as_free(&x);
    mmu_trace_close(tr);
    free(a.hist);
    return rc;
}

int run_main(int argc, char **argv)
{
    run_opts_t o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc == 1 ? 0 : rc;
    if (o.trace)
        return run_trace(&o);

    char msg[512];
    mmu_config_t cfg;
    if (load_config(&o, &cfg))
        return 2;
    mmu_synth_cfg_t wcfg;
    if (mmu_synth_parse(o.workload, &wcfg, msg, sizeof msg) != 0) {
        fprintf(stderr, "%s\n", msg);
        return 2;
    }
    char spec[MMU_SYNTH_SPEC_MAX];
    mmu_synth_format(&wcfg, spec, sizeof spec);

    /* The working set and its page tables must fit below MAXPHYADDR. */
    const unsigned ps = wcfg.page_size;
    if (runlib_ws_fits(&cfg, wcfg.ws, ps, o.levels, msg, sizeof msg)) {
        fprintf(stderr, "mmusim run: %s\n", msg);
        return 2;
    }

    if (o.warmup >= wcfg.n) {
        fprintf(stderr,
                "mmusim run: --warmup %" PRIu64 ": must be less than the workload's %" PRIu64
                " accesses, or nothing is measured\n",
                o.warmup, wcfg.n);
        return 2;
    }
    runlib_ws_t w = {0};
    runlib_acc_t a = {0};
    int e = 0;
    rc = 2;
    a.warmup = o.warmup;
    if (!(a.hist = calloc(RUNLIB_LAT_BUCKETS, sizeof *a.hist))) {
        fputs("mmusim run: out of memory\n", stderr);
        goto out;
    }
    double t0 = runlib_now_s();
    char wsb[32];
    runlib_bytes_str(wcfg.ws, wsb, sizeof wsb);
    fprintf(stderr, "run: mapping %s with %s pages...\n", wsb, runlib_size_name(ps));
    if (runlib_ws_map(&w, &cfg, wcfg.base, wcfg.ws, ps, o.levels, msg, sizeof msg)) {
        fprintf(stderr, "mmusim run: %s\n", msg);
        goto out;
    }
    const double t_map = runlib_now_s() - t0;

    if (runlib_rows_open(&a.rows, o.stats_file, o.stats_every, msg, sizeof msg)) {
        fprintf(stderr, "mmusim run: %s\n", msg);
        goto out;
    }
    mmu_synth_t gen;
    mmu_synth_init(&gen, &wcfg);
    uint64_t la = 0;
    t0 = runlib_now_s();
    const double c0 = runlib_cpu_s();
    if ((e = runlib_synth_drive(w.mmu, &gen, &a, o.gap, o.interval, &la)) != 0)
        /* the statistics so far are still printed */
        fprintf(stderr, "mmusim run: access %" PRIu64 " (0x%" PRIx64 "): %s\n", a.n + 1, la,
                mmu_strerror(e));
    const double t_run = runlib_now_s() - t0, cpu_run = runlib_cpu_s() - c0;
    if (runlib_rows_close(&a, w.mmu)) {
        fprintf(stderr, "mmusim run: %s: write error\n", o.stats_file);
        e = 1;
    }
    char what[MMU_SYNTH_SPEC_MAX + 16], setup[128];
    snprintf(what, sizeof what, "workload %s", spec);
    snprintf(setup, sizeof setup, "mapped %s with %s pages in %.2f s", wsb, runlib_size_name(ps),
             t_map);
    rc = report(&o, &cfg, w.mmu, &a, what, setup, t_run, cpu_run);
    if (e)
        rc = 2;
out:
    free(a.hist);
    runlib_ws_free(&w);
    return rc;
}
