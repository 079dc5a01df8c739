/* SPDX-License-Identifier: Apache-2.0 */
/* `mmusim latbench`: the memory-latency test of tinymembench (github.com/ssvb/
 * tinymembench, main.c: latency_bench, random_read_test,
 * random_dual_read_test), run on the model so that its numbers can be set
 * beside published tinymembench output. What the test does, and what this
 * command does the same way:
 *  - One buffer (2 x 32 MiB), 4 MiB aligned, written with memset before the
 *    test (so every page is present with A and D set), mapped with 4 KiB pages
 *    (MADV_NOHUGEPAGE) and then a second one with 2 MiB pages (MADV_HUGEPAGE).
 *  - For each block size 2^n, n = 10 .. log2(buffer): `count` reads at
 *    addresses drawn by the C library's LCG (seed = seed * 1103515245 +
 *    12345, three steps per address, bits masked to the block), each address
 *    depending on the previous load's value, inside a block at a random
 *    block-aligned offset of the buffer (tinymembench's rand32()).
 *  - "dual random read": per iteration two independent loads whose addresses
 *    come from five LCG steps, issued together; the next pair depends on both.
 *  - Reported: time per iteration minus that of the same loop over a 2-byte
 *    block (always an L1 hit), i.e. the extra latency over an L1 hit, the best
 *    of up to 10 repeats (each repeat replays the same LCG sequence).
 * Here each test replays its sequence twice, the first pass warming caches
 * and TLBs as tinymembench's earlier repeats do, and times the second. A load
 * costs its translation plus its data line (cfg.data_lines). Differences: one
 * offset per size unless --repeats asks for more (the model is deterministic,
 * so repeats differ only by offset), and no compute time between loads (it is
 * the same with and without the access, and cancels in the subtraction). */
#include "latbench.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/mmu.h"
#include "mmu/mmu_stats.h"
#include "cli_opt.h"
#include "runlib.h"

#define LB_BASE 0x7f0000000000ull /* where a glibc mmap'ed buffer would be */
#define LB_MAX_SIZES 48
#define LB_MAX_REF 64

enum { T_SINGLE, T_DUAL, NTESTS };
static const unsigned PAGES[2] = {MMU_PAGE_4K, MMU_PAGE_2M};

typedef struct lb_ref {
    uint64_t size;
    double gap_ns[NTESTS]; /* NAN where the file gives none */
} lb_ref_t;

typedef struct lb {
    const char *preset, *config, *csv, *ref_path;
    uint64_t buffer, count;
    uint64_t sizes[LB_MAX_SIZES];
    unsigned nsizes, repeats, pages; /* pages: bit i = PAGES[i] */
    unsigned freq;                   /* MHz, 0 = not set */
    int data_lines;                  /* -1: the configuration's */
    int scatter;                     /* frames in pseudo-random order (--frames) */
    mmu_config_t cfg;
    lb_ref_t ref[LB_MAX_REF];
    unsigned nref;
    /* Results: extra cycles per iteration over the L1-hit baseline, and where
     * the measured loads' translations were served (per access). */
    double extra[2][LB_MAX_SIZES][NTESTS];
    double l1miss[2][LB_MAX_SIZES], walks[2][LB_MAX_SIZES];
    /* Per single read: page-table fetches and data lines by the level that
     * served them (L1, L2, LLC, DRAM). */
    double pt[2][LB_MAX_SIZES][4], data[2][LB_MAX_SIZES][4];
    /* Per single read's timed pass: mean cycles of the STLB lookup per L1 TLB
     * miss (lat_l2), of a walk per walk (PSC probes, waiting for a walker,
     * the walk's fetches and steps: lat_psc + lat_wait + lat_walk), of the
     * data line per read (lat_data) and of the translation per read. */
    double stlb_cyc[2][LB_MAX_SIZES], walk_cyc[2][LB_MAX_SIZES];
    double data_cyc[2][LB_MAX_SIZES], xlat_cyc[2][LB_MAX_SIZES];
    bool detail, walks_table;
    uint32_t rand_seed; /* tinymembench's rand32() state */
} lb_t;

/* ---- arguments -------------------------------------------------------------- */

static bool pow2(uint64_t v)
{
    return v && !(v & (v - 1));
}

