/* SPDX-License-Identifier: Apache-2.0 */
/* Batched translation (mmu_translate_batch in mmu.h). The model's state
 * changes exactly as in the one-at-a-time loop, because the loop is what runs:
 * every request still goes through mmu_translate, in order. While a window of
 * requests is translated, the walks of the next window are followed ahead,
 * a little after each translation, with reads that change nothing (peek64)
 * and prefetches, so the host's cache misses of up to MMU_BATCH_WINDOW walks
 * overlap each other and the model's own work. Looking ahead uses the TLB
 * contents and page tables as they are before the window; an entry a
 * request before it fills or an A/D bit it sets only makes a prefetch
 * useless, never a result different.
 *
 * What is prefetched is what a walk over a large working set misses in the
 * host's caches (results/perf.md, "Sixth round, batch6", has the counts that
 * decided it): its PDE, its level-1 word, what finds that word in the memory
 * (prefetch_find), and the sets the word's access looks up in those cache
 * stand-ins too large to stay in the host's caches (ahead_lat_init).
 * The levels above the PDE are a few host lines that stay cached: read at
 * once. The TLB arrays stay cached too: neither peeked beyond the L1's
 * first array nor prefetched. */
#include <stddef.h>
#include <string.h>

#include "batch.h"
#include "batch_plan.h"
#include "fault.h"
#include "mem.h"
#include "mmu/mmu.h"

/* Page directories the look-ahead has found, by the 1 GiB region they map
 * (la >> 30), direct-mapped: a walk whose region is here starts at its PDE.
 * Kept for one call (one CR3); large enough that a 64 GiB working set's
 * directories all fit. Likewise the last page-directory-pointer table found
 * (one per 512 GiB), so that finding a directory reads one word. A stale or
 * missing one only costs a useless or a longer look-ahead, never a different
 * result. */
#define PD_MEMO 128

#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define ALWAYS_INLINE inline
#define PREFETCH(p) ((void)(p))
#endif

/* The cache stand-ins' levels whose arrays a level-1 word's access looks up
 * and the host's caches do not keep: each set's record (the fast
 * configuration's filter, order and tags), else its tags and stamps,
 * bytes [set * stride, set * stride + len) of each array. Levels up to
 * AHEAD_HOST_CACHED bytes in all (the default's L1D and L2 stand-ins, 8
 * and 64 KiB) mostly stay in the host's caches between walks and are not
 * prefetched, which saves most of the 74 instructions a walk that
 * prefetching every level cost (results/perf.md, "Seventh round, batch7",
 * has the misses that remain). */
#define AHEAD_HOST_CACHED (128u * 1024)
typedef struct ahead_level {
    const char *a[2];
    size_t stride[2];
    unsigned len[2], mid[2];
    unsigned nr; /* arrays: 1 (the fast configuration's set records) or 2 */
    uint32_t set_mask;
} ahead_level_t;

typedef struct ahead_lat {
    ahead_level_t lvl[MMU_MEMLAT_LEVELS];
    unsigned n;
    unsigned line_shift;
} ahead_lat_t;

/* Which of lat's levels to prefetch (none with a host callback, which keeps
 * no arrays). */
static void ahead_lat_init(const mmu_memlat_t *lat, ahead_lat_t *o)
{
    o->n = 0;
    o->line_shift = lat->line_shift;
    if (lat->cb)
        return;
    for (unsigned i = 0; i < lat->nlevels; i++) {
        const mmu_memlat_level_t *l = &lat->lvl[i];
        mmu_memlat_rows_t rows;
        mmu_memlat_rows(lat, l, &rows);
        ahead_level_t *d = &o->lvl[o->n];
        d->nr = rows.nr;
        d->set_mask = l->sets - 1;
        size_t bytes = 0;
        for (unsigned k = 0; k < d->nr; k++) {
            d->a[k] = rows.base[k];
            d->stride[k] = rows.stride[k];
            d->len[k] = (unsigned)rows.stride[k];
            d->mid[k] = d->len[k] > 64 ? 64 : d->len[k] - 1;
            bytes += (size_t)l->sets * d->stride[k];
        }
        if (bytes > AHEAD_HOST_CACHED)
            o->n++;
    }
}

