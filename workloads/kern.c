/* SPDX-License-Identifier: Apache-2.0 */
/* Shared pieces of the workload kernels: the inverse mixer, the keyed
 * Feistel bijection with its inverse, and sizing a CSR layout (kern.h). */
#include "kern.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>

#include "mmu/mmu.h"

uint64_t mmu_kern_unmix(uint64_t z)
{
    z ^= (z >> 31) ^ (z >> 62);
    z *= 0x319642b2d24d8ec3ull; /* 0x94d049bb133111eb^-1 mod 2^64 */
    z ^= (z >> 27) ^ (z >> 54);
    z *= 0x96de1b173f119089ull; /* 0xbf58476d1ce4e5b9^-1 mod 2^64 */
    z ^= (z >> 30) ^ (z >> 60);
    return z;
}

void mmu_kern_perm_init(mmu_kern_perm_t *p, uint64_t n, uint64_t key)
{
    assert(n >= 1);
    p->n = n;
    p->bits = 2; /* both halves at least one bit wide */
    while ((1ull << p->bits) < n)
        p->bits++;
    p->lw = p->bits / 2;
    p->rw = p->bits - p->lw;
    for (unsigned i = 0; i < 4; i++) {
        key += 0x9e3779b97f4a7c15ull;
        p->key[i] = mmu_kern_mix(key);
    }
}


int mmu_kern_fit(void *k, mmu_kern_layout_fn layout, uint64_t ws, unsigned deg, uint64_t hi,
                 uint64_t n_max, const char *one, const char *most, uint64_t *n, char *msg,
                 size_t len)
{
    uint64_t lo = 0;
    while (lo < hi) {
        const uint64_t mid = lo + (hi - lo + 1) / 2;
        if (layout(k, mid, mid * deg) <= ws)
            lo = mid;
        else
            hi = mid - 1;
    }
    if (lo == 0) {
        if (msg && len)
            snprintf(msg, len, "ws: must be at least %" PRIu64 " bytes for %s", layout(k, 1, deg),
                     one);
        return MMU_EINVAL;
    }
    if (lo > n_max) {
        /* Any ws below the layout of n_max + 1 gives at most n_max. */
        const uint64_t most_bytes = layout(k, n_max + 1, (n_max + 1) * deg) - 1;
        if (msg && len)
            snprintf(msg, len, "ws: must be at most %" PRIu64 " bytes with deg=%u (%s)",
                     most_bytes & ~(MMU_KERN_ALIGN - 1), deg, most);
        return MMU_EINVAL;
    }
    *n = lo;
    return 0;
}
