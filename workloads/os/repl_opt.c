/* SPDX-License-Identifier: Apache-2.0 */
/* OPT (Belady's MIN), a reference policy: evict the resident page whose next
 * use is furthest away (never used again first). It needs the future: an
 * offline pass over the trace gives, for every access, the index of the next
 * access to the same page (mmu_repl_future_t, linear in the trace: one hash
 * table lookup per access). Online, each access sets its page's key to that
 * next use in an indexed max-heap, O(log resident).
 *
 * Defined for pure demand paging of 4 KiB pages of one process: the OS refuses
 * OPT with several processes or large pages (the key is the virtual page). */
#include <string.h>

#include "repl_impl.h"

/* ---- the offline pass ---- */

struct mmu_repl_future {
    uint32_t *next;
    uint64_t n, cap;
    /* page key -> index of its last access so far */
    uint64_t *hkey;
    uint32_t *hlast;
    uint64_t hcap, hn;
};

int mmu_repl_future_create(mmu_repl_future_t **out)
{
    mmu_repl_future_t *f = calloc(1, sizeof *f);
    if (f) {
        f->hcap = 1024;
        f->hkey = malloc(f->hcap * sizeof *f->hkey);
        f->hlast = malloc(f->hcap * sizeof *f->hlast);
    }
    if (!f || !f->hkey || !f->hlast) {
        mmu_repl_future_destroy(f);
        *out = NULL;
        return MMU_ENOMEM;
    }
    memset(f->hlast, 0xff, f->hcap * sizeof *f->hlast);
    *out = f;
    return 0;
}

void mmu_repl_future_destroy(mmu_repl_future_t *f)
{
    if (!f)
        return;
    free(f->next);
    free(f->hkey);
    free(f->hlast);
    free(f);
}

static uint64_t hmix(uint64_t x)
{
    x ^= x >> 31;
    x *= 0x7fb5d329728ea185ull;
    x ^= x >> 27;
    x *= 0x81dadef4bc2dd44dull;
    return x ^ (x >> 33);
}

/* Slot of key (empty slots have hlast == NEVER). */
static uint64_t hslot(const mmu_repl_future_t *f, uint64_t key)
{
    uint64_t i = hmix(key) & (f->hcap - 1);
    while (f->hlast[i] != MMU_REPL_NEVER && f->hkey[i] != key)
        i = (i + 1) & (f->hcap - 1);
    return i;
}

static int hgrow(mmu_repl_future_t *f)
{
    uint64_t oc = f->hcap;
    uint64_t *ok = f->hkey;
    uint32_t *ol = f->hlast;
    f->hcap = oc * 2;
    f->hkey = malloc(f->hcap * sizeof *f->hkey);
    f->hlast = malloc(f->hcap * sizeof *f->hlast);
    if (!f->hkey || !f->hlast) {
        free(f->hkey);
        free(f->hlast);
        f->hkey = ok, f->hlast = ol, f->hcap = oc;
        return MMU_ENOMEM;
    }
    memset(f->hlast, 0xff, f->hcap * sizeof *f->hlast);
    for (uint64_t i = 0; i < oc; i++)
        if (ol[i] != MMU_REPL_NEVER) {
            uint64_t j = hslot(f, ok[i]);
            f->hkey[j] = ok[i];
            f->hlast[j] = ol[i];
        }
    free(ok);
    free(ol);
    return 0;
}

int mmu_repl_future_add(mmu_repl_future_t *f, uint64_t key)
{
    if (f->n >= MMU_REPL_NEVER - 1)
        return MMU_ERANGE;
    if (f->n == f->cap) {
        uint64_t cap = f->cap ? f->cap * 2 : 1 << 16;
        uint32_t *p = realloc(f->next, cap * sizeof *p);
        if (!p)
            return MMU_ENOMEM;
        f->next = p;
        f->cap = cap;
    }
    if (2 * (f->hn + 1) > f->hcap && hgrow(f))
        return MMU_ENOMEM;
    uint64_t i = hslot(f, key);
    if (f->hlast[i] != MMU_REPL_NEVER)
        f->next[f->hlast[i]] = (uint32_t)f->n;
    else {
        f->hkey[i] = key;
        f->hn++;
    }
    f->hlast[i] = (uint32_t)f->n;
    f->next[f->n++] = MMU_REPL_NEVER;
    return 0;
}

