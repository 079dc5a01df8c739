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

/* The fast path's lookup goes into each of its two callers whole: a call
 * and a stack frame more would be a sixth of what it costs. */
#define ALWAYS_INLINE inline __attribute__((always_inline))

/* Buckets of the memo (memlat.h) at most: a 64-set L1D needs 64. */
#define MEMO_MAX_BUCKETS 1024u

static void plru_masks(mmu_memlat_level_t *l);
static unsigned cb_access(mmu_memlat_t *m, uint64_t pa, bool locked_rmw, mmu_cycle_t now);
static unsigned fast_access(mmu_memlat_t *m, uint64_t pa, bool locked_rmw, mmu_cycle_t now);
static unsigned general_access(mmu_memlat_t *m, uint64_t pa, bool locked_rmw, mmu_cycle_t now);
static unsigned fast3_access(mmu_memlat_t *m, uint64_t pa, bool locked_rmw, mmu_cycle_t now);
static unsigned fast_lookup_call(mmu_memlat_t *m, uint64_t pa, unsigned first);
static unsigned fast3_lookup_call(mmu_memlat_t *m, uint64_t pa, unsigned first);
static void fast_clear(mmu_memlat_level_t *l);
static unsigned lookup_general(mmu_memlat_t *m, uint64_t pa, unsigned first);

int mmu_memlat_init(mmu_memlat_t *m, const mmu_config_t *cfg)
{
    *m = (mmu_memlat_t){0};
    uint64_t apart = 0; /* two lines share no set at any level when they differ here */
    m->cb = cfg->memlat_cb;
    m->ctx = cfg->memlat_ctx;
    m->dram_latency = cfg->dram_latency;
    m->rmw_latency = cfg->rmw_latency;
    for (unsigned s = cfg->memlat_line; s > 1; s >>= 1)
        m->line_shift++;
    m->fast = true;
    for (unsigned i = 0; i < MMU_MEMLAT_LEVELS; i++) {
        const mmu_memlat_level_cfg_t *c = &cfg->memlat[i];
        if (c->sets && (c->victim || c->pair || cfg->memlat_plru[i] > 1 || c->ways > 16))
            m->fast = false;
    }
    for (unsigned i = 0; i < MMU_MEMLAT_LEVELS; i++) {
        const mmu_memlat_level_cfg_t *c = &cfg->memlat[i];
        if (!c->sets)
            continue;
        mmu_memlat_level_t *l = &m->lvl[m->nlevels];
        l->sets = c->sets, l->ways = c->ways, l->latency = c->latency;
        l->victim = c->victim != 0;
        l->pair = c->pair != 0;
        l->level = (uint8_t)i;
        l->plru = cfg->memlat_plru[i] > 1 ? cfg->memlat_plru[i] : 0;
        /* Walker loads that skip the L1D start at the first level below it. */
        if (i == 0 && cfg->walk_skip_l1)
            m->walk_first = 1;
        l->set_mask = c->sets - 1;
        bool ok;
        if (m->fast) {
            /* The set's filter and order in one host line, its tags right
             * after them; whole host lines a set. */
            l->rec_size = (sizeof *l->set + (size_t)c->ways * sizeof(uint64_t) + 63) & ~(size_t)63;
            l->vshift = (uint8_t)(4 * (c->ways - 1));
            l->set = aligned_alloc(64, (size_t)c->sets * l->rec_size);
            ok = l->set != NULL;
            if (ok)
                fast_clear(l);
        } else {
            /* Only nvalid is zeroed, not the tag array (384 KiB for a 2 MiB
             * LLC stand-in): creating an MMU stays cheap. */
            l->tag = malloc((size_t)c->sets * c->ways * sizeof *l->tag);
            l->stamp = malloc((size_t)c->sets * c->ways * sizeof *l->stamp);
            l->nvalid = calloc(c->sets, sizeof *l->nvalid);
            ok = l->tag && l->stamp && l->nvalid;
        }
        if (l->plru) {
            l->tree = calloc(c->sets, sizeof *l->tree);
            l->use = malloc(2 * (size_t)c->ways * sizeof *l->use);
        }
        if (!l->victim || l->pair)
            m->change_mask |= 1u << m->nlevels;
        if (l->victim && l->pair)
            m->pair_victim_mask |= 1u << m->nlevels;
        /* Sets are powers of two: the fewest sets decide. */
        if (m->nlevels == 0 || c->sets - 1 < apart)
            apart = c->sets - 1;
        m->nlevels++;
        if (!ok || (l->plru && (!l->tree || !l->use))) {
            mmu_memlat_free(m);
            return MMU_ENOMEM;
        }
        if (l->plru)
            plru_masks(l);
    }
    /* Walker accesses of the default caches take the unrolled lookup
     * (fast3_access); data lookups, from the L1D, take it with any
     * walk_first. */
    m->kind = m->cb        ? MMU_MEMLAT_CALLBACK
              : !m->fast   ? MMU_MEMLAT_GENERAL
              : m->nlevels == 3 && m->walk_first == 0 ? MMU_MEMLAT_FAST3
                           : MMU_MEMLAT_FAST;
    static unsigned (*const access[])(mmu_memlat_t *, uint64_t, bool, mmu_cycle_t) = {
        [MMU_MEMLAT_CALLBACK] = cb_access,
        [MMU_MEMLAT_GENERAL] = general_access,
        [MMU_MEMLAT_FAST] = fast_access,
        [MMU_MEMLAT_FAST3] = fast3_access};
    m->access = access[m->kind];
    m->lookup = !m->fast ? lookup_general : m->nlevels == 3 ? fast3_lookup_call : fast_lookup_call;
    /* Fewer buckets than sets merge buckets of sets: still apart. */
    m->memo_mask = apart < MEMO_MAX_BUCKETS - 1 ? apart : MEMO_MAX_BUCKETS - 1;
    m->memo = calloc(m->memo_mask + 1, sizeof *m->memo);
    if (!m->memo) {
        mmu_memlat_free(m);
        return MMU_ENOMEM;
    }
    return 0;
}

