/* SPDX-License-Identifier: Apache-2.0 */
/* One set-associative translation-cache array (SDM 4.10.2 TLBs, 4.10.3
 * paging-structure caches): sets x ways of entries tagged by page number,
 * granule size, PCID and global, with LRU / tree-PLRU / FIFO / random
 * replacement and low-bits or XOR-folded set indexing.
 *
 * An array holds entries of one or more granules; granule g covers 2^(12+9g)
 * bytes: 0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB pages for TLBs, and 1..4 for the
 * PDE, PDPTE, PML4E and PML5E caches (a PDE-cache entry is tagged by linear
 * address bits 47:21, the same bits as a 2 MiB page). Statistics are kept by
 * the caller, which knows what a hit or a fill means. */
#ifndef MMU_MODEL_TLB_H
#define MMU_MODEL_TLB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "mmu/mmu.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MMU_GRANULES 6
/* Granule 5: a naturally aligned group of 4 KiB pages held in one entry (AMD
 * PTE coalescing); its size is set per array by mmu_tlb_set_coalesce. */
#define MMU_GRANULE_COALESCED 5
/* The page number of every invalid entry: la >> 12 is below 2^52, so no lookup
 * can match it, and the hit path need not test `valid`. */
#define MMU_TLB_NO_VPN UINT64_MAX

/* Whether an entry holds a translation (invalid ones carry MMU_TLB_NO_VPN). */
#define MMU_TLB_VALID(x) ((x)->vpn != MMU_TLB_NO_VPN)

typedef struct mmu_tlb_entry {
    uint64_t vpn;         /* la >> the array's shift of its granule, sign bits included */
    uint64_t frame;       /* physical base of the page, or of the next table (PSC) */
    mmu_cycle_t ready_at; /* the fill completes at this cycle (a walk in flight) */
    uint16_t pcid;        /* ignored for matching when global */
    /* page, perms, pkey, global: in the order of mmu_result_t's page_size,
     * perms, pkey, global, so a hit copies them as one word. */
    uint8_t page;         /* mmu_page_size_t of the translation: the granule, or a
                             larger page cached splintered (SDM 4.10.2.3) */
    uint8_t perms;        /* MMU_PERM_* combined over the levels above and this one */
    uint8_t pkey;
    uint8_t global;
    uint8_t granule;
    uint8_t dirty;        /* leaf D was 1 when cached */
} mmu_tlb_entry_t;

/* One granule of a probe, in probe order (see mmu_tlb_t.tshift). */
typedef struct mmu_tlb_step {
    uint8_t g, shift, tshift, tadd;
} mmu_tlb_step_t;

typedef struct mmu_tlb {
    mmu_tlb_entry_t *e;  /* sets * ways, set-major */
    /* A filter in front of e: per set, tag_stride bytes (ways rounded up to
     * MMU_TLB_CHUNK), one per way: 0 for an invalid way, else mmu_tlb_tag of
     * its page number and granule, never 0; the rounding bytes stay 0. A
     * probe compares the set's bytes a chunk at a time (16 with SSE2) and
     * full entries only where the byte matches, so a 12-way set costs one
     * compare and one host cache line instead of twelve entry compares over
     * six lines; a fill finds its same-tag way and its first free way the
     * same way. Exact: a way whose byte differs cannot match (equal page
     * number and granule give equal bytes), and every byte match is checked
     * against the entry. Kept by every write of e (tlb.c only). */
    uint8_t *tag;
    unsigned tag_stride;
    /* Per entry: last use (LRU) or fill order (FIFO). Three words more are
     * allocated past the last set, so that the victim scan may read a set's
     * stamps four at a time; lane_pad (all ones in the lanes past the last
     * way of a set's last group of four) masks them. */
    uint32_t *stamp;
    uint32_t lane_pad[4];
    uint32_t *plru;      /* per set: tree bits (ways - 1 of them) */
    unsigned sets, ways;
    unsigned set_bits;   /* log2(sets) */
    unsigned granules;   /* mask of granules held */
    unsigned repl, index, index_bits;
    uint32_t clock;
    uint64_t rng;
    /* Derived at init so the lookup reads only these. */
    unsigned set_mask;      /* sets - 1 */
    bool xor_index;         /* MMU_INDEX_XOR with more than one set */
    bool fold2;             /* xor_index folding at most two chunks (the default) */
    uint64_t index_mask;    /* MMU_INDEX_XOR: the page-number bits folded */
    unsigned ngran;         /* granules held, smallest span first */
    uint8_t gran[MMU_GRANULES];
    uint8_t shift[MMU_GRANULES]; /* page-number shift: 12 + 9 * granule, or
                                    12 + log2(group) for the coalesced one */
    /* What a probe or fill of a granule computes from la, by granule: the
     * page number (la >> shift), and the filter byte
     * ((la >> tshift) + tadd) | 0x80, which is mmu_tlb_tag folded. */
    uint8_t tshift[MMU_GRANULES], tadd[MMU_GRANULES];
    /* Valid entries of each granule, and the granules that have some, in
     * probe order (step[0..nlive)): a simple array's probe skips a granule
     * with none (a 2M array in a run of 4K pages costs a load and a branch).
     * Kept by every fill and invalidation (tlb.c only). */
    uint32_t gvalid[MMU_GRANULES];
    unsigned nlive;
    mmu_tlb_step_t step[MMU_GRANULES];
    /* The common shape, probed without loops over chunks or calls: a set
     * fits one chunk of filter bytes (ways <= MMU_TLB_CHUNK, so tag_stride =
     * MMU_TLB_CHUNK), the index is the low bits or a two-chunk fold, and
     * every tshift is below 64. Else the general code runs. fast_fill: a
     * simple array under LRU or FIFO, filled without calls too. */
    bool simple, fast_fill;
    unsigned plru_words;    /* uint32_t words of tree bits per set */
    uint32_t *scratch;      /* ways words, used when the LRU/FIFO clock wraps */
    /* Set by the first fill of an entry smaller than its page (splintered):
     * from then on an invalidation by address must find every entry of the
     * page, which can sit in other sets, so it scans the whole array. */
    bool splintered;
    /* Slot (set * ways + way) the last mmu_tlb_fill wrote, for bookkeeping
     * kept per entry outside the array (coverage). */
    size_t last_fill;
} mmu_tlb_t;

