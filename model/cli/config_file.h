/* Config files: INI text (parsed with inih) <-> mmu_config_t. Lives in the CLI
 * because the library never reads files; the key reference is the comment
 * block at the top of config_file.c and README "Config files". */
#ifndef MMU_CLI_CONFIG_FILE_H
#define MMU_CLI_CONFIG_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "mmu/mmu_config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Apply the keys of the INI file at path ON TOP of *cfg: fields the file does
 * not mention keep their value, except that `preset = NAME` (only allowed as
 * the first key) first replaces everything with that preset. The result is
 * checked with mmu_config_validate().
 * Returns 0, or -1 with a one-line message in msg ("path:line: [section]
 * key=value: what is wrong", or "path: <validate message>"); on error *cfg is
 * unchanged. The memlat callback fields are never touched. A line holds at
 * most 197 bytes besides its end (inih's 200-byte buffer less "\r\n" and the
 * NUL); a longer one, or a NUL byte, is an error at its line. */
int cfgfile_load(const char *path, mmu_config_t *cfg, char *msg, size_t msglen);

/* The same for INI text held in memory; name is used in messages. */
int cfgfile_load_string(const char *text, const char *name, mmu_config_t *cfg, char *msg,
                        size_t msglen);

/* Check one value alone, as its line is read: the section and key exist and
 * the value has the key's type and range (nothing that depends on other keys).
 * Returns 0, or -1 with "[section] key=value: what is wrong" (or "unknown
 * section/key ...") in msg. `mmusim sweep` checks every alternative of a spec
 * with it before it runs anything. */
int cfgfile_check_key(const char *section, const char *key, const char *value, char *msg,
                      size_t msglen);
/* The same for an open stream (read to its end, not closed), and for the bytes
 * data[0..len), which may hold anything (a NUL is an error at its line): both
 * take exactly the path a file's bytes take. name is used in messages. */
int cfgfile_load_file(FILE *f, const char *name, mmu_config_t *cfg, char *msg, size_t msglen);
int cfgfile_load_mem(const void *data, size_t len, const char *name, mmu_config_t *cfg,
                     char *msg, size_t msglen);

/* Print a complete config file for *cfg: every key the file format has, so
 * loading it on top of any configuration gives *cfg back (absent TLB array
 * slots come back zeroed, and the memlat callback is not part of a file).
 * Returns 0, or -1 if a TLB array cannot be named (its sizes mask is empty or
 * invalid) or the stream reports an error. */
int cfgfile_write(FILE *f, const mmu_config_t *cfg);

/* Replace *cfg with the built-in preset `name` (mmu_config_init() first, then
 * the preset file; the memlat callback and its context are kept).
 * Returns 0, or -1 with msg "unknown preset 'x' (known: ...)". */
int preset_load(const char *name, mmu_config_t *cfg, char *msg, size_t msglen);

#ifdef __cplusplus
}
#endif

#endif
