/* Address spaces: the OS side of a trace run (frame allocator, demand paging
 * with a page-size policy, per-process page tables with PCIDs and KPTI).
 * It plays the kernel, not hardware: it writes page tables with mmu_ptb_* and
 * issues MOV to CR3, INVLPG and INVPCID as Linux would (switch_mm,
 * flush_tlb_mm_range, the KPTI entry code). Simplified: frames are never
 * freed, empty page tables are never reclaimed, and no fault-handler time is
 * charged. The rules chosen are in workloads/README.md, "Address spaces". */
#include "aspace.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define FRAME_MASK 0x000ffffffffff000ull
#define SZ_4K (1ull << 12)
#define SZ_2M (1ull << 21)
#define SZ_1G (1ull << 30)
#define PCID_USER_BIT 0x800u /* Linux's X86_CR3_PTI_PCID_USER_BIT is bit 11 */

static int fail(char *msg, size_t len, int code, const char *fmt, ...)
{
    if (msg && len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, len, fmt, ap);
        va_end(ap);
    }
    return code;
}

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static uint64_t page_bytes(mmu_page_size_t ps)
{
    return ps == MMU_PAGE_1G ? SZ_1G : ps == MMU_PAGE_2M ? SZ_2M : SZ_4K;
}

/* ======================= frame allocator ======================= */

struct mmu_frames {
    mmu_frames_mode_t mode;
    uint64_t base, limit, nframes, used;
    uint64_t lo, hi; /* CONTIGUOUS: 4K frames from lo up, large pages from hi down */
    /* FRAGMENTED */
    uint64_t *bitmap;           /* 1 = taken (by us or pinned), by frame index from base */
    uint16_t *cnt2;             /* taken frames per 2 MiB chunk (out-of-region ones too) */
    uint32_t *cnt1;             /* the same per 1 GiB chunk */
    uint64_t c2_first, n2, c1_first, n1;
    uint64_t free2, free1;      /* chunks with nothing taken */
    uint64_t cur2, cur1;        /* next chunk to look at */
    unsigned bits;              /* shuffle domain 2^bits >= nframes */
    uint64_t step, keys[3];     /* k-th 4K frame offered is perm(k) */
};

static void take_frame(mmu_frames_t *f, uint64_t idx)
{
    f->bitmap[idx >> 6] |= 1ull << (idx & 63);
    uint64_t abs = (f->base >> 12) + idx;
    if (f->cnt2[(abs >> 9) - f->c2_first]++ == 0)
        f->free2--;
    if (f->cnt1[(abs >> 18) - f->c1_first]++ == 0)
        f->free1--;
}

static int frame_taken(const mmu_frames_t *f, uint64_t idx)
{
    return (int)((f->bitmap[idx >> 6] >> (idx & 63)) & 1);
}

/* A seeded bijection on [0, 2^bits): rounds of odd multiply, add and
 * xor-shift, each invertible modulo 2^bits. */
static uint64_t perm(const mmu_frames_t *f, uint64_t x)
{
    uint64_t mask = f->bits >= 64 ? ~0ull : (1ull << f->bits) - 1;
    unsigned sh = (f->bits + 1) / 2;
    for (int r = 0; r < 3; r++) {
        x = (x * (f->keys[r] | 1) + (f->keys[r] >> 17)) & mask;
        x ^= x >> sh;
    }
    return x;
}

