/* SPDX-License-Identifier: Apache-2.0 */
/* `mmusim check`: run scenarios, print what the MMU did, compare with a golden. */
#ifndef MMU_CLI_CHECK_H
#define MMU_CLI_CHECK_H

int check_main(int argc, char **argv);

#endif
