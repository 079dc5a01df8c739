/* SPDX-License-Identifier: Apache-2.0 */
/* #PF error codes, CR2 and #GP (SDM 4.7, and 6.15 "Interrupt 14"). */
#ifndef MMU_MODEL_FAULT_H
#define MMU_MODEL_FAULT_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/mmu.h"

/* Why a walk failed, before it is turned into an error code. */
typedef enum mmu_pf_cause {
    MMU_PF_CAUSE_NOT_PRESENT,
    MMU_PF_CAUSE_RSVD,
    MMU_PF_CAUSE_PROT,
} mmu_pf_cause_t;

/* Fill *f with the #PF for an access to `la`. pk is only honoured for
 * protection faults. */
void mmu_fault_pf(mmu_fault_t *f, uint64_t la, mmu_pf_cause_t cause, mmu_access_t type,
                  bool user_access, bool pk, bool smep, bool nxe);

/* Fill *f with #GP(0) (a non-canonical linear address). */
void mmu_fault_gp(mmu_fault_t *f);

/* Is la canonical for a linear-address width of 48 or 57 bits? */
static inline bool mmu_la_canonical(uint64_t la, unsigned width)
{
    /* Bits 63:width-1 must all equal bit width-1. */
    int64_t sx = (int64_t)(la << (64 - width)) >> (64 - width);
    return (uint64_t)sx == la;
}

#endif