void mmu_memlat_free(mmu_memlat_t *m)
{
    for (unsigned i = 0; i < MMU_MEMLAT_LEVELS; i++) {
        free(m->lvl[i].tag);
        free(m->lvl[i].stamp); /* or set: they share their storage */
        if (!m->fast)
            free(m->lvl[i].nvalid); /* else rec_size, in its place */
        free(m->lvl[i].tree);
        free(m->lvl[i].use);
        m->lvl[i].tree = NULL;
        m->lvl[i].use = NULL;
        m->lvl[i].tag = NULL;
        m->lvl[i].stamp = NULL;
        m->lvl[i].nvalid = NULL;
    }
    free(m->memo);
    m->memo = NULL;
    m->nlevels = 0;
}

void mmu_memlat_flush(mmu_memlat_t *m)
{
    if (m->memo)
        memset(m->memo, 0, (m->memo_mask + 1) * sizeof *m->memo);
    for (unsigned i = 0; i < m->nlevels; i++) {
        if (m->fast) {
            fast_clear(&m->lvl[i]);
            continue;
        }
        memset(m->lvl[i].nvalid, 0, m->lvl[i].sets * sizeof *m->lvl[i].nvalid);
        if (m->lvl[i].tree)
            memset(m->lvl[i].tree, 0, m->lvl[i].sets * sizeof *m->lvl[i].tree);
    }
}

/* Tree pseudo-LRU, one binary tree per group of l->plru ways (g - 1 bits,
 * group k's at bits k*(g-1) ..., node n at bit n-1, children 2n and 2n+1,
 * leaves g .. 2g-1 = ways 0 .. g-1 of the group). A bit says on which side
 * the next victim is: 0 left, 1 right. A use turns every bit on the way's
 * path to point away from it: which bits and which way is fixed per way, so
 * init keeps them as two masks (l->use) and a use is one and + or. */
