/* SPDX-License-Identifier: Apache-2.0 */
/* Page walker (SDM 4.5 4-level and 5-level paging, 4.8 accessed/dirty flags).
 * One walk reads one entry per level from the root down, stops at the first
 * entry that is not present, has a reserved bit set, or maps a page, then
 * checks the access rights of the whole translation. A/D bits are written only
 * after the checks (see mmu_ad_on_fault_t), with a locked compare-exchange;
 * if an entry changed since it was read, the walk starts over, as hardware
 * re-walks when its locked update finds the entry modified. */
#include "walker.h"

#include "coverage.h"
#include "fault.h"
#include "mem.h"

#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define ALWAYS_INLINE inline
#define UNLIKELY(x) (x)
#endif

void mmu_walker_init(mmu_walker_t *w, const mmu_config_t *cfg, const mmu_mem_ops_t *ops,
                     mmu_memlat_t *lat)
{
    *w = (mmu_walker_t){.mem = *ops,
                        .sparse = mmu_sparse_mem_of(ops),
                        .frame_mask = ((1ull << cfg->maxphyaddr) - 1) & ~0xfffull,
                        .leaf_bits = {0, ~0ull, MMU_PTE_PS, cfg->page_1g ? MMU_PTE_PS : 0, 0, 0},
                        .page_1g = cfg->page_1g,
                        .ad_on_fault = cfg->ad_on_fault,
                        .retry_limit = cfg->ad_retry_limit,
                        .level_latency = cfg->walk_level_latency,
                        .lat = lat};
}

/* A memory callback failed: note where, for the caller's message, and pass
 * its code on (a positive one breaks the mmu_mem_ops_t contract: MMU_EMEM). */
static int mem_failed(mmu_walk_trace_t *tr, uint64_t pa, bool locked, int rc)
{
    tr->err_pa = pa;
    tr->err_locked = locked;
    return rc < 0 ? rc : MMU_EMEM;
}

/* The entry at pa (8-byte aligned: a table plus 8 * index). Over the sparse
 * memory (`sparse`: w->sparse is set) the word mmu_sparse_mem_read64 would
 * return, found inline; what it would refuse (pa beyond the memory) goes
 * through mem.read64 as any other access, which says why. */
static ALWAYS_INLINE int read_entry(const mmu_walker_t *w, const bool sparse, uint64_t pa,
                                    uint64_t *e)
{
    if (sparse && pa < w->sparse->limit) {
        const uint64_t *f = mmu_sparse_mem_find(w->sparse, pa >> 12);
        *e = f ? f[(pa & 0xfff) >> 3] : 0;
        return 0;
    }
    return w->mem.read64(w->mem.ctx, pa, e);
}

/* mem.cmpxchg64 of the entry at pa, inline over the sparse memory where the
 * word's frame exists (there the operation is a read and a conditional store;
 * a missing frame, which only a word of 0 can have, goes the long way). */
static inline int cmpxchg_entry(const mmu_walker_t *w, uint64_t pa, uint64_t expected,
                                uint64_t desired, uint64_t *old)
{
    const mmu_sparse_mem_t *m = w->sparse;
    if (m && pa < m->limit) {
        uint64_t *f = mmu_sparse_mem_find(m, pa >> 12);
        if (f) {
            uint64_t *word = &f[(pa & 0xfff) >> 3];
            *old = *word;
            if (*old == expected)
                *word = desired;
            return 0;
        }
    }
    return w->mem.cmpxchg64(w->mem.ctx, pa, expected, desired, old);
}

/* Set `bits` in the entry at pa that was read as `seen`, with a locked
 * read-modify-write. Returns 0 when done (or nothing to do), 1 when the entry
 * changed underneath, <0 on error. level, leaf_size (-1: not the leaf) and
 * on_fault describe the update for coverage. */
static __attribute__((noinline)) int update_bits(const mmu_walker_t *w, uint64_t pa,
                                                 uint64_t seen, uint64_t bits,
                                                 mmu_walk_trace_t *tr, mmu_cycle_t t0,
                                                 unsigned level, int leaf_size, bool on_fault)
{
    uint64_t old;
    int rc = cmpxchg_entry(w, pa, seen, seen | bits, &old);
    tr->updates++;
    tr->cycles += mmu_memlat_access(w->lat, pa, true, t0 + tr->cycles);
    if (rc)
        return mem_failed(tr, pa, true, rc);
    if (MMU_COV_ON(w->cov))
        mmu_cov_count_ad(w->cov, level, leaf_size, on_fault, seen, bits, old != seen);
    return old == seen ? 0 : 1;
}

/* The test inline, the update out of line: on most walks every entry
 * already has its A (and D) bits, and the call was most of the cost. */
