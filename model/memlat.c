/* SPDX-License-Identifier: Apache-2.0 */
/* Page-table fetch latency model (see memlat.h). The caches are filled on
 * every access at every level (inclusive), the simplest policy that makes a
 * walk's repeated upper-level lines hit the way they do in real L1Ds. */
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
        /* Walker loads that skip the L1D start at the first level below it. */
        if (i == 0 && cfg->walk_skip_l1)
            m->walk_first = 1;
        /* Only nvalid is zeroed, not the tag array (384 KiB for a 2 MiB LLC
         * stand-in): creating an MMU stays cheap. */
        l->tag = malloc((size_t)c->sets * c->ways * sizeof *l->tag);
        l->stamp = malloc((size_t)c->sets * c->ways * sizeof *l->stamp);
        l->nvalid = calloc(c->sets, sizeof *l->nvalid);
        m->nlevels++;
        if (!l->tag || !l->stamp || !l->nvalid) {
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
        m->lvl[i].tag = NULL;
        m->lvl[i].stamp = NULL;
        m->lvl[i].nvalid = NULL;
    }
    m->nlevels = 0;
}

void mmu_memlat_flush(mmu_memlat_t *m)
{
    for (unsigned i = 0; i < m->nlevels; i++)
        memset(m->lvl[i].nvalid, 0, m->lvl[i].sets * sizeof *m->lvl[i].nvalid);
}

/* A use of `line` in one level: true (and its LRU stamp renewed) when the
 * level holds it. */
static bool touch(mmu_memlat_level_t *l, uint64_t line, uint64_t now)
{
    const size_t set = (size_t)(line & (l->sets - 1)), base = set * l->ways;
    for (size_t w = base; w < base + l->nvalid[set]; w++)
        if (l->tag[w] == line + 1) {
            l->stamp[w] = now;
            return true;
        }
    return false;
}

/* Put `line` (not held) into one level: an empty way first (the lowest; ways
 * fill in order and empty only all together, at a flush), else the least
 * recently used. Returns the line it displaced + 1, or 0. */
static uint64_t insert(mmu_memlat_level_t *l, uint64_t line, uint64_t now)
{
    const size_t set = (size_t)(line & (l->sets - 1)), base = set * l->ways;
    size_t victim = base;
    uint64_t out = 0;
    if (l->nvalid[set] < l->ways) {
        victim = base + l->nvalid[set]++;
    } else {
        for (size_t w = base; w < base + l->ways; w++)
            if (l->stamp[w] < l->stamp[victim])
                victim = w;
        out = l->tag[victim];
    }
    l->tag[victim] = line + 1;
    l->stamp[victim] = now;
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
