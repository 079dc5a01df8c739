/* SPDX-License-Identifier: Apache-2.0 */
/* Internal helpers shared by blocks that report configuration errors. */
#ifndef MMU_MODEL_CONFIG_H
#define MMU_MODEL_CONFIG_H

#include "mmu/mmu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* printf into err->msg (if err is non-NULL), set err->code; returns code. */
int mmu_err_set(mmu_err_t *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A caller's mmu_config_t (of cfg->size bytes, see mmu_config.h "size") as
 * this library's full struct: defaults for the fields the caller's headers
 * lack. MMU_EINVAL naming `size` for one that was never initialized. */
int mmu_config_import(mmu_config_t *out, const mmu_config_t *in, mmu_err_t *err);
/* Write a full struct back into a caller's, as many bytes as dst->size says
 * (dst->size must have passed mmu_config_import). */
void mmu_config_export(mmu_config_t *dst, const mmu_config_t *full);
/* A caller's mmu_mem_ops_t as this library's: checks size, read64 and
 * cmpxchg64, naming the field ("mem->read64: NULL"). */
int mmu_mem_ops_import(mmu_mem_ops_t *out, const mmu_mem_ops_t *in, mmu_err_t *err);

/* Apply config text held by the library itself (a preset) on top of *cfg, as
 * the INI loader would a file: `name` is used in messages, depth > 0 inside a
 * `preset =` of another file. On error *cfg is unchanged. (config_keys.c) */
int mmu_config_apply_text(mmu_config_t *cfg, const char *text, const char *name, int depth,
                          mmu_err_t *err);

#ifdef __cplusplus
}
#endif

#endif
