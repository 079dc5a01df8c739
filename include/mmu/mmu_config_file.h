/* SPDX-License-Identifier: Apache-2.0 */
/* mmusim config files: an INI file -> mmu_config_t, for hosts that keep their
 * MMU configuration in files as `mmusim` does. This is the loader library
 * (libmmusim-config, parsing with inih), separate from the core, which never
 * reads files; both share the core's one key table (mmu_config_keys_*), so a
 * file means exactly what the same keys mean to mmu_config_set() and to the
 * built-in presets. The format and every key: README.md "Config files". */
#ifndef MMU_MMU_CONFIG_FILE_H
#define MMU_MMU_CONFIG_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "mmu/mmu.h"
#include "mmu/mmu_config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Apply the INI file at path ON TOP of *cfg: fields the file does not mention
 * keep their value, except that `preset = NAME` (only as the first key) first
 * replaces everything with that built-in preset. The result is checked with
 * mmu_config_validate(). Returns 0, MMU_EIO when the file cannot be opened or
 * read ("path: cannot open: No such file or directory"), MMU_ENOMEM, or
 * MMU_EINVAL with err->msg "path:line: [section] key=value: what is wrong" (or
 * "path: <what mmu_config_validate found>" when no line of the file is to
 * blame). On error *cfg is unchanged. A line holds at most 197 bytes besides
 * its end (inih's 200-byte buffer less "\r\n" and the NUL); a longer one, or
 * a NUL byte, is an error at its line. */
MMU_API int mmu_config_load(const char *path, mmu_config_t *cfg, struct mmu_err *err);

/* The same for INI text held in memory; name is used in messages. */
MMU_API int mmu_config_load_string(const char *text, const char *name, mmu_config_t *cfg,
                                   struct mmu_err *err);

/* The same for an open stream (read to its end, not closed; MMU_EIO on a read
 * error), and for the bytes data[0..len), which may hold anything (a NUL is an
 * error at its line): both take exactly the path a file's bytes take. name is
 * used in messages. */
MMU_API int mmu_config_load_file(FILE *f, const char *name, mmu_config_t *cfg,
                                 struct mmu_err *err);
MMU_API int mmu_config_load_mem(const void *data, size_t len, const char *name,
                                mmu_config_t *cfg, struct mmu_err *err);

#ifdef __cplusplus
}
#endif

#endif /* MMU_MMU_CONFIG_FILE_H */
