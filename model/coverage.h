/* SPDX-License-Identifier: Apache-2.0 */
/* Functional coverage inside the library: the counters, the bin layout the
 * hooks in mmu.c and walker.c index, and the bookkeeping of which TLB and
 * PSC entries survived a no-flush MOV to CR3. The bin list, its names and
 * its reachability rules are in coverage.c; the public side in
 * include/mmu/mmu_coverage.h.
 *
 * MMU_COVERAGE (CMake option of the same name, default 1) compiles the hooks
 * in; with 0 every hook is `if (0 && ...)` and disappears, and
 * mmu_cov_attach refuses. Either way the code compiles, so it cannot rot. */
#ifndef MMU_MODEL_COVERAGE_H
#define MMU_MODEL_COVERAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/mmu_coverage.h"
#include "tlb.h"

#ifndef MMU_COVERAGE
#define MMU_COVERAGE 1
#endif

#if defined(__GNUC__)
#define MMU_COV_ON(cov) (MMU_COVERAGE && __builtin_expect((cov) != NULL, 0))
#else
#define MMU_COV_ON(cov) (MMU_COVERAGE && (cov) != NULL)
#endif

/* ---- layout -------------------------------------------------------------------- */

/* xlat: ((((paging * ACCS + acc) * 2 + user) * SIZES + size) * SERVED + served) * OUTS + out */
enum {
    MMU_COV_OUT_OK = 0,
    MMU_COV_OUT_NP = 1,      /* + (5 - level), levels 5..1 */
    MMU_COV_OUT_MAXPHY = 6,  /* + (5 - level) */
    MMU_COV_OUT_XD_RSVD = 11, /* + (5 - level) */
    MMU_COV_OUT_PS = 16,     /* + (5 - level), levels 5..3 */
    MMU_COV_OUT_LARGE = 19,  /* + (3 - level), levels 3..2 */
    MMU_COV_OUT_PROT = 20,   /* + mmu_cov_prot_t (1..10) */
    MMU_COV_OUT_GP = 31,
    MMU_COV_OUTS = 32,
};
#define MMU_COV_XLAT_BINS (2u * MMU_COV_ACCS * 2u * MMU_COV_SIZES * MMU_COV_SERVED * MMU_COV_OUTS)

/* Invalidation kinds and what one removed (a mask of MMU_COV_RM_*). */
typedef enum mmu_cov_inv {
    MMU_COV_INV_INVLPG, MMU_COV_INV_INVPCID0, MMU_COV_INV_INVPCID1, MMU_COV_INV_INVPCID2,
    MMU_COV_INV_INVPCID3, MMU_COV_INV_CR3, MMU_COV_INV_CR3_NOFLUSH, MMU_COV_INV_CR4_PGE_ON,
    MMU_COV_INV_CR4_PGE_OFF, MMU_COV_INV_CR4_PCIDE_OFF, MMU_COV_INV_CR4_SMEP_ON,
    MMU_COV_INV_CR4_OTHER, MMU_COV_INV_EFER_NXE, MMU_COV_INV_SET_CTRL, MMU_COV_INV_FLUSH_ALL,
    MMU_COV_INV_PF,
    MMU_COV_INV_KINDS
} mmu_cov_inv_t;
/* TLB entries by granule (bits 0..2, as mmu_tlb_invalidate_ex reports them),
 * global TLB entries, PSC entries by level (bit 8 + level). */
#define MMU_COV_RM_GLOBAL MMU_TLB_RM_GLOBAL
#define MMU_COV_RM_PSC(level) (1u << (8 + (level)))
enum { MMU_COV_WHAT = 9 }; /* nothing, 4k, 2m, 1g, global, psc pde .. pml5e */