static void plru_masks(mmu_memlat_level_t *l)
{
    const unsigned g = l->plru;
    for (unsigned way = 0; way < l->ways; way++) {
        const unsigned w = way % g, shift = way / g * (g - 1);
        uint64_t keep = ~0ull, set = 0;
        unsigned node = 1;
        for (unsigned half = g >> 1; half; half >>= 1) {
            const unsigned right = (w & half) != 0;
            const uint64_t bit = 1ull << (shift + node - 1);
            if (right)
                keep &= ~bit;
            else
                set |= bit;
            node = 2 * node + right;
        }
        l->use[2 * way] = keep;
        l->use[2 * way + 1] = set;
    }
}

static inline void plru_use(mmu_memlat_level_t *l, size_t set, unsigned way)
{
    l->tree[set] = (l->tree[set] & l->use[2 * way]) | l->use[2 * way + 1];
}

/* The way a miss replaces in a full set: the groups are ordered by LRU (a
 * group's last use is that of its most recently used way), and the tree of
 * the least recently used one says which of its ways goes. */
static unsigned plru_victim(const mmu_memlat_level_t *l, size_t set)
{
    const unsigned g = l->plru;
    unsigned grp = 0;
    if (g < l->ways) {
        const uint64_t *st = &l->stamp[set * l->ways];
        uint64_t oldest = UINT64_MAX;
        for (unsigned k = 0; k < l->ways / g; k++) {
            uint64_t last = 0;
            for (unsigned w = k * g; w < (k + 1) * g; w++)
                last = st[w] > last ? st[w] : last;
            if (last < oldest)
                oldest = last, grp = k;
        }
    }
    const uint64_t bits = l->tree[set] >> (grp * (g - 1));
    unsigned node = 1;
    while (node < g)
        node = 2 * node + (unsigned)((bits >> (node - 1)) & 1);
    return grp * g + node - g;
}

/* Put `key` (line + 1, not held) into its set (ways at `base`): the lowest
 * empty way (ways fill in order and empty only all together, at a flush),
 * else the least recently used (the first of equal stamps) or the pseudo-LRU
 * victim. Returns the line it displaced + 1, or 0. */
static uint64_t insert(mmu_memlat_level_t *l, size_t set, size_t base, uint64_t key, uint64_t now)
{
    const unsigned nv = l->nvalid[set];
    size_t w;
    uint64_t out = 0;
    if (nv < l->ways) {
        l->nvalid[set] = nv + 1;
        w = base + nv;
    } else if (l->plru) {
        w = base + plru_victim(l, set);
        out = l->tag[w];
    } else {
        const uint64_t *st = &l->stamp[base];
        unsigned v = 0;
        uint64_t old = st[0];
        for (unsigned i = 1; i < l->ways; i++)
            if (st[i] < old)
                old = st[i], v = i;
        w = base + v;
        out = l->tag[w];
    }
    l->tag[w] = key;
    l->stamp[w] = now;
    if (l->plru)
        plru_use(l, set, (unsigned)(w - base));
    return out;
}

/* A use of `line` in one level, which gets it if it lacks it: one scan of
 * the set finds the line, or else the LRU way of a full set. Returns what
 * it displaced (line + 1), or 0 (a hit, or an empty way filled). */
static uint64_t use_or_insert(mmu_memlat_level_t *l, uint64_t line, uint64_t now)
{
    const uint64_t key = line + 1;
    const size_t set = (size_t)(line & (l->sets - 1)), base = set * l->ways;
    const unsigned nv = l->nvalid[set];
    const uint64_t *tag = &l->tag[base];
    if (nv == l->ways && !l->plru) {
        const uint64_t *st = &l->stamp[base];
        unsigned v = 0;
        uint64_t old = UINT64_MAX;
        unsigned i = 0;
        for (; i < nv; i++) {
            if (tag[i] == key)
                break;
            if (st[i] < old)
                old = st[i], v = i;
        }
        if (i < nv) {
            l->stamp[base + i] = now;
            return 0;
        }
        const uint64_t out = tag[v];
        l->tag[base + v] = key;
        l->stamp[base + v] = now;
        return out;
    }
    for (unsigned i = 0; i < nv; i++)
        if (tag[i] == key) {
            l->stamp[base + i] = now;
            if (l->plru)
                plru_use(l, set, i);
            return 0;
        }
    return insert(l, set, base, key, now);
}

