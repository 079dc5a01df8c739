/* SPDX-License-Identifier: Apache-2.0 */
/* Building blocks of the workload kernels (kern_*.c): counter-based hashing,
 * a keyed bijection with its inverse, array placement and the encoding of one
 * access in a kernel's step buffer. No hardware block: stimulus only. Each
 * kernel models one algorithm on one data structure whose contents are
 * computed on the fly from the seed, so the host holds O(1) state whatever
 * the simulated footprint (workloads/README.md, "Kernels"). */
#ifndef MMU_WORKLOADS_KERN_H
#define MMU_WORKLOADS_KERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One access of a step: byte offset from the kernel's base, bit 0 set for a
 * write. Every access is to a naturally aligned 4- or 8-byte element, so
 * bit 0 of the offset is free. */
#define MMU_KERN_WRITE 1u
#define MMU_KERN_RD(off) ((uint64_t)(off))
#define MMU_KERN_WR(off) ((uint64_t)(off) | MMU_KERN_WRITE)

/* A step never emits more than this many accesses. */
#define MMU_KERN_STEP_MAX 256u

/* Arrays start on 4 KiB boundaries, as large allocations (mmap) do. */
#define MMU_KERN_ALIGN ((uint64_t)4096)

static inline uint64_t mmu_kern_align(uint64_t x)
{
    return (x + MMU_KERN_ALIGN - 1) & ~(MMU_KERN_ALIGN - 1);
}

/* splitmix64's finaliser (Steele, Lea & Flood 2014): a bijective mixer; the
 * contents of every generated structure are mmu_kern_mix(index ^ key). */
static inline uint64_t mmu_kern_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* wyrand (Wang Yi's generator, counter form): output c of the stream with
 * key k, from one 64x64->128-bit multiply. Cheaper than mmu_kern_mix where
 * many random words are drawn at once. */
static inline uint64_t mmu_kern_wyrand(uint64_t k, uint64_t c)
{
    __extension__ typedef unsigned __int128 u128;
    const uint64_t s = k + c * 0xa0761d6478bd642full;
    const u128 p = (u128)(s ^ 0xe7037ed1a0b428dbull) * s;
    return (uint64_t)(p >> 64) ^ (uint64_t)p;
}

/* The inverse of mmu_kern_mix (the multipliers' inverses modulo 2^64). */
uint64_t mmu_kern_unmix(uint64_t z);

/* floor(a * b / 2^64) and, for a uniform a, an unbiased-enough index below b
 * (the bias is below b / 2^64: the structures never exceed 2^40 elements). */
static inline uint64_t mmu_kern_mulhi(uint64_t a, uint64_t b)
{
    __extension__ typedef unsigned __int128 u128;
    return (uint64_t)(((u128)a * b) >> 64);
}

/* A keyed bijection of [0, n), n >= 1: a 4-round Feistel network on the
 * smallest power-of-two domain >= max(n, 4), with cycle-walking for the values
 * >= n (Black & Rogaway 2002), and its inverse. Not the one of synth.c's
 * chase/zipf (whose streams must stay as they are): this round function is a
 * single multiply, and the inverse is needed (the hash join maps both ways,
 * the graph's vertex ranks too). */
typedef struct mmu_kern_perm {
    uint64_t n;
    unsigned bits, lw, rw; /* domain 2^bits, split into a high lw-bit and a low rw-bit half */
    uint64_t key[4];
} mmu_kern_perm_t;

void mmu_kern_perm_init(mmu_kern_perm_t *p, uint64_t n, uint64_t key);

/* Sizing a CSR kernel to its working set: the largest n in 1..n_max whose
 * layout(k, n, n * deg) fits in ws bytes (layout is monotonic in n; hi an
 * upper bound). Returns 0 with *n set, or MMU_EINVAL with "ws: must be at
 * least/most ..." in msg, naming `one` ("one row") and `most` ("2^32 rows"). */
typedef uint64_t (*mmu_kern_layout_fn)(void *k, uint64_t n, uint64_t slots);
int mmu_kern_fit(void *k, mmu_kern_layout_fn layout, uint64_t ws, unsigned deg, uint64_t hi,
                 uint64_t n_max, const char *one, const char *most, uint64_t *n, char *msg,
                 size_t len);


/* The round function: the top w bits of a multiplicative hash (Knuth's
 * Fibonacci hashing) of the keyed half. One multiply: the kernels call the
 * permutations once or more per access. */
static inline uint64_t mmu_kern_round(uint64_t r, uint64_t key, unsigned w)
{
    return ((r ^ key) * 0x9e3779b97f4a7c15ull) >> (64 - w);
}

/* Four rounds, unrolled: each XORs one half with the round function of the
 * other (widths alternate, so no swapping is needed); each is undone by
 * repeating it, so the inverse runs them backwards. */
static inline uint64_t mmu_kern_feistel(const mmu_kern_perm_t *p, uint64_t x)
{
    uint64_t a = x >> p->rw, b = x & ((1ull << p->rw) - 1);
    a ^= mmu_kern_round(b, p->key[0], p->lw);
    b ^= mmu_kern_round(a, p->key[1], p->rw);
    a ^= mmu_kern_round(b, p->key[2], p->lw);
    b ^= mmu_kern_round(a, p->key[3], p->rw);
    return (a << p->rw) | b;
}

static inline uint64_t mmu_kern_feistel_inv(const mmu_kern_perm_t *p, uint64_t x)
{
    uint64_t a = x >> p->rw, b = x & ((1ull << p->rw) - 1);
    b ^= mmu_kern_round(a, p->key[3], p->rw);
    a ^= mmu_kern_round(b, p->key[2], p->lw);
    b ^= mmu_kern_round(a, p->key[1], p->rw);
    a ^= mmu_kern_round(b, p->key[0], p->lw);
    return (a << p->rw) | b;
}

/* Cycle-walking: the cycle of the Feistel permutation through i holds i, so
 * following it ends below n; the domain is < 2n (or 4), so under two steps
 * are expected. The inverse walks the same cycle backwards. */
static inline uint64_t mmu_kern_perm_fwd(const mmu_kern_perm_t *p, uint64_t i) /* i < n */
{
    uint64_t x = i;
    do
        x = mmu_kern_feistel(p, x);
    while (x >= p->n);
    return x;
}

static inline uint64_t mmu_kern_perm_inv(const mmu_kern_perm_t *p, uint64_t x) /* x < n */
{
    uint64_t i = x;
    do
        i = mmu_kern_feistel_inv(p, i);
    while (i >= p->n);
    return i;
}

#ifdef __cplusplus
}
#endif

#endif /* MMU_WORKLOADS_KERN_H */
