#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test twice: a normal
# optimised build, then an AddressSanitizer + UndefinedBehaviorSanitizer build
# in which any sanitizer report aborts the test that caused it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/bootstrap.sh

jobs="$(nproc)"
echo "== build (RelWithDebInfo, -Werror) =="
# MMU_RTL_TRACE: also the FST-traced co-simulation program, whose waveform is
# tested here only (the sanitizer build leaves it out to save build time).
scripts/build.sh build/rel -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMMU_WERROR=ON -DMMU_RTL_TRACE=ON
echo "== tests =="
ctest --test-dir build/rel --output-on-failure -j "$jobs"

echo "== build (ASan + UBSan) =="
scripts/build.sh build/asan -DCMAKE_BUILD_TYPE=Debug -DMMU_SANITIZE=ON -DMMU_WERROR=ON
echo "== tests under sanitizers =="
ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ctest --test-dir build/asan --output-on-failure -j "$jobs"
