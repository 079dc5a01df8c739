/* SPDX-License-Identifier: Apache-2.0 */
/* Built-in synthetic address streams for `mmusim run --workload SPEC`.
 *
 * A spec string "KIND[:key=value,...]" (workloads/README.md) becomes an
 * mmu_synth_cfg_t, and a generator turns that into a stream of (linear address,
 * access type) pairs. Two families: the five streams (seq ... chase), and the
 * kernels (gups ... btree, kern_*.c), which emit every load and store of a
 * real algorithm on a data structure generated from the seed. Generators are
 * plain structs the caller owns (on its stack, say): O(1) memory whatever the
 * working-set size, no allocation, no globals. A stream access costs O(1)
 * (expected O(1) for zipf's rejection step and for the cycle-walking of
 * non-power-of-two permutations); a kernel's, O(1) plus an O(log size) walk
 * per graph vertex or matrix row, and O(load) per hash probe.
 *
 * The offsets from base depend only on kind, ws, seed and the kind's own keys
 * (stride, elem or s; a kernel's deg, skew, band, load, ratio, hit, fanout,
 * start). writes=, fetch=, n= (beyond where the stream stops), base= and
 * page= (when ws is already a multiple of the page size) leave them
 * unchanged, so a study can vary one of those and keep the rest equal. */
#ifndef MMU_WORKLOADS_SYNTH_H
#define MMU_WORKLOADS_SYNTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kern.h"
#include "kern_btree.h"
#include "kern_gups.h"
#include "kern_hash.h"
#include "kern_pagerank.h"
#include "kern_spmv.h"
#include "mmu/mmu.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mmu_synth_kind {
    MMU_SYNTH_SEQ = 0,    /* base, base+stride, ... (stride = access size, 64) */
    MMU_SYNTH_STRIDE = 1, /* the same walk with a fixed stride (4096) */
    MMU_SYNTH_RANDOM = 2, /* uniform over the 8-byte words of the working set */
    MMU_SYNTH_ZIPF = 3,   /* Zipf(s) over the set's 4 KiB pages, hot pages scattered */
    MMU_SYNTH_CHASE = 4,  /* pointer chase: one pseudo-random cycle over all elements */
    /* Kernels: the accesses of an algorithm; types are the algorithm's. */
    MMU_SYNTH_GUPS = 5,      /* random read-modify-write updates of one table (HPCC) */
    MMU_SYNTH_PAGERANK = 6,  /* PageRank pull over a power-law graph in CSR (GAP) */
    MMU_SYNTH_SPMV = 7,      /* y = A x, A sparse in CSR */
    MMU_SYNTH_HASHJOIN = 8,  /* chained hash join: build R, then probe with S */
    MMU_SYNTH_HASHPROBE = 9, /* probes of S into a built chained hash table */
    MMU_SYNTH_BTREE = 10,    /* lookups in a bulk-loaded B+-tree */
} mmu_synth_kind_t;

#define MMU_SYNTH_NKINDS 11
#define MMU_SYNTH_FIRST_KERNEL MMU_SYNTH_GUPS

/* Largest working set, in bytes: 2^46 = 64 TiB. */
#define MMU_SYNTH_WS_MAX (1ull << 46)

