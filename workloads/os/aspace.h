/* SPDX-License-Identifier: Apache-2.0 */
/* Address spaces: the operating-system side of a trace run. It turns a stream
 * of trace records (workloads/trace.h) into page tables and control-register
 * traffic for the MMU: demand paging with a page-size policy, one address
 * space per process with PCIDs, KPTI, and, given a memory size, the OS under
 * memory pressure: frames freed and reused, watermarks with kswapd and direct
 * reclaim, a replacement policy (repl.h) reading A bits through the page
 * tables, swap (swap.h), file pages (filemap.h), THP splitting and the OOM
 * killer (reclaim.c).
 *
 * This is not modelled hardware: it stands in for the kernel (Linux's
 * mm/memory.c fault path, THP, tlb_flush_mm_range, switch_mm, the KPTI entry
 * code, mm/vmscan.c), simplified to what changes what the TLB sees and what
 * memory pressure costs. The rules it picks where an OS has a choice are in
 * workloads/os/README.md. No globals; allocation only at create time and when
 * a page, a table, an address range or a report entry is created, never per
 * access. */
#ifndef MMU_WORKLOADS_ASPACE_H
#define MMU_WORKLOADS_ASPACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mmu/mmu.h"
#include "mmu/mmu_mem.h"
#include "mmu/mmu_stats.h"
#include "frames.h"
#include "repl.h"
#include "swap.h"
#include "trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the driver ---------------------------------------------------------------- */

/* Page size chosen when a page is first touched (demand paging). */
typedef enum mmu_policy {
    MMU_POLICY_4K = 0,    /* 4K only */
    MMU_POLICY_THP = 1,   /* 2M when the aligned 2 MiB region lies wholly in one kind of VMA */
    MMU_POLICY_1G = 2,    /* 1G when the aligned 1 GiB region does (hugetlbfs), else as THP */
    MMU_POLICY_MIXED = 3, /* seeded per region: 1G with mixed_1g_pct, else 2M with mixed_2m_pct */
} mmu_policy_t;

