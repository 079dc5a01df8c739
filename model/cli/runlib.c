/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by `mmusim run` and `mmusim compare` (see runlib.h): the set-up of a
 * run and the loop that issues its accesses, so both commands measure the
 * same thing the same way. */
#include "runlib.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mmu/mmu_config_file.h"

#define POOL_BASE 0x100000ull

double runlib_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double runlib_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint64_t runlib_percentile(const uint64_t *h, uint64_t total, double q)
{
    if (!total)
        return 0; /* nothing counted: callers say so rather than print this */
    uint64_t want = (uint64_t)((double)total * q + 0.999999), seen = 0;
    for (uint64_t i = 0; i < RUNLIB_LAT_BUCKETS; i++) {
        seen += h[i];
        if (seen >= want && seen)
            return i;
    }
    return RUNLIB_LAT_BUCKETS - 1;
}

const char *runlib_bytes_str(uint64_t b, char *buf, size_t len)
{
    static const char *const U[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    unsigned u = 0;
    while (u < 4 && b >= 1024 && b % 1024 == 0)
        b /= 1024, u++;
    snprintf(buf, len, "%" PRIu64 " %s", b, U[u]);
    return buf;
}

const char *runlib_size_name(unsigned ps)
{
    return ps == MMU_PAGE_4K ? "4K" : ps == MMU_PAGE_2M ? "2M" : "1G";
}

int runlib_trace_probe(const char *path, char *name, size_t namelen, char *msg, size_t msglen)
{
    mmu_trace_reader_t *tr = NULL;
    if (mmu_trace_open(path, NULL, &tr, msg, msglen))
        return -1;
    mmu_trace_close(tr);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strchr(base, '.');
    snprintf(name, namelen, "%.*s", dot && dot != base ? (int)(dot - base) : 63, base);
    return 0;
}

uint64_t runlib_reach(const mmu_tlb_cfg_t *t, unsigned ps)
{
    uint64_t r = 0;
    for (int i = 0; i < MMU_TLB_ARRAYS; i++)
        if (t->arr[i].entries && (t->arr[i].sizes & (1u << ps)))
            r += (uint64_t)t->arr[i].entries << (12 + 9 * ps);
    return r;
}

int runlib_load_config(const char *preset, const char *config, mmu_config_t *cfg, char *msg,
                       size_t len)
{
    mmu_config_init(cfg);
    mmu_err_t err;
    if ((preset && mmu_config_preset(cfg, preset, &err)) ||
        (config && mmu_config_load(config, cfg, &err))) {
        snprintf(msg, len, "%s", err.msg);
        return 2;
    }
    return 0;
}

/* Physical layout: page tables from POOL_BASE (one table per 2 MiB and per
 * 1 GiB of the set, plus the upper levels), data after them, aligned to the
 * page size. */
static uint64_t pool_bytes(uint64_t bytes, unsigned levels)
{
    return ((bytes >> 21) + (bytes >> 30) + 3 * levels + 16) * 4096;
}

static uint64_t data_base(uint64_t bytes, unsigned ps, unsigned levels)
{
    const uint64_t psz = 1ull << (12 + 9 * ps);
    return (POOL_BASE + pool_bytes(bytes, levels) + psz - 1) & ~(psz - 1);
}

int runlib_ws_fits(const mmu_config_t *cfg, uint64_t bytes, unsigned ps, unsigned levels,
                   char *msg, size_t len)
{
    const uint64_t data = data_base(bytes, ps, levels);
    if (data + bytes > (1ull << cfg->maxphyaddr) || data + bytes < data) {
        snprintf(msg, len,
                 "working set of %" PRIu64 " bytes plus its page tables does not "
                 "fit below MAXPHYADDR (%u bits)",
                 bytes, cfg->maxphyaddr);
        return 2;
    }
    return 0;
}

int runlib_ws_map(runlib_ws_t *w, const mmu_config_t *cfg, uint64_t base, uint64_t bytes,
                  unsigned ps, unsigned levels, char *msg, size_t len)
{
    mmu_err_t err = {0, ""};
    if (mmu_sparse_mem_create(cfg->maxphyaddr, &w->mem)) {
        snprintf(msg, len, "out of memory");
        return 2;
    }
    mmu_mem_ops_t ops = mmu_sparse_mem_ops(w->mem);
    int e = mmu_ptb_create(&ops, levels, POOL_BASE, pool_bytes(bytes, levels), &w->pt);
    /* A pre-touched buffer: the walks that touched it set A on the way down
     * and the writes set D in the leaves, so measured walks write nothing. */
    const uint64_t ad = w->pretouch ? MMU_PTE_A : 0;
    if (!e && w->pretouch)
        mmu_ptb_set_table_flags(w->pt, MMU_PTE_P | MMU_PTE_RW | MMU_PTE_US | MMU_PTE_A);
    const uint64_t flags = MMU_PTE_RW | MMU_PTE_US | ad | (ad ? MMU_PTE_D : 0);
    const uint64_t psz = 1ull << (12 + 9 * ps), npages = bytes / psz;
    if (!e && w->scatter && npages > 1) {
        /* Page i gets frame perm(i) of the region: no two neighbours are
         * physically adjacent but by chance, so a physically indexed cache
         * sees the uneven set pressure of a real 4K mapping. */
        mmu_synth_perm_t perm;
        mmu_synth_perm_init(&perm, npages, 0x5ca77e5);
        const uint64_t data = data_base(bytes, ps, levels);
        for (uint64_t i = 0; !e && i < npages; i++)
            e = mmu_ptb_map(w->pt, base + i * psz, data + mmu_synth_perm_apply(&perm, i) * psz, psz,
                            (mmu_page_size_t)ps, flags);
    } else if (!e) {
        e = mmu_ptb_map(w->pt, base, data_base(bytes, ps, levels), bytes, (mmu_page_size_t)ps,
                        flags);
    }
    if (e) {
        snprintf(msg, len, "building page tables: %s", mmu_strerror(e));
        return 2;
    }
    if (mmu_create(cfg, &ops, &w->mmu, &err)) {
        snprintf(msg, len, "%s", err.msg);
        return 2;
    }
    mmu_ctrl_t ctrl = {0};
    ctrl.cr0 = MMU_CR0_WP;
    ctrl.cr3 = mmu_ptb_root(w->pt);
    ctrl.cr4 = MMU_CR4_PGE | MMU_CR4_SMEP | MMU_CR4_SMAP | (levels == 5 ? MMU_CR4_LA57 : 0);
    ctrl.efer = MMU_EFER_NXE;
    if (mmu_set_ctrl(w->mmu, &ctrl, &err)) {
        snprintf(msg, len, "%s", err.msg);
        return 2;
    }
    return 0;
}

void runlib_ws_free(runlib_ws_t *w)
{
    mmu_destroy(w->mmu);
    mmu_ptb_destroy(w->pt);
    mmu_sparse_mem_destroy(w->mem);
    w->mmu = NULL;
    w->pt = NULL;
    w->mem = NULL;
}

int runlib_as_create(runlib_as_t *x, const mmu_config_t *cfg, const mmu_aspace_cfg_t *ac_in,
                     char *msg, size_t len)
{
    mmu_err_t err = {0, ""};
    mmu_aspace_cfg_t ac = *ac_in;
    if (ac.phys_limit > (1ull << cfg->maxphyaddr))
        ac.phys_limit = 1ull << cfg->maxphyaddr;
    if (mmu_sparse_mem_create(cfg->maxphyaddr, &x->mem)) {
        snprintf(msg, len, "out of memory");
        return 2;
    }
    mmu_mem_ops_t ops = mmu_sparse_mem_ops(x->mem);
    if (mmu_create(cfg, &ops, &x->mmu, &err)) {
        snprintf(msg, len, "%s", err.msg);
        return 2;
    }
    mmu_ctrl_t ctrl = {0};
    ctrl.cr0 = MMU_CR0_WP;
    ctrl.cr4 = MMU_CR4_SMEP | MMU_CR4_SMAP;
    ctrl.efer = MMU_EFER_NXE;
    if (mmu_set_ctrl(x->mmu, &ctrl, &err)) {
        snprintf(msg, len, "%s", err.msg);
        return 2;
    }
    if (mmu_aspace_create(x->mmu, x->mem, &ac, &x->as, msg, len))
        return 2;
    return 0;
}

void runlib_as_free(runlib_as_t *x)
{
    mmu_aspace_destroy(x->as);
    mmu_destroy(x->mmu);
    mmu_sparse_mem_destroy(x->mem);
    x->as = NULL;
    x->mmu = NULL;
    x->mem = NULL;
}

void runlib_acc_end_warmup(runlib_acc_t *a, mmu_t *mmu, uint64_t now)
{
    mmu_get_stats(mmu, &a->before);
    if (a->as)
        mmu_aspace_get_stats(a->as, &a->as_before);
    a->warmup = a->n;
    a->warm_cycle = now;
    a->warm_done = 1;
}

void runlib_acc_stats(const runlib_acc_t *a, mmu_t *mmu, mmu_stats_t *st, mmu_aspace_stats_t *ast)
{
    mmu_stats_t after;
    mmu_get_stats(mmu, &after);
    mmu_stats_diff(st, &after, &a->before);
    if (ast && a->as) {
        mmu_aspace_stats_t now;
        mmu_aspace_get_stats(a->as, &now);
        mmu_aspace_stats_diff(ast, &now, &a->as_before);
    }
}

/* ---- periodic rows ------------------------------------------------------------ */

int runlib_rows_open(runlib_rows_t *r, const char *path, uint64_t every, char *msg, size_t len)
{
    memset(r, 0, sizeof *r);
    if (!path)
        return 0;
    if (!every) {
        snprintf(msg, len, "--stats-every: must be >= 1 access");
        return 2;
    }
    char why[PATH_MAX + 128];
    if (cli_out_open(&r->out, path, why, sizeof why)) {
        snprintf(msg, len, "--stats-file %s", why);
        return 2;
    }
    r->f = r->out.f;
    const size_t n = strlen(path);
    r->csv = n >= 4 && !strcmp(path + n - 4, ".csv");
    r->every = every;
    r->next = every;
    if (r->csv) {
        fputs("row,first_access,accesses,warmup,lat_mean,cycles", r->f);
        for (unsigned i = 0; i < mmu_stats_count(); i++)
            fprintf(r->f, ",%s", mmu_stats_name(i));
        fputc('\n', r->f);
    }
    return 0;
}

void runlib_rows_emit(runlib_acc_t *a, mmu_t *mmu)
{
    runlib_rows_t *r = &a->rows;
    const uint64_t n = a->n - r->first;
    if (!r->f || !n)
        return;
    mmu_stats_t now, d;
    mmu_get_stats(mmu, &now);
    mmu_stats_diff(&d, &now, &r->prev);
    /* A row is warm-up if any of its accesses is: they are not in the report. */
    const int warm = r->first < a->warmup;
    const double mean = (double)r->lat_sum / (double)n;
    const uint64_t cycles = a->last_done - r->last_done;
    if (r->csv) {
        fprintf(r->f, "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%d,%.4f,%" PRIu64, r->row, r->first, n,
                warm, mean, cycles);
        for (unsigned i = 0; i < mmu_stats_count(); i++)
            fprintf(r->f, ",%" PRIu64, mmu_stats_get(&d, i));
    } else {
        /* One JSON object per line, built with Jansson as every JSON the CLI
         * writes; counters stay below 2^63, so json_int_t holds them. */
        json_t *o = json_object();
        json_object_set_new(o, "row", json_integer((json_int_t)r->row));
        json_object_set_new(o, "first_access", json_integer((json_int_t)r->first));
        json_object_set_new(o, "accesses", json_integer((json_int_t)n));
        json_object_set_new(o, "warmup", json_integer(warm));
        json_object_set_new(o, "lat_mean", json_real(mean));
        json_object_set_new(o, "cycles", json_integer((json_int_t)cycles));
        for (unsigned i = 0; i < mmu_stats_count(); i++)
            json_object_set_new(o, mmu_stats_name(i),
                                json_integer((json_int_t)mmu_stats_get(&d, i)));
        json_dumpf(o, r->f, JSON_COMPACT | JSON_REAL_PRECISION(15));
        json_decref(o);
    }
    fputc('\n', r->f);
    r->prev = now;
    r->row++;
    r->first = a->n;
    r->next = a->n + r->every;
    r->lat_sum = 0;
    r->last_done = a->last_done;
}

int runlib_rows_close(runlib_acc_t *a, mmu_t *mmu)
{
    runlib_rows_t *r = &a->rows;
    if (!r->f)
        return 0;
    runlib_rows_emit(a, mmu);
    char msg[PATH_MAX + 64];
    r->f = NULL;
    return cli_out_commit(&r->out, msg, sizeof msg) ? 2 : 0;
}

/* Open loop: no access waits for another, so they go through
 * mmu_translate_batch, which equals the one-at-a-time loop in every result
 * and counter. A batch ends where the loop would read the MMU's counters
 * between two accesses (the end of the warm-up, a --stats-every row), so
 * they are read at the same point. */
#define RUNLIB_BATCH 64

static int synth_open_loop(mmu_t *mmu, mmu_synth_t *g, runlib_acc_t *a, uint64_t interval,
                           uint64_t *bad_la)
{
    mmu_req_t req[RUNLIB_BATCH];
    mmu_result_t res[RUNLIB_BATCH];
    uint64_t now = 0, la;
    mmu_access_t type;
    for (;;) {
        size_t cap = RUNLIB_BATCH, n = 0;
        if (a->warmup && !a->warm_done && a->warmup > a->n && a->warmup - a->n < cap)
            cap = (size_t)(a->warmup - a->n);
        if (a->rows.f && a->rows.next > a->n && a->rows.next - a->n < cap)
            cap = (size_t)(a->rows.next - a->n);
        bool clock_out = false;
        while (n < cap && mmu_synth_next(g, &la, &type)) {
            if (now >= RUNLIB_CLOCK_MAX) {
                clock_out = true; /* after the accesses before it */
                break;
            }
            req[n++] = (mmu_req_t){
                .version = MMU_REQ_VERSION, .la = la, .type = (uint8_t)type, .cpl = 3, .now = now};
            now += interval;
        }
        if (n) {
            runlib_acc_start(a, mmu, req[0].now);
            size_t done = 0;
            const int e = mmu_translate_batch(mmu, req, n, res, &done);
            const uint64_t before = a->n;
            for (size_t i = 0; i < done; i++)
                runlib_acc_note(a, req[i].now, &res[i]);
            if (e) {
                *bad_la = req[done].la;
                return e;
            }
            if (a->n == a->rows.next)
                runlib_rows_emit(a, mmu);
            if (a->progress && (before >> 16) != (a->n >> 16))
                a->progress(a->progress_ctx, a);
        }
        if (clock_out) {
            *bad_la = la;
            return RUNLIB_ECLOCK;
        }
        if (n < cap)
            return 0; /* the stream ended */
    }
}

/* Lanes run a block of the stream each in turn rather than each access on
 * every lane: one MMU's arrays stay in the cache for a whole block. Alone (n
 * = 1) a lane runs access by access, so the reader never runs ahead of the
 * record a message names. */
#define LANE_BLOCK 4096u

/* One lane over accesses [0, k) of a block of a synthetic stream: `chains`
 * chains in flight (1: closed loop or open loop), in lockstep or not. */
static void synth_lane(runlib_lane_t *x, const uint64_t *las, const uint8_t *types, unsigned k,
                       uint64_t gap, uint64_t interval, unsigned chains, bool lockstep)
{
    runlib_acc_t *a = x->a;
    for (unsigned j = 0; j < k; j++) {
        /* The chain that issues: the earliest free one (the lowest on a tie),
         * or, in lockstep, every chain at the round's start. */
        unsigned c = 0;
        if (chains > 1 && !lockstep)
            for (unsigned i = 1; i < chains; i++)
                if (x->ready[i] < x->ready[c])
                    c = i;
        const uint64_t now = x->ready[c];
        if (now >= RUNLIB_CLOCK_MAX) {
            x->bad_la = las[j];
            x->err = RUNLIB_ECLOCK;
            return;
        }
        mmu_req_t req = {.version = MMU_REQ_VERSION,
                         .la = las[j],
                         .type = types[j],
                         .cpl = 3,
                         .now = now};
        mmu_result_t res;
        runlib_acc_start(a, x->mmu, now);
        const int e = mmu_translate(x->mmu, &req, &res);
        if (e) {
            x->bad_la = las[j];
            x->err = e;
            return;
        }
        runlib_acc_note(a, now, &res);
        if (a->n == a->rows.next)
            runlib_rows_emit(a, x->mmu);
        /* Closed loop: the next access of the chain waits for this one (and
         * its data). */
        const uint64_t done = res.done_at + res.lat_data + gap;
        if (interval) {
            x->ready[0] = now + interval;
        } else if (lockstep) {
            x->round_end = done > x->round_end ? done : x->round_end;
            if (++x->in_round == chains) {
                x->ready[0] = x->round_end;
                x->in_round = 0;
                x->round_end = 0;
            }
        } else {
            x->ready[c] = done;
        }
    }
}

int runlib_synth_drive_lanes(runlib_lane_t *l, unsigned n, mmu_synth_t *g, uint64_t gap,
                             uint64_t interval)
{
    uint64_t las[LANE_BLOCK], done = 0;
    uint8_t types[LANE_BLOCK];
    const unsigned block = n > 1 ? LANE_BLOCK : 1;
    const unsigned chains = g->cfg.chains > 1 && !interval ? g->cfg.chains : 1;
    const bool lockstep = chains > 1 && g->cfg.lockstep;
    unsigned live = 0;
    for (unsigned i = 0; i < n; i++)
        live += !l[i].err;
    const unsigned start = live;
    runlib_acc_t *a0 = l[0].a;
    while (live) {
        unsigned k = 0;
        mmu_access_t type;
        while (k < block && mmu_synth_next(g, &las[k], &type))
            types[k++] = (uint8_t)type;
        if (!k)
            break;
        live = 0;
        for (unsigned i = 0; i < n; i++)
            if (!l[i].err) {
                synth_lane(&l[i], las, types, k, gap, interval, chains, lockstep);
                live += !l[i].err;
            }
        if (a0->progress && (done + k) >> 16 != done >> 16)
            a0->progress(a0->progress_ctx, a0);
        done += k;
    }
    return live == start ? 0 : -1;
}

int runlib_synth_drive(mmu_t *mmu, mmu_synth_t *g, runlib_acc_t *a, uint64_t gap,
                       uint64_t interval, uint64_t *bad_la)
{
    if (interval)
        return synth_open_loop(mmu, g, a, interval, bad_la);
    runlib_lane_t l = {.mmu = mmu, .a = a};
    runlib_synth_drive_lanes(&l, 1, g, gap, interval);
    if (l.err)
        *bad_la = l.bad_la;
    return l.err;
}

/* A decoded block of trace records. Lanes read the accesses from acc (16
 * bytes a record, not the 56 of an mmu_trec_t) and the records of other
 * kinds, in order, from other[]: only the 19 bytes a record of acc, run and
 * end_warm are streamed through each lane. run[j] is how many plain
 * accesses start at j (at most 65535: it caps a call, which is shorter):
 * consecutive ACCESS records, none but the first ending the warm-up, that a
 * lane feeds in one mmu_aspace_access_run; 0 for another kind. */
typedef struct trace_block {
    mmu_aspace_acc_t *acc;
    mmu_trec_t *other;
    uint16_t *run;
    uint8_t *end_warm;
    uint64_t recno0; /* mmu_trace_records before the block's first record */
} trace_block_t;

/* Records of a trace block: larger than a synthetic one, as a lane's state
 * (the data-line caches' tags above all, hundreds of KiB) is what has to
 * come back into the host's caches each time the lane runs; 16 lanes took
 * 10-15% less CPU with 32768 than with 4096 (awk, 10m accesses); 131072
 * and 262144 were no faster than 32768 within the noise of this machine. */
#define TRACE_BLOCK 32768u

/* Accesses a lane feeds per call: few enough that issue times and results
 * (8 KiB) stay in L1, enough that a call's own cost is spread thin (256
 * took 3.4 instructions a lane-access less than 64 in the awk sweep). */
#define LANE_RUN 256u

/* runlib_acc_note for k accesses in a row, issued at issue[i] with results
 * res[i]: the same sums, maxima and histogram counts, with what is the same
 * for the whole run (which side of the warm-up each access is on, which
 * optional histograms there are) decided once, and the sums kept in
 * registers. */
static void acc_note_run(runlib_acc_t *a, const mmu_cycle_t *issue, const mmu_aspace_res_t *res,
                         size_t k)
{
    if (!k)
        return;
    /* Accesses numbered below warmup (n before the increment) are warm-up. */
    const size_t warm = a->n >= a->warmup           ? 0
                        : a->warmup - a->n < k ? (size_t)(a->warmup - a->n)
                                               : k;
    uint64_t last = a->last_done, row_sum = 0;
    for (size_t i = 0; i < warm; i++) {
        const uint64_t end = res[i].done_at + res[i].lat_data;
        last = end > last ? end : last;
        row_sum += res[i].done_at - issue[i];
    }
    uint64_t lat_sum = 0, lat_max = a->lat_max, load_sum = 0, load_max = a->load_max;
    uint64_t *const hist = a->hist;
    for (size_t i = warm; i < k; i++) {
        const uint64_t lat = res[i].done_at - issue[i];
        const uint64_t end = res[i].done_at + res[i].lat_data;
        const uint64_t load = end - issue[i];
        last = end > last ? end : last;
        hist[lat < RUNLIB_LAT_BUCKETS ? lat : RUNLIB_LAT_BUCKETS - 1]++;
        lat_sum += lat;
        lat_max = lat > lat_max ? lat : lat_max;
        load_sum += load;
        load_max = load > load_max ? load : load_max;
    }
    if (a->load_hist)
        for (size_t i = warm; i < k; i++) {
            const uint64_t load = res[i].done_at + res[i].lat_data - issue[i];
            a->load_hist[load < RUNLIB_LAT_BUCKETS ? load : RUNLIB_LAT_BUCKETS - 1]++;
        }
    if (a->walk_hist)
        for (size_t i = warm; i < k; i++)
            if (res[i].served == MMU_SERVED_WALK) {
                const uint64_t w = res[i].lat_walk;
                a->walk_hist[w < RUNLIB_LAT_BUCKETS ? w : RUNLIB_LAT_BUCKETS - 1]++;
                a->walked++;
                a->walk_sum += w;
            }
    a->n += k;
    a->counted += k - warm;
    a->last_done = last;
    a->rows.lat_sum += row_sum + lat_sum;
    a->lat_sum += lat_sum;
    a->lat_max = lat_max;
    a->load_sum += load_sum;
    a->load_max = load_max;
}

/* One lane over records [0, k) of a block. */
static void trace_lane(runlib_lane_t *x, const trace_block_t *b, unsigned k)
{
    runlib_acc_t *a = x->a;
    mmu_cycle_t issue[LANE_RUN];
    mmu_aspace_res_t res[LANE_RUN];
    const mmu_trec_t *other = b->other;
    for (unsigned j = 0; j < k;) {
        const uint64_t now = mmu_aspace_now(x->as);
        if (now >= RUNLIB_CLOCK_MAX) {
            snprintf(x->msg, sizeof x->msg, "the model's clock would pass 2^63 cycles");
            x->err = RUNLIB_ECLOCK;
            x->bad_rec = b->recno0 + j + 1;
            return;
        }
        if (b->end_warm[j])
            runlib_acc_end_warmup(a, x->mmu, now);
        if (!b->run[j]) { /* not an access */
            const int rc = mmu_aspace_feed(x->as, other++, NULL, x->msg, sizeof x->msg);
            if (rc == MMU_ASPACE_STOP) {
                snprintf(x->msg, sizeof x->msg, "%s", mmu_aspace_stop_reason(x->as));
                x->err = RUNLIB_ESTOP;
                x->bad_rec = b->recno0 + j + 1;
                return;
            }
            if (rc) {
                x->err = -1;
                x->bad_rec = b->recno0 + j + 1;
                return;
            }
            j++;
            continue;
        }
        runlib_acc_start(a, x->mmu, now);
        /* Stop where the drive loop has something to do between accesses:
         * the warm-up's end (before access number `warmup`) and a periodic
         * row (after access rows.next). */
        size_t cap = b->run[j] < LANE_RUN ? b->run[j] : LANE_RUN;
        if (a->warmup && !a->warm_done && a->n < a->warmup && a->warmup - a->n < cap)
            cap = (size_t)(a->warmup - a->n);
        if (a->rows.f && a->rows.next > a->n && a->rows.next - a->n < cap)
            cap = (size_t)(a->rows.next - a->n);
        int rc;
        const size_t got = mmu_aspace_access_run(x->as, &b->acc[j], cap, RUNLIB_CLOCK_MAX, issue,
                                                 res, &rc, x->msg, sizeof x->msg);
        const size_t ok = rc ? got - 1 : got;
        acc_note_run(a, issue, res, ok);
        if (ok && a->n == a->rows.next)
            runlib_rows_emit(a, x->mmu);
        j += (unsigned)got;
        if (rc == MMU_ASPACE_STOP) { /* every process ended, say: the run ends here */
            snprintf(x->msg, sizeof x->msg, "%s", mmu_aspace_stop_reason(x->as));
            x->err = RUNLIB_ESTOP;
            x->bad_rec = b->recno0 + j;
            return;
        }
        if (rc && rc != MMU_ASPACE_SKIPPED) {
            x->err = -1;
            x->bad_rec = b->recno0 + j;
            return;
        }
        /* A skipped access (its process was killed) is not counted; the
         * clock check at the top catches a run that stopped at the limit. */
    }
}

static void trace_block_free(trace_block_t *b)
{
    free(b->acc);
    free(b->other);
    free(b->run);
    free(b->end_warm);
}

int runlib_trace_drive_lanes(runlib_lane_t *l, unsigned n, mmu_trace_reader_t *tr,
                             const runlib_trace_lim_t *lim)
{
    const unsigned block = n > 1 ? TRACE_BLOCK : 1;
    /* other[] is as long as a block of nothing else, but only the records
     * stored in it are touched. */
    trace_block_t b = {malloc(block * sizeof *b.acc), malloc(block * sizeof *b.other),
                       malloc(block * sizeof *b.run), malloc(block * sizeof *b.end_warm), 0};
    int r = 1;
    uint64_t nrec = 0, nacc = 0;
    unsigned live = 0;
    runlib_acc_t *a0 = l[0].a;
    for (unsigned i = 0; i < n; i++) {
        l[i].a->as = l[i].as;
        if (lim->warmup_records)
            l[i].a->warmup = UINT64_MAX; /* ended by records */
        live += !l[i].err;
    }
    if (!b.acc || !b.other || !b.run || !b.end_warm) {
        trace_block_free(&b);
        for (unsigned i = 0; i < n; i++)
            if (!l[i].err) {
                snprintf(l[i].msg, sizeof l[i].msg, "out of memory");
                l[i].err = -1;
            }
        return 0;
    }
    bool stop = false;
    while (live && !stop) {
        unsigned k = 0, o = 0;
        b.recno0 = mmu_trace_records(tr);
        while (k < block) {
            if (lim->max_accesses && nacc >= lim->max_accesses) {
                stop = true;
                break;
            }
            const uint64_t in = mmu_trace_input_records(tr);
            mmu_trec_t rec;
            if ((r = mmu_trace_next(tr, &rec)) <= 0) {
                stop = true;
                break;
            }
            /* Limits by input record act where one starts, so it is whole. */
            const int starts = mmu_trace_input_records(tr) > in;
            if (starts && lim->max_records && in >= lim->max_records) {
                r = 0;
                stop = true;
                break;
            }
            b.end_warm[k] = starts && lim->warmup_records && in == lim->warmup_records;
            const bool acc = rec.kind == MMU_TREC_ACCESS;
            b.acc[k] = (mmu_aspace_acc_t){rec.la, rec.type, rec.cpl};
            if (!acc)
                b.other[o++] = rec;
            b.run[k] = acc; /* 1 for an access; run lengths below */
            nacc += acc;
            k++;
        }
        for (unsigned j = k; j-- > 0;) {
            const bool more = b.run[j] && j + 1 < k && b.run[j + 1] && !b.end_warm[j + 1];
            if (more)
                b.run[j] = (uint16_t)(b.run[j + 1] < UINT16_MAX ? b.run[j + 1] + 1 : UINT16_MAX);
        }
        live = 0;
        for (unsigned i = 0; i < n; i++)
            if (!l[i].err) {
                trace_lane(&l[i], &b, k);
                live += !l[i].err;
            }
        if (a0->progress && (nrec + k) >> 16 != nrec >> 16)
            a0->progress(a0->progress_ctx, a0);
        nrec += k;
    }
    trace_block_free(&b);
    return r < 0 ? 1 : 0;
}

int runlib_trace_drive(mmu_aspace_t *as, mmu_t *mmu, mmu_trace_reader_t *tr, runlib_acc_t *a,
                       const runlib_trace_lim_t *lim, char *msg, size_t len)
{
    runlib_lane_t l = {.mmu = mmu, .as = as, .a = a};
    const int r = runlib_trace_drive_lanes(&l, 1, tr, lim);
    if (l.err == RUNLIB_ESTOP)
        return 2;
    if (l.err == RUNLIB_ECLOCK) {
        snprintf(msg, len, "%s", l.msg);
        return -1;
    }
    if (l.err) {
        /* Alone, the reader is still at the record that failed. */
        char at[200];
        snprintf(msg, len, "%s: %s", mmu_trace_where(tr, at, sizeof at), l.msg);
        return -1;
    }
    return r;
}
