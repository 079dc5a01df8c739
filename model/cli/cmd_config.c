/* `mmusim presets`: name and one-line description of each built-in preset.
 * `mmusim config [--preset NAME] [--config FILE]`: the configuration they give
 * (the preset, then the file on top; with neither, the defaults), printed as
 * a complete config file that loads back to the same configuration. */
#include "cmd_config.h"

#include <stdio.h>
#include <string.h>

#include "config_file.h"
#include "mmu/mmu.h"
#include "presets.h"

static void presets_usage(FILE *f)
{
    fputs("usage: mmusim presets\n"
          "Lists the built-in CPU presets (model/presets/*.ini) with a one-line description.\n"
          "Print one with 'mmusim config --preset NAME'.\n",
          f);
}

int presets_main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            presets_usage(stdout);
            return 0;
        }
        fprintf(stderr, "mmusim presets: unexpected argument '%s'\n", argv[i]);
        presets_usage(stderr);
        return 2;
    }
    int width = 0;
    for (size_t i = 0; i < cli_preset_count; i++) {
        int n = (int)strlen(cli_presets[i].name);
        width = n > width ? n : width;
    }
    for (size_t i = 0; i < cli_preset_count; i++) {
        char desc[256];
        preset_describe(&cli_presets[i], desc, sizeof desc);
        printf("%-*s  %s\n", width, cli_presets[i].name, desc);
    }
    return 0;
}

static void config_usage(FILE *f)
{
    fputs("usage: mmusim config [--preset NAME] [--config FILE]\n"
          "Prints the effective configuration as a complete config file: the preset\n"
          "(default: the built-in defaults), then FILE applied on top of it.\n"
          "  --preset NAME   start from a built-in preset ('mmusim presets' lists them)\n"
          "  --config FILE   apply an INI config file (keys: README.md, \"Config files\")\n"
          "Errors go to stderr as FILE:LINE: [section] key: what is wrong; exit status 2.\n",
          f);
}

int config_main(int argc, char **argv)
{
    const char *preset = NULL, *path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--preset") && i + 1 < argc && !preset) {
            preset = argv[++i];
        } else if (!strcmp(a, "--config") && i + 1 < argc && !path) {
            path = argv[++i];
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            config_usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "mmusim config: unexpected argument '%s'\n", a);
            config_usage(stderr);
            return 2;
        }
    }
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    char msg[1024];
    if (preset && preset_load(preset, &cfg, msg, sizeof msg)) {
        fprintf(stderr, "mmusim config: %s\n", msg);
        return 2;
    }
    if (path && cfgfile_load(path, &cfg, msg, sizeof msg)) {
        fprintf(stderr, "%s\n", msg);
        return 2;
    }
    if (cfgfile_write(stdout, &cfg) || fflush(stdout)) {
        fprintf(stderr, "mmusim config: cannot write the configuration\n");
        return 2;
    }
    return 0;
}
