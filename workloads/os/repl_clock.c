/* SPDX-License-Identifier: Apache-2.0 */
/* Clock (second chance): the pages in a circle in the order they came in; the
 * hand looks at the oldest: A = 1 -> clear A and pass it by (it goes to the
 * back), A = 0 -> the victim. With every A bit set it degenerates to FIFO.
 * The circle is a queue whose front is the hand; a new page goes just behind
 * it, the pieces of a split 2M page where it is (repl_queue.c). */
#include "repl_impl.h"

static int clock_evict(void *state, mmu_repl_scan_t *sc, uint32_t *page)
{
    rl_queue_t *s = state;
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
    "clock", "second chance on the A bit", 0, rl_queue_create, rl_queue_destroy,
    rl_queue_insert, rl_queue_remove, NULL, clock_evict, NULL,
};
