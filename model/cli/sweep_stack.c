/* SPDX-License-Identifier: Apache-2.0 */
/* The stack-distance pass of `mmusim sweep` (sweep_stack.h): per-set LRU
 * stack depths of the swept L2 array's references, counted per depth, turned
 * into the hits of every way count at each set count of the sweep. */
#include "sweep_stack.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l2obs.h"
#include "tlb.h"

/* ---- the engine -------------------------------------------------------------------- */

static void fen_add(uint32_t *bit, uint32_t cap, uint32_t i, int32_t v)
{
    for (; i <= cap; i += i & -i)
        bit[i] += (uint32_t)v;
}

static uint32_t fen_sum(const uint32_t *bit, uint32_t i)
{
    uint32_t s = 0;
    for (; i; i -= i & -i)
        s += bit[i];
    return s;
}

int sd_lru_init(sd_lru_t *s, unsigned sets)
{
    memset(s, 0, sizeof *s);
    s->sets = sets;
    s->set = calloc(sets, sizeof *s->set);
    s->hash_mask = 1023;
    s->hash = calloc(s->hash_mask + 1, sizeof *s->hash);
    if (!s->set || !s->hash) {
        sd_lru_free(s);
        return -1;
    }
    return 0;
}

void sd_lru_free(sd_lru_t *s)
{
    if (s->set)
        for (unsigned i = 0; i < s->sets; i++) {
            free(s->set[i].bit);
            free(s->set[i].at);
        }
    free(s->set);
    free(s->rec);
    free(s->hash);
    memset(s, 0, sizeof *s);
}

static uint32_t hash_of(uint64_t k0, uint32_t k1)
{
    uint64_t z = k0 * 0x9e3779b97f4a7c15ull ^ ((uint64_t)k1 * 0xbf58476d1ce4e5b9ull);
    z ^= z >> 29;
    z *= 0x94d049bb133111ebull;
    return (uint32_t)(z >> 32);
}

static int hash_grow(sd_lru_t *s)
{
    const uint32_t mask = s->hash_mask * 2 + 1;
    uint32_t *h = calloc((size_t)mask + 1, sizeof *h);
    if (!h)
        return -1;
    for (uint32_t r = 0; r < s->nrec; r++) {
        uint32_t i = hash_of(s->rec[r].k0, s->rec[r].k1) & mask;
        while (h[i])
            i = (i + 1) & mask;
        h[i] = r + 1;
    }
    free(s->hash);
    s->hash = h;
    s->hash_mask = mask;
    return 0;
}

/* Renumber set x's markers 1..live in their order, in a time line of twice
 * that (at least 64): the order, all a depth depends on, is kept. */
static int set_compact(sd_lru_t *s, sd_set_t *x)
{
    uint32_t cap = x->live * 2;
    if (cap < 64)
        cap = 64;
    uint32_t *bit = calloc((size_t)cap + 1, sizeof *bit);
    uint32_t *at = malloc(((size_t)cap + 1) * sizeof *at);
    if (!bit || !at) {
        free(bit);
        free(at);
        return -1;
    }
    uint32_t n = 0;
    for (uint32_t p = 1; x->at && p < x->next; p++)
        if (x->at[p] != SD_NONE) {
            at[++n] = x->at[p];
            s->rec[x->at[p]].pos = n;
            bit[n] = 1;
        }
    for (uint32_t p = n + 1; p <= cap; p++)
        at[p] = SD_NONE;
    /* Linear Fenwick build: each node passes its sum to its parent. */
    for (uint32_t i = 1; i <= cap; i++) {
        const uint32_t j = i + (i & -i);
        if (j <= cap)
            bit[j] += bit[i];
    }
    free(x->bit);
    free(x->at);
    x->bit = bit;
    x->at = at;
    x->cap = cap;
    x->next = n + 1;
    return 0;
}

