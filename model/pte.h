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

/* SDM 4.6.1 + 4.6.2. perms: MMU_PERM_* combined over all levels; pkey: the
 * leaf's key; user_access: CPL = 3 and not an implicit supervisor access. */
mmu_pte_verdict_t mmu_pte_check(const mmu_pte_ctl_t *c, unsigned perms, unsigned pkey,
                                mmu_access_t type, bool user_access, bool implicit);

#endif