typedef struct mmu_aspace_cfg {
    unsigned policy;         /* mmu_policy_t */
    unsigned nproc;          /* processes, 1..2047 */
    uint64_t switch_every;   /* ACCESS records per time slice; 0 = never switch */
    unsigned pcid;           /* 1: CR4.PCIDE = 1, a PCID per process, no-flush switches */
    unsigned kpti;           /* 1: separate user and kernel page tables per process */
    unsigned levels;         /* 4 or 5 (CR4.LA57) */
    unsigned implicit_vma;   /* 1: the whole user half is mappable (anonymous) until
                                the process's first MAP record; 2: and stays so
                                between MAP records (records outside any MAP are
                                anonymous); 0: only MAP ranges (see README) */
    unsigned frames_mode;    /* mmu_frames_mode_t */
    unsigned frag_pct;       /* FRAGMENTED: percent of 2 MiB chunks pre-fragmented */
    uint64_t seed;           /* allocator shuffle and MIXED choices */
    unsigned mixed_1g_pct;   /* MIXED: percent of aligned 1 GiB regions given a 1G page */
    unsigned mixed_2m_pct;   /* MIXED: percent of the remaining 2 MiB regions given 2M */
    uint64_t phys_base;      /* physical region used for everything: [base, limit) */
    uint64_t phys_limit;     /* must lie below 2^MAXPHYADDR of the memory */
    uint64_t pt_pool;        /* bytes of page-table frames per process, carved
                                from the bottom of the region */
    uint64_t flush_ceiling;  /* MAP/UNMAP/PROTECT of more 4 KiB pages than this
                                flush the whole context instead of INVLPG per page
                                (Linux's tlb_single_page_flush_ceiling, 33) */
    uint64_t kernel_va;      /* the kernel mapping: one 2 MiB page, supervisor, RW */
    unsigned kernel_global;  /* 1: that page has G = 1 (CR4.PGE is always set) */
    uint64_t default_flags;  /* leaf flags of a demand-paged page outside any MAP record */

    /* ---- memory pressure: everything below is unused while mem_bytes is 0 ---- */
    uint64_t mem_bytes;      /* physical memory for the processes (a multiple of 4 KiB):
                                their pages and, with tables_in_mem, their page
                                tables. 0: the region above, never freed. */
    unsigned tables_in_mem;  /* 1: page tables come from mem_bytes; 0: from per-process
                                pools outside it, so mem_bytes is exactly the data
                                frames (textbook demand paging) */
    unsigned wmark_mode;     /* mmu_wmark_mode_t */
    uint64_t wmark_min, wmark_low, wmark_high; /* pages, for MMU_WMARK_SET */
    unsigned kswapd;         /* 1: background reclaim from below low up to high */
    unsigned reclaim_batch;  /* pages one direct or kswapd reclaim round frees (32) */
    unsigned repl;           /* replacement policy: index in repl.c's table (mmu_repl_get) */
    unsigned swappiness;     /* 0..200 (60) */
    unsigned nswap;          /* swap areas (0: no swap) */
    mmu_swap_area_cfg_t swap[MMU_SWAP_MAX_AREAS];
    unsigned swap_dev;       /* mmu_blkdev_kind_t of every swap area (nvme) */
    unsigned file_dev;       /* mmu_blkdev_kind_t behind file pages (nvme) */
    unsigned readahead;      /* swap readahead window in pages: 1 = off, else a power
                                of two up to 256 (8: Linux's page-cluster 3) */
    unsigned flush_young;    /* 1: clearing an A bit also invalidates the TLB entry
                                (0, as x86 Linux's ptep_clear_flush_young) */
    unsigned segv_stop;      /* 1: an invalid access (SIGSEGV) stops the run */
    unsigned files_cached;   /* 1: a file page's first touch finds it cached (minor) */
    unsigned thp_reclaim;    /* 1: 2M pages are reclaimable (split first); 0: pinned */
    unsigned maps_anon;      /* 1: MAP records' file kinds are ignored: all memory is
                                anonymous (one frame per virtual page, as textbook
                                demand paging; vm-study) */
    uint64_t series_every;   /* accesses between samples of the series; 0 = none */
    unsigned freq_mhz;       /* core clock that turns the ns costs into cycles (4000) */
    uint64_t fault_ns;       /* fault entry, handling and return (minor and major) */
    uint64_t zero_ns;        /* clearing a new anonymous 4 KiB page */
    uint64_t copy_ns;        /* copying a 4 KiB page (copy on write) */
    uint64_t scan_ns;        /* reclaim looking at one page (rmap walk, A bit) */
    uint64_t unmap_ns;       /* reclaim unmapping one PTE (with its invalidation) */
    uint64_t split_ns;       /* splitting one 2M page into 512 */
    uint64_t tick;           /* accesses between policy ticks (lfu) */
    uint64_t ws_tau;         /* ws: window in accesses */
    unsigned lfu_decay;      /* lfu: ticks between halvings */
    const mmu_repl_future_t *future; /* opt: the offline pass over this trace */
} mmu_aspace_cfg_t;

typedef enum mmu_wmark_mode {
    MMU_WMARK_AUTO = 0, /* from the memory size, as Linux derives them from min_free_kbytes */
    MMU_WMARK_NONE = 1, /* 0 / 0 / 0: reclaim only when no frame is free */
    MMU_WMARK_SET = 2,  /* wmark_min / low / high */
} mmu_wmark_mode_t;