uint64_t sd_lru_ref(sd_lru_t *s, uint64_t k0, uint32_t k1, sd_rec_t **recp)
{
    sd_set_t *x = &s->set[k0 & (s->sets - 1)];
    uint32_t i = hash_of(k0, k1) & s->hash_mask;
    uint32_t r = SD_NONE;
    for (; s->hash[i]; i = (i + 1) & s->hash_mask) {
        const sd_rec_t *c = &s->rec[s->hash[i] - 1];
        if (c->k0 == k0 && c->k1 == k1) {
            r = s->hash[i] - 1;
            break;
        }
    }
    uint64_t depth = 0;
    if (r != SD_NONE) {
        const uint32_t pos = s->rec[r].pos;
        /* The markers above pos are the keys of this set used since. */
        depth = (uint64_t)(x->live - fen_sum(x->bit, pos)) + 1;
        fen_add(x->bit, x->cap, pos, -1);
        x->at[pos] = SD_NONE;
        x->live--;
    } else {
        if (s->nrec == s->rec_cap) {
            const uint32_t cap = s->rec_cap ? s->rec_cap * 2 : 1024;
            sd_rec_t *n = realloc(s->rec, (size_t)cap * sizeof *n);
            if (!n)
                return UINT64_MAX;
            s->rec = n;
            s->rec_cap = cap;
        }
        r = s->nrec++;
        s->rec[r] = (sd_rec_t){.k0 = k0, .k1 = k1};
        s->hash[i] = r + 1;
        if ((uint64_t)s->nrec * 2 > s->hash_mask && hash_grow(s))
            return UINT64_MAX;
    }
    if ((!x->at || x->next > x->cap) && set_compact(s, x))
        return UINT64_MAX;
    const uint32_t pos = x->next++;
    x->at[pos] = r;
    fen_add(x->bit, x->cap, pos, 1);
    x->live++;
    s->rec[r].pos = pos;
    if (recp)
        *recp = &s->rec[r];
    return depth;
}

/* ---- the sweep's pass ------------------------------------------------------------------ */

/* The counters of one run that, if they move, break the pass: each removes
 * entries from the L2 other than by its own replacement (so an array of
 * another size would have lost other entries), or makes the L1's contents
 * depend on whether the L2 hit (a splintered L2 entry is copied into the L1
 * as the splinter, a walk fills the whole page), or a hit's outcome depend on
 * more than the page (rights). */
#define SW_BREAKERS(XX)                                                                 \
    XX(inv_cr3, "MOV to CR3 invalidations")                                           \
    XX(inv_cr3_noflush, "MOV to CR3 with PCIDs (address-space switches)")              \
    XX(inv_cr4, "MOV to CR4 invalidations")                                           \
    XX(inv_invlpg, "INVLPGs")                                                         \
    XX(inv_invpcid0, "INVPCIDs")                                                      \
    XX(inv_invpcid1, "INVPCIDs")                                                      \
    XX(inv_invpcid2, "INVPCIDs")                                                      \
    XX(inv_invpcid3, "INVPCIDs")                                                      \
    XX(inv_flush_all, "TLB flushes")                                                  \
    XX(faults_pf_prot, "protection faults (they invalidate the cached page)")         \
    XX(faults_from_tlb, "protection faults decided on a TLB entry")                   \
    XX(walks_rewalk, "re-walked denied hits")                                         \
    XX(l2_splinters, "pages cached splintered in the L2")

typedef struct sw_sc {
    unsigned sets, maxw;
    sd_lru_t lru;
    uint64_t *hist[3]; /* [4K, 2M, 1G hits][depth 1..maxw] of counted lookups */
    uint64_t *dh;      /* [depth]: counted writes that would hit an entry with D=0 */
} sw_sc_t;

struct sw_stack {
    unsigned arr, gm; /* the swept array and the granules it holds */
    const int *counted;
    sw_geom_t *g;
    unsigned ng;
    unsigned *sc_of; /* per geometry: its set count's index */
    sw_sc_t *sc;
    unsigned nsc;
    uint64_t lookups;       /* counted L2 lookups */
    uint64_t other_hits[3]; /* counted hits in the L2's other arrays, by size */
    bool pending;           /* a lookup missed; its walk's fill names the page */
    uint64_t pend_la;
    bool pend_write, pend_counted;
    bool oom;
    mmu_stats_t at_attach;
};

