/* SPDX-License-Identifier: Apache-2.0 */
/* Sparse physical memory: the default backing for page tables.
 * A three-level radix tree over the frame number (root -> 8192-entry node ->
 * 8192 frame pointers -> 4 KiB frame), allocated on first write. Page tables
 * cluster, so the few nodes on a walk's path stay in the host's caches and a
 * read is two cached loads plus the word itself; a hash table costs a miss on
 * the slot array as well. Untouched words read as 0. */
#if defined(__linux__)
#define _DEFAULT_SOURCE /* madvise */
#include <sys/mman.h>
#endif
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "mem.h"
#include "mmu/mmu_mem.h"

#define FRAME_WORDS 512u
/* Frames are carved in allocation order out of slabs. Large memories get
 * 2 MiB-aligned slabs that the host may back with one huge page: a walk over
 * hundreds of MiB of page tables otherwise takes a host TLB miss on nearly
 * every entry it reads. The first slabs are small and each is twice the last
 * (64 KiB, 128 KiB, ... 2 MiB): a memory holding a handful of page tables
 * (a `mmusim check` scenario) would otherwise pay for the kernel zeroing a
 * whole 2 MiB huge page, about 0.35 ms, on its first write. */
#define SLAB_BYTES (2u << 20)
#define SLAB_FRAMES (SLAB_BYTES / 4096u)
#define SLAB_FIRST_FRAMES 16u
#define NODE_BITS MMU_SPARSE_NODE_BITS
#define NODE_SIZE MMU_SPARSE_NODE_SIZE

typedef mmu_sparse_leaf_t leaf_node_t;
typedef mmu_sparse_mid_t mid_node_t;

static uint64_t *new_frame(mmu_sparse_mem_t *m)
{
    if (!m->nslabs || m->slab_used == m->slab_frames) {
        if (m->nslabs == m->capslabs) {
            size_t ncap = m->capslabs ? 2 * m->capslabs : 16;
            char **p = realloc(m->slabs, ncap * sizeof *p);
            if (!p)
                return NULL;
            m->slabs = p;
            m->capslabs = ncap;
        }
        const unsigned frames = !m->nslabs ? SLAB_FIRST_FRAMES
                                : m->slab_frames < SLAB_FRAMES ? 2 * m->slab_frames
                                                               : SLAB_FRAMES;
        const size_t bytes = (size_t)frames * 4096u;
        char *slab = aligned_alloc(frames == SLAB_FRAMES ? SLAB_BYTES : 4096u, bytes);
        if (!slab)
            return NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
        if (frames == SLAB_FRAMES)
            madvise(slab, SLAB_BYTES, MADV_HUGEPAGE); /* a hint; failure is harmless */
#endif
        m->slabs[m->nslabs++] = slab;
        m->slab_used = 0;
        m->slab_frames = frames;
    }
    uint64_t *f = (uint64_t *)(m->slabs[m->nslabs - 1] + (size_t)m->slab_used++ * 4096u);
    memset(f, 0, 4096);
    return f;
}

int mmu_sparse_mem_create(unsigned maxphyaddr, mmu_sparse_mem_t **out)
{
    if (!out)
        return MMU_EINVAL;
    *out = NULL;
    if (maxphyaddr < 36 || maxphyaddr > 52)
        return MMU_EINVAL;
    mmu_sparse_mem_t *m = calloc(1, sizeof *m);
    if (!m)
        return MMU_ENOMEM;
    m->limit = 1ull << maxphyaddr;
    /* Frame-number bits above the two node levels; at least one root slot. */
    unsigned pfn_bits = maxphyaddr - 12;
    m->root_size = pfn_bits > 2 * NODE_BITS ? (size_t)1 << (pfn_bits - 2 * NODE_BITS) : 1;
    m->root = calloc(m->root_size, sizeof *m->root);
    if (!m->root) {
        free(m);
        return MMU_ENOMEM;
    }
    *out = m;
    return 0;
}

