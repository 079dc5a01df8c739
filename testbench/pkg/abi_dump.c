/* SPDX-License-Identifier: Apache-2.0 */
/* Prints the layout facts of libmmusim's ABI that the symbol table does not
 * show: the size of every public struct and the value of every public enum
 * constant, one "size NAME N" / "value NAME N" line each. check_abi.cmake
 * compares them, with the exported symbols and the SONAME, against the
 * committed record (libmmusim.abi). */
#include <stdio.h>

#include "mmu/mmu.h"
#include "mmu/mmu_config.h"
#include "mmu/mmu_mem.h"
#include "mmu/mmu_stats.h"
#include "mmu/mmu_version.h"
#include "mmu/mmu_walk.h"

#define SIZE(t) printf("size %s %zu\n", #t, sizeof(t))
#define VALUE(v) printf("value %s %lld\n", #v, (long long)(v))

int main(void)
{
    SIZE(mmu_array_cfg_t);
    SIZE(mmu_config_t);
    SIZE(mmu_ctrl_t);
    SIZE(mmu_err_t);
    SIZE(mmu_fault_t);
    SIZE(mmu_mem_ops_t);
    SIZE(mmu_memlat_level_cfg_t);
    SIZE(mmu_psc_cfg_t);
    SIZE(mmu_req_t);
    SIZE(mmu_result_t);
    SIZE(mmu_stats_t);
    SIZE(mmu_tlb_cfg_t);
    SIZE(mmu_walk_job_t);
    SIZE(mmu_walk_out_t);
#define ERRNO_VALUE(name, val, msg) VALUE(MMU_##name);
    MMU_ERRNO_MAP(ERRNO_VALUE)
#undef ERRNO_VALUE
    VALUE(MMU_ACC_READ);
    VALUE(MMU_ACC_WRITE);
    VALUE(MMU_ACC_FETCH);
    VALUE(MMU_PAGE_4K);
    VALUE(MMU_PAGE_2M);
    VALUE(MMU_PAGE_1G);
    VALUE(MMU_FAULT_NONE);
    VALUE(MMU_FAULT_PF);
    VALUE(MMU_FAULT_GP);
    VALUE(MMU_SERVED_L1);
    VALUE(MMU_SERVED_L2);
    VALUE(MMU_SERVED_WALK);
    VALUE(MMU_SERVED_NONE);
    VALUE(MMU_AD_ON_FAULT_NONE);
    VALUE(MMU_AD_ON_FAULT_USED);
    VALUE(MMU_REPL_LRU);
    VALUE(MMU_REPL_PLRU);
    VALUE(MMU_REPL_FIFO);
    VALUE(MMU_REPL_RANDOM);
    VALUE(MMU_INDEX_LOW);
    VALUE(MMU_INDEX_XOR);
    VALUE(MMU_TLB_ARRAYS);
    VALUE(MMU_MEMLAT_LEVELS);
    VALUE(MMU_WALK_HIST_BUCKETS);
    VALUE(MMU_REG_EFER);
    VALUE(MMU_REG_RFLAGS);
    VALUE(MMU_REG_PKRU);
    VALUE(MMU_REG_PKRS);
    VALUE(MMU_REQ_IMPLICIT);
    VALUE(MMU_ABI_VERSION);
    return 0;
}
