/* SPDX-License-Identifier: Apache-2.0 */
/* mmusim-cosim: co-simulation of the C walker against the Verilated RTL
 * walker (see cosim.h and README "Co-simulation"). */
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <malloc.h>

#include <systemc>

#include "cosim.h"
#include "version.h"

static void usage(FILE *f)
{
    fputs("usage: mmusim-cosim random [--walks N] [--seed S] [--levels 4|5|mixed] [--quiet]\n"
          "       mmusim-cosim walks (--preset NAME | --config FILE)\n"
          "                          (--workload SPEC | --trace FILE [--policy 4k|thp|1g])\n"
          "                          --accesses K [--json]\n"
          "       mmusim-cosim check [--preset NAME | --config FILE] [--cold] FILE\n"
          "       mmusim-cosim --version\n"
          "  `mmusim-cosim COMMAND --help` for more. Exit 0, 1 on a mismatch, 2 on bad input.\n",
          f);
}

int sc_main(int argc, char **argv)
{
    /* Infos (the end-of-simulation notice) would mix with the output. */
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "random"))
        return cosim::random_main(argc - 1, argv + 1);
    if (!strcmp(argv[1], "walks"))
        return cosim::walks_main(argc - 1, argv + 1);
    if (!strcmp(argv[1], "check"))
        return cosim::check_main(argc - 1, argv + 1);
    if (!strcmp(argv[1], "--version")) {
        printf("mmusim-cosim %s\n", mmusim_version());
        return 0;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "mmusim-cosim: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}

int main(int argc, char **argv)
{
    /* Every random world builds its page tables in fresh sparse-memory nodes
     * and frames (64 KiB nodes, 2 MiB slabs), and the memories are cleared
     * every few worlds. With glibc's defaults that memory went back to the
     * kernel each time and came back as page faults: two thirds of a
     * campaign's CPU time. Keep it in the heap instead (a few hundred MB at
     * most, the memories' peak). */
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    /* Keep stdout to our own output (--json prints exactly one line). */
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
    return sc_core::sc_elab_and_sim(argc, argv);
}
