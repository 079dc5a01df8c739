/* SPDX-License-Identifier: Apache-2.0 */
/* Address spaces: the OS side of a trace run (aspace.h). It plays the kernel,
 * not hardware: it writes page tables in the memory the MMU walks, issues MOV
 * to CR3, INVLPG and INVPCID as Linux would (switch_mm, flush_tlb_mm_range,
 * the KPTI entry code), and answers page faults the way mm/memory.c does:
 * first touch (anonymous or file, with THP), swap-in (do_swap_page, with the
 * swap cache and readahead), copy on write of private file pages, SIGSEGV.
 * Reclaim, watermarks, swap-out and the OOM killer are in reclaim.c. Without
 * a memory limit frames are never freed and nothing is reclaimed. The rules
 * chosen are in workloads/os/README.md. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os_impl.h"
#include "xlat_run.h"

#define FRAME_MASK MMU_PGT_FRAME
#define PCID_USER_BIT 0x800u /* Linux's X86_CR3_PTI_PCID_USER_BIT is bit 11 */

void mmu_aspace_cfg_init(mmu_aspace_cfg_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->policy = MMU_POLICY_THP;
    cfg->nproc = 1;
    cfg->switch_every = 0;
    cfg->pcid = 1;
    cfg->kpti = 0;
    cfg->levels = 4;
    cfg->implicit_vma = 1;
    cfg->frames_mode = MMU_FRAMES_CONTIGUOUS;
    cfg->frag_pct = 90;
    cfg->seed = 1;
    cfg->mixed_1g_pct = 10;
    cfg->mixed_2m_pct = 50;
    cfg->phys_base = 1ull << 30;
    cfg->phys_limit = 1ull << 36;
    cfg->pt_pool = 16ull << 20;
    cfg->flush_ceiling = 33;
    cfg->kernel_va = 0xffffffff80000000ull;
    cfg->kernel_global = 1;
    cfg->default_flags = MMU_PTE_P | MMU_PTE_RW | MMU_PTE_US;
    cfg->tables_in_mem = 1;
    cfg->wmark_mode = MMU_WMARK_AUTO;
    cfg->kswapd = 1;
    cfg->reclaim_batch = 32;
    cfg->repl = 3; /* twolist: see repl.c's table */
    cfg->swappiness = 60;
    cfg->swap_dev = MMU_BLKDEV_NVME;
    cfg->file_dev = MMU_BLKDEV_NVME;
    cfg->readahead = 8;
    cfg->files_cached = 1;
    cfg->thp_reclaim = 1;
    cfg->freq_mhz = 4000;
    cfg->fault_ns = 700;
    cfg->zero_ns = 300;
    cfg->copy_ns = 400;
    cfg->scan_ns = 100;
    cfg->unmap_ns = 250;
    cfg->split_ns = 5000;
    cfg->tick = 4096;
    cfg->ws_tau = 100000;
    cfg->lfu_decay = 8;
}

/* ---- VMAs ---- */

static int vma_reserve(proc_t *p, size_t extra)
{
    if (p->nvma + extra <= p->cap)
        return 0;
    size_t cap = p->cap ? p->cap * 2 : 8;
    while (cap < p->nvma + extra)
        cap *= 2;
    vma_t *v = realloc(p->vma, cap * sizeof *v);
    if (!v)
        return MMU_ENOMEM;
    p->vma = v;
    p->cap = cap;
    return 0;
}

/* Split the VMA that strictly contains x, so that x is a boundary (a file
 * VMA's second part starts further into the file). */
static int vma_split_at(proc_t *p, uint64_t x)
{
    for (size_t i = 0; i < p->nvma; i++) {
        if (p->vma[i].start < x && x < p->vma[i].end) {
            int rc = vma_reserve(p, 1);
            if (rc)
                return rc;
            memmove(&p->vma[i + 1], &p->vma[i], (p->nvma - i) * sizeof *p->vma);
            p->nvma++;
            p->vma[i].end = x;
            p->vma[i + 1].start = x;
            p->vma[i + 1].foff += x - p->vma[i].start;
            return 0;
        }
        if (p->vma[i].start >= x)
            break;
    }
    return 0;
}

static int vma_remove(proc_t *p, uint64_t s, uint64_t e)
{
    int rc = vma_split_at(p, s);
    if (!rc)
        rc = vma_split_at(p, e);
    if (rc)
        return rc;
    size_t w = 0;
    for (size_t i = 0; i < p->nvma; i++)
        if (p->vma[i].end <= s || p->vma[i].start >= e)
            p->vma[w++] = p->vma[i];
    p->nvma = w;
    return 0;
}

static int vma_insert(proc_t *p, vma_t v)
{
    int rc = vma_remove(p, v.start, v.end);
    if (!rc)
        rc = vma_reserve(p, 1);
    if (rc)
        return rc;
    size_t i = 0;
    while (i < p->nvma && p->vma[i].start < v.start)
        i++;
    memmove(&p->vma[i + 1], &p->vma[i], (p->nvma - i) * sizeof *p->vma);
    p->vma[i] = v;
    p->nvma++;
    return 0;
}

static const vma_t *vma_find(const proc_t *p, uint64_t va)
{
    size_t lo = 0, hi = p->nvma;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (p->vma[mid].end <= va)
            lo = mid + 1;
        else if (p->vma[mid].start > va)
            hi = mid;
        else
            return &p->vma[mid];
    }
    return NULL;
}

/* [s, e) lies in VMAs with the same flags, hint and kind as *like, without
 * gaps (large pages are for anonymous memory only). */
static int vma_covers(const proc_t *p, uint64_t s, uint64_t e, const vma_t *like)
{
    if (like->kind != MMU_MAP_ANON)
        return 0;
    const vma_t *v = vma_find(p, s);
    if (!v)
        return 0;
    const vma_t *last = p->vma + p->nvma;
    uint64_t at = s;
    for (; v < last && at < e; v++) {
        if (v->start > at || v->flags != like->flags || v->hint != like->hint ||
            v->kind != like->kind)
            return 0;
        at = v->end;
    }
    return at >= e;
}

/* ---- page tables ---- */

static int rd(const mmu_aspace_t *as, uint64_t pa, uint64_t *v)
{
    return mmu_sparse_mem_read64(as->mem, pa, v);
}

static int wr(mmu_aspace_t *as, uint64_t pa, uint64_t v)
{
    return mmu_sparse_mem_write64(as->mem, pa, v);
}

static int zero_frame(mmu_aspace_t *as, uint64_t pa)
{
    for (uint64_t off = 0; off < SZ_4K; off += 8) {
        int rc = wr(as, pa + off, 0);
        if (rc)
            return rc;
    }
    return 0;
}

/* Table frames for one page-table change of one process. From the memory,
 * they are taken before the change (each allocation may reclaim, and the OOM
 * killer may end the process) and handed out from `pre`; from a pool outside
 * it, as needed. */
typedef struct tsrc {
    mmu_aspace_t *as;
    proc_t *p;
    uint32_t pre[8];
    unsigned npre;
} tsrc_t;

static int from_mem(const mmu_aspace_t *as)
{
    return as->pm && as->cfg.tables_in_mem;
}

static int tsrc_alloc(void *ctx, uint64_t *pa)
{
    tsrc_t *t = ctx;
    mmu_aspace_t *as = t->as;
    if (from_mem(as)) {
        if (!t->npre)
            return MMU_ENOSPC; /* unreachable: tables_needed counted them */
        *pa = mmu_physmem_pa(as->pm, t->pre[--t->npre]);
    } else {
        if (t->p->pool_next >= t->p->pool_end)
            return MMU_ENOSPC;
        *pa = t->p->pool_next;
        t->p->pool_next += SZ_4K;
        as->table_frames++;
        t->p->tables++;
    }
    return zero_frame(as, *pa);
}

static void tsrc_init(tsrc_t *t, mmu_aspace_t *as, proc_t *p)
{
    t->as = as;
    t->p = p;
    t->npre = 0;
}

/* Give back table frames taken but not used. */
static void tsrc_release(tsrc_t *t)
{
    while (t->npre) {
        uint32_t id = t->pre[--t->npre];
        os_free(t->as, MMU_PAGE_4K, id);
        t->as->table_frames--;
        t->p->tables--;
    }
}

/* Take the table frames a mapping at `level` for va still needs. Returns 0,
 * OS_KILLED, or MMU_ENOSPC (out of memory with nothing to reclaim). */
static int tables_needed(mmu_aspace_t *as, tsrc_t *t, uint64_t va, unsigned level)
{
    if (!from_mem(as))
        return 0;
    uint64_t table = t->p->kroot;
    unsigned need = 0;
    for (unsigned l = as->cfg.levels; l > level; l--) {
        uint64_t e;
        int rc = rd(as, table + 8ull * ((va >> (12 + 9 * (l - 1))) & 511), &e);
        if (rc)
            return rc;
        if (!(e & MMU_PTE_P)) {
            need = l - level;
            break;
        }
        table = e & FRAME_MASK;
    }
    while (t->npre < need) {
        uint32_t id;
        int rc = os_alloc(as, MMU_PAGE_4K, PG_TABLE, 1, &id);
        if (rc) {
            tsrc_release(t);
            return rc;
        }
        t->pre[t->npre++] = id;
        as->table_frames++;
        t->p->tables++;
    }
    return 0;
}

static mmu_pgt_t pgt_of(mmu_aspace_t *as, tsrc_t *t)
{
    mmu_pgt_t g = {as->mem, as->cfg.levels, tsrc_alloc, t};
    return g;
}

static int find_leaf(mmu_aspace_t *as, const proc_t *p, uint64_t va, mmu_pgt_leaf_t *out)
{
    return mmu_pgt_find(&as->pgt, p->kroot, va, out);
}

/* KPTI: the user view shares every table below the root; copy the root entry. */
static int sync_user_root(mmu_aspace_t *as, const proc_t *p, uint64_t va)
{
    if (p->uroot == p->kroot)
        return 0;
    unsigned top = as->cfg.levels;
    uint64_t off = 8ull * ((va >> (12 + 9 * (top - 1))) & 511), e;
    int rc = rd(as, p->kroot + off, &e);
    return rc ? rc : wr(as, p->uroot + off, e);
}

static uint64_t view_cr3(const mmu_aspace_t *as, const proc_t *p, int kernel)
{
    if (kernel && as->cfg.kpti)
        return p->kroot | p->pcid_k;
    return p->uroot | p->pcid_u;
}

static int load_cr3(mmu_aspace_t *as, uint64_t cr3, char *msg, size_t len)
{
    mmu_err_t err;
    int rc = mmu_write_cr(as->mmu, 3, cr3, &err);
    if (rc)
        return fail(msg, len, rc, "MOV to CR3 0x%llx: %s", (unsigned long long)cr3, err.msg);
    as->st.cr3_writes++;
    return 0;
}

/* Run process p in its current mode: with PCIDs its TLB entries survive. */
static int switch_to(mmu_aspace_t *as, unsigned p, char *msg, size_t len)
{
    if (p != as->cur)
        as->st.switches++;
    as->cur = p;
    as->slice = 0;
    const proc_t *pr = &as->procs[p];
    return load_cr3(as, view_cr3(as, pr, pr->in_kernel) | (as->cfg.pcid ? MMU_CR3_NOFLUSH : 0),
                    msg, len);
}

/* ---- invalidation after a page-table change ---- */