int mmu_frames_create(mmu_frames_mode_t mode, uint64_t base, uint64_t limit, uint64_t seed,
                      unsigned frag_pct, mmu_frames_t **out, char *msg, size_t msglen)
{
    *out = NULL;
    if (mode != MMU_FRAMES_CONTIGUOUS && mode != MMU_FRAMES_FRAGMENTED)
        return fail(msg, msglen, MMU_EINVAL, "frames: mode=%d: must be contiguous or fragmented",
                    (int)mode);
    if ((base | limit) & (SZ_4K - 1) || base >= limit)
        return fail(msg, msglen, MMU_EINVAL,
                    "frames: region [0x%llx, 0x%llx): must be 4 KiB aligned and non-empty",
                    (unsigned long long)base, (unsigned long long)limit);
    if (frag_pct > 100)
        return fail(msg, msglen, MMU_EINVAL, "frames: frag_pct=%u: must be 0..100", frag_pct);
    mmu_frames_t *f = calloc(1, sizeof *f);
    if (!f)
        return fail(msg, msglen, MMU_ENOMEM, "frames: out of host memory");
    f->mode = mode;
    f->base = base, f->limit = limit;
    f->nframes = (limit - base) >> 12;
    f->lo = base, f->hi = limit;
    if (mode == MMU_FRAMES_FRAGMENTED) {
        f->c2_first = base >> 21;
        f->n2 = ((limit + SZ_2M - 1) >> 21) - f->c2_first;
        f->c1_first = base >> 30;
        f->n1 = ((limit + SZ_1G - 1) >> 30) - f->c1_first;
        f->bitmap = calloc((f->nframes + 63) / 64, sizeof *f->bitmap);
        f->cnt2 = calloc(f->n2, sizeof *f->cnt2);
        f->cnt1 = calloc(f->n1, sizeof *f->cnt1);
        if (!f->bitmap || !f->cnt2 || !f->cnt1) {
            mmu_frames_destroy(f);
            return fail(msg, msglen, MMU_ENOMEM, "frames: out of host memory for the bitmap");
        }
        /* Frames of a chunk outside the region count as taken. */
        for (uint64_t c = 0; c < f->n2; c++) {
            uint64_t lo = (f->c2_first + c) << 21, hi = lo + SZ_2M;
            uint64_t in = (hi < limit ? hi : limit) - (lo > base ? lo : base);
            f->cnt2[c] = (uint16_t)(512 - (in >> 12));
            f->free2 += f->cnt2[c] == 0;
        }
        for (uint64_t c = 0; c < f->n1; c++) {
            uint64_t lo = (f->c1_first + c) << 30, hi = lo + SZ_1G;
            uint64_t in = (hi < limit ? hi : limit) - (lo > base ? lo : base);
            f->cnt1[c] = (uint32_t)(262144 - (in >> 12));
            f->free1 += f->cnt1[c] == 0;
        }
        uint64_t s = splitmix64(seed ^ 0x6672616773ull);
        for (int r = 0; r < 3; r++)
            f->keys[r] = s = splitmix64(s);
        while (f->bits < 64 && (1ull << f->bits) < f->nframes)
            f->bits++;
        /* Pre-fragmentation: one pinned frame in frag_pct% of the 2 MiB chunks. */
        for (uint64_t c = 0; c < f->n2; c++) {
            uint64_t r = splitmix64(s ^ (c * 0x9e3779b97f4a7c15ull));
            if (r % 100 >= frag_pct)
                continue;
            uint64_t abs = ((f->c2_first + c) << 9) + ((r >> 32) & 511);
            if (abs < (base >> 12) || abs >= (limit >> 12))
                continue;
            take_frame(f, abs - (base >> 12));
        }
    }
    *out = f;
    return 0;
}

void mmu_frames_destroy(mmu_frames_t *f)
{
    if (!f)
        return;
    free(f->bitmap);
    free(f->cnt2);
    free(f->cnt1);
    free(f);
}

uint64_t mmu_frames_used(const mmu_frames_t *f)
{
    return f->used;
}

uint64_t mmu_frames_total(const mmu_frames_t *f)
{
    return f->nframes;
}

static int frag_alloc_large(mmu_frames_t *f, uint64_t size, uint64_t *pa)
{
    int big = size == SZ_1G;
    uint64_t n = big ? f->n1 : f->n2;
    if ((big ? f->free1 : f->free2) == 0)
        return MMU_ENOSPC;
    uint64_t *cur = big ? &f->cur1 : &f->cur2;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t c = (*cur + i) % n;
        if (big ? f->cnt1[c] != 0 : f->cnt2[c] != 0)
            continue;
        uint64_t start = (c + (big ? f->c1_first : f->c2_first)) * size;
        uint64_t idx0 = (start - f->base) >> 12;
        for (uint64_t k = 0; k < (size >> 12); k++)
            take_frame(f, idx0 + k);
        *cur = (c + 1) % n;
        *pa = start;
        return 0;
    }
    return MMU_ENOSPC; /* unreachable while free counts are right */
}