static int parse_list(lb_t *L, const char *list, bool sizes)
{
    char buf[512];
    if (strlen(list) >= sizeof buf) {
        cli_error("latbench", "%s '%s': too long", sizes ? "--sizes" : "--pages", list);
        return 2;
    }
    strcpy(buf, list);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (sizes) {
            uint64_t v;
            if (cli_size(t, &v) || !pow2(v) || v < 1024) {
                cli_error("latbench", "--sizes: '%s': must be a power of two >= 1k", t);
                return 2;
            }
            for (unsigned i = 0; i < L->nsizes; i++)
                if (L->sizes[i] == v) {
                    cli_error("latbench", "--sizes: '%s' given twice", t);
                    return 2;
                }
            if (L->nsizes == LB_MAX_SIZES) {
                cli_error("latbench", "--sizes: at most %d sizes", LB_MAX_SIZES);
                return 2;
            }
            L->sizes[L->nsizes++] = v;
        } else {
            const unsigned bit = !strcmp(t, "4k") ? 1u : !strcmp(t, "2m") ? 2u : 0u;
            if (!bit || (L->pages & bit)) {
                cli_error("latbench", "--pages: '%s': must be 4k or 2m, once", t);
                return 2;
            }
            L->pages |= bit;
        }
    }
    if (sizes ? !L->nsizes : !L->pages) { /* only commas */
        cli_error("latbench", "%s '%s': no %s in the list", sizes ? "--sizes" : "--pages", list,
                  sizes ? "size" : "page size");
        return 2;
    }
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int parse_args(int argc, char **argv, lb_t *L)
{
    const char *sizes = NULL, *pages = NULL, *buffer = NULL;
    unsigned frames = 0, data_lines = 0;
    L->count = 10000000;
    L->repeats = 1;
    const cli_opt_t opts[] = {
        {"preset", CLI_STR, &L->preset, "NAME", "a built-in CPU ('mmusim presets')", 0, 0, NULL},
        {"config", CLI_STR, &L->config, "FILE", "a config file ('mmusim config')", 0, 0, NULL},
        {"sizes", CLI_STR, &sizes, "LIST",
         "block sizes (powers of two, 1k .. buffer), default all", 0, 0, NULL},
        {"buffer", CLI_STR, &buffer, "SIZE", "the buffer (a power of two, 4m .. 64g; default 64m)",
         0, 0, NULL},
        {"count", CLI_COUNT, &L->count, "N",
         "reads per test, a multiple of 16 (default 10000000, as\ntinymembench)", 16,
         1000000000ull, NULL},
        {"pages", CLI_STR, &pages, "4k,2m", "page sizes to test (default both)", 0, 0, NULL},
        {"repeats", CLI_UINT, &L->repeats, "N",
         "offsets tried per size, the best kept (default 1)", 1, 100, NULL},
        {"frequency", CLI_UINT, &L->freq, "MHZ",
         "the core clock for ns (default: the configuration's\nfrequency_mhz)", 1, 100000, NULL},
        {"data-lines", CLI_CHOICE, &data_lines, "on|off",
         "charge each read's data line into the caches (default:\n"
         "the configuration's memlat.data_lines)",
         0, 0, "off|on"},
        {"detail", CLI_FLAG, &L->detail, NULL,
         "also print, per single read, where its page-table\n"
         "fetches and its data line were served (L1, L2, LLC,\n"
         "DRAM)",
         0, 0, NULL},
        {"walks", CLI_FLAG, &L->walks_table, NULL,
         "also print the 4K-2M gap of a single read decomposed:\n"
         "P(L1 TLB miss), P(walk), STLB-hit and walk cycles,\n"
         "page-table fetches per walk by level, data-line\n"
         "cycles 4K and 2M, and the cycles per walk the model's\n"
         "and the published gap imply (needs both page sizes)",
         0, 0, NULL},
        {"frames", CLI_CHOICE, &frames, "F",
         "contiguous (default): the buffer's pages get its frames\n"
         "in order; scattered: in a pseudo-random order, as a\n"
         "buddy allocator may hand out 4 KiB frames",
         0, 0, "contiguous|scattered"},
        {"reference", CLI_STR, &L->ref_path, "FILE",
         "published 4K-2M gaps to compare with: CSV lines\n"
         "'block_bytes,single_ns[,dual_ns]' ('#' comments)",
         0, 0, NULL},
        {"csv", CLI_STR, &L->csv, "FILE", "the results as CSV (written to FILE.tmp, then renamed)",
         0, 0, NULL},
        {NULL, CLI_FLAG, NULL, NULL, NULL, 0, 0, NULL},
    };
    bool seen[sizeof opts / sizeof opts[0]];
    const cli_cmd_t cmd = {
        .name = "latbench",
        .synopsis = "(--preset NAME | --config FILE) [--sizes LIST]\n"
                    "                       [--buffer SIZE] [--count N] [--pages 4k,2m] [--repeats N]\n"
                    "                       [--frequency MHZ] [--data-lines on|off] [--detail]\n"
                    "                       [--walks]\n"
                    "                       [--frames scattered|contiguous]\n"
                    "                       [--reference FILE] [--csv FILE]",
        .about = "tinymembench's memory-latency test on the model: random reads inside blocks of\n"
                 "1 KiB .. --buffer (64m) of a pre-touched buffer mapped with 4K, then 2M pages;\n"
                 "prints the extra latency over an L1 hit per read (single) and per pair of\n"
                 "independent reads (dual), in ns at the configuration's frequency_mhz (or\n"
                 "--frequency) and in cycles, then the extra latency of 4K over 2M pages.\n",
        .notes = "Exit 0, or 2 on bad input.\n",
        .opts = opts,
        .seen = seen};
    const int rc = cli_parse(&cmd, argc, argv, NULL);
    if (rc)
        return rc;
    L->scatter = (int)frames;
    L->data_lines = cli_given(&cmd, "data-lines") ? (int)data_lines : -1;
    if (L->count % 16) {
        cli_error("latbench", "--count %" PRIu64 ": must be a multiple of 16", L->count);
        return 2;
    }
    L->buffer = 64ull << 20;
    if (buffer) {
        uint64_t v;
        if (cli_size(buffer, &v) || !pow2(v) || v < (4ull << 20) || v > (1ull << 36)) {
            cli_error("latbench", "--buffer '%s': must be a power of two, 4m .. 64g", buffer);
            return 2;
        }
        L->buffer = v;
    }
    if (!L->preset == !L->config) {
        cli_error("latbench", "need one of --preset NAME and --config FILE");
        return 2;
    }
    if (pages && parse_list(L, pages, false))
        return 2;
    if (!L->pages)
        L->pages = 3;
    if (L->walks_table && L->pages != 3) {
        cli_error("latbench", "--walks compares 4K with 2M pages: it needs --pages 4k,2m");
        return 2;
    }
    if (sizes) {
        if (parse_list(L, sizes, true))
            return 2;
        for (unsigned i = 0; i < L->nsizes; i++)
            if (L->sizes[i] > L->buffer) {
                cli_error("latbench",
                          "--sizes: %" PRIu64 " is larger than the buffer (%" PRIu64 ")",
                          L->sizes[i], L->buffer);
                return 2;
            }
        qsort(L->sizes, L->nsizes, sizeof L->sizes[0], cmp_u64);
    } else {
        for (uint64_t s = 1024; s <= L->buffer; s <<= 1)
            L->sizes[L->nsizes++] = s;
    }
    return 0;
}

