/* SPDX-License-Identifier: Apache-2.0 */
/* A multi-generational LRU after Linux's MGLRU (mm/vmscan.c, lru_gen):
 * up to four generations per type (anonymous, file), numbered by sequence;
 * max_seq is the youngest (shared), min_seq[type] the oldest of each type.
 *  - Placement (lru_gen_add_folio): a refault of a recently evicted page or a
 *    page reclaim could not free -> the youngest generation; a new anonymous
 *    page -> the second youngest; a new file page -> the second oldest (the
 *    oldest while only two generations exist); read-ahead pages and the pieces
 *    of a split 2M page -> the oldest.
 *  - Eviction takes the oldest generation's pages in order; a page whose A
 *    bit is set is promoted to the youngest generation (A cleared) instead.
 *  - When the type's oldest generation is empty, min_seq moves on while at
 *    least two generations remain; otherwise aging makes a new youngest
 *    generation: every resident page with A = 1 moves into it (A cleared), the
 *    walk Linux does over the page tables. With four generations already, the
 *    oldest is folded into the next first.
 *  - Type choice: the type whose oldest generation is older; at equal age,
 *    swappiness as in the two-list policy.
 * Not modelled: tiers and the refault PID controller, the Bloom filter that
 * skips page-table regions, per-memcg and per-node lists. */
#include <string.h>

#include "repl_impl.h"

#define NR_GENS 4
#define MIN_GENS 2
#define F_IN 0x1u
#define F_FILE 0x2u

typedef struct mglru {
    rl_links_t l;
    rl_list_t q[2][NR_GENS];
    uint64_t *seq; /* generation of each page */
    uint8_t *f;
    uint64_t max_seq, min_seq[2];
    unsigned swappiness;
    rl_wrr_t wrr;
} mglru_t;

static int mg_create(const mmu_repl_env_t *env, void **state)
{
    mglru_t *s = calloc(1, sizeof *s);
    if (!s || rl_links_init(&s->l, env->npages) || !(s->f = calloc(env->npages, 1)) ||
        !(s->seq = calloc(env->npages, sizeof *s->seq))) {
        if (s) {
            rl_links_free(&s->l);
            free(s->f);
        }
        free(s);
        return MMU_ENOMEM;
    }
    for (int t = 0; t < 2; t++)
        for (int g = 0; g < NR_GENS; g++)
            rl_init(&s->q[t][g]);
    /* Start with MIN_GENS generations, as lru_gen_init_lruvec. */
    s->max_seq = MIN_GENS + 1;
    s->min_seq[0] = s->min_seq[1] = s->max_seq - MIN_GENS + 1;
    s->swappiness = env->swappiness;
    *state = s;
    return 0;
}

static void mg_destroy(void *state)
{
    mglru_t *s = state;
    if (s) {
        rl_links_free(&s->l);
        free(s->f);
        free(s->seq);
    }
    free(s);
}

static int type_of(const mglru_t *s, uint32_t p)
{
    return (s->f[p] & F_FILE) ? 1 : 0;
}

static void put(mglru_t *s, uint32_t p, uint64_t seq, int front)
{
    int t = type_of(s, p);
    if (seq < s->min_seq[t])
        seq = s->min_seq[t];
    if (seq > s->max_seq)
        seq = s->max_seq;
    s->seq[p] = seq;
    if (front)
        rl_push_head(&s->l, &s->q[t][seq % NR_GENS], p);
    else
        rl_push_tail(&s->l, &s->q[t][seq % NR_GENS], p);
}

static void mg_insert(void *state, uint32_t page, unsigned flags)
{
    mglru_t *s = state;
    s->f[page] = (uint8_t)(F_IN | ((flags & MMU_REPL_FILE) ? F_FILE : 0));
    int t = type_of(s, page);
    uint64_t seq;
    if (flags & (MMU_REPL_ACTIVE | MMU_REPL_ROTATE))
        seq = s->max_seq;
    else if (flags & (MMU_REPL_COLD | MMU_REPL_SPLIT))
        seq = s->min_seq[t];
    else if (t == 0)
        seq = s->max_seq - 1;
    else if (s->min_seq[t] + MIN_GENS >= s->max_seq)
        seq = s->min_seq[t];
    else
        seq = s->min_seq[t] + 1;
    put(s, page, seq, (flags & MMU_REPL_SPLIT) != 0);
}

