/* SPDX-License-Identifier: Apache-2.0 */
/* What `mmusim run` and `mmusim compare` share: loading a configuration,
 * mapping a working set with one page size, driving a synthetic stream or a
 * trace through the MMU one access at a time (closed loop by default), and the
 * per-translation latency histogram with its percentiles. CLI code: it prints
 * nothing itself; errors come back as text for the caller to prefix. */
#ifndef MMU_CLI_RUNLIB_H
#define MMU_CLI_RUNLIB_H

#include <stddef.h>
#include <stdint.h>

#include "mmu/mmu.h"
#include "mmu/mmu_mem.h"
#include "mmu/mmu_stats.h"
#include "aspace.h"
#include "cli_out.h"
#include "synth.h"
#include "trace.h"

#define RUNLIB_LAT_BUCKETS 65536u /* exact latency histogram; longer ones share the last */

/* Cycle counts must not wrap. The spacing a run asks for (--gap, --interval,
 * times the accesses) is refused up front beyond RUNLIB_CYCLE_LIMIT, 2^62
 * cycles (146 years at 1 GHz); the latencies the model adds on top stay far
 * below another 2^62. The drive loops still stop, with an error, before
 * issuing at or past RUNLIB_CLOCK_MAX, 2^63, which leaves 2^63 cycles above
 * any issue time: no latency can wrap a 64-bit cycle count. */
#define RUNLIB_CYCLE_LIMIT ((uint64_t)1 << 62)
#define RUNLIB_CLOCK_MAX ((uint64_t)1 << 63)
/* runlib_synth_drive: the next issue time would reach RUNLIB_CLOCK_MAX. */
#define RUNLIB_ECLOCK 1
/* A trace lane: the OS model stopped the run (mmu_aspace_stop_reason). */
#define RUNLIB_ESTOP 2

/* Wall-clock seconds (monotonic), for the "in 0.37 s" lines only. */
double runlib_now_s(void);
/* CPU seconds this process has used (all threads), printed next to wall time. */
double runlib_cpu_s(void);

/* The smallest latency with at least q (0..1] of the `total` counted entries
 * of h (RUNLIB_LAT_BUCKETS long) at or below it. */
uint64_t runlib_percentile(const uint64_t *h, uint64_t total, double q);

/* "16 KiB", "64 GiB": the largest binary unit that divides nothing away. */
const char *runlib_bytes_str(uint64_t b, char *buf, size_t len);

/* "4K", "2M", "1G" for an mmu_page_size_t. */
const char *runlib_size_name(unsigned ps);

/* A trace file given as a workload: opens it once so an unreadable or
 * unrecognised file is refused before any run starts (0, or -1 with the
 * reader's "file: what" in msg), and names the workload by the file name up
 * to its first dot ("awk" for traces/awk.mtr.xz) in name[namelen]. */
int runlib_trace_probe(const char *path, char *name, size_t namelen, char *msg, size_t msglen);

/* Reach of one TLB level for page size ps: entries of the array that holds ps
 * times the page size (0 when no array of the level holds it). */
uint64_t runlib_reach(const mmu_tlb_cfg_t *t, unsigned ps);

/* *cfg = defaults, then the preset `name` if non-NULL, then the config file at
 * path `config` on top if non-NULL. Returns 0, or 2 with the loader's message
 * in msg. */
int runlib_load_config(const char *preset, const char *config, mmu_config_t *cfg, char *msg,
                       size_t len);

/* ---- a working set mapped up front ------------------------------------------ */

/* The memory, page tables and MMU of one mapped working set. */
typedef struct runlib_ws {
    mmu_sparse_mem_t *mem;
    mmu_ptb_t *pt;
    mmu_t *mmu;
    int pretouch; /* set before runlib_ws_map: 1 = A set in every entry and D in
                     the leaves, as after the buffer was written once */
    int scatter;  /* set before runlib_ws_map: 1 = the pages get the data
                     region's frames in a pseudo-random order (as a buddy
                     allocator hands out 4 KiB frames); 0 = in order */
} runlib_ws_t;

/* Whether bytes at va `base`, mapped with pages of size ps, fit with their page
 * tables below 2^MAXPHYADDR. Returns 0, or 2 with "working set of N bytes plus
 * its page tables does not fit below MAXPHYADDR (B bits)" in msg. */
int runlib_ws_fits(const mmu_config_t *cfg, uint64_t bytes, unsigned ps, unsigned levels,
                   char *msg, size_t len);

/* Map [base, base + bytes) (bytes a multiple of the page size) with pages of
 * size ps, RW and user, A/D clear (as an OS leaves them; w->pretouch: set):
 * page tables from 1 MiB up, data after them aligned to the page size. Then create the MMU and load
 * CR0.WP, CR4.PGE/SMEP/SMAP (+LA57 for 5 levels), EFER.NXE and CR3.
 * Returns 0, or 2 with msg filled; *w is then still safe to free. */
