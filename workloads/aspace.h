/* Address spaces: the operating-system side of a trace run. It turns a stream
 * of trace records (workloads/trace.h) into page tables and control-register
 * traffic for the MMU: a physical frame allocator, demand paging with a
 * page-size policy, one address space per process with PCIDs, and KPTI.
 *
 * This is not modelled hardware: it stands in for the kernel (Linux's
 * mm/memory.c fault path, THP, tlb_flush_mm_range, switch_mm and the KPTI
 * entry code), simplified to what changes what the TLB sees. The rules it
 * picks where an OS has a choice are in workloads/README.md, "Address spaces".
 * No globals; allocation only at create time and when a page, a table or an
 * address range (MAP/UNMAP/PROTECT) is created, never per access. */
#ifndef MMU_WORKLOADS_ASPACE_H
#define MMU_WORKLOADS_ASPACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mmu/mmu.h"
#include "mmu/mmu_mem.h"
#include "mmu/mmu_stats.h"
#include "trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- physical frame allocator ---------------------------------------------- */

typedef enum mmu_frames_mode {
    /* Bump allocation: 4K frames upwards from the base, large pages downwards
     * from the limit, naturally aligned. Large requests fail only when the two
     * meet. */
    MMU_FRAMES_CONTIGUOUS = 0,
    /* A long-running machine: at creation frag_pct percent of the 2 MiB chunks
     * get one frame pinned by "someone else" (seeded), and 4K frames are handed
     * out in a seeded shuffled order over the whole region. A 2M (1G) request
     * needs a wholly free aligned 2 MiB (1 GiB) chunk; when none is left it
     * fails with MMU_ENOSPC and the caller falls back to smaller pages. */
    MMU_FRAMES_FRAGMENTED = 1,
} mmu_frames_mode_t;

typedef struct mmu_frames mmu_frames_t;

/* Create an allocator for the frames of [base, limit) (both 4 KiB aligned,
 * base < limit). seed and frag_pct (0..100) matter for FRAGMENTED only.
 * Returns 0, MMU_EINVAL (msg says which argument) or MMU_ENOMEM. The
 * FRAGMENTED mode keeps a bitmap of the region (1 bit per 4 KiB frame). */
int mmu_frames_create(mmu_frames_mode_t mode, uint64_t base, uint64_t limit, uint64_t seed,
                      unsigned frag_pct, mmu_frames_t **out, char *msg, size_t msglen);
/* Free it. Accepts NULL. */
void mmu_frames_destroy(mmu_frames_t *f);
/* One naturally aligned frame of size ps: *pa its physical address.
 * Returns 0, or MMU_ENOSPC when no such frame is free (for 2M/1G: no free
 * aligned run; the caller may fall back to smaller pages). Frames are never
 * given back: an unmapped page's frame is not reused, so a stale translation
 * can never alias a live one. */
int mmu_frames_alloc(mmu_frames_t *f, mmu_page_size_t ps, uint64_t *pa);
/* 4 KiB frames handed out so far (a 2M page counts 512). */
uint64_t mmu_frames_used(const mmu_frames_t *f);
/* 4 KiB frames in the region. */
uint64_t mmu_frames_total(const mmu_frames_t *f);

/* ---- the driver ---------------------------------------------------------------- */

/* Page size chosen when a page is first touched (demand paging). */
typedef enum mmu_policy {
    MMU_POLICY_4K = 0,    /* 4K only */
    MMU_POLICY_THP = 1,   /* 2M when the aligned 2 MiB region lies wholly in one kind of VMA */
    MMU_POLICY_1G = 2,    /* 1G when the aligned 1 GiB region does (hugetlbfs), else as THP */
    MMU_POLICY_MIXED = 3, /* seeded per region: 1G with mixed_1g_pct, else 2M with mixed_2m_pct */
} mmu_policy_t;

typedef struct mmu_aspace_cfg {
    unsigned policy;         /* mmu_policy_t */
    unsigned nproc;          /* processes, 1..2047 */
    uint64_t switch_every;   /* ACCESS records per time slice; 0 = never switch */
    unsigned pcid;           /* 1: CR4.PCIDE = 1, a PCID per process, no-flush switches */
    unsigned kpti;           /* 1: separate user and kernel page tables per process */
    unsigned levels;         /* 4 or 5 (CR4.LA57) */
    unsigned implicit_vma;   /* 1: the whole user half is mappable until the
                                process's first MAP record (see README) */
    unsigned frames_mode;    /* mmu_frames_mode_t */
    unsigned frag_pct;       /* FRAGMENTED: percent of 2 MiB chunks pre-fragmented */
    uint64_t seed;           /* allocator shuffle and MIXED choices */
    unsigned mixed_1g_pct;   /* MIXED: percent of aligned 1 GiB regions given a 1G page */
    unsigned mixed_2m_pct;   /* MIXED: percent of the remaining 2 MiB regions given 2M */
    uint64_t phys_base;      /* physical region used for everything: [base, limit) */
    uint64_t phys_limit;     /* must lie below 2^MAXPHYADDR of the memory */
    uint64_t pt_pool;        /* bytes of page-table frames per process, carved
                                from the bottom of the region */
    uint64_t flush_ceiling;  /* MAP/UNMAP/PROTECT of more 4 KiB pages than this
                                flush the whole context instead of INVLPG per page
                                (Linux's tlb_single_page_flush_ceiling, 33) */
    uint64_t kernel_va;      /* the kernel mapping: one 2 MiB page, supervisor, RW */
    unsigned kernel_global;  /* 1: that page has G = 1 (CR4.PGE is always set) */
    uint64_t default_flags;  /* leaf flags of a demand-paged page outside any MAP record */
} mmu_aspace_cfg_t;