typedef struct mmu_synth_cfg {
    mmu_synth_kind_t kind;
    uint64_t ws;        /* working-set bytes: a multiple of 8 (of 4096 for zipf), <= 2^46 */
    uint64_t n;         /* accesses in the stream, >= 1 */
    uint64_t seed;
    uint64_t base;      /* first byte of the set: canonical, page-aligned */
    uint64_t stride;    /* seq and stride only (0 otherwise): multiple of 8, <= ws */
    uint64_t elem;      /* chase only (0 otherwise): element size, multiple of 8, <= ws */
    double zipf_s;      /* zipf only (0 otherwise): exponent, finite and > 0 */
    unsigned page_size; /* mmu_page_size_t: how the run command maps the set */
    unsigned write_pct; /* percent of accesses that are writes */
    unsigned fetch_pct; /* percent that are instruction fetches; write_pct + fetch_pct <= 100 */
    /* Kernels' own keys (0 for the kinds that do not take them). */
    unsigned deg;       /* pagerank: in-edges per vertex; spmv: non-zeros per row (1..1000) */
    unsigned skew;      /* pagerank, spmv: heavier half's share in the degree cascade, 50..99 % */
    uint64_t band;      /* spmv: column window width, 0 = whole row */
    unsigned load;      /* hashjoin, hashprobe: tuples per bucket, 1..16 */
    unsigned ratio;     /* hashjoin, hashprobe: |S| / |R|, 1..1000 */
    unsigned hit_pct;   /* hashjoin, hashprobe, btree: percent of probes/lookups that match */
    unsigned fanout;    /* btree: children per inner node, 3..1024 */
    unsigned start_pct; /* pagerank, spmv, hashjoin: % into the first pass the stream starts */
    /* How the run command issues and maps the stream (the offsets do not
     * depend on these): */
    unsigned chains;    /* 1..MMU_SYNTH_CHAINS_MAX: access i belongs to chain i % chains,
                           each chain a dependent sequence, the chains in flight together */
    unsigned lockstep;  /* 1: a round of one access per chain is issued together and the
                           next round waits for all of them (tinymembench's dual read);
                           0: each chain waits only for its own previous access */
    unsigned pretouch;  /* 1: map with A (and D in leaves) already set, as a buffer
                           written once before it is measured; 0: A/D clear */
    unsigned scatter;   /* 1: map the pages to the frames of the region in a
                           pseudo-random order, as a buddy allocator hands out
                           frames; 0: physically contiguous, in order */
} mmu_synth_cfg_t;

#define MMU_SYNTH_CHAINS_MAX 16

/* Fill *cfg with the defaults of a kind: ws=1g, n=1m (1,000,000), seed=1,
 * page=4k, base=0x10000000000, writes=30 (0 for kernels), fetch=0, chains=1,
 * lockstep=0, pretouch=0, scatter=0, and stride=64 (seq), stride=4096
 * (stride), elem=64 (chase), s=1 (zipf), deg=16 skew=76 (pagerank), deg=16
 * skew=50 band=0 (spmv), load=1 ratio=1 hit=100 (hashjoin, hashprobe),
 * fanout=16 hit=100 (btree), start=0. */
void mmu_synth_defaults(mmu_synth_cfg_t *cfg, mmu_synth_kind_t kind);

/* Check every field of a cfg built in code (mmu_synth_parse calls this too).
 * Returns 0, or MMU_EINVAL with "key: what is wrong" in msg (if msg != NULL;
 * truncated to msglen). */
int mmu_synth_validate(const mmu_synth_cfg_t *cfg, char *msg, size_t msglen);

/* Parse a spec "KIND[:key=value,...]" into *cfg: the kind's defaults, then the
 * keys, then ws rounded up to whole 8-byte words (zipf: 4 KiB pages), then
 * mmu_synth_validate. ws may be smaller than a page or not a multiple of it:
 * the run command maps it rounded up to whole pages (mmu_synth_mapped).
 * Returns 0, or MMU_EINVAL with
 * "workload 'SPEC': key: what is wrong" in msg (msg may be NULL); *cfg is
 * undefined on error. */
int mmu_synth_parse(const char *spec, mmu_synth_cfg_t *cfg, char *msg, size_t msglen);

/* Write the canonical spec of a valid cfg: every key, in a fixed order, with
 * exact suffixes ("zipf:ws=1g,n=10m,seed=1,page=4k,base=0x10000000000,writes=30,
 * fetch=0,s=0.8"); chains, lockstep, pretouch and scatter only when they
 * differ from their defaults. mmu_synth_parse gives the same cfg back. Like snprintf:
 * returns the length of the whole string (buf holds at most len-1 characters
 * of it, NUL-terminated when len > 0), or MMU_EINVAL if cfg->kind or
 * cfg->page_size is out of range. MMU_SYNTH_SPEC_MAX bytes always suffice. */
#define MMU_SYNTH_SPEC_MAX 192
int mmu_synth_format(const mmu_synth_cfg_t *cfg, char *buf, size_t len);

/* A keyed bijection of [0, n): a 4-round Feistel network on the smallest
 * power-of-two domain >= n, with cycle-walking for the values >= n. */
