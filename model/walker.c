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

/* A memory callback failed: note where, for the caller's message, and pass
 * its code on (a positive one breaks the mmu_mem_ops_t contract: MMU_EMEM). */
static int mem_failed(mmu_walk_trace_t *tr, uint64_t pa, bool locked, int rc)
{
    tr->err_pa = pa;
    tr->err_locked = locked;
    return rc < 0 ? rc : MMU_EMEM;
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
    int rc = w->mem.cmpxchg64(w->mem.ctx, pa, seen, seen | bits, &old);
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

int mmu_walker_walk(const mmu_walker_t *w, const mmu_walk_mode_t *m, const mmu_req_t *req,
                    const mmu_walk_start_t *start, mmu_cycle_t t0, mmu_walk_trace_t *tr,
                    mmu_result_t *res)
{
    const mmu_access_t type = (mmu_access_t)req->type;
    const bool implicit = req->flags & MMU_REQ_IMPLICIT;
    /* SDM 4.6.1: CPL 3 makes a user-mode access, unless it is implicit. */
    const bool user_access = req->cpl == 3 && !implicit;

    tr->reads = tr->updates = 0;
    tr->cycles = 0;
    tr->fault_level = tr->fault_perms = tr->fault_pkey = 0;
    tr->fault_entry = 0;

    for (unsigned attempt = 0; attempt < w->retry_limit; attempt++) {
        uint64_t ent[5], ent_pa[5];
        unsigned n = 0, level = start->level;
        unsigned perms = start->perms;
        uint64_t table = start->table, e;
        mmu_pf_cause_t cause;
        bool leaf;

        for (;; level--) {
            const uint64_t pa = table + 8 * ((req->la >> (3 + 9 * level)) & 511);
            int rc = w->mem.read64(w->mem.ctx, pa, &e);
            tr->reads++;
            /* The step first: the read is issued once the walker has the
             * address, which is the cycle an RTL walker raises its request. */
            tr->cycles += w->level_latency;
            tr->cycles += mmu_memlat_access(w->lat, pa, false, t0 + tr->cycles);
            if (rc)
                return mem_failed(tr, pa, false, rc);
            if (!(e & MMU_PTE_P)) {
                cause = MMU_PF_CAUSE_NOT_PRESENT;
                goto fault;
            }
            leaf = mmu_pte_is_leaf(e, level, w->page_1g);
            if (e & (leaf ? m->rsvd.leaf[level] : m->rsvd.table[level])) {
                cause = MMU_PF_CAUSE_RSVD;
                goto fault;
            }
            ent[n] = e, ent_pa[n] = pa;
            tr->level[n] = (uint8_t)level;
            n++;
            /* SDM 4.6.1: R/W and U/S must be 1 at every level; XD at any
             * level forbids fetches (XD is reserved, so 0, when NXE=0). */
            if (!(e & MMU_PTE_RW))
                perms &= ~MMU_PERM_W;
            if (!(e & MMU_PTE_US))
                perms &= ~MMU_PERM_U;
            if (e & MMU_PTE_XD)
                perms |= MMU_PERM_XD;
            tr->perms[n - 1] = (uint8_t)perms;
            if (leaf)
                break;
            table = e & w->frame_mask;
        }

        const unsigned pkey = (unsigned)(e >> MMU_PTE_PKEY_SHIFT) & 0xf;
        mmu_pte_verdict_t v = mmu_pte_check(&m->ctl, perms, pkey, type, user_access, implicit);
        if (!v.allowed) {
            mmu_fault_pf(&res->fault, req->la, MMU_PF_CAUSE_PROT, type, user_access, v.pk,
                         m->ctl.smep, m->ctl.nxe);
            tr->fault_level = (uint8_t)level;
            tr->fault_perms = (uint8_t)perms;
            tr->fault_pkey = (uint8_t)pkey;
            n--; /* the leaf: never written on a fault */
            goto ad_on_fault;
        }

        /* SDM 4.8: A in every entry used, top-down; the leaf gets A and, on a
         * write, D in the same locked update. */
        for (unsigned i = 0; i < n; i++) {
            uint64_t bits = MMU_PTE_A;
            if (i == n - 1 && type == MMU_ACC_WRITE)
                bits |= MMU_PTE_D;
            int rc = set_bits(w, ent_pa[i], ent[i], bits, tr, t0, tr->level[i],
                              i == n - 1 ? (int)level - 1 : -1, false);
            if (rc < 0)
                return rc;
            if (rc > 0)
                goto retry;
            tr->entry[i] = ent[i] | bits;
        }
        tr->n = n;
        const unsigned shift = 12 + 9 * (level - 1);
        res->fault.kind = MMU_FAULT_NONE;
        res->fault.vector = 0;
        res->fault.error_code = 0;
        res->fault.cr2 = 0;
        res->pa = (e & w->frame_mask & ~((1ull << shift) - 1)) | (req->la & ((1ull << shift) - 1));
        res->page_size = (uint8_t)(level - 1);
        res->perms = (uint8_t)perms;
        res->pkey = (uint8_t)pkey;
        res->global = (e & MMU_PTE_G) != 0;
        res->mem_refs = tr->reads + tr->updates;
        return 0;

    fault:
        mmu_fault_pf(&res->fault, req->la, cause, type, user_access, false, m->ctl.smep,
                     m->ctl.nxe);
        tr->fault_level = (uint8_t)level;
        tr->fault_entry = e;
    ad_on_fault:
        /* ent[0..n) now holds only the non-leaf entries the walk consumed. */
        if (w->ad_on_fault == MMU_AD_ON_FAULT_USED) {
            for (unsigned i = 0; i < n; i++) {
                int rc = set_bits(w, ent_pa[i], ent[i], MMU_PTE_A, tr, t0, tr->level[i], -1, true);
                if (rc < 0)
                    return rc;
                if (rc > 0)
                    goto retry;
            }
        }
        tr->n = 0; /* nothing from a faulting walk is cached */
        res->mem_refs = tr->reads + tr->updates;
        return 0;
    retry:;
    }
    return MMU_ERETRY;
}