/* Defaults: THP, 1 process, no switching, PCIDs on, KPTI off, 4-level,
 * implicit VMA (mode 1), CONTIGUOUS frames, frag_pct 90, seed 1, mixed
 * 10%/50%, region [1 GiB, 64 GiB), 16 MiB of tables per process, ceiling 33,
 * kernel page 0xffffffff80000000 global, default flags P|RW|US; no memory
 * limit; for when one is set: tables in it, auto watermarks, kswapd on, batch
 * 32, the twolist policy, swappiness 60, no swap, NVMe devices, readahead 8,
 * no flush on clearing A, SIGSEGV goes on, files cached, 2M pages
 * reclaimable, no series, 4000 MHz, costs fault 700 ns, zero 300, copy 400,
 * scan 100, unmap 250, split 5000 ns, tick 4096, ws_tau 100000, lfu_decay 8. */
void mmu_aspace_cfg_init(mmu_aspace_cfg_t *cfg);
/* The watermarks (pages) mem_bytes and wmark_mode give. */
void mmu_aspace_watermarks(const mmu_aspace_cfg_t *cfg, uint64_t *min, uint64_t *low,
                           uint64_t *high);

/* Counters of the OS side; the MMU's own are in mmu_stats_t. */
/* Counters of the OS side (the MMU's own are in mmu_stats_t): each counts
 * events, so a warm-up is subtracted (mmu_aspace_stats_diff). */
#define MMU_ASPACE_COUNTERS_MAP(XX)                                              \
    XX(accesses)          /* ACCESS records */                                   \
    XX(switches)          /* process switches (time slice or CR3 record) */      \
    XX(syscalls)          /* SYSCALL_ENTER records */                            \
    XX(cr3_writes)        /* MOV to CR3 the driver issued (switches, KPTI) */    \
    XX(demand_faults)     /* first touches fixed by mapping a new page */        \
    XX(demand_faults_4k)                                                         \
    XX(demand_faults_2m)                                                         \
    XX(demand_faults_1g)                                                         \
    XX(faults_returned)   /* faults left to the caller (SIGSEGV, #GP) */         \
    XX(pages_4k)          /* pages mapped, by size (demand and splits) */        \
    XX(pages_2m)                                                                 \
    XX(pages_1g)                                                                 \
    XX(fallbacks_2m)      /* 2M wanted, no free aligned frame run: 4K used */    \
    XX(fallbacks_1g)      /* 1G wanted, no free aligned frame run: smaller */    \
    XX(splits)            /* large pages split by a partial UNMAP/PROTECT */     \
    XX(pages_unmapped)                                                           \
    XX(pages_protected)                                                          \
    XX(os_invlpg)         /* INVLPG issued by MAP/UNMAP/PROTECT */               \
    XX(os_invpcid)        /* INVPCID issued by MAP/UNMAP/PROTECT */              \
    XX(os_full_flushes)   /* context flushes above the ceiling */                \
    XX(minor_faults)      /* fixed without I/O: = first_touches + swapcache_hits \
                             + cow_faults */                                     \
    XX(major_faults)      /* fixed with a read: = swap_ins + file_reads */       \
    XX(invalid_faults)    /* SIGSEGV: no mapping, or a protection fault */       \
    XX(first_touches)     /* minor: a new anonymous page, or a cached file page */ \
    XX(swapcache_hits)    /* minor: a page still in the swap cache */            \
    XX(cow_faults)        /* minor: a write to a private file page, copied */    \
    XX(file_reads)        /* major: a file page read (copied too if written) */  \
    XX(swap_ins)          /* major: a page read from swap */                     \
    XX(swap_outs)         /* pages written to swap */                            \
    XX(readahead_pages)   /* pages read ahead into the swap cache */             \
    XX(readahead_hits)    /* of those, faulted on later (minor) */               \
    XX(clean_drops)       /* anonymous pages dropped: their slot held them */    \
    XX(file_drops)        /* clean file pages dropped */                         \
    XX(writebacks)        /* dirty file pages written back */                    \
    XX(refaults)          /* faults on pages evicted earlier */                  \
    XX(refaults_active)   /* of those, evicted recently: started hot */          \
    XX(kswapd_wakeups)                                                           \
    XX(kswapd_scanned)    /* pages kswapd's victim search looked at */           \
    XX(kswapd_reclaimed)                                                         \
    XX(direct_reclaims)   /* allocations that reclaimed in the fault */          \
    XX(direct_scanned)                                                           \
    XX(direct_reclaimed)                                                         \
    XX(aging_checks)      /* A bits read by aging (ticks, new generations) */    \
    XX(activations)       /* pages promoted by the policy */                     \
    XX(deactivations)     /* pages demoted by the policy */                      \
    XX(thp_splits)        /* 2M pages split into 512 by reclaim */               \
    XX(reclaim_invlpg)    /* invalidations by reclaim on the stream's CPU */     \
    XX(shootdowns)        /* invalidations kswapd sent to the stream's CPU */    \
    XX(young_flushes)     /* invalidations after clearing A (flush_young) */     \
    XX(oom_kills)                                                                \
    XX(writeback_waits)   /* allocations that waited for a write to end */       \
    XX(fault_cycles)      /* cycles in fault handlers (I/O waits excluded) */    \
    XX(io_wait_cycles)    /* cycles the stream waited for reads */               \
    XX(reclaim_cycles)    /* cycles the stream spent in direct reclaim */        \
    XX(kswapd_cycles)     /* kswapd's busy cycles (another core: not charged) */ \
    XX(accesses_skipped)  /* ACCESS records of processes the OOM killer ended */