/* Which entries an invalidation removes. Non-global entries go when their PCID
 * matches (or all_pcids); global entries go only when `global` is set, whatever
 * their PCID. With by_addr, only entries whose page or region covers `la`. */
typedef struct mmu_tlb_inv {
    bool by_addr;
    uint64_t la;
    bool all_pcids;
    uint16_t pcid;
    bool nonglobal;
    bool global;
} mmu_tlb_inv_t;

/* Check one array's geometry, replacement and indexing fields (entries = 0,
 * an absent array, is always valid). name prefixes the message, which names
 * the field: "l1d.4k: entries=60 not divisible by ways=8". Returns 0 or
 * MMU_EINVAL (err filled when non-NULL). Used by mmu_config_validate too. */
int mmu_array_cfg_validate(const mmu_array_cfg_t *c, const char *name, mmu_err_t *err);

/* Validate cfg (name is used in messages: "l1d.4k: ways=3: ...") and allocate.
 * granules: mask of granules the array holds. An absent array (entries = 0)
 * is valid and never hits. Returns 0, MMU_EINVAL or MMU_ENOMEM. */
int mmu_tlb_init(mmu_tlb_t *t, const mmu_array_cfg_t *cfg, unsigned granules, uint64_t seed,
                 const char *name, mmu_err_t *err);
void mmu_tlb_free(mmu_tlb_t *t);

/* Probe every granule the array holds. On a hit, updates replacement state and
 * returns the entry; else NULL. la must be canonical. */
mmu_tlb_entry_t *mmu_tlb_lookup(mmu_tlb_t *t, uint64_t la, uint16_t pcid);

/* Insert *val (its vpn is computed from la and val->granule; val->page is the
 * size of the translation, larger than the granule for a splintered entry). An entry with the
 * same tag (vpn, granule, and PCID or global) is overwritten in place. Else the
 * victim is an invalid way, or the policy's choice; if a valid entry was
 * evicted it is copied to *victim (when non-NULL) and 1 is returned, else 0. */
int mmu_tlb_fill(mmu_tlb_t *t, uint64_t la, const mmu_tlb_entry_t *val, mmu_tlb_entry_t *victim);
/* mmu_tlb_fill for a caller that knows the array holds no entry with val's
 * tag (vpn, granule, global, and PCID unless global): e.g. a probe of la
 * under val->pcid has just missed every granule and nothing was filled
 * since (a missed probe finds no entry a fill would overwrite: a global
 * entry matches any PCID, a non-global one only its own). The same result
 * as mmu_tlb_fill then; a fast-fill array does not look for the entry to
 * overwrite, so if the tag is there after all it ends up held twice. */
int mmu_tlb_fill_new(mmu_tlb_t *t, uint64_t la, const mmu_tlb_entry_t *val,
                     mmu_tlb_entry_t *victim);

