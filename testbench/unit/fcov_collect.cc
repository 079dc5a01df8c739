// SPDX-License-Identifier: Apache-2.0
// See fcov_collect.h.
#include "fcov_collect.h"

#include <cstdio>
#include <cstdlib>

#include <gtest/gtest.h>

#if MMU_FCOV_FILE
#include "coverage_file.h"
#endif

namespace {

mmu_cov_t *total = nullptr;

const char *out_path()
{
    const char *p = std::getenv("MMU_FCOV_UNIT");
    return p && *p ? p : nullptr;
}

// Writes the total once every test has run.
struct Writer : ::testing::Environment {
    void TearDown() override
    {
        if (!total)
            return;
#if MMU_FCOV_FILE
        char msg[512];
        if (covfile_write(total, out_path(), msg, sizeof msg))
            std::fprintf(stderr, "unit_tests: MMU_FCOV_UNIT: %s\n", msg);
#else
        std::fprintf(stderr, "unit_tests: MMU_FCOV_UNIT: not written: this build has no "
                             "coverage-file writer (MMU_CLI and MMU_RTL are off)\n");
#endif
        mmu_cov_destroy(total);
        total = nullptr;
    }
};

const bool registered = (::testing::AddGlobalTestEnvironment(new Writer), true);

} // namespace

void fcov_collect(const mmu_cov_t *cov)
{
    (void)registered;
    if (!cov || !out_path())
        return;
    if (!total && mmu_cov_create(&total, nullptr))
        return;
    mmu_cov_merge(total, cov);
}
