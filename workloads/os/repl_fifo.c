/* SPDX-License-Identifier: Apache-2.0 */
/* FIFO: the page resident longest goes first, whatever its use. It reads no
 * A bit; it is the policy of Belady's anomaly (more frames, more faults, on
 * 1 2 3 4 1 2 5 1 2 3 4 5). */
#include "repl_impl.h"

typedef struct fifo {
    rl_links_t l;
    rl_list_t q;
} fifo_t;

static int fifo_create(const mmu_repl_env_t *env, void **state)
{
    fifo_t *s = calloc(1, sizeof *s);
    if (!s || rl_links_init(&s->l, env->npages)) {
        if (s)
            rl_links_free(&s->l);
        free(s);
        return MMU_ENOMEM;
    }
    rl_init(&s->q);
    *state = s;
    return 0;
}

static void fifo_destroy(void *state)
{
    fifo_t *s = state;
    if (s)
        rl_links_free(&s->l);
    free(s);
}

static void fifo_insert(void *state, uint32_t page, unsigned flags)
{
    fifo_t *s = state;
    /* A split page keeps its place at the front (its 2M page was the oldest). */
    if (flags & MMU_REPL_SPLIT)
        rl_push_head(&s->l, &s->q, page);
    else
        rl_push_tail(&s->l, &s->q, page);
}

static void fifo_remove(void *state, uint32_t page)
{
    fifo_t *s = state;
    rl_del(&s->l, &s->q, page);
}

static int fifo_evict(void *state, mmu_repl_scan_t *sc, uint32_t *page)
{
    fifo_t *s = state;
    if (!s->q.n)
        return MMU_ENOENT;
    *page = s->q.head;
    rl_del(&s->l, &s->q, *page);
    sc->scanned++;
    return 0;
}

const mmu_repl_ops_t mmu_repl_fifo = {
    "fifo", "first in, first out; no A bits", 0, fifo_create, fifo_destroy,
    fifo_insert, fifo_remove, NULL, fifo_evict, NULL,
};