/* Bring in bytes [p, p + len): the lines of p, of p + mid (64 when len
 * passes 64, else len - 1) and of p + len - 1 cover up to 128 bytes (a
 * fast configuration's 16 tags) without a loop; longer rows loop on. */
static ALWAYS_INLINE void ahead_range(const char *p, unsigned mid, unsigned len)
{
    PREFETCH(p);
    PREFETCH(p + mid);
    PREFETCH(p + len - 1);
    for (unsigned off = 128; off < len; off += 64)
        PREFETCH(p + off);
}

/* Bring in the sets an access to pa looks up in the levels of o. */
static ALWAYS_INLINE void ahead_lat_fetch(const ahead_lat_t *o, uint64_t pa)
{
    const uint64_t line = pa >> o->line_shift;
    for (unsigned i = 0; i < o->n; i++) {
        const ahead_level_t *d = &o->lvl[i];
        const size_t set = (size_t)(line & d->set_mask);
        ahead_range(d->a[0] + set * d->stride[0], d->mid[0], d->len[0]);
        if (d->nr > 1)
            ahead_range(d->a[1] + set * d->stride[1], d->mid[1], d->len[1]);
    }
}

/* The walks of one window followed ahead, in three phases: at the start,
 * its PDE is prefetched (pa = the PDE); a little later the PDE is read and
 * what finds the level-1 word is prefetched (pa = the word); later still,
 * when that has come in, the word itself. */
typedef struct ahead_set {
    uint64_t la[MMU_BATCH_WINDOW];
    uint64_t pa[MMU_BATCH_WINDOW]; /* 0 once a walk has ended */
    /* Over the sparse memory inline, the PDE's host address for the second
     * phase, so that reading it finds nothing again. */
    const uint64_t *pde[MMU_BATCH_WINDOW];
    /* ... and the radix leaf slot holding the level-1 word's frame, for the
     * third phase. */
    uint64_t *const *slot[MMU_BATCH_WINDOW];
    size_t n;                      /* walks followed */
    uint64_t pd_key[PD_MEMO];      /* (la >> 30) + 1, 0 for none */
    /* The directory's address (over the sparse memory inline: its frame in
     * the host, which stays put for the call: see batch_sparse). */
    union {
        uint64_t pd_frame[PD_MEMO];
        const uint64_t *pd_host[PD_MEMO];
    };
    uint64_t pdpt_key, pdpt_frame; /* the last page-directory-pointer table found, by la >> 39 */
    ahead_lat_t lat;
} ahead_set_t;

/* Translations between a walk's second and third phases: what finds the
 * level-1 word comes in meanwhile. Each translation after the window's
 * start takes the second phase of two walks and the third of two others,
 * so a full window's 16 are done by its (2 + 16 / 2)th translation. */
#define AHEAD_LAG 2

/* Over the sparse memory with its own operations and no host callbacks
 * (`sparse`: batch_sparse), the look-ahead reads and prefetches the radix
 * tree and the frames inline, where peek64 and prefetch_find would, and
 * keeps what it found; elsewhere it calls those operations. It is compiled
 * twice, as the walk is (walker.c), so that neither copy tests which it is
 * and the common one makes no call through a pointer. */

/* The word at pa as peek64 gives it; nonzero when there is none to read. pa
 * is a table plus 8 * index: aligned. */
static ALWAYS_INLINE int ahead_read(const mmu_batch_view_t *v, const bool sparse, uint64_t pa,
                                    uint64_t *e)
{
    if (sparse) {
        const mmu_sparse_mem_t *m = v->walker->sparse;
        if (pa >= m->limit)
            return 1;
        const uint64_t *f = mmu_sparse_mem_find(m, pa >> 12);
        if (!f)
            return 1;
        *e = f[(pa & 0xfff) >> 3];
        return 0;
    }
    return v->walker->mem.peek64(v->walker->mem.ctx, pa, e);
}

/* Over the sparse memory: the radix leaf slot holding the pointer to pa's
 * frame, or NULL when there is none. The root and mid slots are few and
 * stay cached; the leaf slot is one of 8 bytes per table frame and misses
 * as often as the tables do: what prefetch_find brings in. */
