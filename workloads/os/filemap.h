/* SPDX-License-Identifier: Apache-2.0 */
/* The page cache of file-backed pages (Linux mm/filemap.c, reduced to what
 * reclaim needs): (file id, page offset) -> the resident page, or after the
 * page was dropped the eviction age it left (the workingset shadow, used to
 * tell a refault of a recently evicted page), and the file's stored contents
 * token (what a re-read returns: the last write-back, or the file's original
 * contents). Files themselves are not modelled beyond that. One entry per
 * page ever cached; the table grows by doubling (allocation on a page cache
 * miss only, never per access). */
#ifndef MMU_WORKLOADS_OS_FILEMAP_H
#define MMU_WORKLOADS_OS_FILEMAP_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MMU_FILEMAP_NOPAGE UINT32_MAX

typedef struct mmu_filemap_entry {
    uint64_t file, pgoff;
    uint64_t shadow;  /* eviction age when the page was last dropped (0: never) */
    uint64_t token;   /* contents of the page on the file */
    uint32_t page;    /* resident page, or MMU_FILEMAP_NOPAGE */
    uint32_t stamp;   /* kept for the OS while the page is out (series window) */
    uint8_t used;
} mmu_filemap_entry_t;

typedef struct mmu_filemap mmu_filemap_t;

int mmu_filemap_create(mmu_filemap_t **out);
void mmu_filemap_destroy(mmu_filemap_t *fm);
/* The entry of (file, pgoff), or NULL if the page was never cached. */
mmu_filemap_entry_t *mmu_filemap_find(mmu_filemap_t *fm, uint64_t file, uint64_t pgoff);
/* The entry, created if new (page NOPAGE, shadow 0, token = the file's
 * original contents, mmu_filemap_initial_token). NULL when out of host memory.
 * The pointer stays valid until the next mmu_filemap_get. */
mmu_filemap_entry_t *mmu_filemap_get(mmu_filemap_t *fm, uint64_t file, uint64_t pgoff);
/* Contents token of a file page never written back. */
uint64_t mmu_filemap_initial_token(uint64_t file, uint64_t pgoff);
/* Pages resident in the cache / entries. */
uint64_t mmu_filemap_resident(const mmu_filemap_t *fm);
uint64_t mmu_filemap_entries(const mmu_filemap_t *fm);
/* Keep the resident count right when entry->page changes. */
void mmu_filemap_note(mmu_filemap_t *fm, int delta);

#ifdef __cplusplus
}
#endif

#endif /* MMU_WORKLOADS_OS_FILEMAP_H */