int mmu_frames_alloc(mmu_frames_t *f, mmu_page_size_t ps, uint64_t *pa)
{
    uint64_t size = page_bytes(ps);
    if (f->mode == MMU_FRAMES_CONTIGUOUS) {
        if (size == SZ_4K) {
            if (f->hi - f->lo < SZ_4K)
                return MMU_ENOSPC;
            *pa = f->lo;
            f->lo += SZ_4K;
        } else {
            if (f->hi < size)
                return MMU_ENOSPC;
            uint64_t p = (f->hi - size) & ~(size - 1);
            if (p < f->lo)
                return MMU_ENOSPC;
            *pa = f->hi = p;
        }
    } else if (size == SZ_4K) {
        uint64_t domain = f->bits >= 64 ? ~0ull : 1ull << f->bits;
        for (;;) {
            if (f->step >= domain)
                return MMU_ENOSPC;
            uint64_t idx = perm(f, f->step++);
            if (idx >= f->nframes || frame_taken(f, idx))
                continue;
            take_frame(f, idx);
            *pa = f->base + (idx << 12);
            break;
        }
    } else {
        int rc = frag_alloc_large(f, size, pa);
        if (rc)
            return rc;
    }
    f->used += size >> 12;
    return 0;
}

/* ======================= address spaces ======================= */

typedef struct vma {
    uint64_t start, end; /* [start, end), 4 KiB aligned */
    uint64_t flags;      /* leaf flags of pages mapped in it */
    uint8_t hint;        /* MAP record's page size: 2M/1G = hugetlb-like request */
    uint8_t implicit;    /* part of the whole-user-half VMA of a MAP-less trace */
} vma_t;

typedef struct proc {
    mmu_ptb_t *ptb;       /* builds the kernel view (everything) */
    uint64_t kroot, uroot; /* uroot == kroot without KPTI */
    uint16_t pcid_k, pcid_u;
    int in_kernel;
    vma_t *vma;           /* sorted, disjoint */
    size_t nvma, cap;
} proc_t;

struct mmu_aspace {
    mmu_aspace_cfg_t cfg;
    mmu_t *mmu;
    mmu_sparse_mem_t *mem;
    mmu_frames_t *frames;
    proc_t *procs;
    uint64_t *foreign; /* CR3 bases seen in CR3 records, slot = process */
    unsigned nforeign;
    unsigned cur;
    uint64_t slice;    /* accesses in the current time slice */
    mmu_cycle_t now;
    uint64_t user_top;
    uint64_t kernel_pa;
    mmu_aspace_stats_t st;
};

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

/* Split the VMA that strictly contains x, so that x is a boundary. */
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

