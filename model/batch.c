/* SPDX-License-Identifier: Apache-2.0 */
/* Batched translation (mmu_translate_batch in mmu.h). The model's state
 * changes exactly as in the one-at-a-time loop, because the loop is what runs:
 * every request still goes through mmu_translate, in order. Before a window
 * of requests runs, their walks are followed ahead as interleaved state
 * machines that only read: each steps one paging level per round, reading its
 * word with peek64 (prefetched the round before, so usually cached by now)
 * and prefetching the next, so the host's cache misses of up to
 * MMU_BATCH_WINDOW walks overlap. The model's own arrays those walks will
 * touch (L2 TLB sets, the page-table cache model's sets) are prefetched too:
 * they miss in the host caches as often as the page tables do. Looking ahead
 * uses the TLB and PSC contents as they are before the window; an entry a
 * request before it fills or an A/D bit it sets only makes a prefetch useless,
 * never a result different. */
#include <stddef.h>
#include <string.h>

#include "batch.h"
#include "fault.h"
#include "mmu/mmu.h"

/* One request's walk followed ahead: stage 0 waits to probe the L2 (its sets
 * were prefetched), then each step reads the word at pa, prefetched one step
 * of every other walk earlier, and prefetches the next. */
typedef struct ahead {
    uint64_t la;
    uint64_t pa;    /* the paging-structure word this walk reads next */
    unsigned level; /* its level; 0 before the L2 probe */
    bool finding;   /* only what finds pa is prefetched yet, not the word */
} ahead_t;

/* Page directories the look-ahead has found, by the 1 GiB region they map
 * (la >> 30), direct-mapped: a walk whose region is here starts at its PDE
 * without the paging-structure-cache peeks and the steps above. Kept for
 * one call (one CR3). A stale or missing one only costs a useless or a
 * longer look-ahead, never a different result. */
#define PD_MEMO 16
typedef struct ahead_set {
    ahead_t w[MMU_BATCH_WINDOW];
    size_t live, next; /* walks still going; the one that steps next */
    uint64_t pd_key[PD_MEMO]; /* (la >> 30) + 1, 0 for none */
    uint64_t pd_frame[PD_MEMO];
} ahead_set_t;

static const mmu_tlb_entry_t *level_peek(const mmu_tlb_t *arr, uint64_t la, uint16_t pcid)
{
    for (int i = 0; i < MMU_TLB_ARRAYS; i++) {
        if (!arr[i].sets)
            continue;
        const mmu_tlb_entry_t *e = mmu_tlb_peek(&arr[i], la, pcid);
        if (e)
            return e;
    }
    return NULL;
}

/* The word a walk reads at `level`, and the cache stand-ins' sets its access
 * will look up. Those sets are prefetched for the PDE and PTE levels only:
 * an entry above them maps 1 GiB or more, so a few lines hold all a
 * workload uses, and their sets stay in the host's caches anyway. */
static void prefetch_word(const mmu_batch_view_t *v, uint64_t pa, unsigned level)
{
    const mmu_mem_ops_t *mem = &v->walker->mem;
    mem->peek64(mem->ctx, pa, NULL);
    if (level <= 2)
        mmu_memlat_prefetch(v->lat, pa);
}

/* Aim walk w at the word at pa, of `level`, and start bringing it in.
 * Returns whether the walk has steps left. A level-1 word goes in two steps
 * when the memory can prefetch what finds it (mem->prefetch_find): the
 * tables are as many as the level-1 words' lines are spread, so finding
 * one misses the host's caches as often as the word itself, and a peek
 * would stall on that miss; the word is prefetched at the walk's next step,
 * a round of the other walks later. Above level 1 the tables are few (one
 * per GiB or more) and what finds them stays cached: one step. */