/* ---- the published curve ------------------------------------------------------ */

/* Lines "block_bytes,single_ns[,dual_ns]"; '#' starts a comment; one line
 * before the first row that does not start with a digit is a header. */
static int read_reference(lb_t *L)
{
    FILE *f = fopen(L->ref_path, "r");
    if (!f) {
        fprintf(stderr, "mmusim latbench: %s: cannot open: %s\n", L->ref_path, strerror(errno));
        return 2;
    }
    char line[512];
    unsigned ln = 0;
    int rc = 0;
    bool seen_header = false;
    while (fgets(line, sizeof line, f)) {
        ln++;
        if (!strchr(line, '\n') && !feof(f)) {
            fprintf(stderr, "%s:%u: line longer than %zu bytes\n", L->ref_path, ln, sizeof line - 2);
            rc = 2;
            break;
        }
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *p = line + strspn(line, " \t\r\n");
        if (!*p)
            continue;
        if (!L->nref && !seen_header && (*p < '0' || *p > '9')) {
            seen_header = true; /* a header line before the first row */
            continue;
        }
        char *f1 = strtok(p, ",\r\n"), *f2 = strtok(NULL, ",\r\n"), *f3 = strtok(NULL, ",\r\n");
        lb_ref_t r = {0, {NAN, NAN}};
        char *end = NULL;
        bool ok = f1 && f2 && !cli_size(f1 + strspn(f1, " \t"), &r.size) && pow2(r.size);
        for (int k = 0; ok && k < NTESTS; k++) {
            char *fld = k ? f3 : f2;
            if (!fld)
                break;
            fld += strspn(fld, " \t");
            if (*fld < '0' || *fld > '9') {
                ok = false;
                break;
            }
            r.gap_ns[k] = strtod(fld, &end);
            ok = end != fld && strspn(end, " \t") == strlen(end) && isfinite(r.gap_ns[k]);
        }
        if (!ok || strtok(NULL, ",\r\n")) {
            fprintf(stderr,
                    "%s:%u: expected 'block_bytes,single_ns[,dual_ns]' (a power of two and "
                    "non-negative decimal numbers)\n",
                    L->ref_path, ln);
            rc = 2;
            break;
        }
        if (L->nref == LB_MAX_REF) {
            fprintf(stderr, "%s:%u: more than %d sizes\n", L->ref_path, ln, LB_MAX_REF);
            rc = 2;
            break;
        }
        L->ref[L->nref++] = r;
    }
    if (!rc && ferror(f)) {
        fprintf(stderr, "%s: read error\n", L->ref_path);
        rc = 2;
    }
    fclose(f);
    return rc;
}