typedef struct mmu_synth_perm {
    uint64_t n;
    unsigned bits; /* ceil(log2(n)) */
    uint64_t key[4];
} mmu_synth_perm_t;

/* A kernel's structure and stream position (kern_*.h). */
typedef union mmu_synth_kern {
    mmu_kern_gups_t gups;
    mmu_kern_pagerank_t pagerank;
    mmu_kern_spmv_t spmv;
    mmu_kern_hash_t hash;
    mmu_kern_btree_t btree;
} mmu_synth_kern_t;

/* Generator state. Fully defined so that it lives wherever the caller wants;
 * fields are private to synth.c. A few KiB whatever the working set: a
 * kernel's structure is computed, never stored. */
typedef struct mmu_synth {
    mmu_synth_cfg_t cfg;
    uint64_t left;       /* accesses still to produce */
    uint64_t rng;        /* splitmix64 state of the address stream */
    uint64_t rng_type;   /* splitmix64 state of the access types */
    uint64_t pos;        /* seq/stride: next offset; chase: position in the lap */
    uint64_t count;      /* random: 8-byte words; zipf: 4 KiB pages; chase: elements */
    uint64_t reject_below; /* random: Lemire's rejection threshold, 2^64 mod count */
    mmu_synth_perm_t perm; /* zipf: rank -> page; chase: position -> element */
    /* zipf, rejection-inversion (Hörmann & Derflinger 1996) */
    double zs, z_h_x1, z_h_n, z_squeeze;
    /* kernels: the structure and position, and the accesses of the current
     * step (kern.h encoding) */
    mmu_synth_kern_t kern;
    unsigned kbuf_at, kbuf_len;
    uint64_t kbuf[MMU_KERN_STEP_MAX];
} mmu_synth_t;

/* Bytes the run command maps for the set: ws rounded up to the page size. */
uint64_t mmu_synth_mapped(const mmu_synth_cfg_t *cfg);

/* Start a stream. cfg must be valid (mmu_synth_parse or mmu_synth_validate
 * accepted it) and is copied. Two generators with equal cfgs produce equal
 * streams. */
void mmu_synth_init(mmu_synth_t *g, const mmu_synth_cfg_t *cfg);

/* Bytes from base the stream touches at most: ws for the five streams, the
 * end of the last array for a kernel (<= ws). cfg must be valid. */
uint64_t mmu_synth_footprint(const mmu_synth_cfg_t *cfg);

/* What a kernel's structure came out as, for people: "1048576 vertices,
 * 16777216 edges, 88.0 MiB" and the like; "" for the five streams. Like
 * snprintf. cfg must be valid. */
int mmu_synth_describe(const mmu_synth_cfg_t *cfg, char *buf, size_t len);

/* The next access: *la in [base, base+ws) and its type. Returns false, and
 * leaves *la and *type alone, once cfg.n accesses have been produced.
 * Allocates nothing. Inline for the common case, an access of a kernel's
 * current step (only kernels fill kbuf); everything else is
 * mmu_synth_next_slow. */
bool mmu_synth_next_slow(mmu_synth_t *g, uint64_t *la, mmu_access_t *type);

static inline bool mmu_synth_next(mmu_synth_t *g, uint64_t *la, mmu_access_t *type)
{
    if (g->kbuf_at < g->kbuf_len && g->left) {
        g->left--;
        const uint64_t e = g->kbuf[g->kbuf_at++];
        *la = g->cfg.base + (e & ~(uint64_t)MMU_KERN_WRITE);
        *type = (e & MMU_KERN_WRITE) ? MMU_ACC_WRITE : MMU_ACC_READ;
        return true;
    }
    return mmu_synth_next_slow(g, la, type);
}

/* The bijection the generator uses (exposed for tests): perm(i) for i < p->n. */
uint64_t mmu_synth_perm_apply(const mmu_synth_perm_t *p, uint64_t i);
/* A bijection of [0, n) keyed by seed (n >= 1), for callers that need one of
 * their own (the run command scatters page frames with it). */
void mmu_synth_perm_init(mmu_synth_perm_t *p, uint64_t n, uint64_t seed);

#ifdef __cplusplus
}
#endif

#endif /* MMU_WORKLOADS_SYNTH_H */
