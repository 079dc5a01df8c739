/* SPDX-License-Identifier: Apache-2.0 */
/* A run of closed-loop translations in one call, for the project's own
 * drivers of many accesses (mmusim sweep's lanes, through the OS model's
 * mmu_aspace_access_run). Internal to the build, not public API: it exists
 * so that the common L1 hit costs a lane neither a request to build nor a
 * 72-byte result to write and read back; every access is translated exactly
 * as mmu_translate translates it. */
#ifndef MMU_MODEL_XLAT_RUN_H
#define MMU_MODEL_XLAT_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "mmu/mmu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One access: a request with flags 0. */
typedef struct mmu_run_acc {
    uint64_t la;
    uint8_t type; /* mmu_access_t */
    uint8_t cpl;
} mmu_run_acc_t;

/* What a driver of closed-loop accesses reads of an mmu_result_t: each field
 * equals the one of the same name there. */
typedef struct mmu_run_res {
    mmu_cycle_t done_at;
    uint32_t lat_data;
    uint32_t lat_walk;
    uint8_t served; /* mmu_served_t */
    uint8_t fault;  /* mmu_fault_kind_t */
} mmu_run_res_t;

/* Translate acc[0..n) one after another, each issued when the one before it
 * completed: access 0 at *now, access i + 1 at access i's done_at, each as
 * mmu_translate(mmu, &{MMU_REQ_VERSION, type, cpl, flags 0, la, issue}) would
 * (the same results, state and statistics). Stops before an access that would
 * be issued at or after clock_max, and after the first access that faults or
 * that mmu_translate refuses. For each access translated, issue[i] is its
 * issue cycle; for each that did not fault, out[i] its result. Returns the
 * number of accesses translated without a fault, k, with *now the cycle the
 * next would be issued at (access k-1's done_at). *status says why it
 * stopped: 0 when it ran out of accesses or of clock (access k not issued);
 * 1 when access k faulted (issued at issue[k], its whole result in *last,
 * *now unchanged: its issue cycle); a negative MMU_E* code when mmu_translate
 * refused access k (mmu_last_error says why). */
size_t mmu_translate_run(mmu_t *mmu, const mmu_run_acc_t *acc, size_t n, mmu_cycle_t *now,
                         mmu_cycle_t clock_max, mmu_cycle_t *issue, mmu_run_res_t *out,
                         mmu_result_t *last, int *status);

/* The fields of a whole result a run reports. */
static inline void mmu_run_res_of(mmu_run_res_t *o, const mmu_result_t *r)
{
    *o = (mmu_run_res_t){.done_at = r->done_at,
                         .lat_data = r->lat_data,
                         .lat_walk = r->lat_walk,
                         .served = r->served,
                         .fault = (uint8_t)r->fault.kind};
}

#ifdef __cplusplus
}
#endif

#endif
