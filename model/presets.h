/* Built-in CPU presets: the INI files of model/presets/, embedded into the CLI
 * at build time (model/presets/embed.cmake writes presets_gen.c). Loading one
 * is preset_load() in config_file.h; this header only finds and lists them. */
#ifndef MMU_CLI_PRESETS_H
#define MMU_CLI_PRESETS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cli_preset {
    const char *name; /* file name without .ini */
    const char *text; /* whole file, NUL-terminated */
} cli_preset_t;

/* Generated table, in the order model/CMakeLists.txt lists the files. */
extern const cli_preset_t cli_presets[];
extern const size_t cli_preset_count;

/* The preset called name, or NULL. */
const cli_preset_t *preset_find(const char *name);

/* The text of the preset's first comment line (without '#' and leading
 * blanks) into buf; "" if the file does not start with a comment. */
void preset_describe(const cli_preset_t *p, char *buf, size_t len);

/* "skylake, goldencove, ..." into buf, for messages. */
void preset_names(char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
