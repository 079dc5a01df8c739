/* SPDX-License-Identifier: Apache-2.0 */
/* Exact LRU, a reference policy: told of every access (which no OS is), it
 * evicts the page unused for longest. It has the stack property: a memory of
 * k+1 frames holds every page a memory of k frames holds, so more frames never
 * fault more. */
#include "repl_impl.h"

typedef struct lru {
    rl_links_t l;
    rl_list_t q;
    uint8_t *in;
} lru_t;

static int lru_create(const mmu_repl_env_t *env, void **state)
{
    lru_t *s = calloc(1, sizeof *s);
    if (!s || rl_links_init(&s->l, env->npages) || !(s->in = calloc(env->npages, 1))) {
        if (s)
            rl_links_free(&s->l);
        free(s);
        return MMU_ENOMEM;
    }
    rl_init(&s->q);
    *state = s;
    return 0;
}

static void lru_destroy(void *state)
{
    lru_t *s = state;
    if (s) {
        rl_links_free(&s->l);
        free(s->in);
    }
    free(s);
}

static void lru_insert(void *state, uint32_t page, unsigned flags)
{
    lru_t *s = state;
    s->in[page] = 1;
    if (flags & (MMU_REPL_COLD | MMU_REPL_SPLIT))
        rl_push_head(&s->l, &s->q, page);
    else
        rl_push_tail(&s->l, &s->q, page);
}

static void lru_remove(void *state, uint32_t page)
{
    lru_t *s = state;
    s->in[page] = 0;
    rl_del(&s->l, &s->q, page);
}

static void lru_touch(void *state, uint32_t page, uint64_t access)
{
    (void)access;
    lru_t *s = state;
    if (!s->in[page] || s->q.tail == page)
        return;
    rl_del(&s->l, &s->q, page);
    rl_push_tail(&s->l, &s->q, page);
}

static int lru_evict(void *state, mmu_repl_scan_t *sc, uint32_t *page)
{
    lru_t *s = state;
    if (!s->q.n)
        return MMU_ENOENT;
    *page = s->q.head;
    lru_remove(s, *page);
    sc->scanned++;
    return 0;
}

const mmu_repl_ops_t mmu_repl_lru = {
    "lru", "exact LRU (reference: sees every access)", 0, lru_create, lru_destroy,
    lru_insert, lru_remove, lru_touch, lru_evict, NULL,
};
