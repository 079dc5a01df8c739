/* SPDX-License-Identifier: Apache-2.0 */
/* Page-fault error code (SDM 4.7, figure 4-12) and the non-canonical #GP.
 * The SS (shadow stack), HLAT and SGX bits are never set: those features are
 * not modelled. */
#include "fault.h"

void mmu_fault_pf(mmu_fault_t *f, uint64_t la, mmu_pf_cause_t cause, mmu_access_t type,
                  bool user_access, bool pk, bool smep, bool nxe)
{
    uint32_t ec = 0;
    /* P: 0 = non-present page; 1 = protection or reserved-bit violation
     * (reserved bits are only checked when P=1, so RSVD implies P). */
    if (cause != MMU_PF_CAUSE_NOT_PRESENT)
        ec |= MMU_PF_P;
    if (type == MMU_ACC_WRITE)
        ec |= MMU_PF_W;
    /* U/S describes the access (user-mode or not), not the page. */
    if (user_access)
        ec |= MMU_PF_US;
    if (cause == MMU_PF_CAUSE_RSVD)
        ec |= MMU_PF_RSVD;
    /* I/D: a fetch, and either CR4.SMEP=1 or (PAE-style paging and NXE=1). */
    if (type == MMU_ACC_FETCH && (smep || nxe))
        ec |= MMU_PF_ID;
    /* PK needs a translation whose key was checked: only protection faults. */
    if (cause == MMU_PF_CAUSE_PROT && pk)
        ec |= MMU_PF_PK;
    f->kind = MMU_FAULT_PF;
    f->vector = MMU_VEC_PF;
    f->error_code = ec;
    f->cr2 = la;
}

void mmu_fault_gp(mmu_fault_t *f)
{
    /* #GP(0): no error code information and CR2 is not written. */
    f->kind = MMU_FAULT_GP;
    f->vector = MMU_VEC_GP;
    f->error_code = 0;
    f->cr2 = 0;
}
