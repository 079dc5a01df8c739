/* Internal helpers shared by blocks that report configuration errors. */
#ifndef MMU_MODEL_CONFIG_H
#define MMU_MODEL_CONFIG_H

#include "mmu/mmu.h"

/* printf into err->msg (if err is non-NULL), set err->code; returns code. */
int mmu_err_set(mmu_err_t *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
