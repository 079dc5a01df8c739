/* SPDX-License-Identifier: Apache-2.0 */
/* `mmusim coverage merge A.json B.json ... -o M.json` adds coverage files bin
 * by bin; `mmusim coverage report M.json` prints, per group, how many of the
 * reachable bins were hit, then the holes (reachable bins at zero), and fails
 * when a bin declared unreachable has a count (a wrong rule or a model bug). */
#include "coverage_cmd.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_opt.h"
#include "coverage_file.h"
#include "mmu/mmu_coverage.h"

#define MERGE_MAX 4096 /* input files per merge (a shell's argument list is the real limit) */

static int merge_main(int argc, char **argv)
{
    const char *out = NULL;
    const cli_opt_t opts[] = {
        {"output", CLI_STR, &out, "M.json", "write the sum here (required; -o M.json is the same)",
         0, 0, NULL},
        {NULL, CLI_FLAG, NULL, NULL, NULL, 0, 0, NULL},
    };
    static const char *const POS[] = {"A.json"};
    const cli_cmd_t cmd = {
        .name = "coverage merge",
        .synopsis = "A.json [B.json ...] -o M.json",
        .about = "Adds functional-coverage files (from --coverage of check, run, compare or\n"
                 "mmusim-cosim) bin by bin.\n",
        .notes = "Every input must come from this mmusim's bin list. M.json is written to a\n"
                 "temporary file and renamed when complete; it may be one of the inputs.\n"
                 "Exit 0, or 2 on a bad file (nothing is written).\n",
        .opts = opts,
        .pos_names = POS,
        .npos = MERGE_MAX,
        .min_pos = 1};
    static const char *pos[MERGE_MAX];
    /* The shared parser has long options only; -o is the usual spelling of
     * an output file, so it is taken as --output (before any "--"). */
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "-o"))
            argv[i] = (char *)"--output";
    const int rc = cli_parse(&cmd, argc, argv, pos);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (!out) {
        cli_error(cmd.name, "missing -o M.json (usage: mmusim coverage merge %s)", cmd.synopsis);
        return 2;
    }
    mmu_cov_t *sum = NULL;
    mmu_err_t err = {0, ""};
    if (mmu_cov_create(&sum, &err)) {
        cli_error(cmd.name, "%s", err.msg);
        return 2;
    }
    char msg[1024];
    int status = 0;
    for (unsigned i = 0; i < MERGE_MAX && pos[i]; i++)
        if (covfile_add(sum, pos[i], msg, sizeof msg)) {
            cli_error(cmd.name, "%s", msg);
            status = 2;
            break;
        }
    if (!status && covfile_write(sum, out, msg, sizeof msg)) {
        cli_error(cmd.name, "%s", msg);
        status = 2;
    }
    mmu_cov_destroy(sum);
    return status;
}