static const lb_ref_t *ref_for(const lb_t *L, uint64_t size)
{
    for (unsigned i = 0; i < L->nref; i++)
        if (L->ref[i].size == size)
            return &L->ref[i];
    return NULL;
}

/* ---- the test loops ------------------------------------------------------------ */

/* The C library's LCG, as tinymembench's loops step it. */
static inline uint32_t lcg(uint32_t s)
{
    return s * 1103515245u + 12345u;
}

/* tinymembench's rand32(): two LCG steps of a static int, the high halves
 * (arithmetic shifts of the signed value) joined. */
static uint32_t rand32(lb_t *L)
{
    L->rand_seed = lcg(L->rand_seed);
    const uint32_t hi = (uint32_t)((int32_t)L->rand_seed >> 16);
    L->rand_seed = lcg(L->rand_seed);
    const uint32_t lo = (uint32_t)((int32_t)L->rand_seed >> 16);
    return (hi << 16) + lo;
}

typedef struct lb_count {
    uint64_t loads, l1miss, walks;
    uint64_t stlb_cyc, walk_cyc, data_cyc, xlat_cyc; /* sums, see lb_t */
} lb_count_t;

/* One load issued at `now`: its translation, then its data line. Sets *done
 * to when the data arrives. */
static int load(mmu_t *mmu, uint64_t la, uint64_t now, uint64_t *done, lb_count_t *c)
{
    mmu_req_t req = {
        .version = MMU_REQ_VERSION, .la = la, .type = MMU_ACC_READ, .cpl = 3, .now = now};
    mmu_result_t res;
    const int rc = mmu_translate(mmu, &req, &res);
    if (rc)
        return rc;
    if (res.fault.kind != MMU_FAULT_NONE)
        return MMU_EINVAL; /* the buffer is mapped whole: cannot happen */
    *done = res.done_at + res.lat_data;
    c->loads++;
    c->l1miss += res.served != MMU_SERVED_L1;
    c->walks += res.served == MMU_SERVED_WALK;
    if (res.served != MMU_SERVED_L1)
        c->stlb_cyc += res.lat_l2;
    if (res.served == MMU_SERVED_WALK)
        c->walk_cyc += (uint64_t)res.lat_psc + res.lat_wait + res.lat_walk;
    c->data_cyc += res.lat_data;
    c->xlat_cyc += res.done_at - now;
    return 0;
}

/* One pass of `count` iterations over [base, base + mask], from *clock;
 * *clock becomes the cycle the last load's data arrived. */
static int pass(mmu_t *mmu, uint64_t *clock, uint64_t base, uint32_t mask, uint64_t count,
                int test, lb_count_t *c, uint64_t *bad_la)
{
    uint32_t s = 0;
    uint64_t t = *clock;
    for (uint64_t i = 0; i < count; i++) {
        if (test == T_SINGLE) {
            s = lcg(s);
            uint32_t v = (s >> 16) & 0xFF;
            s = lcg(s);
            v |= (s >> 8) & 0xFF00;
            s = lcg(s);
            v |= s & 0x7FFF0000;
            const uint64_t la = base + (v & mask);
            const int rc = load(mmu, la, t, &t, c);
            if (rc) {
                *bad_la = la;
                return rc;
            }
        } else {
            s = lcg(s);
            uint32_t v1 = (s >> 8) & 0xFF00;
            s = lcg(s);
            uint32_t v2 = (s >> 8) & 0xFF00;
            s = lcg(s);
            v1 |= s & 0x7FFF0000;
            s = lcg(s);
            v2 |= s & 0x7FFF0000;
            s = lcg(s);
            v1 |= (s >> 16) & 0xFF;
            v2 |= s >> 24;
            v2 &= mask;
            v1 = (v1 ^ v2) & mask;
            /* Both loads leave together; the next pair waits for both. The
             * program loads v2 first. */
            uint64_t d1, d2;
            int rc = load(mmu, base + v2, t, &d2, c);
            if (!rc)
                rc = load(mmu, base + v1, t, &d1, c);
            if (rc) {
                *bad_la = base + v2;
                return rc;
            }
            t = d1 > d2 ? d1 : d2;
        }
    }
    *clock = t;
    return 0;
}

/* Cycles per iteration of one test: a warm-up pass, then the timed one; the
 * counters of the timed pass in *st. */