static ALWAYS_INLINE uint64_t *const *ahead_slot(const mmu_sparse_mem_t *m, uint64_t pa)
{
    if (pa >= m->limit)
        return NULL;
    const uint64_t pfn = pa >> 12;
    const mmu_sparse_mid_t *mid = m->root[pfn >> (2 * MMU_SPARSE_NODE_BITS)];
    if (!mid)
        return NULL;
    const mmu_sparse_leaf_t *leaf =
        mid->leaf[(pfn >> MMU_SPARSE_NODE_BITS) & (MMU_SPARSE_NODE_SIZE - 1)];
    return leaf ? &leaf->frame[pfn & (MMU_SPARSE_NODE_SIZE - 1)] : NULL;
}

/* Start following the requests of reqs[0..n) that miss the L1 TLB (the others
 * need no walk): prefetch each one's PDE. Only the L1's first array (4K pages
 * by default) is peeked: a request that hits a larger page's array is
 * followed needlessly, which costs a little and changes nothing. The L2 TLB
 * and the paging-structure caches are not peeked: a walk that misses the L1
 * rarely finds there what would spare a prefetch, and peeking costs every
 * walk. The page directory is the memo's when this call has found it; else
 * the levels above are read at once (their tables are one per 512 GiB or
 * more, host lines that stay cached, so reading does not wait), while page
 * directories are one per GiB: their words are prefetched, and read in the
 * second phase. */
static ALWAYS_INLINE void ahead_start(const mmu_batch_view_t *v, const bool sparse,
                                      const mmu_req_t *reqs, size_t n, ahead_set_t *a)
{
    a->n = 0;
    for (size_t i = 0; i < n; i++) {
        const mmu_req_t *r = &reqs[i];
        if (r->type > MMU_ACC_FETCH || r->cpl > 3 ||
            !mmu_la_canonical(r->la, v->mode->la_width))
            continue;
        const mmu_tlb_t *l1 = v->l1[r->type == MMU_ACC_FETCH ? 0 : 1];
        if (l1->sets && mmu_tlb_peek(l1, r->la, v->pcid))
            continue;
        const uint64_t key = (r->la >> 30) + 1;
        uint64_t *slot = &a->pd_key[key % PD_MEMO];
        if (*slot != key) {
            uint64_t table = v->mode->root;
            unsigned l = v->mode->levels;
            if (a->pdpt_key == (r->la >> 39) + 1)
                table = a->pdpt_frame, l = 3;
            for (; l > 2; l--) {
                uint64_t e;
                if (ahead_read(v, sparse, table + 8 * ((r->la >> (3 + 9 * l)) & 511), &e) ||
                    !(e & MMU_PTE_P) || mmu_pte_is_leaf(e, l, v->walker->page_1g))
                    break;
                table = e & v->walker->frame_mask;
                if (l == 4)
                    a->pdpt_key = (r->la >> 39) + 1, a->pdpt_frame = table;
            }
            if (l > 2)
                continue;
            if (sparse) {
                const mmu_sparse_mem_t *m = v->walker->sparse;
                const uint64_t *f = table < m->limit ? mmu_sparse_mem_find(m, table >> 12) : NULL;
                if (!f)
                    continue; /* a directory never written: every PDE reads 0 */
                a->pd_host[key % PD_MEMO] = f;
            } else {
                a->pd_frame[key % PD_MEMO] = table;
            }
            *slot = key;
        }
        const unsigned idx = (unsigned)(r->la >> 21) & 511;
        if (sparse) {
            const uint64_t *pde = a->pd_host[key % PD_MEMO] + idx;
            PREFETCH(pde);
            a->pde[a->n] = pde;
        } else {
            const uint64_t pde = a->pd_frame[key % PD_MEMO] + 8 * idx;
            v->walker->mem.peek64(v->walker->mem.ctx, pde, NULL);
            a->pa[a->n] = pde;
        }
        a->la[a->n++] = r->la;
    }
}

/* The second phase of walk i: its PDE came in. The level-1 word is as spread
 * as the page tables are many, so finding it in the memory (the table's
 * frame) misses the host's caches as often as the word itself, and so do the
 * cache stand-ins' sets its access looks up: those are prefetched now, the
 * word in the third phase (without mem->prefetch_find, now). A level-1 word
 * is never read: it maps a page or is not present, which would tell the
 * look-ahead nothing, and reading it would wait for DRAM. */
