/* SPDX-License-Identifier: Apache-2.0 */
/* GUPS (HPCC RandomAccess): read-modify-write updates of random words of one
 * table. Layout and stream: workloads/README.md, "gups". */
#ifndef MMU_WORKLOADS_KERN_GUPS_H
#define MMU_WORKLOADS_KERN_GUPS_H

#include <stddef.h>
#include <stdint.h>

#include "kern.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The LFSR of HPCC RandomAccess: each step multiplies by x modulo
 * x^64 + x^2 + x + 1 over GF(2) (the register's top bit is x^63). */
#define MMU_KERN_GUPS_POLY 0x7ull

typedef struct mmu_kern_gups {
    uint64_t words;     /* table size in 8-byte words */
    uint64_t footprint; /* bytes used from the base: 8 * words */
    uint64_t start;     /* the random value before the first update */
    uint64_t ran;       /* stream position: the last random value used */
} mmu_kern_gups_t;

/* Size the table for ws bytes (a multiple of 8, >= 8) and seed the stream.
 * Returns 0, or MMU_EINVAL with "ws: ..." in msg. */
int mmu_kern_gups_setup(mmu_kern_gups_t *k, uint64_t ws, uint64_t seed, char *msg, size_t len);

/* The next random value of the update stream: ran << 1, XOR POLY when the
 * bit shifted out was set. */
static inline uint64_t mmu_kern_gups_next(uint64_t ran)
{
    return (ran << 1) ^ ((int64_t)ran < 0 ? MMU_KERN_GUPS_POLY : 0);
}

/* The word an update with random value ran touches. */
static inline uint64_t mmu_kern_gups_index(const mmu_kern_gups_t *k, uint64_t ran)
{
    return ran % k->words;
}

/* Emit the accesses of the next updates into buf (at most
 * MMU_KERN_STEP_MAX); returns how many. */
unsigned mmu_kern_gups_step(mmu_kern_gups_t *k, uint64_t *buf);

#ifdef __cplusplus
}
#endif

#endif /* MMU_WORKLOADS_KERN_GUPS_H */