static bool aim(const mmu_batch_view_t *v, ahead_t *w, uint64_t pa, unsigned level)
{
    const mmu_mem_ops_t *mem = &v->walker->mem;
    w->pa = pa;
    w->level = level;
    if (level == 1 && mem->prefetch_find) {
        mem->prefetch_find(mem->ctx, pa);
        mmu_memlat_prefetch(v->lat, pa);
        w->finding = true;
        return true;
    }
    prefetch_word(v, pa, level);
    /* A level-1 entry maps a page or is not present: reading it would tell
     * the look-ahead nothing, and would wait for DRAM. */
    return level > 1;
}

/* Start following the requests that miss the L1 (the L1s are small enough to
 * stay in the host's caches): prefetch the L2 sets they will probe. */
static void ahead_start(const mmu_batch_view_t *v, const mmu_req_t *reqs, size_t n,
                        ahead_set_t *a)
{
    a->live = a->next = 0;
    for (size_t i = 0; i < n; i++) {
        const mmu_req_t *r = &reqs[i];
        if (r->type > MMU_ACC_FETCH || r->cpl > 3 ||
            !mmu_la_canonical(r->la, v->mode->la_width))
            continue;
        const unsigned side = r->type == MMU_ACC_FETCH ? 0 : 1;
        if (level_peek(v->l1[side], r->la, v->pcid))
            continue;
        for (int k = 0; k < MMU_TLB_ARRAYS; k++)
            if (v->l2[k].sets)
                mmu_tlb_prefetch(&v->l2[k], r->la);
        a->w[a->live++] = (ahead_t){.la = r->la, .finding = false};
    }
}

/* One step of the next walk in turn; a walk that ends leaves the set. */
static void ahead_step(const mmu_batch_view_t *v, ahead_set_t *a)
{
    if (!a->live)
        return;
    if (a->next >= a->live)
        a->next = 0;
    ahead_t *w = &a->w[a->next];
    const mmu_walk_mode_t *m = v->mode;
    bool more = true;
    if (!w->level) {
        /* Misses the L2 too: the walk starts below the deepest
         * paging-structure-cache hit, else at the root. */
        const uint64_t key = (w->la >> 30) + 1;
        if (level_peek(v->l2, w->la, v->pcid)) {
            more = false;
        } else if (a->pd_key[key % PD_MEMO] == key) {
            more = aim(v, w, a->pd_frame[key % PD_MEMO] + 8 * ((w->la >> 21) & 511), 2);
        } else {
            unsigned level = m->levels;
            uint64_t table = m->root;
            for (unsigned l = 2; l <= m->levels; l++) {
                const mmu_tlb_entry_t *e =
                    v->psc[l].sets ? mmu_tlb_peek(&v->psc[l], w->la, v->pcid) : NULL;
                if (e) {
                    level = l - 1;
                    table = e->frame;
                    break;
                }
            }
            more = aim(v, w, table + 8 * ((w->la >> (3 + 9 * level)) & 511), level);
        }
    } else if (w->finding) {
        /* What finds the word came in a round ago: now the word itself. */
        v->walker->mem.peek64(v->walker->mem.ctx, w->pa, NULL);
        more = false; /* a level-1 word: see aim */
    } else {
        const mmu_mem_ops_t *mem = &v->walker->mem;
        uint64_t e;
        if (mem->peek64(mem->ctx, w->pa, &e) || !(e & MMU_PTE_P) ||
            mmu_pte_is_leaf(e, w->level, v->walker->page_1g)) {
            more = false;
        } else {
            const unsigned level = w->level - 1;
            const uint64_t table = e & v->walker->frame_mask;
            if (level == 2) {
                const uint64_t key = (w->la >> 30) + 1;
                a->pd_key[key % PD_MEMO] = key;
                a->pd_frame[key % PD_MEMO] = table;
            }
            more = aim(v, w, table + 8 * ((w->la >> (3 + 9 * level)) & 511), level);
        }
    }
    if (more)
        a->next++;
    else
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
    memset(a.pd_key, 0, sizeof a.pd_key);
    size_t i = 0;
    int rc = 0;
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
                for (int s = 0; s < 4; s++)
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
