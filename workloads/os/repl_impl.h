/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the policy files: doubly linked queues over page numbers (head =
 * the oldest, where victims come from; tail = the newest) kept in two arrays,
 * so a policy allocates once at create and never per operation; and the table
 * entries of every policy. Internal to workloads/os/. */
#ifndef MMU_WORKLOADS_OS_REPL_IMPL_H
#define MMU_WORKLOADS_OS_REPL_IMPL_H

#include <stdint.h>
#include <stdlib.h>

#include "mmu/mmu.h"
#include "repl.h"

#define RL_NIL UINT32_MAX

typedef struct rl_links {
    uint32_t *prev, *next;
} rl_links_t;

typedef struct rl_list {
    uint32_t head, tail;
    uint64_t n;
} rl_list_t;

static inline int rl_links_init(rl_links_t *l, uint32_t n)
{
    l->prev = malloc((size_t)n * sizeof *l->prev);
    l->next = malloc((size_t)n * sizeof *l->next);
    if (!l->prev || !l->next)
        return MMU_ENOMEM;
    return 0;
}

static inline void rl_links_free(rl_links_t *l)
{
    free(l->prev);
    free(l->next);
}

static inline void rl_init(rl_list_t *q)
{
    q->head = q->tail = RL_NIL;
    q->n = 0;
}

static inline void rl_push_tail(rl_links_t *l, rl_list_t *q, uint32_t id)
{
    l->next[id] = RL_NIL;
    l->prev[id] = q->tail;
    if (q->tail != RL_NIL)
        l->next[q->tail] = id;
    else
        q->head = id;
    q->tail = id;
    q->n++;
}

static inline void rl_push_head(rl_links_t *l, rl_list_t *q, uint32_t id)
{
    l->prev[id] = RL_NIL;
    l->next[id] = q->head;
    if (q->head != RL_NIL)
        l->prev[q->head] = id;
    else
        q->tail = id;
    q->head = id;
    q->n++;
}

static inline void rl_del(rl_links_t *l, rl_list_t *q, uint32_t id)
{
    uint32_t p = l->prev[id], n = l->next[id];
    if (p != RL_NIL)
        l->next[p] = n;
    else
        q->head = n;
    if (n != RL_NIL)
        l->prev[n] = p;
    else
        q->tail = p;
    q->n--;
}

/* Append list b to the head of list a (b's pages are older than a's). */
static inline void rl_splice_head(rl_links_t *l, rl_list_t *a, rl_list_t *b)
{
    if (!b->n)
        return;
    if (a->n) {
        l->next[b->tail] = a->head;
        l->prev[a->head] = b->tail;
        a->head = b->head;
    } else {
        a->head = b->head;
        a->tail = b->tail;
    }
    a->n += b->n;
    rl_init(b);
}

/* One queue of every resident page in arrival order (repl_queue.c): the
 * create, destroy, insert and remove of FIFO and Clock. */
typedef struct rl_queue {
    rl_links_t l;
    rl_list_t q;
} rl_queue_t;

int rl_queue_create(const mmu_repl_env_t *env, void **state);
void rl_queue_destroy(void *state);
void rl_queue_insert(void *state, uint32_t page, unsigned flags);
void rl_queue_remove(void *state, uint32_t page);

/* An indexed min-heap of pages on a 64-bit key, ties by page number
 * (repl_heap.c): LFU's (count, arrival) and OPT's next use (inverted, as
 * OPT wants the largest). key[] is indexed by page; pos[page] is its slot or
 * MMU_REPL_NONE; heap[0] comes out first. */
typedef struct rl_heap {
    uint64_t *key;
    uint32_t *pos, *heap, n;
} rl_heap_t;

int rl_heap_init(rl_heap_t *h, uint32_t npages);
void rl_heap_free(rl_heap_t *h);
void rl_heap_push(rl_heap_t *h, uint32_t page);       /* key[page] already set */
void rl_heap_remove(rl_heap_t *h, uint32_t page);     /* no-op when not in it */
void rl_heap_rekey(rl_heap_t *h, uint32_t page, uint64_t key);
void rl_heap_sift_down(rl_heap_t *h, uint32_t slot);  /* after heap[slot]'s key grew */
void rl_heap_reorder(rl_heap_t *h);                   /* after many keys changed */

/* Smooth weighted round robin between anonymous (0) and file (1) pages, as
 * get_scan_count's SCAN_FRACT splits scanning by swappiness: each type's
 * weight is its size times its priority (swappiness for anon, 200 -
 * swappiness for file). */
typedef struct rl_wrr {
    int64_t cur[2];
} rl_wrr_t;

static inline unsigned rl_wrr_pick(rl_wrr_t *w, uint64_t anon, uint64_t file, unsigned swappiness)
{
    int64_t wa = (int64_t)(anon * swappiness), wf = (int64_t)(file * (200 - swappiness));
    if (wa + wf == 0)
        return anon ? 0 : 1;
    w->cur[0] += wa;
    w->cur[1] += wf;
    unsigned t = w->cur[0] >= w->cur[1] ? 0 : 1;
    w->cur[t] -= wa + wf;
    return t;
}

extern const mmu_repl_ops_t mmu_repl_fifo, mmu_repl_clock, mmu_repl_lru, mmu_repl_twolist,
    mmu_repl_mglru, mmu_repl_lfu, mmu_repl_ws, mmu_repl_opt;

#endif /* MMU_WORKLOADS_OS_REPL_IMPL_H */
