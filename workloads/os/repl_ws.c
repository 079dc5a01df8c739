/* SPDX-License-Identifier: Apache-2.0 */
/* Working set WS(tau), as WSClock (Carr and Hennessy, 1981): pages in a
 * circle in arrival order, each with the virtual time (accesses) of its last
 * known reference. The hand looks at the oldest: A = 1 -> referenced now
 * (A cleared), passed by; unreferenced for more than tau accesses -> outside
 * the working set: the victim; otherwise passed by, remembered if it is the
 * least recently referenced so far. After a whole turn without a victim,
 * that least recently referenced page goes. The working set decides victims
 * only; memory is not trimmed without pressure. */
#include <string.h>

#include "repl_impl.h"

typedef struct ws {
    rl_links_t l;
    rl_list_t q;
    uint64_t *last;
    uint64_t tau;
} ws_t;

static int ws_create(const mmu_repl_env_t *env, void **state)
{
    ws_t *s = calloc(1, sizeof *s);
    if (!s || rl_links_init(&s->l, env->npages) ||
        !(s->last = calloc(env->npages, sizeof *s->last))) {
        if (s)
            rl_links_free(&s->l);
        free(s);
        return MMU_ENOMEM;
    }
    rl_init(&s->q);
    s->tau = env->ws_tau ? env->ws_tau : 1;
    *state = s;
    return 0;
}

static void ws_destroy(void *state)
{
    ws_t *s = state;
    if (s) {
        rl_links_free(&s->l);
        free(s->last);
    }
    free(s);
}

/* The scan's clock is not known at insert: the hand treats last == 0 as "came
 * in at the last scan's time"; evict fixes it when it first sees the page. */
static void ws_insert(void *state, uint32_t page, unsigned flags)
{
    ws_t *s = state;
    s->last[page] = 0;
    if (flags & MMU_REPL_SPLIT)
        rl_push_head(&s->l, &s->q, page);
    else
        rl_push_tail(&s->l, &s->q, page);
}

static void ws_remove(void *state, uint32_t page)
{
    ws_t *s = state;
    rl_del(&s->l, &s->q, page);
}

static int ws_evict(void *state, mmu_repl_scan_t *sc, uint32_t *page)
{
    ws_t *s = state;
    uint64_t now = sc->now + 1; /* 0 is "not seen yet" */
    uint32_t oldest = RL_NIL;
    for (uint64_t i = 0, n = s->q.n; i < n; i++) {
        uint32_t p = s->q.head;
        sc->scanned++;
        rl_del(&s->l, &s->q, p);
        if (sc->young(sc->ctx, p, 1) || s->last[p] == 0) {
            s->last[p] = now;
        } else if (now - s->last[p] > s->tau) {
            *page = p;
            return 0;
        } else if (oldest == RL_NIL || s->last[p] < s->last[oldest]) {
            oldest = p;
        }
        rl_push_tail(&s->l, &s->q, p);
    }
    if (oldest == RL_NIL) {
        /* Every page was referenced: the hand is back at the first one. */
        if (!s->q.n)
            return MMU_ENOENT;
        oldest = s->q.head;
    }
    rl_del(&s->l, &s->q, oldest);
    *page = oldest;
    return 0;
}

const mmu_repl_ops_t mmu_repl_ws = {
    "ws", "working set WS(tau) as WSClock: evict pages unreferenced for tau accesses", 0,
    ws_create, ws_destroy, ws_insert, ws_remove, NULL, ws_evict, NULL,
};
