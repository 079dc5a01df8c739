/* SPDX-License-Identifier: Apache-2.0 */
/* What mmu_translate_batch (batch.c) reads of the MMU to look ahead: the
 * arrays and the walk mode, never written through this view. */
#ifndef MMU_MODEL_BATCH_H
#define MMU_MODEL_BATCH_H

#include "memlat.h"
#include "tlb.h"
#include "walker.h"

typedef struct mmu_batch_view {
    const mmu_tlb_t *l1[2]; /* [fetch side, data side]: MMU_TLB_ARRAYS each */
    const mmu_tlb_t *l2;    /* MMU_TLB_ARRAYS */
    const mmu_tlb_t *psc;   /* [2] PDE .. [5] PML5E */
    const mmu_walk_mode_t *mode;
    const mmu_walker_t *walker;
    const mmu_memlat_t *lat;
    uint16_t pcid;
    bool host_cb; /* cfg.memlat_cb or cfg.walk_cb: host code runs inside a translation */
} mmu_batch_view_t;

/* Defined in mmu.c, which owns the layout. */
void mmu_batch_view(const mmu_t *mmu, mmu_batch_view_t *v);

#endif
