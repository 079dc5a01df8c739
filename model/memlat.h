/* SPDX-License-Identifier: Apache-2.0 */
/* Latency of the walker's page-table accesses: either a host callback, or a
 * small model of the data-cache hierarchy holding page-table lines (stand-ins
 * for L1D, L2 and LLC, each set-associative with LRU or Intel's tree
 * pseudo-LRU, inclusive or victim fills) in
 * front of a fixed DRAM latency. Only latency is modelled: the data always
 * comes from the mmu_mem_ops_t memory, so caching can never change a result. */
#ifndef MMU_MODEL_MEMLAT_H
#define MMU_MODEL_MEMLAT_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/mmu.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* With mmu_memlat_t.fast, a set of a level: its filter bytes and the
 * recency order of its ways, then (at the next 32 bytes) the ways' tags,
 * line numbers + 1; rec_size bytes a set, a multiple of 64 so that the
 * filter and the order share a host line (memlat.c). */
struct mmu_memlat_set {
    uint8_t fil[16]; /* per way, a hash of the line; 0 empty (so past the ways) */
    uint64_t order;  /* way numbers, 4 bits each, most recent lowest */
    uint64_t pad;
};

typedef struct mmu_memlat_level {
    uint64_t *tag;    /* sets * ways line numbers + 1, valid below nvalid[set] */
    union {
        uint64_t *stamp; /* LRU, valid below nvalid[set]: 64 bits, so the clock never wraps */
        /* With mmu_memlat_t.fast, in place of tag, stamp and nvalid: the set
         * records, rec_size bytes each (struct mmu_memlat_set, then the tags). */
        struct mmu_memlat_set *set;
    };
    union {
        uint32_t *nvalid; /* per set: ways filled, always the lowest ones */
        size_t rec_size;  /* with fast: bytes a set record */
    };
    uint64_t *tree;   /* per set, with plru: the tree bits of every group */
    uint64_t *use;    /* with plru, per way: the tree bits a use keeps (2w) and sets (2w+1) */
    unsigned sets, ways, latency;
    unsigned plru;    /* ways per pseudo-LRU tree (cfg.memlat_plru); 0: true LRU */
    bool victim;      /* filled only by what the level above displaces */
    bool pair;        /* a miss also fills the other line of the 128-byte pair */
    uint8_t level;    /* index in cfg.memlat (0 L1, 1 L2, 2 LLC) */
    uint8_t vshift;   /* with fast: 4 * (ways - 1), the least recent way's place in order */
    uint32_t set_mask; /* sets - 1 */
    /* 64 bytes: indexing the levels stays a shift. */
} mmu_memlat_level_t;
#ifdef __cplusplus
static_assert(sizeof(mmu_memlat_level_t) == 64, "mmu_memlat_level_t: 64 bytes");
#else
_Static_assert(sizeof(mmu_memlat_level_t) == 64, "mmu_memlat_level_t: 64 bytes");
#endif

/* The lookup mmu_memlat_init chose (mmu_memlat_t.kind). */
typedef enum mmu_memlat_kind {
    MMU_MEMLAT_CALLBACK, /* the host's callback gives the latencies */
    MMU_MEMLAT_GENERAL,  /* stamps, pseudo-LRU, victim and pair levels */
    MMU_MEMLAT_FAST,     /* mmu_memlat_t.fast, any levels */
    MMU_MEMLAT_FAST3     /* ... three of them, walker accesses from the L1D: unrolled */
} mmu_memlat_kind_t;

/* A bucket's memo (mmu_memlat_t.memo). */
struct mmu_memlat_memo {
    uint64_t key;    /* (line << 1 | first) + 1, first the level the lookup
                      * started at (0 or walk_first = 1); 0 none */
    uint64_t served; /* the level that served it, never DRAM */
};

