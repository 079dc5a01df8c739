/* SPDX-License-Identifier: Apache-2.0 */
/* Physical frames (frames.h): the bump / shuffled allocator of an unlimited
 * region, and the allocator of a memory of a given size that frees and reuses
 * frames. The latter keeps, per 2 MiB chunk, a bitmap of its free frames and
 * its free count, and the chunks on two lists (partly free, wholly free), so a
 * 4K allocation, a free, and a 2M allocation are O(1) and a 1G allocation is
 * O(regions). Linux's buddy allocator has eleven orders and merges buddies;
 * three orders are all the page tables can use. */
#include "frames.h"
#include "os_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ======================= unlimited region ======================= */

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

/* ======================= a memory of a given size ======================= */

enum { CL_NONE = 0, CL_PARTIAL = 1, CL_EMPTY = 2 };
#define NIL UINT32_MAX

struct mmu_physmem {
    uint64_t base, nfree, pinned;
    uint32_t nframes, nchunks, nregions;
    uint64_t *bits;      /* 8 words per chunk: 1 = free */
    uint16_t *cfree;     /* free frames per chunk */
    uint16_t *csize;     /* frames per chunk (the last may be short) */
    uint32_t *cprev, *cnext;
    uint8_t *clist;      /* CL_*: which list the chunk is on */
    uint32_t head[3], tail[3];
    uint16_t *rempty;    /* wholly free full-size chunks per 1 GiB region */
};

static void list_del(mmu_physmem_t *m, uint32_t c)
{
    unsigned l = m->clist[c];
    if (l == CL_NONE)
        return;
    uint32_t p = m->cprev[c], n = m->cnext[c];
    if (p != NIL)
        m->cnext[p] = n;
    else
        m->head[l] = n;
    if (n != NIL)
        m->cprev[n] = p;
    else
        m->tail[l] = p;
    m->clist[c] = CL_NONE;
    if (l == CL_EMPTY && m->csize[c] == 512)
        m->rempty[c >> 9]--;
}

static void list_add_tail(mmu_physmem_t *m, uint32_t c, unsigned l)
{
    m->clist[c] = (uint8_t)l;
    m->cnext[c] = NIL;
    m->cprev[c] = m->tail[l];
    if (m->tail[l] != NIL)
        m->cnext[m->tail[l]] = c;
    else
        m->head[l] = c;
    m->tail[l] = c;
    if (l == CL_EMPTY && m->csize[c] == 512)
        m->rempty[c >> 9]++;
}

/* Put chunk c on the list its free count says. */
static void relist(mmu_physmem_t *m, uint32_t c)
{
    unsigned want = m->cfree[c] == 0 ? CL_NONE : m->cfree[c] == m->csize[c] ? CL_EMPTY : CL_PARTIAL;
    if (m->clist[c] == want)
        return;
    list_del(m, c);
    if (want != CL_NONE)
        list_add_tail(m, c, want);
}

static void take(mmu_physmem_t *m, uint32_t f)
{
    m->bits[f >> 6] &= ~(1ull << (f & 63));
    m->cfree[f >> 9]--;
    m->nfree--;
}

int mmu_physmem_create(uint64_t base, uint64_t bytes, unsigned frag_pct, uint64_t seed,
                       mmu_physmem_t **out, char *msg, size_t msglen)
{
    *out = NULL;
    if (base & (SZ_1G - 1))
        return fail(msg, msglen, MMU_EINVAL, "memory: base 0x%llx: must be 1 GiB aligned",
                    (unsigned long long)base);
    if (bytes == 0 || (bytes & (SZ_4K - 1)) || (bytes >> 12) >= NIL)
        return fail(msg, msglen, MMU_EINVAL,
                    "memory: %llu bytes: must be a non-zero multiple of 4096 below 16 TiB",
                    (unsigned long long)bytes);
    if (frag_pct > 100)
        return fail(msg, msglen, MMU_EINVAL, "memory: frag_pct=%u: must be 0..100", frag_pct);
    mmu_physmem_t *m = calloc(1, sizeof *m);
    if (!m)
        return fail(msg, msglen, MMU_ENOMEM, "memory: out of host memory");
    m->base = base;
    m->nframes = (uint32_t)(bytes >> 12);
    m->nchunks = (m->nframes + 511) / 512;
    m->nregions = (m->nchunks + 511) / 512;
    m->bits = calloc((size_t)m->nchunks * 8, sizeof *m->bits);
    m->cfree = calloc(m->nchunks, sizeof *m->cfree);
    m->csize = calloc(m->nchunks, sizeof *m->csize);
    m->cprev = calloc(m->nchunks, sizeof *m->cprev);
    m->cnext = calloc(m->nchunks, sizeof *m->cnext);
    m->clist = calloc(m->nchunks, sizeof *m->clist);
    m->rempty = calloc(m->nregions, sizeof *m->rempty);
    if (!m->bits || !m->cfree || !m->csize || !m->cprev || !m->cnext || !m->clist || !m->rempty) {
        mmu_physmem_destroy(m);
        return fail(msg, msglen, MMU_ENOMEM, "memory: out of host memory for %u frames",
                    m->nframes);
    }
    for (unsigned l = 0; l < 3; l++)
        m->head[l] = m->tail[l] = NIL;
    for (uint32_t f = 0; f < m->nframes; f++)
        m->bits[f >> 6] |= 1ull << (f & 63);
    m->nfree = m->nframes;
    for (uint32_t c = 0; c < m->nchunks; c++) {
        uint32_t n = m->nframes - c * 512;
        m->csize[c] = (uint16_t)(n < 512 ? n : 512);
        m->cfree[c] = m->csize[c];
        list_add_tail(m, c, CL_EMPTY);
    }
    uint64_t s = splitmix64(seed ^ 0x7068797366726167ull);
    for (uint32_t c = 0; frag_pct && c < m->nchunks; c++) {
        uint64_t r = splitmix64(s ^ (c * 0x9e3779b97f4a7c15ull));
        if (r % 100 >= frag_pct)
            continue;
        uint32_t f = c * 512 + (uint32_t)((r >> 32) % m->csize[c]);
        take(m, f);
        m->pinned++;
        relist(m, c);
    }
    *out = m;
    return 0;
}

