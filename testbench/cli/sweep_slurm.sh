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
# usage: sweep_slurm.sh MMUSIM WORKDIR
set -u
M=$(realpath "$1")
W=$2
rm -rf "$W"
mkdir -p "$W"/{state,spool,log}
W=$(realpath "$W")
export SLURM_CONF=$W/slurm.conf
H=$(hostname -s)
started_munge=
skip() { echo "SKIPPED: $*"; exit 0; }
fail() { echo "FAIL: $*" >&2; for f in "$W"/log/*.log; do echo "== $f" >&2; tail -5 "$f" >&2; done; exit 1; }

alive() { # pid file, daemon name
  [ -f "$1" ] || return 1
  local p; p=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$p" ] && [ "$(cat /proc/"$p"/comm 2>/dev/null)" = "$2" ] &&
    ! grep -q '^[0-9]* ([^)]*) Z' /proc/"$p"/stat 2>/dev/null
}
down() {
  if scontrol ping >/dev/null 2>&1; then
    scancel -u root >/dev/null 2>&1
    for _ in $(seq 50); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 0.2; done
    scontrol shutdown >/dev/null 2>&1
  fi
  for d in slurmctld slurmd; do
    for _ in $(seq 25); do alive "$W/$d.pid" $d || break; sleep 0.2; done
    if alive "$W/$d.pid" $d; then
      kill -TERM "$(cat "$W/$d.pid")" 2>/dev/null; sleep 3
      alive "$W/$d.pid" $d && kill -KILL "$(cat "$W/$d.pid")" 2>/dev/null
    fi
  done
  if [ -n "$started_munge" ] && [ -f /run/munge/munged.pid ]; then
    kill "$(cat /run/munge/munged.pid)" 2>/dev/null
  fi
}
trap down EXIT

for b in slurmctld slurmd sbatch squeue scontrol srun munged munge unmunge; do
  command -v $b >/dev/null || skip "$b not installed (scripts/bootstrap.sh installs slurmctld slurmd slurm-client munge)"
done
[ "$(id -u)" = 0 ] || skip "needs root to start slurmd and munged"

# munge: the machine's own daemon when it runs, else one started here.
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  [ -f /etc/munge/munge.key ] || mungekey --create --keyfile=/etc/munge/munge.key >/dev/null 2>&1
  chown munge:munge /etc/munge/munge.key 2>/dev/null; chmod 0400 /etc/munge/munge.key
  install -d -o munge -g munge -m 0755 /run/munge
  runuser -u munge -- /usr/sbin/munged >/dev/null 2>&1 || skip "munged does not start"
  started_munge=1
  for _ in $(seq 20); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.2; done
  munge -n 2>/dev/null | unmunge >/dev/null 2>&1 || skip "munge does not work"
fi

mem=$(awk '/MemTotal/ {m = int($2 / 1024) - 1024; print m < 512 ? 512 : m}' /proc/meminfo)
cat > "$SLURM_CONF" <<CONF
ClusterName=mmusimci
SlurmctldHost=$H
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool
SlurmctldPidFile=$W/slurmctld.pid
SlurmdPidFile=$W/slurmd.pid
SlurmctldLogFile=$W/log/slurmctld.log
SlurmdLogFile=$W/log/slurmd.log
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
ReturnToService=2
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$W/log/jobcomp.txt
NodeName=$H CPUs=$(nproc) RealMemory=$mem State=UNKNOWN
PartitionName=mmusimci Nodes=$H Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld || skip "slurmctld does not start: $(tail -3 "$W/log/slurmctld.log" 2>/dev/null)"
slurmd || skip "slurmd does not start: $(tail -3 "$W/log/slurmd.log" 2>/dev/null)"
for _ in $(seq 100); do
  scontrol ping >/dev/null 2>&1 && [ "$(sinfo -h -N -n "$H" -o %T 2>/dev/null)" = idle ] && break
  sleep 0.2
done
[ "$(sinfo -h -N -n "$H" -o %T 2>/dev/null)" = idle ] || skip "the node does not come up idle: $(sinfo -h -N -o '%T %E' 2>&1)"
[ "$(srun -n1 -t1 echo ok 2>/dev/null)" = ok ] || skip "srun smoke test failed"
echo "slurm up: node $H idle, srun works"

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
grep "ArrayJobId=$jid " "$W/log/jobcomp.txt" | grep "ArrayTaskId=1 " | grep -q "JobState=FAILED" ||
  fail "the job-completion log does not show task 1 FAILED: $(cat "$W/log/jobcomp.txt")"
[ "$(grep "ArrayJobId=$jid " "$W/log/jobcomp.txt" | grep -c JobState=COMPLETED)" = 2 ] ||
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
