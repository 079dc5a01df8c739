/* SPDX-License-Identifier: Apache-2.0 */
/* GUPS, the HPCC RandomAccess kernel: for each update, ran = LFSR(ran) and
 * Table[ran mod size] ^= ran, a read then a write of one 8-byte word. The
 * table is the whole working set. HPCC sizes its table to a power of two and
 * masks; "mod" is the same for a power of two and lets any ws be used. HPCC
 * interleaves 128 such streams to expose parallelism; one stream touches the
 * same distribution of words, and is what one core's loop does. */
#include "kern_gups.h"

#include <stdio.h>

#include "mmu/mmu.h"

#define SALT_GUPS 0x6775707374726561ull

int mmu_kern_gups_setup(mmu_kern_gups_t *k, uint64_t ws, uint64_t seed, char *msg, size_t len)
{
    if (ws < 8) {
        if (msg && len)
            snprintf(msg, len, "ws: must be at least 8 bytes");
        return MMU_EINVAL;
    }
    k->words = ws / 8;
    k->footprint = k->words * 8;
    /* 0 is the one state the LFSR never leaves or reaches: each step
     * multiplies by x, invertible modulo a polynomial with constant term 1. */
    k->start = mmu_kern_mix(seed ^ SALT_GUPS);
    if (k->start == 0)
        k->start = 1;
    k->ran = k->start;
    return 0;
}

unsigned mmu_kern_gups_step(mmu_kern_gups_t *k, uint64_t *buf)
{
    uint64_t ran = k->ran;
    const uint64_t words = k->words;
    unsigned n = 0;
    if ((words & (words - 1)) == 0) { /* the usual power-of-two table: a mask */
        for (; n < MMU_KERN_STEP_MAX; n += 2) {
            ran = mmu_kern_gups_next(ran);
            const uint64_t off = (ran & (words - 1)) * 8;
            buf[n] = MMU_KERN_RD(off);
            buf[n + 1] = MMU_KERN_WR(off);
        }
    } else {
        for (; n < MMU_KERN_STEP_MAX; n += 2) {
            ran = mmu_kern_gups_next(ran);
            const uint64_t off = (ran % words) * 8;
            buf[n] = MMU_KERN_RD(off);
            buf[n + 1] = MMU_KERN_WR(off);
        }
    }
    k->ran = ran;
    return n;
}