void mmu_physmem_destroy(mmu_physmem_t *m)
{
    if (!m)
        return;
    free(m->bits);
    free(m->cfree);
    free(m->csize);
    free(m->cprev);
    free(m->cnext);
    free(m->clist);
    free(m->rempty);
    free(m);
}

int mmu_physmem_alloc(mmu_physmem_t *m, mmu_page_size_t ps, uint32_t *frame)
{
    if (ps == MMU_PAGE_4K) {
        uint32_t c = m->head[CL_PARTIAL] != NIL ? m->head[CL_PARTIAL] : m->head[CL_EMPTY];
        if (c == NIL)
            return MMU_ENOSPC;
        for (unsigned w = 0; w < 8; w++) {
            uint64_t v = m->bits[(size_t)c * 8 + w];
            if (v) {
                uint32_t f = c * 512 + w * 64 + (uint32_t)__builtin_ctzll(v);
                take(m, f);
                relist(m, c);
                *frame = f;
                return 0;
            }
        }
        return MMU_ENOSPC; /* unreachable: a listed chunk has a free frame */
    }
    if (ps == MMU_PAGE_2M) {
        /* The highest wholly free chunk of full size (the short last one
         * cannot hold a 2M block). */
        for (uint32_t c = m->tail[CL_EMPTY]; c != NIL; c = m->cprev[c]) {
            if (m->csize[c] != 512)
                continue;
            list_del(m, c);
            memset(&m->bits[(size_t)c * 8], 0, 8 * sizeof *m->bits);
            m->cfree[c] = 0;
            m->nfree -= 512;
            *frame = c * 512;
            return 0;
        }
        return MMU_ENOSPC;
    }
    for (uint32_t r = m->nregions; r-- > 0;) {
        if (m->rempty[r] != 512)
            continue;
        for (uint32_t c = r * 512; c < r * 512 + 512; c++) {
            list_del(m, c);
            memset(&m->bits[(size_t)c * 8], 0, 8 * sizeof *m->bits);
            m->cfree[c] = 0;
        }
        m->nfree -= 512ull * 512;
        *frame = r * 512 * 512;
        return 0;
    }
    return MMU_ENOSPC;
}

void mmu_physmem_free(mmu_physmem_t *m, mmu_page_size_t ps, uint32_t frame)
{
    uint32_t n = ps == MMU_PAGE_1G ? 512u * 512 : ps == MMU_PAGE_2M ? 512u : 1u;
    for (uint32_t f = frame; f < frame + n; f++) {
        m->bits[f >> 6] |= 1ull << (f & 63);
        m->cfree[f >> 9]++;
    }
    m->nfree += n;
    for (uint32_t c = frame >> 9; c <= (frame + n - 1) >> 9; c++)
        relist(m, c);
}

uint64_t mmu_physmem_free_frames(const mmu_physmem_t *m)
{
    return m->nfree;
}

uint64_t mmu_physmem_frames(const mmu_physmem_t *m)
{
    return m->nframes;
}

uint64_t mmu_physmem_pinned(const mmu_physmem_t *m)
{
    return m->pinned;
}

uint64_t mmu_physmem_pa(const mmu_physmem_t *m, uint32_t frame)
{
    return m->base + ((uint64_t)frame << 12);
}

uint32_t mmu_physmem_frame(const mmu_physmem_t *m, uint64_t pa)
{
    if (pa < m->base || ((pa - m->base) >> 12) >= m->nframes)
        return MMU_PHYSMEM_NONE;
    return (uint32_t)((pa - m->base) >> 12);
}

int mmu_physmem_is_free(const mmu_physmem_t *m, uint32_t frame)
{
    return frame < m->nframes && ((m->bits[frame >> 6] >> (frame & 63)) & 1);
}
