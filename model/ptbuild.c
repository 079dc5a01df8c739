/* SPDX-License-Identifier: Apache-2.0 */
/* Page-table builder: writes 4- or 5-level paging structures (SDM 4.5) into
 * any memory reachable through mmu_mem_ops_t. Used by tests, workloads and
 * host simulators to set up address spaces; it is not part of the modelled
 * hardware and never runs on the translate path. */
#include <stdlib.h>

#include "config.h"
#include "mmu/mmu_mem.h"

/* Bits 51:12: the widest frame field; the builder does not know MAXPHYADDR,
 * the memory rejects addresses beyond it. */
#define FRAME_MASK 0x000ffffffffff000ull

struct mmu_ptb {
    mmu_mem_ops_t mem;
    unsigned levels;
    uint64_t next, end; /* frame pool */
    uint64_t root;
    uint64_t table_flags;
    uint64_t tables;
};

/* A callback's code as the builder returns it: a positive one breaks the
 * contract of mmu_mem_ops_t and counts as a memory error. */
static int mem_rc(int rc)
{
    return rc > 0 ? MMU_EMEM : rc;
}

static int write64(const mmu_ptb_t *b, uint64_t pa, uint64_t val)
{
    /* The interface has no plain store; a compare-exchange against the value
     * just read is one, unless someone else changes the word in between. */
    for (int tries = 0; tries < 64; tries++) {
        uint64_t cur, old;
        int rc = mem_rc(b->mem.read64(b->mem.ctx, pa, &cur));
        if (rc)
            return rc;
        if (cur == val)
            return 0;
        rc = mem_rc(b->mem.cmpxchg64(b->mem.ctx, pa, cur, val, &old));
        if (rc)
            return rc;
        if (old == cur)
            return 0;
    }
    return MMU_ERETRY;
}

static int alloc_table(mmu_ptb_t *b, uint64_t *pa)
{
    if (b->next >= b->end)
        return MMU_ENOSPC;
    uint64_t t = b->next;
    for (uint64_t off = 0; off < 4096; off += 8) {
        int rc = write64(b, t + off, 0);
        if (rc)
            return rc;
    }
    b->next += 4096;
    b->tables++;
    *pa = t;
    return 0;
}

int mmu_ptb_create(const mmu_mem_ops_t *mem, unsigned levels, uint64_t pool_base,
                   uint64_t pool_size, mmu_ptb_t **out)
{
    if (!out)
        return MMU_EINVAL;
    *out = NULL;
    mmu_mem_ops_t ops;
    if (mmu_mem_ops_import(&ops, mem, NULL) || (levels != 4 && levels != 5) ||
        (pool_base & 0xfff) || pool_size < 4096 || pool_base + pool_size < pool_base)
        return MMU_EINVAL;
    mmu_ptb_t *b = calloc(1, sizeof *b);
    if (!b)
        return MMU_ENOMEM;
    b->mem = ops;
    b->levels = levels;
    b->next = pool_base;
    b->end = pool_base + (pool_size & ~0xfffull);
    b->table_flags = MMU_PTE_P | MMU_PTE_RW | MMU_PTE_US;
    int rc = alloc_table(b, &b->root);
    if (rc) {
        free(b);
        return rc;
    }
    *out = b;
    return 0;
}

void mmu_ptb_destroy(mmu_ptb_t *b)
{
    free(b);
}

uint64_t mmu_ptb_root(const mmu_ptb_t *b)
{
    return b ? b->root : 0;
}

uint64_t mmu_ptb_tables(const mmu_ptb_t *b)
{
    return b ? b->tables : 0;
}

void mmu_ptb_set_table_flags(mmu_ptb_t *b, uint64_t flags)
{
    if (b)
        b->table_flags = (flags & ~(FRAME_MASK | MMU_PTE_PS)) | MMU_PTE_P;
}

static unsigned index_at(uint64_t va, unsigned level)
{
    return (unsigned)(va >> (12 + 9 * (level - 1))) & 511u;
}

static int map_one(mmu_ptb_t *b, uint64_t va, uint64_t pa, unsigned leaf_level,
                   uint64_t leaf)
{
    uint64_t table = b->root;
    for (unsigned level = b->levels; level > leaf_level; level--) {
        uint64_t epa = table + 8ull * index_at(va, level), e;
        int rc = mem_rc(b->mem.read64(b->mem.ctx, epa, &e));
        if (rc)
            return rc;
        if (!(e & MMU_PTE_P)) {
            uint64_t t;
            if ((rc = alloc_table(b, &t)) != 0 || (rc = write64(b, epa, t | b->table_flags)) != 0)
                return rc;
            table = t;
        } else if (level <= 3 && (e & MMU_PTE_PS)) {
            return MMU_EEXIST; /* a larger page already maps this address */
        } else {
            table = e & FRAME_MASK;
        }
    }
    uint64_t epa = table + 8ull * index_at(va, leaf_level), e;
    int rc = mem_rc(b->mem.read64(b->mem.ctx, epa, &e));
    if (rc)
        return rc;
    /* Replacing a table with a leaf would orphan the smaller mappings below. */
    if (leaf_level > 1 && (e & MMU_PTE_P) && !(e & MMU_PTE_PS))
        return MMU_EEXIST;
    return write64(b, epa, pa | leaf);
}

int mmu_ptb_map(mmu_ptb_t *b, uint64_t va, uint64_t pa, uint64_t len, mmu_page_size_t ps,
                uint64_t leaf_flags)
{
    unsigned leaf_level;
    uint64_t size, keep;
    if (!b)
        return MMU_EINVAL;
    switch (ps) {
    case MMU_PAGE_4K:
        leaf_level = 1, size = 1ull << 12;
        keep = ~FRAME_MASK; /* bit 7 is PAT here */
        break;
    case MMU_PAGE_2M:
        leaf_level = 2, size = 1ull << 21;
        keep = ~(FRAME_MASK | MMU_PTE_PS) | (1ull << 12); /* bit 12 is PAT */
        break;
    case MMU_PAGE_1G:
        leaf_level = 3, size = 1ull << 30;
        keep = ~(FRAME_MASK | MMU_PTE_PS) | (1ull << 12);
        break;
    default:
        return MMU_EINVAL;
    }
    if ((va | pa | len) & (size - 1) || (pa & ~FRAME_MASK))
        return MMU_EINVAL;
    uint64_t leaf = (leaf_flags & keep) | MMU_PTE_P | (leaf_level > 1 ? MMU_PTE_PS : 0);
    for (uint64_t off = 0; off < len; off += size) {
        int rc = map_one(b, va + off, pa + off, leaf_level, leaf);
        if (rc)
            return rc;
    }
    return 0;
}

int mmu_ptb_entry_addr(const mmu_ptb_t *b, uint64_t va, unsigned level, uint64_t *pa)
{
    if (!b || !pa || level < 1 || level > b->levels)
        return MMU_EINVAL;
    uint64_t table = b->root;
    for (unsigned l = b->levels; l > level; l--) {
        uint64_t e;
        int rc = mem_rc(b->mem.read64(b->mem.ctx, table + 8ull * index_at(va, l), &e));
        if (rc)
            return rc;
        if (!(e & MMU_PTE_P) || (l <= 3 && (e & MMU_PTE_PS)))
            return MMU_ENOENT;
        table = e & FRAME_MASK;
    }
    *pa = table + 8ull * index_at(va, level);
    return 0;
}