/* Gauges: the state at the moment the stats are taken (never subtracted). */
#define MMU_ASPACE_GAUGES_MAP(XX)                                                \
    XX(frames_used)       /* 4 KiB data frames in use */                         \
    XX(table_frames)      /* page-table frames, all processes */                 \
    XX(resident_pages)    /* 4 KiB pages mapped by processes (their RSS) */      \
    XX(free_frames)       /* free frames of the memory (0 without a limit) */    \
    XX(swap_used)         /* swap slots in use */                                \
    XX(page_cache_pages)  /* file pages in memory */                             \
    XX(swap_cache_pages)  /* anonymous pages in memory that hold a slot */

#define MMU_ASPACE_STATS_MAP(XX) MMU_ASPACE_COUNTERS_MAP(XX) MMU_ASPACE_GAUGES_MAP(XX)

typedef struct mmu_aspace_stats {
#define MMU__ASPACE_FIELD(name) uint64_t name;
    MMU_ASPACE_STATS_MAP(MMU__ASPACE_FIELD)
#undef MMU__ASPACE_FIELD
} mmu_aspace_stats_t;

typedef struct mmu_aspace mmu_aspace_t;

/* Create the driver: frame allocator, one address space per process (with the
 * kernel page in each), and load the control registers of process 0 in user
 * mode with mmu_set_ctrl (CR0/EFER/PKRU are kept from the MMU; CR4 gets PGE,
 * PCIDE and LA57 as configured). mmu and mem are borrowed: mem must be the
 * memory behind mmu's mmu_mem_ops_t and both must outlive the driver.
 * Returns 0, or MMU_EINVAL / MMU_ENOMEM / MMU_ENOSPC with msg filled. */
int mmu_aspace_create(mmu_t *mmu, mmu_sparse_mem_t *mem, const mmu_aspace_cfg_t *cfg,
                      mmu_aspace_t **out, char *msg, size_t msglen);
/* Free it (not the MMU or the memory). Accepts NULL. */
void mmu_aspace_destroy(mmu_aspace_t *as);

/* Apply one record. ACCESS: translate at the driver's cycle; a not-present
 * #PF inside a mapping is answered (first touch, swap-in, file read, copy on
 * write: minor or major), its cost charged to the cycle, and the access
 * retried; *res (may be NULL) is the final translation, the fault included,
 * and the cycle advances to its done_at. Other kinds leave *res with
 * fault.kind NONE and served NONE.
 * Returns 0 (a guest fault is not an error); MMU_ASPACE_SKIPPED for an ACCESS
 * of a process the OOM killer ended (not translated); MMU_ASPACE_STOP when
 * the run cannot go on (every process ended, or a SIGSEGV with segv_stop;
 * mmu_aspace_stop_reason says which); or a negative MMU_E* code with msg
 * filled: out of frames or table pool without a memory limit (MMU_ENOSPC), a
 * CR3/INVPCID value the architecture refuses (MMU_EINVAL), a memory error. */
