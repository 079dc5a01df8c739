/* SPDX-License-Identifier: Apache-2.0 */
/* mmusim public API: an x86-64 MMU model (Intel SDM Vol. 3A, chapter 4).
 *
 * The caller owns the page-table memory (through mmu_mem_ops_t), the control
 * registers (mmu_ctrl_t) and the clock.  mmu_translate() turns one linear
 * address into a physical address or a fault, exactly as the SDM specifies.
 * A #PF or #GP is a normal result, not an error: errors are reserved for
 * misuse of the API and for failures of the caller's memory.
 *
 * Threads. The library has no global state: separate mmu_t objects (and
 * sparse memories, page-table builders, config key sets) may be used from
 * different threads at the same time. One mmu_t is not locked: every call on
 * it, and on what it was created over (its mmu_mem_ops_t ctx), must come from
 * one thread at a time; the host serializes them. The memory callbacks (and
 * cfg.memlat_cb, cfg.walk_cb) run synchronously inside the call that needs
 * them, on the caller's thread; they must not call back into the same mmu_t,
 * except that a walk_cb may call mmu_walk_c() and mmu_walk_latency() on it.
 * Functions taking no object (mmu_config_*, mmu_err_name, mmu_strerror,
 * mmu_stats_name, mmu_version) are safe from any thread.
 *
 * Bad use. No entry point crashes or aborts on what a host can pass: NULL
 * pointers, out-of-range values or a failing callback give a negative MMU_E*
 * code, and a message naming the argument or field in the mmu_err_t when the
 * function takes one, else in mmu_last_error(). Functions that return nothing
 * ignore a NULL object.
 *
 * Growing structs. Structs the caller owns and that will grow carry their
 * layout: mmu_config_t.size and mmu_mem_ops_t.size (set by mmu_config_init(),
 * mmu_sparse_mem_ops() and MMU_MEM_OPS_INIT), mmu_req_t.version (MMU_REQ_INIT;
 * it also fixes the layout of the mmu_result_t written back), and the
 * mmu_stats_t functions take the caller's sizeof through inline wrappers. New
 * fields are only ever appended; a library reads and writes only the part the
 * caller knows and gives the rest its default, so a host built against older
 * headers keeps working with a newer libmmusim of the same SONAME. */
#ifndef MMU_MMU_H
#define MMU_MMU_H

#include <stddef.h>
#include <stdint.h>

#include "mmu/mmu_config.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t mmu_cycle_t;

/* ---- errors ---------------------------------------------------------- */

/* One list yields the codes, mmu_err_name() and mmu_strerror(). */
#define MMU_ERRNO_MAP(XX)                                                    \
    XX(EINVAL, -1, "invalid argument")                                       \
    XX(ENOMEM, -2, "out of memory")                                          \
    XX(ERANGE, -3, "physical address beyond MAXPHYADDR")                     \
    XX(EALIGN, -4, "physical address not 8-byte aligned")                    \
    XX(EMEM, -5, "memory interface reported an error")                       \
    XX(EEXIST, -6, "range already mapped differently")                       \
    XX(ENOSPC, -7, "page-table frame pool exhausted")                        \
    XX(ERETRY, -8, "paging-structure entry kept changing during A/D update") \
    XX(ENOENT, -9, "no such entry")                                          \
    XX(EIO, -10, "a file or stream could not be read or written")

enum mmu_errno {
    MMU_OK = 0,
#define MMU__ERRNO_ENUM(name, val, msg) MMU_##name = (val),
    MMU_ERRNO_MAP(MMU__ERRNO_ENUM)
#undef MMU__ERRNO_ENUM
};

/* Filled by functions that take user input: where and what went wrong. */
typedef struct mmu_err {
    int code;
    char msg[512];
} mmu_err_t;

/* "EINVAL" etc.; "UNKNOWN" for a code not in the list. Never NULL. */
MMU_API const char *mmu_err_name(int code);
/* Human-readable text of a code. Never NULL. */
MMU_API const char *mmu_strerror(int code);

/* ---- memory interface -------------------------------------------------- */