static inline int set_bits(const mmu_walker_t *w, uint64_t pa, uint64_t seen, uint64_t bits,
                           mmu_walk_trace_t *tr, mmu_cycle_t t0, unsigned level, int leaf_size,
                           bool on_fault)
{
    if ((seen & bits) == bits)
        return 0;
    return update_bits(w, pa, seen, bits, tr, t0, level, leaf_size, on_fault);
}

/* The memory latency of the k entry reads at pa[0..k), in order, after
 * `cycles` (see the level loop). */
static ALWAYS_INLINE mmu_cycle_t charge_reads(const mmu_walker_t *w, const uint64_t *pa,
                                              unsigned k, mmu_cycle_t t0, mmu_cycle_t cycles)
{
    for (unsigned i = 0; i < k; i++) {
        cycles += w->level_latency;
        cycles += mmu_memlat_access(w->lat, pa[i], false, t0 + cycles);
    }
    return cycles;
}

/* The walk, compiled twice: over the sparse memory with the built-in
 * latency stand-ins (`sparse`: its reads inline), and over any
 * mmu_mem_ops_t. In the first, the levels are read first and their
 * latencies charged after: the same accesses in the same order at the same
 * cycles (a read's latency does not depend on the word read, and nothing
 * but the walk touches the memory meanwhile), and the level loop makes no
 * call. Through mem, each read is charged as it is made, so the calls of
 * mem.read64 and of a latency callback interleave as they always did. */
