/* SPDX-License-Identifier: Apache-2.0 */
/* mmusim statistics. Every counter is a uint64_t in one flat struct, named by
 * one list, so printers (table, CSV, JSON) and mmu_stats_diff never fall out
 * of step with the fields. */
#ifndef MMU_MMU_STATS_H
#define MMU_MMU_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mmu/mmu_version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the counters mean (README "Statistics"):
 *  - Every TLB lookup is a hit or a miss: <lvl>_lookups = <lvl>_hits +
 *    <lvl>_misses for each level (l1i, l1d, l2). An L1 lookup is made for every
 *    translation but a #GP; an L2 lookup for every L1 miss. A lookup that misses
 *    counts each time it misses: a demand-paged first touch misses twice, the
 *    faulting lookup and its retry, because a fault caches nothing.
 *  - A hit is counted under the size of the entry that hit (<lvl>_<sz>_hits);
 *    per array, lookups are the level's (every array of a level is probed on
 *    every lookup) and hits the sum over the sizes the array holds.
 *  - A D-assist (a write hitting an entry cached with D=0) is a hit that needs
 *    a walk: counted as a hit and under d_assists, never as a miss.
 *  - walks = walks_miss + walks_retry + d_assists + walks_rewalk: walks for a
 *    lookup that missed everywhere, for one that missed again on the retry of a
 *    faulted access (requests flagged MMU_REQ_RETRY), to set D, and re-walks of
 *    a hit whose rights deny the access (cfg.fault_rewalk = 1). walks_fault of
 *    them ended in a #PF; walks_4k/2m/1g ended in a page of that size.
 *  - A splintered fill (SDM 4.10.2.3) caches a page as an entry of a smaller
 *    size because no array of the level holds the page's size
 *    (<lvl>_splinters; the entry is counted under its own size). */

