#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Coverage of mmusim in one report: functional bins (the C core's coverage
# model), C line and branch coverage of model/ and workloads/ (gcov, gcovr) and
# RTL line, branch, toggle and FSM coverage of rtl/ (Verilator --coverage).
set -euo pipefail
usage() {
  cat <<'USAGE'
usage: scripts/coverage.sh [--quick] [--walks N] [--build DIR]
Builds an instrumented tree (gcov on the C code, Verilator --coverage on the
RTL walker) in its own build directory (default build/coverage), runs the whole
test suite, every `mmusim check` scenario, a co-simulation campaign over every
RTL parameter set (--walks N each, default 20000) and a small `mmusim compare`,
and merges everything into:
  DIR/coverage/c/index.html      C line and branch detail (gcovr)
  DIR/coverage/rtl/index.html    RTL detail (verilator_coverage -> lcov genhtml)
  DIR/coverage/rtl-annotated/    the RTL sources annotated, '%00' on points never hit
  DIR/coverage/functional.txt    `mmusim coverage report` of the merged bins
  results/coverage/index.html    the summary page (self-contained; committed)
  results/coverage.md            the summary table for the README
The page is then rendered in headless Chromium: the run fails if the summary
table is missing from the DOM or the screenshot is blank.
--quick (what CI runs): no RTL, the unit tests and the scenarios only, into
build/coverage-quick; the page goes to DIR/coverage/index.html, results/ is left
alone. Exit 0, 1 when the page check or a run fails, 2 on bad arguments.
USAGE
}
quick=0; walks=20000; build=""
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --quick) quick=1 ;;
    --walks) [ $# -ge 2 ] || { echo "coverage.sh: --walks needs a number" >&2; exit 2; }
             case "$2" in ''|*[!0-9]*) echo "coverage.sh: --walks '$2': not a number" >&2; exit 2 ;; esac
             walks="$2"; shift ;;
    --build) [ $# -ge 2 ] || { echo "coverage.sh: --build needs a directory" >&2; exit 2; }
             build="$2"; shift ;;
    *) echo "coverage.sh: unexpected argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
[ -n "$build" ] || { [ $quick = 1 ] && build=build/coverage-quick || build=build/coverage; }
t0=$(date +%s)
load0=$(cut -d' ' -f1 /proc/loadavg)
step() { echo "== $* ($(( $(date +%s) - t0 )) s) =="; }

scripts/bootstrap.sh
rtl=ON; [ $quick = 1 ] && rtl=OFF
step "build $build (gcov on C at -O0, Verilator coverage $rtl)"
# The C code at -O0 so lines and branches map onto the source; C++ (SystemC,
# Verilated models) stays optimised and is not measured by gcov.
gen=(); command -v ninja >/dev/null 2>&1 && gen=(-G Ninja)
cmake -S . -B "$build" "${gen[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O0 -g" -DCMAKE_C_FLAGS="--coverage" \
  -DCMAKE_EXE_LINKER_FLAGS="--coverage" -DMMU_RTL_COVERAGE=$rtl -DMMU_WERROR=ON >/dev/null
if [ $quick = 1 ]; then
  cmake --build "$build" -j "$(nproc)" --target unit_tests mmusim >/dev/null
else
  cmake --build "$build" -j "$(nproc)" >/dev/null
fi
find "$build" -name '*.gcda' -delete
out="$build/coverage"
rm -rf "$out"; mkdir -p "$out/fcov" "$out/vlt"
export MMU_RTL_COVERAGE_DIR="$root/$out/vlt"
mmusim="$build/model/mmusim"
cosim="$build/model/mmusim-cosim"

step "unit tests (their coverage objects summed into unit.json)"
MMU_FCOV_UNIT="$out/fcov/unit.json" "$build/testbench/unit_tests" --gtest_brief=1 >/dev/null
if [ $quick = 0 ]; then
  step "test suite (ctest)"
  # Not the package checks: they check the ABI and the installed libraries of a
  # normal build, and gcov's instrumentation exports __gcov_* symbols and needs
  # libgcov wherever the static archive is linked (they run in the plain builds).
  ctest --test-dir "$build" -j "$(nproc)" --output-on-failure -E '^pkg\.(abi|installed)\.' \
    >"$out/ctest.log" 2>&1 ||
    { tail -30 "$out/ctest.log"; echo "coverage.sh: tests failed (see $out/ctest.log)" >&2; exit 1; }
  tail -3 "$out/ctest.log"
