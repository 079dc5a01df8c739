/* SPDX-License-Identifier: Apache-2.0 */
/* Page walker: the level loop, its memory references and the locked
 * accessed/dirty updates (SDM 4.5, 4.8). */
#ifndef MMU_MODEL_WALKER_H
#define MMU_MODEL_WALKER_H

#include <stdbool.h>
#include <stdint.h>

#include "mem.h"
#include "memlat.h"
#include "mmu/mmu.h"
#include "mmu/mmu_config.h"
#include "mmu/mmu_coverage.h"
#include "pte.h"

/* Fixed at create time. */
typedef struct mmu_walker {
    mmu_mem_ops_t mem;
    /* mem's own sparse memory when mem is mmu_sparse_mem_ops() unchanged
     * (mem.h): its entries are then updated inline, and read inline too
     * unless a host callback supplies the latencies (walker.c), the same
     * words and codes its operations give. NULL: every access goes through
     * mem. */
    const mmu_sparse_mem_t *sparse;
    uint64_t frame_mask; /* bits MAXPHYADDR-1:12 */
    /* By level: the bits of a present entry that make it map a page (~0 at
     * level 1, PS at level 2, and at level 3 with 1-GByte pages, else 0). */
    uint64_t leaf_bits[6];
    bool page_1g;
    unsigned ad_on_fault; /* mmu_ad_on_fault_t */
    unsigned retry_limit;
    unsigned level_latency; /* walker cycles per level besides the memory access */
    mmu_memlat_t *lat;      /* latency of each page-table access (owned by the MMU) */
    mmu_cov_t *cov;         /* functional coverage, NULL when off (coverage.h) */
} mmu_walker_t;

/* Derived from the control registers whenever they are loaded. */
typedef struct mmu_walk_mode {
    unsigned levels;       /* 4 or 5 (CR4.LA57) */
    unsigned la_width;     /* 48 or 57 */
    uint64_t root;         /* CR3 bits MAXPHYADDR-1:12 */
    mmu_pte_ctl_t ctl;
    mmu_pte_rsvd_t rsvd;
} mmu_walk_mode_t;

/* Where the walk begins: at the root (level = mode levels, table = root, perms
 * W|U), or below the deepest paging-structure-cache hit (SDM 4.10.3.2: the
 * cached entry supplies the next table and the rights combined so far). */
typedef struct mmu_walk_start {
    unsigned level;
    uint64_t table;
    unsigned perms;
    /* NULL, or by combined rights (MMU_PERM_*): bit k set when mmu_pte_check
     * under the mode's control bits allows this request with key k (the MMU
     * keeps that table per kind of request for its L1 hits). The walker then
     * looks the verdict up, and calls mmu_pte_check only for a denial. */
    const uint16_t *allow;
} mmu_walk_start_t;

/* Set up the walker of an MMU over ops (already imported), its page-table
 * accesses charged to lat. */
void mmu_walker_init(mmu_walker_t *w, const mmu_config_t *cfg, const mmu_mem_ops_t *ops,
                     mmu_memlat_t *lat);

/* What the final attempt of a walk read, top-down, for paging-structure-cache
 * fills and statistics. Entry i is the one at level start->level - i. */
typedef struct mmu_walk_trace {
    unsigned n;
    uint64_t entry[5]; /* as read, with the A/D bits the walk set */
    uint8_t perms[5];  /* rights combined from the root down to this entry */
    uint32_t reads, updates;
    mmu_cycle_t cycles; /* memory accesses and steps, from t0 */
    /* After a #PF: the level of the entry that stopped the walk (0 when the
     * walker does not say: an external one), the entry (not present or
     * reserved), or the leaf's combined rights and key (protection). For
     * coverage only. */
    uint8_t fault_level, fault_perms, fault_pkey;
    uint64_t fault_entry;
    uint64_t err_pa;    /* after a memory error: the entry being accessed ... */
    bool err_locked;    /* ... and whether by the A/D compare-exchange */
} mmu_walk_trace_t;

/* Walk the tables for a canonical req->la from *start, issuing the first access
 * at cycle t0. *res must arrive with its fault cleared (kind MMU_FAULT_NONE,
 * the rest 0), as both callers leave it: a walk that succeeds does not write
 * it again. Fills res->fault on a #PF, on success pa, page_size, perms, pkey,
 * global; always mem_refs; and *tr. Returns 0, a memory-interface error, or
 * MMU_ERETRY. */
int mmu_walker_walk(const mmu_walker_t *w, const mmu_walk_mode_t *m, const mmu_req_t *req,
                    const mmu_walk_start_t *start, mmu_cycle_t t0, mmu_walk_trace_t *tr,
                    mmu_result_t *res);

/* ---- the plain walk, inline in the MMU's miss path ------------------------- */

/* Where the walker may take the plain walk below: over its own sparse memory
 * with the built-in latency stand-ins (no host callback that could let the
 * tables change between two levels), no coverage. Fixed at create, except
 * for coverage (the MMU asks again when one is attached). */
