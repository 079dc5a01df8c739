/* SPDX-License-Identifier: Apache-2.0 */
/* PageRank pull over a generated graph, a configuration model with R-MAT
 * degree distributions.
 *
 * In-degrees: the cascade of kern_csr.h over the vertex ids, so in_off (the
 * CSR row pointers the pull loop reads) is its prefix sum.
 * Out-degrees: the expected degrees of an R-MAT graph with the same share p,
 * assigned by rank. With L = ceil(log2 v), R-MAT gives C(L, k) of its 2^L
 * vertices k heavy choices and a degree proportional to p^k (1-p)^(L-k);
 * here class k gets that fraction of the v vertices and of the e out-stubs
 * (both by cumulative rounding, so the counts add up exactly), its stubs
 * spread as evenly as integers allow (d+1 for the first ones, d for the
 * rest). Ranks run from the heaviest class down and a keyed bijection maps
 * vertex ids to ranks, so the heavy vertices are scattered over the ids.
 * Edges: a keyed bijection of [0, e) pairs in-edge slot j (in CSR order)
 * with out-stub t; in_neigh[j] is the owner of t. Every vertex therefore
 * occurs in in_neigh exactly out_deg times: the out_deg array is the true
 * out-degree of the graph in_neigh describes. Self-loops and repeated edges
 * are kept, as in the configuration model; neighbour lists are in slot
 * order, not sorted. Finding the owner of a stub is a search over at most 66
 * runs, a division and an inverse permutation: O(1), where a cascade for the
 * out-degrees would cost a walk of log v hashed levels per edge. */
#include "kern_pagerank.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "mmu/mmu.h"

#define SALT_IN 0x7072696e64656772ull
#define SALT_RANK 0x707272616e6b6f75ull
#define SALT_PAIR 0x7072706169726564ull

enum { PR_CONTRIB, PR_HEAD, PR_EDGES, PR_TAIL };

/* Lay the arrays out for v vertices; returns the end of the last one. */
static uint64_t layout(mmu_kern_pagerank_t *k, uint64_t v, uint64_t e)
{
    k->at_out_deg = 0;
    k->at_in_off = mmu_kern_align(k->at_out_deg + 4 * v);
    k->at_in_neigh = mmu_kern_align(k->at_in_off + 8 * (v + 1));
    k->at_score = mmu_kern_align(k->at_in_neigh + 4 * e);
    k->at_contrib = mmu_kern_align(k->at_score + 4 * v);
    return k->at_contrib + 4 * v;
}

static uint64_t layout_fn(void *k, uint64_t v, uint64_t e)
{
    return layout(k, v, e);
}

/* The out-degree runs. Class weights are computed in doubles with + * /
 * only (IEEE arithmetic, no libm, so the same on every host); the cumulative
 * rounding makes the integer totals exact whatever the rounding did. */
static void out_degrees(mmu_kern_pagerank_t *k, unsigned skew_pct)
{
    unsigned L = 0;
    while ((1ull << L) < k->v)
        L++;
    const double p = skew_pct / 100.0;
    double binom[33], weight[33], vfrac_sum = 0, mass_sum = 0;
    binom[0] = 1;
    for (unsigned i = 1; i <= L; i++)
        binom[i] = binom[i - 1] * (double)(L - i + 1) / (double)i;
    /* Class k (k heavy choices) in rank order: k = L first. */
    for (unsigned c = 0; c <= L; c++) {
        const unsigned kk = L - c;
        weight[c] = 1;
        for (unsigned i = 0; i < L; i++)
            weight[c] *= i < kk ? p : 1 - p;
        vfrac_sum += binom[kk];
        mass_sum += binom[kk] * weight[c];
    }
    double vcum = 0, mcum = 0;
    uint64_t rank = 0, stub = 0;
    unsigned r = 0;
    for (unsigned c = 0; c <= L; c++) {
        const unsigned kk = L - c;
        vcum += binom[kk];
        mcum += binom[kk] * weight[c];
        const uint64_t rank_end =
            c == L ? k->v : (uint64_t)llround(vcum / vfrac_sum * (double)k->v);
        uint64_t stub_end = c == L ? k->e : (uint64_t)llround(mcum / mass_sum * (double)k->e);
        if (rank_end == rank) /* no vertex for the class: its stubs go to the next */
            continue;
        if (stub_end < stub)
            stub_end = stub;
        const uint64_t n = rank_end - rank, t = stub_end - stub, d = t / n, extra = t % n;
        if (extra) {
            k->run_rank[r] = rank;
            k->run_stub[r] = stub;
            k->run_deg[r++] = d + 1;
        }
        k->run_rank[r] = rank + extra;
        k->run_stub[r] = stub + extra * (d + 1);
        k->run_deg[r++] = d;
        rank = rank_end;
        stub = stub_end;
    }
    k->runs = r;
    k->run_rank[r] = k->v;
    k->run_stub[r] = k->e;
}

