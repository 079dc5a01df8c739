/* SPDX-License-Identifier: Apache-2.0 */
/* `mmusim latbench`: tinymembench's memory-latency test, run on the model. */
#ifndef MMU_CLI_LATBENCH_H
#define MMU_CLI_LATBENCH_H

/* argv[0] is "latbench". Returns the exit status (0, or 2 on bad input). */
int latbench_main(int argc, char **argv);

#endif