int runlib_ws_map(runlib_ws_t *w, const mmu_config_t *cfg, uint64_t base, uint64_t bytes,
                  unsigned ps, unsigned levels, char *msg, size_t len);
/* Free what runlib_ws_map made; accepts a zeroed or partly built *w. */
void runlib_ws_free(runlib_ws_t *w);

/* ---- an address space driven by a trace ------------------------------------- */

typedef struct runlib_as {
    mmu_sparse_mem_t *mem;
    mmu_t *mmu;
    mmu_aspace_t *as;
} runlib_as_t;

/* Memory, MMU (CR0.WP, CR4.SMEP/SMAP, EFER.NXE) and the demand-paging driver of
 * workloads/aspace.h with configuration *ac (its physical region clipped to
 * MAXPHYADDR). Returns 0, or 2 with msg filled. */
int runlib_as_create(runlib_as_t *x, const mmu_config_t *cfg, const mmu_aspace_cfg_t *ac,
                     char *msg, size_t len);
void runlib_as_free(runlib_as_t *x);

/* ---- latency accounting ----------------------------------------------------- */

/* Periodic statistics (--stats-every N): one row every N accesses, warm-up
 * included, with the counters of just those accesses. */
typedef struct runlib_rows {
    FILE *f;             /* NULL: off; else out.f */
    cli_out_t out;       /* a temporary file, renamed onto the path when closed */
    int csv;             /* 1: CSV with a header line; 0: one JSON object per line */
    uint64_t every;
    uint64_t row, first, next; /* row number, its first access, the access ending it */
    uint64_t lat_sum, last_done;
    mmu_stats_t prev;
} runlib_rows_t;

/* Per-translation latency and the counters of the measured part of a run. The
 * first `warmup` accesses are issued but not counted, and every counter a
 * report prints (MMU and OS) starts where they end: one warm-up boundary. */
typedef struct runlib_acc {
    uint64_t *hist;      /* RUNLIB_LAT_BUCKETS counters, caller-owned, zeroed */
    uint64_t *walk_hist; /* optional: the same for the walk part of walked accesses */
    uint64_t *load_hist; /* optional: the same for whole accesses, translation plus
                            data line (done_at + lat_data - issue; cfg.data_lines) */
    uint64_t warmup;     /* accesses; runlib_acc_end_warmup may end it earlier */
    uint64_t n, counted, lat_sum, lat_max;
    uint64_t last_done;  /* the last completion: done_at + lat_data */
    uint64_t load_sum, load_max; /* whole accesses, as lat_sum and lat_max */
    uint64_t walked, walk_sum; /* counted accesses served by a walk, their lat_walk */
    mmu_stats_t before;  /* counters at the end of the warm-up (zero without one) */
    const mmu_aspace_t *as;       /* optional: its counters get the same boundary */
    mmu_aspace_stats_t as_before;
    uint64_t warm_cycle; /* cycle at which the measured part was issued */
    int warm_done;       /* the warm-up ended (snapshots taken) */
    runlib_rows_t rows;
    /* Optional: called every 65536 accesses or records by the drive loops
     * (progress lines on a terminal). */
    void (*progress)(void *ctx, const struct runlib_acc *a);
    void *progress_ctx;
} runlib_acc_t;

/* End the warm-up now, before access a->n + 1: snapshot the MMU's (and the
 * address space's) counters. */
void runlib_acc_end_warmup(runlib_acc_t *a, mmu_t *mmu, uint64_t now);

/* Before each access issued at `now`: at the end of the warm-up, snapshot the
 * counters so the report covers exactly the accesses whose latency is counted. */
static inline void runlib_acc_start(runlib_acc_t *a, mmu_t *mmu, uint64_t now)
{
    if (a->n == a->warmup && a->warmup && !a->warm_done)
        runlib_acc_end_warmup(a, mmu, now);
}

/* The measured counters: MMU, and (when a->as) OS counters minus the warm-up. */
void runlib_acc_stats(const runlib_acc_t *a, mmu_t *mmu, mmu_stats_t *st,
                      mmu_aspace_stats_t *ast);

/* Open --stats-every output: CSV when path ends in ".csv", else JSON lines.
 * Returns 0, or 2 with msg filled. */
int runlib_rows_open(runlib_rows_t *r, const char *path, uint64_t every, char *msg, size_t len);
/* Write the row that ends at the current access (called by the drivers) and
 * the last, partial one (runlib_rows_close). */
void runlib_rows_emit(runlib_acc_t *a, mmu_t *mmu);
int runlib_rows_close(runlib_acc_t *a, mmu_t *mmu);

