// SPDX-License-Identifier: Apache-2.0
// The unit tests' own functional coverage: tests that count coverage hand
// their objects here, and when MMU_FCOV_UNIT names a file the sum is written
// there at the end of the run (scripts/coverage.sh merges it with the rest).
#ifndef MMU_TEST_FCOV_COLLECT_H
#define MMU_TEST_FCOV_COLLECT_H

#include "mmu/mmu_coverage.h"

// Add cov's counts to the run's total (no-op unless MMU_FCOV_UNIT is set).
void fcov_collect(const mmu_cov_t *cov);

#endif
