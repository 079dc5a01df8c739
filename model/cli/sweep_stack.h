/* SPDX-License-Identifier: Apache-2.0 */
/* `mmusim sweep` with [sweep] stack_distance = yes: the L2 TLB miss counts of
 * many L2 geometries from one run (Mattson et al. 1970, "Evaluation
 * techniques for storage hierarchies"). An LRU array holding the top W
 * entries of each set's recency stack hits exactly the references whose
 * per-set stack depth is at most W, so one pass that records every depth
 * gives the hits of every way count at a fixed set count (sets = 1: every
 * size of a fully associative array); a pass per distinct set count, all fed
 * by the same run, covers a sweep whose set count varies too.
 *
 * That holds only while the array's reference stream does not depend on its
 * own size and nothing but LRU replacement removes entries; sw_stack_check
 * and sw_stack_verdict refuse the sweeps and runs where it does not.
 *
 * Two layers: sd_lru_t, the exact stack-depth engine (pure, unit-tested
 * against the model's own TLB arrays), and sw_stack_t, which turns the L2
 * events of one MMU (model/l2obs.h) into per-geometry counts. */
#ifndef MMU_CLI_SWEEP_STACK_H
#define MMU_CLI_SWEEP_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmu/mmu.h"
#include "mmu/mmu_config.h"
#include "mmu/mmu_stats.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the engine -------------------------------------------------------------------- */

/* Per-set LRU stacks over keys (k0, k1): k0's low bits pick the set. Each set
 * keeps one marker per key at the local time of its last reference in a
 * Fenwick tree, so a depth is one prefix sum (O(log n)), not a list walk; a
 * set's time line is renumbered when it fills (amortised O(1) a reference). */
typedef struct sd_set {
    uint32_t *bit; /* Fenwick tree over positions 1..cap */
    uint32_t *at;  /* per position: the record whose marker is there, or SD_NONE */
    uint32_t cap, next, live;
} sd_set_t;

typedef struct sd_rec {
    uint64_t k0;
    uint32_t k1;
    uint32_t pos;  /* position of its marker in its set */
    uint8_t flag;  /* for the caller (sw_stack_t: the page's D bit) */
} sd_rec_t;

typedef struct sd_lru {
    unsigned sets;
    sd_set_t *set;
    sd_rec_t *rec;
    uint32_t nrec, rec_cap;
    uint32_t *hash; /* open addressing: record index + 1, 0 = empty */
    uint32_t hash_mask;
} sd_lru_t;

#define SD_NONE UINT32_MAX

/* sets: a power of two >= 1. Returns 0 or -1 (out of memory). */
int sd_lru_init(sd_lru_t *s, unsigned sets);
void sd_lru_free(sd_lru_t *s);

/* Reference (k0, k1) in set k0 & (sets - 1): returns its depth in that set's
 * LRU stack before the reference (1 = the most recently used key of the set)
 * or 0 on its first reference, and moves it to the top. *rec (when non-NULL)
 * gets its record, valid until the next call. Returns UINT64_MAX when out of
 * memory. */
uint64_t sd_lru_ref(sd_lru_t *s, uint64_t k0, uint32_t k1, sd_rec_t **rec);

/* ---- the sweep's pass ------------------------------------------------------------------ */

/* One L2 geometry of the swept array: sets x ways (entries = sets * ways). */
typedef struct sw_geom {
    unsigned sets, ways;
} sw_geom_t;

typedef struct sw_stack sw_stack_t;

/* Whether the stack pass gives exact counts for these configurations: cfg[0]
 * is the run's own (the base), cfg[1..n-1] the other points. They must differ
 * only in the entries and ways of one L2 array, which must use LRU, low-bit
 * set indexing (or be fully associative), be the only L2 array holding its
 * page sizes, with a non-inclusive L2 and no PTE coalescing. Returns 0 with
 * *arr = that array's index, or -1 with the reason in why. */
int sw_stack_check(const mmu_config_t *cfg, unsigned n, unsigned *arr, char *why, size_t len);

/* A pass over array `arr` (of base configuration *base) for the geometries
 * g[0..n) (g[0]: the base's own). counted: the caller's flag, read at each L2
 * lookup, saying whether the access is measured (after the warm-up). Returns
 * NULL when out of memory. */
sw_stack_t *sw_stack_new(const mmu_config_t *base, unsigned arr, const sw_geom_t *g, unsigned n,
                         const int *counted);
void sw_stack_free(sw_stack_t *s);

/* Observe mmu's L2 (mmu_l2_observe) into s; before the first access. Takes a
 * snapshot of the counters that tell whether the pass stays exact. */
void sw_stack_attach(sw_stack_t *s, mmu_t *mmu);

/* After the run. *base_st: the base run's measured counters (runlib_acc_stats).
 * Returns 0 when the pass is exact for this run, else -1 with why (an
 * invalidation or a protection fault happened, or the pass disagrees with
 * the base run's own L2 counters). */
int sw_stack_verdict(sw_stack_t *s, mmu_t *mmu, const mmu_stats_t *base_st, char *why,
                     size_t len);

/* The statistics of geometry i: *st is *base_st with every counter the pass
 * gives replaced by geometry i's, and *given[k] (k: mmu_stats index) says
 * which of them are valid for it (the others differ between geometries and
 * are not known). */
void sw_stack_stats(const sw_stack_t *s, unsigned i, const mmu_stats_t *base_st,
                    mmu_stats_t *st, bool *given);

/* Whether mmu_stats index k is a counter the pass gives (same for every
 * geometry). */
bool sw_stack_gives(unsigned k);

#ifdef __cplusplus
}
#endif

#endif