#define MMU_ASPACE_STOP 1
#define MMU_ASPACE_SKIPPED 2
int mmu_aspace_feed(mmu_aspace_t *as, const mmu_trec_t *rec, mmu_result_t *res, char *msg,
                    size_t msglen);
const char *mmu_aspace_stop_reason(const mmu_aspace_t *as);

/* One ACCESS record as mmu_aspace_access_run takes it. */
typedef struct mmu_aspace_acc {
    uint64_t la;
    uint8_t type; /* mmu_access_t */
    uint8_t cpl;
} mmu_aspace_acc_t;

/* What mmu_aspace_access_run reports of an access's result: each field
 * equals the one of the same name in the mmu_result_t mmu_aspace_feed
 * leaves (fault: its fault.kind). */
typedef struct mmu_aspace_res {
    mmu_cycle_t done_at;
    uint32_t lat_data;
    uint32_t lat_walk;
    uint8_t served; /* mmu_served_t */
    uint8_t fault;  /* mmu_fault_kind_t */
} mmu_aspace_res_t;

/* Feed acc[0..n) as ACCESS records, each exactly as mmu_aspace_feed would,
 * for a caller that drives many records (mmusim sweep's lanes). Stops before
 * an access whose issue time would be at or past clock_max (*rc = 0, that
 * access not fed), or after the first access mmu_aspace_feed would return
 * non-zero for (*rc = that code, msg filled as feed fills it). Returns the
 * number of accesses fed; for each, issue[i] is the cycle it was issued at
 * and res[i] its result as feed leaves it (a skipped access's included), in
 * the fields mmu_aspace_res_t holds. Without process switches, the series or
 * a memory limit, the accesses go through mmu_translate_run (model/). */
size_t mmu_aspace_access_run(mmu_aspace_t *as, const mmu_aspace_acc_t *acc, size_t n,
                             mmu_cycle_t clock_max, mmu_cycle_t *issue, mmu_aspace_res_t *res,
                             int *rc, char *msg, size_t msglen);

/* The driver's cycle (issue time of the next access). */
mmu_cycle_t mmu_aspace_now(const mmu_aspace_t *as);
/* Index of the running process and whether it is in a syscall. */
unsigned mmu_aspace_current(const mmu_aspace_t *as);
int mmu_aspace_in_kernel(const mmu_aspace_t *as);
/* CR3 value (root | PCID, no-flush bit clear) of process p's user or kernel
 * view; the same value twice without KPTI. 0 for p out of range. */
uint64_t mmu_aspace_cr3(const mmu_aspace_t *as, unsigned p, int kernel);
/* Copy the counters and gauges. */
void mmu_aspace_get_stats(const mmu_aspace_t *as, mmu_aspace_stats_t *out);
/* *out = counters of *after minus those of *before; gauges of *after. */
void mmu_aspace_stats_diff(mmu_aspace_stats_t *out, const mmu_aspace_stats_t *after,
                           const mmu_aspace_stats_t *before);

/* ---- memory pressure: state and reports ------------------------------------ */

/* The watermarks in force (pages; 0 / 0 / 0 without a memory limit) and the
 * memory's size in frames. */
void mmu_aspace_wmarks(const mmu_aspace_t *as, uint64_t *min, uint64_t *low, uint64_t *high,
                       uint64_t *frames);
/* The swap areas (NULL without swap). */
const mmu_swap_t *mmu_aspace_swap(const mmu_aspace_t *as);
/* The file device's counters. */
const mmu_blkdev_t *mmu_aspace_file_dev(const mmu_aspace_t *as);