/* Defaults: THP, 1 process, no switching, PCIDs on, KPTI off, 4-level,
 * implicit VMA, CONTIGUOUS frames, frag_pct 90, seed 1, mixed 10%/50%,
 * region [1 GiB, 64 GiB), 16 MiB of tables per process, ceiling 33, kernel
 * page 0xffffffff80000000 global, default flags P|RW|US. */
void mmu_aspace_cfg_init(mmu_aspace_cfg_t *cfg);

/* Counters of the OS side; the MMU's own are in mmu_stats_t. */
#define MMU_ASPACE_STATS_MAP(XX)                                                 \
    XX(accesses)          /* ACCESS records */                                   \
    XX(switches)          /* process switches (time slice or CR3 record) */      \
    XX(syscalls)          /* SYSCALL_ENTER records */                            \
    XX(cr3_writes)        /* MOV to CR3 the driver issued (switches, KPTI) */    \
    XX(demand_faults)     /* #PF not-present fixed by mapping a page */          \
    XX(demand_faults_4k)                                                         \
    XX(demand_faults_2m)                                                         \
    XX(demand_faults_1g)                                                         \
    XX(faults_returned)   /* faults left to the caller (not demand-pageable) */  \
    XX(pages_4k)          /* pages mapped, by size (demand and splits) */        \
    XX(pages_2m)                                                                 \
    XX(pages_1g)                                                                 \
    XX(fallbacks_2m)      /* 2M wanted, no free aligned frame run: 4K used */    \
    XX(fallbacks_1g)      /* 1G wanted, no free aligned frame run: smaller */    \
    XX(splits)            /* large pages split by a partial UNMAP/PROTECT */     \
    XX(pages_unmapped)                                                           \
    XX(pages_protected)                                                          \
    XX(os_invlpg)         /* INVLPG issued by MAP/UNMAP/PROTECT */               \
    XX(os_invpcid)        /* INVPCID issued by MAP/UNMAP/PROTECT */              \
    XX(os_full_flushes)   /* context flushes above the ceiling */                \
    XX(frames_used)       /* 4 KiB data frames allocated (gauge) */              \
    XX(table_frames)      /* page-table frames, all processes (gauge) */

typedef struct mmu_aspace_stats {
#define MMU__ASPACE_FIELD(name) uint64_t name;
    MMU_ASPACE_STATS_MAP(MMU__ASPACE_FIELD)
#undef MMU__ASPACE_FIELD
} mmu_aspace_stats_t;

typedef struct mmu_aspace mmu_aspace_t;

/* Create the driver: frame allocator, one address space per process (with the
 * kernel page in each), and load the control registers of process 0 in user
 * mode with mmu_set_ctrl (CR0/EFER/PKRU are kept from the MMU; CR4 gets PGE,
 * PCIDE and LA57 as configured). mmu and mem are borrowed: mem must be the
 * memory behind mmu's mmu_mem_ops_t and both must outlive the driver.
 * Returns 0, or MMU_EINVAL / MMU_ENOMEM / MMU_ENOSPC with msg filled. */
int mmu_aspace_create(mmu_t *mmu, mmu_sparse_mem_t *mem, const mmu_aspace_cfg_t *cfg,
                      mmu_aspace_t **out, char *msg, size_t msglen);
/* Free it (not the MMU or the memory). Accepts NULL. */
void mmu_aspace_destroy(mmu_aspace_t *as);

/* Apply one record. ACCESS: translate at the driver's cycle, demand-page a
 * not-present fault inside a VMA and retry once; *res (may be NULL) is the
 * final translation, the fault included, and the cycle advances to its
 * done_at. Other kinds leave *res with fault.kind NONE and served NONE.
 * Returns 0 (a guest fault is not an error) or a negative MMU_E* code with
 * msg filled: out of frames or table pool (MMU_ENOSPC), a CR3/INVPCID value
 * the architecture refuses (MMU_EINVAL), a memory error. */
int mmu_aspace_feed(mmu_aspace_t *as, const mmu_trec_t *rec, mmu_result_t *res, char *msg,
                    size_t msglen);

/* The driver's cycle (issue time of the next access). */
mmu_cycle_t mmu_aspace_now(const mmu_aspace_t *as);
/* Index of the running process and whether it is in a syscall. */
unsigned mmu_aspace_current(const mmu_aspace_t *as);
int mmu_aspace_in_kernel(const mmu_aspace_t *as);
/* CR3 value (root | PCID, no-flush bit clear) of process p's user or kernel
 * view; the same value twice without KPTI. 0 for p out of range. */
uint64_t mmu_aspace_cr3(const mmu_aspace_t *as, unsigned p, int kernel);
/* Copy the counters. */
void mmu_aspace_get_stats(const mmu_aspace_t *as, mmu_aspace_stats_t *out);
/* *out = *after - *before for the counters (subtract a warm-up); the gauges
 * (frames_used, table_frames) are after's values. */
void mmu_aspace_stats_diff(mmu_aspace_stats_t *out, const mmu_aspace_stats_t *after,
                           const mmu_aspace_stats_t *before);
/* Report: the OS counters, then the MMU's TLB hit rates from *ms (L1, L2 and
 * L1+L2 as a share of translations), the number that shows what PCIDs keep
 * across switches. */
void mmu_aspace_print_stats(FILE *f, const mmu_aspace_stats_t *s, const mmu_stats_t *ms);

#ifdef __cplusplus
}
#endif

#endif /* MMU_WORKLOADS_ASPACE_H */