typedef struct mmu_memlat {
    mmu_memlat_level_t lvl[MMU_MEMLAT_LEVELS];
    unsigned nlevels;
    unsigned line_shift;
    unsigned dram_latency, rmw_latency;
    unsigned walk_first; /* the first level walker accesses look up (cfg.walk_skip_l1) */
    /* Every level true LRU of at most 16 ways, none a victim or pair level
     * (the default configuration): lookups take fast_lookup (memlat.c). */
    bool fast;
    uint8_t kind; /* mmu_memlat_kind_t: which of the paths below it chose */
    mmu_memlat_fn cb;
    void *ctx;
    /* Chosen at init (the host callback, the fast path or the general one),
     * so that neither path pays for a test of which it is: mmu_memlat_access
     * below; mmu_memlat_lookup and mmu_memlat_data_lookup (memlat.c). */
    unsigned (*access)(struct mmu_memlat *m, uint64_t pa, bool locked_rmw, mmu_cycle_t now);
    unsigned (*lookup)(struct mmu_memlat *m, uint64_t pa, unsigned first);
    uint64_t clock;
    /* Lookups answered without touching the sets, one memo per bucket of
     * sets: a bucket is the line number's low bits (memo_mask, at most the
     * smallest level's set-index bits), so two lines in different buckets
     * share no set at any level. A bucket's memo names the last line looked
     * up in it when that lookup left the line's stamps the newest of each of
     * its sets and its tree bits pointing away from it, with no other line
     * touched in those sets; nothing since has used or filled a set of the
     * bucket (any lookup there replaces or clears the memo). Looking the line
     * up again from the same level then changes no replacement decision:
     * nothing to do (see mmu_memlat_lookup). */
    struct mmu_memlat_memo *memo;
    uint64_t memo_mask;
    unsigned change_mask; /* levels whose miss fills something: ordinary or pair */
    unsigned pair_victim_mask; /* victim levels with pair: a miss there fills the pair line */
    uint64_t hits[MMU_MEMLAT_LEVELS], dram; /* where page-table accesses were served */
    uint64_t data_hits[MMU_MEMLAT_LEVELS], data_dram; /* ... and data lines (mmu_memlat_data) */
} mmu_memlat_t;

/* Where a lookup in level l finds one set's ways in the host's memory, for
 * a look-ahead that prefetches them (batch.c): nr arrays, the set s's row of
 * array k at base[k] + s * stride[k], bytes long (the fast configuration's
 * set record; else the tags' row and the stamps' row). Kept beside the
 * layout so that a change to it changes what is prefetched. */
typedef struct mmu_memlat_rows {
    const char *base[2];
    size_t stride[2];
    unsigned nr;
} mmu_memlat_rows_t;

static inline void mmu_memlat_rows(const mmu_memlat_t *m, const mmu_memlat_level_t *l,
                                   mmu_memlat_rows_t *o)
{
    if (m->fast) {
        o->base[0] = (const char *)l->set;
        o->stride[0] = l->rec_size;
        o->nr = 1;
        return;
    }
    o->base[0] = (const char *)l->tag;
    o->base[1] = (const char *)l->stamp;
    o->stride[0] = o->stride[1] = (size_t)l->ways * sizeof *l->tag;
    o->nr = 2;
}

/* From cfg (already validated). Returns 0 or MMU_ENOMEM. */
int mmu_memlat_init(mmu_memlat_t *m, const mmu_config_t *cfg);
void mmu_memlat_free(mmu_memlat_t *m);
/* The fast configuration's lookup, here so that walker accesses of the
 * default caches (MMU_MEMLAT_FAST3) go into the walker whole: the call, its
 * saved registers and the pointer cost a sixth of an access. The rest of
 * it, and why it is exact, in memlat.c ("The fast configuration"). */
#if defined(__GNUC__)
#define MMU_MEMLAT_INLINE inline __attribute__((always_inline))
#else
#define MMU_MEMLAT_INLINE inline
#endif