/* The model reaches paging structures only through these two calls.
 * Both take an 8-byte-aligned physical address and return 0 or a negative
 * MMU_E* code.
 *  read64:    *val = the 64-bit little-endian word at pa.
 *  cmpxchg64: atomically { *old = word; if (word == expected) word = desired; }
 *             Success means *old == expected. This is the locked
 *             read-modify-write hardware uses for accessed/dirty updates.
 * When a callback fails, the call that was walking (mmu_translate,
 * mmu_walk_c, a page-table builder call) stops at once and returns that code
 * (a positive return, which breaks the contract, becomes MMU_EMEM), and
 * mmu_last_error() says which access at which address failed. The walk is
 * abandoned: no TLB or paging-structure-cache entry is filled, no walker time
 * is charged, no walk is counted (the request still counts in `translations`),
 * and *res is not meaningful. A/D updates the walk had already made stay in
 * the host's memory, as they would in hardware. The MMU stays usable: the
 * next request walks again. */
typedef struct mmu_mem_ops {
    uint32_t size; /* sizeof(mmu_mem_ops_t) of the caller's headers: MMU_MEM_OPS_INIT */
    int (*read64)(void *ctx, uint64_t pa, uint64_t *val);
    int (*cmpxchg64)(void *ctx, uint64_t pa, uint64_t expected,
                     uint64_t desired, uint64_t *old);
    void *ctx;
    /* Optional (NULL: mmu_translate_batch takes the plain path). Must have no
     * effect the host or the model could observe: no counting, no timing, no
     * error reported. With val == NULL, start bringing the word at pa into the
     * host's caches (a prefetch: return at once); else also store the word in
     * *val, as read64 would. Used only to decide what to prefetch next: a
     * wrong or stale value can slow mmu_translate_batch, never change a
     * result. Return 0, or non-zero when pa is not backed (the walk ahead
     * stops there). */
    int (*peek64)(void *ctx, uint64_t pa, uint64_t *val);
    /* Optional (NULL: not used), and used only with peek64. For a memory that
     * finds a word through tables of its own (mmu_sparse_mem's radix tree of
     * frame pointers): start bringing into the host's caches what finding
     * the word at pa reads, and return at once, so that a peek64(pa, NULL)
     * issued a little later does not itself wait on a miss to find the word
     * it is to prefetch. Same rules as peek64: no effect the host or the
     * model could observe; any pa may be passed, backed or not. */
    void (*prefetch_find)(void *ctx, uint64_t pa);
} mmu_mem_ops_t;

/* mmu_mem_ops_t ops = MMU_MEM_OPS_INIT; then set read64, cmpxchg64, ctx.
 * (Every field is listed, so -Wmissing-field-initializers stays quiet.) */
#define MMU_MEM_OPS_INIT {sizeof(mmu_mem_ops_t), 0, 0, 0, 0, 0}

/* ---- architectural state ------------------------------------------------- */

#define MMU_CR0_WP (1ull << 16)
#define MMU_CR3_PWT (1ull << 3)
#define MMU_CR3_PCD (1ull << 4)
#define MMU_CR3_PCID_MASK 0xfffull
#define MMU_CR3_NOFLUSH (1ull << 63)
#define MMU_CR4_LA57 (1ull << 12)
#define MMU_CR4_PGE (1ull << 7)
#define MMU_CR4_PCIDE (1ull << 17)
#define MMU_CR4_SMEP (1ull << 20)
#define MMU_CR4_SMAP (1ull << 21)
#define MMU_CR4_PKE (1ull << 22)
#define MMU_CR4_PKS (1ull << 24)
#define MMU_EFER_NXE (1ull << 11)
#define MMU_RFLAGS_AC (1ull << 18)

/* Control registers, as raw architectural values. The model is always in
 * IA-32e mode with paging on (CR0.PG = CR4.PAE = EFER.LMA = 1); 4- or
 * 5-level paging follows CR4.LA57. CPL is not here but in mmu_req_t,
 * because a simulator changes it far more often than these registers. */
typedef struct mmu_ctrl {
    uint64_t cr0;
    uint64_t cr3;    /* table base in bits MAXPHYADDR-1:12; PCID or PWT/PCD below */
    uint64_t cr4;
    uint64_t efer;
    uint64_t rflags; /* only AC is read */
    uint32_t pkru;   /* user-mode protection keys: AD = bit 2i, WD = bit 2i+1 */
    uint32_t pkrs;   /* IA32_PKRS, same layout, supervisor-mode keys */
} mmu_ctrl_t;

