/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to workloads/os/: the driver's state, shared by aspace.c (address
 * spaces, records, faults) and reclaim.c (allocation under watermarks,
 * kswapd and direct reclaim, swap-out, write-back, OOM). Not an API. */
#ifndef MMU_WORKLOADS_OS_IMPL_H
#define MMU_WORKLOADS_OS_IMPL_H

#include <stdint.h>

#include "aspace.h"
#include "blkdev.h"
#include "filemap.h"
#include "frames.h"
#include "os_util.h"
#include "pgtable.h"
#include "repl.h"
#include "swap.h"

#define NIL32 UINT32_MAX

typedef struct vma {
    uint64_t start, end; /* [start, end), 4 KiB aligned */
    uint64_t flags;      /* leaf flags of pages mapped in it */
    uint64_t file, foff; /* file id and the file offset of `start` (file VMAs) */
    uint8_t hint;        /* MAP record's page size: 2M/1G = hugetlb-like request */
    uint8_t implicit;    /* part of the whole-user-half VMA */
    uint8_t kind;        /* mmu_map_kind_t */
} vma_t;

typedef struct proc {
    uint64_t kroot, uroot; /* uroot == kroot without KPTI */
    uint64_t pool_next, pool_end; /* table frames outside the memory */
    uint16_t pcid_k, pcid_u;
    int in_kernel;
    int killed;
    uint64_t killed_at;
    vma_t *vma;            /* sorted, disjoint */
    size_t nvma, cap;
    uint64_t rss, swapents, tables;
} proc_t;

/* Per frame of the memory (Linux's struct page), memory limit only. */
enum { PG_FREE = 0, PG_TABLE, PG_ANON, PG_FILE, PG_TAIL };
#define PGF_LRU 0x01u    /* in the replacement policy */
#define PGF_LARGE 0x02u  /* first frame of a 2M page */
#define PGF_HUGE 0x04u   /* part of a 1G page (never reclaimed) */
#define PGF_WB 0x08u     /* being written; freed at the end if nothing maps it */
#define PGF_DIRTY 0x10u  /* newer than its backing copy */
#define PGF_EXEC 0x20u
#define PGF_SHARED 0x40u /* file page of a shared mapping: writes go to the file */
#define PGF_RA 0x80u     /* read ahead, not faulted on yet */

typedef struct os_page {
    uint64_t va;      /* the (first) mapper's address; 2M aligned for a 2M page */
    uint64_t ptepa;   /* the (first) mapper's leaf entry; 0 = not mapped */
    uint64_t token;   /* contents */
    mmu_swp_t slot;   /* swap slot it is cached for (anonymous) */
    uint64_t file, pgoff;
    mmu_cycle_t wb_done;
    uint32_t head;    /* PG_TAIL: the first frame of its 2M page */
    uint32_t more;    /* further mappers: index in the rmap pool, NIL32 = none */
    uint32_t deposit; /* 2M page: the page-table frame kept for its split */
    uint32_t win;     /* series window it was last touched in */
    uint16_t proc;    /* the (first) mapper's process */
    uint8_t state;
    uint8_t flags;
} os_page_t;

typedef struct os_rmap {
    uint64_t va, ptepa;
    uint32_t next;
    uint16_t proc;
} os_rmap_t;

typedef struct os_wb {
    mmu_cycle_t done;
    uint32_t page;
} os_wb_t;

enum { WHO_DIRECT = 0, WHO_KSWAPD = 1 };

struct mmu_aspace {
    mmu_aspace_cfg_t cfg;
    mmu_t *mmu;
    mmu_sparse_mem_t *mem;
    mmu_frames_t *frames;  /* no memory limit */
    proc_t *procs;
    uint64_t *foreign;     /* CR3 bases seen in CR3 records, slot = process */
    unsigned nforeign;
    unsigned cur;
    uint64_t slice;        /* accesses in the current time slice */
    mmu_cycle_t now;
    uint64_t user_top;
    uint64_t kernel_pa;
    uint64_t table_frames;
    uint64_t access_idx;   /* ACCESS records so far (OPT's clock) */
    mmu_aspace_stats_t st;
    const char *stop_reason;