static int measure(mmu_t *mmu, uint64_t *clock, uint64_t base, uint32_t mask, uint64_t count,
                   int test, double *cycles, lb_count_t *c, mmu_stats_t *st, uint64_t *bad_la)
{
    lb_count_t warm = {0};
    int rc = pass(mmu, clock, base, mask, count, test, &warm, bad_la);
    if (rc)
        return rc;
    const uint64_t t0 = *clock;
    mmu_stats_t before, after;
    mmu_get_stats(mmu, &before);
    if ((rc = pass(mmu, clock, base, mask, count, test, c, bad_la)) != 0)
        return rc;
    mmu_get_stats(mmu, &after);
    mmu_stats_diff(st, &after, &before);
    *cycles = (double)(*clock - t0) / (double)count;
    return 0;
}

static int run_page(lb_t *L, unsigned pi, char *msg, size_t len)
{
    const unsigned ps = PAGES[pi];
    runlib_ws_t w = {0};
    w.pretouch = 1; /* memset before the test: every page present, A and D set */
    w.scatter = L->scatter;
    int rc = runlib_ws_map(&w, &L->cfg, LB_BASE, L->buffer, ps, 4, msg, len);
    uint64_t clock = 0, bad = 0;
    double base[NTESTS];
    for (int t = 0; !rc && t < NTESTS; t++) {
        lb_count_t c = {0};
        mmu_stats_t st;
        rc = measure(w.mmu, &clock, LB_BASE, 1, L->count, t, &base[t], &c, &st, &bad);
    }
    for (unsigned si = 0; !rc && si < L->nsizes; si++) {
        const uint64_t size = L->sizes[si];
        double best[NTESTS] = {INFINITY, INFINITY};
        for (unsigned r = 0; !rc && r < L->repeats; r++) {
            const uint64_t off = (rand32(L) % (L->buffer / size)) * size;
            for (int t = 0; !rc && t < NTESTS; t++) {
                double cyc = 0;
                lb_count_t c = {0};
                mmu_stats_t st;
                rc = measure(w.mmu, &clock, LB_BASE + off, (uint32_t)(size - 1), L->count, t, &cyc,
                             &c, &st, &bad);
                /* tinymembench clamps a negative difference to 0. */
                const double extra = cyc > base[t] ? cyc - base[t] : 0.0;
                if (!rc && extra < best[t]) {
                    best[t] = extra;
                    if (t == T_SINGLE) {
                        const double n = (double)c.loads;
                        L->l1miss[pi][si] = (double)c.l1miss / n;
                        L->walks[pi][si] = (double)c.walks / n;
                        L->stlb_cyc[pi][si] = c.l1miss ? (double)c.stlb_cyc / (double)c.l1miss : 0;
                        L->walk_cyc[pi][si] = c.walks ? (double)c.walk_cyc / (double)c.walks : 0;
                        L->data_cyc[pi][si] = (double)c.data_cyc / n;
                        L->xlat_cyc[pi][si] = (double)c.xlat_cyc / n;
                        const uint64_t p[4] = {st.memlat_l1_hits, st.memlat_l2_hits,
                                               st.memlat_llc_hits, st.memlat_dram};
                        const uint64_t d[4] = {st.data_l1_hits, st.data_l2_hits,
                                               st.data_llc_hits, st.data_dram};
                        for (int k = 0; k < 4; k++) {
                            L->pt[pi][si][k] = (double)p[k] / n;
                            L->data[pi][si][k] = (double)d[k] / n;
                        }
                    }
                }
            }
        }
        for (int t = 0; t < NTESTS; t++)
            L->extra[pi][si][t] = best[t];
    }
    if (rc && !msg[0])
        snprintf(msg, len, "read at 0x%" PRIx64 ": %s", bad, mmu_strerror(rc));
    runlib_ws_free(&w);
    return rc ? 2 : 0;
}

/* ---- output ------------------------------------------------------------------ */

static double ns(const lb_t *L, double cycles)
{
    return L->freq ? cycles * 1000.0 / (double)L->freq : NAN;
}

static void print_detail(const lb_t *L, unsigned pi)
{
    printf("\nper single read, %s pages: page-table fetches and data lines by where they were "
           "served\n%10s   %6s %6s %6s %6s   %6s %6s %6s %6s\n",
           runlib_size_name(PAGES[pi]), "block", "pt L1", "L2", "LLC", "DRAM", "data L1", "L2",
           "LLC", "DRAM");
    for (unsigned si = 0; si < L->nsizes; si++) {
        const double *p = L->pt[pi][si], *d = L->data[pi][si];
        printf("%10" PRIu64 "   %6.3f %6.3f %6.3f %6.3f   %6.3f %6.3f %6.3f %6.3f\n", L->sizes[si],
               p[0], p[1], p[2], p[3], d[0], d[1], d[2], d[3]);
    }
}

