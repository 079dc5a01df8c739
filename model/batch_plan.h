/* SPDX-License-Identifier: Apache-2.0 */
/* mmu_translate_batch's look-ahead seen from outside (batch.c), for the
 * tests: the prefetches themselves leave no trace a test could check. */
#ifndef MMU_MODEL_BATCH_PLAN_H
#define MMU_MODEL_BATCH_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "mmu/mmu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* For tests: what mmu_translate_batch would follow ahead for reqs[0..n),
 * translating nothing: window by window, with one memo of page directories
 * as in a call, the address of each followed walk's level-1 word it would
 * find and prefetch (pte[0..return value)), the word as read where it is
 * prefetched (word[], ~0 when nothing is there), and how many of the cache
 * stand-ins' levels it prefetches the sets of (*lat_levels). Over the same
 * path as the batch: the sparse memory's inline lookups (its own operations,
 * no host callbacks) or the memory's operations. 0 without peek64. */
size_t mmu_batch_ahead_plan(const mmu_t *mmu, const mmu_req_t *reqs, size_t n, uint64_t *pte,
                            uint64_t *word, unsigned *lat_levels);

#ifdef __cplusplus
}
#endif

#endif
