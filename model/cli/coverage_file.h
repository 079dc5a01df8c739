/* SPDX-License-Identifier: Apache-2.0 */
/* Functional-coverage files (`--coverage FILE`, `mmusim coverage`): the
 * counts of an mmu_cov_t as a JSON document (Jansson),
 *   {"format": "mmusim-coverage", "version": 1,
 *    "bin_list": "<16 hex digits: mmu_cov_list_id()>", "bins": <mmu_cov_bins()>,
 *    "counts": {"<bin name>": <count>, ...}}
 * with only the bins that were hit listed. A file made from another bin list
 * (another version of the library) is refused on reading: its counts would be
 * added to the wrong bins. Shared by mmusim and mmusim-cosim. */
#ifndef MMU_CLI_COVERAGE_FILE_H
#define MMU_CLI_COVERAGE_FILE_H

#include <stddef.h>

#include "mmu/mmu_coverage.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Write cov's counts to path (atomically: a temporary file renamed on
 * success; "-" is stdout). Returns 0, or -1 with "path: why" in msg. */
int covfile_write(const mmu_cov_t *cov, const char *path, char *msg, size_t len);

/* Add the counts in the file at path to cov (saturating). Returns 0, or -1
 * with "path: what is wrong" in msg (not JSON, not a coverage file, another
 * bin list, an unknown bin, a bad count); cov is then unchanged. */
int covfile_add(mmu_cov_t *cov, const char *path, char *msg, size_t len);

/* For commands with --coverage PATH: when path is non-NULL, create an object
 * in *cov and attach it to mmu (else *cov = NULL). Returns 0, or -1 with the
 * reason in msg. */
int covfile_start(mmu_t *mmu, const char *path, mmu_cov_t **cov, char *msg, size_t len);
/* Then: detach it from mmu (may be NULL), write it to path, free it. Does
 * nothing when cov is NULL. Returns 0, or -1 with "path: why" in msg. */
int covfile_finish(mmu_t *mmu, mmu_cov_t *cov, const char *path, char *msg, size_t len);

#ifdef __cplusplus
}
#endif

#endif
