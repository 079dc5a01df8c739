#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs what is missing, builds, and runs every test twice: a normal
# optimised build, then an AddressSanitizer + UndefinedBehaviorSanitizer build
# in which any sanitizer report aborts the test that caused it; then every
# parser's libFuzzer harness for 18 s (scripts/fuzz.sh, build/fuzz).
set -euo pipefail
case "${1:-}" in
  -h|--help)
    cat <<'EOF'
usage: scripts/test.sh
Installs what is missing (scripts/bootstrap.sh), builds build/rel
(RelWithDebInfo) and build/asan (ASan + UBSan), both with -Werror, and runs
every test in both. This is what CI runs. Exit 0 when everything passed.
EOF
    exit 0 ;;
  '') ;;
  *) echo "test.sh: unexpected argument '$1' (see --help)" >&2; exit 2 ;;
esac
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

echo "== fuzzers (clang, libFuzzer; 18 s each) =="
scripts/fuzz.sh 18
