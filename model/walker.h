/* Page walker: the level loop, its memory references and the locked
 * accessed/dirty updates (SDM 4.5, 4.8). */
#ifndef MMU_MODEL_WALKER_H
#define MMU_MODEL_WALKER_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/mmu.h"
#include "pte.h"

/* Fixed at create time. */
typedef struct mmu_walker {
    mmu_mem_ops_t mem;
    uint64_t frame_mask; /* bits MAXPHYADDR-1:12 */
    bool page_1g;
    unsigned ad_on_fault; /* mmu_ad_on_fault_t */
    unsigned retry_limit;
} mmu_walker_t;

/* Derived from the control registers whenever they are loaded. */
typedef struct mmu_walk_mode {
    unsigned levels;       /* 4 or 5 (CR4.LA57) */
    unsigned la_width;     /* 48 or 57 */
    uint64_t root;         /* CR3 bits MAXPHYADDR-1:12 */
    mmu_pte_ctl_t ctl;
    mmu_pte_rsvd_t rsvd;
} mmu_walk_mode_t;

/* Walk the tables for a canonical req->la. Fills res->fault (PF or NONE), and
 * on success pa, page_size, perms, pkey, global; always mem_refs.
 * Returns 0, a memory-interface error, or MMU_ERETRY. */
int mmu_walker_walk(const mmu_walker_t *w, const mmu_walk_mode_t *m, const mmu_req_t *req,
                    mmu_result_t *res);

#endif