/* Whether `other` falls into a set of `line` at level l. */
static inline bool same_set(const mmu_memlat_level_t *l, uint64_t line, uint64_t other)
{
    return ((line ^ other) & (l->sets - 1)) == 0;
}

/* Bring `pline` into the ordinary levels from `from` down, as a prefetch (a
 * use where a level holds it); what an ordinary level displaces goes into a
 * victim level right below it. Returns whether any of that touched a set of
 * `line` (the line whose miss brought the pair in). */
static bool fill_pair(mmu_memlat_t *m, uint64_t pline, uint64_t line, unsigned from, uint64_t t)
{
    bool touched = false;
    for (unsigned i = from; i < m->nlevels; i++) {
        mmu_memlat_level_t *l = &m->lvl[i];
        if (l->victim)
            continue;
        touched |= same_set(l, line, pline);
        const uint64_t out = use_or_insert(l, pline, t);
        if (out && i + 1 < m->nlevels && m->lvl[i + 1].victim) {
            touched |= same_set(&m->lvl[i + 1], line, out - 1);
            use_or_insert(&m->lvl[i + 1], out - 1, t);
        }
    }
    return touched;
}

/* The fast configuration (mmu_memlat_t.fast): every level true LRU, none a
 * victim or pair level. A lookup then changes each level's set by its own
 * hit or fill alone, so one pass does both, and each lookup stamps one line
 * per set: no two lines of a set ever share a stamp, and the stamps' order
 * is all that LRU reads. A set keeps that order itself (struct
 * mmu_memlat_set: way numbers, most recent in the low 4 bits), so neither a
 * hit nor a victim scans stamps; a filter byte per way, compared 16 at once,
 * leaves a miss without reading a tag unless a byte matches (1 in 128 per
 * way). The tags follow the order in the same record, so a set is one base
 * address. Memlat.TheFastPathMatchesTheReferenceModel compares it with the
 * stamps.
 *
 * The empty ways need no count: a set starts with every way in its order
 * (descending, so way 0 fills first, as in the general path), and a miss
 * always takes the way at the last position and moves it to the front. A
 * hit moves a filled way forward over filled ways only (they are all in
 * front of the empty ones), so the empty ones stay behind: a miss fills an
 * empty way while there is one, and once none is left the way there is the
 * least recently used. (Which empty way a line goes to is not observable:
 * LRU reads only the order of lines. Any permutation works; one way number
 * twice does not, Memlat.TheDefaultCachesMatchTheReferenceModel fails.) */

/* A set's record as it starts (and is after a flush): no filter byte, the
 * ways in descending order (see above). */
static void fast_clear(mmu_memlat_level_t *l)
{
    uint64_t order = 0;
    for (unsigned p = 0; p < l->ways; p++)
        order |= (uint64_t)(l->ways - 1 - p) << (4 * p);
    memset(l->set, 0, l->sets * l->rec_size);
    for (unsigned i = 0; i < l->sets; i++)
        ((struct mmu_memlat_set *)(void *)((char *)l->set + i * l->rec_size))->order = order;
}

/* mmu_memlat_lookup in the fast configuration, its memo included, for the
 * levels first .. n - 1 (n = m->nlevels; a constant in fast3_*). */