static int inval_page(mmu_aspace_t *as, uint64_t va, char *msg, size_t len)
{
    const proc_t *p = &as->procs[as->cur];
    mmu_invlpg(as->mmu, va);
    as->st.os_invlpg++;
    if (as->cfg.kpti && as->cfg.pcid) {
        /* INVLPG reaches the current PCID only; the other view of the process
         * has its own (Linux: invalidate_user_asid / INVPCID individual). */
        uint16_t other = p->in_kernel ? p->pcid_u : p->pcid_k;
        mmu_err_t err;
        int rc = mmu_invpcid(as->mmu, 0, other, va, &err);
        if (rc)
            return fail(msg, len, rc, "INVPCID 0: %s", err.msg);
        as->st.os_invpcid++;
    }
    return 0;
}

static int inval_all(mmu_aspace_t *as, char *msg, size_t len)
{
    const proc_t *p = &as->procs[as->cur];
    as->st.os_full_flushes++;
    if (!as->cfg.pcid)
        return load_cr3(as, view_cr3(as, p, p->in_kernel), msg, len);
    uint16_t ids[2] = {p->pcid_k, p->pcid_u};
    for (int i = 0; i < (as->cfg.kpti ? 2 : 1); i++) {
        mmu_err_t err;
        int rc = mmu_invpcid(as->mmu, 1, ids[i], 0, &err);
        if (rc)
            return fail(msg, len, rc, "INVPCID 1: %s", err.msg);
        as->st.os_invpcid++;
    }
    return 0;
}

int os_inval(mmu_aspace_t *as, unsigned q, uint64_t va, int who)
{
    const proc_t *p = &as->procs[q];
    int done = 0;
    if (q == as->cur) {
        mmu_invlpg(as->mmu, va);
        done = 1;
        if (as->cfg.kpti && as->cfg.pcid) {
            mmu_err_t err;
            int rc = mmu_invpcid(as->mmu, 0, p->in_kernel ? p->pcid_u : p->pcid_k, va, &err);
            if (rc)
                return rc;
        }
    } else if (as->cfg.pcid) {
        /* Another process's PCID: INVPCID individual-address (an OS may
         * instead defer it to the next switch, as Linux's tlb_gen does). */
        uint16_t ids[2] = {p->pcid_k, p->pcid_u};
        for (int i = 0; i < (as->cfg.kpti ? 2 : 1); i++) {
            mmu_err_t err;
            int rc = mmu_invpcid(as->mmu, 0, ids[i], va, &err);
            if (rc)
                return rc;
        }
        done = 1;
    }
    /* Without PCIDs, a process that is not running has nothing cached: its
     * entries went with the CR3 load that switched away from it. */
    if (done) {
        if (who == WHO_KSWAPD)
            as->st.shootdowns++;
        else
            as->st.reclaim_invlpg++;
    }
    return 0;
}

static void count_pages(mmu_aspace_t *as, mmu_page_size_t ps, uint64_t n)
{
    if (ps == MMU_PAGE_1G)
        as->st.pages_1g += n;
    else if (ps == MMU_PAGE_2M)
        as->st.pages_2m += n;
    else
        as->st.pages_4k += n;
}

/* Replace a large leaf by 512 leaves of the next size down, same frames and
 * flags (A, D and PROT_NONE kept). With a memory limit only 2M pages exist;
 * their table is the one deposited when the page was made (as Linux's
 * pgtable_trans_huge_deposit), so a split never needs memory; the 512 pages
 * then live on in the policy as 4 KiB pages (split_flags for their insert)
 * if the 2M page was there, or reclaim, which just took it out, splits it. */
static int split_leaf(mmu_aspace_t *as, proc_t *p, uint64_t va, const mmu_pgt_leaf_t *lf,
                      unsigned split_flags, int by_reclaim)
{
    uint64_t size = 1ull << (12 + 9 * (lf->level - 1));
    uint64_t base = va & ~(size - 1);
    uint64_t frame = lf->pte & FRAME_MASK & ~(size - 1);
    uint64_t flags = lf->pte & ~(FRAME_MASK | MMU_PTE_PS);
    mmu_page_size_t small = lf->level == 3 ? MMU_PAGE_2M : MMU_PAGE_4K;
    uint64_t ssize = page_bytes(small), table;
    uint32_t head = NIL32;
    int rc;
    if (as->pm) {
        head = mmu_physmem_frame(as->pm, frame);
        if (head == NIL32 || as->pages[head].deposit == NIL32)
            return MMU_EINVAL; /* unreachable: every 2M page has its deposit */
        table = mmu_physmem_pa(as->pm, as->pages[head].deposit);
        as->pages[head].deposit = NIL32;
        if ((rc = zero_frame(as, table)) != 0)
            return rc;
    } else {
        tsrc_t t;
        tsrc_init(&t, as, p);
        if ((rc = tsrc_alloc(&t, &table)) != 0)
            return rc;
    }
    for (unsigned i = 0; i < 512; i++) {
        uint64_t e = mmu_pgt_leaf(frame + i * ssize, small, flags);
        if (!(lf->pte & MMU_PTE_P))
            e &= ~MMU_PTE_P;
        if ((rc = wr(as, table + 8ull * i, e)) != 0)
            return rc;
    }
    if ((rc = wr(as, lf->epa, table | MMU_PGT_TABLE_FLAGS)) != 0)
        return rc;
    if (as->pm) {
        os_page_t *h = &as->pages[head];
        int in_lru = (h->flags & PGF_LRU) != 0 || by_reclaim;
        if (in_lru)
            os_lru_del(as, head);
        uint8_t keep = h->flags & PGF_DIRTY;
        uint16_t proc = h->proc;
        uint8_t state = h->state;
        for (unsigned i = 0; i < 512; i++) {
            os_page_t *g = &as->pages[head + i];
            g->va = base + i * SZ_4K;
            g->ptepa = table + 8ull * i;
            g->slot = MMU_SWP_NONE;
            g->proc = proc;
            g->state = state;
            g->flags = keep;
            g->head = head + i;
            g->more = NIL32;
            g->deposit = NIL32;
        }
        if (in_lru)
            for (unsigned i = 0; i < 512; i++)
                os_lru_add(as, head + i, split_flags);
    }
    if (by_reclaim)
        as->st.thp_splits++;
    else
        as->st.splits++;
    count_pages(as, small, 512);
    return 0;
}

/* For reclaim.c: split the 2M page `id` (its only mapper's PDE), invalidate
 * its translation, put its pieces in the policy. */
int os_split_thp(mmu_aspace_t *as, uint32_t id, int who);
int os_split_thp(mmu_aspace_t *as, uint32_t id, int who)
{
    os_page_t *g = &as->pages[id];
    unsigned q = g->proc;
    uint64_t va = g->va;
    mmu_pgt_leaf_t lf;
    int rc = find_leaf(as, &as->procs[q], va, &lf);
    if (rc)
        return rc;
    if (lf.kind != 1 || lf.level != 2)
        return MMU_EINVAL; /* unreachable: the page is mapped by its PDE */
    if ((rc = split_leaf(as, &as->procs[q], va, &lf, MMU_REPL_SPLIT, 1)) != 0)
        return rc;
    /* The 2M TLB entry must go; INVLPG of any address in it does (SDM 4.10.4.1). */
    return os_inval(as, q, va, who);
}

/* A leaf (or swap entry) of process q at va was just cleared: drop what it
 * held: the swap slot reference, or the page's mapping (an anonymous page
 * that nothing maps any more is freed; a file page stays cached, dirty if the
 * PTE was). */
static void release_leaf(mmu_aspace_t *as, unsigned q, uint64_t va, const mmu_pgt_leaf_t *lf)
{
    proc_t *p = &as->procs[q];
    if (lf->kind == 2) {
        mmu_swap_put(as->swap, mmu_pte_to_swp(lf->pte));
        p->swapents--;
        return;
    }
    if (!as->pm)
        return;
    uint32_t f = mmu_physmem_frame(as->pm, lf->pte & FRAME_MASK);
    if (f == NIL32)
        return;
    uint32_t id = os_page_of(as, f);
    os_page_t *g = &as->pages[id];
    uint64_t size = 1ull << (12 + 9 * (lf->level - 1));
    os_rmap_del(as, id, q, va & ~(size - 1));
    p->rss -= size >> 12;
    if (lf->pte & MMU_PTE_D)
        g->flags |= PGF_DIRTY;
    if (g->state == PG_ANON && !os_mapcount(as, id)) {
        if (g->flags & PGF_LRU)
            os_lru_del(as, id);
        os_page_maybe_free(as, id);
    }
}

enum range_op { OP_UNMAP, OP_PROTECT };

static int range_apply(mmu_aspace_t *as, proc_t *p, uint64_t s, uint64_t e, enum range_op op,
                       uint64_t flags, char *msg, size_t len)
{
    /* SDM 4.10.4.3: after a change, the OS invalidates each page or flushes
     * the context. Like Linux, decide up front from the range's size. */
    int full = ((e - s) >> 12) > as->cfg.flush_ceiling;
    int changed = 0;
    unsigned q = (unsigned)(p - as->procs);
    uint64_t va = s;
    while (va < e) {
        mmu_pgt_leaf_t lf;
        int rc = find_leaf(as, p, va, &lf);
        if (rc)
            return fail(msg, len, rc, "page tables at 0x%llx: %s", (unsigned long long)va,
                        mmu_strerror(rc));
        uint64_t size = 1ull << (12 + 9 * (lf.level - 1));
        uint64_t base = va & ~(size - 1);
        if (!lf.kind || (lf.kind == 2 && op == OP_PROTECT)) {
            va = base + size;
            if (va == 0)
                break;
            continue;
        }
        if (lf.kind == 1 && (base < s || base + size > e)) { /* a large page only partly in range */
            if ((rc = split_leaf(as, p, va, &lf, 0, 0)) != 0)
                return fail(msg, len, rc, "splitting the page at 0x%llx: %s",
                            (unsigned long long)base, mmu_strerror(rc));
            changed = 1;
            if (!full && (rc = inval_page(as, base, msg, len)) != 0)
                return rc;
            continue; /* walk again: now a smaller leaf */
        }
        if (op == OP_UNMAP) {
            rc = wr(as, lf.epa, 0);
            if (lf.kind == 1)
                as->st.pages_unmapped++;
            release_leaf(as, q, base, &lf);
        } else {
            uint64_t keep = lf.pte & (FRAME_MASK | MMU_PTE_PS | MMU_PTE_A | MMU_PTE_D);
            uint64_t nf = flags & ~(FRAME_MASK | MMU_PTE_PS | MMU_PTE_A | MMU_PTE_D | (7ull << 9));
            if (as->pm) {
                /* A private file page stays read-only: a write must copy it. */
                uint32_t fr = mmu_physmem_frame(as->pm, lf.pte & FRAME_MASK);
                if (fr != NIL32 && as->pages[os_page_of(as, fr)].state == PG_FILE &&
                    !(as->pages[os_page_of(as, fr)].flags & PGF_SHARED))
                    nf &= ~MMU_PTE_RW;
            }
            rc = wr(as, lf.epa, keep | nf);
            as->st.pages_protected++;
        }
        if (rc)
            return fail(msg, len, rc, "writing the entry of 0x%llx: %s", (unsigned long long)base,
                        mmu_strerror(rc));
        changed = 1;
        if (lf.kind == 1 && !full && (rc = inval_page(as, base, msg, len)) != 0)
            return rc;
        va = base + size;
        if (va == 0)
            break;
    }
    return full && changed ? inval_all(as, msg, len) : 0;
}

/* ---- ending a process (the OOM killer's choice) ---- */

typedef struct kill_ctx {
    mmu_aspace_t *as;
    unsigned q;
} kill_ctx_t;

