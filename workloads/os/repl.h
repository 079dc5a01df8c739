/* SPDX-License-Identifier: Apache-2.0 */
/* Page replacement policies behind one small interface (as libCacheSim's
 * cache_t or Linux's folio_add_lru / lru_gen split): a policy keeps its own
 * order of the resident pages and, asked by reclaim, picks the next victim.
 * A new policy is one file (repl_<name>.c) filling an mmu_repl_ops_t and one
 * entry in the table of repl.c; every policy runs through the same
 * conformance tests (testbench/unit/test_repl.cc).
 *
 * Pages are numbered 0..npages-1 (the frame number of a 4K page, or of the
 * first frame of a 2M page). A policy sees references only the way an OS
 * does: through the accessed (A) bits of the page tables the MMU walks, read
 * and cleared with the scan context's young() call, which goes through the
 * memory the MMU sees (and invalidates the TLB entry when the OS is set to
 * flush on clearing A). Two reference policies see more: exact LRU is told of
 * every access (touch), and OPT knows the future (an offline pass over the
 * trace). Neither is something an OS can do; they bound the others. */
#ifndef MMU_WORKLOADS_OS_REPL_H
#define MMU_WORKLOADS_OS_REPL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MMU_REPL_NONE UINT32_MAX

/* OPT's knowledge of the future: for access i (every ACCESS record, counted
 * from 0), the index of the next access to the same page, or MMU_REPL_NEVER.
 * Built in one pass over the trace's page keys (mmu_repl_future_add), linear
 * in its length: a hash table of each page's last access. */
#define MMU_REPL_NEVER UINT32_MAX
typedef struct mmu_repl_future mmu_repl_future_t;
int mmu_repl_future_create(mmu_repl_future_t **out);
void mmu_repl_future_destroy(mmu_repl_future_t *f);
/* Append access number mmu_repl_future_len() to page `key` (a process's 4 KiB
 * virtual page number). Returns 0, MMU_ENOMEM, or MMU_ERANGE after 2^32 - 2
 * accesses. */
int mmu_repl_future_add(mmu_repl_future_t *f, uint64_t key);
uint64_t mmu_repl_future_len(const mmu_repl_future_t *f);
/* Next use after access i (MMU_REPL_NEVER past the end). */
uint32_t mmu_repl_future_next(const mmu_repl_future_t *f, uint64_t i);
/* Distinct pages seen. */
uint64_t mmu_repl_future_pages(const mmu_repl_future_t *f);

typedef struct mmu_repl_env {
    uint32_t npages;       /* page numbers are below this */
    unsigned swappiness;   /* 0..200: anon vs file scanning (twolist, mglru) */
    uint64_t tick;         /* accesses between tick() calls, for policies that have one */
    uint64_t ws_tau;       /* working set window in accesses (ws) */
    unsigned lfu_decay;    /* ticks between halvings of the counts (lfu) */
    const mmu_repl_future_t *future; /* opt; NULL for the others */
} mmu_repl_env_t;

/* Flags of insert(). */
#define MMU_REPL_FILE 0x1u   /* file-backed; otherwise anonymous (swap-backed) */
#define MMU_REPL_EXEC 0x2u   /* mapped executable */
#define MMU_REPL_ACTIVE 0x4u /* a refault of a recently evicted page (workingset): start hot */
#define MMU_REPL_COLD 0x8u   /* not referenced yet (read ahead) */
#define MMU_REPL_SPLIT 0x10u /* a 4K piece of a 2M page split by reclaim: examine it next */
#define MMU_REPL_ROTATE 0x20u /* picked, but reclaim could not free it (e.g. no swap space) */

/* What reclaim lets a policy see while it picks victims or ages pages. */
typedef struct mmu_repl_scan {
    void *ctx;
    /* A bits of the page's PTEs, read through the page tables; with clear,
     * also cleared. Returns how many of its PTEs had A = 1. */
    unsigned (*young)(void *ctx, uint32_t page, int clear);
    unsigned anon_ok;      /* anonymous pages can be reclaimed (swap space left) */
    unsigned file_tiny;    /* file pages are nearly gone: take anonymous ones */
    uint64_t now;          /* accesses so far */
    uint64_t scanned;      /* + 1 per page a victim search looked at */
    uint64_t aged;         /* + 1 per page an aging pass (tick, new generation) looked at */
    uint64_t activated;    /* pages promoted (to the active list / youngest generation) */
    uint64_t deactivated;  /* pages demoted to the inactive list */
} mmu_repl_scan_t;

typedef struct mmu_repl_ops {
    const char *name;      /* what --reclaim takes */
    const char *summary;   /* one line */
    unsigned flags;        /* MMU_REPL_NEEDS_* */
    int (*create)(const mmu_repl_env_t *env, void **state);
    void (*destroy)(void *state);
    /* A page became resident and reclaimable. */
    void (*insert)(void *state, uint32_t page, unsigned flags);
    /* A page left other than as a victim (unmapped, process exit, COW). */
    void (*remove)(void *state, uint32_t page);
    /* Every access to a resident page, with its access index; NULL for the
     * policies that see only A bits. */
    void (*touch)(void *state, uint32_t page, uint64_t access);
    /* Pick a victim and forget it: 0 with *page set, or MMU_ENOENT when no
     * page can be picked. */
    int (*evict)(void *state, mmu_repl_scan_t *sc, uint32_t *page);
    /* Every env.tick accesses; NULL if the policy has no periodic work. */
    void (*tick)(void *state, mmu_repl_scan_t *sc);
} mmu_repl_ops_t;

#define MMU_REPL_NEEDS_FUTURE 0x1u /* opt: env.future must be set */

/* The policies, in the order of repl.c's table; NULL past the end. */
const mmu_repl_ops_t *mmu_repl_get(unsigned i);
/* By name, or NULL. */
const mmu_repl_ops_t *mmu_repl_find(const char *name);
/* "fifo, clock, ..." into buf. */
const char *mmu_repl_names(char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* MMU_WORKLOADS_OS_REPL_H */