/* ---- requests and results ------------------------------------------------ */

typedef enum mmu_access {
    MMU_ACC_READ = 0,
    MMU_ACC_WRITE = 1,
    MMU_ACC_FETCH = 2,
} mmu_access_t;

/* The access is an implicit supervisor-mode access (GDT/IDT/TSS...): it is a
 * supervisor-mode access whatever the CPL, and SMAP ignores EFLAGS.AC. */
#define MMU_REQ_IMPLICIT 0x1u
/* The caller re-issues an access after handling the fault it raised (demand
 * paging). Nothing changes in the translation; only a walk it needs is counted
 * as a fault-retry walk (walks_retry) rather than a miss walk (walks_miss). */
#define MMU_REQ_RETRY 0x2u

/* The layout of mmu_req_t and mmu_result_t in these headers. */
#define MMU_REQ_VERSION 1u

typedef struct mmu_req {
    uint32_t version; /* MMU_REQ_VERSION of the caller's headers: MMU_REQ_INIT */
    uint8_t type;     /* mmu_access_t */
    uint8_t cpl;      /* 0..3; CPL 3 is a user-mode access unless IMPLICIT */
    uint8_t flags;    /* MMU_REQ_* */
    uint64_t la;      /* linear address */
    mmu_cycle_t now;  /* cycle at which the request is issued */
} mmu_req_t;

/* mmu_req_t req = MMU_REQ_INIT; then set la, type, cpl, flags, now. */
#define MMU_REQ_INIT {MMU_REQ_VERSION, 0, 0, 0, 0, 0}

typedef enum mmu_page_size {
    MMU_PAGE_4K = 0,
    MMU_PAGE_2M = 1,
    MMU_PAGE_1G = 2,
} mmu_page_size_t;

typedef enum mmu_fault_kind {
    MMU_FAULT_NONE = 0,
    MMU_FAULT_PF = 1, /* #PF, vector 14 */
    MMU_FAULT_GP = 2, /* #GP(0), vector 13: non-canonical linear address */
} mmu_fault_kind_t;

/* #PF error-code bits (SDM 4.7). */
#define MMU_PF_P (1u << 0)
#define MMU_PF_W (1u << 1)
#define MMU_PF_US (1u << 2)
#define MMU_PF_RSVD (1u << 3)
#define MMU_PF_ID (1u << 4)
#define MMU_PF_PK (1u << 5)

#define MMU_VEC_GP 13
#define MMU_VEC_PF 14

typedef struct mmu_fault {
    uint8_t kind;        /* mmu_fault_kind_t */
    uint8_t vector;      /* 14, 13, or 0 when kind is NONE */
    uint32_t error_code; /* MMU_PF_* for #PF; 0 for #GP(0) */
    uint64_t cr2;        /* the faulting linear address for #PF; 0 for #GP,
                            which does not load CR2 */
} mmu_fault_t;

/* Combined access rights of a translation (SDM 4.6: AND of R/W and U/S over
 * every level, OR of XD). */
#define MMU_PERM_W 0x1u  /* R/W = 1 at every level */
#define MMU_PERM_U 0x2u  /* U/S = 1 at every level: a user-mode address */
#define MMU_PERM_XD 0x4u /* XD = 1 at some level (only when EFER.NXE = 1) */

/* Where a translation was served. */
typedef enum mmu_served {
    MMU_SERVED_L1 = 0,
    MMU_SERVED_L2 = 1,
    MMU_SERVED_WALK = 2,
    MMU_SERVED_NONE = 3, /* #GP: no lookup at all */
} mmu_served_t;