fi

step "scenarios with --coverage"
n=0
for scn in testbench/scenarios/*.scn testbench/scenarios_warm/*.scn; do
  n=$((n + 1))
  "$mmusim" check --coverage "$out/fcov/check_$n.json" "$scn" >/dev/null
done
echo "$n scenario files"

if [ $quick = 0 ]; then
  nv=$("$cosim" random --variant list | wc -l)
  for v in $(seq 0 $((nv - 1))); do
    step "co-simulation campaign, RTL variant $v ($("$cosim" random --variant list | sed -n "$((v + 1))p" | cut -d' ' -f2-)), $walks walks"
    "$cosim" random --variant "$v" --walks "$walks" --seed $((v + 1)) --quiet \
      --coverage "$out/fcov/cosim_$v.json" | head -2
  done
  step "compare (C and RTL walkers, small sizes)"
  "$mmusim" compare --workloads random,chase --sizes 1m,64m --accesses 20k --warmup 2k \
    --rtl-walks 2000 --out "$out/compare" --coverage "$out/fcov/compare.json" | tail -1
fi

step "functional coverage: merge and report"
"$mmusim" coverage merge "$out"/fcov/*.json -o "$out/functional.json"
set +e
"$mmusim" coverage report "$out/functional.json" > "$out/functional.txt"
frc=$?
set -e
sed -n '2,10p' "$out/functional.txt"
[ $frc -le 1 ] || exit 1

step "C code coverage (gcovr)"
mkdir -p "$out/c"
gcovr -r "$root" "$build" --filter "$root/model/" --filter "$root/workloads/" \
  --exclude "$root/model/sc/" --exclude-unreachable-branches \
  --html-details "$out/c/index.html" --json-summary "$out/c.json" --print-summary \
  2>/dev/null | tail -3

rtl_args=()
links="C code (gcovr)=../../$out/c/index.html"
if [ $quick = 0 ]; then
  step "RTL coverage (verilator_coverage)"
  shopt -s nullglob
  dats=("$out"/vlt/*.dat)
  [ ${#dats[@]} -gt 0 ] || { echo "coverage.sh: no RTL coverage was written" >&2; exit 1; }
  verilator_coverage --write "$out/rtl-all.dat" "${dats[@]}"
  # Points that cannot be hit (constant bits, with the reason for each, in
  # rtl/coverage_exclusions.txt) leave the figures and the detail pages; an
  # excluded point that was hit, or a rule that matches nothing, fails the run.
  /usr/bin/python3 scripts/coverage_rtl_filter.py "$out/rtl-all.dat" \
    --exclusions rtl/coverage_exclusions.txt -o "$out/rtl.dat" --json "$out/rtl-excluded.json" ||
    { echo "coverage.sh: RTL exclusions do not hold (see above)" >&2; exit 1; }
  verilator_coverage --write-info "$out/rtl.info" "$out/rtl.dat"
  genhtml -q --branch-coverage -o "$out/rtl" "$out/rtl.info" >/dev/null 2>&1 ||
    echo "coverage.sh: genhtml of the RTL failed; the summary still has the figures" >&2
  verilator_coverage --annotate "$out/rtl-annotated" "$out/rtl.dat" | tail -1
  rtl_args=(--rtl "$out/rtl.dat" --rtl-exclusions "$out/rtl-excluded.json")
  links="$links,RTL (genhtml of verilator_coverage)=../../$out/rtl/index.html"
fi

if [ $quick = 1 ]; then
  page="$out/index.html"; md="$out/coverage.md"
else
  page=results/coverage/index.html; md=results/coverage.md
  mkdir -p results/coverage
fi
secs=$(( $(date +%s) - t0 ))
load1=$(cut -d' ' -f1 /proc/loadavg)
/usr/bin/python3 scripts/coverage_report.py --functional "$out/functional.txt" --gcovr "$out/c.json" \
  "${rtl_args[@]}" --links "$links" --html "$page" --md "$md" \
  --note "scripts/coverage.sh$([ $quick = 1 ] && echo ' --quick' || echo " --walks $walks"), $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u +%Y-%m-%d), ${secs} s, load average ${load0} at the start, ${load1} at the end"
cat "$md"

step "the page in headless Chromium"
scripts/coverage_check_page.sh "$page" "$out/page"
step "done"
