/* mmusim statistics. Every counter is a uint64_t in one flat struct, named by
 * one list, so printers (table, CSV, JSON) and mmu_stats_diff never fall out
 * of step with the fields. */
#ifndef MMU_MMU_STATS_H
#define MMU_MMU_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "mmu/mmu_version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Per TLB level and page size: XX(level, size). */
#define MMU_TLB_STATS_MAP(XX, lvl, sz) \
    XX(lvl##_##sz##_accesses)          \
    XX(lvl##_##sz##_hits)              \
    XX(lvl##_##sz##_misses)            \
    XX(lvl##_##sz##_fills)             \
    XX(lvl##_##sz##_evictions)

#define MMU_TLB_LEVEL_STATS_MAP(XX, lvl) \
    MMU_TLB_STATS_MAP(XX, lvl, 4k)       \
    MMU_TLB_STATS_MAP(XX, lvl, 2m)       \
    MMU_TLB_STATS_MAP(XX, lvl, 1g)

#define MMU_PSC_STATS_MAP(XX, lvl) \
    XX(psc_##lvl##_hits)           \
    XX(psc_##lvl##_fills)          \
    XX(psc_##lvl##_evictions)

/* Walk latency histogram: bucket i counts walks of [2^i, 2^(i+1)) cycles
 * (bucket 0 also holds 0). */
#define MMU_WALK_HIST_BUCKETS 16

#define MMU_STATS_MAP(XX)                                                       \
    XX(translations)                                                            \
    XX(l1_hits)          /* served by an L1 TLB */                              \
    XX(l2_hits)          /* served by the L2 TLB */                             \
    XX(walks)            /* page walks started (D-assists included) */          \
    XX(walk_cycles)      /* sum of walk latencies */                            \
    XX(walk_mem_refs)    /* paging-structure reads and A/D updates by walks */  \
    XX(walk_reads)                                                              \
    XX(walk_ad_updates)                                                         \
    XX(walk_wait_cycles) /* cycles misses waited for a free walker */           \
    XX(inflight_hits)    /* hits on a translation whose walk was in flight */   \
    XX(psc_misses)       /* walks that started at the root */                   \
    XX(d_assists)        /* write hit a TLB entry with D=0: walked to set D */  \
    XX(faults_gp)                                                               \
    XX(faults_pf_not_present)                                                   \
    XX(faults_pf_rsvd)                                                          \
    XX(faults_pf_prot)                                                          \
    XX(faults_pf_pk)     /* protection faults with PK set (also in _prot) */    \
    XX(faults_from_tlb)  /* protection faults decided on a TLB entry */         \
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

/* Number of counters and the name of counter i (NULL past the end). */
MMU_API unsigned mmu_stats_count(void);
MMU_API const char *mmu_stats_name(unsigned i);
/* Counter i of s, in MMU_STATS_MAP order. */
MMU_API uint64_t mmu_stats_get(const mmu_stats_t *s, unsigned i);
/* *out = *after - *before, counter by counter (subtract a warm-up). */
MMU_API void mmu_stats_diff(mmu_stats_t *out, const mmu_stats_t *after, const mmu_stats_t *before);
/* Human-readable tables: per-structure hit rates, walks, faults, invalidations. */
MMU_API void mmu_stats_print(FILE *f, const mmu_stats_t *s);
/* One JSON object {"name": value, ...} with every counter. */
MMU_API void mmu_stats_print_json(FILE *f, const mmu_stats_t *s);

#ifdef __cplusplus
}
#endif

#endif /* MMU_MMU_STATS_H */
