#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A private single-node Slurm on this machine, for testing and measuring
# `mmusim sweep --slurm` (facts: /work/shared/SLURM.md): its own slurm.conf
# (export SLURM_CONF=DIR/slurm.conf to use it), state, spool and logs under
# DIR, ports 16817/16818, partition mmusimci; never /etc/slurm. munged is the
# machine's when it runs, else started here (and stopped by `down`).
set -u
usage() {
  cat <<'USAGE'
usage: scripts/slurm_local.sh up DIR | down DIR
  up:   write DIR/slurm.conf, start munged (if needed), slurmctld and slurmd,
        wait for the node to be idle and run an srun smoke test. Exit 0 when
        up; exit 3 with "SKIPPED: why" on stdout when Slurm cannot start here.
  down: cancel every job, stop the daemons started by `up DIR` (and munged
        if `up` started it). Running it twice is harmless.
  Then: SLURM_CONF=DIR/slurm.conf mmusim sweep SPEC --out OUT --slurm --partition mmusimci
USAGE
}
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  up|down) [ $# -eq 2 ] || { usage >&2; exit 2; } ;;
  *) echo "slurm_local.sh: unexpected argument '${1:-}'" >&2; usage >&2; exit 2 ;;
esac
mkdir -p "$2"
W=$(realpath "$2")
export SLURM_CONF=$W/slurm.conf
H=$(hostname -s)

alive() { # pid file, daemon name: alive and not a zombie (PID 1 reaps late here)
  [ -f "$1" ] || return 1
  local p; p=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$p" ] && [ "$(cat /proc/"$p"/comm 2>/dev/null)" = "$2" ] &&
    ! grep -q '^[0-9]* ([^)]*) Z' /proc/"$p"/stat 2>/dev/null
}
down() { # [keep-munge]
  if [ -f "$SLURM_CONF" ] && scontrol ping >/dev/null 2>&1; then
    scancel -u "$(id -un)" >/dev/null 2>&1
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
  if [ -z "${1:-}" ] && [ -f "$W/munged.started" ] && [ -f /run/munge/munged.pid ]; then
    kill "$(cat /run/munge/munged.pid)" 2>/dev/null
    rm -f "$W/munged.started"
  fi
  return 0
}
skip() { echo "SKIPPED: $*"; down; exit 3; }

if [ "$1" = down ]; then
  down
  exit 0
fi

for b in slurmctld slurmd sbatch squeue scontrol srun sinfo munged munge unmunge; do
  command -v $b >/dev/null || skip "$b not installed (scripts/bootstrap.sh installs slurmctld slurmd slurm-client munge)"
done
[ "$(id -u)" = 0 ] || skip "needs root to start slurmd and munged"
mkdir -p "$W"/{state,spool,log}
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  [ -f /etc/munge/munge.key ] || mungekey --create --keyfile=/etc/munge/munge.key >/dev/null 2>&1
  chown munge:munge /etc/munge/munge.key 2>/dev/null; chmod 0400 /etc/munge/munge.key
  install -d -o munge -g munge -m 0755 /run/munge
  runuser -u munge -- /usr/sbin/munged >/dev/null 2>&1 || skip "munged does not start"
  touch "$W/munged.started"
  for _ in $(seq 20); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.2; done
  munge -n 2>/dev/null | unmunge >/dev/null 2>&1 || skip "munge does not work"
fi
mem=$(awk '/MemTotal/ {m = int($2 / 1024) - 1024; print m < 512 ? 512 : m}' /proc/meminfo)
cat > "$SLURM_CONF.new" <<CONF
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
if alive "$W/slurmctld.pid" slurmctld && alive "$W/slurmd.pid" slurmd &&
   cmp -s "$SLURM_CONF" "$SLURM_CONF.new" && scontrol ping >/dev/null 2>&1; then
  rm -f "$SLURM_CONF.new"
else
  down keep-munge
  mv "$SLURM_CONF.new" "$SLURM_CONF"
  slurmctld || skip "slurmctld does not start: $(tail -3 "$W/log/slurmctld.log" 2>/dev/null)"
  slurmd || skip "slurmd does not start: $(tail -3 "$W/log/slurmd.log" 2>/dev/null)"
fi
for _ in $(seq 100); do
  scontrol ping >/dev/null 2>&1 && break
  sleep 0.2
done
scancel -u "$(id -un)" >/dev/null 2>&1 # jobs recovered from a crashed run
case "$(sinfo -h -N -n "$H" -o %T 2>/dev/null)" in
  *drain*|*down*) scontrol update nodename="$H" state=resume >/dev/null 2>&1 ;;
esac
for _ in $(seq 100); do
  [ "$(sinfo -h -N -n "$H" -o %T 2>/dev/null)" = idle ] && break
  sleep 0.2
done
[ "$(sinfo -h -N -n "$H" -o %T 2>/dev/null)" = idle ] || skip "the node does not come up idle: $(sinfo -h -N -o '%T %E' 2>&1)"
[ "$(srun -n1 -t1 echo ok 2>/dev/null)" = ok ] || skip "srun smoke test failed"
echo "slurm up: node $H idle, SLURM_CONF=$SLURM_CONF, partition mmusimci"
