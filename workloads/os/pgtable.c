/* SPDX-License-Identifier: Apache-2.0 */
/* Page-table walking and building for the OS side (pgtable.h). */
#include "pgtable.h"

#include "swap.h"

static unsigned idx(uint64_t va, unsigned level)
{
    return (unsigned)(va >> (12 + 9 * (level - 1))) & 511u;
}

int mmu_pgt_find(const mmu_pgt_t *g, uint64_t root, uint64_t va, mmu_pgt_leaf_t *out)
{
    uint64_t table = root;
    for (unsigned l = g->levels; l >= 1; l--) {
        uint64_t epa = table + 8ull * idx(va, l), e;
        int rc = mmu_sparse_mem_read64(g->mem, epa, &e);
        if (rc)
            return rc;
        out->level = l, out->epa = epa, out->pte = e;
        int leaf = l == 1 || (l <= 3 && (e & MMU_PTE_PS));
        if (!(e & MMU_PTE_P)) {
            out->kind = e == 0 ? 0 : mmu_pte_is_swp(e) ? 2 : leaf ? 1 : 0;
            return 0;
        }
        if (leaf) {
            out->kind = 1;
            return 0;
        }
        table = e & MMU_PGT_FRAME;
    }
    return MMU_EINVAL; /* unreachable */
}

int mmu_pgt_entry(const mmu_pgt_t *g, uint64_t root, uint64_t va, unsigned level, uint64_t *epa,
                  unsigned *created)
{
    uint64_t table = root;
    for (unsigned l = g->levels; l > level; l--) {
        uint64_t a = table + 8ull * idx(va, l), e;
        int rc = mmu_sparse_mem_read64(g->mem, a, &e);
        if (rc)
            return rc;
        if (!(e & MMU_PTE_P)) {
            if (e != 0)
                return MMU_EEXIST; /* a PROT_NONE large page or a swap entry */
            uint64_t t;
            if ((rc = g->alloc(g->ctx, &t)) != 0)
                return rc;
            if ((rc = mmu_sparse_mem_write64(g->mem, a, t | MMU_PGT_TABLE_FLAGS)) != 0)
                return rc;
            if (created)
                (*created)++;
            table = t;
        } else if (l <= 3 && (e & MMU_PTE_PS)) {
            return MMU_EEXIST;
        } else {
            table = e & MMU_PGT_FRAME;
        }
    }
    *epa = table + 8ull * idx(va, level);
    return 0;
}

uint64_t mmu_pgt_leaf(uint64_t pa, mmu_page_size_t ps, uint64_t flags)
{
    /* Bit 7 is PAT in a PTE and PS above; bit 12 is PAT in a large leaf. The
     * bits software owns (9..11) are cleared: bit 9 marks swap entries. */
    uint64_t keep = ps == MMU_PAGE_4K ? ~MMU_PGT_FRAME : ~(MMU_PGT_FRAME | MMU_PTE_PS) | (1ull << 12);
    keep &= ~(7ull << 9);
    return pa | (flags & keep) | MMU_PTE_P | (ps != MMU_PAGE_4K ? MMU_PTE_PS : 0);
}

int mmu_pgt_map(const mmu_pgt_t *g, uint64_t root, uint64_t va, uint64_t pa, mmu_page_size_t ps,
                uint64_t flags, unsigned *created)
{
    uint64_t epa;
    int rc = mmu_pgt_entry(g, root, va, (unsigned)ps + 1, &epa, created);
    if (rc)
        return rc;
    return mmu_sparse_mem_write64(g->mem, epa, mmu_pgt_leaf(pa, ps, flags));
}

static int walk(const mmu_pgt_t *g, uint64_t table, unsigned level, uint64_t base,
                const mmu_pgt_visit_t *v)
{
    uint64_t span = 1ull << (12 + 9 * (level - 1));
    for (unsigned i = 0; i < 512; i++) {
        uint64_t va = base + i * span;
        uint64_t epa = table + 8ull * i, e;
        int rc = mmu_sparse_mem_read64(g->mem, epa, &e);
        if (rc)
            return rc;
        if (e == 0)
            continue;
        int leaf = level == 1 || (level <= 3 && (e & MMU_PTE_PS)) || !(e & MMU_PTE_P);
        if (leaf) {
            if (v->leaf && (rc = v->leaf(v->ctx, va, level, epa, e)) != 0)
                return rc;
            continue;
        }
        uint64_t t = e & MMU_PGT_FRAME;
        if ((rc = walk(g, t, level - 1, va, v)) != 0)
            return rc;
        if (v->table && (rc = v->table(v->ctx, t)) != 0)
            return rc;
    }
    return 0;
}

int mmu_pgt_walk_all(const mmu_pgt_t *g, uint64_t root, const mmu_pgt_visit_t *v)
{
    return walk(g, root, g->levels, 0, v);
}