static void print_page(const lb_t *L, unsigned pi)
{
    printf("\nblock size : single random read / dual random read, [%s pages, as %s]\n",
           runlib_size_name(PAGES[pi]), pi ? "MADV_HUGEPAGE" : "MADV_NOHUGEPAGE");
    for (unsigned si = 0; si < L->nsizes; si++) {
        const double *e = L->extra[pi][si];
        if (L->freq)
            printf("%10" PRIu64 " : %6.1f ns          /  %6.1f ns    (%7.1f / %7.1f cycles; L1 TLB "
                   "misses %5.1f%%, walks %5.1f%%)\n",
                   L->sizes[si], ns(L, e[T_SINGLE]), ns(L, e[T_DUAL]), e[T_SINGLE], e[T_DUAL],
                   100 * L->l1miss[pi][si], 100 * L->walks[pi][si]);
        else
            printf("%10" PRIu64 " : %7.1f cycles / %7.1f cycles   (L1 TLB misses %5.1f%%, walks "
                   "%5.1f%%)\n",
                   L->sizes[si], e[T_SINGLE], e[T_DUAL], 100 * L->l1miss[pi][si],
                   100 * L->walks[pi][si]);
    }
}

/* The 4K-2M gap of a single read split by where its cycles go: the STLB
 * lookups of L1 TLB misses, the walks (P(walk) x W) and the data line
 * (page-table lines in the caches change the data's hits), each 4K minus 2M.
 * The single chain waits for each read, so the three add up to the gap. */
static void gap_parts(const lb_t *L, unsigned si, double part[3])
{
    part[0] = L->l1miss[0][si] * L->stlb_cyc[0][si] - L->l1miss[1][si] * L->stlb_cyc[1][si];
    part[1] = L->walks[0][si] * L->walk_cyc[0][si] - L->walks[1][si] * L->walk_cyc[1][si];
    part[2] = L->data_cyc[0][si] - L->data_cyc[1][si];
}

/* The cycles per walk a gap implies when all of it beyond the STLB part is
 * put on the 4K walks: (gap - STLB part) / P(walk). The same arithmetic for
 * the model's gap and a published one (with the model's probabilities and
 * STLB-hit cost, which the geometry sets); NAN where the 4K reads hardly
 * walk or the 2M reads walk too. */
static double implied_walk(const lb_t *L, unsigned si, double gap_cycles)
{
    if (L->walks[0][si] < 1e-3 || L->walks[1][si] > 1e-3)
        return NAN;
    double part[3];
    gap_parts(L, si, part);
    return (gap_cycles - part[0]) / L->walks[0][si];
}

static void print_walks(const lb_t *L)
{
    printf("\nthe 4K-2M gap of a single read, decomposed (cycles; gap = STLB part + walk part + "
           "data part, each 4K minus 2M;\nW = cycles per 4K walk: PSC probes, walker wait, "
           "page-table fetches and steps; implied W = (gap - STLB part) / P(walk))\n");
    printf("%10s %7s %7s %5s %6s   %-23s   %6s %6s   %6s %6s %6s %6s   %7s %7s\n", "", "L1 TLB",
           "4K", "STLB", "", "pt fetches per walk", "data", "data", "", "STLB", "walk", "data",
           "implied", "implied");
    printf("%10s %7s %7s %5s %6s   %5s %5s %5s %5s   %6s %6s   %6s %6s %6s %6s   %7s %7s\n",
           "block", "miss", "walks", "hit", "W", "L1", "L2", "LLC", "DRAM", "4K", "2M", "gap",
           "part", "part", "part", "W", "W pub");
    for (unsigned si = 0; si < L->nsizes; si++) {
        double part[3], pw[4];
        gap_parts(L, si, part);
        const double g = L->extra[0][si][T_SINGLE] - L->extra[1][si][T_SINGLE];
        for (int k = 0; k < 4; k++)
            pw[k] = L->walks[0][si] > 0 ? L->pt[0][si][k] / L->walks[0][si] : 0;
        printf("%10" PRIu64 " %6.1f%% %6.1f%% %5.1f %6.1f   %5.2f %5.2f %5.2f %5.2f   %6.1f %6.1f   "
               "%6.1f %6.1f %6.1f %6.1f",
               L->sizes[si], 100 * L->l1miss[0][si], 100 * L->walks[0][si], L->stlb_cyc[0][si],
               L->walk_cyc[0][si], pw[0], pw[1], pw[2], pw[3], L->data_cyc[0][si],
               L->data_cyc[1][si], g, part[0], part[1], part[2]);
        const double wm = implied_walk(L, si, g);
        isnan(wm) ? printf("   %7s", "-") : printf("   %7.1f", wm);
        const lb_ref_t *r = ref_for(L, L->sizes[si]);
        const double wp = r && !isnan(r->gap_ns[T_SINGLE]) && L->freq
                              ? implied_walk(L, si, r->gap_ns[T_SINGLE] * L->freq / 1000.0)
                              : NAN;
        isnan(wp) ? printf(" %7s\n", "-") : printf(" %7.1f\n", wp);
    }
}

