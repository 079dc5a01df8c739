/* SPDX-License-Identifier: Apache-2.0 */
/* Swap areas, slots, clusters and the swap cache (swap.h). Per slot: a
 * reference byte (bit 7: held by the swap cache, bits 6:0: PTEs), the page in
 * the swap cache, the contents token and the eviction age. Per cluster: slots
 * in use. Wholly free clusters wait in a FIFO; an area's current cluster is
 * filled in slot order. */
#include "swap.h"
#include "os_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HAS_CACHE 0x80u
#define COUNT_MASK 0x7fu

typedef struct area {
    uint64_t nslots; /* header included */
    int prio;
    uint8_t *map;
    uint32_t *cache;
    uint64_t *tok, *shadow;
    uint32_t *stamp;
    uint16_t *cl_used;
    uint8_t *cl_onq;
    uint64_t nclusters, *freeq, q_head, q_len;
    uint64_t cur, cur_next, scan;
    int has_cur;
    uint64_t used, clusters_taken, scattered;
    mmu_blkdev_t dev;
} area_t;

struct mmu_swap {
    unsigned n;
    area_t a[MMU_SWAP_MAX_AREAS];
    unsigned order[MMU_SWAP_MAX_AREAS]; /* by priority, highest first, stable */
    unsigned rr[MMU_SWAP_MAX_AREAS];    /* per group (indexed by its first position): next to try */
    uint64_t total, used;
};

static uint64_t cl_size(const area_t *a, uint64_t c)
{
    uint64_t end = (c + 1) * MMU_SWAP_CLUSTER;
    return (end <= a->nslots ? MMU_SWAP_CLUSTER : a->nslots - c * MMU_SWAP_CLUSTER);
}

static void q_push(area_t *a, uint64_t c)
{
    if (a->cl_onq[c] || (a->has_cur && a->cur == c))
        return;
    a->cl_onq[c] = 1;
    a->freeq[(a->q_head + a->q_len++) % a->nclusters] = c;
}

void mmu_swap_destroy(mmu_swap_t *s)
{
    if (!s)
        return;
    for (unsigned i = 0; i < s->n; i++) {
        area_t *a = &s->a[i];
        free(a->map);
        free(a->cache);
        free(a->tok);
        free(a->shadow);
        free(a->stamp);
        free(a->cl_used);
        free(a->cl_onq);
        free(a->freeq);
    }
    free(s);
}

int mmu_swap_create(const mmu_swap_area_cfg_t *areas, unsigned n, const mmu_blkdev_cfg_t *dev,
                    unsigned freq_mhz, mmu_swap_t **out, char *msg, size_t msglen)
{
    *out = NULL;
    if (n > MMU_SWAP_MAX_AREAS)
        return fail(msg, msglen, MMU_EINVAL, "swap: %u areas: at most %d", n, MMU_SWAP_MAX_AREAS);
    for (unsigned i = 0; i < n; i++) {
        uint64_t b = areas[i].bytes;
        if (b < 8192 || (b & 4095) || (b >> 12) >= (1ull << 36))
            return fail(msg, msglen, MMU_EINVAL,
                        "swap area %u: %llu bytes: must be a multiple of 4096, at least 8192 "
                        "(the header page and one slot) and below 256 TiB",
                        i + 1, (unsigned long long)b);
    }
    mmu_swap_t *s = calloc(1, sizeof *s);
    if (!s)
        return fail(msg, msglen, MMU_ENOMEM, "swap: out of host memory");
    s->n = n;
    int least = -1;
    for (unsigned i = 0; i < n; i++) {
        area_t *a = &s->a[i];
        a->nslots = areas[i].bytes >> 12;
        a->prio = areas[i].prio_set ? areas[i].prio : --least;
        a->nclusters = (a->nslots + MMU_SWAP_CLUSTER - 1) / MMU_SWAP_CLUSTER;
        a->map = calloc(a->nslots, 1);
        a->cache = malloc(a->nslots * sizeof *a->cache);
        a->tok = calloc(a->nslots, sizeof *a->tok);
        a->shadow = calloc(a->nslots, sizeof *a->shadow);
        a->stamp = calloc(a->nslots, sizeof *a->stamp);
        a->cl_used = calloc(a->nclusters, sizeof *a->cl_used);
        a->cl_onq = calloc(a->nclusters, 1);
        a->freeq = calloc(a->nclusters, sizeof *a->freeq);
        if (!a->map || !a->cache || !a->tok || !a->shadow || !a->stamp || !a->cl_used || !a->cl_onq ||
            !a->freeq) {
            s->n = i + 1;
            mmu_swap_destroy(s);
            return fail(msg, msglen, MMU_ENOMEM, "swap area %u: out of host memory", i + 1);
        }
        for (uint64_t k = 0; k < a->nslots; k++)
            a->cache[k] = MMU_SWAP_NOPAGE;
        a->map[0] = COUNT_MASK; /* the header: never free */
        a->cl_used[0] = 1;
        for (uint64_t c = 0; c < a->nclusters; c++)
            if (a->cl_used[c] == 0)
                q_push(a, c);
        mmu_blkdev_init(&a->dev, dev, freq_mhz);
        s->total += a->nslots - 1;
    }
    /* Stable insertion sort by priority, highest first. */
    for (unsigned i = 0; i < n; i++) {
        unsigned j = i;
        while (j > 0 && s->a[s->order[j - 1]].prio < s->a[i].prio) {
            s->order[j] = s->order[j - 1];
            j--;
        }
        s->order[j] = i;
    }
    *out = s;
    return 0;
}