enum {
    MMU_COVB_AD = MMU_COV_XLAT_BINS,
    MMU_COVB_A_WALK = MMU_COVB_AD,          /* + (5 - level) */
    MMU_COVB_A_FAULT = MMU_COVB_AD + 5,     /* + (5 - level) */
    MMU_COVB_D_ONLY = MMU_COVB_AD + 10,     /* + page size */
    MMU_COVB_AD_RMW = MMU_COVB_AD + 13,     /* + page size */
    MMU_COVB_LOST = MMU_COVB_AD + 16,       /* + (5 - level) */
    MMU_COVB_RETRY_LIMIT = MMU_COVB_AD + 21,
    MMU_COVB_DIRTY = MMU_COVB_AD + 22,
    MMU_COVB_D_ASSIST = MMU_COVB_DIRTY,     /* + tlb level (0 L1, 1 L2) * 3 + page size */
    MMU_COVB_READ_D0 = MMU_COVB_DIRTY + 6,  /* same */
    MMU_COVB_INV = MMU_COVB_DIRTY + 12,     /* + kind * MMU_COV_WHAT + what */
    MMU_COVB_PCID = MMU_COVB_INV + MMU_COV_INV_KINDS * MMU_COV_WHAT,
    MMU_COVB_KEPT = MMU_COVB_PCID,          /* + 0 L1, 1 L2, 2 PSC */
    MMU_COVB_GLOBAL_OTHER = MMU_COVB_PCID + 3, /* + 0 L1, 1 L2 */
    MMU_COVB_WALKER = MMU_COVB_PCID + 5,
    MMU_COVB_IN_FLIGHT = MMU_COVB_WALKER,   /* + min(walks in flight, 8) */
    MMU_COVB_MERGED = MMU_COVB_WALKER + 9,  /* + 0 L1, 1 L2 */
    MMU_COVB_PSC_IN_FLIGHT = MMU_COVB_WALKER + 11, /* + (level - 2) */
    MMU_COVB_SATURATED = MMU_COVB_WALKER + 15,
    MMU_COVB_REPL = MMU_COVB_WALKER + 16,
    MMU_COVB_EVICT = MMU_COVB_REPL,         /* + tlb level (0 l1i, 1 l1d, 2 l2) * 3 + array */
    MMU_COVB_EVICT_PSC = MMU_COVB_REPL + 9, /* + (level - 2) */
    MMU_COVB_BACK_INV = MMU_COVB_REPL + 13, /* + 0 l1i, 1 l1d, 2 nothing */
    MMU_COVB_SPLINTER = MMU_COVB_REPL + 16, /* + tlb level */
    MMU_COV_NBINS = MMU_COVB_REPL + 19,
};

struct mmu_cov {
    uint64_t n[MMU_COV_NBINS];
};

static inline void mmu_cov_inc(mmu_cov_t *c, unsigned bin)
{
    c->n[bin]++;
}

/* Count one translation (x must be complete; an outcome with no bin is
 * dropped: it cannot come from the model). */
void mmu_cov_count_xlat(mmu_cov_t *c, const mmu_cov_xlat_t *x);
/* Count one locked A/D update of the entry at `level` (leaf_size: the page
 * size when it is the leaf, else -1; on_fault: ad_on_fault = used), read as
 * `seen`, setting `bits`; lost: the compare-exchange found it changed. */
void mmu_cov_count_ad(mmu_cov_t *c, unsigned level, int leaf_size, bool on_fault, uint64_t seen,
                      uint64_t bits, bool lost);
/* Count one invalidation of `kind` that removed `removed` (MMU_COV_RM_*). */
void mmu_cov_count_inv(mmu_cov_t *c, unsigned kind, unsigned removed);

/* ---- entries kept across a no-flush MOV to CR3 --------------------------------- */

/* One flag byte per entry of each tracked array: 1 while the entry holds what
 * it held at the last no-flush MOV to CR3 into its (non-global) PCID. Index of
 * arrays: 0..2 L1I, 3..5 L1D, 6..8 L2, 9..12 PSC PDE..PML5E. */
#define MMU_COV_TRACKED 13
typedef struct mmu_cov_track {
    uint8_t *kept[MMU_COV_TRACKED];
} mmu_cov_track_t;

/* Allocate flags for arrays[i] (absent arrays get none). 0 or MMU_ENOMEM. */
int mmu_cov_track_init(mmu_cov_track_t *k, mmu_tlb_t *const arrays[MMU_COV_TRACKED]);
void mmu_cov_track_free(mmu_cov_track_t *k);
/* A no-flush MOV to CR3 into pcid: the non-global entries of pcid are kept. */
void mmu_cov_track_switch(mmu_cov_track_t *k, mmu_tlb_t *const arrays[MMU_COV_TRACKED],
                          uint16_t pcid);

#endif
