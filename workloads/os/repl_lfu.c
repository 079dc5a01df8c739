/* SPDX-License-Identifier: Apache-2.0 */
/* LFU with decay, driven by A bits: every env.tick accesses each resident
 * page's count grows by one if its A bit is set (A cleared), and every
 * env.lfu_decay ticks all counts halve, so old popularity fades. The victim is
 * the page with the smallest count, oldest first among equals; before it goes,
 * its A bit is checked once more (a reference since the last tick counts). A
 * new page starts at 1. Counts saturate at 65535. The order is a min-heap on
 * (count, arrival), rebuilt after each tick. */
#include <string.h>

#include "repl_impl.h"

typedef struct lfu {
    uint64_t *key;   /* count << 48 | arrival */
    uint32_t *pos, *heap, n;
    uint64_t arrivals, ticks;
    unsigned decay;
} lfu_t;

#define CNT(k) ((k) >> 48)
#define ARR_MASK ((1ull << 48) - 1)

static void place(lfu_t *s, uint32_t i, uint32_t p)
{
    s->heap[i] = p;
    s->pos[p] = i;
}

static void sift_up(lfu_t *s, uint32_t i)
{
    uint32_t p = s->heap[i];
    while (i > 0 && s->key[p] < s->key[s->heap[(i - 1) / 2]]) {
        place(s, i, s->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    place(s, i, p);
}

static void sift_down(lfu_t *s, uint32_t i)
{
    uint32_t p = s->heap[i];
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= s->n)
            break;
        if (c + 1 < s->n && s->key[s->heap[c + 1]] < s->key[s->heap[c]])
            c++;
        if (s->key[s->heap[c]] >= s->key[p])
            break;
        place(s, i, s->heap[c]);
        i = c;
    }
    place(s, i, p);
}

static int lfu_create(const mmu_repl_env_t *env, void **state)
{
    lfu_t *s = calloc(1, sizeof *s);
    if (s) {
        s->key = malloc((size_t)env->npages * sizeof *s->key);
        s->pos = malloc((size_t)env->npages * sizeof *s->pos);
        s->heap = malloc((size_t)env->npages * sizeof *s->heap);
    }
    if (!s || !s->key || !s->pos || !s->heap) {
        if (s) {
            free(s->key);
            free(s->pos);
            free(s->heap);
        }
        free(s);
        return MMU_ENOMEM;
    }
    memset(s->pos, 0xff, (size_t)env->npages * sizeof *s->pos);
    s->decay = env->lfu_decay ? env->lfu_decay : 1;
    *state = s;
    return 0;
}

static void lfu_destroy(void *state)
{
    lfu_t *s = state;
    if (s) {
        free(s->key);
        free(s->pos);
        free(s->heap);
    }
    free(s);
}

static void lfu_insert(void *state, uint32_t page, unsigned flags)
{
    lfu_t *s = state;
    uint64_t cnt = (flags & (MMU_REPL_COLD | MMU_REPL_SPLIT)) ? 0 : 1;
    if (flags & MMU_REPL_ROTATE)
        cnt = CNT(s->key[page]) + 1;
    s->key[page] = (cnt << 48) | (s->arrivals++ & ARR_MASK);
    place(s, s->n++, page);
    sift_up(s, s->n - 1);
}

static void lfu_remove(void *state, uint32_t page)
{
    lfu_t *s = state;
    uint32_t i = s->pos[page];
    if (i == MMU_REPL_NONE)
        return;
    s->pos[page] = MMU_REPL_NONE;
    if (i == --s->n)
        return;
    uint32_t last = s->heap[s->n];
    place(s, i, last);
    sift_up(s, i);
    sift_down(s, s->pos[last]);
}

static uint64_t bump(uint64_t k)
{
    return CNT(k) < 0xffff ? k + (1ull << 48) : k;
}

static void lfu_tick(void *state, mmu_repl_scan_t *sc)
{
    lfu_t *s = state;
    int halve = ++s->ticks % s->decay == 0;
    for (uint32_t i = 0; i < s->n; i++) {
        uint32_t p = s->heap[i];
        uint64_t k = s->key[p];
        sc->aged++;
        if (sc->young(sc->ctx, p, 1))
            k = bump(k);
        if (halve)
            k = ((CNT(k) >> 1) << 48) | (k & ARR_MASK);
        s->key[p] = k;
    }
    for (uint32_t i = s->n / 2; i-- > 0;)
        sift_down(s, i);
}

static int lfu_evict(void *state, mmu_repl_scan_t *sc, uint32_t *page)
{
    lfu_t *s = state;
    for (uint64_t budget = 2 * (uint64_t)s->n + 1; s->n && budget--;) {
        uint32_t p = s->heap[0];
        sc->scanned++;
        if (sc->young(sc->ctx, p, 1)) {
            s->key[p] = bump(s->key[p]);
            sift_down(s, 0);
            continue;
        }
        lfu_remove(s, p);
        *page = p;
        return 0;
    }
    if (!s->n)
        return MMU_ENOENT;
    *page = s->heap[0];
    lfu_remove(s, *page);
    return 0;
}

const mmu_repl_ops_t mmu_repl_lfu = {
    "lfu", "least frequently used, counts from sampled A bits, halved periodically", 0,
    lfu_create, lfu_destroy, lfu_insert, lfu_remove, NULL, lfu_evict, lfu_tick,
};
