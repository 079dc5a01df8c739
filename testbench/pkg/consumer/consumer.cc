/* SPDX-License-Identifier: Apache-2.0 */
// A C++ host built against the installed package (find_package): a preset
// from the core library, a config file from the loader library on top of it,
// and one translation checked against the page tables it set up.
#include <cstdio>
#include <cstring>

#include "mmu/mmu.h"
#include "mmu/mmu_config_file.h"
#include "mmu/mmu_mem.h"
#include "mmu/mmu_version.h"

int main()
{
    if (mmu_version() != MMU_VERSION_NUMBER) {
        std::printf("consumer: headers %s, library %s\n", MMU_VERSION_STRING, mmu_version_string());
        return 1;
    }
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    mmu_err_t err;
    if (mmu_config_preset(&cfg, "zen2", &err) ||
        mmu_config_load_string("[mmu]\nwalkers = 3\n[l1d]\nlatency = 2\n", "host.ini", &cfg, &err)) {
        std::printf("consumer: %s\n", err.msg);
        return 1;
    }
    mmu_sparse_mem_t *mem = nullptr;
    mmu_ptb_t *pt = nullptr;
    mmu_t *mmu = nullptr;
    mmu_sparse_mem_create(cfg.maxphyaddr, &mem);
    mmu_mem_ops_t ops = mmu_sparse_mem_ops(mem);
    mmu_ptb_create(&ops, 4, 0x100000, 1 << 20, &pt);
    mmu_ptb_map(pt, 0x7f0000200000ull, 0x40200000, 1 << 21, MMU_PAGE_2M, MMU_PTE_RW | MMU_PTE_US);
    if (mmu_create(&cfg, &ops, &mmu, &err)) {
        std::printf("consumer: %s\n", err.msg);
        return 1;
    }
    mmu_ctrl_t ctrl{};
    ctrl.cr3 = mmu_ptb_root(pt);
    mmu_set_ctrl(mmu, &ctrl, &err);
    mmu_req_t req = MMU_REQ_INIT;
    req.la = 0x7f0000212345ull;
    req.type = MMU_ACC_WRITE;
    req.cpl = 3;
    req.now = 1000;
    mmu_result_t res;
    const int rc = mmu_translate(mmu, &req, &res);
    const bool ok = rc == 0 && res.fault.kind == MMU_FAULT_NONE && res.pa == 0x40212345ull &&
                    res.page_size == MMU_PAGE_2M && res.lat_l1 == 2 && res.done_at > req.now &&
                    cfg.walkers == 3;
    std::printf("consumer: mmusim %s (libmmusim.so.%d), zen2 + host.ini: la 0x%llx -> pa 0x%llx "
                "(%s page) in %llu cycles: %s\n",
                mmu_version_string(), MMU_ABI_VERSION, (unsigned long long)req.la,
                (unsigned long long)res.pa, res.page_size == MMU_PAGE_2M ? "2M" : "other",
                (unsigned long long)(res.done_at - req.now), ok ? "ok" : "WRONG");
    mmu_destroy(mmu);
    mmu_ptb_destroy(pt);
    mmu_sparse_mem_destroy(mem);
    return ok ? 0 : 1;
}