static ALWAYS_INLINE int walk_body(const mmu_walker_t *w, const bool sparse,
                                   const mmu_walk_mode_t *m, const mmu_req_t *req,
                                   const mmu_walk_start_t *start, mmu_cycle_t t0,
                                   mmu_walk_trace_t *tr, mmu_result_t *res)
{
    const mmu_access_t type = (mmu_access_t)req->type;
    const bool implicit = req->flags & MMU_REQ_IMPLICIT;
    /* SDM 4.6.1: CPL 3 makes a user-mode access, unless it is implicit. */
    const bool user_access = req->cpl == 3 && !implicit;
    const uint64_t la = req->la;
    /* Counted in registers while the levels are read (the memory-latency
     * call between them would otherwise reload them), kept in *tr once the
     * A/D updates, which count there too, may run. */
    uint32_t reads = 0;
    mmu_cycle_t cycles = 0;

    tr->updates = 0;
    for (unsigned attempt = 0; attempt < w->retry_limit; attempt++) {
        uint64_t ent_pa[5];
        unsigned n = 0, level = start->level;
        unsigned perms = start->perms;
        uint64_t table = start->table, e;
        /* The entries ANDed: when A is set in all of them, and D in the leaf
         * for a write, there is nothing to update. */
        uint64_t all = ~0ull;
        mmu_pf_cause_t cause;

        for (;; level--) {
            /* Entry n is the walk's (n+1)th read of this attempt. */
            const uint64_t pa = table + 8 * ((la >> (3 + 9 * level)) & 511);
            const int rc = read_entry(w, sparse, pa, &e);
            ent_pa[n] = pa;
            if (!sparse) {
                reads++;
                /* The step first: the read is issued once the walker has the
                 * address, which is the cycle an RTL walker raises its request. */
                cycles += w->level_latency;
                cycles += mmu_memlat_access(w->lat, pa, false, t0 + cycles);
            }
            if (UNLIKELY(rc)) {
                if (sparse) {
                    reads += n + 1;
                    cycles = charge_reads(w, ent_pa, n + 1, t0, cycles);
                }
                tr->reads = reads;
                tr->cycles = cycles;
                return mem_failed(tr, pa, false, rc);
            }
            if (UNLIKELY(!(e & MMU_PTE_P))) {
                cause = MMU_PF_CAUSE_NOT_PRESENT;
                goto fault;
            }
            const bool leaf = (e & w->leaf_bits[level]) != 0; /* mmu_pte_is_leaf */
            if (UNLIKELY(e & (leaf ? m->rsvd.leaf[level] : m->rsvd.table[level]))) {
                cause = MMU_PF_CAUSE_RSVD;
                goto fault;
            }
            tr->entry[n] = e;
            all &= e;
            /* SDM 4.6.1: R/W and U/S must be 1 at every level; XD at any
             * level forbids fetches (XD is reserved, so 0, when NXE=0).
             * R/W and U/S are bits 1 and 2, MMU_PERM_W and _U bits 0 and 1. */
            perms = (perms & ((unsigned)(e >> 1) | MMU_PERM_XD)) |
                    ((unsigned)(e >> 61) & MMU_PERM_XD);
            tr->perms[n] = (uint8_t)perms;
            n++;
            if (leaf)
                break;
            table = e & w->frame_mask;
        }
        if (sparse) {
            reads += n;
            cycles = charge_reads(w, ent_pa, n, t0, cycles);
        }
        tr->reads = reads;
        tr->cycles = cycles;

        const unsigned pkey = (unsigned)(e >> MMU_PTE_PKEY_SHIFT) & 0xf;
        if (UNLIKELY(!start->allow || !((start->allow[perms] >> pkey) & 1))) {
            const mmu_pte_verdict_t v =
                mmu_pte_check(&m->ctl, perms, pkey, type, user_access, implicit);
            if (!v.allowed) {
                mmu_fault_pf(&res->fault, la, MMU_PF_CAUSE_PROT, type, user_access, v.pk,
                             m->ctl.smep, m->ctl.nxe);
                tr->fault_level = (uint8_t)level;
                tr->fault_perms = (uint8_t)perms;
                tr->fault_pkey = (uint8_t)pkey;
                tr->fault_entry = 0;
                n--; /* the leaf: never written on a fault */
                goto ad_on_fault;
            }
        }

        /* SDM 4.8: A in every entry used, top-down; the leaf gets A and, on a
         * write, D in the same locked update. */
        const uint64_t leaf_bits = type == MMU_ACC_WRITE ? MMU_PTE_A | MMU_PTE_D : MMU_PTE_A;
        if (UNLIKELY(!(all & MMU_PTE_A) || (e & leaf_bits) != leaf_bits)) {
            for (unsigned i = 0; i < n; i++) {
                const bool last = i == n - 1;
                const uint64_t bits = last ? leaf_bits : MMU_PTE_A;
                int rc = set_bits(w, ent_pa[i], tr->entry[i], bits, tr, t0, start->level - i,
                                  last ? (int)level - 1 : -1, false);
                if (rc < 0)
                    return rc;
                if (rc > 0)
                    goto retry;
                tr->entry[i] |= bits;
            }
        }
        tr->n = n;
        const unsigned shift = 12 + 9 * (level - 1);
        const uint64_t off = (1ull << shift) - 1;
        res->pa = (e & w->frame_mask & ~off) | (la & off);
        res->page_size = (uint8_t)(level - 1);
        res->perms = (uint8_t)perms;
        res->pkey = (uint8_t)pkey;
        res->global = (e & MMU_PTE_G) != 0;
        res->mem_refs = tr->reads + tr->updates;
        return 0;

    fault:
        if (sparse) {
            reads += n + 1;
            cycles = charge_reads(w, ent_pa, n + 1, t0, cycles);
        }
        tr->reads = reads;
        tr->cycles = cycles;
        mmu_fault_pf(&res->fault, la, cause, type, user_access, false, m->ctl.smep, m->ctl.nxe);
        tr->fault_level = (uint8_t)level;
        tr->fault_perms = tr->fault_pkey = 0;
        tr->fault_entry = e;
    ad_on_fault:
        /* entry[0..n) now holds only the non-leaf entries the walk consumed. */
        if (w->ad_on_fault == MMU_AD_ON_FAULT_USED) {
            for (unsigned i = 0; i < n; i++) {
                int rc = set_bits(w, ent_pa[i], tr->entry[i], MMU_PTE_A, tr, t0,
                                  start->level - i, -1, true);
                if (rc < 0)
                    return rc;
                if (rc > 0) {
                    res->fault = (mmu_fault_t){0}; /* the next attempt may succeed */
                    goto retry;
                }
            }
        }
        tr->n = 0; /* nothing from a faulting walk is cached */
        res->mem_refs = tr->reads + tr->updates;
        return 0;
    retry:
        reads = tr->reads;
        cycles = tr->cycles;
    }
    return MMU_ERETRY;
}

static __attribute__((noinline)) int walk_sparse(const mmu_walker_t *w, const mmu_walk_mode_t *m,
                                                 const mmu_req_t *req,
                                                 const mmu_walk_start_t *start, mmu_cycle_t t0,
                                                 mmu_walk_trace_t *tr, mmu_result_t *res)
{
    return walk_body(w, true, m, req, start, t0, tr, res);
}

static __attribute__((noinline)) int walk_ops(const mmu_walker_t *w, const mmu_walk_mode_t *m,
                                              const mmu_req_t *req, const mmu_walk_start_t *start,
                                              mmu_cycle_t t0, mmu_walk_trace_t *tr,
                                              mmu_result_t *res)
{
    return walk_body(w, false, m, req, start, t0, tr, res);
}

int mmu_walker_walk(const mmu_walker_t *w, const mmu_walk_mode_t *m, const mmu_req_t *req,
                    const mmu_walk_start_t *start, mmu_cycle_t t0, mmu_walk_trace_t *tr,
                    mmu_result_t *res)
{
    /* A host's latency callback may let other agents run, which may change
     * the tables between two levels: with one, each level is read after the
     * latency of the one above, as always (walk_ops). */
    return (w->sparse && !w->lat->cb ? walk_sparse : walk_ops)(w, m, req, start, t0, tr, res);
}