static int kill_leaf(void *ctx, uint64_t va, unsigned level, uint64_t epa, uint64_t pte)
{
    kill_ctx_t *k = ctx;
    mmu_aspace_t *as = k->as;
    mmu_pgt_leaf_t lf = {mmu_pte_is_swp(pte) ? 2 : 1, level, epa, pte};
    if (lf.kind == 1 && as->pm &&
        mmu_physmem_frame(as->pm, pte & FRAME_MASK) == NIL32)
        return 0; /* the kernel page: not the process's */
    int rc = wr(as, epa, 0);
    if (!rc)
        release_leaf(as, k->q, va, &lf);
    return rc;
}

static int kill_table(void *ctx, uint64_t pa)
{
    kill_ctx_t *k = ctx;
    mmu_aspace_t *as = k->as;
    uint32_t f = as->pm ? mmu_physmem_frame(as->pm, pa) : NIL32;
    if (f != NIL32 && as->pages[f].state == PG_TABLE) {
        os_free(as, MMU_PAGE_4K, f);
        as->table_frames--;
        as->procs[k->q].tables--;
    }
    return 0;
}

int os_kill(mmu_aspace_t *as, unsigned q)
{
    proc_t *p = &as->procs[q];
    kill_ctx_t k = {as, q};
    mmu_pgt_visit_t v = {kill_leaf, kill_table, &k};
    int rc = mmu_pgt_walk_all(&as->pgt, p->kroot, &v);
    if (rc)
        return rc;
    /* Its translations must not outlive it: its tables are free memory now. */
    if (as->cfg.pcid) {
        uint16_t ids[2] = {p->pcid_k, p->pcid_u};
        for (int i = 0; i < (as->cfg.kpti ? 2 : 1); i++) {
            mmu_err_t err;
            if ((rc = mmu_invpcid(as->mmu, 1, ids[i], 0, &err)) != 0)
                return rc;
        }
    } else if (q == as->cur) {
        mmu_flush_all(as->mmu);
    }
    uint64_t roots[2] = {p->kroot, p->uroot};
    for (int i = 0; i < (p->uroot != p->kroot ? 2 : 1); i++)
        kill_table(&k, roots[i]);
    p->killed = 1;
    p->killed_at = as->access_idx;
    p->nvma = 0;
    if (q == as->cur) {
        as->killed_current = 1;
        for (unsigned i = 1; i <= as->cfg.nproc; i++) {
            unsigned n = (q + i) % as->cfg.nproc;
            if (!as->procs[n].killed) {
                char m[64];
                return switch_to(as, n, m, sizeof m);
            }
        }
    }
    return 0;
}

int mmu_aspace_exit(mmu_aspace_t *as, unsigned p, char *msg, size_t msglen)
{
    if (p >= as->cfg.nproc || as->procs[p].killed)
        return fail(msg, msglen, MMU_EINVAL, "exit: process %u: no such process running", p);
    int rc = os_kill(as, p);
    as->killed_current = 0;
    return rc ? fail(msg, msglen, rc, "exit: process %u: %s", p, mmu_strerror(rc)) : 0;
}

/* ---- demand paging ---- */

static uint64_t region_hash(const mmu_aspace_t *as, uint64_t region, uint64_t salt)
{
    return splitmix64(as->cfg.seed ^ splitmix64(region ^ salt)) % 100;
}

static mmu_page_size_t wanted_size(const mmu_aspace_t *as, const vma_t *v, uint64_t va)
{
    mmu_page_size_t ps;
    if (v->hint == MMU_PAGE_2M || v->hint == MMU_PAGE_1G)
        ps = (mmu_page_size_t)v->hint;
    else
        switch (as->cfg.policy) {
        case MMU_POLICY_THP:
            ps = MMU_PAGE_2M;
            break;
        case MMU_POLICY_1G:
            ps = MMU_PAGE_1G;
            break;
        case MMU_POLICY_MIXED:
            if (region_hash(as, va >> 30, 0x1ull) < as->cfg.mixed_1g_pct)
                ps = MMU_PAGE_1G;
            else if (region_hash(as, va >> 21, 0x2ull) < as->cfg.mixed_2m_pct)
                ps = MMU_PAGE_2M;
            else
                ps = MMU_PAGE_4K;
            break;
        default:
            ps = MMU_PAGE_4K;
        }
    /* With a memory limit, pages are 4K or 2M: 1G pages (hugetlbfs) are
     * reserved at boot and never reclaimed, outside what is studied here. */
    if (as->pm && ps == MMU_PAGE_1G)
        ps = MMU_PAGE_2M;
    return ps;
}

static void count_demand(mmu_aspace_t *as, mmu_page_size_t ps)
{
    as->st.demand_faults++;
    if (ps == MMU_PAGE_1G)
        as->st.demand_faults_1g++;
    else if (ps == MMU_PAGE_2M)
        as->st.demand_faults_2m++;
    else
        as->st.demand_faults_4k++;
    count_pages(as, ps, 1);
}

/* Results of a fault handler. */
enum { FX_FIXED = 0, FX_SEGV = 1, FX_RETRY = 2 };

/* Without a memory limit: map the page holding va from the never-freed
 * region. */
static int legacy_map(mmu_aspace_t *as, proc_t *p, const vma_t *v, uint64_t va,
                      const mmu_pgt_leaf_t *lf, char *msg, size_t len)
{
    mmu_page_size_t ps = wanted_size(as, v, va);
    uint64_t pa = 0;
    int rc;
    for (;;) {
        uint64_t size = page_bytes(ps);
        uint64_t base = va & ~(size - 1);
        /* Eligible: the empty entry is at or above this size's leaf level
         * (no smaller pages in the region) and the region is one kind of VMA. */
        int ok = ps == MMU_PAGE_4K ||
                 (lf->level >= (unsigned)ps + 1 && vma_covers(p, base, base + size, v));
        if (ok) {
            rc = mmu_frames_alloc(as->frames, ps, &pa);
            if (rc == 0)
                break;
            if (ps == MMU_PAGE_4K)
                return fail(msg, len, rc, "out of physical frames (%llu of %llu used)",
                            (unsigned long long)mmu_frames_used(as->frames),
                            (unsigned long long)mmu_frames_total(as->frames));
            if (ps == MMU_PAGE_1G)
                as->st.fallbacks_1g++;
            else
                as->st.fallbacks_2m++;
        }
        ps = (mmu_page_size_t)(ps - 1);
    }
    uint64_t size = page_bytes(ps), base = va & ~(size - 1);
    tsrc_t t;
    tsrc_init(&t, as, p);
    mmu_pgt_t g = pgt_of(as, &t);
    rc = mmu_pgt_map(&g, p->kroot, base, pa, ps, v->flags, NULL);
    if (!rc)
        rc = sync_user_root(as, p, base);
    if (rc)
        return fail(msg, len, rc, "process %u: mapping 0x%llx: %s", as->cur,
                    (unsigned long long)base, mmu_strerror(rc));
    count_demand(as, ps);
    as->st.minor_faults++;
    as->st.first_touches++;
    p->rss += size >> 12;
    return FX_FIXED;
}

/* Write the leaf of a new mapping (its tables are in t), make the page's
 * first mapper process q at base, and keep the KPTI user root in step. */
static int install(mmu_aspace_t *as, tsrc_t *t, unsigned q, uint64_t base, uint32_t id,
                   mmu_page_size_t ps, uint64_t flags, char *msg, size_t len)
{
    proc_t *p = &as->procs[q];
    mmu_pgt_t g = pgt_of(as, t);
    uint64_t epa;
    int rc = mmu_pgt_entry(&g, p->kroot, base, (unsigned)ps + 1, &epa, NULL);
    if (!rc)
        rc = wr(as, epa, mmu_pgt_leaf(mmu_physmem_pa(as->pm, id), ps, flags));
    if (!rc)
        rc = sync_user_root(as, p, base);
    if (rc)
        return fail(msg, len, rc, "process %u: mapping 0x%llx: %s", q, (unsigned long long)base,
                    mmu_strerror(rc));
    tsrc_release(t);
    if ((rc = os_rmap_add(as, id, q, base, epa)) != 0)
        return fail(msg, len, rc, "process %u: out of host memory for the reverse map", q);
    p->rss += page_bytes(ps) >> 12;
    return 0;
}

static void charge(mmu_aspace_t *as, uint64_t ns)
{
    mmu_cycle_t c = os_cycles(as, ns);
    as->now += c;
    as->st.fault_cycles += c;
}

/* An allocation in a fault handler failed: the process was ended (OS_KILLED,
 * passed up), or memory is full with nothing left to reclaim or kill. */
static int alloc_failed(mmu_aspace_t *as, int rc, char *msg, size_t len)
{
    if (rc == OS_KILLED)
        return OS_KILLED;
    return fail(msg, len, MMU_ENOSPC,
                "out of memory: %llu frames, none free and nothing left to reclaim or kill",
                (unsigned long long)as->npages);
}

/* First touch of an anonymous page: a zeroed page, 2M where the THP rules
 * allow and a whole free 2 MiB block is there (no reclaim for it, as THP's
 * default defrag setting), else 4K. */
static int first_touch_anon(mmu_aspace_t *as, const vma_t *v, uint64_t va,
                            const mmu_pgt_leaf_t *lf, char *msg, size_t len)
{
    unsigned q = as->cur;
    proc_t *p = &as->procs[q];
    tsrc_t t;
    tsrc_init(&t, as, p);
    mmu_page_size_t ps = wanted_size(as, v, va);
    uint32_t id = NIL32, dep = NIL32;
    int rc;
    if (ps == MMU_PAGE_2M) {
        uint64_t base = va & ~(SZ_2M - 1);
        if (lf->level >= 2 && vma_covers(p, base, base + SZ_2M, v)) {
            if ((rc = tables_needed(as, &t, base, 2)) != 0)
                return alloc_failed(as, rc, msg, len);
            if (os_alloc(as, MMU_PAGE_2M, PG_ANON, 0, &id) == 0) {
                if ((rc = os_alloc(as, MMU_PAGE_4K, PG_TABLE, 1, &dep)) != 0) {
                    os_free(as, MMU_PAGE_2M, id);
                    tsrc_release(&t);
                    return alloc_failed(as, rc, msg, len);
                }
                as->table_frames++;
                p->tables++;
            } else {
                as->st.fallbacks_2m++;
            }
        }
        if (id == NIL32)
            ps = MMU_PAGE_4K;
    } else {
        ps = MMU_PAGE_4K;
    }
    if (id == NIL32) {
        if ((rc = tables_needed(as, &t, va, 1)) != 0 ||
            (rc = os_alloc(as, MMU_PAGE_4K, PG_ANON, 1, &id)) != 0) {
            tsrc_release(&t);
            return alloc_failed(as, rc, msg, len);
        }
    }
    uint64_t base = va & ~(page_bytes(ps) - 1);
    os_page_t *g = &as->pages[id];
    g->token = 0;
    g->flags |= PGF_DIRTY;
    if (ps == MMU_PAGE_2M) {
        g->flags |= PGF_LARGE;
        g->deposit = dep;
        for (unsigned i = 1; i < 512; i++) {
            as->pages[id + i].state = PG_TAIL;
            as->pages[id + i].head = id;
            as->pages[id + i].token = 0;
        }
    }
    if ((rc = install(as, &t, q, base, id, ps, v->flags, msg, len)) != 0)
        return rc;
    if (ps == MMU_PAGE_4K || as->cfg.thp_reclaim)
        os_lru_add(as, id, 0);
    count_demand(as, ps);
    as->st.minor_faults++;
    as->st.first_touches++;
    charge(as, as->cfg.fault_ns + as->cfg.zero_ns * (page_bytes(ps) >> 12));
    return FX_FIXED;
}

