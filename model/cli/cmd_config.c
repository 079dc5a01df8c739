/* `mmusim presets`: name and one-line description of each built-in preset.
 * `mmusim config [--preset NAME] [--config FILE]`: the configuration they give
 * (the preset, then the file on top; with neither, the defaults), printed as
 * a complete config file that loads back to the same configuration. */
#include "cmd_config.h"

#include <stdio.h>
#include <string.h>

#include "mmu/mmu_config_file.h"
#include "mmu/mmu.h"

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
    for (unsigned i = 0; i < mmu_config_preset_count(); i++) {
        int n = (int)strlen(mmu_config_preset_name(i));
        width = n > width ? n : width;
    }
    for (unsigned i = 0; i < mmu_config_preset_count(); i++) {
        const char *name = mmu_config_preset_name(i);
        char desc[256];
        mmu_config_preset_describe(name, desc, sizeof desc);
        printf("%-*s  %s\n", width, name, desc);
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
    mmu_err_t err;
    if (preset && mmu_config_preset(&cfg, preset, &err)) {
        fprintf(stderr, "mmusim config: %s\n", err.msg);
        return 2;
    }
    if (path && mmu_config_load(path, &cfg, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    if (mmu_config_print(stdout, &cfg) || fflush(stdout)) {
        fprintf(stderr, "mmusim config: cannot write the configuration\n");
        return 2;
    }
    return 0;
}
