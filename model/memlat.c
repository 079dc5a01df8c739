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

/* Probe (and on a miss fill) one level; true on a hit. */
static bool probe(mmu_memlat_level_t *l, uint64_t line, uint32_t now)
{
    const size_t set = (size_t)(line & (l->sets - 1)), base = set * l->ways;
    const size_t valid = l->nvalid[set];
    size_t victim = base;
    for (size_t w = base; w < base + valid; w++) {
        if (l->tag[w] == line + 1) {
            l->stamp[w] = now;
            return true;
        }
        if (l->stamp[w] < l->stamp[victim])
            victim = w;
    }
    /* An empty way first (the lowest), else the least recently used. */
    if (valid < l->ways)
        victim = base + l->nvalid[set]++;
    l->tag[victim] = line + 1;
    l->stamp[victim] = now;
    return false;
}

unsigned mmu_memlat_access(mmu_memlat_t *m, uint64_t pa, bool locked_rmw, mmu_cycle_t now)
{
    if (m->cb)
        return m->cb(m->ctx, pa, locked_rmw, now);
    const uint64_t line = pa >> m->line_shift;
    const uint32_t t = ++m->clock;
    unsigned lat = m->dram_latency;
    bool hit = false;
    /* Every level is probed so each gets the line on a miss (inclusive). The
     * latency is that of the first level that hit. */
    for (unsigned i = 0; i < m->nlevels; i++) {
        if (probe(&m->lvl[i], line, t) && !hit) {
            hit = true;
            lat = m->lvl[i].latency;
            m->hits[i]++;
        }
    }
    if (!hit)
        m->dram++;
    return lat + (locked_rmw ? m->rmw_latency : 0);
}

void mmu_memlat_prefetch(const mmu_memlat_t *m, uint64_t pa)
{
#if defined(__GNUC__)
    if (m->cb)
        return;
    const uint64_t line = pa >> m->line_shift;
    for (unsigned i = 0; i < m->nlevels; i++) {
        const mmu_memlat_level_t *l = &m->lvl[i];
        const size_t set = (size_t)(line & (l->sets - 1)), base = set * l->ways;
        __builtin_prefetch(&l->nvalid[set]);
        for (size_t off = 0; off < l->ways * sizeof *l->tag; off += 64)
            __builtin_prefetch((const char *)&l->tag[base] + off);
        __builtin_prefetch(&l->tag[base + l->ways - 1]);
        __builtin_prefetch(&l->stamp[base]);
        __builtin_prefetch(&l->stamp[base + l->ways - 1]);
    }
#else
    (void)m, (void)pa;
#endif
}
