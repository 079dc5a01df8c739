/* SPDX-License-Identifier: Apache-2.0 */
/* One set-associative translation-cache array (SDM 4.10.2 TLBs, 4.10.3
 * paging-structure caches): lookup, fill with replacement, invalidation.
 * Simplifications: every granule an array holds is probed in the same cycle
 * (the caller charges one latency), and replacement state is per set, exact
 * rather than the approximations real parts may use for large ways. */
#include "tlb.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"

static void derive(mmu_tlb_t *t);

static bool is_pow2(unsigned v)
{
    return v && !(v & (v - 1));
}

static unsigned log2u(unsigned v)
{
    unsigned n = 0;
    while (v >>= 1)
        n++;
    return n;
}

int mmu_array_cfg_validate(const mmu_array_cfg_t *c, const char *name, mmu_err_t *err)
{
    if (!name)
        name = "array";
    if (!c)
        return mmu_err_set(err, MMU_EINVAL, "%s: config is NULL", name);
    if (c->entries == 0)
        return 0; /* absent: nothing else matters */
    if (c->entries > MMU_ARRAY_MAX_ENTRIES)
        return mmu_err_set(err, MMU_EINVAL, "%s: entries=%u: must be <= %u", name, c->entries,
                           MMU_ARRAY_MAX_ENTRIES);
    if (c->ways < 1)
        return mmu_err_set(err, MMU_EINVAL, "%s: ways=%u: must be >= 1", name, c->ways);
    if (c->ways > c->entries)
        return mmu_err_set(err, MMU_EINVAL, "%s: ways=%u: must be <= entries=%u", name, c->ways,
                           c->entries);
    if (c->entries % c->ways)
        return mmu_err_set(err, MMU_EINVAL, "%s: entries=%u not divisible by ways=%u", name,
                           c->entries, c->ways);
    /* Limits of the model, not of hardware (mmu_config.h): every lookup scans
     * a set, and a fully-associative array is one set. */
    if (c->ways == c->entries && c->ways > MMU_ARRAY_MAX_WAYS && c->entries > MMU_ARRAY_MAX_FA)
        return mmu_err_set(err, MMU_EINVAL,
                           "%s: entries=%u, ways=%u: a fully-associative array holds at most %u "
                           "entries",
                           name, c->entries, c->ways, MMU_ARRAY_MAX_FA);
    if (c->ways != c->entries && c->ways > MMU_ARRAY_MAX_WAYS)
        return mmu_err_set(err, MMU_EINVAL,
                           "%s: ways=%u: must be <= %u, or equal to entries=%u (fully associative, "
                           "up to %u entries)",
                           name, c->ways, MMU_ARRAY_MAX_WAYS, c->entries, MMU_ARRAY_MAX_FA);
    const unsigned sets = c->entries / c->ways;
    /* The set index is a bit field of the page number (or a fold of one). */
    if (!is_pow2(sets))
        return mmu_err_set(err, MMU_EINVAL, "%s: sets=%u (entries/ways): must be a power of two",
                           name, sets);
    if (c->repl > MMU_REPL_RANDOM)
        return mmu_err_set(err, MMU_EINVAL, "%s: repl=%u: must be 0..3 (lru, plru, fifo, random)",
                           name, c->repl);
    /* A binary tree has a leaf per way only when ways is a power of two. */
    if (c->repl == MMU_REPL_PLRU && !is_pow2(c->ways))
        return mmu_err_set(err, MMU_EINVAL, "%s: ways=%u: plru needs a power of two", name,
                           c->ways);
    if (c->index > MMU_INDEX_XOR)
        return mmu_err_set(err, MMU_EINVAL, "%s: index=%u: must be 0 (low) or 1 (xor)", name,
                           c->index);
    /* A bound on the fold, not an architectural limit: 40 covers the 36-bit
     * 4K page number of 4-level paging and most of LA57's 45. */
    if (c->index_bits > 40)
        return mmu_err_set(err, MMU_EINVAL, "%s: index_bits=%u: must be <= 40", name,
                           c->index_bits);
    const unsigned set_bits = log2u(sets);
    if (c->index == MMU_INDEX_XOR) {
        const unsigned bits = c->index_bits ? c->index_bits : 2 * set_bits;
        /* Folding fewer bits than the index width would leave sets unused. */
        if (bits < set_bits)
            return mmu_err_set(err, MMU_EINVAL,
                               "%s: index_bits=%u: xor index needs >= log2(sets)=%u", name, bits,
                               set_bits);
    }
    return 0;
}

