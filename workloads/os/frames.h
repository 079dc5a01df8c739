/* SPDX-License-Identifier: Apache-2.0 */
/* Physical frames: the OS's page allocator. Two allocators share this file:
 *  - mmu_frames_t, for runs without a memory limit: frames over a large region
 *    handed out in a fixed order (bump or seeded shuffle) and never freed;
 *  - mmu_physmem_t, for a memory of a given size (`--mem`): frames are
 *    allocated, freed and reused, and 2 MiB / 1 GiB blocks are whole free
 *    aligned chunks, as the buddy allocator gives them (Linux mm/page_alloc.c,
 *    simplified to three orders: 4K, 2M, 1G).
 * Not modelled hardware; no globals; allocation only at create time. */
#ifndef MMU_WORKLOADS_OS_FRAMES_H
#define MMU_WORKLOADS_OS_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#include "mmu/mmu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- frames of an unlimited region (never freed) --------------------------- */

typedef enum mmu_frames_mode {
    /* Bump allocation: 4K frames upwards from the base, large pages downwards
     * from the limit, naturally aligned. Large requests fail only when the two
     * meet. */
    MMU_FRAMES_CONTIGUOUS = 0,
    /* A long-running machine: at creation frag_pct percent of the 2 MiB chunks
     * get one frame pinned by "someone else" (seeded), and 4K frames are handed
     * out in a seeded shuffled order over the whole region. A 2M (1G) request
     * needs a wholly free aligned 2 MiB (1 GiB) chunk; when none is left it
     * fails with MMU_ENOSPC and the caller falls back to smaller pages. */
    MMU_FRAMES_FRAGMENTED = 1,
} mmu_frames_mode_t;

typedef struct mmu_frames mmu_frames_t;

/* Create an allocator for the frames of [base, limit) (both 4 KiB aligned,
 * base < limit). seed and frag_pct (0..100) matter for FRAGMENTED only.
 * Returns 0, MMU_EINVAL (msg says which argument) or MMU_ENOMEM. The
 * FRAGMENTED mode keeps a bitmap of the region (1 bit per 4 KiB frame). */
int mmu_frames_create(mmu_frames_mode_t mode, uint64_t base, uint64_t limit, uint64_t seed,
                      unsigned frag_pct, mmu_frames_t **out, char *msg, size_t msglen);
/* Free it. Accepts NULL. */
void mmu_frames_destroy(mmu_frames_t *f);
/* One naturally aligned frame of size ps: *pa its physical address.
 * Returns 0, or MMU_ENOSPC when no such frame is free (for 2M/1G: no free
 * aligned run; the caller may fall back to smaller pages). Frames are never
 * given back: an unmapped page's frame is not reused, so a stale translation
 * can never alias a live one. */
int mmu_frames_alloc(mmu_frames_t *f, mmu_page_size_t ps, uint64_t *pa);
/* 4 KiB frames handed out so far (a 2M page counts 512). */
uint64_t mmu_frames_used(const mmu_frames_t *f);
/* 4 KiB frames in the region. */
uint64_t mmu_frames_total(const mmu_frames_t *f);

/* ---- a memory of a given size (allocated, freed, reused) ------------------- */

#define MMU_PHYSMEM_NONE UINT32_MAX

typedef struct mmu_physmem mmu_physmem_t;

/* Create a memory of `bytes` (a multiple of 4 KiB, at most 2^32 - 2 frames)
 * at physical address `base` (1 GiB aligned, so that 2M and 1G blocks are
 * aligned in physical memory too). Frames are numbered 0..n-1 from base.
 * frag_pct > 0 pins one seeded frame in that percentage of the 2 MiB chunks
 * (someone else's memory: never handed out), so large blocks are scarce.
 * Returns 0, MMU_EINVAL (msg says which argument) or MMU_ENOMEM. */
int mmu_physmem_create(uint64_t base, uint64_t bytes, unsigned frag_pct, uint64_t seed,
                       mmu_physmem_t **out, char *msg, size_t msglen);
void mmu_physmem_destroy(mmu_physmem_t *m);
/* One free block of size ps (4K from a partly used chunk first, so that whole
 * chunks stay free for large blocks; 2M and 1G from the highest free aligned
 * chunk): *frame is its first frame number. Returns 0 or MMU_ENOSPC. */
int mmu_physmem_alloc(mmu_physmem_t *m, mmu_page_size_t ps, uint32_t *frame);
/* Give back the block of size ps that starts at `frame` (as allocated). */
void mmu_physmem_free(mmu_physmem_t *m, mmu_page_size_t ps, uint32_t frame);
/* Free 4 KiB frames now / frames in the memory / frames pinned at creation. */
uint64_t mmu_physmem_free_frames(const mmu_physmem_t *m);
uint64_t mmu_physmem_frames(const mmu_physmem_t *m);
uint64_t mmu_physmem_pinned(const mmu_physmem_t *m);
/* Physical address of a frame, and the frame of a physical address
 * (MMU_PHYSMEM_NONE outside the memory). */
uint64_t mmu_physmem_pa(const mmu_physmem_t *m, uint32_t frame);
uint32_t mmu_physmem_frame(const mmu_physmem_t *m, uint64_t pa);
/* 1 when the frame is free (allocator view; for checks and tests). */
int mmu_physmem_is_free(const mmu_physmem_t *m, uint32_t frame);

#ifdef __cplusplus
}
#endif

#endif /* MMU_WORKLOADS_OS_FRAMES_H */