static ALWAYS_INLINE unsigned fast_lookup(mmu_memlat_t *m, uint64_t pa, unsigned first,
                                          unsigned n)
{
    const uint64_t line = pa >> m->line_shift, key = line + 1;
    struct mmu_memlat_memo *e = &m->memo[line & m->memo_mask];
    const uint64_t mkey = (line << 1 | first) + 1;
    if (e->key == mkey)
        return (unsigned)e->served;
    const unsigned fb = mmu_memlat_fil_byte(line);
    const mmu_memlat_want_t want = mmu_memlat_fil_want(fb);
    unsigned served = n;
    for (unsigned i = first; i < n; i++)
        if (mmu_memlat_fast_level(&m->lvl[i], line, key, fb, want) && served == n)
            served = i;
    /* The line is now the most recent of its set at every level from
     * `first`: a repeat changes nothing and is served by `first`. */
    if (first < n)
        *e = (struct mmu_memlat_memo){mkey, first};
    else
        e->key = 0;
    return served;
}

/* The level that served the line (nlevels = DRAM). Every level that holds it
 * sees a use. Then every ordinary level that missed gets the line (the
 * fills are inclusive); a victim level gets only what the level above it
 * displaces, and keeps a line that hits in it (non-inclusive). Hits are all
 * found before anything is filled, so a victim written into a level cannot
 * push out the line being looked up; and an ordinary level is changed only by
 * its own fill, so each is scanned once. */
static unsigned lookup_general(mmu_memlat_t *m, uint64_t pa, unsigned first)
{
    const uint64_t line = pa >> m->line_shift, key = line + 1;
    struct mmu_memlat_memo *e = &m->memo[line & m->memo_mask];
    const uint64_t mkey = (line << 1 | first) + 1;
    /* The bucket's memo line (see memlat.h): its last lookup left its stamps
     * the newest of each of its sets, set only by that lookup, and its own
     * pseudo-LRU paths the last ones taken there; nothing since has used or
     * filled a set it is in. Renewing its stamps with a newer clock value
     * would keep every order between stamps within its sets (replacement
     * compares nothing across sets), and a second use of the same way sets
     * the same tree bits; a level that lacks it is a victim level without
     * pair, which a miss leaves alone. Nothing to do. */
    if (e->key == mkey)
        return (unsigned)e->served;
    const uint64_t t = ++m->clock;
    const unsigned n = m->nlevels;
    unsigned served = n, missed = 0;
    for (unsigned i = first; i < n; i++) {
        mmu_memlat_level_t *l = &m->lvl[i];
        const size_t set = (size_t)(line & (l->sets - 1)), base = set * l->ways;
        const unsigned nv = l->nvalid[set];
        const uint64_t *tag = &l->tag[base];
        unsigned w = 0;
        while (w < nv && tag[w] != key)
            w++;
        if (w < nv) {
            l->stamp[base + w] = t;
            if (l->plru)
                plru_use(l, set, w);
            if (served == n)
                served = i;
        } else {
            missed |= 1u << i;
        }
    }
    /* This lookup used one set per level, its line's: the memos of other
     * buckets stay. */
    if (!(missed & m->change_mask)) {
        /* (Served by DRAM: no level from `first` is ordinary. Rare: no memo.) */
        if (served < n)
            *e = (struct mmu_memlat_memo){mkey, served};
        else
            e->key = 0;
        return served;
    }
    /* Where a repeat of this lookup would find the line: the first ordinary
     * level (all of them get it) or an earlier victim level that hit. */
    unsigned again = served;
    bool touched = false; /* another line used or filled a set of this one */
    for (unsigned i = first; i < n; i++) {
        mmu_memlat_level_t *l = &m->lvl[i];
        if (l->victim)
            continue;
        if (i < again)
            again = i;
        if (!(missed >> i & 1))
            continue;
        const size_t set = (size_t)(line & (l->sets - 1));
        const uint64_t out = insert(l, set, set * l->ways, key, t);
        if (out && i + 1 < n && m->lvl[i + 1].victim) {
            touched |= same_set(&m->lvl[i + 1], line, out - 1);
            use_or_insert(&m->lvl[i + 1], out - 1, t);
        }
    }
    /* The pair line of a level that missed (the first such level), as a
     * prefetch: no latency, not counted. It and what it displaces are in
     * the pair line's bucket, whose memo goes. */
    for (unsigned i = first; i < n; i++)
        if (m->lvl[i].pair && (missed >> i & 1)) {
            m->memo[(line ^ 1) & m->memo_mask].key = 0;
            touched |= fill_pair(m, line ^ 1, line, i, t);
            break;
        }
    /* A repeat finds the line in every ordinary level and in the victim
     * levels that hit, stamped by this lookup alone, its tree paths the last
     * ones taken: a memo, unless another line shared a set or a victim level
     * with pair still lacks it (a miss there would fill the pair again). */
    if (!touched && !(missed & m->pair_victim_mask) && again < n)
        *e = (struct mmu_memlat_memo){mkey, again};
    else
        e->key = 0;
    return served;
}

