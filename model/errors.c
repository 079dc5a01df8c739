/* SPDX-License-Identifier: Apache-2.0 */
/* Error names and messages, generated from the one list in mmu.h. */
#include "mmu/mmu.h"

const char *mmu_err_name(int code)
{
    switch (code) {
    case MMU_OK:
        return "OK";
#define MMU__ERR_NAME(name, val, msg) \
    case MMU_##name:                  \
        return #name;
        MMU_ERRNO_MAP(MMU__ERR_NAME)
#undef MMU__ERR_NAME
    default:
        return "UNKNOWN";
    }
}

const char *mmu_strerror(int code)
{
    switch (code) {
    case MMU_OK:
        return "success";
#define MMU__ERR_MSG(name, val, msg) \
    case MMU_##name:                 \
        return msg;
        MMU_ERRNO_MAP(MMU__ERR_MSG)
#undef MMU__ERR_MSG
    default:
        return "unknown error";
    }
}