typedef struct mmu_result {
    mmu_fault_t fault;    /* kind NONE on success */
    uint64_t pa;          /* physical address; valid when no fault */
    uint8_t page_size;    /* mmu_page_size_t of the leaf (also when a TLB served it
                             from a smaller, splintered entry) */
    uint8_t perms;        /* MMU_PERM_* */
    uint8_t pkey;         /* protection key of the leaf (bits 62:59) */
    uint8_t global;       /* G of the leaf (meaningful with CR4.PGE) */
    uint32_t mem_refs;    /* paging-structure reads and A/D writes issued */
    mmu_cycle_t done_at;  /* cycle the translation completes */
    /* Timing breakdown: done_at = now + lat_l1 + lat_l2 + lat_psc + lat_wait + lat_walk. */
    uint8_t served;       /* mmu_served_t */
    uint8_t psc_level;    /* walks: level of the deepest paging-structure-cache hit
                             (2 PDE .. 5 PML5E), 0 if the walk started at the root */
    uint8_t d_assist;     /* a write hit an entry with D=0 and walked to set it */
    uint32_t lat_l1, lat_l2, lat_psc;
    uint32_t lat_wait;    /* waiting for a free walker or for a walk in flight */
    uint32_t lat_walk;    /* the walk's own memory accesses and steps */
    /* With cfg.data_lines: cycles of the data line's load, which starts at
     * done_at (the access's data arrives at done_at + lat_data); else 0. Not
     * part of done_at, which stays the end of the translation. */
    uint32_t lat_data;
} mmu_result_t;

/* ---- the MMU object -------------------------------------------------------- */

typedef struct mmu mmu_t;

/* Create an MMU. cfg is validated (mmu_config_validate) and copied; mem is
 * copied (its ctx must outlive the MMU). On failure returns a negative code,
 * sets *out = NULL (when out is not NULL) and, if err is non-NULL, says which
 * argument or field is wrong ("mem->read64: NULL", "walkers=0: must be
 * 1..64"). The control registers start as all-zero (4-level, CR3 = 0). */
MMU_API int mmu_create(const mmu_config_t *cfg, const mmu_mem_ops_t *mem, mmu_t **out,
                       mmu_err_t *err);

/* Free an MMU. Accepts NULL. */
MMU_API void mmu_destroy(mmu_t *mmu);

/* Load all control registers at once and flush all translation caches (a
 * context restore from nothing). Returns MMU_EINVAL (with err filled)
 * when a value could not be loaded by the architecture: CR3 bits at or above
 * MAXPHYADDR (bit 63 is allowed with CR4.PCIDE = 1: the no-flush hint, which is
 * not kept), or reserved CR4 combinations (PCIDE with a non-zero PCID is fine).
 * On error the previous state is kept. */
MMU_API int mmu_set_ctrl(mmu_t *mmu, const mmu_ctrl_t *ctrl, mmu_err_t *err);

/* MOV to CR0 / CR3 / CR4 (n = 0, 3, 4), with the invalidations SDM 4.10.4.1
 * requires: CR3 drops the non-global entries of PCID 0 (PCIDE=0) or of the new
 * PCID (PCIDE=1, bit 63 clear; bit 63 set drops nothing); CR4 drops everything
 * when PGE changes or PCIDE goes 1->0, and the current PCID's entries when SMEP
 * goes 0->1. Returns MMU_EINVAL (err filled) for a value the instruction would
 * refuse with #GP; then nothing changes. */
MMU_API int mmu_write_cr(mmu_t *mmu, unsigned n, uint64_t value, mmu_err_t *err);

#define MMU_REG_EFER 1
#define MMU_REG_RFLAGS 2
#define MMU_REG_PKRU 3
#define MMU_REG_PKRS 4
/* Write EFER, RFLAGS, PKRU or IA32_PKRS. None of these invalidates anything,
 * except that a change of EFER.NXE flushes all TLBs and paging-structure caches:
 * entries cached under one NXE would be wrong under the other. */
MMU_API int mmu_write_reg(mmu_t *mmu, unsigned reg, uint64_t value, mmu_err_t *err);

/* INVLPG: the current PCID's entries for the page of la, global entries for it
 * whatever their PCID, and every paging-structure-cache entry of the current
 * PCID. A non-canonical la makes it a no-op, as in 64-bit mode. */
MMU_API void mmu_invlpg(mmu_t *mmu, uint64_t la);

/* INVPCID types 0 (individual address), 1 (single context), 2 (all contexts
 * with globals), 3 (all contexts except globals). MMU_EINVAL where the
 * instruction raises #GP: type > 3, pcid > 0xfff, a non-canonical la with type
 * 0, or a PCID other than 0 for types 0/1 while CR4.PCIDE = 0. */
