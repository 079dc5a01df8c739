/* SPDX-License-Identifier: Apache-2.0 */
/* The state FIFO and Clock share: every resident page in one queue in the
 * order it came in. They differ only in how a victim leaves the front. */
#include "repl_impl.h"

int rl_queue_create(const mmu_repl_env_t *env, void **state)
{
    rl_queue_t *s = calloc(1, sizeof *s);
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

void rl_queue_destroy(void *state)
{
    rl_queue_t *s = state;
    if (s)
        rl_links_free(&s->l);
    free(s);
}

void rl_queue_insert(void *state, uint32_t page, unsigned flags)
{
    rl_queue_t *s = state;
    /* The pieces of a split 2M page take its place at the front: it was the
     * oldest (FIFO), or where the hand was about to take it (Clock). */
    if (flags & MMU_REPL_SPLIT)
        rl_push_head(&s->l, &s->q, page);
    else
        rl_push_tail(&s->l, &s->q, page);
}

void rl_queue_remove(void *state, uint32_t page)
{
    rl_queue_t *s = state;
    rl_del(&s->l, &s->q, page);
}