/* The filter byte of a line: a hash with the top bit set: 0 is an empty
 * way's (a way is never emptied but by a flush, and a set's bytes past its
 * ways stay 0), so empty ways never match. The same at every level: the
 * top bits of a 64-bit multiply depend on every bit of the line, so the
 * lines of any set (whose low bits agree) still spread over all 128. */
static inline unsigned mmu_memlat_fil_byte(uint64_t line)
{
    return (unsigned)((line * 0x9e3779b97f4a7c15ull) >> 57) | 0x80u;
}

#if defined(__SSE2__)
typedef __m128i mmu_memlat_want_t;
/* The filter byte in every lane, made once a lookup for all its levels:
 * a multiply and one shuffle (set1_epi8 takes two more). */
static inline mmu_memlat_want_t mmu_memlat_fil_want(unsigned b)
{
    return _mm_set1_epi32((int)(b * 0x01010101u));
}
#else
typedef unsigned mmu_memlat_want_t;
static inline mmu_memlat_want_t mmu_memlat_fil_want(unsigned b)
{
    return b;
}
#endif

/* Bit w set where way w's filter byte is the wanted one (ways 0 .. 15). */
static inline unsigned mmu_memlat_fil_match(const uint8_t *fil, mmu_memlat_want_t want)
{
#if defined(__SSE2__)
    const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)fil);
    return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, want));
#else
    unsigned m = 0;
    for (unsigned i = 0; i < 16; i++)
        m |= (unsigned)(fil[i] == want) << i;
    return m;
#endif
}

/* `order` with way w (held, so its number is in one of the filled
 * positions, and in no lower one) moved to the front. Position p of w is
 * the lowest zero nibble of order ^ w repeated, whose top bit (4p + 3) is
 * the lowest bit of z below: the borrow trick marks it exactly (a false mark
 * can only come above a true one). Positions 0 .. p, bits 0 .. 4p + 3 (z's
 * lowest bit and all below it: z ^ (z - 1), all 64 at p = 15), then take
 * the order shifted up with w in front; the rest stays. */
static inline uint64_t mmu_memlat_to_front(uint64_t order, unsigned w)
{
    const uint64_t ones = 0x1111111111111111ull;
    const uint64_t x = order ^ (ones * w);
    const uint64_t z = (x - ones) & ~x & (ones << 3);
    const uint64_t upto = z ^ (z - 1);
    return order ^ ((order ^ (order << 4 | w)) & upto);
}

/* A use of the line at one level, which gets it if it lacks it (in place
 * of the least recent way). Returns whether the level held it. */
static MMU_MEMLAT_INLINE bool mmu_memlat_fast_level(mmu_memlat_level_t *l, uint64_t line,
                                                    uint64_t key, unsigned fb,
                                                    mmu_memlat_want_t want)
{
    struct mmu_memlat_set *s =
        (struct mmu_memlat_set *)(void *)((char *)l->set + (line & l->set_mask) * l->rec_size);
    uint64_t *tag = (uint64_t *)(void *)(s + 1);
    const uint64_t order = s->order;
    unsigned cand = mmu_memlat_fil_match(s->fil, want);
    while (cand && tag[(unsigned)__builtin_ctz(cand)] != key)
        cand &= cand - 1;
    if (cand) {
        s->order = mmu_memlat_to_front(order, (unsigned)__builtin_ctz(cand));
        return true;
    }
    const unsigned w = (unsigned)(order >> l->vshift) & 15u;
    tag[w] = key;
    s->fil[w] = (uint8_t)fb;
    s->order = order << 4 | w;
    return false;
}

/* A walker access with MMU_MEMLAT_FAST3: the memo, then the three levels
 * from the L1D unrolled, the served level's counter and latency taken in
 * the branches that know it (memlat.c's fast_lookup with first = 0, n = 3,
 * and its walk_served). */
