/* SPDX-License-Identifier: Apache-2.0 */
/* An observer of the L2 TLB's reference stream, for tools outside the core
 * that model other L2 geometries from one run (`mmusim sweep`'s stack-distance
 * pass, model/cli/sweep_stack.c). Internal to the build, not public API: the
 * events name TLB granules, which include/ does not know. With no observer
 * set (the default) it costs a predicted branch after an L1 miss and after a
 * walk's L2 fill, and nothing on an L1 hit. */
#ifndef MMU_MODEL_L2OBS_H
#define MMU_MODEL_L2OBS_H

#include <stdint.h>

#include "mmu/mmu.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    MMU_L2_HIT = 0,  /* an L2 lookup (after an L1 miss) that hit */
    MMU_L2_MISS = 1, /* an L2 lookup that missed */
    MMU_L2_FILL = 2  /* a walk's fill of the L2 (after a miss, a D assist or a re-walk) */
};

typedef struct mmu_l2_ref {
    uint64_t la;     /* the access's linear address */
    uint16_t pcid;   /* hit / fill: the entry's PCID; miss: the current one */
    uint8_t kind;    /* MMU_L2_* */
    uint8_t granule; /* hit / fill: the entry's granule (tlb.h), after splintering */
    uint8_t global;  /* hit / fill: the entry is global */
    uint8_t dirty;   /* hit: the entry's D; fill: the new entry's D */
    uint8_t write;   /* hit / miss: the access is a write */
} mmu_l2_ref_t;

typedef void (*mmu_l2_obs_fn)(void *ctx, const mmu_l2_ref_t *r);

/* Call fn(ctx, ref) on every L2 lookup and every L2 fill of mmu, in program
 * order, from inside mmu_translate (fn must not call back into mmu). fn NULL
 * turns it off. Defined in mmu.c. */
void mmu_l2_observe(mmu_t *mmu, mmu_l2_obs_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif

#endif
