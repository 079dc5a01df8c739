/* SPDX-License-Identifier: Apache-2.0 */
/* Swap space: areas with sizes and priorities, slot allocation in clusters,
 * slot reference counts, the swap cache, and the swap entry a non-present PTE
 * holds (Linux mm/swapfile.c and mm/swap_state.c, simplified).
 *
 * - Areas are used highest priority first; areas of equal priority take turns
 *   slot by slot (round robin), as Linux rotates its plist of available areas.
 *   An area given no priority gets -2, -3, ... in the order given (swapon's
 *   least_priority counting).
 * - Slot 0 of every area is the swap header and is never handed out.
 * - Slots are handed out in clusters of MMU_SWAP_CLUSTER: an area fills its
 *   current cluster in order, then takes the next wholly free cluster, and only
 *   when none is left a partly used one (Linux's per-CPU cluster, with one CPU).
 * - A slot is in use while a PTE refers to it (count) or a page holds it in
 *   the swap cache (Linux's SWAP_HAS_CACHE); it is freed when both are gone.
 * - Each slot keeps the contents token written to it and the reclaim age at
 *   which its page was evicted (the workingset shadow of mm/workingset.c).
 *
 * The swap entry (mmu_swp_t) is area << 40 | slot; 0 is no entry (it would be
 * area 0's header slot). In a PTE (P = 0, so the SDM leaves bits 63:1 to
 * software, SDM 4.5 tables 4-15..4-20 "Ignored"): bit 9 = 1 marks a swap entry,
 * bits 14:10 the area (0..31), bits 50:15 the slot (36 bits); bits 63:51 and
 * 8:1 are 0. A PROT_NONE page keeps its frame with P = 0 and bit 9 = 0. */
#ifndef MMU_WORKLOADS_OS_SWAP_H
#define MMU_WORKLOADS_OS_SWAP_H

#include <stddef.h>
#include <stdint.h>

#include "blkdev.h"
#include "mmu/mmu.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MMU_SWAP_MAX_AREAS 32
#define MMU_SWAP_CLUSTER 256 /* SWAPFILE_CLUSTER */
#define MMU_SWAP_NOPAGE UINT32_MAX

typedef uint64_t mmu_swp_t;
#define MMU_SWP_NONE 0ull
#define MMU_SWP_AREA(e) ((unsigned)((e) >> 40))
#define MMU_SWP_SLOT(e) ((e) & ((1ull << 40) - 1))
#define MMU_SWP_MAKE(area, slot) (((uint64_t)(area) << 40) | (slot))

#define MMU_PTE_SWP (1ull << 9)
/* The PTE that holds entry e / whether a PTE holds one / the entry it holds. */
static inline uint64_t mmu_swp_to_pte(mmu_swp_t e)
{
    return MMU_PTE_SWP | ((uint64_t)MMU_SWP_AREA(e) << 10) | (MMU_SWP_SLOT(e) << 15);
}
static inline int mmu_pte_is_swp(uint64_t pte)
{
    return !(pte & 1) && (pte & MMU_PTE_SWP);
}
static inline mmu_swp_t mmu_pte_to_swp(uint64_t pte)
{
    return MMU_SWP_MAKE((pte >> 10) & 31, (pte >> 15) & ((1ull << 36) - 1));
}

typedef struct mmu_swap_area_cfg {
    uint64_t bytes;    /* multiple of 4096, at least 2 pages (header + one slot) */
    int prio;          /* higher first */
    unsigned prio_set; /* 0: assigned in order (-2, -3, ...) */
} mmu_swap_area_cfg_t;

typedef struct mmu_swap mmu_swap_t;

/* Areas as configured, each on its own device of configuration dev at
 * freq_mhz. Returns 0, MMU_EINVAL (msg says which area and why) or MMU_ENOMEM.
 * Storage: 25 bytes per slot, allocated here. */
int mmu_swap_create(const mmu_swap_area_cfg_t *areas, unsigned n, const mmu_blkdev_cfg_t *dev,
                    unsigned freq_mhz, mmu_swap_t **out, char *msg, size_t msglen);
void mmu_swap_destroy(mmu_swap_t *s);

/* A free slot by priority and cluster rules, in use with the swap-cache
 * reference set (the page being swapped out holds it) and page `page` in the
 * cache. Returns 0 or MMU_ENOSPC (every area full). */
int mmu_swap_alloc(mmu_swap_t *s, uint32_t page, mmu_swp_t *e);
/* A PTE now refers to e / no longer does (frees the slot if nothing else does). */
void mmu_swap_dup(mmu_swap_t *s, mmu_swp_t e);
void mmu_swap_put(mmu_swap_t *s, mmu_swp_t e);
/* The swap cache: the page holding e (MMU_SWAP_NOPAGE if none); put a page
 * there (e must be in use); drop it (frees the slot if no PTE refers to it). */
uint32_t mmu_swap_cache_page(const mmu_swap_t *s, mmu_swp_t e);
void mmu_swap_cache_add(mmu_swap_t *s, mmu_swp_t e, uint32_t page);
void mmu_swap_cache_del(mmu_swap_t *s, mmu_swp_t e);
/* PTE references to e, and whether e is in use at all. */
unsigned mmu_swap_count(const mmu_swap_t *s, mmu_swp_t e);
int mmu_swap_in_use(const mmu_swap_t *s, mmu_swp_t e);
/* Contents written to the slot; eviction age of the page that was there. */
uint64_t mmu_swap_token(const mmu_swap_t *s, mmu_swp_t e);
void mmu_swap_set_token(mmu_swap_t *s, mmu_swp_t e, uint64_t token);
uint64_t mmu_swap_shadow(const mmu_swap_t *s, mmu_swp_t e);
void mmu_swap_set_shadow(mmu_swap_t *s, mmu_swp_t e, uint64_t age);
/* A stamp kept for the OS (the series window the page was last touched in,
 * so a page that leaves and comes back counts once in a working set). */
uint32_t mmu_swap_stamp(const mmu_swap_t *s, mmu_swp_t e);
void mmu_swap_set_stamp(mmu_swap_t *s, mmu_swp_t e, uint32_t stamp);
/* The device of e's area. */
mmu_blkdev_t *mmu_swap_dev(mmu_swap_t *s, mmu_swp_t e);
/* Readahead: the entries of the aligned window of `window` slots (a power of
 * two) around e that are in use, referenced by a PTE and not in the swap
 * cache, e itself excluded, in slot order; at most `max` written to out.
 * Returns how many. */
unsigned mmu_swap_window(const mmu_swap_t *s, mmu_swp_t e, unsigned window, mmu_swp_t *out,
                         unsigned max);

/* Slots that can be handed out / are in use, all areas. */
uint64_t mmu_swap_total(const mmu_swap_t *s);
uint64_t mmu_swap_used(const mmu_swap_t *s);
/* Per area, for reports. */
typedef struct mmu_swap_area_info {
    uint64_t slots, used;      /* usable slots (the header excluded), in use */
    uint64_t clusters_taken;   /* wholly free clusters taken as current */
    uint64_t scattered;        /* slots taken from partly used clusters */
    int prio;
    const mmu_blkdev_t *dev;
} mmu_swap_area_info_t;
unsigned mmu_swap_areas(const mmu_swap_t *s);
void mmu_swap_get_area(const mmu_swap_t *s, unsigned area, mmu_swap_area_info_t *out);

#ifdef __cplusplus
}
#endif

#endif /* MMU_WORKLOADS_OS_SWAP_H */