static void mg_remove(void *state, uint32_t page)
{
    mglru_t *s = state;
    int t = type_of(s, page);
    rl_del(&s->l, &s->q[t][s->seq[page] % NR_GENS], page);
    s->f[page] = 0;
}

static uint64_t type_size(const mglru_t *s, int t)
{
    uint64_t n = 0;
    for (int g = 0; g < NR_GENS; g++)
        n += s->q[t][g].n;
    return n;
}

/* A new youngest generation: every page with A = 1 moves into it. */
static void age(mglru_t *s, mmu_repl_scan_t *sc)
{
    for (int t = 0; t < 2; t++)
        if (s->max_seq - s->min_seq[t] + 1 >= NR_GENS) {
            /* Fold the oldest generation into the next (it stays older). */
            rl_list_t *old = &s->q[t][s->min_seq[t] % NR_GENS];
            for (uint32_t p = old->head; p != RL_NIL; p = s->l.next[p])
                s->seq[p] = s->min_seq[t] + 1;
            rl_splice_head(&s->l, &s->q[t][(s->min_seq[t] + 1) % NR_GENS], old);
            s->min_seq[t]++;
        }
    uint64_t young = ++s->max_seq;
    for (int t = 0; t < 2; t++)
        for (uint64_t q = s->min_seq[t]; q < young; q++) {
            rl_list_t *lst = &s->q[t][q % NR_GENS];
            uint64_t n = lst->n;
            for (uint64_t i = 0; i < n; i++) {
                uint32_t p = lst->head;
                rl_del(&s->l, lst, p);
                sc->aged++;
                if (sc->young(sc->ctx, p, 1)) {
                    s->seq[p] = young;
                    rl_push_tail(&s->l, &s->q[t][young % NR_GENS], p);
                    sc->activated++;
                } else {
                    rl_push_tail(&s->l, lst, p);
                }
            }
        }
}

static int mg_evict(void *state, mmu_repl_scan_t *sc, uint32_t *page)
{
    mglru_t *s = state;
    uint64_t budget = 8 * (type_size(s, 0) + type_size(s, 1)) + 64;
    while (budget--) {
        uint64_t na = sc->anon_ok ? type_size(s, 0) : 0, nf = type_size(s, 1);
        if (na + nf == 0)
            return MMU_ENOENT;
        int t;
        if (!na)
            t = 1;
        else if (!nf || sc->file_tiny)
            t = 0;
        else if (s->min_seq[0] != s->min_seq[1])
            t = s->min_seq[0] < s->min_seq[1] ? 0 : 1;
        else
            t = (int)rl_wrr_pick(&s->wrr, na, nf, s->swappiness);
        rl_list_t *old = &s->q[t][s->min_seq[t] % NR_GENS];
        if (!old->n) {
            if (s->min_seq[t] + MIN_GENS <= s->max_seq)
                s->min_seq[t]++;
            else
                age(s, sc);
            continue;
        }
        uint32_t p = old->head;
        rl_del(&s->l, old, p);
        sc->scanned++;
        if (sc->young(sc->ctx, p, 1)) {
            s->seq[p] = s->max_seq;
            rl_push_tail(&s->l, &s->q[t][s->max_seq % NR_GENS], p);
            sc->activated++;
            continue;
        }
        s->f[p] = 0;
        *page = p;
        return 0;
    }
    return MMU_ENOENT;
}

const mmu_repl_ops_t mmu_repl_mglru = {
    "mglru", "multi-generational LRU (four generations per type, aging by A bits)", 0,
    mg_create, mg_destroy, mg_insert, mg_remove, NULL, mg_evict, NULL,
};