/* Per TLB level and entry size: XX(level, size). */
#define MMU_TLB_SIZE_STATS_MAP(XX, lvl, sz) \
    XX(lvl##_##sz##_hits)                  \
    XX(lvl##_##sz##_fills)                 \
    XX(lvl##_##sz##_evictions)

#define MMU_TLB_LEVEL_STATS_MAP(XX, lvl) \
    XX(lvl##_lookups)                    \
    XX(lvl##_hits)                       \
    XX(lvl##_misses)                     \
    XX(lvl##_splinters)                  \
    MMU_TLB_SIZE_STATS_MAP(XX, lvl, 4k)  \
    MMU_TLB_SIZE_STATS_MAP(XX, lvl, 2m)  \
    MMU_TLB_SIZE_STATS_MAP(XX, lvl, 1g)

#define MMU_PSC_STATS_MAP(XX, lvl) \
    XX(psc_##lvl##_hits)           \
    XX(psc_##lvl##_fills)          \
    XX(psc_##lvl##_evictions)

/* Walk latency histogram: bucket i counts walks of [2^i, 2^(i+1)) cycles
 * (bucket 0 also holds 0). */
#define MMU_WALK_HIST_BUCKETS 16

/* New counters are appended at the end of the list: a host built against
 * older headers reads the counters it knows at the offsets it knows (see the
 * *_size functions below). Anything else changes the ABI (testbench/pkg). */
#define MMU_STATS_MAP(XX)                                                       \
    XX(translations)     /* requests, #GP included */                          \
    XX(walks)            /* all page walks (the four kinds below) */           \
    XX(walks_miss)       /* a lookup missed in L1 and L2 */                    \
    XX(walks_retry)      /* ... on the retry of a faulted access */            \
    XX(d_assists)        /* a write hit an entry with D=0: walked to set D */  \
    XX(walks_rewalk)     /* a hit whose rights deny, re-walked (fault_rewalk) */ \
    XX(walks_fault)      /* walks that ended in a #PF */                       \
    XX(walks_4k)         /* walks that ended in a 4K / 2M / 1G page */         \
    XX(walks_2m)                                                                \
    XX(walks_1g)                                                                \
    XX(walk_cycles)      /* sum of walk latencies */                            \
    XX(walk_mem_refs)    /* paging-structure reads and A/D updates by walks */  \
    XX(walk_reads)                                                              \
    XX(walk_ad_updates)                                                         \
    XX(walk_wait_cycles) /* cycles misses waited for a free walker */           \
    XX(inflight_hits)    /* hits on a translation whose walk was in flight */   \
    XX(psc_misses)       /* walks that started at the root */                   \
    XX(faults_gp)                                                               \
    XX(faults_pf_not_present)                                                   \
    XX(faults_pf_rsvd)                                                          \
    XX(faults_pf_prot)                                                          \
    XX(faults_pf_pk)     /* protection faults with PK set (also in _prot) */    \
    XX(faults_from_tlb)  /* protection faults decided on a TLB entry (a hit) */ \
    XX(inv_cr3)          /* MOV to CR3 that invalidated */                      \
    XX(inv_cr3_noflush)  /* MOV to CR3 with PCIDE=1 and bit 63 set */           \
    XX(inv_cr4)          /* MOV to CR4 that invalidated */                      \
    XX(inv_invlpg)                                                              \
    XX(inv_invpcid0)                                                            \
    XX(inv_invpcid1)                                                            \
    XX(inv_invpcid2)                                                            \
    XX(inv_invpcid3)                                                            \
    XX(inv_pf)           /* invalidations done by page faults */                \
    XX(inv_flush_all)    /* mmu_set_ctrl / mmu_flush_all / EFER.NXE change */   \
    XX(inv_entries)      /* TLB and PSC entries removed by all of the above */  \
    MMU_TLB_LEVEL_STATS_MAP(XX, l1i)                                            \
    MMU_TLB_LEVEL_STATS_MAP(XX, l1d)                                            \
    MMU_TLB_LEVEL_STATS_MAP(XX, l2)                                             \
    MMU_PSC_STATS_MAP(XX, pde)                                                  \
    MMU_PSC_STATS_MAP(XX, pdpte)                                                \
    MMU_PSC_STATS_MAP(XX, pml4e)                                                \
    MMU_PSC_STATS_MAP(XX, pml5e)                                                \
    XX(memlat_l1_hits)                                                          \
    XX(memlat_l2_hits)                                                          \
    XX(memlat_llc_hits)                                                         \
    XX(memlat_dram)                                                             \
    XX(data_l1_hits)     /* data lines (cfg.data_lines) served by L1, L2, ... */\
    XX(data_l2_hits)                                                            \
    XX(data_llc_hits)                                                           \
    XX(data_dram)                                                               \
    XX(walk_lat_0) XX(walk_lat_1) XX(walk_lat_2) XX(walk_lat_3)                 \
    XX(walk_lat_4) XX(walk_lat_5) XX(walk_lat_6) XX(walk_lat_7)                 \
    XX(walk_lat_8) XX(walk_lat_9) XX(walk_lat_10) XX(walk_lat_11)               \
    XX(walk_lat_12) XX(walk_lat_13) XX(walk_lat_14) XX(walk_lat_15)             \
    XX(walk_refs_1) XX(walk_refs_2) XX(walk_refs_3) XX(walk_refs_4)             \
    XX(walk_refs_5) XX(walk_refs_6) XX(walk_refs_7) XX(walk_refs_8plus)

typedef struct mmu_stats {
#define MMU__STATS_FIELD(name) uint64_t name;
    MMU_STATS_MAP(MMU__STATS_FIELD)
#undef MMU__STATS_FIELD
} mmu_stats_t;

/* Number of counters in this library and the name of counter i (NULL past
 * the end), in MMU_STATS_MAP order. A host built against older headers sees
 * more counters here than its mmu_stats_t has; mmu_stats_get() gives 0 for
 * those. */
MMU_API unsigned mmu_stats_count(void);
MMU_API const char *mmu_stats_name(unsigned i);

/* The entry points below take the caller's sizeof(mmu_stats_t), so that a
 * library with more counters never writes past an older host's struct; call
 * them through the inline wrappers that follow, which pass it. */
struct mmu;
MMU_API void mmu_get_stats_size(const struct mmu *mmu, mmu_stats_t *out, size_t size);
MMU_API uint64_t mmu_stats_get_size(const mmu_stats_t *s, size_t size, unsigned i);
MMU_API void mmu_stats_diff_size(mmu_stats_t *out, const mmu_stats_t *after,
                                 const mmu_stats_t *before, size_t size);
struct mmu_config;
MMU_API void mmu_stats_print_size(FILE *f, const mmu_stats_t *s, size_t size,
                                  const struct mmu_config *cfg);
MMU_API void mmu_stats_print_json_size(FILE *f, const mmu_stats_t *s, size_t size);

/* Copy the MMU's counters into *out (all zero for a NULL mmu; nothing for a
 * NULL out). */
static inline void mmu_get_stats(const struct mmu *mmu, mmu_stats_t *out)
{
    mmu_get_stats_size(mmu, out, sizeof *out);
}
/* Counter i of s, in MMU_STATS_MAP order (0 past the end or for a NULL s). */
static inline uint64_t mmu_stats_get(const mmu_stats_t *s, unsigned i)
{
    return mmu_stats_get_size(s, sizeof *s, i);
}
/* *out = *after - *before, counter by counter (subtract a warm-up). */
static inline void mmu_stats_diff(mmu_stats_t *out, const mmu_stats_t *after,
                                  const mmu_stats_t *before)
{
    mmu_stats_diff_size(out, after, before, sizeof *out);
}
/* Human-readable tables: lookups, hits and misses per TLB level and per array,
 * walks by kind, PSC hits, faults, invalidations. cfg (may be NULL) names the
 * arrays of each level so they get a row each; without it only levels and
 * entry sizes are shown. */
static inline void mmu_stats_print(FILE *f, const mmu_stats_t *s, const struct mmu_config *cfg)
{
    mmu_stats_print_size(f, s, sizeof *s, cfg);
}
/* One JSON object {"name": value, ...} with every counter. */
static inline void mmu_stats_print_json(FILE *f, const mmu_stats_t *s)
{
    mmu_stats_print_json_size(f, s, sizeof *s);
}

#ifdef __cplusplus
}
#endif

#endif /* MMU_MMU_STATS_H */
