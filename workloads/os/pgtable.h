/* SPDX-License-Identifier: Apache-2.0 */
/* Page tables as the OS writes them (SDM 4.5): walking to an entry, creating
 * the tables on the way from the OS's page allocator, and visiting every
 * entry of an address space when it is torn down. Words are read and written
 * in the same memory the MMU walks (mmu_sparse_mem_t), so what the OS writes
 * is exactly what the hardware sees. Non-leaf entries get P|RW|US (only the
 * leaf decides rights), as mmu_ptb does. */
#ifndef MMU_WORKLOADS_OS_PGTABLE_H
#define MMU_WORKLOADS_OS_PGTABLE_H

#include <stdint.h>

#include "mmu/mmu.h"
#include "mmu/mmu_mem.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MMU_PGT_FRAME 0x000ffffffffff000ull
#define MMU_PGT_TABLE_FLAGS (MMU_PTE_P | MMU_PTE_RW | MMU_PTE_US)

typedef struct mmu_pgt {
    mmu_sparse_mem_t *mem;
    unsigned levels; /* 4 or 5 */
    /* A zeroed table frame: *pa its address. 0 or a negative MMU_E* code. */
    int (*alloc)(void *ctx, uint64_t *pa);
    void *ctx;
} mmu_pgt_t;

/* What is at va: the deepest entry reached on the way to the 4K level. */
typedef struct mmu_pgt_leaf {
    int kind;      /* 0: the entry is 0 (nothing mapped); 1: a leaf (present, or
                      not present but holding a frame: PROT_NONE); 2: a swap entry */
    unsigned level; /* level of that entry (1 = PT) */
    uint64_t epa;  /* its physical address */
    uint64_t pte;  /* its value */
} mmu_pgt_leaf_t;

/* Walk from root to va's leaf, or to the first empty entry. */
int mmu_pgt_find(const mmu_pgt_t *g, uint64_t root, uint64_t va, mmu_pgt_leaf_t *out);
/* Address of the entry at `level` for va, creating missing tables with
 * g->alloc. MMU_EEXIST if a leaf above that level maps va. *created counts
 * the tables made (may be NULL). */
int mmu_pgt_entry(const mmu_pgt_t *g, uint64_t root, uint64_t va, unsigned level, uint64_t *epa,
                  unsigned *created);
/* Write one leaf of size ps (flags without frame and PS; P forced on). */
int mmu_pgt_map(const mmu_pgt_t *g, uint64_t root, uint64_t va, uint64_t pa, mmu_page_size_t ps,
                uint64_t flags, unsigned *created);
/* Leaf entry value for frame pa with flags at page size ps. */
uint64_t mmu_pgt_leaf(uint64_t pa, mmu_page_size_t ps, uint64_t flags);
/* Visit every non-zero entry below root: leaf(ctx, va, level, epa, pte) for
 * leaves, PROT_NONE leaves and swap entries (va without sign extension);
 * table(ctx, pa) for each table frame after its entries (the root excluded). */
typedef struct mmu_pgt_visit {
    int (*leaf)(void *ctx, uint64_t va, unsigned level, uint64_t epa, uint64_t pte);
    int (*table)(void *ctx, uint64_t pa);
    void *ctx;
} mmu_pgt_visit_t;
int mmu_pgt_walk_all(const mmu_pgt_t *g, uint64_t root, const mmu_pgt_visit_t *v);

#ifdef __cplusplus
}
#endif

#endif /* MMU_WORKLOADS_OS_PGTABLE_H */
