/* Paging-structure entry checks: reserved bits (SDM 4.5, tables 4-15..4-20)
 * and access rights (SDM 4.6.1 Determination of Access Rights, 4.6.2
 * Protection Keys). Shadow stacks, HLAT and SGX are not modelled. */
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

/* PKRU/IA32_PKRS: AD for key i is bit 2i, WD bit 2i+1 (SDM 4.6.2). */
static bool pk_denies(uint32_t reg, unsigned key, mmu_access_t type, bool user_access, bool wp)
{
    if ((reg >> (2 * key)) & 1)
        return true; /* AD: no data access at all */
    /* WD: user-mode writes always; supervisor-mode writes only when CR0.WP=1. */
    return type == MMU_ACC_WRITE && ((reg >> (2 * key + 1)) & 1) && (user_access || wp);
}

mmu_pte_verdict_t mmu_pte_check(const mmu_pte_ctl_t *c, unsigned perms, unsigned pkey,
                                mmu_access_t type, bool user_access, bool implicit)
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
        v.pk = pk_denies(c->pkru, pkey, type, user_access, c->wp);
    else if (!user_addr && c->pks)
        v.pk = pk_denies(c->pkrs, pkey, type, user_access, c->wp);

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
