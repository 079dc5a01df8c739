/* SPDX-License-Identifier: Apache-2.0 */
/* The sparse memory's layout (mem.c owns it), shared with the walker so that
 * a walk over mmu_sparse_mem_ops() reads its entries inline: the same radix
 * lookup mmu_sparse_mem_read64 does, without the two calls through the
 * operations and the checks that cannot fail there (walker.c). */
#ifndef MMU_MODEL_MEM_H
#define MMU_MODEL_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "mmu/mmu_mem.h"

/* A three-level radix tree over the frame number: root -> 8192-entry mid
 * node -> 8192-entry leaf node of frame pointers -> 4 KiB frame. */
#define MMU_SPARSE_NODE_BITS 13u
#define MMU_SPARSE_NODE_SIZE (1u << MMU_SPARSE_NODE_BITS)

typedef struct mmu_sparse_leaf {
    uint64_t *frame[MMU_SPARSE_NODE_SIZE];
} mmu_sparse_leaf_t;

typedef struct mmu_sparse_mid {
    mmu_sparse_leaf_t *leaf[MMU_SPARSE_NODE_SIZE];
} mmu_sparse_mid_t;

struct mmu_sparse_mem {
    uint64_t limit;          /* 2^maxphyaddr */
    mmu_sparse_mid_t **root; /* root_size entries: limit >> (12 + 2 * NODE_BITS), at least 1 */
    size_t root_size;
    uint64_t frames;
    char **slabs;            /* every slab, for freeing */
    size_t nslabs, capslabs;
    /* Root slots holding a mid node, and for each mid node its leaf slots in
     * use, so that clearing visits what was allocated, not 2^(maxphyaddr-38)
     * root slots times 8192 leaf slots (a cost every small memory paid). */
    uint32_t *used;          /* (root index << NODE_BITS) | leaf index, per leaf node */
    size_t nused, capused;
    unsigned slab_used;      /* frames handed out from slabs[nslabs - 1] */
    unsigned slab_frames;    /* frames in slabs[nslabs - 1] */
};

/* The frame holding page-frame number pfn (< limit >> 12), or NULL when
 * nothing was ever written there (all of it reads as 0). */
static inline uint64_t *mmu_sparse_mem_find(const mmu_sparse_mem_t *m, uint64_t pfn)
{
    const mmu_sparse_mid_t *mid = m->root[pfn >> (2 * MMU_SPARSE_NODE_BITS)];
    if (!mid)
        return NULL;
    const mmu_sparse_leaf_t *leaf = mid->leaf[(pfn >> MMU_SPARSE_NODE_BITS) &
                                              (MMU_SPARSE_NODE_SIZE - 1)];
    return leaf ? leaf->frame[pfn & (MMU_SPARSE_NODE_SIZE - 1)] : NULL;
}

/* The memory behind ops when they are mmu_sparse_mem_ops()'s own (read64 and
 * cmpxchg64 unchanged), else NULL: a caller that wraps them (to count or log
 * the calls) gets every call made through them. */
const mmu_sparse_mem_t *mmu_sparse_mem_of(const mmu_mem_ops_t *ops);

#endif
