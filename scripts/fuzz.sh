#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the libFuzzer harnesses (testbench/fuzz/) with clang and runs each one.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: scripts/fuzz.sh [SECONDS] [HARNESS...]
       scripts/fuzz.sh --list | --help

Builds the parsers' libFuzzer harnesses with clang, ASan and UBSan in build/fuzz
(cmake -DMMU_FUZZ=ON) and runs each HARNESS for SECONDS (default 60), one after
the other: scenario, config, synth, trace_native, trace_text, trace_lackey,
trace_champsim, trace_gz, trace_xz (default: all of them).

Each run starts from the shipped examples (testbench/scenarios, model/presets,
testbench/traces, testbench/fuzz/seeds, ...) plus the corpus earlier runs left in
build/fuzz/corpus/HARNESS, and adds what it finds there. It prints one line per
harness: executions, coverage (edges), features, corpus size. A crash, leak,
sanitizer report, timeout or violated property stops that harness; its input is
saved under build/fuzz/artifacts/HARNESS/ and the log under build/fuzz/logs/, and
the script exits 1 once all harnesses ran. Reproduce with
  build/fuzz/testbench/fuzz/fuzz_HARNESS build/fuzz/artifacts/HARNESS/crash-...
CI runs `scripts/fuzz.sh 18`; long campaigns: `nice -n 19 scripts/fuzz.sh 900 HARNESS`.
EOF
}

ALL=(scenario config synth trace_native trace_text trace_lackey trace_champsim trace_gz trace_xz)
seconds=60
harnesses=()
for a in "$@"; do
  case "$a" in
    -h|--help) usage; exit 0 ;;
    --list) printf '%s\n' "${ALL[@]}"; exit 0 ;;
    [0-9]*)
      if ! [[ "$a" =~ ^[0-9]+$ ]] || [ "$a" -lt 1 ]; then
        echo "fuzz.sh: SECONDS '$a': a whole number >= 1" >&2; exit 2
      fi
      seconds="$a" ;;
    *)
      if [[ ! " ${ALL[*]} " == *" $a "* ]]; then
        echo "fuzz.sh: unknown harness '$a' (${ALL[*]})" >&2; exit 2
      fi
      harnesses+=("$a") ;;
  esac
done
[ ${#harnesses[@]} -eq 0 ] && harnesses=("${ALL[@]}")

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
command -v clang >/dev/null 2>&1 || scripts/bootstrap.sh

build=build/fuzz
if [ ! -f "$build/CMakeCache.txt" ]; then
  gen=()
  command -v ninja >/dev/null 2>&1 && gen=(-G Ninja)
  CC=clang CXX=clang++ cmake -S . -B "$build" "${gen[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMMU_FUZZ=ON -DMMU_WERROR=ON >/dev/null
fi
cmake --build "$build" --target fuzzers -j "$(nproc)" >/dev/null

# Seeds: small shipped examples, never a big corpus.
seeds() {
  local t=testbench
  case "$1" in
    scenario) echo "$t/scenarios $t/scenarios_warm $t/golden" ;;
    config) echo "model/presets $t/golden_config" ;;
    synth) echo "$t/fuzz/seeds/synth" ;;
    trace_native) echo "$t/fuzz/seeds/native" ;;
    trace_text) echo "$t/fuzz/seeds/text $t/traces" ;;
    trace_lackey) echo "$t/traces" ;;
    trace_champsim) echo "$t/fuzz/seeds/native $t/traces" ;;
    trace_gz) echo "$t/fuzz/seeds/gz $t/fuzz/seeds/native $t/fuzz/seeds/text $t/traces" ;;
    trace_xz) echo "$t/fuzz/seeds/xz $t/fuzz/seeds/native $t/fuzz/seeds/text $t/traces" ;;
  esac
}
opts() {
  case "$1" in
    scenario) echo "-max_len=8192 -dict=testbench/fuzz/dict/scenario.dict" ;;
    config) echo "-max_len=8192 -dict=testbench/fuzz/dict/config.dict" ;;
    synth) echo "-max_len=256 -dict=testbench/fuzz/dict/synth.dict" ;;
    trace_text) echo "-max_len=32768 -dict=testbench/fuzz/dict/text.dict" ;;
    trace_lackey) echo "-max_len=32768 -dict=testbench/fuzz/dict/lackey.dict" ;;
    trace_native|trace_champsim) echo "-max_len=32768" ;;
    trace_gz|trace_xz) echo "-max_len=16384" ;;
  esac
}

echo "fuzz.sh: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (modified)'), ${seconds} s per harness"
failed=()
for h in "${harnesses[@]}"; do
  corpus="$build/corpus/$h" art="$build/artifacts/$h/" log="$build/logs/$h.log"
  mkdir -p "$corpus" "$art" "$(dirname "$log")"
  # shellcheck disable=SC2046
  set +e
  "$build/testbench/fuzz/fuzz_$h" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$art" $(opts "$h") "$corpus" $(seeds "$h") \
    >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
  if [ "$rc" -eq 0 ]; then
    printf 'fuzz_%-15s %5ss  %9s execs  cov %5s  ft %6s  corpus %5s  ok\n' "$h" "$seconds" \
      "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}"
  else
    printf 'fuzz_%-15s FAILED (exit %s): see %s and %s\n' "$h" "$rc" "$log" "$art" >&2
    grep -E 'ERROR|property violated|SUMMARY|Test unit written' "$log" | head -5 >&2 || true
    failed+=("$h")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: ${#failed[@]} harness(es) failed: ${failed[*]}" >&2
  exit 1
fi
