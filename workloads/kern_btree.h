/* SPDX-License-Identifier: Apache-2.0 */
/* B+-tree lookups in a bulk-loaded in-memory B+-tree. Tree, layout and
 * stream: workloads/README.md, "btree". */
#ifndef MMU_WORKLOADS_KERN_BTREE_H
#define MMU_WORKLOADS_KERN_BTREE_H

#include <stddef.h>
#include <stdint.h>

#include "kern.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MMU_KERN_BTREE_FANOUT_MIN 3u
#define MMU_KERN_BTREE_FANOUT_MAX 1024u
#define MMU_KERN_BTREE_LEVELS_MAX 48u

/* A node of fanout F is 16 F bytes of 8-byte words: word 0 the count (keys
 * in a leaf, children in an inner node), words 1 .. F-1 the keys (an inner
 * node's separators), words F .. 2F-1 the pointers (an inner node's
 * children; a leaf's values, its last word the link to the next leaf). */
typedef struct mmu_kern_btree {
    uint64_t keys;       /* N: keys 1, 3, 5, ..., 2N-1 */
    unsigned fanout, height, hit_pct;
    uint64_t node_bytes; /* 16 * fanout */
    uint64_t count[MMU_KERN_BTREE_LEVELS_MAX]; /* nodes per level, level 0 = leaves */
    uint64_t first[MMU_KERN_BTREE_LEVELS_MAX]; /* index of the level's first node */
    uint64_t span[MMU_KERN_BTREE_LEVELS_MAX];  /* keys under a full node of the level */
    unsigned lookup_max;                       /* accesses of the longest lookup */
    uint64_t footprint, qkey;
    uint64_t q;                                /* lookups emitted */
} mmu_kern_btree_t;

/* Build the tree for ws bytes: the most keys whose nodes fit. fanout
 * 3..1024, hit_pct 0..100. Returns 0, or MMU_EINVAL with "ws: ..." in msg. */
int mmu_kern_btree_setup(mmu_kern_btree_t *k, uint64_t ws, unsigned fanout, unsigned hit_pct,
                         uint64_t seed, char *msg, size_t len);

/* The key looked up by lookup q (0, 1, ...): an odd key (present) with
 * probability hit_pct, else an even one (absent), uniform either way. */
uint64_t mmu_kern_btree_query(const mmu_kern_btree_t *k, uint64_t q);

/* Emit the next lookups into buf (at most MMU_KERN_STEP_MAX); returns how
 * many accesses (>= 1). */
unsigned mmu_kern_btree_step(mmu_kern_btree_t *k, uint64_t *buf);

#ifdef __cplusplus
}
#endif

#endif /* MMU_WORKLOADS_KERN_BTREE_H */
