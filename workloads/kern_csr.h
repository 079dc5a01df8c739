/* SPDX-License-Identifier: Apache-2.0 */
/* The row structure of a generated CSR array (graph adjacency, sparse
 * matrix): `total` slots (edges, non-zeros) spread over `rows` rows by a
 * multiplicative cascade, the deterministic form of R-MAT (Chakrabarti, Zhan
 * & Faloutsos 2004) that Graph500's Kronecker generator also samples from.
 *
 * A binary tree halves the row range [0, 2^L), 2^L >= rows, down to single
 * rows. Each node gives a share p of its slots to one child, chosen by a
 * keyed hash of the node, and 1-p to the other, rounded stochastically (from
 * the same hash) so the shares are integers that add up. A row's slot count
 * is the product of the shares on its path: with p = 0.76 (Graph500's a+b)
 * the counts span many orders of magnitude, the heavy-tailed (log-binomial)
 * degree distribution of R-MAT graphs; with p = 0.5 every row gets
 * total/rows +-1. When rows is not a power of two, the nodes on the path to
 * the last row are cut short; such a node weighs each child's share by the
 * rows it holds (exactly, in integers, precomputed per depth), so p = 0.5
 * stays even. Nothing is stored: the row pointer of a row (the prefix sum
 * of the counts before it) and the row owning a slot are both one walk down
 * the tree, O(log rows). */
#ifndef MMU_WORKLOADS_KERN_CSR_H
#define MMU_WORKLOADS_KERN_CSR_H

#include <stdint.h>

#include "kern.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mmu_kern_cascade {
    uint64_t rows;  /* >= 1 */
    uint64_t total; /* slots over all rows */
    uint64_t key;
    unsigned levels; /* L: 2^L >= rows */
    uint64_t heavy;  /* a full node's heavier child's share, in 2^-32 units */
    /* The cut-short node at depth d: the left child's share when the left
     * (index 1) or the right (index 0) child is the heavier. */
    uint64_t cut[64][2];
} mmu_kern_cascade_t;

/* skew_pct: the heavier child's share in percent, 50..99. */
void mmu_kern_cascade_init(mmu_kern_cascade_t *c, uint64_t rows, uint64_t total,
                           unsigned skew_pct, uint64_t key);

/* The first slot of row r (r <= rows; r == rows gives total): the CSR row
 * pointer. */
uint64_t mmu_kern_cascade_start(const mmu_kern_cascade_t *c, uint64_t r);

/* The row that holds slot s (s < total). */
uint64_t mmu_kern_cascade_row(const mmu_kern_cascade_t *c, uint64_t s);

#ifdef __cplusplus
}
#endif

#endif /* MMU_WORKLOADS_KERN_CSR_H */