/* splitmix64: spreads any seed, 0 and neighbouring seeds included, over the
 * xorshift state space, so seed 1 and seed 2 give unrelated victim streams. */
static uint64_t seed_rng(uint64_t seed)
{
    uint64_t z = seed + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return z ? z : 0x9e3779b97f4a7c15ull; /* xorshift is stuck at 0 */
}

static uint64_t xorshift64(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

int mmu_tlb_init(mmu_tlb_t *t, const mmu_array_cfg_t *cfg, unsigned granules, uint64_t seed,
                 const char *name, mmu_err_t *err)
{
    memset(t, 0, sizeof *t);
    int rc = mmu_array_cfg_validate(cfg, name, err);
    if (rc)
        return rc;
    if (!name)
        name = "array";
    if (cfg->entries == 0)
        return 0; /* absent: sets = 0, no granules, nothing allocated */
    if (!granules || (granules >> MMU_GRANULES))
        return mmu_err_set(err, MMU_EINVAL, "%s: granule mask 0x%x: must be a non-empty subset of 0x%x",
                           name, granules, (1u << MMU_GRANULES) - 1);

    t->sets = cfg->entries / cfg->ways;
    t->ways = cfg->ways;
    t->set_bits = log2u(t->sets);
    t->set_mask = t->sets - 1;
    t->granules = granules;
    for (unsigned g = 0; g < MMU_GRANULES; g++) {
        t->shift[g] = (uint8_t)(12 + 9 * g);
        if (granules & (1u << g))
            t->gran[t->ngran++] = (uint8_t)g;
    }
    t->shift[MMU_GRANULE_COALESCED] = 12; /* until mmu_tlb_set_coalesce */
    t->repl = cfg->repl;
    /* One set has no index to compute; forcing LOW also keeps the fold loop
     * from shifting by 0. */
    t->index = t->set_bits ? cfg->index : MMU_INDEX_LOW;
    t->xor_index = t->index == MMU_INDEX_XOR;
    t->index_bits = cfg->index_bits ? cfg->index_bits : 2 * t->set_bits;
    t->index_mask = (1ull << t->index_bits) - 1;
    t->fold2 = t->xor_index && t->index_bits <= 2 * t->set_bits;
    for (unsigned l = 0; l < 4; l++)
        t->lane_pad[l] = t->ways % 4 && l >= t->ways % 4 ? UINT32_MAX : 0;
    t->rng = seed_rng(seed);
    derive(t);

    const size_t n = (size_t)t->sets * t->ways;
    /* ways - 1 tree bits per set, at least one word so ways = 1 allocates. */
    t->plru_words = (t->ways - 1 + 31) / 32;
    if (!t->plru_words)
        t->plru_words = 1;
    t->e = calloc(n, sizeof *t->e);
    t->tag_stride = (t->ways + MMU_TLB_CHUNK - 1) / MMU_TLB_CHUNK * MMU_TLB_CHUNK;
    t->tag = calloc((size_t)t->sets * t->tag_stride, 1); /* 0: every way invalid */
    t->stamp = calloc(n + 3, sizeof *t->stamp); /* + 3: see mmu_tlb_t.stamp */
    t->plru = calloc((size_t)t->sets * t->plru_words, sizeof *t->plru);
    t->scratch = calloc(t->ways, sizeof *t->scratch);
    if (!t->e || !t->tag || !t->stamp || !t->plru || !t->scratch) {
        mmu_tlb_free(t);
        return mmu_err_set(err, MMU_ENOMEM, "%s: cannot allocate %u entries", name,
                           cfg->entries);
    }
    for (size_t i = 0; i < n; i++)
        t->e[i].vpn = MMU_TLB_NO_VPN;
    return 0;
}

void mmu_tlb_free(mmu_tlb_t *t)
{
    if (!t)
        return;
    free(t->e);
    free(t->tag);
    free(t->stamp);
    free(t->plru);
    free(t->scratch);
    memset(t, 0, sizeof *t);
}

/* ---- set index ------------------------------------------------------------- */

static inline uint64_t vpn_of(const mmu_tlb_t *t, uint64_t la, unsigned g)
{
    return la >> t->shift[g];
}

/* The granules with valid entries, in probe order (mmu_tlb_t.step). */
static void relive(mmu_tlb_t *t)
{
    t->nlive = 0;
    for (unsigned i = 0; i < t->ngran; i++) {
        const unsigned g = t->gran[i];
        if (t->gvalid[g])
            t->step[t->nlive++] = (mmu_tlb_step_t){(uint8_t)g, t->shift[g], t->tshift[g], t->tadd[g]};
    }
}

/* The fields a probe and a fill read instead of recomputing them (see
 * mmu_tlb_t.tshift and simple), from the geometry, index and granules. */
static void derive(mmu_tlb_t *t)
{
    t->simple = t->sets && t->ways <= MMU_TLB_CHUNK && (!t->xor_index || t->fold2);
    for (unsigned g = 0; g < MMU_GRANULES; g++) {
        const unsigned ts = t->shift[g] + t->set_bits;
        t->tshift[g] = (uint8_t)(ts < 64 ? ts : 63);
        t->tadd[g] = (uint8_t)((g * 0x35u) & 0x7fu);
        /* la >> tshift must be the page number >> set_bits. */
        if ((t->granules >> g & 1) && ts >= 64)
            t->simple = false;
    }
    t->fast_fill = t->simple && (t->repl == MMU_REPL_LRU || t->repl == MMU_REPL_FIFO);
    relive(t);
}

void mmu_tlb_set_coalesce(mmu_tlb_t *t, unsigned pages)
{
    if (!t->sets || !(t->granules & 1u) || pages < 2)
        return;
    t->shift[MMU_GRANULE_COALESCED] = (uint8_t)(12 + log2u(pages));
    t->granules |= 1u << MMU_GRANULE_COALESCED;
    /* Probe order by span: 4K, the group, then 2M and up. */
    t->ngran = 0;
    t->gran[t->ngran++] = 0;
    t->gran[t->ngran++] = MMU_GRANULE_COALESCED;
    for (unsigned g = 1; g < MMU_GRANULE_COALESCED; g++)
        if (t->granules & (1u << g))
            t->gran[t->ngran++] = (uint8_t)g;
    derive(t);
}

unsigned mmu_tlb_xor_set(const mmu_tlb_t *t, uint64_t vpn)
{
    /* Skylake-style STLB hash: XOR of consecutive set_bits-wide chunks of the
     * page number, so strided pages that share low bits spread over sets. */
    uint64_t x = vpn & t->index_mask;
    unsigned s = 0;
    while (x) {
        s ^= (unsigned)(x & t->set_mask);
        x >>= t->set_bits;
    }
    return s;
}

static inline unsigned set_of(const mmu_tlb_t *t, uint64_t vpn)
{
    return mmu_tlb_set_of(t, vpn);
}

/* ---- replacement ----------------------------------------------------------- */

/* The LRU/FIFO clock is 32 bits (the stamp array's width) and wraps after 2^32
 * uses, well within one long simulation. Before it does, each set's stamps are
 * replaced by their ranks, which keeps the order exactly; halving all stamps
 * instead would merge neighbours and change victims. */
static void renumber(mmu_tlb_t *t)
{
    for (unsigned s = 0; s < t->sets; s++) {
        const size_t base = (size_t)s * t->ways;
        for (unsigned i = 0; i < t->ways; i++) {
            uint32_t rank = 0;
            if (MMU_TLB_VALID(&t->e[base + i])) {
                rank = 1;
                const uint32_t si = t->stamp[base + i];
                for (unsigned j = 0; j < t->ways; j++) {
                    const uint32_t sj = t->stamp[base + j];
                    if (MMU_TLB_VALID(&t->e[base + j]) && (sj < si || (sj == si && j < i)))
                        rank++;
                }
            }
            t->scratch[i] = rank;
        }
        memcpy(&t->stamp[base], t->scratch, t->ways * sizeof *t->scratch);
    }
    t->clock = t->ways; /* above every rank */
}

static inline uint32_t tick(mmu_tlb_t *t)
{
    if (t->clock == UINT32_MAX)
        renumber(t);
    return ++t->clock;
}

/* Tree PLRU, nodes in heap order (root 0, children 2n+1 and 2n+2). A node's
 * bit says which half holds the next victim: 0 left, 1 right. */
static inline bool plru_bit(const uint32_t *b, unsigned n)
{
    return (b[n >> 5] >> (n & 31)) & 1u;
}

static inline void plru_set(uint32_t *b, unsigned n, bool v)
{
    if (v)
        b[n >> 5] |= 1u << (n & 31);
    else
        b[n >> 5] &= ~(1u << (n & 31));
}

static void plru_touch(mmu_tlb_t *t, unsigned set, unsigned way)
{
    uint32_t *b = &t->plru[(size_t)set * t->plru_words];
    unsigned node = 0, lo = 0;
    for (unsigned size = t->ways; size > 1; size >>= 1) {
        const unsigned half = size >> 1;
        const bool right = way >= lo + half;
        plru_set(b, node, !right); /* point away from the way just used */
        node = 2 * node + 1 + right;
        lo += right ? half : 0;
    }
}

static unsigned plru_victim(const mmu_tlb_t *t, unsigned set)
{
    const uint32_t *b = &t->plru[(size_t)set * t->plru_words];
    unsigned node = 0, lo = 0;
    for (unsigned size = t->ways; size > 1; size >>= 1) {
        const bool right = plru_bit(b, node);
        node = 2 * node + 1 + right;
        lo += right ? size >> 1 : 0;
    }
    return lo;
}

/* A use: a hit, or an in-place overwrite. FIFO and random keep no use state. */
static inline void touch(mmu_tlb_t *t, unsigned set, unsigned way)
{
    if (t->repl == MMU_REPL_LRU)
        t->stamp[(size_t)set * t->ways + way] = tick(t);
    else if (t->repl == MMU_REPL_PLRU)
        plru_touch(t, set, way);
}

void mmu_tlb_touch_slow(mmu_tlb_t *t, unsigned set, unsigned way)
{
    touch(t, set, way);
}

/* The way of the oldest stamp among the first `ways` of st, the lowest on ties
 * (as a scan keeping the first strict minimum would find). */
static unsigned oldest_scan(const uint32_t *st, unsigned ways)
{
    unsigned v = 0;
    for (unsigned w = 1; w < ways; w++)
        if (st[w] < st[v])
            v = w;
    return v;
}

#if defined(__SSE2__)
/* The signed 32-bit minimum of a and b, lane by lane (SSE2 has no pminsd). */
static inline __m128i min_epi32(__m128i a, __m128i b)
{
    const __m128i gt = _mm_cmpgt_epi32(a, b);
    return _mm_or_si128(_mm_and_si128(gt, b), _mm_andnot_si128(gt, a));
}

/* oldest_scan for a set of up to 4 * nv ways, four stamps at a time: the
 * minimum over the lanes, then the lowest lane that holds it. Stamps are
 * unsigned; flipping their top bit makes the signed compare order them the
 * same way. Lanes past the last way are forced to the largest value by
 * t->lane_pad, so they can only tie with a way of value UINT32_MAX, and then
 * the lower lane (the way) wins. Called with a constant nv, so it unrolls. */
static inline __attribute__((always_inline)) unsigned oldest_sse2(const mmu_tlb_t *t,
                                                                   const uint32_t *st,
                                                                   unsigned nv)
{
    const __m128i flip = _mm_set1_epi32(INT32_MIN);
    const __m128i pad = _mm_loadu_si128((const __m128i *)(const void *)t->lane_pad);
#define LOAD4(k) _mm_loadu_si128((const __m128i *)(const void *)(st + 4 * (k)))
#define LANES(x) ((unsigned)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32((x), m))))
    /* Written out for each nv (a constant here): GCC keeps an array of
     * vectors in memory and loops over it. */
    const __m128i v0 = _mm_xor_si128(nv == 1 ? _mm_or_si128(LOAD4(0), pad) : LOAD4(0), flip);
    __m128i v1 = v0, v2 = v0, v3 = v0, m = v0;
    if (nv >= 2) {
        v1 = _mm_xor_si128(nv == 2 ? _mm_or_si128(LOAD4(1), pad) : LOAD4(1), flip);
        m = min_epi32(m, v1);
    }
    if (nv >= 3) {
        v2 = _mm_xor_si128(nv == 3 ? _mm_or_si128(LOAD4(2), pad) : LOAD4(2), flip);
        m = min_epi32(m, v2);
    }
    if (nv >= 4) {
        v3 = _mm_xor_si128(_mm_or_si128(LOAD4(3), pad), flip);
        m = min_epi32(m, v3);
    }
    m = min_epi32(m, _mm_shuffle_epi32(m, 0x4e));
    m = min_epi32(m, _mm_shuffle_epi32(m, 0xb1));
    unsigned lanes = LANES(v0);
    if (nv >= 2)
        lanes |= LANES(v1) << 4;
    if (nv >= 3)
        lanes |= LANES(v2) << 8;
    if (nv >= 4)
        lanes |= LANES(v3) << 12;
#undef LOAD4
#undef LANES
    return mmu_tlb_lowest(lanes);
}
#endif

/* LRU: the oldest use; FIFO: the oldest fill. */
static inline __attribute__((always_inline)) unsigned oldest(const mmu_tlb_t *t,
                                                              const uint32_t *st)
{
#if defined(__SSE2__)
    switch ((t->ways + 3) / 4) {
    case 1:
        return oldest_sse2(t, st, 1);
    case 2:
        return oldest_sse2(t, st, 2);
    case 3:
        return oldest_sse2(t, st, 3);
    case 4:
        return oldest_sse2(t, st, 4);
    default:
        break;
    }
#endif
    return oldest_scan(st, t->ways);
}

static unsigned pick_victim(mmu_tlb_t *t, unsigned set)
{
    switch (t->repl) {
    case MMU_REPL_PLRU:
        return plru_victim(t, set);
    case MMU_REPL_RANDOM:
        return (unsigned)(xorshift64(&t->rng) % t->ways);
    default: /* LRU, FIFO. Ties go to the lower way. */
        return oldest(t, &t->stamp[(size_t)set * t->ways]);
    }
}

/* ---- lookup, fill, invalidate ---------------------------------------------- */

mmu_tlb_entry_t *mmu_tlb_lookup(mmu_tlb_t *t, uint64_t la, uint16_t pcid)
{
    return mmu_tlb_probe(t, la, pcid);
}

mmu_tlb_entry_t *mmu_tlb_probe_from(mmu_tlb_t *t, uint64_t la, uint16_t pcid, unsigned i)
{
    for (; i < t->ngran; i++) {
        const unsigned g = t->gran[i];
        const uint64_t vpn = vpn_of(t, la, g);
        const unsigned set = set_of(t, vpn);
        const int w = mmu_tlb_find(t, set, vpn, g, pcid);
        if (w >= 0) {
            if (t->repl == MMU_REPL_LRU && t->clock != UINT32_MAX)
                t->stamp[(size_t)set * t->ways + (unsigned)w] = ++t->clock;
            else if (t->repl == MMU_REPL_LRU || t->repl == MMU_REPL_PLRU)
                touch(t, set, (unsigned)w);
            return &t->e[(size_t)set * t->ways + (unsigned)w];
        }
    }
    return NULL;
}

const mmu_tlb_entry_t *mmu_tlb_peek_from(const mmu_tlb_t *t, uint64_t la, uint16_t pcid,
                                         unsigned i)
{
    for (; i < t->ngran; i++) {
        const unsigned g = t->gran[i];
        const uint64_t vpn = vpn_of(t, la, g);
        const unsigned set = set_of(t, vpn);
        const int w = mmu_tlb_find(t, set, vpn, g, pcid);
        if (w >= 0)
            return &t->e[(size_t)set * t->ways + (unsigned)w];
    }
    return NULL;
}

/* A hit of mmu_tlb_take whose use is not a plain LRU stamp (PLRU, or the
 * clock about to wrap): out of line and called last, so that take keeps
 * nothing in registers across a call. */
static __attribute__((noinline)) mmu_tlb_entry_t *take_touch(mmu_tlb_t *t, unsigned set,
                                                             unsigned way)
{
    touch(t, set, way);
    return &t->e[(size_t)set * t->ways + way];
}

mmu_tlb_entry_t *mmu_tlb_take(mmu_tlb_t *t, unsigned set, uint64_t vpn, unsigned g,
                              uint16_t pcid, unsigned m)
{
    const size_t base = (size_t)set * t->ways;
    for (; m; m &= m - 1) {
        const unsigned w = mmu_tlb_lowest(m);
        mmu_tlb_entry_t *x = &t->e[base + w];
        /* SDM 4.10.2.4: a global entry matches under any PCID. */
        if (x->vpn == vpn && x->granule == g && (x->global | (x->pcid == pcid))) {
            if (t->repl == MMU_REPL_LRU && t->clock != UINT32_MAX) {
                t->stamp[base + w] = ++t->clock;
                return x;
            }
            if (t->repl == MMU_REPL_LRU || t->repl == MMU_REPL_PLRU)
                return take_touch(t, set, w);
            return x;
        }
    }
    return NULL;
}

const mmu_tlb_entry_t *mmu_tlb_peek_take(const mmu_tlb_t *t, unsigned set, uint64_t vpn,
                                         unsigned g, uint16_t pcid, unsigned m)
{
    const mmu_tlb_entry_t *row = &t->e[(size_t)set * t->ways];
    for (; m; m &= m - 1) {
        const mmu_tlb_entry_t *x = &row[mmu_tlb_lowest(m)];
        if (x->vpn == vpn && x->granule == g && (x->global | (x->pcid == pcid)))
            return x;
    }
    return NULL;
}

/* The general fill (any width of set, and the in-place overwrite of an entry
 * with the same tag); n->vpn is set. */
static int fill_general(mmu_tlb_t *t, unsigned set, const mmu_tlb_entry_t *n,
                        mmu_tlb_entry_t *victim)
{
    const unsigned g = n->granule;
    mmu_tlb_entry_t *row = &t->e[(size_t)set * t->ways];
    uint8_t *tg = &t->tag[(size_t)set * t->tag_stride];
    const uint8_t h = mmu_tlb_tag(t, n->vpn, g);

    /* One pass over the set's filter bytes: the way holding the same tag
     * (only where the byte matches) and the first invalid way (byte 0). */
    unsigned free_way = t->ways;
    for (unsigned w0 = 0; w0 < t->ways; w0 += MMU_TLB_CHUNK) {
        for (unsigned m = mmu_tlb_match(tg + w0, h); m; m &= m - 1) {
            const unsigned w = w0 + mmu_tlb_lowest(m);
            const mmu_tlb_entry_t *x = &row[w];
            /* Same tag: the PCID is part of it only for non-global entries. */
            if (x->vpn == n->vpn && x->granule == g && x->global == n->global &&
                (n->global || x->pcid == n->pcid)) {
                /* A refresh (e.g. after a D update), not a new allocation:
                 * FIFO keeps its fill order, as a round-robin pointer would
                 * not move. */
                row[w] = *n;
                touch(t, set, w);
                t->last_fill = (size_t)set * t->ways + w;
                return 0;
            }
        }
        const unsigned z = mmu_tlb_match(tg + w0, 0);
        /* The rounding bytes are 0 too, but the first of them is way
         * `ways`, which says "none" all the same. */
        if (free_way == t->ways && z)
            free_way = w0 + mmu_tlb_lowest(z);
    }

    int evicted = 0;
    unsigned way = free_way;
    if (way == t->ways) {
        way = pick_victim(t, set);
        if (victim)
            *victim = row[way];
        evicted = 1;
        if (!--t->gvalid[row[way].granule])
            relive(t);
    }
    if (!t->gvalid[g]++)
        relive(t);
    row[way] = *n;
    tg[way] = h;
    t->last_fill = (size_t)set * t->ways + way;
    if (t->repl == MMU_REPL_LRU || t->repl == MMU_REPL_FIFO)
        t->stamp[(size_t)set * t->ways + way] = tick(t);
    else if (t->repl == MMU_REPL_PLRU)
        plru_touch(t, set, way);
    return evicted;
}

/* mmu_tlb_fill of an array that is not simple, or whose set may hold the
 * tag already. */
static __attribute__((noinline)) int fill_slow(mmu_tlb_t *t, uint64_t la,
                                               const mmu_tlb_entry_t *val,
                                               mmu_tlb_entry_t *victim)
{
    const unsigned g = val->granule;
    mmu_tlb_entry_t n = *val; /* copy first: val may point into this array */
    n.vpn = vpn_of(t, la, g);
    if (n.page > g)
        t->splintered = true;
    return fill_general(t, set_of(t, n.vpn), &n, victim);
}

/* The end of a fast fill that must renumber the stamps first (the clock is
 * about to wrap) or list the granules with entries anew: out of line, and
 * called last, so that the fill keeps nothing in registers across a call. */
static __attribute__((noinline)) int fill_end(mmu_tlb_t *t, size_t slot, int evicted,
                                              bool relist)
{
    if (relist)
        relive(t);
    t->stamp[slot] = tick(t);
    return evicted;
}

/* The fill of a simple array under LRU or FIFO (mmu_tlb_t.fast_fill), g
 * held. With check_same, an entry with the same tag is overwritten in place
 * (by fill_general); without, the caller has made sure there is none
 * (mmu_tlb_fill_new), so the set's filter bytes are compared only for a free
 * way. Inlined into both entry points with check_same constant. */
static inline __attribute__((always_inline)) int fast_fill(mmu_tlb_t *t, uint64_t la,
                                                           const mmu_tlb_entry_t *val,
                                                           mmu_tlb_entry_t *victim,
                                                           unsigned g, bool check_same)
{
    /* One compare of the set's filter bytes gives the ways that may hold the
     * same tag and another the first free way (bit `ways` stands for "none":
     * the rounding bytes are 0 too). */
    const uint64_t vpn = la >> t->shift[g];
    unsigned set = (unsigned)vpn & t->set_mask;
    if (t->xor_index) {
        const uint64_t x = vpn & t->index_mask;
        set = (unsigned)((x ^ (x >> t->set_bits)) & t->set_mask);
    }
    uint8_t *tg = &t->tag[(size_t)set * MMU_TLB_CHUNK];
    const uint8_t h = (uint8_t)(((la >> t->tshift[g]) + t->tadd[g]) | 0x80u);
    const size_t base = (size_t)set * t->ways;
    mmu_tlb_entry_t *row = &t->e[base];
    if (check_same) {
        for (unsigned m = mmu_tlb_match(tg, h); m; m &= m - 1) {
            const mmu_tlb_entry_t *x = &row[mmu_tlb_lowest(m)];
            /* The same tag: an overwrite in place, which fill_general does. */
            if (x->vpn == vpn && x->granule == g && x->global == val->global &&
                (val->global || x->pcid == val->pcid))
                return fill_slow(t, la, val, victim);
        }
    }
    if (val->page > g)
        t->splintered = true;
    unsigned way = mmu_tlb_lowest(mmu_tlb_match(tg, 0) | 1u << t->ways);
    int evicted = 0;
    bool relist;
    if (way == t->ways) {
        way = oldest(t, &t->stamp[base]);
        if (victim)
            *victim = row[way];
        evicted = 1;
        const unsigned og = row[way].granule;
        relist = false;
        if (og != g) {
            /* Both counts move, whichever says to relist. */
            const bool gone = --t->gvalid[og] == 0;
            const bool first = t->gvalid[g]++ == 0;
            relist = gone || first;
        }
    } else {
        relist = !t->gvalid[g]++;
    }
    /* val may be this very entry (a refill from the array): assigning an
     * object to itself is exact. */
    mmu_tlb_entry_t *x = &row[way];
    *x = *val;
    x->vpn = vpn;
    tg[way] = h;
    t->last_fill = base + way;
    if (relist || t->clock == UINT32_MAX)
        return fill_end(t, base + way, evicted, relist);
    t->stamp[base + way] = ++t->clock;
    return evicted;
}

int mmu_tlb_fill(mmu_tlb_t *t, uint64_t la, const mmu_tlb_entry_t *val, mmu_tlb_entry_t *victim)
{
    const unsigned g = val->granule;
    if (g >= MMU_GRANULES || !(t->granules & (1u << g)))
        return 0; /* not held here (also every fill of an absent array) */
    if (!t->fast_fill)
        return fill_slow(t, la, val, victim);
    return fast_fill(t, la, val, victim, g, true);
}

int mmu_tlb_fill_new(mmu_tlb_t *t, uint64_t la, const mmu_tlb_entry_t *val,
                     mmu_tlb_entry_t *victim)
{
    const unsigned g = val->granule;
    if (g >= MMU_GRANULES || !(t->granules & (1u << g)))
        return 0;
    if (!t->fast_fill)
        return fill_slow(t, la, val, victim);
    return fast_fill(t, la, val, victim, g, false);
}

static inline bool inv_match(const mmu_tlb_entry_t *x, const mmu_tlb_inv_t *q)
{
    if (!MMU_TLB_VALID(x))
        return false;
    if (x->global)
        return q->global;
    return q->nonglobal && (q->all_pcids || x->pcid == q->pcid);
}

/* Whether entry x's translation covers la: its page number at the size of the
 * page it translates (larger than its own granule when splintered; a
 * coalesced group is larger than its 4 KiB pages). */
static inline bool covers(const mmu_tlb_t *t, const mmu_tlb_entry_t *x, uint64_t la)
{
    const unsigned sg = t->shift[x->granule], sp = 12 + 9 * (unsigned)x->page;
    if (sp > sg)
        return (x->vpn >> (sp - sg)) == la >> sp;
    return x->vpn == la >> sg;
}

unsigned mmu_tlb_invalidate(mmu_tlb_t *t, const mmu_tlb_inv_t *q)
{
    return mmu_tlb_invalidate_ex(t, q, NULL);
}

/* Remove entry `slot` (set * ways + way). */
static inline void removed_one(mmu_tlb_t *t, size_t slot, unsigned *removed)
{
    mmu_tlb_entry_t *x = &t->e[slot];
    if (removed)
        *removed |= (1u << x->granule) | (x->global ? MMU_TLB_RM_GLOBAL : 0u);
    if (!--t->gvalid[x->granule])
        relive(t);
    x->vpn = MMU_TLB_NO_VPN;
    t->tag[slot / t->ways * t->tag_stride + slot % t->ways] = 0;
}

unsigned mmu_tlb_invalidate_ex(mmu_tlb_t *t, const mmu_tlb_inv_t *q, unsigned *removed)
{
    unsigned n = 0;
    if (!t->e)
        return 0;
    if (q->by_addr && !t->splintered) {
        /* Only one set per granule can hold a page or region covering la. */
        for (unsigned i = 0; i < t->ngran; i++) {
            const unsigned g = t->gran[i];
            const uint64_t vpn = vpn_of(t, q->la, g);
            const size_t base = (size_t)set_of(t, vpn) * t->ways;
            for (unsigned w = 0; w < t->ways; w++) {
                const mmu_tlb_entry_t *x = &t->e[base + w];
                if (x->vpn == vpn && x->granule == g && inv_match(x, q)) {
                    removed_one(t, base + w, removed);
                    n++;
                }
            }
        }
        return n;
    }
    const size_t total = (size_t)t->sets * t->ways;
    for (size_t i = 0; i < total; i++) {
        mmu_tlb_entry_t *x = &t->e[i];
        if (inv_match(x, q) && (!q->by_addr || covers(t, x, q->la))) {
            removed_one(t, i, removed);
            n++;
        }
    }
    return n;
}

unsigned mmu_tlb_occupancy(const mmu_tlb_t *t)
{
    unsigned n = 0;
    const size_t total = (size_t)t->sets * t->ways;
    for (size_t i = 0; i < total; i++)
        n += MMU_TLB_VALID(&t->e[i]);
    return n;
}

/* ---- looking ahead ---------------------------------------------------------- */

static void prefetch_range(const void *p, size_t bytes)
{
#if defined(__GNUC__)
    const char *c = p;
    for (size_t off = 0; off < bytes; off += 64)
        __builtin_prefetch(c + off);
    __builtin_prefetch(c + bytes - 1);
#else
    (void)p, (void)bytes;
#endif
}

void mmu_tlb_prefetch(const mmu_tlb_t *t, uint64_t la)
{
    for (unsigned i = 0; i < t->ngran; i++) {
        const unsigned set = set_of(t, vpn_of(t, la, t->gran[i]));
        const size_t base = (size_t)set * t->ways;
        /* What a probe that misses and the fill after the walk read: the
         * filter bytes and the replacement stamps. Entries are read only
         * where a byte matches, and one is written by the fill. */
        prefetch_range(&t->tag[(size_t)set * t->tag_stride], t->tag_stride);
        prefetch_range(&t->stamp[base], t->ways * sizeof *t->stamp);
    }
}