/* fast_lookup for the calls that take the lookup out of line (data lines,
 * mmu_memlat_lookup): through m->lookup, as lookup_general, so that neither
 * pays a test for the other. */
static unsigned fast_lookup_call(mmu_memlat_t *m, uint64_t pa, unsigned first)
{
    return fast_lookup(m, pa, first, m->nlevels);
}

/* ... with three levels, unrolled. */
static unsigned fast3_lookup_call(mmu_memlat_t *m, uint64_t pa, unsigned first)
{
    if (first == 0)
        return fast_lookup(m, pa, 0, 3);
    return fast_lookup(m, pa, first, 3);
}

unsigned mmu_memlat_lookup(mmu_memlat_t *m, uint64_t pa, unsigned first)
{
    return m->lookup(m, pa, first);
}

unsigned mmu_memlat_data_lookup(mmu_memlat_t *m, uint64_t pa)
{
    const unsigned lvl = m->lookup(m, pa, 0);
    if (lvl < m->nlevels) {
        m->data_hits[lvl]++;
        return m->lvl[lvl].latency;
    }
    m->data_dram++;
    return m->dram_latency;
}

/* ... and of a page-table access. */
static inline unsigned walk_served(mmu_memlat_t *m, unsigned lvl, bool locked_rmw)
{
    unsigned lat = m->dram_latency;
    if (lvl < m->nlevels) {
        lat = m->lvl[lvl].latency;
        m->hits[lvl]++;
    } else {
        m->dram++;
    }
    return lat + (locked_rmw ? m->rmw_latency : 0);
}

static unsigned cb_access(mmu_memlat_t *m, uint64_t pa, bool locked_rmw, mmu_cycle_t now)
{
    return m->cb(m->ctx, pa, locked_rmw, now);
}

static unsigned fast_access(mmu_memlat_t *m, uint64_t pa, bool locked_rmw, mmu_cycle_t now)
{
    (void)now;
    return walk_served(m, fast_lookup(m, pa, m->walk_first, m->nlevels), locked_rmw);
}

/* The default caches' walker accesses outside mmu_memlat_access. */
static unsigned fast3_access(mmu_memlat_t *m, uint64_t pa, bool locked_rmw, mmu_cycle_t now)
{
    (void)now;
    return mmu_memlat_fast3_access(m, pa, locked_rmw);
}

static unsigned general_access(mmu_memlat_t *m, uint64_t pa, bool locked_rmw, mmu_cycle_t now)
{
    (void)now;
    return walk_served(m, lookup_general(m, pa, m->walk_first), locked_rmw);
}

void mmu_memlat_prefetch(const mmu_memlat_t *m, uint64_t pa)
{
#if defined(__GNUC__)
    if (m->cb)
        return;
    const uint64_t line = pa >> m->line_shift;
    for (unsigned i = 0; i < m->nlevels; i++) {
        const mmu_memlat_level_t *l = &m->lvl[i];
        if (m->fast) {
            /* The set's record: filter, order and tags. */
            const char *s = (const char *)l->set + (line & l->set_mask) * l->rec_size;
            for (size_t off = 0; off < l->rec_size; off += 64)
                __builtin_prefetch(s + off);
            continue;
        }
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
