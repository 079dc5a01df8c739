/* SPDX-License-Identifier: Apache-2.0 */
/* mmusim functional coverage: what the MMU did, as plain counters, one per
 * bin of a fixed bin list (README "Functional coverage").
 *
 * A coverage object (mmu_cov_t) belongs to the caller. Attached to an MMU
 * (mmu_cov_attach) it counts every translation, walk, A/D update and
 * invalidation that MMU makes; detached (the default) the MMU counts nothing
 * and pays one predictable branch per TLB hit. One object may collect from
 * several MMUs in turn, and objects add up (mmu_cov_merge), so a campaign
 * that re-creates its MMU keeps one object.
 *
 * Most of the translation cross product is architecturally impossible; rules
 * in coverage.c declare those bins unreachable, each with its reason
 * (mmu_cov_bin_rule, mmu_cov_rule_text). Unreachable bins are not holes; a
 * count in one means the rule or the model is wrong. */
#ifndef MMU_MMU_COVERAGE_H
#define MMU_MMU_COVERAGE_H

#include <stddef.h>
#include <stdint.h>

#include "mmu/mmu.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mmu_cov mmu_cov_t;

/* Allocate an object with every count 0. Returns 0, MMU_EINVAL (out NULL) or
 * MMU_ENOMEM; err (may be NULL) says which. */
MMU_API int mmu_cov_create(mmu_cov_t **out, mmu_err_t *err);
/* Free. Accepts NULL. Detach it from every MMU first. */
MMU_API void mmu_cov_destroy(mmu_cov_t *cov);
/* Zero every count. */
MMU_API void mmu_cov_reset(mmu_cov_t *cov);
/* dst += src, bin by bin (saturating at UINT64_MAX). */
MMU_API void mmu_cov_merge(mmu_cov_t *dst, const mmu_cov_t *src);

/* Start counting what mmu does into cov (NULL: stop). Allocates the MMU's own
 * bookkeeping for the PCID bins (which TLB entries survived a no-flush MOV to
 * CR3) here, never in mmu_translate. Returns 0, MMU_ENOMEM, or MMU_EINVAL
 * when the library was built with MMU_COVERAGE=OFF (err says so). The MMU does
 * not own cov: destroying the MMU leaves it alone. */
MMU_API int mmu_cov_attach(mmu_t *mmu, mmu_cov_t *cov, mmu_err_t *err);
/* The object attached to mmu, or NULL. */
MMU_API mmu_cov_t *mmu_cov_attached(const mmu_t *mmu);
/* 1 if this library counts coverage (MMU_COVERAGE=ON, the default), else 0. */
MMU_API int mmu_cov_compiled_in(void);

/* ---- the bin list ---------------------------------------------------------------- */

/* Groups of bins, in bin-index order. */
typedef enum mmu_cov_group {
    MMU_COV_G_XLAT = 0, /* translations: paging x access x CPL x size x served x outcome */
    MMU_COV_G_AD,       /* accessed/dirty updates, lost compare-exchanges, retry limit */
    MMU_COV_G_DIRTY,    /* D-assists, hits on entries cached with D=0 */
    MMU_COV_G_INV,      /* invalidations by kind x what they removed */
    MMU_COV_G_PCID,     /* hits kept across no-flush CR3 writes, global hits across PCIDs */
    MMU_COV_G_WALKER,   /* walks in flight, merged misses, PSC entries in flight, saturation */
    MMU_COV_G_REPL,     /* evictions per array, inclusive back-invalidations, splinters */
    MMU_COV_GROUPS
} mmu_cov_group_t;

/* Number of bins (the same in every build of one bin list). */
MMU_API unsigned mmu_cov_bins(void);
/* Group of bin i; its name ("xlat", "ad", ...). */
MMU_API unsigned mmu_cov_bin_group(unsigned i);
MMU_API const char *mmu_cov_group_name(unsigned g);
/* The name of bin i ("xlat.l4.read.cpl3.4k.l1.ok"): written to buf (always
 * NUL-terminated when len > 0); returns its length, 0 past the end. Names are
 * unique, at most MMU_COV_NAME_MAX - 1 characters. */
#define MMU_COV_NAME_MAX 64
MMU_API size_t mmu_cov_bin_name(unsigned i, char *buf, size_t len);
/* Bin index of a name, or -1. */
MMU_API long mmu_cov_bin_find(const char *name);
/* 0: bin i is reachable. Else the number of the first rule that declares it
 * unreachable; mmu_cov_rule_text() gives that rule's reason. */
MMU_API unsigned mmu_cov_bin_rule(unsigned i);
MMU_API unsigned mmu_cov_rules(void); /* rules are numbered 1..mmu_cov_rules() */
MMU_API const char *mmu_cov_rule_text(unsigned rule);
/* A 64-bit fingerprint of the bin list: every name and its reachability.
 * Coverage files carry it, so counts from another bin list are refused. */
MMU_API uint64_t mmu_cov_list_id(void);

/* Count of bin i (0 past the end); set it (loading a file). */
MMU_API uint64_t mmu_cov_count(const mmu_cov_t *cov, unsigned i);
MMU_API void mmu_cov_set_count(mmu_cov_t *cov, unsigned i, uint64_t n);

