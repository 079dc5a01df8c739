/* SPDX-License-Identifier: Apache-2.0 */
/* Page-table fetch latency model (see memlat.h). The caches are filled on
 * every access at every level (inclusive), the simplest policy that makes a
 * walk's repeated upper-level lines hit the way they do in real L1Ds.
 * Replacement is true LRU, or (cfg.memlat_plru) the tree pseudo-LRU of
 * Intel's L1Ds: with a data stream of lines used once, a page-table line's
 * survival in the set then depends on where the tree points, not only on how
 * many lines came after it. */
#include "memlat.h"

#include <stdlib.h>
#include <string.h>

int mmu_memlat_init(mmu_memlat_t *m, const mmu_config_t *cfg)
{
    *m = (mmu_memlat_t){0};
    m->cb = cfg->memlat_cb;
    m->ctx = cfg->memlat_ctx;
    m->dram_latency = cfg->dram_latency;
    m->rmw_latency = cfg->rmw_latency;
    for (unsigned s = cfg->memlat_line; s > 1; s >>= 1)
        m->line_shift++;
    for (unsigned i = 0; i < MMU_MEMLAT_LEVELS; i++) {
        const mmu_memlat_level_cfg_t *c = &cfg->memlat[i];
        if (!c->sets)
            continue;
        mmu_memlat_level_t *l = &m->lvl[m->nlevels];
        l->sets = c->sets, l->ways = c->ways, l->latency = c->latency;
        l->victim = c->victim != 0;
        l->pair = c->pair != 0;
        l->level = i;
        l->plru = cfg->memlat_plru[i] > 1 ? cfg->memlat_plru[i] : 0;
        /* Walker loads that skip the L1D start at the first level below it. */
        if (i == 0 && cfg->walk_skip_l1)
            m->walk_first = 1;
        /* Only nvalid is zeroed, not the tag array (384 KiB for a 2 MiB LLC
         * stand-in): creating an MMU stays cheap. */
        l->tag = malloc((size_t)c->sets * c->ways * sizeof *l->tag);
        l->stamp = malloc((size_t)c->sets * c->ways * sizeof *l->stamp);
        l->nvalid = calloc(c->sets, sizeof *l->nvalid);
        if (l->plru)
            l->tree = calloc(c->sets, sizeof *l->tree);
        m->nlevels++;
        if (!l->tag || !l->stamp || !l->nvalid || (l->plru && !l->tree)) {
            mmu_memlat_free(m);
            return MMU_ENOMEM;
        }
    }
    return 0;
}

void mmu_memlat_free(mmu_memlat_t *m)
{
    for (unsigned i = 0; i < MMU_MEMLAT_LEVELS; i++) {
        free(m->lvl[i].tag);
        free(m->lvl[i].stamp);
        free(m->lvl[i].nvalid);
        free(m->lvl[i].tree);
        m->lvl[i].tree = NULL;
        m->lvl[i].tag = NULL;
        m->lvl[i].stamp = NULL;
        m->lvl[i].nvalid = NULL;
    }
    m->nlevels = 0;
}

void mmu_memlat_flush(mmu_memlat_t *m)
{
    for (unsigned i = 0; i < m->nlevels; i++) {
        memset(m->lvl[i].nvalid, 0, m->lvl[i].sets * sizeof *m->lvl[i].nvalid);
        if (m->lvl[i].tree)
            memset(m->lvl[i].tree, 0, m->lvl[i].sets * sizeof *m->lvl[i].tree);
    }
}

/* Tree pseudo-LRU, one binary tree per group of l->plru ways (g - 1 bits,
 * group k's at bits k*(g-1) ..., node n at bit n-1, children 2n and 2n+1,
 * leaves g .. 2g-1 = ways 0 .. g-1 of the group). A bit says on which side
 * the next victim is: 0 left, 1 right. A use turns every bit on the way's
 * path to point away from it. */
static void plru_use(mmu_memlat_level_t *l, size_t set, unsigned way)
{
    const unsigned g = l->plru, w = way % g, shift = way / g * (g - 1);
    uint64_t bits = l->tree[set];
    unsigned node = 1;
    for (unsigned half = g >> 1; half; half >>= 1) {
        const unsigned right = (w & half) != 0;
        const uint64_t bit = 1ull << (shift + node - 1);
        bits = right ? bits & ~bit : bits | bit;
        node = 2 * node + right;
    }
    l->tree[set] = bits;
}

/* The way a miss replaces in a full set: the groups are ordered by LRU (a
 * group's last use is that of its most recently used way), and the tree of
 * the least recently used one says which of its ways goes. */
static unsigned plru_victim(const mmu_memlat_level_t *l, size_t set)
{
    const unsigned g = l->plru;
    const uint64_t *st = &l->stamp[set * l->ways];
    unsigned grp = 0;
    uint64_t oldest = UINT64_MAX;
    for (unsigned k = 0; k < l->ways / g; k++) {
        uint64_t last = 0;
        for (unsigned w = k * g; w < (k + 1) * g; w++)
            last = st[w] > last ? st[w] : last;
        if (last < oldest)
            oldest = last, grp = k;
    }
    const uint64_t bits = l->tree[set] >> (grp * (g - 1));
    unsigned node = 1;
    while (node < g)
        node = 2 * node + (unsigned)((bits >> (node - 1)) & 1);
    return grp * g + node - g;
}

