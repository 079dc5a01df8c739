/* SPDX-License-Identifier: Apache-2.0 */
/* `mmusim vm-study`: memory size x replacement policy over traces. */
#ifndef MMU_CLI_VM_STUDY_H
#define MMU_CLI_VM_STUDY_H

int vm_study_main(int argc, char **argv);

#endif