MMU_API int mmu_invpcid(mmu_t *mmu, unsigned type, uint16_t pcid, uint64_t la, mmu_err_t *err);

/* Drop every TLB and paging-structure-cache entry (a cold start). */
MMU_API void mmu_flush_all(mmu_t *mmu);

/* The control registers currently loaded (NULL for a NULL mmu). */
MMU_API const mmu_ctrl_t *mmu_get_ctrl(const mmu_t *mmu);

/* Translate one access. Returns 0 with *res filled (res->fault says whether
 * the access faulted), or a negative code: MMU_EINVAL for bad use (a NULL
 * argument, req->version not one this library knows, type or cpl out of
 * range), a memory-interface error (see mmu_mem_ops_t), or MMU_ERETRY when
 * the entry being updated kept changing; then *res is not meaningful and
 * mmu_last_error() says what happened. Side effects are those of the
 * hardware: accessed/dirty bits through mem->cmpxchg64, TLB and
 * paging-structure-cache fills, and the page-fault invalidation of SDM
 * 4.10.4.1. Allocates nothing. The caller's clock: req->now in, res->done_at
 * out; the model keeps no time of its own beyond the busy-until stamps. */
MMU_API int mmu_translate(mmu_t *mmu, const mmu_req_t *req, mmu_result_t *res);

/* The load of the data line holding physical address pa, issued at `now`
 * after its translation: the line goes through the model's L1D/L2/LLC
 * stand-ins (filling them, so it competes with page-table lines there) and
 * the cycles until it arrives are returned. This is what mmu_translate does
 * by itself with cfg.data_lines = 1 (res->lat_data); a caller that keeps
 * data_lines off can call it at the moment it issues the data access. Returns
 * 0 when cfg.memlat_cb supplies latencies (the host's caches hold its data),
 * and for a NULL mmu. Allocates nothing. */
MMU_API unsigned mmu_data_access(mmu_t *mmu, uint64_t pa, mmu_cycle_t now);

/* Why the last failing mmu_translate or mmu_walk_c on this MMU failed
 * ("mmu_translate: la 0x1000: read64 of the entry at pa 0x3000 failed: EMEM");
 * calls that take an mmu_err_t say it there. "" before any failure; for a NULL
 * mmu a static message saying so. Valid until the next call on the MMU. */
MMU_API const char *mmu_last_error(const mmu_t *mmu);

/* Zero the counters. mmu_get_stats() is in mmu_stats.h. */
MMU_API void mmu_reset_stats(mmu_t *mmu);

/* Translate n requests the caller declares independent: none depends on the
 * result of another (an open-loop trace, a sweep, an out-of-order core's load
 * queue), though each still sees the TLB fills and A/D updates of those
 * before it, exactly as in the loop
 *     for (i = 0; i < n; i++) mmu_translate(mmu, &reqs[i], &results[i]);
 * which it equals in every result, every A/D write (values, and their order),
 * every statistic and every cycle. What differs is host time: with
 * mem->peek64, the walks of up to MMU_BATCH_WINDOW requests at a time are
 * followed ahead with peeks while the ones before them are translated: each
 * one's page-directory entry and level-1 word are prefetched, and the sets
 * that word's access will look up in cache stand-ins too large for the
 * host's caches, so the host's cache misses overlap instead of following one
 * another; with mem->prefetch_find too, a level-1 word is prefetched in two
 * steps (what finds it, then the word), so that no step of the look-ahead
 * waits on a miss. The peeks and prefetches are extra calls to the memory
 * interface, interleaved across requests; the read64 and cmpxchg64 calls are
 * those of the loop, in its order. Without peek64 it is the loop. Returns 0
 * when all n are translated, else the negative code of the first request
 * that failed: results before it are filled, it and those after are not
 * translated. *done (if non-NULL) is the number translated. Allocates
 * nothing. */
#define MMU_BATCH_WINDOW 16
MMU_API int mmu_translate_batch(mmu_t *mmu, const mmu_req_t *reqs, size_t n,
                                mmu_result_t *results, size_t *done);


#ifdef __cplusplus
}
#endif

#endif /* MMU_MMU_H */
