/* SPDX-License-Identifier: Apache-2.0 */
/* The indexed min-heap LFU and OPT order their pages by: pos[] finds a page's
 * slot, so a page's key can change or the page can leave from anywhere in
 * O(log n). Equal keys come out by page number, so runs are deterministic. */
#include <string.h>

#include "repl_impl.h"

int rl_heap_init(rl_heap_t *h, uint32_t npages)
{
    h->key = malloc((size_t)npages * sizeof *h->key);
    h->pos = malloc((size_t)npages * sizeof *h->pos);
    h->heap = malloc((size_t)npages * sizeof *h->heap);
    h->n = 0;
    if (!h->key || !h->pos || !h->heap) {
        rl_heap_free(h);
        return MMU_ENOMEM;
    }
    memset(h->pos, 0xff, (size_t)npages * sizeof *h->pos);
    return 0;
}

void rl_heap_free(rl_heap_t *h)
{
    free(h->key);
    free(h->pos);
    free(h->heap);
    h->key = NULL;
    h->pos = h->heap = NULL;
}

static int before(const rl_heap_t *h, uint32_t a, uint32_t b)
{
    return h->key[a] != h->key[b] ? h->key[a] < h->key[b] : a < b;
}

static void place(rl_heap_t *h, uint32_t i, uint32_t p)
{
    h->heap[i] = p;
    h->pos[p] = i;
}

static void sift_up(rl_heap_t *h, uint32_t i)
{
    uint32_t p = h->heap[i];
    while (i > 0 && before(h, p, h->heap[(i - 1) / 2])) {
        place(h, i, h->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    place(h, i, p);
}

void rl_heap_sift_down(rl_heap_t *h, uint32_t i)
{
    uint32_t p = h->heap[i];
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && before(h, h->heap[c + 1], h->heap[c]))
            c++;
        if (!before(h, h->heap[c], p))
            break;
        place(h, i, h->heap[c]);
        i = c;
    }
    place(h, i, p);
}

void rl_heap_push(rl_heap_t *h, uint32_t page)
{
    place(h, h->n++, page);
    sift_up(h, h->n - 1);
}

void rl_heap_remove(rl_heap_t *h, uint32_t page)
{
    uint32_t i = h->pos[page];
    if (i == MMU_REPL_NONE)
        return;
    h->pos[page] = MMU_REPL_NONE;
    if (i == --h->n)
        return;
    uint32_t last = h->heap[h->n];
    place(h, i, last);
    sift_up(h, i);
    rl_heap_sift_down(h, h->pos[last]);
}

void rl_heap_rekey(rl_heap_t *h, uint32_t page, uint64_t key)
{
    uint32_t i = h->pos[page];
    uint64_t old = h->key[page];
    h->key[page] = key;
    if (i == MMU_REPL_NONE || key == old)
        return;
    if (key < old)
        sift_up(h, i);
    else
        rl_heap_sift_down(h, i);
}

void rl_heap_reorder(rl_heap_t *h)
{
    for (uint32_t i = h->n / 2; i-- > 0;)
        rl_heap_sift_down(h, i);
}
