/* SPDX-License-Identifier: Apache-2.0 */
/* FIFO: the page resident longest goes first, whatever its use. It reads no
 * A bit; it is the policy of Belady's anomaly (more frames, more faults, on
 * 1 2 3 4 1 2 5 1 2 3 4 5). */
#include "repl_impl.h"

static int fifo_evict(void *state, mmu_repl_scan_t *sc, uint32_t *page)
{
    rl_queue_t *s = state;
    if (!s->q.n)
        return MMU_ENOENT;
    *page = s->q.head;
    rl_del(&s->l, &s->q, *page);
    sc->scanned++;
    return 0;
}

const mmu_repl_ops_t mmu_repl_fifo = {
    "fifo", "first in, first out; no A bits", 0, rl_queue_create, rl_queue_destroy,
    rl_queue_insert, rl_queue_remove, NULL, fifo_evict, NULL,
};
