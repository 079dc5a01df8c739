/* SPDX-License-Identifier: Apache-2.0 */
/* The library's version at run time (mmu/mmu_version.h is generated). */
#include "mmu/mmu_version.h"

unsigned mmu_version(void)
{
    return MMU_VERSION_NUMBER;
}

const char *mmu_version_string(void)
{
    return MMU_VERSION_STRING;
}