static ALWAYS_INLINE void ahead_pde(const mmu_batch_view_t *v, const bool sparse, ahead_set_t *a,
                                    size_t i)
{
    uint64_t e;
    if (sparse)
        e = *a->pde[i];
    else if (ahead_read(v, sparse, a->pa[i], &e))
        e = 0;
    if (!(e & MMU_PTE_P) || (e & MMU_PTE_PS)) {
        a->pa[i] = 0;
        return;
    }
    const uint64_t pte = (e & v->walker->frame_mask) + 8 * ((a->la[i] >> 12) & 511);
    ahead_lat_fetch(&a->lat, pte);
    if (sparse) {
        uint64_t *const *slot = ahead_slot(v->walker->sparse, pte);
        a->pa[i] = slot ? pte : 0;
        if (slot) {
            PREFETCH(slot);
            a->slot[i] = slot;
        }
        return;
    }
    if (v->walker->mem.prefetch_find) {
        v->walker->mem.prefetch_find(v->walker->mem.ctx, pte);
        a->pa[i] = pte;
        return;
    }
    v->walker->mem.peek64(v->walker->mem.ctx, pte, NULL);
    a->pa[i] = 0;
}

/* Over the sparse memory, the host address of walk i's level-1 word once
 * its leaf slot has come in (the third phase), or NULL: no frame. */
static ALWAYS_INLINE const uint64_t *ahead_pte_host(const ahead_set_t *a, size_t i)
{
    const uint64_t *f = *a->slot[i];
    return f ? f + ((a->pa[i] & 0xfff) >> 3) : NULL;
}

/* The third phase of walk i: what finds its level-1 word came in. */
static ALWAYS_INLINE void ahead_pte(const mmu_batch_view_t *v, const bool sparse,
                                    const ahead_set_t *a, size_t i)
{
    if (!a->pa[i])
        return;
    if (sparse) {
        const uint64_t *w = ahead_pte_host(a, i);
        if (w)
            PREFETCH(w);
        return;
    }
    v->walker->mem.peek64(v->walker->mem.ctx, a->pa[i], NULL);
}

/* What follows ahead after the j-th translation of a window: the second
 * phase of walks 2j and 2j + 1, the third of those AHEAD_LAG translations
 * before. */
static ALWAYS_INLINE void ahead_after(const mmu_batch_view_t *v, const bool sparse, ahead_set_t *a,
                                      size_t j)
{
    const size_t k = 2 * j;
    if (k < a->n) {
        ahead_pde(v, sparse, a, k);
        if (k + 1 < a->n)
            ahead_pde(v, sparse, a, k + 1);
    }
    if (j >= AHEAD_LAG && k - 2 * AHEAD_LAG < a->n) {
        ahead_pte(v, sparse, a, k - 2 * AHEAD_LAG);
        if (k - 2 * AHEAD_LAG + 1 < a->n)
            ahead_pte(v, sparse, a, k - 2 * AHEAD_LAG + 1);
    }
}

/* The batch with the look-ahead (mem->peek64 offered), compiled twice. */
static ALWAYS_INLINE int batch_ahead(mmu_t *mmu, const mmu_batch_view_t *v, const bool sparse,
                                     const mmu_req_t *reqs, size_t n, mmu_result_t *results,
                                     size_t *done)
{
    ahead_set_t a;
    size_t i = 0;
    int rc = 0;
    memset(a.pd_key, 0, sizeof a.pd_key);
    a.pdpt_key = 0;
    ahead_lat_init(v->lat, &a.lat);
    /* The first window is followed ahead on its own, phase by phase across
     * its walks; after that, the window after the one being translated is,
     * a little after each translation, so the host's misses overlap the
     * model's own work too. */
    if (n) {
        ahead_start(v, sparse, reqs, n < MMU_BATCH_WINDOW ? n : MMU_BATCH_WINDOW, &a);
        for (size_t k = 0; k < a.n; k++)
            ahead_pde(v, sparse, &a, k);
        for (size_t k = 0; k < a.n; k++)
            ahead_pte(v, sparse, &a, k);
    }
    while (i < n) {
        const size_t start = i;
        const size_t end = n - i < MMU_BATCH_WINDOW ? n : i + MMU_BATCH_WINDOW;
        const size_t next_n = n - end < MMU_BATCH_WINDOW ? n - end : MMU_BATCH_WINDOW;
        if (next_n)
            ahead_start(v, sparse, &reqs[end], next_n, &a);
        for (; i < end; i++) {
            if ((rc = mmu_translate(mmu, &reqs[i], &results[i])) != 0)
                goto out;
            /* A window with a next one is full, so the walks followed
             * (at most a window's) are all taken by its translations. */
            if (next_n)
                ahead_after(v, sparse, &a, i - start);
        }
    }
out:
    *done = i;
    return rc;
}