static inline bool mmu_walker_plain_ok(const mmu_walker_t *w)
{
    return w->sparse && !w->lat->cb && !w->cov;
}

/* The walk of mmu_walker_walk as most walks go, without its set-up and its
 * trace of what went wrong: from *start over the sparse memory (w->sparse,
 * mmu_walker_plain_ok), the entries read inline. Returns the level of the
 * leaf (1..5) when the walk is plain: every entry within the memory, present,
 * free of reserved bits, a leaf reached, and the access allowed by
 * start->allow (not NULL); and, when an entry lacks A (or the leaf of a write
 * D), no two entries at one address (a table that maps itself), so that
 * the updates cannot find an entry changed. Then tr->entry, perms, n and
 * reads are filled, the entries' addresses are in pa[0..n), *leaf_out is the
 * leaf as read, and *update says whether A/D bits must be set; nothing is
 * charged or written yet (mmu_walker_plain_end). Else returns 0, having
 * changed nothing but *tr and pa: the caller then walks with
 * mmu_walker_walk, which reads the same words again (a read of the sparse
 * memory changes nothing, and nothing ran between) and faults, fails or
 * retries as it always did. leaf_need: A, or A|D for a write. */
static inline unsigned mmu_walker_plain(const mmu_walker_t *w, const mmu_walk_mode_t *m,
                                        uint64_t la, const mmu_walk_start_t *start,
                                        uint64_t leaf_need, mmu_walk_trace_t *tr, uint64_t *pa,
                                        uint64_t *leaf_out, bool *update)
{
    const mmu_sparse_mem_t *s = w->sparse;
    unsigned level = start->level, perms = start->perms, n = 0;
    uint64_t table = start->table, all = ~0ull, e;
    for (;; level--) {
        const uint64_t a = table + 8 * ((la >> (3 + 9 * level)) & 511);
        if (a >= s->limit)
            return 0; /* mem.read64 says why (mmu_walker_walk) */
        const uint64_t *f = mmu_sparse_mem_find(s, a >> 12);
        if (!f)
            return 0; /* reads as 0: not present */
        e = f[(a & 0xfff) >> 3];
        pa[n] = a;
        const bool leaf = (e & w->leaf_bits[level]) != 0; /* mmu_pte_is_leaf */
        if (!(e & MMU_PTE_P) || (e & (leaf ? m->rsvd.leaf[level] : m->rsvd.table[level])))
            return 0;
        tr->entry[n] = e;
        all &= e;
        /* As mmu_walker_walk combines them (SDM 4.6.1). */
        perms = (perms & ((unsigned)(e >> 1) | MMU_PERM_XD)) | ((unsigned)(e >> 61) & MMU_PERM_XD);
        tr->perms[n] = (uint8_t)perms;
        n++;
        if (leaf)
            break;
        table = e & w->frame_mask;
    }
    const unsigned pkey = (unsigned)(e >> MMU_PTE_PKEY_SHIFT) & 0xf;
    if (!((start->allow[perms] >> pkey) & 1))
        return 0;
    *update = !(all & MMU_PTE_A) || (e & leaf_need) != leaf_need;
    if (*update)
        for (unsigned i = 1; i < n; i++)
            for (unsigned j = 0; j < i; j++)
                if (pa[i] == pa[j])
                    return 0;
    tr->n = n;
    tr->reads = n;
    *leaf_out = e;
    return level;
}

/* The rest of a plain walk (mmu_walker_plain) that issued its first read at
 * t0, as mmu_walker_walk does it: each level's step and read charged in
 * order; then, when `update`, top-down, A set in every entry that lacks it
 * and leaf_need in the leaf, each by a locked update charged after the
 * reads (no entry can have changed since it was read: nothing but the walk
 * touches the memory, and no two entries share an address). Fills
 * tr->updates and cycles, and the entries as the walk left them. */
static inline void mmu_walker_plain_end(const mmu_walker_t *w, const uint64_t *pa,
                                        uint64_t leaf_need, bool update, mmu_cycle_t t0,
                                        mmu_walk_trace_t *tr)
{
    const unsigned n = tr->n;
    mmu_cycle_t cycles = 0;
    uint32_t updates = 0;
    for (unsigned i = 0; i < n; i++) {
        cycles += w->level_latency;
        cycles += mmu_memlat_access(w->lat, pa[i], false, t0 + cycles);
    }
    if (update) {
        for (unsigned i = 0; i < n; i++) {
            const uint64_t bits = i == n - 1 ? leaf_need : MMU_PTE_A;
            if ((tr->entry[i] & bits) == bits)
                continue;
            /* The frame exists: the entry was read from it. */
            uint64_t *f = mmu_sparse_mem_find(w->sparse, pa[i] >> 12);
            tr->entry[i] |= bits;
            f[(pa[i] & 0xfff) >> 3] = tr->entry[i];
            updates++;
            cycles += mmu_memlat_access(w->lat, pa[i], true, t0 + cycles);
        }
    }
    tr->updates = updates;
    tr->cycles = cycles;
}

#endif
