/* Configuration defaults and the one place every field is validated. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

int mmu_err_set(mmu_err_t *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

void mmu_config_init(mmu_config_t *cfg)
{
    /* 46 bits is what current Intel server parts report; 1G pages are
     * universal on x86-64 parts with 4-level paging today. */
    cfg->maxphyaddr = 46;
    cfg->page_1g = 1;
    cfg->ad_on_fault = MMU_AD_ON_FAULT_NONE;
    cfg->ad_retry_limit = 16;
}

int mmu_config_validate(const mmu_config_t *cfg, mmu_err_t *err)
{
    if (!cfg)
        return mmu_err_set(err, MMU_EINVAL, "config: NULL");
    /* SDM: MAXPHYADDR is at most 52; 36 is the smallest any 64-bit part has. */
    if (cfg->maxphyaddr < 36 || cfg->maxphyaddr > 52)
        return mmu_err_set(err, MMU_EINVAL, "maxphyaddr=%u: must be 36..52",
                           cfg->maxphyaddr);
    if (cfg->page_1g > 1)
        return mmu_err_set(err, MMU_EINVAL, "page_1g=%u: must be 0 or 1", cfg->page_1g);
    if (cfg->ad_on_fault > MMU_AD_ON_FAULT_USED)
        return mmu_err_set(err, MMU_EINVAL, "ad_on_fault=%u: must be 0 (none) or 1 (used)",
                           cfg->ad_on_fault);
    if (cfg->ad_retry_limit < 1)
        return mmu_err_set(err, MMU_EINVAL, "ad_retry_limit=%u: must be >= 1",
                           cfg->ad_retry_limit);
    return 0;
}