/* Over the sparse memory inline, the look-ahead keeps host addresses of
 * page-table words across translations. They stay valid for the call: a
 * translation writes only words it has read (A/D bits), which allocates and
 * frees nothing, and no host code runs inside it (the callers' condition:
 * no memlat_cb or walk_cb, which might change the memory). */
static __attribute__((noinline)) int batch_sparse(mmu_t *mmu, const mmu_batch_view_t *v,
                                                  const mmu_req_t *reqs, size_t n,
                                                  mmu_result_t *results, size_t *done)
{
    return batch_ahead(mmu, v, true, reqs, n, results, done);
}

static __attribute__((noinline)) int batch_ops(mmu_t *mmu, const mmu_batch_view_t *v,
                                               const mmu_req_t *reqs, size_t n,
                                               mmu_result_t *results, size_t *done)
{
    return batch_ahead(mmu, v, false, reqs, n, results, done);
}

int mmu_translate_batch(mmu_t *mmu, const mmu_req_t *reqs, size_t n, mmu_result_t *results,
                        size_t *done)
{
    mmu_batch_view_t v;
    mmu_batch_view(mmu, &v);
    /* Nothing a translation does changes the mode, the PCID or the memory's
     * operations, so the view taken once serves every window. */
    size_t i = 0;
    int rc = 0;
    if (v.walker->mem.peek64)
        rc = (v.walker->sparse && !v.host_cb ? batch_sparse : batch_ops)(mmu, &v, reqs, n,
                                                                       results, &i);
    else
        for (; i < n; i++)
            if ((rc = mmu_translate(mmu, &reqs[i], &results[i])) != 0)
                break;
    if (done)
        *done = i;
    return rc;
}

static ALWAYS_INLINE size_t plan(const mmu_batch_view_t *v, const bool sparse,
                                 const mmu_req_t *reqs, size_t n, uint64_t *pte, uint64_t *word,
                                 unsigned *lat_levels)
{
    ahead_set_t a;
    memset(a.pd_key, 0, sizeof a.pd_key);
    a.pdpt_key = 0;
    ahead_lat_init(v->lat, &a.lat);
    *lat_levels = a.lat.n;
    size_t k = 0;
    for (size_t i = 0; i < n; i += MMU_BATCH_WINDOW) {
        ahead_start(v, sparse, &reqs[i], n - i < MMU_BATCH_WINDOW ? n - i : MMU_BATCH_WINDOW, &a);
        for (size_t j = 0; j < a.n; j++) {
            ahead_pde(v, sparse, &a, j);
            if (!a.pa[j])
                continue;
            /* The word where the third phase prefetches it. */
            word[k] = ~0ull;
            if (sparse) {
                const uint64_t *w = ahead_pte_host(&a, j);
                if (w)
                    word[k] = *w;
            } else {
                v->walker->mem.peek64(v->walker->mem.ctx, a.pa[j], &word[k]);
            }
            pte[k++] = a.pa[j];
        }
    }
    return k;
}

size_t mmu_batch_ahead_plan(const mmu_t *mmu, const mmu_req_t *reqs, size_t n, uint64_t *pte,
                            uint64_t *word, unsigned *lat_levels)
{
    mmu_batch_view_t v;
    mmu_batch_view(mmu, &v);
    *lat_levels = 0;
    if (!v.walker->mem.peek64)
        return 0;
    return v.walker->sparse && !v.host_cb ? plan(&v, true, reqs, n, pte, word, lat_levels)
                                          : plan(&v, false, reqs, n, pte, word, lat_levels);
}
