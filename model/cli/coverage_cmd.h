/* SPDX-License-Identifier: Apache-2.0 */
/* `mmusim coverage merge|report`: functional-coverage files (coverage_file.h). */
#ifndef MMU_CLI_COVERAGE_CMD_H
#define MMU_CLI_COVERAGE_CMD_H

int coverage_main(int argc, char **argv);

#endif
