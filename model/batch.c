/* SPDX-License-Identifier: Apache-2.0 */
/* Batched translation (mmu_translate_batch in mmu.h). The model's state
 * changes exactly as in the one-at-a-time loop, because the loop is what runs:
 * every request still goes through mmu_translate, in order. While a window of
 * requests is translated, the walks of the next window are followed ahead as
 * interleaved state machines that only read: each step reads a page-table
 * word with peek64 (prefetched one round of the other walks earlier, so
 * usually cached by now) and prefetches the next, so the host's cache misses
 * of up to MMU_BATCH_WINDOW walks overlap each other and the model's own
 * work. Looking ahead uses the TLB contents as they are before the window;
 * an entry a request before it fills or an A/D bit it sets only makes a
 * prefetch useless, never a result different.
 *
 * What the look-ahead prefetches is what a walk at a large working set
 * misses in the host's caches: the level-1 word (one line per walk among
 * the page tables' many), what finds it in the memory (prefetch_find), and
 * the cache stand-ins' sets its access looks up. The upper levels' words and
 * the model's TLB arrays are few lines that stay cached: they are read or
 * skipped, not prefetched (results/perf.md, "Sixth round, batch6", has the
 * instruction and miss counts that decided each). */
#include <stddef.h>
#include <string.h>

#include "batch.h"
#include "fault.h"
#include "mmu/mmu.h"

/* One request's walk followed ahead, two steps after its start (which
 * prefetched its PDE): read the PDE and prefetch what finds the level-1
 * word, then prefetch the word. */
typedef struct ahead {
    uint64_t la;
    uint64_t pa;  /* the PDE to read, or the level-1 word to prefetch */
    bool finding; /* pa is the level-1 word: what finds it was prefetched */
} ahead_t;

/* Page directories the look-ahead has found, by the 1 GiB region they map
 * (la >> 30), direct-mapped: a walk whose region is here starts at its PDE.
 * Kept for one call (one CR3); large enough that a 64 GiB working set's
 * directories all fit. A stale or missing one only costs a useless or a
 * longer look-ahead, never a different result. */
#define PD_MEMO 128
typedef struct ahead_set {
    ahead_t w[MMU_BATCH_WINDOW];
    size_t live, next; /* walks still going; the one that steps next */
    uint64_t pd_key[PD_MEMO]; /* (la >> 30) + 1, 0 for none */
    uint64_t pd_frame[PD_MEMO];
} ahead_set_t;

/* Where the walk of w->la goes first: its PDE, prefetched now and read at the
 * walk's next step, a round of the other walks later. The page directory is
 * the memo's when this call has found it; else the levels above are read at
 * once (the paging-structure caches are not peeked: a walk that misses the
 * TLBs rarely finds there what it needs, and peeking costs every walk).
 * Those levels' tables are one per 512 GiB or more, a few host lines that
 * stay cached, so reading them does not wait; the page directories are one
 * per GiB, their lines as many as a working set's GiB times the lines a
 * workload touches in each: prefetched. Returns whether the walk goes on. */
static bool ahead_begin(const mmu_batch_view_t *v, ahead_set_t *a, ahead_t *w)
{
    const mmu_mem_ops_t *mem = &v->walker->mem;
    const uint64_t key = (w->la >> 30) + 1;
    if (a->pd_key[key % PD_MEMO] != key) {
        uint64_t table = v->mode->root;
        for (unsigned l = v->mode->levels; l > 2; l--) {
            uint64_t e;
            if (mem->peek64(mem->ctx, table + 8 * ((w->la >> (3 + 9 * l)) & 511), &e) ||
                !(e & MMU_PTE_P) || mmu_pte_is_leaf(e, l, v->walker->page_1g))
                return false;
            table = e & v->walker->frame_mask;
        }
        a->pd_key[key % PD_MEMO] = key;
        a->pd_frame[key % PD_MEMO] = table;
    }
    w->pa = a->pd_frame[key % PD_MEMO] + 8 * ((w->la >> 21) & 511);
    w->finding = false;
    mem->peek64(mem->ctx, w->pa, NULL);
    return true;
}

