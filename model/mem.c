/* Sparse physical memory: the default backing for page tables.
 * Storage is a hash table of 4 KiB frames keyed by frame number (open
 * addressing, linear probing, grown at half load), so a 2^52-byte address
 * space costs only the frames that were written. Untouched words read as 0. */
#include <stdlib.h>
#include <string.h>

#include "mmu/mmu_mem.h"

#define FRAME_WORDS 512u
#define NO_KEY UINT64_MAX

struct mmu_sparse_mem {
    uint64_t limit;   /* 2^maxphyaddr */
    uint64_t *keys;   /* frame numbers, NO_KEY = empty slot */
    uint64_t **pages; /* FRAME_WORDS words each */
    size_t cap;       /* power of two */
    size_t used;
};

static size_t slot_of(uint64_t pfn, size_t cap)
{
    /* Fibonacci hashing spreads consecutive frames across the table. */
    return (size_t)((pfn * 0x9e3779b97f4a7c15ull) >> 20) & (cap - 1);
}

int mmu_sparse_mem_create(unsigned maxphyaddr, mmu_sparse_mem_t **out)
{
    *out = NULL;
    if (maxphyaddr < 36 || maxphyaddr > 52)
        return MMU_EINVAL;
    mmu_sparse_mem_t *m = calloc(1, sizeof *m);
    if (!m)
        return MMU_ENOMEM;
    m->limit = 1ull << maxphyaddr;
    m->cap = 64;
    m->keys = malloc(m->cap * sizeof *m->keys);
    m->pages = calloc(m->cap, sizeof *m->pages);
    if (!m->keys || !m->pages) {
        mmu_sparse_mem_destroy(m);
        return MMU_ENOMEM;
    }
    memset(m->keys, 0xff, m->cap * sizeof *m->keys);
    *out = m;
    return 0;
}

void mmu_sparse_mem_destroy(mmu_sparse_mem_t *m)
{
    if (!m)
        return;
    if (m->pages)
        for (size_t i = 0; i < m->cap; i++)
            free(m->pages[i]);
    free(m->pages);
    free(m->keys);
    free(m);
}

void mmu_sparse_mem_clear(mmu_sparse_mem_t *m)
{
    for (size_t i = 0; i < m->cap; i++) {
        free(m->pages[i]);
        m->pages[i] = NULL;
        m->keys[i] = NO_KEY;
    }
    m->used = 0;
}

static uint64_t *find(const mmu_sparse_mem_t *m, uint64_t pfn)
{
    for (size_t i = slot_of(pfn, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == pfn)
            return m->pages[i];
        if (m->keys[i] == NO_KEY)
            return NULL;
    }
}

static int grow(mmu_sparse_mem_t *m)
{
    size_t ncap = m->cap * 2;
    uint64_t *nkeys = malloc(ncap * sizeof *nkeys);
    uint64_t **npages = calloc(ncap, sizeof *npages);
    if (!nkeys || !npages) {
        free(nkeys);
        free(npages);
        return MMU_ENOMEM;
    }
    memset(nkeys, 0xff, ncap * sizeof *nkeys);
    for (size_t i = 0; i < m->cap; i++) {
        if (m->keys[i] == NO_KEY)
            continue;
        size_t j = slot_of(m->keys[i], ncap);
        while (nkeys[j] != NO_KEY)
            j = (j + 1) & (ncap - 1);
        nkeys[j] = m->keys[i];
        npages[j] = m->pages[i];
    }
    free(m->keys);
    free(m->pages);
    m->keys = nkeys;
    m->pages = npages;
    m->cap = ncap;
    return 0;
}

static int check_pa(const mmu_sparse_mem_t *m, uint64_t pa)
{
    if (pa & 7)
        return MMU_EALIGN;
    if (pa >= m->limit)
        return MMU_ERANGE;
    return 0;
}

int mmu_sparse_mem_read64(const mmu_sparse_mem_t *m, uint64_t pa, uint64_t *val)
{
    int rc = check_pa(m, pa);
    if (rc)
        return rc;
    const uint64_t *page = find(m, pa >> 12);
    *val = page ? page[(pa & 0xfff) >> 3] : 0;
    return 0;
}

static int frame_for_write(mmu_sparse_mem_t *m, uint64_t pfn, uint64_t **page)
{
    if ((*page = find(m, pfn)) != NULL)
        return 0;
    if ((m->used + 1) * 2 > m->cap) {
        int rc = grow(m);
        if (rc)
            return rc;
    }
    uint64_t *p = calloc(FRAME_WORDS, sizeof *p);
    if (!p)
        return MMU_ENOMEM;
    size_t i = slot_of(pfn, m->cap);
    while (m->keys[i] != NO_KEY)
        i = (i + 1) & (m->cap - 1);
    m->keys[i] = pfn;
    m->pages[i] = p;
    m->used++;
    *page = p;
    return 0;
}

int mmu_sparse_mem_write64(mmu_sparse_mem_t *m, uint64_t pa, uint64_t val)
{
    int rc = check_pa(m, pa);
    if (rc)
        return rc;
    uint64_t *page = find(m, pa >> 12);
    if (!page) {
        if (val == 0)
            return 0; /* absent already reads as 0: keep the memory sparse */
        if ((rc = frame_for_write(m, pa >> 12, &page)) != 0)
            return rc;
    }
    page[(pa & 0xfff) >> 3] = val;
    return 0;
}

uint64_t mmu_sparse_mem_frames(const mmu_sparse_mem_t *m)
{
    return m->used;
}

static int ops_read64(void *ctx, uint64_t pa, uint64_t *val)
{
    return mmu_sparse_mem_read64(ctx, pa, val);
}

static int ops_cmpxchg64(void *ctx, uint64_t pa, uint64_t expected, uint64_t desired,
                         uint64_t *old)
{
    /* Single-threaded host: read and conditional write cannot interleave. */
    int rc = mmu_sparse_mem_read64(ctx, pa, old);
    if (rc || *old != expected)
        return rc;
    return mmu_sparse_mem_write64(ctx, pa, desired);
}

mmu_mem_ops_t mmu_sparse_mem_ops(mmu_sparse_mem_t *m)
{
    mmu_mem_ops_t ops = {ops_read64, ops_cmpxchg64, m};
    return ops;
}
