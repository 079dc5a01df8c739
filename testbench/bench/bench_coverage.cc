// SPDX-License-Identifier: Apache-2.0
// What functional coverage costs in mmu_translate, in one process: the same
// loops against the core with the hooks compiled out (out), compiled in but
// off (in_off) and counting (in_on). Run with
// --benchmark_enable_random_interleaving so that machine noise falls on all
// three alike (scripts/bench_coverage.sh); results/perf.md has the ratios.
//   L1Hits: 16 pages, 64-byte steps, 1 write in 4; every access an L1 hit.
//   Walks:  uniform random 4 KiB pages over 16 GiB; nearly every access walks.
#include <benchmark/benchmark.h>

#include "bench_cov_loops.h"

namespace {

void L1Hits_out(benchmark::State &st) { cov_out::l1_hits(st, false); }
void L1Hits_in_off(benchmark::State &st) { cov_in::l1_hits(st, false); }
void L1Hits_in_on(benchmark::State &st) { cov_in::l1_hits(st, true); }
void Walks_out(benchmark::State &st) { cov_out::walks(st, false); }
void Walks_in_off(benchmark::State &st) { cov_in::walks(st, false); }
void Walks_in_on(benchmark::State &st) { cov_in::walks(st, true); }

} // namespace

BENCHMARK(L1Hits_out);
BENCHMARK(L1Hits_in_off);
BENCHMARK(L1Hits_in_on);
BENCHMARK(Walks_out);
BENCHMARK(Walks_in_off);
BENCHMARK(Walks_in_on);
BENCHMARK_MAIN();
