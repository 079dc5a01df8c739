/* SPDX-License-Identifier: Apache-2.0 */
/* `mmusim compare`: translation latency and TLB coverage against page size,
 * for a set of workloads and working-set sizes, with the C and RTL walkers side
 * by side. Writes a table on stdout and compare.md / compare.csv /
 * compare_latency.csv into the output directory. */
#ifndef MMU_CLI_COMPARE_H
#define MMU_CLI_COMPARE_H

int compare_main(int argc, char **argv);

#endif