/* After each access issued at `now` with result *res. */
static inline void runlib_acc_note(runlib_acc_t *a, uint64_t now, const mmu_result_t *res)
{
    a->n++;
    const uint64_t end = res->done_at + res->lat_data;
    a->last_done = end > a->last_done ? end : a->last_done;
    a->rows.lat_sum += res->done_at - now;
    if (a->n > a->warmup) {
        const uint64_t lat = res->done_at - now;
        a->hist[lat < RUNLIB_LAT_BUCKETS ? lat : RUNLIB_LAT_BUCKETS - 1]++;
        a->lat_sum += lat;
        a->lat_max = lat > a->lat_max ? lat : a->lat_max;
        a->counted++;
        const uint64_t load = end - now;
        a->load_sum += load;
        a->load_max = load > a->load_max ? load : a->load_max;
        if (a->load_hist)
            a->load_hist[load < RUNLIB_LAT_BUCKETS ? load : RUNLIB_LAT_BUCKETS - 1]++;
        if (a->walk_hist && res->served == MMU_SERVED_WALK) {
            const uint64_t w = res->lat_walk;
            a->walk_hist[w < RUNLIB_LAT_BUCKETS ? w : RUNLIB_LAT_BUCKETS - 1]++;
            a->walked++;
            a->walk_sum += w;
        }
    }
}

/* One MMU of a batch that a single decoded stream feeds (`mmusim sweep`): its
 * own clocks, accounting and, for traces, address space. A lane that fails
 * stops; the others go on. */
typedef struct runlib_lane {
    mmu_t *mmu;
    mmu_aspace_t *as;  /* traces: the demand-paging driver of this MMU */
    runlib_acc_t *a;
    uint64_t ready[MMU_SYNTH_CHAINS_MAX]; /* synthetic: when each chain may issue */
    uint64_t round_end;                   /* synthetic, lockstep: the round's end */
    unsigned in_round;
    int err;           /* 0 while it runs; else as the drive functions return */
    uint64_t bad_la;   /* synthetic: the address of the access that failed */
    uint64_t bad_rec;  /* traces: the record that failed (mmu_trace_records) */
    char msg[512];     /* traces: why */
} runlib_lane_t;

/* Issue the stream of g and account for its accesses in *a. Closed loop
 * (interval 0): an access completes when its translation and its data line
 * (res.lat_data, with cfg.data_lines) are done, and the next access of its
 * chain is issued gap cycles later. With g's chains > 1 the chains are in
 * flight together: the stream's next address goes to the chain that is free
 * first; with lockstep, one access per chain is issued together and the next
 * round waits for all of them. Open loop (interval != 0, one chain): one access
 * every `interval` cycles, whatever completes. Returns 0, or the mmu_translate
 * error of the access that failed, or RUNLIB_ECLOCK when its issue time would
 * reach RUNLIB_CLOCK_MAX (then *bad_la is its address and the accounting stops
 * before it). gap and interval must be <= RUNLIB_CYCLE_LIMIT. */
int runlib_synth_drive(mmu_t *mmu, mmu_synth_t *g, runlib_acc_t *a, uint64_t gap,
                       uint64_t interval, uint64_t *bad_la);

/* The same for n lanes fed one generator: every address is produced once and
 * issued to each lane at that lane's own times, so each lane gets exactly what
 * runlib_synth_drive would give it alone. A failing lane keeps its err and
 * bad_la and drops out. Returns 0 when no lane failed, else -1. These two
 * lane functions are the CLI's only per-access loops (issue 17's batched
 * translate goes here). */
int runlib_synth_drive_lanes(runlib_lane_t *l, unsigned n, mmu_synth_t *g, uint64_t gap,
                             uint64_t interval);

/* Where a trace run stops and where its warm-up ends, counted in records of the
 * input format (mmu_trace_input_records: a ChampSim instruction, a lackey
 * line) as well as in accesses; 0 = no limit / not by records. */
typedef struct runlib_trace_lim {
    uint64_t max_accesses, max_records, warmup_records;
} runlib_trace_lim_t;

/* Feed trace records to the address-space driver until the trace ends or a
 * limit of *lim is reached, accounting for each access in *a. Accesses of a
 * process the OOM killer ended are not translated and not counted. Returns 0;
 * 1 when the reader failed (mmu_trace_error says where); 2 when the OS stopped
 * the run (mmu_aspace_stop_reason says why); -1 when the driver refused a
 * record (msg is then "file:LINE: why" or "file: byte N: why", where the
 * record came from: mmu_trace_where) or the model's clock would pass
 * RUNLIB_CLOCK_MAX (msg says why). */
int runlib_trace_drive(mmu_aspace_t *as, mmu_t *mmu, mmu_trace_reader_t *tr, runlib_acc_t *a,
                       const runlib_trace_lim_t *lim, char *msg, size_t len);

/* The same for n lanes (each with its own address space) fed one reader: each
 * record is decoded once and fed to every lane. A lane the driver refuses
 * keeps err = -1 (RUNLIB_ECLOCK for the clock, RUNLIB_ESTOP when the OS
 * stopped it), msg and bad_rec, and drops out. Returns 1 when the reader failed, else 0 (check each lane's err). */
int runlib_trace_drive_lanes(runlib_lane_t *l, unsigned n, mmu_trace_reader_t *tr,
                             const runlib_trace_lim_t *lim);

#endif