/* Start following the requests of reqs[0..n) that miss the L1 TLB: the
 * others need no walk. Only the L1's first array (4K pages, by default) is
 * peeked: a request that hits a larger page's array is followed to its leaf
 * needlessly, which costs a little and changes nothing. The L2 TLB is not
 * peeked: a walk it would spare costs a useless prefetch of its words,
 * while peeking it costs every walk. */
static void ahead_start(const mmu_batch_view_t *v, const mmu_req_t *reqs, size_t n,
                        ahead_set_t *a)
{
    a->live = a->next = 0;
    for (size_t i = 0; i < n; i++) {
        const mmu_req_t *r = &reqs[i];
        if (r->type > MMU_ACC_FETCH || r->cpl > 3 ||
            !mmu_la_canonical(r->la, v->mode->la_width))
            continue;
        const mmu_tlb_t *l1 = v->l1[r->type == MMU_ACC_FETCH ? 0 : 1];
        if (l1->sets && mmu_tlb_peek(l1, r->la, v->pcid))
            continue;
        ahead_t *w = &a->w[a->live];
        w->la = r->la;
        w->finding = false;
        a->live += ahead_begin(v, a, w);
    }
}

/* One step of the next walk in turn; a walk that ends leaves the set.
 * After the PDE: the level-1 word is as spread as the page tables are many,
 * so finding it in the memory (the table's frame) misses the host's caches
 * as often as the word itself, and so do the cache stand-ins' sets its
 * access looks up: those are prefetched, and the word at the walk's next
 * step, a round later, when what finds it has come in (mem->prefetch_find;
 * without it, the word at once). A level-1 word is never read: it maps a
 * page or is not present, which would tell the look-ahead nothing, and
 * reading it would wait for DRAM. */
static void ahead_step(const mmu_batch_view_t *v, ahead_set_t *a)
{
    if (!a->live)
        return;
    if (a->next >= a->live)
        a->next = 0;
    ahead_t *w = &a->w[a->next];
    const mmu_mem_ops_t *mem = &v->walker->mem;
    uint64_t e;
    if (w->finding) {
        mem->peek64(mem->ctx, w->pa, NULL);
    } else if (!mem->peek64(mem->ctx, w->pa, &e) && (e & MMU_PTE_P) &&
               !mmu_pte_is_leaf(e, 2, false)) {
        w->pa = (e & v->walker->frame_mask) + 8 * ((w->la >> 12) & 511);
        mmu_memlat_prefetch(v->lat, w->pa);
        if (mem->prefetch_find) {
            mem->prefetch_find(mem->ctx, w->pa);
            w->finding = true;
            a->next++;
            return;
        }
        mem->peek64(mem->ctx, w->pa, NULL);
    }
    *w = a->w[--a->live]; /* the last one takes its place and steps next */
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
    if (ahead)
        memset(a.pd_key, 0, sizeof a.pd_key);
    /* The first window is followed ahead on its own; after that, the window
     * after the one being translated is, a few steps after each translation,
     * so the host's misses overlap the model's own work too. */
    if (ahead && n) {
        ahead_start(&v, reqs, n < MMU_BATCH_WINDOW ? n : MMU_BATCH_WINDOW, &a);
        while (a.live)
            ahead_step(&v, &a);
    }
    while (i < n) {
        const size_t end = n - i < MMU_BATCH_WINDOW ? n : i + MMU_BATCH_WINDOW;
        const size_t next_n = n - end < MMU_BATCH_WINDOW ? n - end : MMU_BATCH_WINDOW;
        if (ahead && next_n)
            ahead_start(&v, &reqs[end], next_n, &a);
        for (; i < end; i++) {
            if ((rc = mmu_translate(mmu, &reqs[i], &results[i])) != 0)
                goto out;
            if (ahead && next_n)
                for (int s = 0; s < 2; s++)
                    ahead_step(&v, &a);
        }
        if (ahead && next_n)
            while (a.live)
                ahead_step(&v, &a);
    }
out:
    if (done)
        *done = i;
    return rc;
}
