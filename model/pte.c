/* SPDX-License-Identifier: Apache-2.0 */
/* Paging-structure entry checks: reserved bits (SDM 4.5, tables 4-15..4-20).
 * The access-rights check (SDM 4.6.1, 4.6.2) is inline in pte.h because it
 * runs on every TLB hit. Shadow stacks, HLAT and SGX are not modelled. */
#include "pte.h"

#define BITS(hi, lo) ((~0ull >> (63 - (hi))) & ~((1ull << (lo)) - 1))

void mmu_pte_rsvd_init(mmu_pte_rsvd_t *r, unsigned maxphyaddr, bool nxe, bool page_1g)
{
    /* SDM 4.5: bits 51:MAXPHYADDR are reserved in every entry. */
    uint64_t base = maxphyaddr < 52 ? BITS(51, maxphyaddr) : 0;
    /* SDM 4.5: if IA32_EFER.NXE = 0, XD (bit 63) is reserved. */
    if (!nxe)
        base |= MMU_PTE_XD;
    for (unsigned l = 0; l <= 5; l++)
        r->table[l] = r->leaf[l] = base;
    /* SDM 4.5: PS is reserved in a PML5E and a PML4E. */
    r->table[5] |= MMU_PTE_PS;
    r->table[4] |= MMU_PTE_PS;
    /* Without 1-GByte page support, PDPTE.PS is reserved too. */
    if (!page_1g)
        r->table[3] |= MMU_PTE_PS;
    /* SDM 4.5: bits 29:13 of a PDPTE mapping a 1-GByte page, 20:13 of a PDE
     * mapping a 2-MByte page (bit 12 is PAT). */
    r->leaf[3] |= BITS(29, 13);
    r->leaf[2] |= BITS(20, 13);
}
