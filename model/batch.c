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
 * (prefetch_find), and the cache stand-ins' sets the word's access looks up.
 * The levels above the PDE are a few host lines that stay cached: read at
 * once. The TLB arrays stay cached too: neither peeked beyond the L1's
 * first array nor prefetched. */
#include <stddef.h>
#include <string.h>

#include "batch.h"
#include "fault.h"
#include "mmu/mmu.h"

/* Page directories the look-ahead has found, by the 1 GiB region they map
 * (la >> 30), direct-mapped: a walk whose region is here starts at its PDE.
 * Kept for one call (one CR3); large enough that a 64 GiB working set's
 * directories all fit. Likewise the last page-directory-pointer table found
 * (one per 512 GiB), so that finding a directory reads one word. A stale or
 * missing one only costs a useless or a longer look-ahead, never a different
 * result. */
#define PD_MEMO 128

/* The walks of one window followed ahead, in three phases: at the start,
 * its PDE is prefetched (pa = the PDE); a little later the PDE is read and
 * what finds the level-1 word is prefetched (pa = the word); later still,
 * when that has come in, the word itself. */
typedef struct ahead_set {
    uint64_t la[MMU_BATCH_WINDOW];
    uint64_t pa[MMU_BATCH_WINDOW]; /* 0 once a walk has ended */
    size_t n;                      /* walks followed */
    uint64_t pd_key[PD_MEMO];      /* (la >> 30) + 1, 0 for none */
    uint64_t pd_frame[PD_MEMO];
    uint64_t pdpt_key, pdpt_frame; /* the last page-directory-pointer table found, by la >> 39 */
} ahead_set_t;

/* Translations between a walk's second and third phases: what finds the
 * level-1 word comes in meanwhile. Each translation after the window's
 * start takes the second phase of two walks and the third of two others,
 * so a full window's 16 are done by its (2 + 16 / 2)th translation. */
#define AHEAD_LAG 2

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
static void ahead_start(const mmu_batch_view_t *v, const mmu_req_t *reqs, size_t n,
                        ahead_set_t *a)
{
    const mmu_mem_ops_t *mem = &v->walker->mem;
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
                if (mem->peek64(mem->ctx, table + 8 * ((r->la >> (3 + 9 * l)) & 511), &e) ||
                    !(e & MMU_PTE_P) || mmu_pte_is_leaf(e, l, v->walker->page_1g))
                    break;
                table = e & v->walker->frame_mask;
                if (l == 4)
                    a->pdpt_key = (r->la >> 39) + 1, a->pdpt_frame = table;
            }
            if (l > 2)
                continue;
            *slot = key;
            a->pd_frame[key % PD_MEMO] = table;
        }
        const uint64_t pde = a->pd_frame[key % PD_MEMO] + 8 * ((r->la >> 21) & 511);
        mem->peek64(mem->ctx, pde, NULL);
        a->la[a->n] = r->la;
        a->pa[a->n++] = pde;
    }
}

/* The second phase of walk i: its PDE came in. The level-1 word is as spread
 * as the page tables are many, so finding it in the memory (the table's
 * frame) misses the host's caches as often as the word itself, and so do the
 * cache stand-ins' sets its access looks up: those are prefetched now, the
 * word in the third phase (without mem->prefetch_find, now). A level-1 word
 * is never read: it maps a page or is not present, which would tell the
 * look-ahead nothing, and reading it would wait for DRAM. */
static void ahead_pde(const mmu_batch_view_t *v, ahead_set_t *a, size_t i)
{
    const mmu_mem_ops_t *mem = &v->walker->mem;
    uint64_t e;
    if (mem->peek64(mem->ctx, a->pa[i], &e) || !(e & MMU_PTE_P) || (e & MMU_PTE_PS)) {
        a->pa[i] = 0;
        return;
    }
    const uint64_t pte = (e & v->walker->frame_mask) + 8 * ((a->la[i] >> 12) & 511);
    mmu_memlat_prefetch(v->lat, pte);
    if (mem->prefetch_find) {
        mem->prefetch_find(mem->ctx, pte);
        a->pa[i] = pte;
        return;
    }
    mem->peek64(mem->ctx, pte, NULL);
    a->pa[i] = 0;
}

/* The third phase of walk i: what finds its level-1 word came in. */
static void ahead_pte(const mmu_batch_view_t *v, const ahead_set_t *a, size_t i)
{
    if (a->pa[i])
        v->walker->mem.peek64(v->walker->mem.ctx, a->pa[i], NULL);
}

/* What follows ahead after the j-th translation of a window: the second
 * phase of walks 2j and 2j + 1, the third of those AHEAD_LAG translations
 * before. */
static void ahead_after(const mmu_batch_view_t *v, ahead_set_t *a, size_t j)
{
    for (size_t k = 2 * j; k < 2 * j + 2 && k < a->n; k++)
        ahead_pde(v, a, k);
    if (j >= AHEAD_LAG)
        for (size_t k = 2 * (j - AHEAD_LAG); k < 2 * (j - AHEAD_LAG) + 2 && k < a->n; k++)
            ahead_pte(v, a, k);
}

int mmu_translate_batch(mmu_t *mmu, const mmu_req_t *reqs, size_t n, mmu_result_t *results,
                        size_t *done)
{
    mmu_batch_view_t v;
    mmu_batch_view(mmu, &v);
    /* Nothing a translation does changes the mode or the PCID, so the view
     * taken once serves every window. */
    const bool ahead = v.walker->mem.peek64 != NULL;
    ahead_set_t a;
    size_t i = 0;
    int rc = 0;
    if (ahead) {
        memset(a.pd_key, 0, sizeof a.pd_key);
        a.pdpt_key = 0;
    }
    /* The first window is followed ahead on its own, phase by phase across
     * its walks; after that, the window after the one being translated is,
     * a little after each translation, so the host's misses overlap the
     * model's own work too. */
    if (ahead && n) {
        ahead_start(&v, reqs, n < MMU_BATCH_WINDOW ? n : MMU_BATCH_WINDOW, &a);
        for (size_t k = 0; k < a.n; k++)
            ahead_pde(&v, &a, k);
        for (size_t k = 0; k < a.n; k++)
            ahead_pte(&v, &a, k);
    }
    while (i < n) {
        const size_t start = i;
        const size_t end = n - i < MMU_BATCH_WINDOW ? n : i + MMU_BATCH_WINDOW;
        const size_t next_n = n - end < MMU_BATCH_WINDOW ? n - end : MMU_BATCH_WINDOW;
        if (ahead && next_n)
            ahead_start(&v, &reqs[end], next_n, &a);
        for (; i < end; i++) {
            if ((rc = mmu_translate(mmu, &reqs[i], &results[i])) != 0)
                goto out;
            /* A window with a next one is full, so the walks followed
             * (at most a window's) are all taken by its translations. */
            if (ahead && next_n)
                ahead_after(&v, &a, i - start);
        }
    }
out:
    if (done)
        *done = i;
    return rc;
}
