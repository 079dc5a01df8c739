/* SPDX-License-Identifier: Apache-2.0 */
/* Lookups in a B+-tree bulk-loaded from the sorted keys 1, 3, ..., 2N-1:
 * leaves filled left to right with F-1 keys each, then each level above
 * filled with F children per node, up to a single root. Nodes come from a
 * bump allocator in that order (all leaves, then level 1, ..., the root
 * last), as a bottom-up bulk load allocates them. Every node but the last
 * of its level is full, so a node's contents are arithmetic: the separator
 * before child c of a level-l node is the smallest key under c. */
#include "kern_btree.h"

#include <inttypes.h>
#include <stdio.h>

#include "mmu/mmu.h"

#define SALT_QUERY 0x62747265656b6579ull

/* Levels and node counts for n keys; returns the node total (0 if the tree
 * would need more than LEVELS_MAX levels, which no n <= 2^46 does). */
static uint64_t shape(mmu_kern_btree_t *k, uint64_t n)
{
    const uint64_t f = k->fanout;
    uint64_t nodes = (n + f - 2) / (f - 1), total = 0, span = f - 1;
    unsigned h = 0;
    for (;;) {
        if (h == MMU_KERN_BTREE_LEVELS_MAX)
            return 0;
        k->count[h] = nodes;
        k->first[h] = total;
        k->span[h] = span;
        total += nodes;
        h++;
        if (nodes == 1)
            break;
        nodes = (nodes + f - 1) / f;
        span *= f;
    }
    k->height = h;
    return total;
}

static unsigned log2_ceil(uint64_t x)
{
    unsigned b = 0;
    while ((1ull << b) < x)
        b++;
    return b;
}

int mmu_kern_btree_setup(mmu_kern_btree_t *k, uint64_t ws, unsigned fanout, unsigned hit_pct,
                         uint64_t seed, char *msg, size_t len)
{
    k->fanout = fanout;
    k->hit_pct = hit_pct;
    k->node_bytes = 16ull * fanout;
    /* The most keys whose nodes fit; the node total grows with the keys. */
    uint64_t lo = 0, hi = ws / k->node_bytes * (fanout - 1) + 1;
    while (lo < hi) {
        const uint64_t mid = lo + (hi - lo + 1) / 2, nodes = shape(k, mid);
        if (nodes && nodes <= ws / k->node_bytes)
            lo = mid;
        else
            hi = mid - 1;
    }
    if (lo == 0) {
        if (msg && len)
            snprintf(msg, len, "ws: must be at least %" PRIu64 " bytes for one node (fanout=%u)",
                     k->node_bytes, fanout);
        return MMU_EINVAL;
    }
    k->keys = lo;
    k->footprint = shape(k, lo) * k->node_bytes;
    /* Per level: the count, the binary search, the pointer; a leaf also
     * re-reads the key it stopped at. */
    k->lookup_max = k->height * (2 + log2_ceil(fanout)) + 1;
    k->qkey = mmu_kern_mix(seed ^ SALT_QUERY);
    k->q = 0;
    return 0;
}

uint64_t mmu_kern_btree_query(const mmu_kern_btree_t *k, uint64_t q)
{
    const uint64_t r = mmu_kern_mix(q ^ k->qkey), r2 = mmu_kern_mix(r);
    if (((r >> 32) * 100 >> 32) < k->hit_pct)
        return 2 * mmu_kern_mulhi(r2, k->keys) + 1;
    return 2 * mmu_kern_mulhi(r2, k->keys + 1);
}

/* One lookup of key x:
 *   node = root
 *   inner: c = node.count; lo = 0, hi = c-1            (upper bound over the separators)
 *          while lo < hi: mid = (lo+hi)/2; if node.key[mid] <= x: lo = mid+1 else hi = mid
 *          node = node.ptr[lo]
 *   leaf:  c = node.count; lo = 0, hi = c               (lower bound over the keys)
 *          while lo < hi: mid = (lo+hi)/2; if node.key[mid] < x: lo = mid+1 else hi = mid
 *          if lo < c and node.key[lo] == x: value = node.ptr[lo]
 * (key[j] is word 1+j, ptr[j] word F+j.) */
static unsigned lookup(const mmu_kern_btree_t *k, uint64_t x, uint64_t *buf)
{
    const uint64_t f = k->fanout, nb = k->node_bytes;
    unsigned n = 0;
    uint64_t y = 0; /* the node's index within its level */
    for (unsigned l = k->height - 1; l > 0; l--) {
        const uint64_t at = (k->first[l] + y) * nb;
        const uint64_t kids = k->count[l - 1] - y * f < f ? k->count[l - 1] - y * f : f;
        buf[n++] = MMU_KERN_RD(at);
        uint64_t lo = 0, hi = kids - 1;
        while (lo < hi) {
            const uint64_t mid = (lo + hi) / 2;
            buf[n++] = MMU_KERN_RD(at + 8 * (1 + mid));
            /* separator mid = the smallest key under child y*f + mid + 1 */
            if (2 * ((y * f + mid + 1) * k->span[l - 1]) + 1 <= x)
                lo = mid + 1;
            else
                hi = mid;
        }
        buf[n++] = MMU_KERN_RD(at + 8 * (f + lo));
        y = y * f + lo;
    }
    const uint64_t at = (k->first[0] + y) * nb, base = y * (f - 1);
    const uint64_t c = k->keys - base < f - 1 ? k->keys - base : f - 1;
    buf[n++] = MMU_KERN_RD(at);
    uint64_t lo = 0, hi = c;
    while (lo < hi) {
        const uint64_t mid = (lo + hi) / 2;
        buf[n++] = MMU_KERN_RD(at + 8 * (1 + mid));
        if (2 * (base + mid) + 1 < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < c) {
        buf[n++] = MMU_KERN_RD(at + 8 * (1 + lo));
        if (2 * (base + lo) + 1 == x)
            buf[n++] = MMU_KERN_RD(at + 8 * (f + lo));
    }
    return n;
}

unsigned mmu_kern_btree_step(mmu_kern_btree_t *k, uint64_t *buf)
{
    unsigned n = 0;
    while (n + k->lookup_max <= MMU_KERN_STEP_MAX)
        n += lookup(k, mmu_kern_btree_query(k, k->q++), buf + n);
    return n;
}