static MMU_MEMLAT_INLINE unsigned mmu_memlat_fast3_access(mmu_memlat_t *m, uint64_t pa,
                                                          bool locked_rmw)
{
    const uint64_t line = pa >> m->line_shift, key = line + 1;
    struct mmu_memlat_memo *e = &m->memo[line & m->memo_mask];
    const uint64_t mkey = (line << 1) + 1;
    unsigned lat;
    if (e->key == mkey) {
        /* A memo of a lookup from level 0 is served there. */
        m->hits[0]++;
        lat = m->lvl[0].latency;
    } else {
        const unsigned fb = mmu_memlat_fil_byte(line);
        const mmu_memlat_want_t want = mmu_memlat_fil_want(fb);
        const bool h0 = mmu_memlat_fast_level(&m->lvl[0], line, key, fb, want);
        const bool h1 = mmu_memlat_fast_level(&m->lvl[1], line, key, fb, want);
        const bool h2 = mmu_memlat_fast_level(&m->lvl[2], line, key, fb, want);
        e->key = mkey;
        e->served = 0;
        if (h0)
            m->hits[0]++, lat = m->lvl[0].latency;
        else if (h1)
            m->hits[1]++, lat = m->lvl[1].latency;
        else if (h2)
            m->hits[2]++, lat = m->lvl[2].latency;
        else
            m->dram++, lat = m->dram_latency;
    }
    return lat + (locked_rmw ? m->rmw_latency : 0);
}

/* Cycles for one 8-byte page-table access issued at `now`. A locked A/D
 * update costs the line access plus rmw_latency. The default caches'
 * lookup inline, the others through the pointer chosen at init. */
static MMU_MEMLAT_INLINE unsigned mmu_memlat_access(mmu_memlat_t *m, uint64_t pa, bool locked_rmw,
                                                    mmu_cycle_t now)
{
    if (m->kind == MMU_MEMLAT_FAST3)
        return mmu_memlat_fast3_access(m, pa, locked_rmw);
    return m->access(m, pa, locked_rmw, now);
}
/* The level that serves the line holding pa (nlevels: DRAM), looked up from
 * level `first` down, with every use and fill that implies (memlat.c). */
unsigned mmu_memlat_lookup(mmu_memlat_t *m, uint64_t pa, unsigned first);

/* mmu_memlat_data past its memo (memlat.c): the lookup, counted. Out of
 * line: a call through a pointer here, inline in mmu_translate_run's loop,
 * cost its memo hits an instruction more. */
unsigned mmu_memlat_data_lookup(mmu_memlat_t *m, uint64_t pa);

/* mmu_memlat_data without a host callback (m->cb NULL): a repeated access
 * to a memo line is answered here, without a call (87% of the data lines of
 * the awk trace with the skylake preset). A data line's memo is an L1D hit:
 * a lookup from the first level, which is an ordinary one, changes nothing
 * only when it hits there, and a lookup after a fill finds the line there. */
static inline unsigned mmu_memlat_data_own(mmu_memlat_t *m, uint64_t pa)
{
    const uint64_t line = pa >> m->line_shift;
    if (m->memo[line & m->memo_mask].key == (line << 1) + 1) {
        m->data_hits[0]++;
        return m->lvl[0].latency;
    }
    return mmu_memlat_data_lookup(m, pa);
}

/* Cycles for a load of the data line holding pa, through the same stand-ins
 * (filling them as a page-table access does, so data and page-table lines
 * compete for them); counted apart from page-table accesses. 0 when a host
 * callback supplies the latencies: the host's caches hold its data. */
static inline unsigned mmu_memlat_data(mmu_memlat_t *m, uint64_t pa)
{
    if (m->cb)
        return 0;
    return mmu_memlat_data_own(m, pa);
}
/* Ask the host to bring the sets an access to pa would probe into its caches
 * (no effect on the model). */
void mmu_memlat_prefetch(const mmu_memlat_t *m, uint64_t pa);
/* Empty the modelled caches (not the counters). */
void mmu_memlat_flush(mmu_memlat_t *m);

#ifdef __cplusplus
}
#endif

#endif