/* Remove matching entries; returns how many. By address, an entry matches when
 * the page of its translation (val->page, not only its own granule) covers la:
 * SDM 4.10.4.1, INVLPG removes every entry of a page cached as several. */
unsigned mmu_tlb_invalidate(mmu_tlb_t *t, const mmu_tlb_inv_t *q);
/* The same; if removed is non-NULL, ORs into it 1 << granule of every entry
 * removed, and MMU_TLB_RM_GLOBAL if a global one was. */
#define MMU_TLB_RM_GLOBAL 0x80u
unsigned mmu_tlb_invalidate_ex(mmu_tlb_t *t, const mmu_tlb_inv_t *q, unsigned *removed);

/* Let an array that holds 4 KiB pages also hold coalesced groups of `pages`
 * (2, 4 or 8) 4 KiB pages (granule MMU_GRANULE_COALESCED), probed after 4 KiB
 * entries and before larger ones. pages < 2, or an array without 4 KiB
 * entries: nothing changes. */
void mmu_tlb_set_coalesce(mmu_tlb_t *t, unsigned pages);

/* Valid entries (for tests and stats). */
unsigned mmu_tlb_occupancy(const mmu_tlb_t *t);

/* ---- the hit path, inline: it runs on every translation ---------------------- */

/* Out of line: the XOR-folded set index of more than two chunks, and a use
 * under PLRU or when the LRU clock must be renumbered. */
unsigned mmu_tlb_xor_set(const mmu_tlb_t *t, uint64_t vpn);
void mmu_tlb_touch_slow(mmu_tlb_t *t, unsigned set, unsigned way);

/* The set index of a page number: its low bits, or (MMU_INDEX_XOR) the XOR of
 * the set_bits-wide chunks of its index_bits low bits. Two chunks, the
 * default fold (index_bits = 2 * set_bits), take no loop. */
static inline unsigned mmu_tlb_set_of(const mmu_tlb_t *t, uint64_t vpn)
{
    if (!t->xor_index)
        return (unsigned)(vpn & t->set_mask);
    if (t->fold2) {
        const uint64_t x = vpn & t->index_mask;
        return (unsigned)((x ^ (x >> t->set_bits)) & t->set_mask);
    }
    return mmu_tlb_xor_set(t, vpn);
}

/* The filter byte of an entry (see mmu_tlb_t.tag): the page-number bits
 * just above the set index (which differ between the pages a set holds),
 * offset by the granule, with the top bit set so that it is never 0. */
static inline uint8_t mmu_tlb_tag(const mmu_tlb_t *t, uint64_t vpn, unsigned granule)
{
    return (uint8_t)((((vpn >> t->set_bits) + granule * 0x35u) & 0x7fu) | 0x80u);
}

/* The filter bytes are compared MMU_TLB_CHUNK at a time: mmu_tlb_match
 * returns bit i set where byte i of the chunk at p equals b, and no other. */
#if defined(__SSE2__)
#define MMU_TLB_CHUNK 16u
static inline unsigned mmu_tlb_match(const uint8_t *p, uint8_t b)
{
    const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    /* The byte spread by a multiply: three instructions where
     * _mm_set1_epi8 takes four. */
    const __m128i w = _mm_shuffle_epi32(_mm_cvtsi32_si128((int)(b * 0x01010101u)), 0);
    return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, w));
}
#else
#define MMU_TLB_CHUNK 8u
static inline unsigned mmu_tlb_match(const uint8_t *p, uint8_t b)
{
    unsigned m = 0;
    for (unsigned i = 0; i < 8; i++)
        m |= (unsigned)(p[i] == b) << i;
    return m;
}
#endif

/* The lowest bit set in m != 0. */
static inline unsigned mmu_tlb_lowest(unsigned m)
{
#if defined(__GNUC__)
    return (unsigned)__builtin_ctz(m);
#else
    unsigned i = 0;
    while (!(m >> i & 1))
        i++;
    return i;
#endif
}

/* The way of the set whose entry matches (vpn, granule, and PCID or global),
 * the lowest if several do, or -1. */