/* A page of the page cache for (file, pgoff): found (minor), or read into a
 * new frame: major when it was cached before and dropped (a refault) or when
 * files start uncached, minor otherwise. */
static int file_page(mmu_aspace_t *as, const vma_t *v, uint64_t pgoff, uint32_t *out,
                     int *major, char *msg, size_t len)
{
    mmu_filemap_entry_t *e = mmu_filemap_get(as->fm, v->file, pgoff);
    if (!e)
        return fail(msg, len, MMU_ENOMEM, "out of host memory for the page cache");
    *major = 0;
    if (e->page != MMU_FILEMAP_NOPAGE) {
        *out = e->page;
        return 0;
    }
    uint32_t id;
    int rc = os_alloc(as, MMU_PAGE_4K, PG_FILE, 1, &id);
    if (rc)
        return alloc_failed(as, rc, msg, len);
    e = mmu_filemap_get(as->fm, v->file, pgoff);
    os_page_t *g = &as->pages[id];
    g->token = e->token;
    g->win = e->stamp;
    g->file = v->file;
    g->pgoff = pgoff;
    g->flags |= (v->kind == MMU_MAP_FILE_SHARED ? PGF_SHARED : 0) |
                (!(v->flags & MMU_PTE_XD) ? PGF_EXEC : 0);
    e->page = id;
    mmu_filemap_note(as->fm, 1);
    unsigned lf = (g->flags & PGF_EXEC) ? MMU_REPL_EXEC : 0;
    if (e->shadow) {
        as->st.refaults++;
        if (os_refault_active(as, e->shadow)) {
            as->st.refaults_active++;
            lf |= MMU_REPL_ACTIVE;
        }
    }
    if (e->shadow || !as->cfg.files_cached) {
        *major = 1;
        as->st.file_reads++;
        charge(as, as->cfg.fault_ns);
        mmu_cycle_t t0 = as->now, done = mmu_blkdev_submit(&as->filedev, t0, 1, 0);
        as->st.io_wait_cycles += done - t0;
        as->now = done;
    }
    os_lru_add(as, id, MMU_REPL_FILE | lf);
    *out = id;
    return 0;
}

/* First touch of a file page. A write to a private mapping copies the page
 * into a new anonymous one (do_cow_fault); otherwise the page cache page is
 * mapped, read-only in a private mapping (so a later write copies it). */
static int first_touch_file(mmu_aspace_t *as, const vma_t *v, uint64_t va, int write, char *msg,
                            size_t len)
{
    unsigned q = as->cur;
    proc_t *p = &as->procs[q];
    uint64_t base = va & ~(SZ_4K - 1);
    uint64_t pgoff = (base - v->start + v->foff) >> 12;
    tsrc_t t;
    tsrc_init(&t, as, p);
    int rc, major = 0;
    uint32_t id = NIL32;
    if ((rc = tables_needed(as, &t, base, 1)) != 0)
        return alloc_failed(as, rc, msg, len);
    if ((rc = file_page(as, v, pgoff, &id, &major, msg, len)) != 0) {
        tsrc_release(&t);
        return rc;
    }
    /* One fault, one kind: a read from the file (major), else a copy
     * (minor, COW) or the cached page mapped (minor, first touch). */
    int copy = write && v->kind == MMU_MAP_FILE_PRIVATE;
    if (major)
        as->st.major_faults++;
    else
        as->st.minor_faults++;
    if (!major && !copy)
        as->st.first_touches++;
    if (copy) {
        uint64_t tok = as->pages[id].token;
        uint32_t aid;
        if ((rc = os_alloc(as, MMU_PAGE_4K, PG_ANON, 1, &aid)) != 0) {
            tsrc_release(&t);
            return alloc_failed(as, rc, msg, len);
        }
        as->pages[aid].token = tok;
        as->pages[aid].flags |= PGF_DIRTY;
        if ((rc = install(as, &t, q, base, aid, MMU_PAGE_4K, v->flags, msg, len)) != 0)
            return rc;
        os_lru_add(as, aid, 0);
        if (!major)
            as->st.cow_faults++;
        charge(as, as->cfg.fault_ns + as->cfg.copy_ns);
        return FX_FIXED;
    }
    uint64_t flags = v->kind == MMU_MAP_FILE_PRIVATE ? v->flags & ~MMU_PTE_RW : v->flags;
    if ((rc = install(as, &t, q, base, id, MMU_PAGE_4K, flags, msg, len)) != 0)
        return rc;
    if (!(as->pages[id].flags & PGF_LRU))
        os_lru_add(as, id, MMU_REPL_FILE);
    if (!major)
        charge(as, as->cfg.fault_ns);
    return FX_FIXED;
}

/* Swap it back (do_swap_page): from the swap cache if the page is still
 * there (minor), else read from the slot's area (major), with the aligned
 * readahead window of other swapped-out slots into the swap cache. A write
 * fault, or swap more than half full, frees the slot (the page will differ
 * from it); a read fault keeps it, so an unchanged page is later dropped
 * without a write. */
static int swap_in(mmu_aspace_t *as, const vma_t *v, uint64_t va, const mmu_pgt_leaf_t *lf,
                   int write, char *msg, size_t len)
{
    unsigned q = as->cur;
    proc_t *p = &as->procs[q];
    mmu_swp_t e = mmu_pte_to_swp(lf->pte);
    uint32_t id = mmu_swap_cache_page(as->swap, e);
    int rc;
    if (id != MMU_SWAP_NOPAGE) {
        as->st.swapcache_hits++;
        as->st.minor_faults++;
        if (as->pages[id].flags & PGF_RA) {
            as->st.readahead_hits++;
            as->pages[id].flags &= (uint8_t)~PGF_RA;
        }
        charge(as, as->cfg.fault_ns);
    } else {
        if ((rc = os_alloc(as, MMU_PAGE_4K, PG_ANON, 1, &id)) != 0)
            return alloc_failed(as, rc, msg, len);
        mmu_swp_t ra[256];
        uint32_t raid[256];
        unsigned n = mmu_swap_window(as->swap, e, as->cfg.readahead, ra, 256), got = 0;
        for (unsigned i = 0; i < n; i++) {
            /* Read ahead only into memory above the low watermark. */
            if (mmu_physmem_free_frames(as->pm) <= as->wlow + 1 ||
                os_alloc(as, MMU_PAGE_4K, PG_ANON, 0, &raid[got]) != 0)
                break;
            os_page_t *r = &as->pages[raid[got]];
            r->slot = ra[i];
            as->swapcache_pages++;
            r->token = mmu_swap_token(as->swap, ra[i]);
            r->win = mmu_swap_stamp(as->swap, ra[i]);
            r->flags |= PGF_RA;
            mmu_swap_cache_add(as->swap, ra[i], raid[got]);
            os_lru_add(as, raid[got], MMU_REPL_COLD);
            got++;
        }
        as->st.readahead_pages += got;
        charge(as, as->cfg.fault_ns);
        mmu_cycle_t t0 = as->now, done = mmu_blkdev_submit(mmu_swap_dev(as->swap, e), t0, 1 + got, 0);
        as->st.io_wait_cycles += done - t0;
        as->now = done;
        os_page_t *g = &as->pages[id];
        g->slot = e;
        as->swapcache_pages++;
        g->token = mmu_swap_token(as->swap, e);
        g->win = mmu_swap_stamp(as->swap, e);
        mmu_swap_cache_add(as->swap, e, id);
        as->st.swap_ins++;
        as->st.major_faults++;
        as->st.refaults++;
        unsigned fl = 0;
        if (os_refault_active(as, mmu_swap_shadow(as->swap, e))) {
            as->st.refaults_active++;
            fl = MMU_REPL_ACTIVE;
        }
        os_lru_add(as, id, fl);
    }
    os_page_t *g = &as->pages[id];
    uint64_t base = va & ~(SZ_4K - 1);
    if ((rc = wr(as, lf->epa, mmu_pgt_leaf(mmu_physmem_pa(as->pm, id), MMU_PAGE_4K, v->flags))) != 0)
        return fail(msg, len, rc, "writing the entry of 0x%llx: %s", (unsigned long long)base,
                    mmu_strerror(rc));
    if ((rc = os_rmap_add(as, id, q, base, lf->epa)) != 0)
        return fail(msg, len, rc, "out of host memory for the reverse map");
    mmu_swap_put(as->swap, e);
    p->swapents--;
    p->rss++;
    if (!(g->flags & PGF_LRU))
        os_lru_add(as, id, 0);
    if (write || 2 * mmu_swap_used(as->swap) > mmu_swap_total(as->swap)) {
        mmu_swap_cache_del(as->swap, e);
        g->slot = MMU_SWP_NONE;
        as->swapcache_pages--;
        g->flags |= PGF_DIRTY;
    }
    return FX_FIXED;
}

/* A write to a private file page mapped read-only: copy it into a new
 * anonymous page and map that writable in its place (wp_page_copy), then
 * invalidate the old read-only translation. */
static int cow(mmu_aspace_t *as, const vma_t *v, uint64_t va, char *msg, size_t len)
{
    unsigned q = as->cur;
    proc_t *p = &as->procs[q];
    uint64_t base = va & ~(SZ_4K - 1);
    mmu_pgt_leaf_t lf;
    int rc = find_leaf(as, p, va, &lf);
    if (rc)
        return fail(msg, len, rc, "page tables at 0x%llx: %s", (unsigned long long)va,
                    mmu_strerror(rc));
    if (lf.kind != 1 || !(lf.pte & MMU_PTE_P) || lf.level != 1)
        return FX_SEGV;
    uint32_t f = mmu_physmem_frame(as->pm, lf.pte & FRAME_MASK);
    if (f == NIL32 || as->pages[f].state != PG_FILE || (as->pages[f].flags & PGF_SHARED))
        return FX_SEGV;
    uint64_t tok = as->pages[f].token;
    uint32_t aid;
    if ((rc = os_alloc(as, MMU_PAGE_4K, PG_ANON, 1, &aid)) != 0)
        return alloc_failed(as, rc, msg, len);
    /* Reclaim may have taken the file page meanwhile: then fault again. */
    mmu_pgt_leaf_t now;
    if ((rc = find_leaf(as, p, va, &now)) != 0)
        return rc;
    if (now.kind != 1 || ((now.pte ^ lf.pte) & (FRAME_MASK | MMU_PTE_P))) {
        os_free(as, MMU_PAGE_4K, aid);
        return FX_RETRY;
    }
    if ((rc = wr(as, lf.epa, mmu_pgt_leaf(mmu_physmem_pa(as->pm, aid), MMU_PAGE_4K, v->flags))) != 0)
        return rc;
    os_rmap_del(as, f, q, base);
    if ((rc = os_rmap_add(as, aid, q, base, lf.epa)) != 0)
        return fail(msg, len, rc, "out of host memory for the reverse map");
    as->pages[aid].token = tok;
    as->pages[aid].flags |= PGF_DIRTY;
    as->pages[aid].win = as->pages[f].win;
    os_lru_add(as, aid, 0);
    if ((rc = inval_page(as, base, msg, len)) != 0)
        return rc;
    as->st.cow_faults++;
    as->st.minor_faults++;
    charge(as, as->cfg.fault_ns + as->cfg.copy_ns);
    return FX_FIXED;
}