int sw_stack_check(const mmu_config_t *cfg, unsigned n, unsigned *arr, char *why, size_t len)
{
    int a = -1;
    for (unsigned p = 0; p < n; p++)
        for (int i = 0; i < MMU_TLB_ARRAYS; i++)
            if ((cfg[p].l2.arr[i].entries == 0) != (cfg[0].l2.arr[i].entries == 0) ||
                (cfg[p].l2.arr[i].sizes && !cfg[p].l2.arr[i].entries)) {
                snprintf(why, len, "a point has no such array (entries = 0): with it absent, "
                                   "pages of its sizes are cached splintered elsewhere or not "
                                   "at all");
                return -1;
            }
    for (unsigned p = 1; p < n; p++)
        for (int i = 0; i < MMU_TLB_ARRAYS; i++)
            if (cfg[p].l2.arr[i].entries != cfg[0].l2.arr[i].entries ||
                cfg[p].l2.arr[i].ways != cfg[0].l2.arr[i].ways) {
                if (a >= 0 && a != i) {
                    snprintf(why, len, "the points vary more than one L2 array (%d and %d)", a,
                             i);
                    return -1;
                }
                a = i;
            }
    if (a < 0) /* nothing varies: any present array will do */
        for (int i = 0; i < MMU_TLB_ARRAYS && a < 0; i++)
            if (cfg[0].l2.arr[i].entries)
                a = i;
    if (a < 0) {
        snprintf(why, len, "the configuration has no L2 TLB");
        return -1;
    }
    for (unsigned p = 1; p < n; p++) {
        mmu_config_t c = cfg[p];
        c.l2.arr[a].entries = cfg[0].l2.arr[a].entries;
        c.l2.arr[a].ways = cfg[0].l2.arr[a].ways;
        if (memcmp(&c, &cfg[0], sizeof c)) {
            snprintf(why, len, "the points differ in more than the L2 array's entries and ways");
            return -1;
        }
    }
    const mmu_array_cfg_t *x = &cfg[0].l2.arr[a];
    if (x->repl != MMU_REPL_LRU) {
        static const char *const R[] = {"lru", "plru", "fifo", "random"};
        snprintf(why, len, "its replacement is %s: stack distances describe LRU only",
                 x->repl < 4 ? R[x->repl] : "?");
        return -1;
    }
    for (unsigned p = 0; p < n; p++) {
        const mmu_array_cfg_t *y = &cfg[p].l2.arr[a];
        if (y->index == MMU_INDEX_XOR && y->entries != y->ways) {
            snprintf(why, len, "it uses XOR set indexing (index = xor): a stack per set needs "
                               "the page number's low bits as the set");
            return -1;
        }
    }
    if (cfg[0].l2_inclusive) {
        snprintf(why, len, "the L2 is inclusive (l2_inclusive): its evictions remove L1 "
                           "entries, so the L2's own size changes its reference stream");
        return -1;
    }
    if (cfg[0].coalesce >= 2) {
        snprintf(why, len, "PTE coalescing is on (coalesce): whether a group forms depends on "
                           "walks the L2's size decides");
        return -1;
    }
    for (int i = 0; i < MMU_TLB_ARRAYS; i++)
        if (i != a && cfg[0].l2.arr[i].entries && (cfg[0].l2.arr[i].sizes & x->sizes)) {
            snprintf(why, len, "L2 array %d holds page sizes it holds too: a hit there would "
                               "hide references from it", i);
            return -1;
        }
    *arr = (unsigned)a;
    return 0;
}

sw_stack_t *sw_stack_new(const mmu_config_t *base, unsigned arr, const sw_geom_t *g, unsigned n,
                         const int *counted)
{
    sw_stack_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->arr = arr;
    s->gm = base->l2.arr[arr].sizes;
    s->counted = counted;
    s->g = malloc(n * sizeof *s->g);
    s->sc_of = malloc(n * sizeof *s->sc_of);
    s->sc = calloc(n, sizeof *s->sc);
    if (!s->g || !s->sc_of || !s->sc)
        goto fail;
    memcpy(s->g, g, n * sizeof *g);
    s->ng = n;
    for (unsigned i = 0; i < n; i++) {
        unsigned k = 0;
        while (k < s->nsc && s->sc[k].sets != g[i].sets)
            k++;
        if (k == s->nsc) {
            s->sc[k].sets = g[i].sets;
            if (sd_lru_init(&s->sc[k].lru, g[i].sets))
                goto fail;
            s->nsc++;
        }
        if (g[i].ways > s->sc[k].maxw)
            s->sc[k].maxw = g[i].ways;
        s->sc_of[i] = k;
    }
    for (unsigned k = 0; k < s->nsc; k++) {
        for (int c = 0; c < 3; c++)
            if (!(s->sc[k].hist[c] = calloc(s->sc[k].maxw + 1, sizeof(uint64_t))))
                goto fail;
        if (!(s->sc[k].dh = calloc(s->sc[k].maxw + 1, sizeof(uint64_t))))
            goto fail;
    }
    return s;
fail:
    sw_stack_free(s);
    return NULL;
}

