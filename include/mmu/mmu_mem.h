/* SPDX-License-Identifier: Apache-2.0 */
/* Memory the model can walk: a sparse physical memory (untouched words read
 * as 0) and a page-table builder that works over any mmu_mem_ops_t. */
#ifndef MMU_MMU_MEM_H
#define MMU_MMU_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "mmu/mmu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- sparse physical memory ------------------------------------------------ */

typedef struct mmu_sparse_mem mmu_sparse_mem_t;

/* Create an empty memory of 2^maxphyaddr bytes (36..52). Storage is allocated
 * 4 KiB at a time on first write. Returns 0, MMU_EINVAL or MMU_ENOMEM. */
MMU_API int mmu_sparse_mem_create(unsigned maxphyaddr, mmu_sparse_mem_t **out);
/* Free it. Accepts NULL. */
MMU_API void mmu_sparse_mem_destroy(mmu_sparse_mem_t *mem);
/* Forget every word (all read as 0 again). */
MMU_API void mmu_sparse_mem_clear(mmu_sparse_mem_t *mem);
/* Word access. pa must be 8-byte aligned (MMU_EALIGN) and below
 * 2^maxphyaddr (MMU_ERANGE). write64 may return MMU_ENOMEM. */
MMU_API int mmu_sparse_mem_read64(const mmu_sparse_mem_t *mem, uint64_t pa, uint64_t *val);
MMU_API int mmu_sparse_mem_write64(mmu_sparse_mem_t *mem, uint64_t pa, uint64_t val);
/* What mmu_sparse_mem_ops() calls: fills the caller's *ops of `size` bytes.
 * Returns 0, or MMU_EINVAL for a NULL mem or ops or a size smaller than the
 * first released layout. */
MMU_API int mmu_sparse_mem_ops_init(mmu_sparse_mem_t *mem, mmu_mem_ops_t *ops, size_t size);
/* Operations for mmu_create() over mem (read64, cmpxchg64, peek64,
 * prefetch_find; ctx is mem), with size set. */
static inline mmu_mem_ops_t mmu_sparse_mem_ops(mmu_sparse_mem_t *mem)
{
    mmu_mem_ops_t ops = MMU_MEM_OPS_INIT;
    mmu_sparse_mem_ops_init(mem, &ops, sizeof ops);
    return ops;
}
/* Number of 4 KiB frames holding data. */
MMU_API uint64_t mmu_sparse_mem_frames(const mmu_sparse_mem_t *mem);

/* ---- page-table builder ------------------------------------------------------ */

/* Paging-structure entry bits (SDM tables 4-15..4-20). */
#define MMU_PTE_P (1ull << 0)
#define MMU_PTE_RW (1ull << 1)
#define MMU_PTE_US (1ull << 2)
#define MMU_PTE_PWT (1ull << 3)
#define MMU_PTE_PCD (1ull << 4)
#define MMU_PTE_A (1ull << 5)
#define MMU_PTE_D (1ull << 6)
#define MMU_PTE_PS (1ull << 7)
#define MMU_PTE_G (1ull << 8)
#define MMU_PTE_XD (1ull << 63)
#define MMU_PTE_PKEY_SHIFT 59
#define MMU_PTE_PKEY(k) (((uint64_t)(k) & 0xf) << MMU_PTE_PKEY_SHIFT)

/* Levels as the SDM counts them: the PT is level 1, the PML5 level 5. */
enum mmu_level {
    MMU_LVL_PT = 1,
    MMU_LVL_PD = 2,
    MMU_LVL_PDPT = 3,
    MMU_LVL_PML4 = 4,
    MMU_LVL_PML5 = 5,
};

typedef struct mmu_ptb mmu_ptb_t;

/* Create a builder for 4- or 5-level tables in mem. Table frames are taken in
 * order from [pool_base, pool_base + pool_size) (4 KiB aligned); the root table
 * is the first. The builder writes through mem->read64/cmpxchg64, so it works
 * on a host simulator's memory too. Returns 0, MMU_EINVAL, MMU_ENOMEM. */
MMU_API int mmu_ptb_create(const mmu_mem_ops_t *mem, unsigned levels, uint64_t pool_base,
                           uint64_t pool_size, mmu_ptb_t **out);
MMU_API void mmu_ptb_destroy(mmu_ptb_t *b);
/* Physical address of the root table: put it in CR3. */
MMU_API uint64_t mmu_ptb_root(const mmu_ptb_t *b);
/* Flags given to non-leaf entries the builder creates from now on.
 * Default P|RW|US (A clear, XD clear): permissive, so only the leaf decides. */
MMU_API void mmu_ptb_set_table_flags(mmu_ptb_t *b, uint64_t flags);
/* Map [va, va+len) to [pa, pa+len) with pages of size ps; va, pa and len must
 * be multiples of the page size (MMU_EINVAL). leaf_flags holds everything but
 * the frame and PS (P is forced on). An existing leaf of the same size is
 * overwritten; an existing mapping of another size at a level in the way gives
 * MMU_EEXIST. MMU_ENOSPC when the frame pool runs out. */
MMU_API int mmu_ptb_map(mmu_ptb_t *b, uint64_t va, uint64_t pa, uint64_t len,
                        mmu_page_size_t ps, uint64_t leaf_flags);
/* Physical address of the entry at `level` that translates va, following the
 * tables as they are in memory now. MMU_ENOENT if a level above is not present
 * or is a leaf. Use it to poke single bits in tests. */
MMU_API int mmu_ptb_entry_addr(const mmu_ptb_t *b, uint64_t va, unsigned level, uint64_t *pa);
/* Table frames handed out so far (the root included). */
MMU_API uint64_t mmu_ptb_tables(const mmu_ptb_t *b);

#ifdef __cplusplus
}
#endif

#endif /* MMU_MMU_MEM_H */
