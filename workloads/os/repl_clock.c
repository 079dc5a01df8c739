/* SPDX-License-Identifier: Apache-2.0 */
/* Clock (second chance): the pages in a circle in the order they came in; the
 * hand looks at the oldest: A = 1 -> clear A and pass it by (it goes to the
 * back), A = 0 -> the victim. With every A bit set it degenerates to FIFO.
 * The circle is a queue whose front is the hand. */
#include "repl_impl.h"

typedef struct clock_s {
    rl_links_t l;
    rl_list_t q;
} clock_t_;

static int clock_create(const mmu_repl_env_t *env, void **state)
{
    clock_t_ *s = calloc(1, sizeof *s);
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

static void clock_destroy(void *state)
{
    clock_t_ *s = state;
    if (s)
        rl_links_free(&s->l);
    free(s);
}

static void clock_insert(void *state, uint32_t page, unsigned flags)
{
    clock_t_ *s = state;
    /* New pages go just behind the hand; the pieces of a split 2M page where
     * the hand is (it was about to take their 2M page). */
    if (flags & MMU_REPL_SPLIT)
        rl_push_head(&s->l, &s->q, page);
    else
        rl_push_tail(&s->l, &s->q, page);
}

static void clock_remove(void *state, uint32_t page)
{
    clock_t_ *s = state;
    rl_del(&s->l, &s->q, page);
}

static int clock_evict(void *state, mmu_repl_scan_t *sc, uint32_t *page)
{
    clock_t_ *s = state;
    /* Two turns at most: the first clears every A bit it passes. */
    for (uint64_t i = 0, n = 2 * s->q.n + 1; i < n && s->q.n; i++) {
        uint32_t p = s->q.head;
        sc->scanned++;
        rl_del(&s->l, &s->q, p);
        if (sc->young(sc->ctx, p, 1)) {
            rl_push_tail(&s->l, &s->q, p);
            continue;
        }
        *page = p;
        return 0;
    }
    return MMU_ENOENT;
}

const mmu_repl_ops_t mmu_repl_clock = {
    "clock", "second chance on the A bit", 0, clock_create, clock_destroy,
    clock_insert, clock_remove, NULL, clock_evict, NULL,
};