/* Process p exits (as exit(2) would; the OOM killer does the same): its
 * pages, swap slots and (with a memory limit) page tables are freed and its
 * PCIDs flushed; its later records are skipped. Returns 0, MMU_EINVAL for p
 * out of range or already ended, or a memory error. */
int mmu_aspace_exit(mmu_aspace_t *as, unsigned p, char *msg, size_t msglen);

/* Per process: resident 4 KiB pages, swap entries in its page tables, its
 * page-table frames, and whether (and at which access) the OOM killer ended it. */
typedef struct mmu_aspace_proc_info {
    uint64_t rss, swap, tables;
    int killed;
    uint64_t killed_at;
} mmu_aspace_proc_info_t;
int mmu_aspace_get_proc(const mmu_aspace_t *as, unsigned p, mmu_aspace_proc_info_t *out);

/* Reported events: the first MMU_ASPACE_MAX_EVENTS of each kind are kept
 * (their counters count all). */
#define MMU_ASPACE_MAX_EVENTS 16
typedef enum mmu_aspace_event_kind {
    MMU_EV_SIGSEGV = 0, /* va, error_code: an invalid access */
    MMU_EV_OOM = 1,     /* proc killed; rss, swap, tables: its badness at that moment */
} mmu_aspace_event_kind_t;
typedef struct mmu_aspace_event {
    uint8_t kind;
    uint16_t proc;
    uint32_t error_code;
    uint64_t access;     /* index of the ACCESS record (from 0) */
    uint64_t va;
    uint64_t rss, swap, tables;
} mmu_aspace_event_t;
size_t mmu_aspace_events(const mmu_aspace_t *as, const mmu_aspace_event_t **out);

/* The series (one sample every series_every accesses): resident pages, free
 * frames, swap in use, the working set (distinct pages touched since the
 * previous sample) and the faults so far. */
typedef struct mmu_aspace_sample {
    uint64_t access, cycle;
    uint64_t resident, free, swap_used, wss;
    uint64_t minor, major;
} mmu_aspace_sample_t;
size_t mmu_aspace_series(const mmu_aspace_t *as, const mmu_aspace_sample_t **out);

/* What the page tables of process p say about va, read as software (no TLB,
 * no A/D): 1 = mapped, *pa its physical address (page offset included);
 * 0 = not mapped (a swap entry or nothing); negative on a memory error. */
int mmu_aspace_lookup(const mmu_aspace_t *as, unsigned p, uint64_t va, uint64_t *pa);
/* Check the driver's books against its state (memory limit only; for tests,
 * O(memory + page tables)): every frame's state against the allocator, the
 * data, table, policy and swap-cache page counts, and, walking every
 * process's page tables, its resident pages and swap entries against its
 * counters and the swap slots in use. 0, or MMU_EINVAL with the first
 * mismatch in msg. */
int mmu_aspace_check(const mmu_aspace_t *as, char *msg, size_t msglen);

/* Contents tokens (a stand-in for the bytes of a page, kept per 4 KiB frame
 * and carried through swap and file write-back): poke writes `token` at va of
 * the running process, faulting it in as a write access would; peek reads the
 * token of the page mapped at va (MMU_ENOENT if none). Memory limit only
 * (MMU_EINVAL otherwise). */
int mmu_aspace_poke(mmu_aspace_t *as, uint64_t va, uint64_t token, char *msg, size_t msglen);
int mmu_aspace_peek(const mmu_aspace_t *as, uint64_t va, uint64_t *token);
/* Report: the OS counters, then the MMU's TLB hit rates from *ms (L1, L2 and
 * L1+L2 as a share of translations), the number that shows what PCIDs keep
 * across switches. */
void mmu_aspace_print_stats(FILE *f, const mmu_aspace_stats_t *s, const mmu_stats_t *ms);

#ifdef __cplusplus
}
#endif

#endif /* MMU_WORKLOADS_ASPACE_H */
