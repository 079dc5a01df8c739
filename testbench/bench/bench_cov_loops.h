// SPDX-License-Identifier: Apache-2.0
// The translate loops of bench_coverage, compiled twice: cov_in against the
// core library (hooks compiled in), cov_out against its copy built with
// MMU_COVERAGE=0 and renamed nocov_* (CMakeLists.txt).
#ifndef MMU_BENCH_COV_LOOPS_H
#define MMU_BENCH_COV_LOOPS_H

#include <benchmark/benchmark.h>

namespace cov_in {
// cover: attach a coverage object (counting on); false: off.
void l1_hits(benchmark::State &st, bool cover);
void walks(benchmark::State &st, bool cover);
} // namespace cov_in
namespace cov_out {
void l1_hits(benchmark::State &st, bool cover);
void walks(benchmark::State &st, bool cover);
} // namespace cov_out

#endif
