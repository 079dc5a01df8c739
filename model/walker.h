/* SPDX-License-Identifier: Apache-2.0 */
/* Page walker: the level loop, its memory references and the locked
 * accessed/dirty updates (SDM 4.5, 4.8). */
#ifndef MMU_MODEL_WALKER_H
#define MMU_MODEL_WALKER_H

#include <stdbool.h>
#include <stdint.h>

#include "memlat.h"
#include "mmu/mmu.h"
#include "pte.h"

/* Fixed at create time. */
typedef struct mmu_walker {
    mmu_mem_ops_t mem;
    uint64_t frame_mask; /* bits MAXPHYADDR-1:12 */
    bool page_1g;
    unsigned ad_on_fault; /* mmu_ad_on_fault_t */
    unsigned retry_limit;
    unsigned level_latency; /* walker cycles per level besides the memory access */
    mmu_memlat_t *lat;      /* latency of each page-table access (owned by the MMU) */
} mmu_walker_t;

/* Derived from the control registers whenever they are loaded. */
typedef struct mmu_walk_mode {
    unsigned levels;       /* 4 or 5 (CR4.LA57) */
    unsigned la_width;     /* 48 or 57 */
    uint64_t root;         /* CR3 bits MAXPHYADDR-1:12 */
    mmu_pte_ctl_t ctl;
    mmu_pte_rsvd_t rsvd;
} mmu_walk_mode_t;

/* Where the walk begins: at the root (level = mode levels, table = root, perms
 * W|U), or below the deepest paging-structure-cache hit (SDM 4.10.3.2: the
 * cached entry supplies the next table and the rights combined so far). */
typedef struct mmu_walk_start {
    unsigned level;
    uint64_t table;
    unsigned perms;
} mmu_walk_start_t;

/* What the final attempt of a walk read, top-down, for paging-structure-cache
 * fills and statistics. */
typedef struct mmu_walk_trace {
    unsigned n;
    uint8_t level[5];
    uint64_t entry[5]; /* as read, with the A/D bits the walk set */
    uint8_t perms[5];  /* rights combined from the root down to this entry */
    uint32_t reads, updates;
    mmu_cycle_t cycles; /* memory accesses and steps, from t0 */
    uint64_t err_pa;    /* after a memory error: the entry being accessed ... */
    bool err_locked;    /* ... and whether by the A/D compare-exchange */
} mmu_walk_trace_t;

/* Walk the tables for a canonical req->la from *start, issuing the first access
 * at cycle t0. Fills res->fault (PF or NONE), on success pa, page_size, perms,
 * pkey, global; always mem_refs; and *tr. Returns 0, a memory-interface error,
 * or MMU_ERETRY. */
int mmu_walker_walk(const mmu_walker_t *w, const mmu_walk_mode_t *m, const mmu_req_t *req,
                    const mmu_walk_start_t *start, mmu_cycle_t t0, mmu_walk_trace_t *tr,
                    mmu_result_t *res);

#endif