/* A free slot of area a, or 0 (the header) when it is full. */
static uint64_t area_take(area_t *a)
{
    if (a->used + 1 >= a->nslots)
        return 0;
    for (;;) {
        if (a->has_cur) {
            uint64_t end = a->cur * MMU_SWAP_CLUSTER + cl_size(a, a->cur);
            for (uint64_t k = a->cur_next; k < end; k++)
                if (a->map[k] == 0) {
                    a->cur_next = k + 1;
                    return k;
                }
            a->has_cur = 0;
        }
        /* The next wholly free cluster (entries that were used since they were
         * queued are dropped here). */
        while (a->q_len) {
            uint64_t c = a->freeq[a->q_head];
            a->q_head = (a->q_head + 1) % a->nclusters;
            a->q_len--;
            a->cl_onq[c] = 0;
            if (a->cl_used[c] == 0) {
                a->has_cur = 1;
                a->cur = c;
                a->cur_next = c * MMU_SWAP_CLUSTER;
                a->clusters_taken++;
                break;
            }
        }
        if (a->has_cur)
            continue;
        /* No free cluster: any free slot, scanning on from where the last
         * scan stopped. */
        for (uint64_t i = 0; i < a->nclusters; i++) {
            uint64_t c = (a->scan + i) % a->nclusters;
            if (a->cl_used[c] >= cl_size(a, c))
                continue;
            for (uint64_t k = c * MMU_SWAP_CLUSTER; k < c * MMU_SWAP_CLUSTER + cl_size(a, c); k++)
                if (a->map[k] == 0) {
                    a->scan = c;
                    a->scattered++;
                    return k;
                }
        }
        return 0; /* unreachable while used counts are right */
    }
}

int mmu_swap_alloc(mmu_swap_t *s, uint32_t page, mmu_swp_t *e)
{
    for (unsigned g = 0; g < s->n;) {
        unsigned end = g;
        while (end < s->n && s->a[s->order[end]].prio == s->a[s->order[g]].prio)
            end++;
        unsigned len = end - g, start = s->rr[g] % len;
        for (unsigned t = 0; t < len; t++) {
            unsigned idx = s->order[g + (start + t) % len];
            area_t *a = &s->a[idx];
            uint64_t k = area_take(a);
            if (!k)
                continue;
            a->map[k] = HAS_CACHE;
            a->cache[k] = page;
            a->cl_used[k / MMU_SWAP_CLUSTER]++;
            a->used++;
            s->used++;
            s->rr[g] = (start + t + 1) % len;
            *e = MMU_SWP_MAKE(idx, k);
            return 0;
        }
        g = end;
    }
    return MMU_ENOSPC;
}

static area_t *area_of(const mmu_swap_t *s, mmu_swp_t e, uint64_t *k)
{
    *k = MMU_SWP_SLOT(e);
    return (area_t *)&s->a[MMU_SWP_AREA(e)];
}

static void release_if_unused(mmu_swap_t *s, area_t *a, uint64_t k)
{
    if (a->map[k] != 0)
        return;
    uint64_t c = k / MMU_SWAP_CLUSTER;
    a->used--;
    s->used--;
    if (--a->cl_used[c] == 0)
        q_push(a, c);
}

void mmu_swap_dup(mmu_swap_t *s, mmu_swp_t e)
{
    uint64_t k;
    area_t *a = area_of(s, e, &k);
    a->map[k]++;
}

