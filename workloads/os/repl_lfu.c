/* SPDX-License-Identifier: Apache-2.0 */
/* LFU with decay, driven by A bits: every env.tick accesses each resident
 * page's count grows by one if its A bit is set (A cleared), and every
 * env.lfu_decay ticks all counts halve, so old popularity fades. The victim is
 * the page with the smallest count, oldest first among equals; before it goes,
 * its A bit is checked once more (a reference since the last tick counts). A
 * new page starts at 1. Counts saturate at 65535. The order is a min-heap on
 * (count, arrival), rebuilt after each tick. */
#include "repl_impl.h"

typedef struct lfu {
    rl_heap_t h; /* key: count << 48 | arrival, unique, so ties never arise */
    uint64_t arrivals, ticks;
    unsigned decay;
} lfu_t;

#define CNT(k) ((k) >> 48)
#define ARR_MASK ((1ull << 48) - 1)

static int lfu_create(const mmu_repl_env_t *env, void **state)
{
    lfu_t *s = calloc(1, sizeof *s);
    if (!s || rl_heap_init(&s->h, env->npages)) {
        free(s);
        return MMU_ENOMEM;
    }
    s->decay = env->lfu_decay ? env->lfu_decay : 1;
    *state = s;
    return 0;
}

static void lfu_destroy(void *state)
{
    lfu_t *s = state;
    if (s)
        rl_heap_free(&s->h);
    free(s);
}

static void lfu_insert(void *state, uint32_t page, unsigned flags)
{
    lfu_t *s = state;
    uint64_t cnt = (flags & (MMU_REPL_COLD | MMU_REPL_SPLIT)) ? 0 : 1;
    if (flags & MMU_REPL_ROTATE)
        cnt = CNT(s->h.key[page]) + 1;
    s->h.key[page] = (cnt << 48) | (s->arrivals++ & ARR_MASK);
    rl_heap_push(&s->h, page);
}

static void lfu_remove(void *state, uint32_t page)
{
    lfu_t *s = state;
    rl_heap_remove(&s->h, page);
}

static uint64_t bump(uint64_t k)
{
    return CNT(k) < 0xffff ? k + (1ull << 48) : k;
}

static void lfu_tick(void *state, mmu_repl_scan_t *sc)
{
    lfu_t *s = state;
    int halve = ++s->ticks % s->decay == 0;
    for (uint32_t i = 0; i < s->h.n; i++) {
        uint32_t p = s->h.heap[i];
        uint64_t k = s->h.key[p];
        sc->aged++;
        if (sc->young(sc->ctx, p, 1))
            k = bump(k);
        if (halve)
            k = ((CNT(k) >> 1) << 48) | (k & ARR_MASK);
        s->h.key[p] = k;
    }
    rl_heap_reorder(&s->h);
}

static int lfu_evict(void *state, mmu_repl_scan_t *sc, uint32_t *page)
{
    lfu_t *s = state;
    for (uint64_t budget = 2 * (uint64_t)s->h.n + 1; s->h.n && budget--;) {
        uint32_t p = s->h.heap[0];
        sc->scanned++;
        if (sc->young(sc->ctx, p, 1)) {
            s->h.key[p] = bump(s->h.key[p]);
            rl_heap_sift_down(&s->h, 0);
            continue;
        }
        rl_heap_remove(&s->h, p);
        *page = p;
        return 0;
    }
    if (!s->h.n)
        return MMU_ENOENT;
    *page = s->h.heap[0];
    rl_heap_remove(&s->h, *page);
    return 0;
}

const mmu_repl_ops_t mmu_repl_lfu = {
    "lfu", "least frequently used, counts from sampled A bits, halved periodically", 0,
    lfu_create, lfu_destroy, lfu_insert, lfu_remove, NULL, lfu_evict, lfu_tick,
};
