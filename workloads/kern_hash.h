/* SPDX-License-Identifier: Apache-2.0 */
/* Hash join (build + probe) and hash-table probes: a chained hash table built
 * from relation R and probed with relation S, as in a main-memory
 * no-partitioning join. Table, layout and stream: workloads/README.md,
 * "hashjoin / hashprobe". */
#ifndef MMU_WORKLOADS_KERN_HASH_H
#define MMU_WORKLOADS_KERN_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kern.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MMU_KERN_HASH_GROUP 64u   /* buckets per group: the unit the table is generated in */
#define MMU_KERN_HASH_LOAD_MAX 8u /* tuples per bucket, on average */
/* The longest chain: every tuple of a group in one bucket. */
#define MMU_KERN_HASH_CHAIN_MAX (MMU_KERN_HASH_GROUP * MMU_KERN_HASH_LOAD_MAX)
#define MMU_KERN_HASH_NULL UINT64_MAX

/* Element sizes: R and S tuples {key, payload}, table nodes {key, payload, next}. */
#define MMU_KERN_HASH_TUPLE 16u
#define MMU_KERN_HASH_NODE 24u

typedef struct mmu_kern_hash {
    bool join;                 /* build R first (hashjoin), or only probe (hashprobe) */
    unsigned load, ratio, hit_pct;
    uint64_t buckets, nr, ns;  /* buckets = 64 * groups, nr = load * buckets, ns = ratio * nr */
    uint64_t ball_key, hash_key, s_key;
    mmu_kern_perm_t order;     /* table slot -> R index (insertion order) */
    /* Byte offsets of the arrays from the base (at_r unused by hashprobe). */
    uint64_t at_r, at_s, at_head, at_pool, footprint;
    /* Stream position: the next R tuple to insert or S tuple to probe, and
     * the chain being walked (R indices, last inserted first). */
    bool building, walking;
    uint64_t i, target;
    unsigned chain_len, chain_at;
    uint64_t chain[MMU_KERN_HASH_CHAIN_MAX];
} mmu_kern_hash_t;

/* Build the table for ws bytes: the most 64-bucket groups whose arrays fit.
 * load 1..8, ratio (|S| / |R|) 1..1000, hit_pct 0..100. Returns 0, or
 * MMU_EINVAL with "ws: ..." in msg. */
int mmu_kern_hash_setup(mmu_kern_hash_t *k, bool join, uint64_t ws, unsigned load,
                        unsigned ratio, unsigned hit_pct, uint64_t seed, char *msg, size_t len);

/* hashjoin: start the stream pct percent (0..99) into build + first probe
 * pass, counted in tuples (R's inserts, then S's probes: with ratio=1, 50
 * starts the probes). */
void mmu_kern_hash_seek(mmu_kern_hash_t *k, unsigned pct);

/* The real hash function the join uses: bucket of a key. */
static inline uint64_t mmu_kern_hash_bucket(const mmu_kern_hash_t *k, uint64_t key)
{
    return mmu_kern_mix(key ^ k->hash_key) % k->buckets;
}

/* The data: key of R tuple i (i < nr) and of S tuple j (j < ns). R keys are
 * distinct; an S key either equals one R key or none. */
uint64_t mmu_kern_hash_r_key(const mmu_kern_hash_t *k, uint64_t i);
uint64_t mmu_kern_hash_s_key(const mmu_kern_hash_t *k, uint64_t j);

/* How the generated table is made (exposed for tests): table slot s holds
 * R tuple mmu_kern_perm_fwd(&k->order, s), and lies in this bucket. */
uint64_t mmu_kern_hash_slot_bucket(const mmu_kern_hash_t *k, uint64_t s);

/* Emit the next accesses into buf (at most MMU_KERN_STEP_MAX); returns how
 * many (>= 1). */
unsigned mmu_kern_hash_step(mmu_kern_hash_t *k, uint64_t *buf);

#ifdef __cplusplus
}
#endif

#endif /* MMU_WORKLOADS_KERN_HASH_H */
