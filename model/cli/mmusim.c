/* SPDX-License-Identifier: Apache-2.0 */
/* mmusim: command-line front end of the MMU model. Subcommands dispatch to
 * their own files; only this layer turns error codes into exit status. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "cmd_config.h"
#include "compare.h"
#include "convert.h"
#include "coverage_cmd.h"
#include "latbench.h"
#include "run.h"
#include "sweep.h"
#include "version.h"
#include "vm_study.h"

static void usage(FILE *f)
{
    fputs("usage: mmusim COMMAND [ARGS]\n"
          "       mmusim --version\n"
          "commands:\n"
          "  check   run page-walk scenarios and print (or compare) what the MMU did\n"
          "  config  print the configuration a preset and/or config file give\n"
          "  presets list the built-in CPU presets\n"
          "  run     run a synthetic workload or a trace through a preset or config\n"
          "  compare page size against translation latency and TLB coverage, C and RTL walkers\n"
          "  sweep   TLB sizing: many geometries x workloads, batched, parallel, resumable\n"
          "  convert convert a trace (lackey, ChampSim, text, native) to native or text\n"
          "  coverage merge functional-coverage files, or report their bins and holes\n"
          "  latbench tinymembench's memory-latency test on the model (4K and 2M pages)\n"
          "  vm-study page faults per memory size and replacement policy over traces (OPT bound)\n"
          "Run 'mmusim COMMAND --help' for a command's options.\n",
          f);
}

int main(int argc, char **argv)
{
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "check"))
        return check_main(argc - 1, argv + 1);
    if (!strcmp(argv[1], "config"))
        return config_main(argc - 1, argv + 1);
    if (!strcmp(argv[1], "presets"))
        return presets_main(argc - 1, argv + 1);
    if (!strcmp(argv[1], "run"))
        return run_main(argc - 1, argv + 1);
    if (!strcmp(argv[1], "compare"))
        return compare_main(argc - 1, argv + 1);
    if (!strcmp(argv[1], "sweep"))
        return sweep_main(argc - 1, argv + 1);
    if (!strcmp(argv[1], "convert"))
        return convert_main(argc - 1, argv + 1);
    if (!strcmp(argv[1], "coverage"))
        return coverage_main(argc - 1, argv + 1);
    if (!strcmp(argv[1], "latbench"))
        return latbench_main(argc - 1, argv + 1);
    if (!strcmp(argv[1], "vm-study"))
        return vm_study_main(argc - 1, argv + 1);
    if (!strcmp(argv[1], "--version")) {
        printf("mmusim %s\n", mmusim_version());
        return 0;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "mmusim: unknown command '%s' (see 'mmusim --help')\n", argv[1]);
    return 2;
}