static void note_event(mmu_aspace_t *as, const mmu_aspace_event_t *ev)
{
    if (as->nev_kind[ev->kind] >= MMU_ASPACE_MAX_EVENTS)
        return;
    as->nev_kind[ev->kind]++;
    as->events[as->nevents++] = *ev;
}

/* Answer a #PF of the running process: FX_FIXED / FX_RETRY (try the access
 * again), FX_SEGV (an invalid access), OS_KILLED, or a negative error. */
static int handle_fault(mmu_aspace_t *as, uint64_t va, unsigned type, const mmu_fault_t *f,
                        char *msg, size_t len)
{
    proc_t *p = &as->procs[as->cur];
    int write = type == MMU_ACC_WRITE;
    if (f->kind != MMU_FAULT_PF || (f->error_code & MMU_PF_RSVD) || va >= as->user_top)
        return FX_SEGV;
    const vma_t *v = vma_find(p, va);
    if (!v || !(v->flags & MMU_PTE_P))
        return FX_SEGV;
    if (f->error_code & MMU_PF_P) {
        if (write && as->pm && v->kind == MMU_MAP_FILE_PRIVATE && (v->flags & MMU_PTE_RW))
            return cow(as, v, va, msg, len);
        return FX_SEGV;
    }
    mmu_pgt_leaf_t lf;
    int rc = find_leaf(as, p, va, &lf);
    if (rc)
        return fail(msg, len, rc, "page tables at 0x%llx: %s", (unsigned long long)va,
                    mmu_strerror(rc));
    if (!as->pm)
        return lf.kind ? FX_SEGV : legacy_map(as, p, v, va, &lf, msg, len);
    if (lf.kind == 2)
        return swap_in(as, v, va, &lf, write, msg, len);
    if (lf.kind == 1)
        return FX_SEGV; /* PROT_NONE, or mapped already: not ours to fix */
    if (v->kind == MMU_MAP_ANON)
        return first_touch_anon(as, v, va, &lf, msg, len);
    return first_touch_file(as, v, va, write, msg, len);
}

/* ---- records ---- */

static int any_alive(const mmu_aspace_t *as)
{
    for (unsigned i = 0; i < as->cfg.nproc; i++)
        if (!as->procs[i].killed)
            return 1;
    return 0;
}

static int grow_series(mmu_aspace_t *as)
{
    if (as->nseries < as->capseries)
        return 0;
    size_t cap = as->capseries ? 2 * as->capseries : 64;
    mmu_aspace_sample_t *s = realloc(as->series, cap * sizeof *s);
    if (!s)
        return MMU_ENOMEM;
    as->series = s;
    as->capseries = cap;
    return 0;
}

static uint64_t resident_now(const mmu_aspace_t *as)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < as->cfg.nproc; i++)
        r += as->procs[i].rss;
    return r;
}

/* One sample of the series, after `access` accesses. */
static int sample(mmu_aspace_t *as)
{
    if (grow_series(as))
        return MMU_ENOMEM;
    mmu_aspace_sample_t *s = &as->series[as->nseries++];
    s->access = as->access_idx;
    s->cycle = as->now;
    s->resident = resident_now(as);
    s->free = as->pm ? mmu_physmem_free_frames(as->pm) : 0;
    s->swap_used = mmu_swap_used(as->swap);
    s->wss = as->wss;
    s->minor = as->st.minor_faults;
    s->major = as->st.major_faults;
    as->wss = 0;
    as->win++;
    return 0;
}

void os_tick(mmu_aspace_t *as);

/* An access translated without a fault: the OS model's bookkeeping of the
 * page (with a memory limit). */
static int access_done(mmu_aspace_t *as, const mmu_result_t *res, uint64_t idx)
{
    if (as->pm) {
        uint32_t fr = mmu_physmem_frame(as->pm, res->pa);
        if (fr != NIL32) {
            uint32_t id = os_page_of(as, fr);
            if (as->repl->touch)
                as->repl->touch(as->repl_state, id, idx);
            if (as->pages[id].win != as->win) {
                as->pages[id].win = as->win;
                as->wss++;
            }
        }
        if (as->repl->tick && ++as->tick_ctr >= as->cfg.tick) {
            as->tick_ctr = 0;
            os_tick(as);
        }
    }
    return 0;
}

/* The rest of access number idx after its translation *req faulted (*res):
 * answer the fault and translate again until it is served or refused. */
static int access_fault(mmu_aspace_t *as, uint64_t la, unsigned type, uint64_t idx,
                        mmu_req_t *req, mmu_result_t *res, char *msg, size_t len)
{
    for (int attempt = 0;; attempt++) {
        const mmu_fault_t *f = &res->fault;
        /* Two tries answer every fault (a first touch of a private file page
         * by a write may need the page read, then copied); more only when
         * reclaim took the page in between. */
        int rc = attempt < 8 ? handle_fault(as, la, type, f, msg, len) : FX_SEGV;
        if (rc < 0)
            return rc;
        /* The second walk of a faulted access (mmu_stats_t counts it apart). */
        req->flags |= MMU_REQ_RETRY;
        if (rc == OS_KILLED) {
            as->st.accesses_skipped++;
            if (!any_alive(as)) {
                as->stop_reason = "out of memory: the OOM killer ended every process";
                return MMU_ASPACE_STOP;
            }
            return MMU_ASPACE_SKIPPED;
        }
        if (rc == FX_SEGV) {
            as->st.faults_returned++;
            if (f->kind == MMU_FAULT_PF) {
                as->st.invalid_faults++;
                mmu_aspace_event_t ev = {MMU_EV_SIGSEGV, (uint16_t)as->cur, f->error_code, idx,
                                         la, 0, 0, 0};
                note_event(as, &ev);
                if (as->cfg.segv_stop) {
                    as->stop_reason = "SIGSEGV (segv_stop is set)";
                    return MMU_ASPACE_STOP;
                }
            }
            return 0;
        }
        req->now = as->now;
        rc = mmu_translate(as->mmu, req, res);
        if (rc)
            return fail(msg, len, rc, "translating 0x%llx: %s", (unsigned long long)la,
                        mmu_strerror(rc));
        as->now = res->done_at;
        if (res->fault.kind == MMU_FAULT_NONE)
            return access_done(as, res, idx);
    }
}

static int do_access(mmu_aspace_t *as, uint64_t la, unsigned type, unsigned cpl,
                     mmu_result_t *res, char *msg, size_t len)
{
    if (as->cfg.switch_every && as->cfg.nproc > 1 && as->slice >= as->cfg.switch_every) {
        unsigned n = as->cur;
        /* The next process that is still alive, round robin. */
        for (unsigned i = 1; i <= as->cfg.nproc; i++)
            if (!as->procs[(as->cur + i) % as->cfg.nproc].killed) {
                n = (as->cur + i) % as->cfg.nproc;
                break;
            }
        int rc = n != as->cur ? switch_to(as, n, msg, len) : (as->slice = 0, 0);
        if (rc)
            return rc;
    }
    as->slice++;
    as->st.accesses++;
    uint64_t idx = as->access_idx++;
    if (as->cfg.series_every && idx && idx % as->cfg.series_every == 0 && sample(as))
        return fail(msg, len, MMU_ENOMEM, "out of host memory for the series");
    if (as->procs[as->cur].killed) {
        as->st.accesses_skipped++;
        return MMU_ASPACE_SKIPPED;
    }
    mmu_req_t req = {.version = MMU_REQ_VERSION,
                     .la = la,
                     .type = (uint8_t)type,
                     .cpl = (uint8_t)cpl,
                     .now = as->now};
    int rc = mmu_translate(as->mmu, &req, res);
    if (rc)
        return fail(msg, len, rc, "translating 0x%llx: %s", (unsigned long long)la,
                    mmu_strerror(rc));
    as->now = res->done_at;
    if (res->fault.kind == MMU_FAULT_NONE)
        return access_done(as, res, idx);
    return access_fault(as, la, type, idx, &req, res, msg, len);
}

static int do_map(mmu_aspace_t *as, const mmu_trec_t *rec, char *msg, size_t len)
{
    proc_t *p = &as->procs[as->cur];
    uint64_t s = rec->la & ~(SZ_4K - 1);
    uint64_t e = (rec->la + rec->len + SZ_4K - 1) & ~(SZ_4K - 1);
    if (rec->len == 0 || p->killed)
        return 0;
    if (e <= s || e > as->user_top)
        return fail(msg, len, MMU_EINVAL, "%s [0x%llx, +0x%llx): not in the user half",
                    rec->kind == MMU_TREC_MAP ? "MAP" : rec->kind == MMU_TREC_UNMAP ? "UNMAP" : "PROTECT",
                    (unsigned long long)rec->la, (unsigned long long)rec->len);
    if (rec->kind == MMU_TREC_MAP && rec->map > MMU_MAP_FILE_SHARED)
        return fail(msg, len, MMU_EINVAL, "MAP at 0x%llx: mapping kind %u unknown",
                    (unsigned long long)rec->la, rec->map);
    int rc = 0;
    switch (rec->kind) {
    case MMU_TREC_MAP: {
        /* The first MAP of a process ends the implicit whole-half VMA, unless
         * it stays under the MAP ranges (implicit_vma 2). */
        if (as->cfg.implicit_vma != 2) {
            size_t w = 0;
            for (size_t i = 0; i < p->nvma; i++)
                if (!p->vma[i].implicit)
                    p->vma[w++] = p->vma[i];
            p->nvma = w;
        }
        if ((rc = range_apply(as, p, s, e, OP_UNMAP, 0, msg, len)) != 0)
            return rc;
        uint8_t kind = as->cfg.maps_anon ? MMU_MAP_ANON : rec->map;
        vma_t v = {s, e, rec->value ? rec->value : as->cfg.default_flags,
                   kind != MMU_MAP_ANON ? rec->file : 0,
                   kind != MMU_MAP_ANON ? (rec->off & ~(SZ_4K - 1)) : 0,
                   (uint8_t)(rec->size <= MMU_PAGE_1G ? rec->size : 0), 0, kind};
        rc = vma_insert(p, v);
        break;
    }
    case MMU_TREC_UNMAP:
        if ((rc = range_apply(as, p, s, e, OP_UNMAP, 0, msg, len)) != 0)
            return rc;
        rc = vma_remove(p, s, e);
        break;
    default: /* PROTECT */
        if ((rc = range_apply(as, p, s, e, OP_PROTECT, rec->value, msg, len)) != 0)
            return rc;
        if ((rc = vma_split_at(p, s)) == 0 && (rc = vma_split_at(p, e)) == 0)
            for (size_t i = 0; i < p->nvma; i++)
                if (p->vma[i].start >= s && p->vma[i].end <= e)
                    p->vma[i].flags = rec->value;
        break;
    }
    return rc ? fail(msg, len, rc, "process %u: VMA list: %s", as->cur, mmu_strerror(rc)) : 0;
}

static int do_cr3(mmu_aspace_t *as, uint64_t value, char *msg, size_t len)
{
    uint64_t base = value & FRAME_MASK;
    for (unsigned i = 0; i < as->cfg.nproc; i++) {
        proc_t *p = &as->procs[i];
        if (!p->killed && (base == p->kroot || base == p->uroot)) {
            /* One of ours: pass it through exactly. */
            if (i != as->cur)
                as->st.switches++;
            as->cur = i;
            as->slice = 0;
            p->in_kernel = as->cfg.kpti && base == p->kroot && p->kroot != p->uroot;
            return load_cr3(as, value, msg, len);
        }
    }
    /* A CR3 of the traced machine: each distinct table base is a process. */
    unsigned slot = 0;
    while (slot < as->nforeign && as->foreign[slot] != base)
        slot++;
    if (slot == as->nforeign) {
        if (as->nforeign < as->cfg.nproc)
            as->foreign[as->nforeign++] = base;
        else
            slot = (unsigned)((base >> 12) % as->cfg.nproc);
    }
    if (as->procs[slot].killed) {
        /* Its records are skipped from now on; nothing to load. */
        as->cur = slot;
        as->slice = 0;
        return 0;
    }
    return switch_to(as, slot, msg, len);
}

