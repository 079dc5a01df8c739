/* SPDX-License-Identifier: Apache-2.0 */
/* Linux's two-list LRU (mm/vmscan.c before MGLRU): an active and an inactive
 * list for anonymous pages and for file pages, aged by the A bit.
 *  - New pages join the inactive list; a refault of a page evicted recently
 *    (workingset, the caller's MMU_REPL_ACTIVE) joins the active list.
 *  - Reclaim takes the oldest inactive page (folio_check_references): A set
 *    and already marked referenced -> promoted to active (referenced twice);
 *    A set the first time -> marked referenced and kept (back to the young end
 *    of the inactive list); A set on an executable file page -> promoted;
 *    A clear -> the victim.
 *  - When the inactive list is smaller than the active one (inactive_is_low:
 *    inactive * sqrt(10 * GiB) < active, ratio 1 below 1 GiB), the oldest
 *    active pages are moved to the inactive list (shrink_active_list), except
 *    referenced executable file pages, which stay active.
 *  - Which type to scan follows swappiness (get_scan_count's SCAN_FRACT with
 *    equal costs): weights swappiness * anon pages and (200 - swappiness) *
 *    file pages; anon only when file pages are nearly gone (file_is_tiny);
 *    file only when anonymous pages cannot be reclaimed (no swap space).
 * Simplified: one node and zone, no cgroups, no refault-cost feedback. */
#include <string.h>

#include "repl_impl.h"

enum { ANON = 0, FILE_ = 1 };
#define F_ACTIVE 0x1u
#define F_REF 0x2u
#define F_EXEC 0x4u
#define F_FILE 0x8u
#define F_IN 0x10u
#define DEACTIVATE_BATCH 32 /* SWAP_CLUSTER_MAX */

typedef struct twolist {
    rl_links_t l;
    rl_list_t q[2][2]; /* [type][active] */
    uint8_t *f;
    unsigned swappiness;
    rl_wrr_t wrr;
} twolist_t;

static int tl_create(const mmu_repl_env_t *env, void **state)
{
    twolist_t *s = calloc(1, sizeof *s);
    if (!s || rl_links_init(&s->l, env->npages) || !(s->f = calloc(env->npages, 1))) {
        if (s)
            rl_links_free(&s->l);
        free(s);
        return MMU_ENOMEM;
    }
    for (int t = 0; t < 2; t++)
        for (int a = 0; a < 2; a++)
            rl_init(&s->q[t][a]);
    s->swappiness = env->swappiness;
    *state = s;
    return 0;
}

static void tl_destroy(void *state)
{
    twolist_t *s = state;
    if (s) {
        rl_links_free(&s->l);
        free(s->f);
    }
    free(s);
}

static rl_list_t *list_of(twolist_t *s, uint32_t p)
{
    return &s->q[(s->f[p] & F_FILE) ? FILE_ : ANON][(s->f[p] & F_ACTIVE) ? 1 : 0];
}

static void tl_insert(void *state, uint32_t page, unsigned flags)
{
    twolist_t *s = state;
    uint8_t f = F_IN;
    f |= (flags & MMU_REPL_FILE) ? F_FILE : 0;
    f |= (flags & MMU_REPL_EXEC) ? F_EXEC : 0;
    /* A page reclaim could not free (no swap space) is activated, as
     * shrink_folio_list's activate_locked. */
    f |= (flags & (MMU_REPL_ACTIVE | MMU_REPL_ROTATE)) ? F_ACTIVE : 0;
    s->f[page] = f;
    if (flags & MMU_REPL_SPLIT)
        rl_push_head(&s->l, list_of(s, page), page);
    else
        rl_push_tail(&s->l, list_of(s, page), page);
}

static void tl_remove(void *state, uint32_t page)
{
    twolist_t *s = state;
    rl_del(&s->l, list_of(s, page), page);
    s->f[page] = 0;
}

static uint64_t isqrt(uint64_t x)
{
    uint64_t r = 0;
    while ((r + 1) * (r + 1) <= x)
        r++;
    return r;
}

static int inactive_is_low(const twolist_t *s, int t)
{
    uint64_t ina = s->q[t][0].n, act = s->q[t][1].n;
    uint64_t gb = (ina + act) >> 18;
    uint64_t ratio = gb ? isqrt(10 * gb) : 1;
    return ina * ratio < act;
}

static void shrink_active(twolist_t *s, mmu_repl_scan_t *sc, int t)
{
    rl_list_t *act = &s->q[t][1], *ina = &s->q[t][0];
    for (int i = 0; i < DEACTIVATE_BATCH && act->n; i++) {
        uint32_t p = act->head;
        rl_del(&s->l, act, p);
        sc->scanned++;
        if (sc->young(sc->ctx, p, 1) && (s->f[p] & F_EXEC) && (s->f[p] & F_FILE)) {
            rl_push_tail(&s->l, act, p);
            continue;
        }
        s->f[p] &= (uint8_t) ~(F_ACTIVE | F_REF);
        rl_push_tail(&s->l, ina, p);
        sc->deactivated++;
    }
}

static int tl_evict(void *state, mmu_repl_scan_t *sc, uint32_t *page)
{
    twolist_t *s = state;
    uint64_t budget = 4 * (s->q[0][0].n + s->q[0][1].n + s->q[1][0].n + s->q[1][1].n) + 64;
    while (budget--) {
        uint64_t na = s->q[ANON][0].n + s->q[ANON][1].n, nf = s->q[FILE_][0].n + s->q[FILE_][1].n;
        if (!sc->anon_ok)
            na = 0;
        if (na + nf == 0)
            return MMU_ENOENT;
        int t;
        if (!na)
            t = FILE_;
        else if (!nf || sc->file_tiny)
            t = ANON;
        else
            t = (int)rl_wrr_pick(&s->wrr, na, nf, s->swappiness);
        if (inactive_is_low(s, t) || !s->q[t][0].n)
            shrink_active(s, sc, t);
        rl_list_t *ina = &s->q[t][0];
        if (!ina->n)
            continue;
        uint32_t p = ina->head;
        rl_del(&s->l, ina, p);
        sc->scanned++;
        unsigned ptes = sc->young(sc->ctx, p, 1);
        int was_ref = (s->f[p] & F_REF) != 0;
        s->f[p] &= (uint8_t)~F_REF;
        if (ptes) {
            s->f[p] |= F_REF;
            if (was_ref || ptes > 1 || ((s->f[p] & F_EXEC) && (s->f[p] & F_FILE))) {
                s->f[p] |= F_ACTIVE;
                rl_push_tail(&s->l, &s->q[t][1], p);
                sc->activated++;
            } else {
                rl_push_tail(&s->l, ina, p);
            }
            continue;
        }
        s->f[p] = 0;
        *page = p;
        return 0;
    }
    return MMU_ENOENT;
}

const mmu_repl_ops_t mmu_repl_twolist = {
    "twolist", "Linux active/inactive lists, anon and file, swappiness", 0, tl_create,
    tl_destroy, tl_insert, tl_remove, NULL, tl_evict, NULL,
};