/* [s, e) lies in VMAs with the same flags and hint as *like, without gaps. */
static int vma_covers(const proc_t *p, uint64_t s, uint64_t e, const vma_t *like)
{
    const vma_t *v = vma_find(p, s);
    if (!v)
        return 0;
    const vma_t *last = p->vma + p->nvma;
    uint64_t at = s;
    for (; v < last && at < e; v++) {
        if (v->start > at || v->flags != like->flags || v->hint != like->hint)
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

typedef struct leaf {
    int kind;      /* 0: nothing mapped at this level; 1: a leaf (present or PROT_NONE) */
    unsigned level;
    uint64_t epa;  /* address of the entry */
    uint64_t pte;
} leaf_t;

/* Follow the kernel view (it holds every user mapping) down to va's leaf, or
 * to the first empty entry. */
static int find_leaf(const mmu_aspace_t *as, const proc_t *p, uint64_t va, leaf_t *out)
{
    uint64_t table = p->kroot;
    for (unsigned l = as->cfg.levels; l >= 1; l--) {
        uint64_t epa = table + 8ull * ((va >> (12 + 9 * (l - 1))) & 511), e;
        int rc = rd(as, epa, &e);
        if (rc)
            return rc;
        out->level = l, out->epa = epa, out->pte = e;
        int leaf = l == 1 || (l <= 3 && (e & MMU_PTE_PS));
        if (!(e & MMU_PTE_P)) {
            /* A non-present entry that still holds a frame is a PROT_NONE page. */
            out->kind = e != 0 && leaf;
            return 0;
        }
        if (leaf) {
            out->kind = 1;
            return 0;
        }
        table = e & FRAME_MASK;
    }
    return MMU_EINVAL; /* unreachable */
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

/* ---- invalidation after a page-table change of the running process ---- */

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
 * flags (PROT_NONE kept). */
static int split_leaf(mmu_aspace_t *as, proc_t *p, uint64_t va, const leaf_t *lf)
{
    uint64_t size = 1ull << (12 + 9 * (lf->level - 1));
    uint64_t base = va & ~(size - 1);
    uint64_t frame = lf->pte & FRAME_MASK & ~(size - 1);
    uint64_t flags = lf->pte & ~(FRAME_MASK | MMU_PTE_PS);
    mmu_page_size_t small = lf->level == 3 ? MMU_PAGE_2M : MMU_PAGE_4K;
    int rc = wr(as, lf->epa, 0);
    if (!rc)
        rc = mmu_ptb_map(p->ptb, base, frame, size, small, flags);
    if (rc)
        return rc;
    if (!(lf->pte & MMU_PTE_P)) {
        uint64_t t;
        if ((rc = rd(as, lf->epa, &t)) != 0)
            return rc;
        t &= FRAME_MASK;
        for (unsigned i = 0; i < 512 && !rc; i++) {
            uint64_t e;
            if ((rc = rd(as, t + 8ull * i, &e)) == 0)
                rc = wr(as, t + 8ull * i, e & ~MMU_PTE_P);
        }
    }
    as->st.splits++;
    count_pages(as, small, 512);
    return rc;
}

enum range_op { OP_UNMAP, OP_PROTECT };

static int range_apply(mmu_aspace_t *as, proc_t *p, uint64_t s, uint64_t e, enum range_op op,
                       uint64_t flags, char *msg, size_t len)
{
    /* SDM 4.10.4.3: after a change, the OS invalidates each page or flushes
     * the context. Like Linux, decide up front from the range's size. */
    int full = ((e - s) >> 12) > as->cfg.flush_ceiling;
    int changed = 0;
    uint64_t va = s;
    while (va < e) {
        leaf_t lf;
        int rc = find_leaf(as, p, va, &lf);
        if (rc)
            return fail(msg, len, rc, "page tables at 0x%llx: %s", (unsigned long long)va,
                        mmu_strerror(rc));
        uint64_t size = 1ull << (12 + 9 * (lf.level - 1));
        uint64_t base = va & ~(size - 1);
        if (!lf.kind) {
            va = base + size;
            if (va == 0)
                break;
            continue;
        }
        if (base < s || base + size > e) { /* a large page only partly in range */
            if ((rc = split_leaf(as, p, va, &lf)) != 0)
                return fail(msg, len, rc, "splitting the page at 0x%llx: %s",
                            (unsigned long long)base, mmu_strerror(rc));
            changed = 1;
            if (!full && (rc = inval_page(as, base, msg, len)) != 0)
                return rc;
            continue; /* walk again: now a smaller leaf */
        }
        if (op == OP_UNMAP) {
            rc = wr(as, lf.epa, 0);
            as->st.pages_unmapped++;
        } else {
            uint64_t keep = lf.pte & (FRAME_MASK | MMU_PTE_PS | MMU_PTE_A | MMU_PTE_D);
            rc = wr(as, lf.epa, keep | (flags & ~(FRAME_MASK | MMU_PTE_PS | MMU_PTE_A | MMU_PTE_D)));
            as->st.pages_protected++;
        }
        if (rc)
            return fail(msg, len, rc, "writing the entry of 0x%llx: %s", (unsigned long long)base,
                        mmu_strerror(rc));
        changed = 1;
        if (!full && (rc = inval_page(as, base, msg, len)) != 0)
            return rc;
        va = base + size;
        if (va == 0)
            break;
    }
    return full && changed ? inval_all(as, msg, len) : 0;
}

/* ---- demand paging ---- */

static uint64_t region_hash(const mmu_aspace_t *as, uint64_t region, uint64_t salt)
{
    return splitmix64(as->cfg.seed ^ splitmix64(region ^ salt)) % 100;
}

static mmu_page_size_t wanted_size(const mmu_aspace_t *as, const vma_t *v, uint64_t va)
{
    if (v->hint == MMU_PAGE_2M || v->hint == MMU_PAGE_1G)
        return (mmu_page_size_t)v->hint;
    switch (as->cfg.policy) {
    case MMU_POLICY_THP:
        return MMU_PAGE_2M;
    case MMU_POLICY_1G:
        return MMU_PAGE_1G;
    case MMU_POLICY_MIXED:
        if (region_hash(as, va >> 30, 0x1ull) < as->cfg.mixed_1g_pct)
            return MMU_PAGE_1G;
        if (region_hash(as, va >> 21, 0x2ull) < as->cfg.mixed_2m_pct)
            return MMU_PAGE_2M;
        return MMU_PAGE_4K;
    default:
        return MMU_PAGE_4K;
    }
}

/* Map the page holding va. *mapped = 0 when va is not demand-pageable. */
static int demand_map(mmu_aspace_t *as, uint64_t va, int *mapped, char *msg, size_t len)
{
    proc_t *p = &as->procs[as->cur];
    *mapped = 0;
    if (va >= as->user_top)
        return 0;
    const vma_t *v = vma_find(p, va);
    if (!v || !(v->flags & MMU_PTE_P))
        return 0;
    leaf_t lf;
    int rc = find_leaf(as, p, va, &lf);
    if (rc)
        return fail(msg, len, rc, "page tables at 0x%llx: %s", (unsigned long long)va,
                    mmu_strerror(rc));
    if (lf.kind)
        return 0; /* mapped already: a real fault, not ours to fix */
    mmu_page_size_t ps = wanted_size(as, v, va);
    uint64_t pa = 0;
    for (;;) {
        uint64_t size = page_bytes(ps);
        uint64_t base = va & ~(size - 1);
        /* Eligible: the empty entry is at or above this size's leaf level
         * (no smaller pages in the region) and the region is one kind of VMA. */
        int ok = ps == MMU_PAGE_4K || (lf.level >= (unsigned)ps + 1 && vma_covers(p, base, base + size, v));
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
    rc = mmu_ptb_map(p->ptb, base, pa, size, ps, v->flags);
    if (!rc)
        rc = sync_user_root(as, p, base);
    if (rc)
        return fail(msg, len, rc, "process %u: mapping 0x%llx: %s", as->cur,
                    (unsigned long long)base, mmu_strerror(rc));
    as->st.demand_faults++;
    if (ps == MMU_PAGE_1G)
        as->st.demand_faults_1g++;
    else if (ps == MMU_PAGE_2M)
        as->st.demand_faults_2m++;
    else
        as->st.demand_faults_4k++;
    count_pages(as, ps, 1);
    *mapped = 1;
    return 0;
}

static int do_access(mmu_aspace_t *as, const mmu_trec_t *rec, mmu_result_t *res, char *msg,
                     size_t len)
{
    if (as->cfg.switch_every && as->cfg.nproc > 1 && as->slice >= as->cfg.switch_every) {
        int rc = switch_to(as, (as->cur + 1) % as->cfg.nproc, msg, len);
        if (rc)
            return rc;
    }
    as->slice++;
    as->st.accesses++;
    mmu_req_t req = {.version = MMU_REQ_VERSION,
                     .la = rec->la,
                     .type = rec->type,
                     .cpl = rec->cpl,
                     .now = as->now};
    for (int attempt = 0;; attempt++) {
        int rc = mmu_translate(as->mmu, &req, res);
        if (rc)
            return fail(msg, len, rc, "translating 0x%llx: %s", (unsigned long long)rec->la,
                        mmu_strerror(rc));
        as->now = res->done_at;
        req.now = as->now;
        const mmu_fault_t *f = &res->fault;
        if (f->kind == MMU_FAULT_NONE)
            return 0;
        int mapped = 0;
        if (attempt == 0 && f->kind == MMU_FAULT_PF &&
            !(f->error_code & (MMU_PF_P | MMU_PF_RSVD))) {
            rc = demand_map(as, rec->la, &mapped, msg, len);
            if (rc)
                return rc;
        }
        if (!mapped) {
            as->st.faults_returned++;
            return 0;
        }
        req.flags |= MMU_REQ_RETRY;
    }
}

static int do_map(mmu_aspace_t *as, const mmu_trec_t *rec, char *msg, size_t len)
{
    proc_t *p = &as->procs[as->cur];
    uint64_t s = rec->la & ~(SZ_4K - 1);
    uint64_t e = (rec->la + rec->len + SZ_4K - 1) & ~(SZ_4K - 1);
    if (rec->len == 0)
        return 0;
    if (e <= s || e > as->user_top)
        return fail(msg, len, MMU_EINVAL, "%s [0x%llx, +0x%llx): not in the user half",
                    rec->kind == MMU_TREC_MAP ? "MAP" : rec->kind == MMU_TREC_UNMAP ? "UNMAP" : "PROTECT",
                    (unsigned long long)rec->la, (unsigned long long)rec->len);
    int rc = 0;
    switch (rec->kind) {
    case MMU_TREC_MAP: {
        /* The first MAP of a process ends the implicit whole-half VMA. */
        size_t w = 0;
        for (size_t i = 0; i < p->nvma; i++)
            if (!p->vma[i].implicit)
                p->vma[w++] = p->vma[i];
        p->nvma = w;
        if ((rc = range_apply(as, p, s, e, OP_UNMAP, 0, msg, len)) != 0)
            return rc;
        vma_t v = {s, e, rec->value ? rec->value : as->cfg.default_flags,
                   (uint8_t)(rec->size <= MMU_PAGE_1G ? rec->size : 0), 0};
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
        if (base == p->kroot || base == p->uroot) {
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
    case MMU_TREC_ACCESS:
        return do_access(as, rec, res, msg, msglen);
    case MMU_TREC_CR3:
        return do_cr3(as, rec->value, msg, msglen);
    case MMU_TREC_SYSCALL_ENTER:
    case MMU_TREC_SYSCALL_EXIT: {
        int enter = rec->kind == MMU_TREC_SYSCALL_ENTER;
        if (enter)
            as->st.syscalls++;
        if (p->in_kernel == enter)
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

/* ---- create / destroy / report ---- */

void mmu_aspace_destroy(mmu_aspace_t *as)
{
    if (!as)
        return;
    if (as->procs)
        for (unsigned i = 0; i < as->cfg.nproc; i++) {
            mmu_ptb_destroy(as->procs[i].ptb);
            free(as->procs[i].vma);
        }
    free(as->procs);
    free(as->foreign);
    mmu_frames_destroy(as->frames);
    free(as);
}

static int canonical(uint64_t va, unsigned levels)
{
    unsigned bits = levels == 5 ? 57 : 48;
    int64_t s = (int64_t)(va << (64 - bits)) >> (64 - bits);
    return (uint64_t)s == va;
}

int mmu_aspace_create(mmu_t *mmu, mmu_sparse_mem_t *mem, const mmu_aspace_cfg_t *cfg,
                      mmu_aspace_t **out, char *msg, size_t msglen)
{
    *out = NULL;
    if (!mmu || !mem || !cfg)
        return fail(msg, msglen, MMU_EINVAL, "aspace: mmu, mem and cfg are required");
    if (cfg->policy > MMU_POLICY_MIXED)
        return fail(msg, msglen, MMU_EINVAL, "aspace: policy=%u: must be 0..3", cfg->policy);
    if (cfg->nproc < 1 || cfg->nproc > 2047)
        return fail(msg, msglen, MMU_EINVAL, "aspace: nproc=%u: must be 1..2047", cfg->nproc);
    if (cfg->levels != 4 && cfg->levels != 5)
        return fail(msg, msglen, MMU_EINVAL, "aspace: levels=%u: must be 4 or 5", cfg->levels);
    if (cfg->mixed_1g_pct > 100 || cfg->mixed_2m_pct > 100)
        return fail(msg, msglen, MMU_EINVAL, "aspace: mixed_1g_pct/mixed_2m_pct: must be 0..100");
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
    uint64_t tables_end = cfg->phys_base + (uint64_t)cfg->nproc * cfg->pt_pool;
    uint64_t kernel_pa = (tables_end + SZ_2M - 1) & ~(SZ_2M - 1);
    if (kernel_pa + SZ_2M + SZ_4K > cfg->phys_limit)
        return fail(msg, msglen, MMU_EINVAL,
                    "aspace: region [0x%llx, 0x%llx) too small for %u page-table pools of %llu bytes",
                    (unsigned long long)cfg->phys_base, (unsigned long long)cfg->phys_limit,
                    cfg->nproc, (unsigned long long)cfg->pt_pool);

    mmu_aspace_t *as = calloc(1, sizeof *as);
    if (!as)
        return fail(msg, msglen, MMU_ENOMEM, "aspace: out of host memory");
    as->cfg = *cfg;
    as->mmu = mmu;
    as->mem = mem;
    as->user_top = cfg->levels == 5 ? 1ull << 56 : 1ull << 47;
    as->kernel_pa = kernel_pa;
    as->procs = calloc(cfg->nproc, sizeof *as->procs);
    as->foreign = calloc(cfg->nproc, sizeof *as->foreign);
    if (!as->procs || !as->foreign) {
        mmu_aspace_destroy(as);
        return fail(msg, msglen, MMU_ENOMEM, "aspace: out of host memory");
    }
    int rc = mmu_frames_create((mmu_frames_mode_t)cfg->frames_mode, kernel_pa + SZ_2M,
                               cfg->phys_limit, cfg->seed, cfg->frag_pct, &as->frames, msg, msglen);
    if (rc) {
        mmu_aspace_destroy(as);
        return rc;
    }
    mmu_mem_ops_t ops = mmu_sparse_mem_ops(mem);
    for (unsigned i = 0; i < cfg->nproc; i++) {
        proc_t *p = &as->procs[i];
        uint64_t pool = cfg->phys_base + (uint64_t)i * cfg->pt_pool, size = cfg->pt_pool;
        if (cfg->kpti) {
            p->uroot = pool;
            for (uint64_t off = 0; off < SZ_4K && !rc; off += 8)
                rc = wr(as, pool + off, 0);
            pool += SZ_4K, size -= SZ_4K;
        }
        if (!rc)
            rc = mmu_ptb_create(&ops, cfg->levels, pool, size, &p->ptb);
        if (!rc) {
            p->kroot = mmu_ptb_root(p->ptb);
            if (!cfg->kpti)
                p->uroot = p->kroot;
            uint64_t kflags = MMU_PTE_P | MMU_PTE_RW | (cfg->kernel_global ? MMU_PTE_G : 0);
            rc = mmu_ptb_map(p->ptb, cfg->kernel_va, kernel_pa, SZ_2M, MMU_PAGE_2M, kflags);
        }
        if (!rc && cfg->implicit_vma) {
            vma_t v = {0, as->user_top, cfg->default_flags, 0, 1};
            rc = vma_insert(p, v);
        }
        if (rc) {
            mmu_aspace_destroy(as);
            return fail(msg, msglen, rc, "aspace: process %u: building its address space: %s", i,
                        mmu_strerror(rc));
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
    out->frames_used = mmu_frames_used(as->frames);
    out->table_frames = 0;
    for (unsigned i = 0; i < as->cfg.nproc; i++)
        out->table_frames += mmu_ptb_tables(as->procs[i].ptb) + (as->cfg.kpti ? 1 : 0);
}

void mmu_aspace_stats_diff(mmu_aspace_stats_t *out, const mmu_aspace_stats_t *after,
                           const mmu_aspace_stats_t *before)
{
#define MMU__ASPACE_DIFF(name) out->name = after->name - before->name;
    MMU_ASPACE_STATS_MAP(MMU__ASPACE_DIFF)
#undef MMU__ASPACE_DIFF
    out->frames_used = after->frames_used;
    out->table_frames = after->table_frames;
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
