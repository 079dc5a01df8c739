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

/* Apply config text held by the library itself (a preset) on top of *cfg, as
 * the INI loader would a file: `name` is used in messages, depth > 0 inside a
 * `preset =` of another file. On error *cfg is unchanged. (config_keys.c) */
int mmu_config_apply_text(mmu_config_t *cfg, const char *text, const char *name, int depth,
                          mmu_err_t *err);

#ifdef __cplusplus
}
#endif

#endif
