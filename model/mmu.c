/* MMU top: owns the configuration, the decoded control state and the walker,
 * and orders a translation: canonical check (#GP), then the walk.
 * Control registers are loaded whole; the derived walk mode is recomputed
 * there so the translate path reads only precomputed fields. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fault.h"
#include "mmu/mmu.h"
#include "walker.h"

struct mmu {
    mmu_config_t cfg;
    mmu_walker_t walker;
    mmu_walk_mode_t mode;
    mmu_ctrl_t ctrl;
};

static void derive_mode(const mmu_t *mmu, const mmu_ctrl_t *c, mmu_walk_mode_t *m)
{
    m->levels = (c->cr4 & MMU_CR4_LA57) ? 5 : 4;
    m->la_width = m->levels == 5 ? 57 : 48;
    m->root = c->cr3 & mmu->walker.frame_mask;
    m->ctl.wp = c->cr0 & MMU_CR0_WP;
    m->ctl.smep = c->cr4 & MMU_CR4_SMEP;
    m->ctl.smap = c->cr4 & MMU_CR4_SMAP;
    m->ctl.pke = c->cr4 & MMU_CR4_PKE;
    m->ctl.pks = c->cr4 & MMU_CR4_PKS;
    m->ctl.nxe = c->efer & MMU_EFER_NXE;
    m->ctl.ac = c->rflags & MMU_RFLAGS_AC;
    m->ctl.pkru = c->pkru;
    m->ctl.pkrs = c->pkrs;
    mmu_pte_rsvd_init(&m->rsvd, mmu->cfg.maxphyaddr, m->ctl.nxe, mmu->cfg.page_1g);
}

int mmu_create(const mmu_config_t *cfg, const mmu_mem_ops_t *mem, mmu_t **out, mmu_err_t *err)
{
    if (!out)
        return mmu_err_set(err, MMU_EINVAL, "mmu_create: out is NULL");
    *out = NULL;
    int rc = mmu_config_validate(cfg, err);
    if (rc)
        return rc;
    if (!mem || !mem->read64 || !mem->cmpxchg64)
        return mmu_err_set(err, MMU_EINVAL, "mmu_create: memory interface needs read64 and cmpxchg64");
    mmu_t *mmu = calloc(1, sizeof *mmu);
    if (!mmu)
        return mmu_err_set(err, MMU_ENOMEM, "mmu_create: out of memory");
    mmu->cfg = *cfg;
    mmu->walker.mem = *mem;
    mmu->walker.frame_mask = ((1ull << cfg->maxphyaddr) - 1) & ~0xfffull;
    mmu->walker.page_1g = cfg->page_1g;
    mmu->walker.ad_on_fault = cfg->ad_on_fault;
    mmu->walker.retry_limit = cfg->ad_retry_limit;
    derive_mode(mmu, &mmu->ctrl, &mmu->mode);
    *out = mmu;
    return 0;
}

void mmu_destroy(mmu_t *mmu)
{
    free(mmu);
}

int mmu_set_ctrl(mmu_t *mmu, const mmu_ctrl_t *ctrl, mmu_err_t *err)
{
    mmu_ctrl_t c = *ctrl;
    /* SDM 4.10.4.1: with CR4.PCIDE=1, bit 63 of the value moved to CR3 only
     * says whether to flush; it is not stored. With PCIDE=0 it is reserved. */
    if ((c.cr4 & MMU_CR4_PCIDE) && (c.cr3 & MMU_CR3_NOFLUSH))
        c.cr3 &= ~MMU_CR3_NOFLUSH;
    /* MOV to CR3 raises #GP for bits at or above MAXPHYADDR. */
    uint64_t high = ~((1ull << mmu->cfg.maxphyaddr) - 1);
    if (c.cr3 & high)
        return mmu_err_set(err, MMU_EINVAL,
                           "cr3=0x%llx: bits at or above MAXPHYADDR (%u) must be 0",
                           (unsigned long long)ctrl->cr3, mmu->cfg.maxphyaddr);
    mmu->ctrl = c;
    derive_mode(mmu, &c, &mmu->mode);
    return 0;
}

const mmu_ctrl_t *mmu_get_ctrl(const mmu_t *mmu)
{
    return &mmu->ctrl;
}

int mmu_translate(mmu_t *mmu, const mmu_req_t *req, mmu_result_t *res)
{
    res->pa = 0;
    res->page_size = 0;
    res->perms = 0;
    res->pkey = 0;
    res->global = 0;
    res->mem_refs = 0;
    /* No timing model yet: the translation completes when it is issued. */
    res->done_at = req->now;
    if (req->type > MMU_ACC_FETCH || req->cpl > 3)
        return MMU_EINVAL;
    /* SDM 4.5: a non-canonical linear address is a #GP(0), before any walk. */
    if (!mmu_la_canonical(req->la, mmu->mode.la_width)) {
        mmu_fault_gp(&res->fault);
        return 0;
    }
    return mmu_walker_walk(&mmu->walker, &mmu->mode, req, res);
}