int mmu_aspace_feed(mmu_aspace_t *as, const mmu_trec_t *rec, mmu_result_t *res, char *msg,
                    size_t msglen)
{
    mmu_result_t scratch;
    if (!res)
        res = &scratch;
    if (rec->kind != MMU_TREC_ACCESS) {
        memset(res, 0, sizeof *res);
        res->served = MMU_SERVED_NONE;
        res->done_at = as->now;
    }
    if (msg && msglen)
        msg[0] = '\0';
    proc_t *p = &as->procs[as->cur];
    switch (rec->kind) {
    case MMU_TREC_ACCESS: {
        int rc = do_access(as, rec->la, rec->type, rec->cpl, res, msg, msglen);
        if (rc == MMU_ASPACE_SKIPPED) {
            memset(res, 0, sizeof *res);
            res->served = MMU_SERVED_NONE;
            res->done_at = as->now;
        }
        return rc;
    }
    case MMU_TREC_CR3:
        return do_cr3(as, rec->value, msg, msglen);
    case MMU_TREC_SYSCALL_ENTER:
    case MMU_TREC_SYSCALL_EXIT: {
        int enter = rec->kind == MMU_TREC_SYSCALL_ENTER;
        if (enter)
            as->st.syscalls++;
        if (p->in_kernel == enter || p->killed)
            return 0;
        p->in_kernel = enter;
        if (!as->cfg.kpti)
            return 0;
        /* KPTI: the entry/exit code switches page tables; with PCIDs the
         * other view's entries are kept (no-flush), without them MOV to CR3
         * flushes everything but global pages. */
        return load_cr3(as, view_cr3(as, p, enter) | (as->cfg.pcid ? MMU_CR3_NOFLUSH : 0), msg,
                        msglen);
    }
    case MMU_TREC_INVLPG:
        mmu_invlpg(as->mmu, rec->la);
        return 0;
    case MMU_TREC_INVPCID: {
        mmu_err_t err;
        int rc = mmu_invpcid(as->mmu, (unsigned)rec->value, rec->pcid, rec->la, &err);
        return rc ? fail(msg, msglen, rc, "INVPCID: %s", err.msg) : 0;
    }
    case MMU_TREC_MAP:
    case MMU_TREC_UNMAP:
    case MMU_TREC_PROTECT:
        return do_map(as, rec, msg, msglen);
    default:
        return fail(msg, msglen, MMU_EINVAL, "record kind %u: unknown", rec->kind);
    }
}

/* The lane's types are the core's run types under the OS model's names
 * (mmu_translate_run fills them directly). */
_Static_assert(sizeof(mmu_aspace_acc_t) == sizeof(mmu_run_acc_t) &&
                   offsetof(mmu_aspace_acc_t, la) == offsetof(mmu_run_acc_t, la) &&
                   offsetof(mmu_aspace_acc_t, type) == offsetof(mmu_run_acc_t, type) &&
                   offsetof(mmu_aspace_acc_t, cpl) == offsetof(mmu_run_acc_t, cpl),
               "mmu_aspace_acc_t is not laid out as mmu_run_acc_t");
_Static_assert(sizeof(mmu_aspace_res_t) == sizeof(mmu_run_res_t) &&
                   offsetof(mmu_aspace_res_t, done_at) == offsetof(mmu_run_res_t, done_at) &&
                   offsetof(mmu_aspace_res_t, lat_data) == offsetof(mmu_run_res_t, lat_data) &&
                   offsetof(mmu_aspace_res_t, lat_walk) == offsetof(mmu_run_res_t, lat_walk) &&
                   offsetof(mmu_aspace_res_t, served) == offsetof(mmu_run_res_t, served) &&
                   offsetof(mmu_aspace_res_t, fault) == offsetof(mmu_run_res_t, fault),
               "mmu_aspace_res_t is not laid out as mmu_run_res_t");

static void res_of(mmu_aspace_res_t *o, const mmu_result_t *r)
{
    mmu_run_res_of((mmu_run_res_t *)o, r);
}

/* mmu_aspace_access_run ends after `fed` accesses, the last of which
 * returned r with result *full: a skipped one's result is feed's (served
 * NONE, at the clock). */
static size_t run_stop(const mmu_aspace_t *as, int r, mmu_result_t *full, mmu_aspace_res_t *last,
                       int *rc, size_t fed)
{
    if (r == MMU_ASPACE_SKIPPED) {
        memset(full, 0, sizeof *full);
        full->served = MMU_SERVED_NONE;
        full->done_at = as->now;
    }
    res_of(last, full);
    *rc = r;
    return fed;
}

size_t mmu_aspace_access_run(mmu_aspace_t *as, const mmu_aspace_acc_t *acc, size_t n,
                             mmu_cycle_t clock_max, mmu_cycle_t *issue, mmu_aspace_res_t *res,
                             int *rc, char *msg, size_t msglen)
{
    /* mmu_aspace_feed's ACCESS case, record after record, without a call
     * into this file per access: the lane loop of a sweep spends about as
     * long getting here as the MMU spends on an L1 hit. */
    *rc = 0;
    if (msg && msglen)
        msg[0] = '\0';
    /* Without process switches, the series or a memory limit, an access
     * that does not fault is a translation and three counters (slice,
     * accesses, access_idx): do_access's steps, the translations done by
     * mmu_translate_run and the counters added up after it (before the
     * fault path, an error or the end of the run reads them). */
    const int plain = !(as->cfg.switch_every && as->cfg.nproc > 1) && !as->cfg.series_every &&
                       !as->pm;
    mmu_result_t full;
    size_t i = 0;
    while (i < n) {
        if (plain && !as->procs[as->cur].killed) {
            mmu_cycle_t now = as->now;
            int st;
            const size_t fed =
                mmu_translate_run(as->mmu, (const mmu_run_acc_t *)&acc[i], n - i, &now,
                                  clock_max, &issue[i], (mmu_run_res_t *)&res[i], &full, &st);
            /* Accesses [i, i + fed) went through; unless the run or the
             * clock ended (st 0), access i + fed was issued at `now` and
             * failed or faulted. */
            i += fed;
            as->slice += fed;
            as->st.accesses += fed;
            as->access_idx += fed;
            as->now = now;
            if (!st)
                return i;
            as->slice++;
            as->st.accesses++;
            const uint64_t idx = as->access_idx++;
            if (st < 0) {
                *rc = fail(msg, msglen, st, "translating 0x%llx: %s",
                           (unsigned long long)acc[i].la, mmu_strerror(st));
                return i + 1;
            }
            as->now = full.done_at;
            mmu_req_t req = {.version = MMU_REQ_VERSION,
                             .la = acc[i].la,
                             .type = acc[i].type,
                             .cpl = acc[i].cpl,
                             .now = now};
            const int r = access_fault(as, acc[i].la, acc[i].type, idx, &req, &full, msg, msglen);
            i++;
            if (r)
                return run_stop(as, r, &full, &res[i - 1], rc, i);
            res_of(&res[i - 1], &full);
            continue;
        }
        if (as->now >= clock_max)
            return i;
        issue[i] = as->now;
        const int r = do_access(as, acc[i].la, acc[i].type, acc[i].cpl, &full, msg, msglen);
        i++;
        if (r)
            return run_stop(as, r, &full, &res[i - 1], rc, i);
        res_of(&res[i - 1], &full);
    }
    return n;
}

const char *mmu_aspace_stop_reason(const mmu_aspace_t *as)
{
    return as->stop_reason ? as->stop_reason : "";
}

/* ---- create / destroy / report ---- */

void mmu_aspace_destroy(mmu_aspace_t *as)
{
    if (!as)
        return;
    if (as->procs)
        for (unsigned i = 0; i < as->cfg.nproc; i++)
            free(as->procs[i].vma);
    free(as->procs);
    free(as->foreign);
    mmu_frames_destroy(as->frames);
    os_reclaim_fini(as);
    mmu_swap_destroy(as->swap);
    mmu_filemap_destroy(as->fm);
    mmu_physmem_destroy(as->pm);
    free(as->pages);
    free(as->rmap);
    free(as->series);
    free(as);
}

static int canonical(uint64_t va, unsigned levels)
{
    unsigned bits = levels == 5 ? 57 : 48;
    int64_t s = (int64_t)(va << (64 - bits)) >> (64 - bits);
    return (uint64_t)s == va;
}

