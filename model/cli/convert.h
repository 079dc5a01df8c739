/* SPDX-License-Identifier: Apache-2.0 */
/* `mmusim convert`: any trace format mmusim reads -> native binary or text. */
#ifndef MMU_CLI_CONVERT_H
#define MMU_CLI_CONVERT_H

int convert_main(int argc, char **argv);

#endif