uint64_t mmu_repl_future_len(const mmu_repl_future_t *f)
{
    return f->n;
}

uint32_t mmu_repl_future_next(const mmu_repl_future_t *f, uint64_t i)
{
    return i < f->n ? f->next[i] : MMU_REPL_NEVER;
}

uint64_t mmu_repl_future_pages(const mmu_repl_future_t *f)
{
    return f->hn;
}

/* ---- the policy: an indexed max-heap on the next use ---- */

typedef struct opt {
    const mmu_repl_future_t *f;
    uint32_t *key, *pos, *heap; /* pos = NONE when not resident */
    uint32_t n;
} opt_t;

/* a comes out before b: later next use; ties by page number, for determinism. */
static int before(const opt_t *s, uint32_t a, uint32_t b)
{
    return s->key[a] != s->key[b] ? s->key[a] > s->key[b] : a < b;
}

static void place(opt_t *s, uint32_t i, uint32_t p)
{
    s->heap[i] = p;
    s->pos[p] = i;
}

static void sift_up(opt_t *s, uint32_t i)
{
    uint32_t p = s->heap[i];
    while (i > 0 && before(s, p, s->heap[(i - 1) / 2])) {
        place(s, i, s->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    place(s, i, p);
}

static void sift_down(opt_t *s, uint32_t i)
{
    uint32_t p = s->heap[i];
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= s->n)
            break;
        if (c + 1 < s->n && before(s, s->heap[c + 1], s->heap[c]))
            c++;
        if (!before(s, s->heap[c], p))
            break;
        place(s, i, s->heap[c]);
        i = c;
    }
    place(s, i, p);
}

static int opt_create(const mmu_repl_env_t *env, void **state)
{
    if (!env->future)
        return MMU_EINVAL;
    opt_t *s = calloc(1, sizeof *s);
    if (s) {
        s->f = env->future;
        s->key = malloc((size_t)env->npages * sizeof *s->key);
        s->pos = malloc((size_t)env->npages * sizeof *s->pos);
        s->heap = malloc((size_t)env->npages * sizeof *s->heap);
    }
    if (!s || !s->key || !s->pos || !s->heap) {
        if (s) {
            free(s->key);
            free(s->pos);
            free(s->heap);
        }
        free(s);
        return MMU_ENOMEM;
    }
    memset(s->pos, 0xff, (size_t)env->npages * sizeof *s->pos);
    *state = s;
    return 0;
}

static void opt_destroy(void *state)
{
    opt_t *s = state;
    if (s) {
        free(s->key);
        free(s->pos);
        free(s->heap);
    }
    free(s);
}

static void opt_insert(void *state, uint32_t page, unsigned flags)
{
    opt_t *s = state;
    /* A new page is touched right after (its key is set then); a page put back
     * keeps its key; one read ahead has no known next use: it goes first. */
    if (!(flags & MMU_REPL_ROTATE))
        s->key[page] = MMU_REPL_NEVER;
    place(s, s->n++, page);
    sift_up(s, s->n - 1);
}

static void opt_remove(void *state, uint32_t page)
{
    opt_t *s = state;
    uint32_t i = s->pos[page];
    if (i == MMU_REPL_NONE)
        return;
    s->pos[page] = MMU_REPL_NONE;
    if (i == --s->n)
        return;
    uint32_t last = s->heap[s->n];
    place(s, i, last);
    sift_up(s, i);
    sift_down(s, s->pos[last]);
}

static void opt_touch(void *state, uint32_t page, uint64_t access)
{
    opt_t *s = state;
    uint32_t i = s->pos[page];
    if (i == MMU_REPL_NONE)
        return;
    uint32_t k = mmu_repl_future_next(s->f, access), old = s->key[page];
    if (k == old)
        return;
    s->key[page] = k;
    if (k > old)
        sift_up(s, i);
    else
        sift_down(s, i);
}

static int opt_evict(void *state, mmu_repl_scan_t *sc, uint32_t *page)
{
    opt_t *s = state;
    if (!s->n)
        return MMU_ENOENT;
    *page = s->heap[0];
    opt_remove(s, *page);
    sc->scanned++;
    return 0;
}

const mmu_repl_ops_t mmu_repl_opt = {
    "opt", "Belady's OPT (reference: knows the future; offline pass)", MMU_REPL_NEEDS_FUTURE,
    opt_create, opt_destroy, opt_insert, opt_remove, opt_touch, opt_evict, NULL,
};
