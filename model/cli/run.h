/* SPDX-License-Identifier: Apache-2.0 */
/* `mmusim run`: a preset or config file against a synthetic workload. */
#ifndef MMU_CLI_RUN_H
#define MMU_CLI_RUN_H

int run_main(int argc, char **argv);

#endif
