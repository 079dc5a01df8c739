#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `mmusim sweep` is resumable and never torn: interrupt a sweep several times
# mid-run (SIGINT to its process group, as Ctrl-C does, and SIGKILL), rerun
# it each time, and the final sweep.csv equals an uninterrupted run's byte
# for byte apart from the timing column (batch_seconds, the last one).
# usage: sweep_resume.sh MMUSIM WORKDIR
set -u
M=$1
W=$2
rm -rf "$W"
mkdir -p "$W"
fail() { echo "FAIL: $*" >&2; exit 1; }
set -m # job control: each background sweep is its own process group, SIGINT not ignored

cat > "$W/spec.ini" <<'SPEC'
[sweep]
workloads = random:ws=64m | zipf:ws=64m
policies = 4k | thp
warmup = 10k
accesses = 150k
batch = 2

[l2.4k2m]
entries = 128..1024*2
ways = 4 | 8
SPEC

"$M" sweep "$W/spec.ini" --out "$W/ref" -j 2 2>"$W/ref.err" || fail "reference run: $(cat "$W/ref.err")"
total=$(ls "$W/ref/parts" | wc -l)
[ "$total" -ge 12 ] || fail "only $total batches"

parts() { ls "$W/run/parts" 2>/dev/null | grep -c '^b.*\.csv$'; }
mid=0
delays=(0.05 0.1 0.02 0.15 0.05 0.1 0.02 0.08)
for i in 0 1 2 3 4 5 6 7; do
  before=$(parts)
  [ "$before" -lt "$total" ] || break
  "$M" sweep "$W/spec.ini" --out "$W/run" -j 2 >/dev/null 2>>"$W/run.err" &
  pid=$!
  # Kill once this run has finished a batch of its own (so every rerun makes
  # progress), a little later, while its other batches run.
  for _ in $(seq 400); do
    [ "$(parts)" -gt "$before" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  sleep "${delays[$i]}"
  if kill -0 "$pid" 2>/dev/null; then
    sig=INT
    [ $((i % 2)) -eq 1 ] && sig=KILL
    kill -s $sig -- -"$pid" 2>/dev/null
    after=$(parts)
    [ "$after" -lt "$total" ] && mid=$((mid + 1))
    echo "kill $i: SIG$sig, $before -> $after of $total batches done"
  fi
  wait "$pid" 2>/dev/null
  # No torn result: every part present is complete (its header's row count).
  for f in "$W"/run/parts/b*.csv; do
    [ -e "$f" ] || continue
    want=$(head -1 "$f" | sed 's/.* rows //')
    have=$(($(wc -l < "$f") - 1))
    [ "$want" = "$have" ] || fail "$f: $have rows, its header says $want"
  done
done
[ "$mid" -ge 2 ] || fail "only $mid kills landed mid-run; the sweep is too fast for this test"
"$M" sweep "$W/spec.ini" --out "$W/run" -j 2 >/dev/null 2>"$W/final.err" || fail "final run: $(cat "$W/final.err")"
grep -q "runs already done" "$W/final.err" || fail "the final run did not resume: $(cat "$W/final.err")"
strip() { sed 's/,[^,]*$//' "$1"; }
cmp <(strip "$W/ref/sweep.csv") <(strip "$W/run/sweep.csv") || fail "the resumed sweep.csv differs"
[ "$(wc -l < "$W/run/sweep.csv")" = "$(wc -l < "$W/ref/sweep.csv")" ] || fail "row count differs"
ls -A "$W/run/parts" | grep -q tmp && fail "temporary files left in parts/"
echo "resumed after $mid mid-run kills: sweep.csv equal to the uninterrupted run's ($total batches)"