void sw_stack_free(sw_stack_t *s)
{
    if (!s)
        return;
    for (unsigned k = 0; s->sc && k < s->nsc; k++) {
        sd_lru_free(&s->sc[k].lru);
        for (int c = 0; c < 3; c++)
            free(s->sc[k].hist[c]);
        free(s->sc[k].dh);
    }
    free(s->sc);
    free(s->g);
    free(s->sc_of);
    free(s);
}

/* One reference to the page (granule g) around la in every set count's
 * stacks. lookup: it is an L2 lookup (counted says whether measured), whose
 * depth decides a hit; dirty_after: the page's D once the reference is done
 * (-1: unchanged). */
static void reference(sw_stack_t *s, uint64_t la, unsigned g, bool global, uint16_t pcid,
                      bool lookup, bool counted, bool write, int dirty_after)
{
    const uint64_t k0 = la >> (12 + 9 * g);
    const uint32_t k1 = g | (uint32_t)global << 3 | (global ? 0u : (uint32_t)pcid << 4);
    const unsigned cls = g < 3 ? g : 0;
    for (unsigned k = 0; k < s->nsc; k++) {
        sw_sc_t *c = &s->sc[k];
        sd_rec_t *r;
        const uint64_t d = sd_lru_ref(&c->lru, k0, k1, &r);
        if (d == UINT64_MAX) {
            s->oom = true;
            return;
        }
        if (lookup && counted && d && d <= c->maxw) {
            c->hist[cls][d]++;
            /* SDM 4.8: a write through an entry with D=0 walks to set D (a D
             * assist). The entry's D is the page's at its last fill, and every
             * walk that sets D fills the L2 at every size, so the page's D is
             * the entry's in every geometry that holds it. */
            if (write && !r->flag)
                c->dh[d]++;
        }
        if (dirty_after >= 0)
            r->flag = (uint8_t)dirty_after;
    }
}

/* A lookup that missed and whose walk filled nothing (it faulted): no
 * geometry could have hit, as nothing is cached for a page that is not
 * mapped. */
static void settle(sw_stack_t *s)
{
    s->pending = false;
}

static void on_l2(void *ctx, const mmu_l2_ref_t *r)
{
    sw_stack_t *s = ctx;
    const bool mine = (s->gm >> r->granule) & 1u;
    if (r->kind == MMU_L2_FILL) {
        const bool lookup = s->pending && s->pend_la == r->la;
        if (!lookup)
            settle(s);
        if (mine)
            reference(s, r->la, r->granule, r->global, r->pcid, lookup, s->pend_counted,
                      s->pend_write, r->dirty);
        s->pending = false;
        return;
    }
    settle(s);
    const bool counted = *s->counted;
    s->lookups += counted;
    if (r->kind == MMU_L2_MISS) {
        s->pending = true;
        s->pend_la = r->la;
        s->pend_write = r->write;
        s->pend_counted = counted;
        return;
    }
    if (mine)
        reference(s, r->la, r->granule, r->global, r->pcid, true, counted, r->write, r->dirty);
    else if (counted)
        s->other_hits[r->granule < 3 ? r->granule : 0]++;
}

void sw_stack_attach(sw_stack_t *s, mmu_t *mmu)
{
    mmu_get_stats(mmu, &s->at_attach);
    mmu_l2_observe(mmu, on_l2, s);
}