static inline int mmu_tlb_find(const mmu_tlb_t *t, unsigned set, uint64_t vpn, unsigned g,
                               uint16_t pcid)
{
    const uint8_t *tg = &t->tag[(size_t)set * t->tag_stride];
    const mmu_tlb_entry_t *row = &t->e[(size_t)set * t->ways];
    const uint8_t want = mmu_tlb_tag(t, vpn, g);
    for (unsigned w0 = 0; w0 < t->ways; w0 += MMU_TLB_CHUNK) {
        for (unsigned m = mmu_tlb_match(tg + w0, want); m; m &= m - 1) {
            const mmu_tlb_entry_t *x = &row[w0 + mmu_tlb_lowest(m)];
            /* SDM 4.10.2.4: a global entry matches under any PCID. */
            if (x->vpn == vpn && x->granule == g && (x->global | (x->pcid == pcid)))
                return (int)(x - row);
        }
    }
    return -1;
}

/* Out of line: the general probe and peek (arrays that are not simple), from
 * the array's i-th granule on. */
mmu_tlb_entry_t *mmu_tlb_probe_from(mmu_tlb_t *t, uint64_t la, uint16_t pcid, unsigned i);
const mmu_tlb_entry_t *mmu_tlb_peek_from(const mmu_tlb_t *t, uint64_t la, uint16_t pcid,
                                         unsigned i);
/* Out of line: the ways of a simple array's set whose filter byte matched
 * (bit w of m for way w) compared in full; the first that matches (vpn,
 * granule, and PCID or global) is returned, its use recorded (take) or not
 * (peek); NULL if none does (the bytes of other pages matched). */
mmu_tlb_entry_t *mmu_tlb_take(mmu_tlb_t *t, unsigned set, uint64_t vpn, unsigned g,
                              uint16_t pcid, unsigned m);
const mmu_tlb_entry_t *mmu_tlb_peek_take(const mmu_tlb_t *t, unsigned set, uint64_t vpn,
                                         unsigned g, uint16_t pcid, unsigned m);

/* For a simple array: the filter-byte matches of step i's set for la, as
 * mmu_tlb_match gives them, with its set and page number. */
static inline unsigned mmu_tlb_step_match(const mmu_tlb_t *t, unsigned i, uint64_t la,
                                          unsigned *set_out, uint64_t *vpn_out)
{
    const mmu_tlb_step_t *s = &t->step[i];
    const uint64_t vpn = la >> s->shift;
    unsigned set = (unsigned)vpn & t->set_mask;
    if (t->xor_index) {
        const uint64_t x = vpn & t->index_mask;
        set = (unsigned)((x ^ (x >> t->set_bits)) & t->set_mask);
    }
    *set_out = set;
    *vpn_out = vpn;
    const uint8_t b = (uint8_t)(((la >> s->tshift) + s->tadd) | 0x80u);
    return mmu_tlb_match(&t->tag[(size_t)set * MMU_TLB_CHUNK], b);
}

/* mmu_tlb_lookup, inline. Smaller granules first: after a page-size change a
 * 4K and a covering 2M entry may both be cached and SDM 4.10.2.3 lets either
 * be used; a fixed order keeps runs reproducible. A granule whose set has no
 * matching filter byte costs about twenty instructions and no call, one
 * without valid entries nothing. */
static inline mmu_tlb_entry_t *mmu_tlb_probe(mmu_tlb_t *t, uint64_t la, uint16_t pcid)
{
    if (!t->simple)
        return mmu_tlb_probe_from(t, la, pcid, 0);
    for (unsigned i = 0; i < t->nlive; i++) {
        unsigned set;
        uint64_t vpn;
        const unsigned m = mmu_tlb_step_match(t, i, la, &set, &vpn);
        if (m) {
            mmu_tlb_entry_t *e = mmu_tlb_take(t, set, vpn, t->step[i].g, pcid, m);
            if (e)
                return e;
        }
    }
    return NULL;
}

/* ---- for looking ahead (mmu_translate_batch): no effect on any state ------- */

/* The entry a probe would return, without the use it would record, or NULL. */
static inline const mmu_tlb_entry_t *mmu_tlb_peek(const mmu_tlb_t *t, uint64_t la, uint16_t pcid)
{
    if (!t->simple)
        return mmu_tlb_peek_from(t, la, pcid, 0);
    for (unsigned i = 0; i < t->nlive; i++) {
        unsigned set;
        uint64_t vpn;
        const unsigned m = mmu_tlb_step_match(t, i, la, &set, &vpn);
        if (m) {
            const mmu_tlb_entry_t *e = mmu_tlb_peek_take(t, set, vpn, t->step[i].g, pcid, m);
            if (e)
                return e;
        }
    }
    return NULL;
}
/* Ask the host to bring the sets la maps to (filter bytes and stamps) into its caches. */
void mmu_tlb_prefetch(const mmu_tlb_t *t, uint64_t la);

#ifdef __cplusplus
}
#endif

#endif
