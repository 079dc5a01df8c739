/* Page-table fetch latency model (see memlat.h). The caches are filled on
 * every access at every level (inclusive), the simplest policy that makes a
 * walk's repeated upper-level lines hit the way they do in real L1Ds. */
#include "memlat.h"

#include <stdlib.h>

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
        l->tag = calloc((size_t)c->sets * c->ways, sizeof *l->tag);
        l->stamp = calloc((size_t)c->sets * c->ways, sizeof *l->stamp);
        m->nlevels++;
        if (!l->tag || !l->stamp) {
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
        m->lvl[i].tag = NULL;
        m->lvl[i].stamp = NULL;
    }
    m->nlevels = 0;
}

void mmu_memlat_flush(mmu_memlat_t *m)
{
    for (unsigned i = 0; i < m->nlevels; i++)
        for (size_t k = 0; k < (size_t)m->lvl[i].sets * m->lvl[i].ways; k++)
            m->lvl[i].tag[k] = 0;
}

/* Probe (and on a miss fill) one level; true on a hit. */
static bool probe(mmu_memlat_level_t *l, uint64_t line, uint64_t now)
{
    const size_t base = (size_t)(line & (l->sets - 1)) * l->ways;
    size_t victim = base;
    for (size_t w = base; w < base + l->ways; w++) {
        if (l->tag[w] == line + 1) {
            l->stamp[w] = now;
            return true;
        }
        /* An empty way first, else the least recently used. */
        if (l->tag[victim] && (!l->tag[w] || l->stamp[w] < l->stamp[victim]))
            victim = w;
    }
    l->tag[victim] = line + 1;
    l->stamp[victim] = now;
    return false;
}

/* The level that served the line (nlevels = DRAM), every level filled. */
static unsigned lookup(mmu_memlat_t *m, uint64_t pa)
{
    const uint64_t line = pa >> m->line_shift;
    const uint64_t t = ++m->clock;
    unsigned served = m->nlevels;
    /* Every level is probed so each gets the line on a miss (inclusive). The
     * latency is that of the first level that hit. */
    for (unsigned i = 0; i < m->nlevels; i++)
        if (probe(&m->lvl[i], line, t) && served == m->nlevels)
            served = i;
    return served;
}

unsigned mmu_memlat_access(mmu_memlat_t *m, uint64_t pa, bool locked_rmw, mmu_cycle_t now)
{
    if (m->cb)
        return m->cb(m->ctx, pa, locked_rmw, now);
    const unsigned lvl = lookup(m, pa);
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
    const unsigned lvl = lookup(m, pa);
    if (lvl < m->nlevels) {
        m->data_hits[lvl]++;
        return m->lvl[lvl].latency;
    }
    m->data_dram++;
    return m->dram_latency;
}
