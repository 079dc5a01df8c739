/* SPDX-License-Identifier: Apache-2.0 */
/* Page cache index (filemap.h): open addressing with linear probing over a
 * power-of-two table, kept at most half full. Entries are never deleted (a
 * dropped page leaves its shadow and stored contents), so probing needs no
 * tombstones. */
#include "filemap.h"

#include <stdlib.h>

struct mmu_filemap {
    mmu_filemap_entry_t *t;
    uint64_t cap, n, resident;
};

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

uint64_t mmu_filemap_initial_token(uint64_t file, uint64_t pgoff)
{
    return mix(file * 0x9e3779b97f4a7c15ull ^ mix(pgoff + 0x66696c65ull)) | 1;
}

int mmu_filemap_create(mmu_filemap_t **out)
{
    mmu_filemap_t *fm = calloc(1, sizeof *fm);
    if (fm) {
        fm->cap = 1024;
        fm->t = calloc(fm->cap, sizeof *fm->t);
    }
    if (!fm || !fm->t) {
        free(fm);
        *out = NULL;
        return -2; /* MMU_ENOMEM */
    }
    *out = fm;
    return 0;
}

void mmu_filemap_destroy(mmu_filemap_t *fm)
{
    if (fm)
        free(fm->t);
    free(fm);
}

static mmu_filemap_entry_t *slot(const mmu_filemap_t *fm, uint64_t file, uint64_t pgoff)
{
    uint64_t i = mix(file * 0x100000001b3ull ^ pgoff) & (fm->cap - 1);
    for (;;) {
        mmu_filemap_entry_t *e = &fm->t[i];
        if (!e->used || (e->file == file && e->pgoff == pgoff))
            return e;
        i = (i + 1) & (fm->cap - 1);
    }
}

mmu_filemap_entry_t *mmu_filemap_find(mmu_filemap_t *fm, uint64_t file, uint64_t pgoff)
{
    mmu_filemap_entry_t *e = slot(fm, file, pgoff);
    return e->used ? e : NULL;
}

mmu_filemap_entry_t *mmu_filemap_get(mmu_filemap_t *fm, uint64_t file, uint64_t pgoff)
{
    mmu_filemap_entry_t *e = slot(fm, file, pgoff);
    if (e->used)
        return e;
    if (2 * (fm->n + 1) > fm->cap) {
        mmu_filemap_entry_t *old = fm->t;
        uint64_t oldcap = fm->cap;
        fm->t = calloc(oldcap * 2, sizeof *fm->t);
        if (!fm->t) {
            fm->t = old;
            return NULL;
        }
        fm->cap = oldcap * 2;
        for (uint64_t i = 0; i < oldcap; i++)
            if (old[i].used)
                *slot(fm, old[i].file, old[i].pgoff) = old[i];
        free(old);
        e = slot(fm, file, pgoff);
    }
    e->used = 1;
    e->file = file;
    e->pgoff = pgoff;
    e->shadow = 0;
    e->token = mmu_filemap_initial_token(file, pgoff);
    e->page = MMU_FILEMAP_NOPAGE;
    e->stamp = UINT32_MAX;
    fm->n++;
    return e;
}

uint64_t mmu_filemap_resident(const mmu_filemap_t *fm)
{
    return fm ? fm->resident : 0;
}

uint64_t mmu_filemap_entries(const mmu_filemap_t *fm)
{
    return fm ? fm->n : 0;
}

void mmu_filemap_note(mmu_filemap_t *fm, int delta)
{
    fm->resident = (uint64_t)((int64_t)fm->resident + delta);
}