static int report_main(int argc, char **argv)
{
    bool all = false;
    const cli_opt_t opts[] = {
        {"all", CLI_FLAG, &all, NULL, "also list every reachable bin with its count", 0, 0, NULL},
        {NULL, CLI_FLAG, NULL, NULL, NULL, 0, 0, NULL},
    };
    static const char *const POS[] = {"M.json"};
    const cli_cmd_t cmd = {
        .name = "coverage report",
        .synopsis = "[--all] M.json",
        .about = "Prints, per group of the functional-coverage bin list, the reachable bins\n"
                 "hit, then every hole (a reachable bin never hit). Bins that rules declare\n"
                 "architecturally unreachable are not holes; one with a count is an error.\n",
        .notes = "Exit 0; 1 when a bin declared unreachable was hit; 2 on a bad file.\n",
        .opts = opts,
        .pos_names = POS,
        .npos = 1,
        .min_pos = 1};
    const char *pos[1];
    const int rc = cli_parse(&cmd, argc, argv, pos);
    if (rc)
        return rc == 1 ? 0 : 2;
    mmu_cov_t *cov = NULL;
    mmu_err_t err = {0, ""};
    char msg[1024], name[MMU_COV_NAME_MAX];
    if (mmu_cov_create(&cov, &err)) {
        cli_error(cmd.name, "%s", err.msg);
        return 2;
    }
    if (covfile_add(cov, pos[0], msg, sizeof msg)) {
        cli_error(cmd.name, "%s", msg);
        mmu_cov_destroy(cov);
        return 2;
    }
    const unsigned n = mmu_cov_bins();
    unsigned reach[MMU_COV_GROUPS] = {0}, hit[MMU_COV_GROUPS] = {0}, bins[MMU_COV_GROUPS] = {0};
    unsigned bad = 0;
    unsigned *rules = malloc(n * sizeof *rules);
    if (!rules) {
        cli_error(cmd.name, "out of memory");
        free(rules);
        mmu_cov_destroy(cov);
        return 2;
    }
    for (unsigned i = 0; i < n; i++) {
        const unsigned g = mmu_cov_bin_group(i);
        rules[i] = mmu_cov_bin_rule(i);
        bins[g]++;
        if (!rules[i]) {
            reach[g]++;
            hit[g] += mmu_cov_count(cov, i) != 0;
        } else if (mmu_cov_count(cov, i)) {
            bad++;
        }
    }
    unsigned tr = 0, th = 0;
    printf("functional coverage of %s: bin list %016" PRIx64 ", %u bins\n", pos[0],
           mmu_cov_list_id(), n);
    printf("%-8s %8s %10s %8s %8s\n", "group", "bins", "reachable", "hit", "hit %");
    for (unsigned g = 0; g < MMU_COV_GROUPS; g++) {
        printf("%-8s %8u %10u %8u %7.2f%%\n", mmu_cov_group_name(g), bins[g], reach[g], hit[g],
               reach[g] ? 100.0 * hit[g] / reach[g] : 100.0);
        tr += reach[g];
        th += hit[g];
    }
    printf("%-8s %8u %10u %8u %7.2f%%\n", "total", n, tr, th, tr ? 100.0 * th / tr : 100.0);
    printf("holes: %u reachable bins never hit\n", tr - th);
    for (unsigned g = 0; g < MMU_COV_GROUPS; g++) {
        if (hit[g] == reach[g])
            continue;
        printf("  %s: %u\n", mmu_cov_group_name(g), reach[g] - hit[g]);
        for (unsigned i = 0; i < n; i++)
            if (mmu_cov_bin_group(i) == g && !rules[i] && !mmu_cov_count(cov, i)) {
                mmu_cov_bin_name(i, name, sizeof name);
                printf("    %s\n", name);
            }
    }
    if (all) {
        printf("reachable bins:\n");
        for (unsigned i = 0; i < n; i++)
            if (!rules[i]) {
                mmu_cov_bin_name(i, name, sizeof name);
                printf("  %-56s %" PRIu64 "\n", name, mmu_cov_count(cov, i));
            }
    }
    if (bad) {
        printf("ERROR: %u bins declared unreachable were hit (a wrong rule or a model bug):\n", bad);
        for (unsigned i = 0; i < n; i++)
            if (rules[i] && mmu_cov_count(cov, i)) {
                mmu_cov_bin_name(i, name, sizeof name);
                printf("  %s: %" PRIu64 " (rule %u: %s)\n", name, mmu_cov_count(cov, i), rules[i],
                       mmu_cov_rule_text(rules[i]));
            }
    }
    free(rules);
    mmu_cov_destroy(cov);
    return bad ? 1 : 0;
}

int coverage_main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "merge"))
        return merge_main(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "report"))
        return report_main(argc - 1, argv + 1);
    if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        printf("usage: mmusim coverage merge A.json [B.json ...] -o M.json\n"
               "       mmusim coverage report [--all] M.json\n"
               "Run 'mmusim coverage merge --help' or 'mmusim coverage report --help' for more.\n");
        return 0;
    }
    if (argc < 2)
        fprintf(stderr, "mmusim coverage: missing merge or report (see 'mmusim coverage --help')\n");
    else
        fprintf(stderr, "mmusim coverage: unknown subcommand '%s' (merge or report; see "
                        "'mmusim coverage --help')\n", argv[1]);
    return 2;
}
