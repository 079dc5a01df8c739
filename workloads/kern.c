/* SPDX-License-Identifier: Apache-2.0 */
/* Shared pieces of the workload kernels: the inverse mixer and the keyed
 * Feistel bijection with its inverse (kern.h). */
#include "kern.h"

#include <assert.h>

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

