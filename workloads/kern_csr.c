/* SPDX-License-Identifier: Apache-2.0 */
/* The cascade of kern_csr.h: row pointers and slot owners of a generated CSR
 * structure, without storing it. */
#include "kern_csr.h"

#include <assert.h>

__extension__ typedef unsigned __int128 u128;

void mmu_kern_cascade_init(mmu_kern_cascade_t *c, uint64_t rows, uint64_t total,
                           unsigned skew_pct, uint64_t key)
{
    assert(rows >= 1 && skew_pct >= 50 && skew_pct < 100);
    c->rows = rows;
    c->total = total;
    c->key = key;
    c->levels = 0;
    while ((1ull << c->levels) < rows)
        c->levels++;
    c->heavy = ((uint64_t)skew_pct << 32) / 100;
    /* The node at depth d on the path to row rows-1 covers [lo, lo + 2^(L-d))
     * cut at rows. Where both children hold rows but the right one fewer,
     * shares are weighed by rows: left/(left + right) of the weighted rows. */
    uint64_t lo = 0;
    for (unsigned d = 0; d < c->levels; d++) {
        const uint64_t half = 1ull << (c->levels - d - 1), mid = lo + half;
        c->cut[d][0] = c->cut[d][1] = 1ull << 32; /* right child empty: all left */
        if (mid < rows) {
            const uint64_t nl = half, nr = rows - mid < half ? rows - mid : half;
            for (unsigned heavy_left = 0; heavy_left < 2; heavy_left++) {
                const uint64_t wl = nl * (heavy_left ? skew_pct : 100 - skew_pct);
                const uint64_t wr = nr * (heavy_left ? 100 - skew_pct : skew_pct);
                c->cut[d][heavy_left] = (uint64_t)(((u128)wl << 32) / (wl + wr));
            }
            lo = mid;
        }
    }
}

/* The left child's slots out of m at heap node h (root 1, children 2h and
 * 2h+1), depth d, covering [lo, lo + size): floor(m * share + u) with u
 * uniform in [0, 1), so never above m. */
static inline uint64_t left_share(const mmu_kern_cascade_t *c, uint64_t h, unsigned d,
                                  uint64_t lo, uint64_t size, uint64_t m)
{
    const uint64_t x = mmu_kern_mix(h ^ c->key);
    uint64_t share;
    if (lo + size <= c->rows) /* a full node */
        share = (x & 1) ? c->heavy : (1ull << 32) - c->heavy;
    else
        share = c->cut[d][x & 1];
    return (uint64_t)(((u128)m * share + (x >> 32)) >> 32);
}

uint64_t mmu_kern_cascade_start(const mmu_kern_cascade_t *c, uint64_t r)
{
    assert(r <= c->rows);
    uint64_t lo = 0, size = 1ull << c->levels, m = c->total, base = 0, h = 1;
    for (unsigned d = 0;; d++) {
        if (r == lo)
            return base;
        if (r >= lo + size || r == c->rows)
            return base + m;
        const uint64_t half = size / 2, left = left_share(c, h, d, lo, size, m);
        if (r <= lo + half) {
            m = left;
            h = 2 * h;
        } else {
            base += left;
            m -= left;
            lo += half;
            h = 2 * h + 1;
        }
        size = half;
    }
}

uint64_t mmu_kern_cascade_row(const mmu_kern_cascade_t *c, uint64_t s)
{
    assert(s < c->total);
    uint64_t lo = 0, size = 1ull << c->levels, m = c->total, base = 0, h = 1;
    for (unsigned d = 0; size > 1; d++) {
        const uint64_t half = size / 2, left = left_share(c, h, d, lo, size, m);
        if (s < base + left) {
            m = left;
            h = 2 * h;
        } else {
            base += left;
            m -= left;
            lo += half;
            h = 2 * h + 1;
        }
        size = half;
    }
    return lo;
}