void mmu_sparse_mem_clear(mmu_sparse_mem_t *m)
{
    if (!m)
        return;
    /* Leaves first (each listed once), then their mid nodes. */
    for (size_t i = 0; i < m->nused; i++) {
        mid_node_t *mid = m->root[m->used[i] >> NODE_BITS];
        free(mid->leaf[m->used[i] & (NODE_SIZE - 1)]);
        mid->leaf[m->used[i] & (NODE_SIZE - 1)] = NULL;
    }
    for (size_t i = 0; i < m->nused; i++) {
        const size_t r = m->used[i] >> NODE_BITS;
        free(m->root[r]); /* free(NULL) after the first leaf of that mid */
        m->root[r] = NULL;
    }
    m->nused = 0;
    for (size_t i = 0; i < m->nslabs; i++)
        free(m->slabs[i]);
    m->nslabs = 0;
    m->slab_frames = 0;
    m->frames = 0;
}

void mmu_sparse_mem_destroy(mmu_sparse_mem_t *m)
{
    if (!m)
        return;
    mmu_sparse_mem_clear(m);
    free(m->slabs);
    free(m->used);
    free(m->root);
    free(m);
}

static inline uint64_t *find(const mmu_sparse_mem_t *m, uint64_t pfn)
{
    return mmu_sparse_mem_find(m, pfn);
}

static int frame_for_write(mmu_sparse_mem_t *m, uint64_t pfn, uint64_t **page)
{
    mid_node_t **mid = &m->root[pfn >> (2 * NODE_BITS)];
    const bool new_mid = !*mid;
    if (new_mid && !(*mid = calloc(1, sizeof **mid)))
        return MMU_ENOMEM;
    leaf_node_t **leaf = &(*mid)->leaf[(pfn >> NODE_BITS) & (NODE_SIZE - 1)];
    if (!*leaf) {
        uint32_t *p = m->used;
        if (m->nused == m->capused) {
            const size_t ncap = m->capused ? 2 * m->capused : 16;
            if ((p = realloc(m->used, ncap * sizeof *p)) != NULL) {
                m->used = p;
                m->capused = ncap;
            }
        }
        if (!p || !(*leaf = calloc(1, sizeof **leaf))) {
            if (new_mid) { /* only the used list leads clear to a mid node */
                free(*mid);
                *mid = NULL;
            }
            return MMU_ENOMEM;
        }
        m->used[m->nused++] = (uint32_t)(pfn >> NODE_BITS);
    }
    uint64_t **frame = &(*leaf)->frame[pfn & (NODE_SIZE - 1)];
    if (!*frame) {
        if (!(*frame = new_frame(m)))
            return MMU_ENOMEM;
        m->frames++;
    }
    *page = *frame;
    return 0;
}

static inline int check_pa(const mmu_sparse_mem_t *m, uint64_t pa)
{
    if (pa & 7)
        return MMU_EALIGN;
    if (pa >= m->limit)
        return MMU_ERANGE;
    return 0;
}

int mmu_sparse_mem_read64(const mmu_sparse_mem_t *m, uint64_t pa, uint64_t *val)
{
    if (!m || !val)
        return MMU_EINVAL;
    int rc = check_pa(m, pa);
    if (rc)
        return rc;
    const uint64_t *page = find(m, pa >> 12);
    *val = page ? page[(pa & 0xfff) >> 3] : 0;
    return 0;
}