/* ---- the translation cross, for binning outcomes from elsewhere --------------------- */

/* Dimensions of the xlat group. */
typedef enum mmu_cov_acc {
    MMU_COV_ACC_READ, MMU_COV_ACC_WRITE, MMU_COV_ACC_FETCH,
    MMU_COV_ACC_IREAD, MMU_COV_ACC_IWRITE, /* implicit supervisor-mode data accesses */
    MMU_COV_ACCS
} mmu_cov_acc_t;
typedef enum mmu_cov_size { MMU_COV_4K, MMU_COV_2M, MMU_COV_1G, MMU_COV_NOSIZE, MMU_COV_SIZES } mmu_cov_size_t;
/* Where it was served: a TLB level, a walk that started below a hit in one
 * paging-structure cache (SDM 4.10.3.2) or at the root, or nothing (#GP). */
typedef enum mmu_cov_served {
    MMU_COV_L1, MMU_COV_L2,
    MMU_COV_WALK_PML5E, MMU_COV_WALK_PML4E, MMU_COV_WALK_PDPTE, MMU_COV_WALK_PDE,
    MMU_COV_WALK_ROOT, MMU_COV_NONE,
    MMU_COV_SERVED
} mmu_cov_served_t;
/* Reserved-bit causes, one per rule of SDM 4.5 (tables 4-15..4-20). */
typedef enum mmu_cov_rsvd {
    MMU_COV_RSVD_NONE = 0,
    MMU_COV_RSVD_PS,     /* PS in a PML5E or PML4E, or in a PDPTE without 1G pages */
    MMU_COV_RSVD_LARGE,  /* bits 29:13 of a 1G leaf, 20:13 of a 2M leaf */
    MMU_COV_RSVD_MAXPHY, /* bits 51:MAXPHYADDR */
    MMU_COV_RSVD_XD,     /* XD with EFER.NXE = 0 */
} mmu_cov_rsvd_t;
/* Protection causes (SDM 4.6), in the order they are attributed: the first
 * that denies the access is its cause. */
typedef enum mmu_cov_prot {
    MMU_COV_PROT_NONE = 0,
    MMU_COV_PROT_US,      /* user-mode access to a supervisor-mode address */
    MMU_COV_PROT_SMAP,    /* supervisor data access to a user-mode address */
    MMU_COV_PROT_SMEP,    /* supervisor fetch from a user-mode address */
    MMU_COV_PROT_XD,      /* fetch from an XD translation */
    MMU_COV_PROT_RW,      /* user-mode write to a read-only translation */
    MMU_COV_PROT_WP,      /* supervisor write to a read-only translation, CR0.WP = 1 */
    MMU_COV_PROT_PKRU_AD, /* protection keys, user-mode address: access disabled */
    MMU_COV_PROT_PKRU_WD, /* ... write disabled */
    MMU_COV_PROT_PKS_AD,  /* supervisor-mode address, IA32_PKRS */
    MMU_COV_PROT_PKS_WD,
} mmu_cov_prot_t;

typedef enum mmu_cov_kind { MMU_COV_OK, MMU_COV_NP, MMU_COV_RSVD, MMU_COV_PROT, MMU_COV_GP } mmu_cov_kind_t;

/* One translation's outcome. levels: 4 or 5. level: the entry's level (1 PTE
 * .. 5 PML5E) for a not-present or reserved-bit fault. */
typedef struct mmu_cov_xlat {
    unsigned levels;
    unsigned acc;    /* mmu_cov_acc_t */
    unsigned user;   /* CPL 3 (an implicit fetch counts as CPL 0-2: see README) */
    unsigned size;   /* mmu_cov_size_t */
    unsigned served; /* mmu_cov_served_t */
    unsigned kind;   /* mmu_cov_kind_t */
    unsigned level;  /* NP, RSVD */
    unsigned cause;  /* mmu_cov_rsvd_t for RSVD, mmu_cov_prot_t for PROT */
} mmu_cov_xlat_t;

/* The xlat bin of an outcome, or -1 when it has no bin (a cause of NONE, a
 * level or cause outside the outcome list, a bad dimension). */
MMU_API long mmu_cov_xlat_bin(const mmu_cov_xlat_t *x);
/* Access class and CPL class of a request. */
MMU_API unsigned mmu_cov_acc_of(const mmu_req_t *req);
MMU_API unsigned mmu_cov_user_of(const mmu_req_t *req);
/* The reserved-bit cause of a present entry at `level`, or NONE. */
MMU_API unsigned mmu_cov_rsvd_cause(uint64_t entry, unsigned level, unsigned maxphyaddr, int nxe,
                            int page_1g);
/* The protection cause of an access to a translation with rights perms
 * (MMU_PERM_*) and key pkey under ctrl, or NONE when it is allowed. */
MMU_API unsigned mmu_cov_prot_cause(const mmu_ctrl_t *ctrl, const mmu_req_t *req, unsigned perms,
                            unsigned pkey);

#ifdef __cplusplus
}
#endif

#endif /* MMU_MMU_COVERAGE_H */
