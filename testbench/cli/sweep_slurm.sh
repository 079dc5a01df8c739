#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `mmusim sweep --slurm` on a real single-node Slurm that this test starts
# itself (/work/shared/SLURM.md has the facts): private slurm.conf
# (SLURM_CONF), state, spool and logs under WORKDIR, ports 16817/16818, never
# /etc/slurm. A sweep is submitted as a job array with array task 1 made to
# fail; the test checks the failure is seen (missing shard, the job-completion
# log, --merge refusing), reruns the command (only the failed task is
# resubmitted), and checks the merged sweep.csv equals a local run's apart
# from the timing column. Stops every daemon it started. Prints
# "SKIPPED: why" and exits 0 when Slurm cannot start (ctest marks it skipped).
# The cluster: scripts/slurm_local.sh.
# usage: sweep_slurm.sh MMUSIM WORKDIR
set -u
M=$(realpath "$1")
W=$2
UP=$(dirname "$0")/../../scripts/slurm_local.sh
rm -rf "$W"
mkdir -p "$W"
W=$(realpath "$W")
export SLURM_CONF=$W/cluster/slurm.conf
fail() { echo "FAIL: $*" >&2; for f in "$W"/cluster/log/*.log; do echo "== $f" >&2; tail -5 "$f" >&2; done; exit 1; }
trap 'bash "$UP" down "$W/cluster"' EXIT
out=$(bash "$UP" up "$W/cluster")
case $? in
  0) echo "$out" ;;
  3) echo "$out"; exit 0 ;; # SKIPPED: why
  *) fail "slurm_local.sh up: $out" ;;
esac

cat > "$W/spec.ini" <<'SPEC'
[sweep]
workloads = random:ws=16m | zipf:ws=16m
policies = 4k | thp
accesses = 20k
batch = 2

[l2.4k2m]
entries = 64..512*2
ways = 4
SPEC
"$M" sweep "$W/spec.ini" --out "$W/local" -j 2 >/dev/null 2>"$W/local.err" || fail "local run: $(cat "$W/local.err")"

wait_job() { # job id
  for _ in $(seq 600); do
    scontrol ping >/dev/null 2>&1 || fail "slurmctld died"
    [ -z "$(squeue -h -j "$1" 2>/dev/null)" ] && return 0
    sleep 0.2
  done
  fail "job $1 still in the queue after 120 s: $(squeue -h -j "$1")"
}
jobs_of() { sed -n 's/^job //p' "$W/slurm/slurm/state"; }

# 1: array task 1 fails.
MMUSIM_SWEEP_FAIL_TASK=1 "$M" sweep "$W/spec.ini" --out "$W/slurm" --slurm --partition mmusimci --tasks 3 \
  >"$W/submit1.out" 2>&1 || fail "submit: $(cat "$W/submit1.out")"
grep -q "submitted job" "$W/submit1.out" || fail "no job submitted: $(cat "$W/submit1.out")"
jid=$(jobs_of)
wait_job "$jid"
for _ in $(seq 50); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 0.2; done # the merge job
grep "ArrayJobId=$jid " "$W/cluster/log/jobcomp.txt" | grep "ArrayTaskId=1 " | grep -q "JobState=FAILED" ||
  fail "the job-completion log does not show task 1 FAILED: $(cat "$W/cluster/log/jobcomp.txt")"
[ "$(grep "ArrayJobId=$jid " "$W/cluster/log/jobcomp.txt" | grep -c JobState=COMPLETED)" = 2 ] ||
  fail "tasks 0 and 2 not COMPLETED in the job-completion log"
[ -e "$W/slurm/sweep.csv" ] && fail "sweep.csv written although task 1 failed"
# 8 batches; task 1 runs batches 1, 4, 7 (b % 3 == 1): exactly those are missing.
"$M" sweep "$W/spec.ini" --out "$W/slurm" --merge >/dev/null 2>"$W/merge1.err" && fail "--merge succeeded with a failed task"
grep -q "batches: 1 4 7)" "$W/merge1.err" || fail "--merge does not list batches 1, 4 and 7: $(cat "$W/merge1.err")"
echo "task 1 failed as asked: seen in jobcomp.txt, its shards missing, --merge refuses"

# 2: the same command resubmits only task 1; the merge job writes sweep.csv.
"$M" sweep "$W/spec.ini" --out "$W/slurm" --slurm --partition mmusimci >"$W/submit2.out" 2>&1 ||
  fail "resubmit: $(cat "$W/submit2.out")"
grep -q "task 1: FAILED" "$W/submit2.out" || fail "the rerun does not report task 1 FAILED: $(cat "$W/submit2.out")"
grep -q "array tasks (1 of 3)" "$W/submit2.out" || fail "the rerun does not resubmit just task 1: $(cat "$W/submit2.out")"
jid2=$(jobs_of)
wait_job "$jid2"
for _ in $(seq 100); do [ -z "$(squeue -h 2>/dev/null)" ] && [ -e "$W/slurm/sweep.csv" ] && break; sleep 0.2; done
[ -e "$W/slurm/sweep.csv" ] || fail "the merge job wrote no sweep.csv: $(cat "$W"/slurm/slurm/merge-*.out)"
strip() { sed 's/,[^,]*$//' "$1"; }
cmp <(strip "$W/local/sweep.csv") <(strip "$W/slurm/sweep.csv") || fail "Slurm and local sweep.csv differ"
echo "resubmitted task 1; the merged sweep.csv equals the local run's"
