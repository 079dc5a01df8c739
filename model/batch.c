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

#include "batch.h"
#include "fault.h"
#include "mmu/mmu.h"

typedef struct ahead {
    uint64_t la;
    uint64_t pa;    /* the paging-structure word this walk reads next */
    unsigned level; /* its level */
} ahead_t;

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

static void prefetch_word(const mmu_batch_view_t *v, uint64_t pa)
{
    const mmu_mem_ops_t *mem = &v->walker->mem;
    mem->peek64(mem->ctx, pa, NULL);
    mmu_memlat_prefetch(v->lat, pa);
}

static void look_ahead(const mmu_batch_view_t *v, const mmu_req_t *reqs, size_t n)
{
    const mmu_walk_mode_t *m = v->mode;
    const mmu_mem_ops_t *mem = &v->walker->mem;
    ahead_t w[MMU_BATCH_WINDOW];
    size_t live = 0;

    /* Round 0: the L2 sets of every request that misses the L1 (the L1s are
     * small enough to stay in the host's caches). */
    for (size_t i = 0; i < n; i++) {
        const mmu_req_t *r = &reqs[i];
        if (r->type > MMU_ACC_FETCH || r->cpl > 3 || !mmu_la_canonical(r->la, m->la_width))
            continue;
        const unsigned side = r->type == MMU_ACC_FETCH ? 0 : 1;
        if (level_peek(v->l1[side], r->la, v->pcid))
            continue;
        for (int a = 0; a < MMU_TLB_ARRAYS; a++)
            if (v->l2[a].sets)
                mmu_tlb_prefetch(&v->l2[a], r->la);
        w[live++] = (ahead_t){.la = r->la};
    }
    /* Round 1: those that miss the L2 too start where the walk will: below
     * the deepest paging-structure-cache hit, else at the root. */
    size_t k = 0;
    for (size_t i = 0; i < live; i++) {
        const uint64_t la = w[i].la;
        if (level_peek(v->l2, la, v->pcid))
            continue;
        unsigned level = m->levels;
        uint64_t table = m->root;
        for (unsigned l = 2; l <= m->levels; l++) {
            const mmu_tlb_entry_t *e = v->psc[l].sets ? mmu_tlb_peek(&v->psc[l], la, v->pcid) : NULL;
            if (e) {
                level = l - 1;
                table = e->frame;
                break;
            }
        }
        w[k] = (ahead_t){.la = la, .pa = table + 8 * ((la >> (3 + 9 * level)) & 511), .level = level};
        prefetch_word(v, w[k].pa);
        k++;
    }
    /* One level per round, across all walks: read the word prefetched in the
     * round before, prefetch the one it points to. */
    for (live = k; live;) {
        k = 0;
        for (size_t i = 0; i < live; i++) {
            uint64_t e;
            if (mem->peek64(mem->ctx, w[i].pa, &e) || !(e & MMU_PTE_P) ||
                mmu_pte_is_leaf(e, w[i].level, v->walker->page_1g))
                continue;
            const unsigned level = w[i].level - 1;
            w[k] = (ahead_t){.la = w[i].la,
                             .pa = (e & v->walker->frame_mask) +
                                   8 * ((w[i].la >> (3 + 9 * level)) & 511),
                             .level = level};
            prefetch_word(v, w[k].pa);
            k++;
        }
        live = k;
    }
}

int mmu_translate_batch(mmu_t *mmu, const mmu_req_t *reqs, size_t n, mmu_result_t *results,
                        size_t *done)
{
    mmu_batch_view_t v;
    mmu_batch_view(mmu, &v);
    size_t i = 0;
    int rc = 0;
    while (i < n) {
        const size_t end = n - i < MMU_BATCH_WINDOW ? n : i + MMU_BATCH_WINDOW;
        /* Nothing a translation does changes the mode or the PCID, so the
         * view taken once serves every window. */
        if (v.walker->mem.peek64)
            look_ahead(&v, &reqs[i], end - i);
        for (; i < end; i++)
            if ((rc = mmu_translate(mmu, &reqs[i], &results[i])) != 0)
                goto out;
    }
out:
    if (done)
        *done = i;
    return rc;
}