/* Hits and D-assisted hits of geometry i. */
static void geom_counts(const sw_stack_t *s, unsigned i, uint64_t hits[3], uint64_t *dh)
{
    const sw_sc_t *c = &s->sc[s->sc_of[i]];
    *dh = 0;
    for (int k = 0; k < 3; k++)
        hits[k] = s->other_hits[k];
    for (unsigned d = 1; d <= s->g[i].ways; d++) {
        for (int k = 0; k < 3; k++)
            hits[k] += c->hist[k][d];
        *dh += c->dh[d];
    }
}

int sw_stack_verdict(sw_stack_t *s, mmu_t *mmu, const mmu_stats_t *base_st, char *why,
                     size_t len)
{
    mmu_l2_observe(mmu, NULL, NULL);
    if (s->oom) {
        snprintf(why, len, "stack distance: out of memory");
        return -1;
    }
    mmu_stats_t now;
    mmu_get_stats(mmu, &now);
#define SW__BREAK(f, what)                                                                  \
    if (now.f != s->at_attach.f) {                                                          \
        snprintf(why, len,                                                                  \
                 "stack distance does not apply to this run: it had %" PRIu64 " %s (%s), "   \
                 "which make the L2's entries or references depend on more than LRU at "     \
                 "its own size; run without stack_distance",                                \
                 now.f - s->at_attach.f, what, #f);                                         \
        return -1;                                                                          \
    }
    SW_BREAKERS(SW__BREAK)
#undef SW__BREAK
    /* The base geometry's counts must be the base run's own: a cheap check
     * that nothing the conditions above miss changed the stream. */
    uint64_t hits[3], dh;
    geom_counts(s, 0, hits, &dh);
    const uint64_t h = hits[0] + hits[1] + hits[2];
    if (s->lookups != base_st->l2_lookups || h != base_st->l2_hits ||
        hits[0] != base_st->l2_4k_hits || hits[1] != base_st->l2_2m_hits ||
        hits[2] != base_st->l2_1g_hits) {
        snprintf(why, len,
                 "stack distance: the pass disagrees with its own run (%" PRIu64
                 " lookups, %" PRIu64 " hits; the run: %" PRIu64 ", %" PRIu64 ")",
                 s->lookups, h, base_st->l2_lookups, base_st->l2_hits);
        return -1;
    }
    return 0;
}

/* The counters a pass gives, as mmu_stats names: the L1s' (their contents do
 * not depend on the L2's size under sw_stack_check's conditions), the L2's
 * lookups and hits, and the walks, which follow every L2 miss (no merging in
 * this model) plus the D assists of hits, both derived per geometry. */
static bool given_name(const char *n)
{
    static const char *const L2[] = {"l2_lookups", "l2_hits", "l2_misses", "l2_4k_hits",
                                     "l2_2m_hits", "l2_1g_hits", "walks", "translations",
                                     NULL};
    if (!strncmp(n, "l1i_", 4) || !strncmp(n, "l1d_", 4))
        return true;
    for (int i = 0; L2[i]; i++)
        if (!strcmp(n, L2[i]))
            return true;
    return false;
}

bool sw_stack_gives(unsigned k)
{
    return k < mmu_stats_count() && given_name(mmu_stats_name(k));
}

void sw_stack_stats(const sw_stack_t *s, unsigned i, const mmu_stats_t *base_st,
                    mmu_stats_t *st, bool *given)
{
    uint64_t hits[3], dh, hits0[3], dh0;
    geom_counts(s, i, hits, &dh);
    geom_counts(s, 0, hits0, &dh0);
    *st = *base_st;
    st->l2_4k_hits = hits[0];
    st->l2_2m_hits = hits[1];
    st->l2_1g_hits = hits[2];
    st->l2_hits = hits[0] + hits[1] + hits[2];
    st->l2_misses = st->l2_lookups - st->l2_hits;
    /* walks = those not caused by an L2 lookup's outcome in the swept array
     * (after L1 hits, D assists of other arrays' hits) + one per L2 miss + one
     * per D-assisted hit. */
    st->walks = base_st->walks - base_st->l2_misses - dh0 + st->l2_misses + dh;
    for (unsigned k = 0; k < mmu_stats_count(); k++)
        given[k] = sw_stack_gives(k);
}
