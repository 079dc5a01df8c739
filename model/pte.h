/* SPDX-License-Identifier: Apache-2.0 */
/* Paging-structure entry decode and access-rights checks (SDM 4.5, 4.6).
 * Everything here is a pure function of its arguments, so the RTL twin
 * (mmu_pte_check.sv) can be purely combinational. */
#ifndef MMU_MODEL_PTE_H
#define MMU_MODEL_PTE_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/mmu.h"
#include "mmu/mmu_mem.h"

/* The control bits the checks read, decoded once when CR0/CR4/EFER/RFLAGS/
 * PKRU/PKRS are loaded. */
typedef struct mmu_pte_ctl {
    bool wp, smep, smap, ac, nxe, pke, pks;
    uint32_t pkru, pkrs;
} mmu_pte_ctl_t;

/* Reserved-bit masks of one paging mode, computed at create/ctrl time.
 * Index by level (1..5). `table` applies to an entry that references another
 * table, `leaf` to an entry that maps a page (PS=1 at level 2/3, any PTE). */
typedef struct mmu_pte_rsvd {
    uint64_t table[6];
    uint64_t leaf[6];
} mmu_pte_rsvd_t;

/* Fill the masks for a MAXPHYADDR, EFER.NXE and 1-GByte page support. */
void mmu_pte_rsvd_init(mmu_pte_rsvd_t *r, unsigned maxphyaddr, bool nxe, bool page_1g);

/* Does the present entry e at `level` map a page (rather than a table)? */
static inline bool mmu_pte_is_leaf(uint64_t e, unsigned level, bool page_1g)
{
    return level == 1 || ((level == 2 || (level == 3 && page_1g)) && (e & MMU_PTE_PS));
}

/* Outcome of the access-rights check of a complete translation. */
typedef struct mmu_pte_verdict {
    bool allowed;
    bool pk; /* the PK condition of SDM 4.7 holds (independent of `allowed`) */
} mmu_pte_verdict_t;

/* PKRU/IA32_PKRS: AD for key i is bit 2i, WD bit 2i+1 (SDM 4.6.2). */
static inline bool mmu_pte_pk_denies(uint32_t reg, unsigned key, mmu_access_t type,
                                     bool user_access, bool wp)
{
    if ((reg >> (2 * key)) & 1)
        return true; /* AD: no data access at all */
    /* WD: user-mode writes always; supervisor-mode writes only when CR0.WP=1. */
    return type == MMU_ACC_WRITE && ((reg >> (2 * key + 1)) & 1) && (user_access || wp);
}

/* SDM 4.6.1 + 4.6.2. perms: MMU_PERM_* combined over all levels; pkey: the
 * leaf's key; user_access: CPL = 3 and not an implicit supervisor access. */
static inline mmu_pte_verdict_t mmu_pte_check(const mmu_pte_ctl_t *c, unsigned perms,
                                              unsigned pkey, mmu_access_t type,
                                              bool user_access, bool implicit)
{
    const bool user_addr = perms & MMU_PERM_U;
    const bool writable = perms & MMU_PERM_W;
    mmu_pte_verdict_t v = {true, false};

    if (type == MMU_ACC_FETCH) {
        /* SDM 4.6.2: instruction fetches are not subject to protection keys. */
        if (perms & MMU_PERM_XD) /* only ever set with NXE=1 */
            v.allowed = false;
        else if (user_access)
            v.allowed = user_addr; /* no user fetch from a supervisor-mode address */
        else
            v.allowed = !(user_addr && c->smep); /* SMEP */
        return v;
    }

    /* SDM 4.7: the PK flag is defined by the key and the access alone, so it is
     * computed whether or not another rule also denies the access. */
    if (user_addr && c->pke)
        v.pk = mmu_pte_pk_denies(c->pkru, pkey, type, user_access, c->wp);
    else if (!user_addr && c->pks)
        v.pk = mmu_pte_pk_denies(c->pkrs, pkey, type, user_access, c->wp);

    bool ok;
    if (user_access) {
        /* User-mode data access: user-mode address only; writes need R/W=1
         * at every level, whatever CR0.WP says. */
        ok = user_addr && (type != MMU_ACC_WRITE || writable);
    } else {
        /* SMAP: a supervisor-mode access to a user-mode address is allowed only
         * if it is explicit and EFLAGS.AC=1; implicit accesses ignore AC. */
        ok = !(user_addr && c->smap && (implicit || !c->ac));
        /* With CR0.WP=0 supervisor writes ignore R/W; with WP=1 they need it. */
        if (type == MMU_ACC_WRITE && c->wp && !writable)
            ok = false;
    }
    v.allowed = ok && !v.pk;
    return v;
}

#endif