static int check_cfg(const mmu_aspace_cfg_t *cfg, char *msg, size_t msglen)
{
    if (cfg->policy > MMU_POLICY_MIXED)
        return fail(msg, msglen, MMU_EINVAL, "aspace: policy=%u: must be 0..3", cfg->policy);
    if (cfg->nproc < 1 || cfg->nproc > 2047)
        return fail(msg, msglen, MMU_EINVAL, "aspace: nproc=%u: must be 1..2047", cfg->nproc);
    if (cfg->levels != 4 && cfg->levels != 5)
        return fail(msg, msglen, MMU_EINVAL, "aspace: levels=%u: must be 4 or 5", cfg->levels);
    if (cfg->mixed_1g_pct > 100 || cfg->mixed_2m_pct > 100)
        return fail(msg, msglen, MMU_EINVAL, "aspace: mixed_1g_pct/mixed_2m_pct: must be 0..100");
    if (cfg->implicit_vma > 2)
        return fail(msg, msglen, MMU_EINVAL, "aspace: implicit_vma=%u: must be 0, 1 or 2",
                    cfg->implicit_vma);
    if (cfg->pt_pool < 2 * SZ_4K || (cfg->pt_pool & (SZ_4K - 1)))
        return fail(msg, msglen, MMU_EINVAL,
                    "aspace: pt_pool=%llu: must be a multiple of 4096, at least 8192",
                    (unsigned long long)cfg->pt_pool);
    if ((cfg->kernel_va & (SZ_2M - 1)) || !canonical(cfg->kernel_va, cfg->levels) ||
        !(cfg->kernel_va >> 63))
        return fail(msg, msglen, MMU_EINVAL,
                    "aspace: kernel_va=0x%llx: must be a canonical, 2 MiB aligned upper-half address",
                    (unsigned long long)cfg->kernel_va);
    if ((cfg->phys_base | cfg->phys_limit) & (SZ_4K - 1) || cfg->phys_base >= cfg->phys_limit)
        return fail(msg, msglen, MMU_EINVAL, "aspace: phys_base/phys_limit: need 4 KiB aligned base < limit");
    if (!cfg->mem_bytes)
        return 0;
    if (cfg->mem_bytes & (SZ_4K - 1))
        return fail(msg, msglen, MMU_EINVAL, "memory: %llu bytes: must be a multiple of 4 KiB",
                    (unsigned long long)cfg->mem_bytes);
    const mmu_repl_ops_t *r = mmu_repl_get(cfg->repl);
    if (!r)
        return fail(msg, msglen, MMU_EINVAL, "reclaim: policy %u: no such policy", cfg->repl);
    if (cfg->swappiness > 200)
        return fail(msg, msglen, MMU_EINVAL, "swappiness %u: must be 0..200", cfg->swappiness);
    if (cfg->readahead < 1 || cfg->readahead > 256 || (cfg->readahead & (cfg->readahead - 1)))
        return fail(msg, msglen, MMU_EINVAL,
                    "readahead %u: must be a power of two from 1 (off) to 256 pages",
                    cfg->readahead);
    if (cfg->freq_mhz < 1 || cfg->freq_mhz > 1000000)
        return fail(msg, msglen, MMU_EINVAL, "frequency %u MHz: must be 1..1000000",
                    cfg->freq_mhz);
    if (cfg->reclaim_batch < 1)
        return fail(msg, msglen, MMU_EINVAL, "reclaim batch: must be >= 1");
    if (cfg->tick < 1)
        return fail(msg, msglen, MMU_EINVAL, "policy tick: must be >= 1 access");
    if (cfg->swap_dev >= MMU_BLKDEV_KINDS || cfg->file_dev >= MMU_BLKDEV_KINDS)
        return fail(msg, msglen, MMU_EINVAL, "swap/file device: unknown kind");
    if (cfg->wmark_mode > MMU_WMARK_SET)
        return fail(msg, msglen, MMU_EINVAL, "watermarks: mode %u unknown", cfg->wmark_mode);
    uint64_t frames = cfg->mem_bytes >> 12;
    if (cfg->wmark_mode == MMU_WMARK_SET &&
        (cfg->wmark_min > cfg->wmark_low || cfg->wmark_low > cfg->wmark_high ||
         cfg->wmark_high >= frames))
        return fail(msg, msglen, MMU_EINVAL,
                    "watermarks %llu,%llu,%llu: need min <= low <= high < %llu frames",
                    (unsigned long long)cfg->wmark_min, (unsigned long long)cfg->wmark_low,
                    (unsigned long long)cfg->wmark_high, (unsigned long long)frames);
    if (r->flags & MMU_REPL_NEEDS_FUTURE) {
        if (!cfg->future)
            return fail(msg, msglen, MMU_EINVAL,
                        "reclaim %s: needs the offline pass over the trace (future)", r->name);
        if (cfg->nproc != 1 || cfg->policy != MMU_POLICY_4K)
            return fail(msg, msglen, MMU_EINVAL,
                        "reclaim %s: defined for one process with 4 KiB pages "
                        "(--procs 1 --policy 4k)",
                        r->name);
    }
    /* Tables a process needs at start: its root (and KPTI user root) and the
     * tables down to the kernel page; then one more chain and a page. */
    uint64_t need = cfg->tables_in_mem
                        ? (uint64_t)cfg->nproc * (1 + (cfg->kpti ? 1 : 0) + cfg->levels - 2) +
                              cfg->levels
                        : 1;
    if (frames < need)
        return fail(msg, msglen, MMU_EINVAL,
                    "memory of %llu KiB (%llu frame%s) is smaller than the %llu frames the page "
                    "tables of %u process%s and one page need",
                    (unsigned long long)(cfg->mem_bytes >> 10), (unsigned long long)frames,
                    frames == 1 ? "" : "s",
                    (unsigned long long)need, cfg->nproc, cfg->nproc == 1 ? "" : "es");
    return 0;
}

int mmu_aspace_create(mmu_t *mmu, mmu_sparse_mem_t *mem, const mmu_aspace_cfg_t *cfg,
                      mmu_aspace_t **out, char *msg, size_t msglen)
{
    *out = NULL;
    if (!mmu || !mem || !cfg)
        return fail(msg, msglen, MMU_EINVAL, "aspace: mmu, mem and cfg are required");
    int rc = check_cfg(cfg, msg, msglen);
    if (rc)
        return rc;
    int limited = cfg->mem_bytes != 0;
    uint64_t pools = limited && cfg->tables_in_mem ? 0 : (uint64_t)cfg->nproc * cfg->pt_pool;
    uint64_t tables_end = cfg->phys_base + pools;
    uint64_t kernel_pa = (tables_end + SZ_2M - 1) & ~(SZ_2M - 1);
    uint64_t mbase = (kernel_pa + SZ_2M + SZ_1G - 1) & ~(SZ_1G - 1);
    if (!limited && kernel_pa + SZ_2M + SZ_4K > cfg->phys_limit)
        return fail(msg, msglen, MMU_EINVAL,
                    "aspace: region [0x%llx, 0x%llx) too small for %u page-table pools of %llu bytes",
                    (unsigned long long)cfg->phys_base, (unsigned long long)cfg->phys_limit,
                    cfg->nproc, (unsigned long long)cfg->pt_pool);
    if (limited && (mbase + cfg->mem_bytes > cfg->phys_limit || mbase + cfg->mem_bytes < mbase))
        return fail(msg, msglen, MMU_EINVAL,
                    "memory of %llu bytes does not fit below the physical limit 0x%llx (it "
                    "starts at 0x%llx, after the kernel page%s)",
                    (unsigned long long)cfg->mem_bytes, (unsigned long long)cfg->phys_limit,
                    (unsigned long long)mbase, pools ? " and the page-table pools" : "");

    mmu_aspace_t *as = calloc(1, sizeof *as);
    if (!as)
        return fail(msg, msglen, MMU_ENOMEM, "aspace: out of host memory");
    as->cfg = *cfg;
    as->mmu = mmu;
    as->mem = mem;
    as->user_top = cfg->levels == 5 ? 1ull << 56 : 1ull << 47;
    as->kernel_pa = kernel_pa;
    as->pgt.mem = mem;
    as->pgt.levels = cfg->levels;
    as->rmap_free = NIL32;
    as->procs = calloc(cfg->nproc, sizeof *as->procs);
    as->foreign = calloc(cfg->nproc, sizeof *as->foreign);
    if (!as->procs || !as->foreign) {
        mmu_aspace_destroy(as);
        return fail(msg, msglen, MMU_ENOMEM, "aspace: out of host memory");
    }
    if (!limited) {
        rc = mmu_frames_create((mmu_frames_mode_t)cfg->frames_mode, kernel_pa + SZ_2M,
                               cfg->phys_limit, cfg->seed, cfg->frag_pct, &as->frames, msg, msglen);
    } else {
        rc = mmu_physmem_create(mbase, cfg->mem_bytes,
                                cfg->frames_mode == MMU_FRAMES_FRAGMENTED ? cfg->frag_pct : 0,
                                cfg->seed, &as->pm, msg, msglen);
        if (!rc) {
            as->npages = (uint32_t)mmu_physmem_frames(as->pm);
            as->pages = calloc(as->npages, sizeof *as->pages);
            if (!as->pages || mmu_filemap_create(&as->fm))
                rc = fail(msg, msglen, MMU_ENOMEM, "memory: out of host memory for %u frames",
                          as->npages);
        }
        mmu_blkdev_cfg_t dc;
        if (!rc && cfg->nswap) {
            mmu_blkdev_preset(cfg->swap_dev, &dc);
            rc = mmu_swap_create(cfg->swap, cfg->nswap, &dc, cfg->freq_mhz, &as->swap, msg, msglen);
        }
        if (!rc) {
            mmu_blkdev_preset(cfg->file_dev == MMU_BLKDEV_ZSWAP ? MMU_BLKDEV_NVME : cfg->file_dev,
                              &dc);
            mmu_blkdev_init(&as->filedev, &dc, cfg->freq_mhz);
            rc = os_reclaim_init(as, msg, msglen);
        }
    }
    if (rc) {
        mmu_aspace_destroy(as);
        return rc;
    }
    for (unsigned i = 0; i < cfg->nproc; i++) {
        proc_t *p = &as->procs[i];
        p->pool_next = cfg->phys_base + (uint64_t)i * cfg->pt_pool;
        p->pool_end = p->pool_next + cfg->pt_pool;
        tsrc_t t;
        tsrc_init(&t, as, p);
        /* The roots: from the memory, or the first frames of the pool (the
         * KPTI user root first, as before). */
        uint64_t roots[2] = {0, 0};
        unsigned nroots = cfg->kpti ? 2 : 1;
        for (unsigned r = 0; r < nroots && !rc; r++) {
            if (from_mem(as)) {
                uint32_t id;
                rc = os_alloc(as, MMU_PAGE_4K, PG_TABLE, 0, &id);
                if (!rc) {
                    roots[r] = mmu_physmem_pa(as->pm, id);
                    as->table_frames++;
                    p->tables++;
                    rc = zero_frame(as, roots[r]);
                }
            } else {
                rc = tsrc_alloc(&t, &roots[r]);
            }
        }
        if (!rc) {
            p->uroot = roots[0];
            p->kroot = cfg->kpti ? roots[1] : roots[0];
            uint64_t kflags = MMU_PTE_P | MMU_PTE_RW | (cfg->kernel_global ? MMU_PTE_G : 0);
            rc = tables_needed(as, &t, cfg->kernel_va, 2);
            mmu_pgt_t g = pgt_of(as, &t);
            if (!rc)
                rc = mmu_pgt_map(&g, p->kroot, cfg->kernel_va, kernel_pa, MMU_PAGE_2M, kflags, NULL);
        }
        if (!rc && cfg->implicit_vma) {
            vma_t v = {0, as->user_top, cfg->default_flags, 0, 0, 0, 1, MMU_MAP_ANON};
            rc = vma_insert(p, v);
        }
        if (rc) {
            mmu_aspace_destroy(as);
            return fail(msg, msglen, rc == MMU_ENOSPC ? MMU_EINVAL : rc,
                        "aspace: process %u: building its address space: %s", i,
                        rc == MMU_ENOSPC ? "the memory is too small for its page tables"
                                         : mmu_strerror(rc));
        }
        p->pcid_k = (uint16_t)(cfg->pcid ? i + 1 : 0);
        p->pcid_u = (uint16_t)(cfg->pcid && cfg->kpti ? p->pcid_k | PCID_USER_BIT : p->pcid_k);
    }
    mmu_ctrl_t c = *mmu_get_ctrl(mmu);
    c.cr4 |= MMU_CR4_PGE;
    c.cr4 = cfg->pcid ? c.cr4 | MMU_CR4_PCIDE : c.cr4 & ~MMU_CR4_PCIDE;
    c.cr4 = cfg->levels == 5 ? c.cr4 | MMU_CR4_LA57 : c.cr4 & ~MMU_CR4_LA57;
    c.cr3 = view_cr3(as, &as->procs[0], 0);
    mmu_err_t err;
    if ((rc = mmu_set_ctrl(mmu, &c, &err)) != 0) {
        mmu_aspace_destroy(as);
        return fail(msg, msglen, rc, "aspace: loading control registers: %s", err.msg);
    }
    *out = as;
    return 0;
}

mmu_cycle_t mmu_aspace_now(const mmu_aspace_t *as)
{
    return as->now;
}

unsigned mmu_aspace_current(const mmu_aspace_t *as)
{
    return as->cur;
}

int mmu_aspace_in_kernel(const mmu_aspace_t *as)
{
    return as->procs[as->cur].in_kernel;
}

uint64_t mmu_aspace_cr3(const mmu_aspace_t *as, unsigned p, int kernel)
{
    return p < as->cfg.nproc ? view_cr3(as, &as->procs[p], kernel) : 0;
}

void mmu_aspace_get_stats(const mmu_aspace_t *as, mmu_aspace_stats_t *out)
{
    *out = as->st;
    out->frames_used = as->pm ? as->data_frames : mmu_frames_used(as->frames);
    out->table_frames = as->table_frames;
    out->resident_pages = resident_now(as);
    out->free_frames = as->pm ? mmu_physmem_free_frames(as->pm) : 0;
    out->swap_used = mmu_swap_used(as->swap);
    out->page_cache_pages = mmu_filemap_resident(as->fm);
    out->swap_cache_pages = as->swapcache_pages;
}

