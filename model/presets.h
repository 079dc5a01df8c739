/* SPDX-License-Identifier: Apache-2.0 */
/* Built-in CPU presets: the INI files of model/presets/, compiled into the
 * core library as data (model/presets/embed.cmake writes presets_gen.c). The
 * public side is mmu_config_preset*() in mmu_config.h; this header is the
 * table and what config_keys.c needs to apply one. */
#ifndef MMU_MODEL_PRESETS_H
#define MMU_MODEL_PRESETS_H

#include <stddef.h>

#include "mmu/mmu.h"

typedef struct mmu_preset {
    const char *name; /* file name without .ini */
    const char *text; /* whole file, NUL-terminated */
} mmu_preset_t;

/* Generated table, in the order model/CMakeLists.txt lists the files. */
extern const mmu_preset_t mmu_presets[];
extern const size_t mmu_preset_count;

/* The preset called name, or NULL. */
const mmu_preset_t *mmu_preset_find(const char *name);

/* "skylake, goldencove, ..." into buf, for messages. */
void mmu_preset_names(char *buf, size_t len);

/* Replace *cfg with preset p: mmu_config_init(), then its keys; the host's
 * callbacks in *cfg are kept. depth > 0 when named by another file's
 * `preset =`. On error *cfg is unchanged. */
int mmu_preset_apply(mmu_config_t *cfg, const mmu_preset_t *p, int depth, mmu_err_t *err);

#endif