/* Within the target of issue 16: 10 % of the published value or 0.1 ns (its
 * printed resolution), whichever is larger. */
static bool within(double model_ns, double pub_ns)
{
    const double tol = fmax(0.1 * pub_ns, 0.1);
    return fabs(model_ns - pub_ns) <= tol + 1e-9;
}

static void print_gap(const lb_t *L, unsigned *met, unsigned *compared)
{
    printf("\nextra latency of 4K over 2M pages (4K row minus 2M row):\n");
    printf("%10s   %8s %8s   %8s %8s", "block", "single", "dual", "single", "dual");
    if (L->nref)
        printf("   %9s %7s %s", "published", "error", "within 10% or 0.1 ns");
    printf("\n%10s   %8s %8s   %8s %8s\n", "bytes", "ns", "ns", "cycles", "cycles");
    for (unsigned si = 0; si < L->nsizes; si++) {
        double g[NTESTS];
        for (int t = 0; t < NTESTS; t++)
            g[t] = L->extra[0][si][t] - L->extra[1][si][t];
        printf("%10" PRIu64 "   %8.2f %8.2f   %8.1f %8.1f", L->sizes[si], ns(L, g[T_SINGLE]),
               ns(L, g[T_DUAL]), g[T_SINGLE], g[T_DUAL]);
        const lb_ref_t *r = ref_for(L, L->sizes[si]);
        if (r && !isnan(r->gap_ns[T_SINGLE]) && L->freq) {
            const double m = ns(L, g[T_SINGLE]), p = r->gap_ns[T_SINGLE];
            const bool ok = within(m, p);
            (*compared)++;
            *met += ok;
            if (p > 0)
                printf("   %9.2f %+6.1f%% %s", p, 100 * (m - p) / p, ok ? "yes" : "no");
            else
                printf("   %9.2f %7s %s", p, "-", ok ? "yes" : "no");
        }
        putchar('\n');
    }
}

static int write_csv(const lb_t *L)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", L->csv) >= (int)sizeof tmp) {
        fprintf(stderr, "mmusim latbench: --csv %s: path too long\n", L->csv);
        return 2;
    }
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "mmusim latbench: cannot write %s: %s\n", tmp, strerror(errno));
        return 2;
    }
    fputs("block_bytes,page,single_cycles,dual_cycles,single_ns,dual_ns,l1_tlb_miss_pct,"
          "walk_pct,published_single_ns,error_pct,stlb_hit_cycles,walk_cycles,walk_pt_l1,"
          "walk_pt_l2,walk_pt_llc,walk_pt_dram,data_cycles,implied_walk_cycles,"
          "published_implied_walk_cycles\n",
          f);
    const bool both = L->pages == 3;
    for (unsigned si = 0; si < L->nsizes; si++) {
        for (unsigned pi = 0; pi < 2; pi++) {
            if (!(L->pages & (1u << pi)))
                continue;
            const double *e = L->extra[pi][si];
            const double w = L->walks[pi][si];
            fprintf(f, "%" PRIu64 ",%s,%.3f,%.3f,%.4f,%.4f,%.2f,%.2f,,,%.3f,%.3f", L->sizes[si],
                    runlib_size_name(PAGES[pi]), e[T_SINGLE], e[T_DUAL], ns(L, e[T_SINGLE]),
                    ns(L, e[T_DUAL]), 100 * L->l1miss[pi][si], 100 * w, L->stlb_cyc[pi][si],
                    L->walk_cyc[pi][si]);
            for (int k = 0; k < 4; k++)
                fprintf(f, ",%.4f", w > 0 ? L->pt[pi][si][k] / w : 0.0);
            fprintf(f, ",%.3f,,\n", L->data_cyc[pi][si]);
        }
        if (!both)
            continue;
        double g[NTESTS];
        for (int t = 0; t < NTESTS; t++)
            g[t] = L->extra[0][si][t] - L->extra[1][si][t];
        fprintf(f, "%" PRIu64 ",4K-2M,%.3f,%.3f,%.4f,%.4f,,,", L->sizes[si], g[T_SINGLE],
                g[T_DUAL], ns(L, g[T_SINGLE]), ns(L, g[T_DUAL]));
        const lb_ref_t *r = ref_for(L, L->sizes[si]);
        if (r && !isnan(r->gap_ns[T_SINGLE]) && L->freq) {
            const double p = r->gap_ns[T_SINGLE], m = ns(L, g[T_SINGLE]);
            fprintf(f, "%.2f,", p);
            if (p > 0)
                fprintf(f, "%.2f", 100 * (m - p) / p);
        } else {
            fputc(',', f);
        }
        fputs(",,,,,,,,", f);
        const double wm = implied_walk(L, si, g[T_SINGLE]);
        const double wp = r && !isnan(r->gap_ns[T_SINGLE]) && L->freq
                              ? implied_walk(L, si, r->gap_ns[T_SINGLE] * L->freq / 1000.0)
                              : NAN;
        if (!isnan(wm))
            fprintf(f, "%.3f", wm);
        fputc(',', f);
        if (!isnan(wp))
            fprintf(f, "%.3f", wp);
        fputc('\n', f);
    }
    if (ferror(f) | fclose(f) || rename(tmp, L->csv)) {
        fprintf(stderr, "mmusim latbench: cannot write %s: %s\n", L->csv, strerror(errno));
        remove(tmp);
        return 2;
    }
    return 0;
}