void mmu_aspace_stats_diff(mmu_aspace_stats_t *out, const mmu_aspace_stats_t *after,
                           const mmu_aspace_stats_t *before)
{
#define MMU__ASPACE_DIFF(name) out->name = after->name - before->name;
    MMU_ASPACE_COUNTERS_MAP(MMU__ASPACE_DIFF)
#undef MMU__ASPACE_DIFF
#define MMU__ASPACE_KEEP(name) out->name = after->name;
    MMU_ASPACE_GAUGES_MAP(MMU__ASPACE_KEEP)
#undef MMU__ASPACE_KEEP
}

static double pct(uint64_t a, uint64_t b)
{
    return b ? 100.0 * (double)a / (double)b : 0.0;
}

void mmu_aspace_print_stats(FILE *f, const mmu_aspace_stats_t *s, const mmu_stats_t *ms)
{
    fprintf(f, "address spaces:\n");
#define MMU__ASPACE_PRINT(name) fprintf(f, "  %-18s %llu\n", #name, (unsigned long long)s->name);
    MMU_ASPACE_STATS_MAP(MMU__ASPACE_PRINT)
#undef MMU__ASPACE_PRINT
    if (ms)
        fprintf(f, "tlb hit rate: l1 %.2f%%  l2 %.2f%%  l1+l2 %.2f%%  (%llu translations, %llu walks)\n",
                pct(ms->l1i_hits + ms->l1d_hits, ms->translations),
                pct(ms->l2_hits, ms->translations),
                pct(ms->l1i_hits + ms->l1d_hits + ms->l2_hits, ms->translations),
                (unsigned long long)ms->translations, (unsigned long long)ms->walks);
}

void mmu_aspace_wmarks(const mmu_aspace_t *as, uint64_t *min, uint64_t *low, uint64_t *high,
                       uint64_t *frames)
{
    *min = as->wmin;
    *low = as->wlow;
    *high = as->whigh;
    *frames = as->npages;
}

const mmu_swap_t *mmu_aspace_swap(const mmu_aspace_t *as)
{
    return as->swap;
}

const mmu_blkdev_t *mmu_aspace_file_dev(const mmu_aspace_t *as)
{
    return &as->filedev;
}

int mmu_aspace_get_proc(const mmu_aspace_t *as, unsigned p, mmu_aspace_proc_info_t *out)
{
    if (p >= as->cfg.nproc)
        return MMU_EINVAL;
    const proc_t *pr = &as->procs[p];
    out->rss = pr->rss;
    out->swap = pr->swapents;
    out->tables = pr->tables;
    out->killed = pr->killed;
    out->killed_at = pr->killed_at;
    return 0;
}

size_t mmu_aspace_events(const mmu_aspace_t *as, const mmu_aspace_event_t **out)
{
    *out = as->events;
    return as->nevents;
}

size_t mmu_aspace_series(const mmu_aspace_t *as, const mmu_aspace_sample_t **out)
{
    *out = as->series;
    return as->nseries;
}

int mmu_aspace_lookup(const mmu_aspace_t *as, unsigned p, uint64_t va, uint64_t *pa)
{
    if (p >= as->cfg.nproc || as->procs[p].killed)
        return 0;
    mmu_pgt_leaf_t lf;
    int rc = mmu_pgt_find(&as->pgt, as->procs[p].kroot, va, &lf);
    if (rc)
        return rc;
    if (lf.kind != 1 || !(lf.pte & MMU_PTE_P))
        return 0;
    uint64_t size = 1ull << (12 + 9 * (lf.level - 1));
    *pa = (lf.pte & FRAME_MASK & ~(size - 1)) | (va & (size - 1));
    return 1;
}

int mmu_aspace_poke(mmu_aspace_t *as, uint64_t va, uint64_t token, char *msg, size_t msglen)
{
    if (!as->pm)
        return fail(msg, msglen, MMU_EINVAL, "contents tokens need a memory limit");
    mmu_trec_t rec;
    memset(&rec, 0, sizeof rec);
    rec.kind = MMU_TREC_ACCESS;
    rec.la = va;
    rec.type = MMU_ACC_WRITE;
    rec.cpl = 3;
    mmu_result_t res;
    int rc = mmu_aspace_feed(as, &rec, &res, msg, msglen);
    if (rc)
        return rc < 0 ? rc : MMU_ENOENT;
    if (res.fault.kind != MMU_FAULT_NONE)
        return fail(msg, msglen, MMU_ENOENT, "poke 0x%llx: the write faulted",
                    (unsigned long long)va);
    uint32_t f = mmu_physmem_frame(as->pm, res.pa);
    if (f == NIL32)
        return fail(msg, msglen, MMU_ENOENT, "poke 0x%llx: not a page of the memory",
                    (unsigned long long)va);
    as->pages[f].token = token;
    return 0;
}

int mmu_aspace_peek(const mmu_aspace_t *as, uint64_t va, uint64_t *token)
{
    if (!as->pm)
        return MMU_EINVAL;
    uint64_t pa = 0;
    int rc = mmu_aspace_lookup(as, as->cur, va, &pa);
    if (rc <= 0)
        return rc < 0 ? rc : MMU_ENOENT;
    uint32_t f = mmu_physmem_frame(as->pm, pa);
    if (f == NIL32)
        return MMU_ENOENT;
    *token = as->pages[f].token;
    return 0;
}

/* ---- self-check (tests) ---- */

typedef struct check_ctx {
    const mmu_aspace_t *as;
    uint64_t rss, swapents, swap_pte_slots;
} check_ctx_t;

static int check_leaf(void *ctx, uint64_t va, unsigned level, uint64_t epa, uint64_t pte)
{
    (void)va, (void)epa;
    check_ctx_t *c = ctx;
    if (mmu_pte_is_swp(pte)) {
        c->swapents++;
        return 0;
    }
    uint32_t f = mmu_physmem_frame(c->as->pm, pte & FRAME_MASK);
    if (f != NIL32)
        c->rss += 1ull << (9 * (level - 1));
    return 0;
}

int mmu_aspace_check(const mmu_aspace_t *as, char *msg, size_t msglen)
{
    if (!as->pm)
        return fail(msg, msglen, MMU_EINVAL, "check: no memory limit");
    uint64_t data = 0, tables = 0, lru = 0, cached = 0, freeish = 0, mapped_rss = 0;
    for (uint32_t f = 0; f < as->npages; f++) {
        const os_page_t *g = &as->pages[f];
        int pfree = mmu_physmem_is_free(as->pm, f);
        if (pfree != (g->state == PG_FREE) && !(g->state == PG_FREE && !pfree))
            return fail(msg, msglen, MMU_EINVAL, "check: frame %u: state %u but %s", f, g->state,
                        pfree ? "free" : "allocated");
        if (pfree)
            freeish++;
        if (g->state == PG_ANON || g->state == PG_FILE || g->state == PG_TAIL)
            data++;
        if (g->state == PG_TABLE)
            tables++;
        if (g->state != PG_ANON && g->state != PG_FILE)
            continue;
        if (g->flags & PGF_LRU)
            lru++;
        else if (!(g->flags & PGF_WB) && !((g->flags & PGF_LARGE) && !as->cfg.thp_reclaim))
            return fail(msg, msglen, MMU_EINVAL,
                        "check: frame %u: an %s page neither in the policy nor being written", f,
                        g->state == PG_ANON ? "anonymous" : "file-backed");
        if (g->state == PG_ANON && g->slot != MMU_SWP_NONE) {
            cached++;
            if (mmu_swap_cache_page(as->swap, g->slot) != f)
                return fail(msg, msglen, MMU_EINVAL,
                            "check: frame %u holds slot 0x%llx, which caches page %u", f,
                            (unsigned long long)g->slot, mmu_swap_cache_page(as->swap, g->slot));
        }
        mapped_rss += (uint64_t)os_mapcount(as, f) << ((g->flags & PGF_LARGE) ? 9 : 0);
    }
    if (freeish != mmu_physmem_free_frames(as->pm))
        return fail(msg, msglen, MMU_EINVAL, "check: %llu free frames, the allocator says %llu",
                    (unsigned long long)freeish,
                    (unsigned long long)mmu_physmem_free_frames(as->pm));
    if (data != as->data_frames)
        return fail(msg, msglen, MMU_EINVAL, "check: %llu data frames, counted %llu",
                    (unsigned long long)data, (unsigned long long)as->data_frames);
    if (from_mem(as) && tables != as->table_frames)
        return fail(msg, msglen, MMU_EINVAL, "check: %llu table frames, counted %llu",
                    (unsigned long long)tables, (unsigned long long)as->table_frames);
    if (lru != as->lru_pages)
        return fail(msg, msglen, MMU_EINVAL, "check: %llu pages in the policy, counted %llu",
                    (unsigned long long)lru, (unsigned long long)as->lru_pages);
    if (cached != as->swapcache_pages)
        return fail(msg, msglen, MMU_EINVAL, "check: %llu swap-cache pages, counted %llu",
                    (unsigned long long)cached, (unsigned long long)as->swapcache_pages);
    const mmu_aspace_stats_t *st = &as->st;
    if (st->minor_faults != st->first_touches + st->swapcache_hits + st->cow_faults ||
        st->major_faults != st->swap_ins + st->file_reads)
        return fail(msg, msglen, MMU_EINVAL,
                    "check: faults by kind do not add up: minor %llu (%llu + %llu + %llu), "
                    "major %llu (%llu + %llu)",
                    (unsigned long long)st->minor_faults, (unsigned long long)st->first_touches,
                    (unsigned long long)st->swapcache_hits, (unsigned long long)st->cow_faults,
                    (unsigned long long)st->major_faults, (unsigned long long)st->swap_ins,
                    (unsigned long long)st->file_reads);
    uint64_t rss = 0, swapents = 0;
    for (unsigned i = 0; i < as->cfg.nproc; i++) {
        const proc_t *p = &as->procs[i];
        if (p->killed)
            continue;
        check_ctx_t c = {as, 0, 0, 0};
        mmu_pgt_visit_t v = {check_leaf, NULL, &c};
        int rc = mmu_pgt_walk_all(&as->pgt, p->kroot, &v);
        if (rc)
            return fail(msg, msglen, rc, "check: process %u: walking its tables: %s", i,
                        mmu_strerror(rc));
        if (c.rss != p->rss || c.swapents != p->swapents)
            return fail(msg, msglen, MMU_EINVAL,
                        "check: process %u: tables map %llu pages and hold %llu swap entries; "
                        "counted %llu and %llu",
                        i, (unsigned long long)c.rss, (unsigned long long)c.swapents,
                        (unsigned long long)p->rss, (unsigned long long)p->swapents);
        rss += c.rss;
        swapents += c.swapents;
    }
    if (rss != mapped_rss)
        return fail(msg, msglen, MMU_EINVAL, "check: tables map %llu pages, the pages' mappers %llu",
                    (unsigned long long)rss, (unsigned long long)mapped_rss);
    /* Every slot in use is held by a PTE or the swap cache: no more slots than
     * both together (slots shared by a PTE and the cache count once). */
    if (mmu_swap_used(as->swap) > swapents + cached)
        return fail(msg, msglen, MMU_EINVAL,
                    "check: %llu swap slots in use, only %llu PTE entries and %llu cached pages",
                    (unsigned long long)mmu_swap_used(as->swap), (unsigned long long)swapents,
                    (unsigned long long)cached);
    return 0;
}
