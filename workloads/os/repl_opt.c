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

/* ---- the policy: the page used furthest ahead first ---- */

/* The heap's key is the next use inverted, so the latest next use comes out
 * first, ties by page number (deterministic). */
typedef struct opt {
    const mmu_repl_future_t *f;
    rl_heap_t h;
} opt_t;

static uint64_t next_key(uint32_t next)
{
    return ~(uint64_t)next;
}

static int opt_create(const mmu_repl_env_t *env, void **state)
{
    if (!env->future)
        return MMU_EINVAL;
    opt_t *s = calloc(1, sizeof *s);
    if (!s || rl_heap_init(&s->h, env->npages)) {
        free(s);
        return MMU_ENOMEM;
    }
    s->f = env->future;
    *state = s;
    return 0;
}

static void opt_destroy(void *state)
{
    opt_t *s = state;
    if (s)
        rl_heap_free(&s->h);
    free(s);
}

static void opt_insert(void *state, uint32_t page, unsigned flags)
{
    opt_t *s = state;
    /* A new page is touched right after (its key is set then); a page put back
     * keeps its key; one read ahead has no known next use: it goes first. */
    if (!(flags & MMU_REPL_ROTATE))
        s->h.key[page] = next_key(MMU_REPL_NEVER);
    rl_heap_push(&s->h, page);
}

static void opt_remove(void *state, uint32_t page)
{
    opt_t *s = state;
    rl_heap_remove(&s->h, page);
}

static void opt_touch(void *state, uint32_t page, uint64_t access)
{
    opt_t *s = state;
    if (s->h.pos[page] != MMU_REPL_NONE)
        rl_heap_rekey(&s->h, page, next_key(mmu_repl_future_next(s->f, access)));
}

static int opt_evict(void *state, mmu_repl_scan_t *sc, uint32_t *page)
{
    opt_t *s = state;
    if (!s->h.n)
        return MMU_ENOENT;
    *page = s->h.heap[0];
    rl_heap_remove(&s->h, *page);
    sc->scanned++;
    return 0;
}

const mmu_repl_ops_t mmu_repl_opt = {
    "opt", "Belady's OPT (reference: knows the future; offline pass)", MMU_REPL_NEEDS_FUTURE,
    opt_create, opt_destroy, opt_insert, opt_remove, opt_touch, opt_evict, NULL,
};
