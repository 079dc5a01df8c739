/* SPDX-License-Identifier: Apache-2.0 */
/* `mmusim presets`: name and one-line description of each built-in preset.
 * `mmusim config [--preset NAME] [--config FILE]`: the configuration they give
 * (the preset, then the file on top; with neither, the defaults), printed as
 * a complete config file that loads back to the same configuration. */
#include "cmd_config.h"

#include <stdio.h>
#include <string.h>

#include "cli_opt.h"
#include "mmu/mmu_config_file.h"
#include "mmu/mmu.h"

int presets_main(int argc, char **argv)
{
    const cli_opt_t opts[] = {{NULL, CLI_FLAG, NULL, NULL, NULL, 0, 0, NULL}};
    const cli_cmd_t cmd = {
        .name = "presets",
        .synopsis = "",
        .about = "Lists the built-in CPU presets (model/presets/*.ini) with a one-line\n"
                 "description. Print one with 'mmusim config --preset NAME'.\n",
        .opts = opts};
    int rc = cli_parse(&cmd, argc, argv, NULL);
    if (rc)
        return rc == 1 ? 0 : 2;
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

int config_main(int argc, char **argv)
{
    const char *preset = NULL, *path = NULL;
    const cli_opt_t opts[] = {
        {"preset", CLI_STR, &preset, "NAME",
         "start from a built-in preset ('mmusim presets')", 0, 0, NULL},
        {"config", CLI_STR, &path, "FILE",
         "apply an INI file on top (README.md, \"Config files\")", 0, 0, NULL},
        {NULL, CLI_FLAG, NULL, NULL, NULL, 0, 0, NULL},
    };
    const cli_cmd_t cmd = {
        .name = "config",
        .synopsis = "[--preset NAME] [--config FILE]",
        .about = "Prints the effective configuration as a complete config file: the preset\n"
                 "(default: the built-in defaults), then FILE applied on top of it.\n",
        .notes = "Errors go to stderr as 'mmusim config: FILE:LINE: [section] key: what is\n"
                 "wrong'; exit status 2.\n",
        .opts = opts};
    int rc = cli_parse(&cmd, argc, argv, NULL);
    if (rc)
        return rc == 1 ? 0 : 2;
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    mmu_err_t err;
    if (preset && mmu_config_preset(&cfg, preset, &err)) {
        cli_error("config", "%s", err.msg);
        return 2;
    }
    if (path && mmu_config_load(path, &cfg, &err)) {
        cli_error("config", "%s", err.msg);
        return 2;
    }
    if (mmu_config_print(stdout, &cfg) || fflush(stdout)) {
        cli_error("config", "cannot write the configuration");
        return 2;
    }
    return 0;
}
