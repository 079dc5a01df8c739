/* SPDX-License-Identifier: Apache-2.0 */
/* `mmusim presets` and `mmusim config`: list the built-in presets, and print
 * the effective configuration of a preset and/or a config file. */
#ifndef MMU_CLI_CMD_CONFIG_H
#define MMU_CLI_CMD_CONFIG_H

int presets_main(int argc, char **argv);
int config_main(int argc, char **argv);

#endif
