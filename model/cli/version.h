/* SPDX-License-Identifier: Apache-2.0 */
/* What `mmusim --version` and `mmusim-cosim --version` print: the project
 * version and the commit the binary was built from. The commit is taken at
 * build time by model/cli/version.cmake (`git describe --always --dirty`),
 * rerun on every build so it never lags HEAD; "unknown" outside a git
 * checkout. */
#ifndef MMU_CLI_VERSION_H
#define MMU_CLI_VERSION_H

#ifdef __cplusplus
extern "C" {
#endif

/* "0.1 (git 9aa545f)", "0.1 (git 9aa545f-dirty)" or "0.1 (git unknown)". */
const char *mmusim_version(void);

#ifdef __cplusplus
}
#endif

#endif