    /* ---- memory limit (pm != NULL) ---- */
    mmu_physmem_t *pm;
    os_page_t *pages;
    uint32_t npages;
    uint64_t data_frames;
    uint64_t swapcache_pages; /* anonymous pages holding a swap slot */
    os_rmap_t *rmap;
    uint32_t nrmap, caprmap, rmap_free;
    mmu_swap_t *swap;
    mmu_filemap_t *fm;
    mmu_blkdev_t filedev;
    const mmu_repl_ops_t *repl;
    void *repl_state;
    mmu_repl_env_t env;
    uint64_t lru_pages;    /* pages in the policy */
    uint64_t tick_ctr;
    uint64_t wmin, wlow, whigh;
    int kswapd_awake;
    mmu_cycle_t kclock;
    os_wb_t *wb;           /* min-heap on done */
    uint32_t nwb, capwb;
    uint64_t age;          /* evictions + activations: the workingset clock */
    uint32_t win;          /* current series window */
    uint64_t wss;          /* distinct pages touched in this window */
    mmu_aspace_sample_t *series;
    size_t nseries, capseries;
    mmu_aspace_event_t events[2 * MMU_ASPACE_MAX_EVENTS];
    size_t nevents, nev_kind[2];
    mmu_pgt_t pgt;         /* mem + levels; alloc set per use */
    int killed_current;    /* set when the OOM killer ends the faulting process */
};

/* ---- aspace.c, for reclaim.c ---- */
/* Invalidate process q's translation of va (INVLPG for the running one,
 * INVPCID for another with PCIDs, nothing without: its entries went at the
 * switch). who: WHO_DIRECT (local) or WHO_KSWAPD (a shootdown). */
int os_inval(mmu_aspace_t *as, unsigned q, uint64_t va, int who);
/* End process q (the OOM killer's choice): free its pages, swap slots and
 * tables, flush its PCIDs; switch away if it runs. */
int os_kill(mmu_aspace_t *as, unsigned q);

/* ---- reclaim.c ---- */
/* Watermarks, the writeback heap, the policy; called by mmu_aspace_create. */
int os_reclaim_init(mmu_aspace_t *as, char *msg, size_t len);
void os_reclaim_fini(mmu_aspace_t *as);
/* A block of size ps for `state` (PG_ANON, PG_FILE, PG_TABLE): *id its first
 * frame. 4K blocks reclaim as needed (direct reclaim below min, waiting for
 * write-back, the OOM killer); large blocks and may_reclaim = 0 only take what
 * is free above min. Returns 0; MMU_ENOSPC (no block; for 4K: nothing left
 * to kill); OS_KILLED when the OOM killer ended the running process. */
#define OS_KILLED 100
int os_alloc(mmu_aspace_t *as, mmu_page_size_t ps, uint8_t state, int may_reclaim, uint32_t *id);
/* Free a block (its metadata reset). */
void os_free(mmu_aspace_t *as, mmu_page_size_t ps, uint32_t id);
/* Let time pass to as->now: finished writes free their pages, kswapd runs. */
void os_catch_up(mmu_aspace_t *as);
/* The policy's view. */
void os_lru_add(mmu_aspace_t *as, uint32_t id, unsigned flags);
void os_lru_del(mmu_aspace_t *as, uint32_t id);
/* Mappers (rmap): add one; remove the one of process q at va (returns 1 if found). */
int os_rmap_add(mmu_aspace_t *as, uint32_t id, unsigned q, uint64_t va, uint64_t ptepa);
int os_rmap_del(mmu_aspace_t *as, uint32_t id, unsigned q, uint64_t va);
unsigned os_mapcount(const mmu_aspace_t *as, uint32_t id);
/* Whether a refault with this shadow (eviction age) starts hot. */
int os_refault_active(mmu_aspace_t *as, uint64_t shadow);
/* The page of a frame (a 2M page's first frame for its tails). */
static inline uint32_t os_page_of(const mmu_aspace_t *as, uint32_t frame)
{
    return as->pages[frame].state == PG_TAIL ? as->pages[frame].head : frame;
}
/* A page whose write finished or that nothing maps any more: give the frame
 * back if nothing holds it. */
void os_page_maybe_free(mmu_aspace_t *as, uint32_t id);

static inline mmu_cycle_t os_cycles(const mmu_aspace_t *as, uint64_t ns)
{
    return mmu_ns_to_cycles(ns, as->cfg.freq_mhz);
}

#endif /* MMU_WORKLOADS_OS_IMPL_H */