void mmu_swap_put(mmu_swap_t *s, mmu_swp_t e)
{
    uint64_t k;
    area_t *a = area_of(s, e, &k);
    if (a->map[k] & COUNT_MASK)
        a->map[k]--;
    release_if_unused(s, a, k);
}

uint32_t mmu_swap_cache_page(const mmu_swap_t *s, mmu_swp_t e)
{
    uint64_t k;
    const area_t *a = area_of(s, e, &k);
    return a->cache[k];
}

void mmu_swap_cache_add(mmu_swap_t *s, mmu_swp_t e, uint32_t page)
{
    uint64_t k;
    area_t *a = area_of(s, e, &k);
    a->map[k] |= HAS_CACHE;
    a->cache[k] = page;
}

void mmu_swap_cache_del(mmu_swap_t *s, mmu_swp_t e)
{
    uint64_t k;
    area_t *a = area_of(s, e, &k);
    a->map[k] &= (uint8_t)~HAS_CACHE;
    a->cache[k] = MMU_SWAP_NOPAGE;
    release_if_unused(s, a, k);
}

unsigned mmu_swap_count(const mmu_swap_t *s, mmu_swp_t e)
{
    uint64_t k;
    const area_t *a = area_of(s, e, &k);
    return a->map[k] & COUNT_MASK;
}

int mmu_swap_in_use(const mmu_swap_t *s, mmu_swp_t e)
{
    uint64_t k;
    const area_t *a = area_of(s, e, &k);
    return a->map[k] != 0;
}

uint64_t mmu_swap_token(const mmu_swap_t *s, mmu_swp_t e)
{
    uint64_t k;
    const area_t *a = area_of(s, e, &k);
    return a->tok[k];
}

void mmu_swap_set_token(mmu_swap_t *s, mmu_swp_t e, uint64_t token)
{
    uint64_t k;
    area_t *a = area_of(s, e, &k);
    a->tok[k] = token;
}

uint64_t mmu_swap_shadow(const mmu_swap_t *s, mmu_swp_t e)
{
    uint64_t k;
    const area_t *a = area_of(s, e, &k);
    return a->shadow[k];
}

void mmu_swap_set_shadow(mmu_swap_t *s, mmu_swp_t e, uint64_t age)
{
    uint64_t k;
    area_t *a = area_of(s, e, &k);
    a->shadow[k] = age;
}

uint32_t mmu_swap_stamp(const mmu_swap_t *s, mmu_swp_t e)
{
    uint64_t k;
    const area_t *a = area_of(s, e, &k);
    return a->stamp[k];
}

void mmu_swap_set_stamp(mmu_swap_t *s, mmu_swp_t e, uint32_t stamp)
{
    uint64_t k;
    area_t *a = area_of(s, e, &k);
    a->stamp[k] = stamp;
}

mmu_blkdev_t *mmu_swap_dev(mmu_swap_t *s, mmu_swp_t e)
{
    return &s->a[MMU_SWP_AREA(e)].dev;
}

unsigned mmu_swap_window(const mmu_swap_t *s, mmu_swp_t e, unsigned window, mmu_swp_t *out,
                         unsigned max)
{
    uint64_t k;
    const area_t *a = area_of(s, e, &k);
    if (window < 2)
        return 0;
    uint64_t lo = k & ~((uint64_t)window - 1), hi = lo + window;
    if (hi > a->nslots)
        hi = a->nslots;
    unsigned n = 0;
    for (uint64_t i = lo < 1 ? 1 : lo; i < hi && n < max; i++)
        if (i != k && (a->map[i] & COUNT_MASK) && a->cache[i] == MMU_SWAP_NOPAGE)
            out[n++] = MMU_SWP_MAKE(MMU_SWP_AREA(e), i);
    return n;
}

uint64_t mmu_swap_total(const mmu_swap_t *s)
{
    return s ? s->total : 0;
}

uint64_t mmu_swap_used(const mmu_swap_t *s)
{
    return s ? s->used : 0;
}

unsigned mmu_swap_areas(const mmu_swap_t *s)
{
    return s ? s->n : 0;
}

void mmu_swap_get_area(const mmu_swap_t *s, unsigned area, mmu_swap_area_info_t *out)
{
    const area_t *a = &s->a[area];
    out->slots = a->nslots - 1;
    out->used = a->used;
    out->clusters_taken = a->clusters_taken;
    out->scattered = a->scattered;
    out->prio = a->prio;
    out->dev = &a->dev;
}