int mmu_sparse_mem_write64(mmu_sparse_mem_t *m, uint64_t pa, uint64_t val)
{
    if (!m)
        return MMU_EINVAL;
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
    return m ? m->frames : 0;
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

/* Finding the frame reads the radix nodes; with val == NULL only the word's
 * own line is prefetched, the miss mmu_translate_batch wants to overlap (the
 * frame pointer it loads can miss too: ops_prefetch_find, called a little
 * earlier, covers that). */
static int ops_peek64(void *ctx, uint64_t pa, uint64_t *val)
{
    const mmu_sparse_mem_t *m = ctx;
    if (check_pa(m, pa))
        return 1;
    const uint64_t *page = find(m, pa >> 12);
    if (!page)
        return 1;
    if (!val) {
#if defined(__GNUC__)
        __builtin_prefetch(&page[(pa & 0xfff) >> 3]);
#endif
        return 0;
    }
    *val = page[(pa & 0xfff) >> 3];
    return 0;
}

/* What finding pa's frame reads: the root slot and the mid node's slot are
 * few and stay cached; the leaf slot, the pointer to the frame, is one of
 * 8 bytes per table frame (256 KiB for the 32 K page tables of a 64 GiB
 * working set) and misses as often as the page tables do. Only that slot
 * is prefetched; nothing is written. */
static void ops_prefetch_find(void *ctx, uint64_t pa)
{
    const mmu_sparse_mem_t *m = ctx;
    if (pa >= m->limit)
        return;
    const uint64_t pfn = pa >> 12;
    const mid_node_t *mid = m->root[pfn >> (2 * NODE_BITS)];
    if (!mid)
        return;
    const leaf_node_t *leaf = mid->leaf[(pfn >> NODE_BITS) & (NODE_SIZE - 1)];
    if (!leaf)
        return;
#if defined(__GNUC__)
    __builtin_prefetch(&leaf->frame[pfn & (NODE_SIZE - 1)]);
#endif
}

const mmu_sparse_mem_t *mmu_sparse_mem_of(const mmu_mem_ops_t *ops)
{
    if (ops->read64 != ops_read64 || ops->cmpxchg64 != ops_cmpxchg64)
        return NULL;
    return ops->ctx;
}

/* The first released layout of mmu_mem_ops_t ends with ctx. */
#define MEM_OPS_SIZE_V1 (offsetof(mmu_mem_ops_t, ctx) + sizeof(void *))
#define MEM_OPS_SIZE_MAX 512u /* beyond any plausible later layout: never initialized */

int mmu_sparse_mem_ops_init(mmu_sparse_mem_t *m, mmu_mem_ops_t *ops, size_t size)
{
    if (!m || !ops || size < MEM_OPS_SIZE_V1 || size > MEM_OPS_SIZE_MAX)
        return MMU_EINVAL;
    mmu_mem_ops_t full = {(uint32_t)size, ops_read64, ops_cmpxchg64, m, ops_peek64,
                          ops_prefetch_find};
    if (size > sizeof full) { /* newer headers: zero the operations this library lacks */
        memset((char *)ops + sizeof full, 0, size - sizeof full);
        size = sizeof full;
    }
    memcpy(ops, &full, size);
    return 0;
}

int mmu_mem_ops_import(mmu_mem_ops_t *out, const mmu_mem_ops_t *in, mmu_err_t *err)
{
    if (!in)
        return mmu_err_set(err, MMU_EINVAL, "mem: NULL");
    if (in->size < MEM_OPS_SIZE_V1 || in->size > MEM_OPS_SIZE_MAX)
        return mmu_err_set(err, MMU_EINVAL,
                           "mem->size=%u: not an initialized mmu_mem_ops_t (MMU_MEM_OPS_INIT, "
                           "or mmu_sparse_mem_ops())",
                           (unsigned)in->size);
    for (size_t i = sizeof *out; i < in->size; i++)
        if (((const unsigned char *)in)[i])
            return mmu_err_set(err, MMU_EINVAL,
                               "mem->size=%u: sets operations this libmmusim (%s) does not know; "
                               "it needs a newer one",
                               (unsigned)in->size, MMU_VERSION_STRING);
    *out = (mmu_mem_ops_t){0};
    memcpy(out, in, in->size < sizeof *out ? in->size : sizeof *out);
    out->size = sizeof *out;
    if (!out->read64)
        return mmu_err_set(err, MMU_EINVAL, "mem->read64: NULL");
    if (!out->cmpxchg64)
        return mmu_err_set(err, MMU_EINVAL, "mem->cmpxchg64: NULL");
    return 0;
}
