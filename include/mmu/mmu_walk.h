/* SPDX-License-Identifier: Apache-2.0 */
/* mmusim: the page walker as a replaceable block.
 *
 * mmu_translate() looks up the TLBs and the paging-structure caches itself;
 * on a miss it hands one walk job to a walker. By default that is the built-in
 * C walker. Setting cfg.walk_cb puts another walker there instead (the
 * Verilated RTL walker of rtl/, through the SystemC bridge in model/sc/), with
 * the same TLBs and paging-structure caches in front and the same fills after.
 *
 * An external walker must behave as the C walker does for the configuration the
 * MMU was created with (maxphyaddr, page_1g, ad_on_fault, ad_retry_limit,
 * walk_level_latency): read and update the page tables through the MMU's
 * mmu_mem_ops_t, and take the latency of each access from mmu_walk_latency(),
 * in the order it issues them, so that its cycle counts can be compared. */
#ifndef MMU_MMU_WALK_H
#define MMU_MMU_WALK_H

#include <stdint.h>

#include "mmu/mmu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One walk: the request, where to start (the root, or below the deepest
 * paging-structure-cache hit, SDM 4.10.3.2) and the control bits that the
 * checks read, decoded from CR0/CR4/EFER/RFLAGS/PKRU/IA32_PKRS. */
typedef struct mmu_walk_job {
    uint64_t la;           /* canonical linear address */
    uint8_t type;          /* mmu_access_t */
    uint8_t cpl;           /* 0..3 */
    uint8_t flags;         /* MMU_REQ_* */
    uint8_t levels;        /* 4 or 5 (CR4.LA57) */
    uint8_t start_level;   /* level of the first entry read: levels, or below a PSC hit */
    uint8_t start_perms;   /* MMU_PERM_* combined over the levels above start_level */
    uint16_t pcid;         /* current PCID (0 with CR4.PCIDE = 0) */
    uint64_t start_table;  /* physical address of the table at start_level */
    /* CR0.WP, CR4.SMEP/SMAP/PKE/PKS, EFER.NXE, RFLAGS.AC; 0 or 1 each. */
    uint8_t wp, smep, smap, ac, nxe, pke, pks;
    uint32_t pkru, pkrs;
    mmu_cycle_t t0;        /* cycle the walk starts */
} mmu_walk_job_t;

/* What a walk produced. */
typedef struct mmu_walk_out {
    mmu_fault_t fault;     /* kind NONE or PF (a walk never raises #GP) */
    uint64_t pa;           /* on success: pa, page_size, perms, pkey, global */
    uint8_t page_size, perms, pkey, global;
    uint32_t reads;        /* 8-byte paging-structure reads */
    uint32_t updates;      /* locked A/D compare-exchanges */
    mmu_cycle_t cycles;    /* from t0 to the result */
    /* On success, the entries used, top-down, as written back (with the A/D
     * bits the walk set): what the paging-structure caches are filled from.
     * entry[i] is at level start_level - i; n = 0 after a fault. */
    uint8_t n;
    uint8_t entry_perms[5]; /* MMU_PERM_* combined from the root down to entry[i] */
    uint64_t entry[5];
} mmu_walk_out_t;

/* Run the built-in C walker on one job, with this MMU's memory, configuration
 * and page-table latency model (it advances that model's state, as a walk
 * inside mmu_translate would). TLBs, PSCs and statistics are not touched.
 * Returns 0, a memory-interface error, MMU_ERETRY, or MMU_EINVAL for a NULL
 * argument or a job the walker cannot take (levels not 4/5, start_level out of
 * range, type/cpl out of range); mmu_last_error() then says which. */
MMU_API int mmu_walk_c(mmu_t *mmu, const mmu_walk_job_t *job, mmu_walk_out_t *out);

/* The latency, in cycles, of one 8-byte page-table access at physical address
 * pa issued at cycle `now` (locked_rmw: the compare-exchange of an A/D update),
 * from this MMU's latency model: the memlat_cb callback, or the built-in
 * cache model, whose state this call advances. 0 for a NULL mmu. */
MMU_API unsigned mmu_walk_latency(mmu_t *mmu, uint64_t pa, int locked_rmw, mmu_cycle_t now);

#ifdef __cplusplus
}
#endif

#endif /* MMU_MMU_WALK_H */
