/* SPDX-License-Identifier: Apache-2.0 */
/* PageRank, pull direction, over a generated power-law graph in CSR form
 * (the loop of the GAP benchmark suite's PageRankPull). Graph, layout and
 * stream: workloads/README.md, "pagerank". */
#ifndef MMU_WORKLOADS_KERN_PAGERANK_H
#define MMU_WORKLOADS_KERN_PAGERANK_H

#include <stddef.h>
#include <stdint.h>

#include "kern.h"
#include "kern_csr.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Vertex ids are 32-bit, as in GAP. */
#define MMU_KERN_PAGERANK_V_MAX (1ull << 31)
/* Out-degree classes: two runs (degree d+1, then d) per R-MAT class k = 0..31. */
#define MMU_KERN_PAGERANK_RUNS 66

typedef struct mmu_kern_pagerank {
    uint64_t v, e;               /* vertices; edges */
    mmu_kern_cascade_t in;       /* in-degrees: in_off is its prefix sum */
    mmu_kern_perm_t rank;        /* vertex -> out-degree rank (0 = largest out-degree) */
    mmu_kern_perm_t pair;        /* in-edge slot -> out-stub: the configuration model */
    /* Out-degrees by rank: run r holds ranks [run_rank[r], run_rank[r+1]),
     * each with run_deg[r] out-stubs, stubs [run_stub[r], run_stub[r+1]). */
    unsigned runs;
    uint64_t run_rank[MMU_KERN_PAGERANK_RUNS + 1];
    uint64_t run_stub[MMU_KERN_PAGERANK_RUNS + 1];
    uint64_t run_deg[MMU_KERN_PAGERANK_RUNS];
    /* Byte offsets of the arrays from the base. */
    uint64_t at_out_deg;   /* int32 out_deg[v] */
    uint64_t at_in_off;    /* int64 in_off[v+1] */
    uint64_t at_in_neigh;  /* int32 in_neigh[e] */
    uint64_t at_score;     /* float score[v] */
    uint64_t at_contrib;   /* float contrib[v] */
    uint64_t footprint;    /* end of the last array */
    /* Stream position. */
    unsigned phase;
    uint64_t u, j, jend;
} mmu_kern_pagerank_t;

/* Build the graph for ws bytes: the most vertices whose arrays fit, with
 * deg (1..1000) edges per vertex on average and skew_pct (50..99) as the
 * R-MAT share of both degree distributions. Returns 0, or MMU_EINVAL with
 * "ws: ..." in msg. */
int mmu_kern_pagerank_setup(mmu_kern_pagerank_t *k, uint64_t ws, unsigned deg,
                            unsigned skew_pct, uint64_t seed, char *msg, size_t len);

/* Start the stream pct percent (0..99) into the first iteration, counted in
 * vertex visits: the contribution loop's v, then the pull loop's v (so 50
 * starts the pull loop at vertex 0). */
void mmu_kern_pagerank_seek(mmu_kern_pagerank_t *k, unsigned pct);

/* The arrays' contents: in_off[u] (u <= v), in_neigh[j] (j < e), out_deg[u]. */
uint64_t mmu_kern_pagerank_in_off(const mmu_kern_pagerank_t *k, uint64_t u);
uint64_t mmu_kern_pagerank_in_neigh(const mmu_kern_pagerank_t *k, uint64_t j);
uint64_t mmu_kern_pagerank_out_deg(const mmu_kern_pagerank_t *k, uint64_t u);

/* Emit the next accesses into buf (at most MMU_KERN_STEP_MAX); returns how
 * many (>= 1). */
unsigned mmu_kern_pagerank_step(mmu_kern_pagerank_t *k, uint64_t *buf);

#ifdef __cplusplus
}
#endif

#endif /* MMU_WORKLOADS_KERN_PAGERANK_H */