/* A use of `line` in one level: true (and its LRU stamp renewed) when the
 * level holds it. */
static bool touch(mmu_memlat_level_t *l, uint64_t line, uint64_t now)
{
    const size_t set = (size_t)(line & (l->sets - 1)), base = set * l->ways;
    for (size_t w = base; w < base + l->nvalid[set]; w++)
        if (l->tag[w] == line + 1) {
            l->stamp[w] = now;
            if (l->plru)
                plru_use(l, set, (unsigned)(w - base));
            return true;
        }
    return false;
}

/* Put `line` (not held) into one level: an empty way first (the lowest; ways
 * fill in order and empty only all together, at a flush), else the least
 * recently used (or the pseudo-LRU victim). Returns the line it displaced + 1,
 * or 0. */
static uint64_t insert(mmu_memlat_level_t *l, uint64_t line, uint64_t now)
{
    const size_t set = (size_t)(line & (l->sets - 1)), base = set * l->ways;
    size_t victim = base;
    uint64_t out = 0;
    if (l->nvalid[set] < l->ways) {
        victim = base + l->nvalid[set]++;
    } else if (l->plru) {
        victim = base + plru_victim(l, set);
        out = l->tag[victim];
    } else {
        for (size_t w = base; w < base + l->ways; w++)
            if (l->stamp[w] < l->stamp[victim])
                victim = w;
        out = l->tag[victim];
    }
    l->tag[victim] = line + 1;
    l->stamp[victim] = now;
    if (l->plru)
        plru_use(l, set, (unsigned)(victim - base));
    return out;
}

/* Bring `line` into the ordinary levels from `from` down that lack it; what
 * an ordinary level displaces goes into a victim level right below it. */
static void fill(mmu_memlat_t *m, uint64_t line, unsigned from, const bool *held, uint64_t t)
{
    for (unsigned i = from; i < m->nlevels; i++) {
        mmu_memlat_level_t *l = &m->lvl[i];
        if ((held && held[i]) || l->victim || (!held && touch(l, line, t)))
            continue;
        const uint64_t out = insert(l, line, t);
        mmu_memlat_level_t *below = i + 1 < m->nlevels ? &m->lvl[i + 1] : NULL;
        if (out && below && below->victim && !touch(below, out - 1, t))
            insert(below, out - 1, t);
    }
}

/* The level that served the line (nlevels = DRAM). Every level that holds it
 * sees a use. Then every ordinary level that missed gets the line (the
 * fills are inclusive); a victim level gets only what the level above it
 * displaces, and keeps a line that hits in it (non-inclusive). Hits are all
 * found before anything is filled, so a victim written into a level cannot
 * push out the line being looked up. */
static unsigned lookup(mmu_memlat_t *m, uint64_t pa, unsigned first)
{
    const uint64_t line = pa >> m->line_shift;
    const uint64_t t = ++m->clock;
    unsigned served = m->nlevels;
    bool hit[MMU_MEMLAT_LEVELS] = {false, false, false};
    for (unsigned i = first; i < m->nlevels; i++) {
        hit[i] = touch(&m->lvl[i], line, t);
        if (hit[i] && served == m->nlevels)
            served = i;
    }
    fill(m, line, first, hit, t);
    /* The pair line of a level that missed (the first such level), as a
     * prefetch: no latency, not counted. */
    for (unsigned i = first; i < m->nlevels; i++)
        if (m->lvl[i].pair && !hit[i]) {
            fill(m, line ^ 1, i, NULL, t);
            break;
        }
    return served;
}

unsigned mmu_memlat_access(mmu_memlat_t *m, uint64_t pa, bool locked_rmw, mmu_cycle_t now)
{
    if (m->cb)
        return m->cb(m->ctx, pa, locked_rmw, now);
    const unsigned lvl = lookup(m, pa, m->walk_first);
    unsigned lat = m->dram_latency;
    if (lvl < m->nlevels) {
        lat = m->lvl[lvl].latency;
        m->hits[lvl]++;
    } else {
        m->dram++;
    }
    return lat + (locked_rmw ? m->rmw_latency : 0);
}

unsigned mmu_memlat_data(mmu_memlat_t *m, uint64_t pa)
{
    if (m->cb)
        return 0;
    const unsigned lvl = lookup(m, pa, 0);
    if (lvl < m->nlevels) {
        m->data_hits[lvl]++;
        return m->lvl[lvl].latency;
    }
    m->data_dram++;
    return m->dram_latency;
}

void mmu_memlat_prefetch(const mmu_memlat_t *m, uint64_t pa)
{
#if defined(__GNUC__)
    if (m->cb)
        return;
    const uint64_t line = pa >> m->line_shift;
    for (unsigned i = 0; i < m->nlevels; i++) {
        const mmu_memlat_level_t *l = &m->lvl[i];
        const size_t base = (size_t)(line & (l->sets - 1)) * l->ways;
        for (size_t off = 0; off < l->ways * sizeof *l->tag; off += 64) {
            __builtin_prefetch((const char *)&l->tag[base] + off);
            __builtin_prefetch((const char *)&l->stamp[base] + off);
        }
        __builtin_prefetch(&l->tag[base + l->ways - 1]);
        __builtin_prefetch(&l->stamp[base + l->ways - 1]);
    }
#else
    (void)m, (void)pa;
#endif
}