int latbench_main(int argc, char **argv)
{
    lb_t *L = calloc(1, sizeof *L);
    if (!L) {
        fputs("mmusim latbench: out of memory\n", stderr);
        return 2;
    }
    int rc = parse_args(argc, argv, L);
    if (rc) {
        free(L);
        return rc == 1 ? 0 : rc;
    }
    char msg[512] = "";
    if (runlib_load_config(L->preset, L->config, &L->cfg, msg, sizeof msg)) {
        fprintf(stderr, "%s\n", msg);
        free(L);
        return 2;
    }
    if (L->data_lines >= 0)
        L->cfg.data_lines = (unsigned)L->data_lines;
    if (!L->freq)
        L->freq = L->cfg.frequency_mhz;
    if (L->ref_path && (rc = read_reference(L)) != 0) {
        free(L);
        return rc;
    }
    if (L->nref && !L->freq) {
        fputs("mmusim latbench: --reference is in ns: the configuration has no frequency_mhz; "
              "give --frequency MHZ\n",
              stderr);
        free(L);
        return 2;
    }
    for (unsigned pi = 0; pi < 2; pi++)
        if ((L->pages & (1u << pi)) &&
            runlib_ws_fits(&L->cfg, L->buffer, PAGES[pi], 4, msg, sizeof msg)) {
            fprintf(stderr, "mmusim latbench: %s\n", msg);
            free(L);
            return 2;
        }
    char bbuf[32];
    printf("mmusim latbench: %s %s, tinymembench's latency test on the model\n",
           L->preset ? "preset" : "config", L->preset ? L->preset : L->config);
    if (L->freq)
        printf("frequency %u MHz; ", L->freq);
    else
        printf("no frequency set (cycles only); ");
    printf("buffer %s, written before the test (A/D set), frames %s; %" PRIu64
           " reads per test after a warm-up pass of the same reads; best of %u offset%s; data "
           "lines %s\n",
           runlib_bytes_str(L->buffer, bbuf, sizeof bbuf),
           L->scatter ? "scattered" : "contiguous", L->count, L->repeats,
           L->repeats == 1 ? "" : "s",
           L->cfg.data_lines && !L->cfg.memlat_cb ? "charged to the caches" : "not modelled");
    printf("extra latency over an L1 hit, per read (single) and per pair of independent reads (dual)\n");
    const double t0 = runlib_now_s();
    for (unsigned pi = 0; pi < 2; pi++) {
        if (!(L->pages & (1u << pi)))
            continue;
        fprintf(stderr, "latbench: %s pages...\n", runlib_size_name(PAGES[pi]));
        if (run_page(L, pi, msg, sizeof msg)) {
            fprintf(stderr, "mmusim latbench: %s pages: %s\n", runlib_size_name(PAGES[pi]), msg);
            free(L);
            return 2;
        }
        print_page(L, pi);
        if (L->detail)
            print_detail(L, pi);
    }
    unsigned met = 0, compared = 0;
    if (L->pages == 3)
        print_gap(L, &met, &compared);
    if (L->pages == 3 && L->walks_table)
        print_walks(L);
    if (compared)
        printf("\nwithin 10%% or 0.1 ns of %s at %u of %u sizes\n", L->ref_path, met, compared);
    fprintf(stderr, "latbench: done in %.1f s\n", runlib_now_s() - t0);
    rc = L->csv ? write_csv(L) : 0;
    free(L);
    return rc;
}