int mmu_kern_pagerank_setup(mmu_kern_pagerank_t *k, uint64_t ws, unsigned deg,
                            unsigned skew_pct, uint64_t seed, char *msg, size_t len)
{
    /* The largest v whose layout fits: the end grows with v. */
    uint64_t v;
    const int rc = mmu_kern_fit(k, layout_fn, ws, deg, ws / (20 + 4ull * deg) + 1,
                                MMU_KERN_PAGERANK_V_MAX, "one vertex", "2^31 vertices", &v, msg,
                                len);
    if (rc)
        return rc;
    k->v = v;
    k->e = v * deg;
    k->footprint = layout(k, k->v, k->e);
    mmu_kern_cascade_init(&k->in, k->v, k->e, skew_pct, mmu_kern_mix(seed ^ SALT_IN));
    mmu_kern_perm_init(&k->rank, k->v, mmu_kern_mix(seed ^ SALT_RANK));
    mmu_kern_perm_init(&k->pair, k->e, mmu_kern_mix(seed ^ SALT_PAIR));
    out_degrees(k, skew_pct);
    k->phase = PR_CONTRIB;
    k->u = k->j = k->jend = 0;
    return 0;
}

void mmu_kern_pagerank_seek(mmu_kern_pagerank_t *k, unsigned pct)
{
    const uint64_t item = 2 * k->v * pct / 100;
    if (item < k->v) {
        k->phase = PR_CONTRIB;
        k->u = item;
    } else {
        k->phase = PR_HEAD;
        k->u = item - k->v;
        k->jend = mmu_kern_cascade_start(&k->in, k->u);
    }
}

uint64_t mmu_kern_pagerank_in_off(const mmu_kern_pagerank_t *k, uint64_t u)
{
    return mmu_kern_cascade_start(&k->in, u);
}

/* The last run whose first element (in `at`) is <= x. */
static unsigned find_run(const uint64_t *at, unsigned runs, uint64_t x)
{
    unsigned lo = 0, n = runs;
    while (n > 1) {
        const unsigned half = n / 2;
        lo = at[lo + half] <= x ? lo + half : lo;
        n -= half;
    }
    return lo;
}

uint64_t mmu_kern_pagerank_in_neigh(const mmu_kern_pagerank_t *k, uint64_t j)
{
    const uint64_t t = mmu_kern_perm_fwd(&k->pair, j);
    const unsigned r = find_run(k->run_stub, k->runs, t);
    const uint64_t rank = k->run_rank[r] + (t - k->run_stub[r]) / k->run_deg[r];
    return mmu_kern_perm_inv(&k->rank, rank);
}

uint64_t mmu_kern_pagerank_out_deg(const mmu_kern_pagerank_t *k, uint64_t u)
{
    return k->run_deg[find_run(k->run_rank, k->runs, mmu_kern_perm_fwd(&k->rank, u))];
}

/* One iteration (the GAP loop, scores and contributions as float):
 *   for v:  contrib[v] = score[v] / out_deg[v]
 *   for u:  sum = 0; for j in in_off[u] .. in_off[u+1]-1: sum += contrib[in_neigh[j]]
 *           score[u] = base + d * sum   (the old score is read for the error sum)
 * then the next iteration, for as long as the stream runs. */
unsigned mmu_kern_pagerank_step(mmu_kern_pagerank_t *k, uint64_t *buf)
{
    unsigned n = 0;
    uint64_t u = k->u;
    while (n + 4 <= MMU_KERN_STEP_MAX) {
        switch (k->phase) {
        case PR_CONTRIB:
            buf[n++] = MMU_KERN_RD(k->at_score + 4 * u);
            buf[n++] = MMU_KERN_RD(k->at_out_deg + 4 * u);
            buf[n++] = MMU_KERN_WR(k->at_contrib + 4 * u);
            if (++u == k->v) {
                u = 0;
                k->jend = 0;
                k->phase = PR_HEAD;
            }
            break;
        case PR_HEAD:
            buf[n++] = MMU_KERN_RD(k->at_in_off + 8 * u);
            buf[n++] = MMU_KERN_RD(k->at_in_off + 8 * (u + 1));
            k->j = k->jend;
            k->jend = mmu_kern_cascade_start(&k->in, u + 1);
            k->phase = PR_EDGES;
            break;
        case PR_EDGES: {
            uint64_t j = k->j;
            const uint64_t stop = j + (MMU_KERN_STEP_MAX - n) / 2;
            const uint64_t end = stop < k->jend ? stop : k->jend;
            for (; j < end; j++) {
                buf[n++] = MMU_KERN_RD(k->at_in_neigh + 4 * j);
                buf[n++] = MMU_KERN_RD(k->at_contrib + 4 * mmu_kern_pagerank_in_neigh(k, j));
            }
            k->j = j;
            if (j == k->jend)
                k->phase = PR_TAIL;
            break;
        }
        case PR_TAIL:
            buf[n++] = MMU_KERN_RD(k->at_score + 4 * u);
            buf[n++] = MMU_KERN_WR(k->at_score + 4 * u);
            if (++u == k->v)
                u = 0, k->phase = PR_CONTRIB;
            else
                k->phase = PR_HEAD;
            break;
        }
    }
    k->u = u;
    return n;
}
