#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, from Debian 12's slurm-wlm and munge, for tests and
# for trying `dotscan --slurm-script` (docs/scale-out.md). Needs root (slurmd starts every job's
# processes as their submitting user). Nothing is installed or left behind outside DIR.
#
#   slurm-local.sh start DIR            writes DIR/slurm.conf and a munge key, starts munged,
#                                       slurmctld and slurmd, and returns once the node is idle
#   slurm-local.sh stop DIR             stops the three daemons (DIR stays, with their logs)
#   slurm-local.sh run DIR COMMAND...   start, COMMAND with SLURM_CONF set, stop (also on error
#                                       or Ctrl-C); exits with COMMAND's code
#
# Clients (sbatch, squeue, ...) find the cluster through SLURM_CONF=DIR/slurm.conf. The daemons
# listen on two free TCP ports of 127.0.0.1, so that several clusters (parallel test runs) never
# meet. Debian 12 specifics, found the hard way:
#  - munged refuses a key readable by others and warns about world-writable parents such as
#    /tmp: the key is 0400 and munged runs with --force;
#  - the clients and daemons must all use DIR's munge socket (AuthInfo=socket=...);
#  - proctrack/linuxproc and task/none need no cgroup setup (none is usable in a container);
#  - slurmctld accepts SlurmctldHost=localhost; the node is named localhost too (slurmd -N).
set -euo pipefail

usage() { echo "usage: $0 start DIR | stop DIR | run DIR COMMAND..." >&2; exit 2; }
[[ $# -ge 2 ]] || usage
action=$1 dir=$2
shift 2

stop() {
  local name pid
  for name in slurmd slurmctld munged; do
    [[ -f "$dir/$name.pid" ]] || continue
    pid=$(cat "$dir/$name.pid" 2>/dev/null) || continue
    if [[ -n "$pid" ]] && kill "$pid" 2>/dev/null; then
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/$name.pid"
  done
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  for tool in munged slurmctld slurmd sinfo; do
    command -v "$tool" >/dev/null || {
      echo "$0: $tool is missing (apt-get install slurm-wlm munge)" >&2; return 1; }
  done
  [[ $(id -u) -eq 0 ]] || { echo "$0: slurmd needs root" >&2; return 1; }
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  chmod 0700 "$dir"
  mkdir -p "$dir/munge" "$dir/state" "$dir/spool"
  chmod 0700 "$dir/munge"
  stop
  if [[ ! -f "$dir/munge/munge.key" ]]; then
    dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
    chmod 0400 "$dir/munge/munge.key"
  fi
  munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket.2" \
    --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge/seed"
  local cpus user
  cpus=$(nproc)
  user=$(id -un)
  cat >"$dir/slurm.conf" <<CONF
# Written by scripts/slurm-local.sh: one node, no accounting, everything under $dir.
ClusterName=dotscan-test
SlurmctldHost=localhost
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=$user
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket.2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
MaxArraySize=10001
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF="$dir/slurm.conf"
  slurmctld -f "$SLURM_CONF"
  slurmd -f "$SLURM_CONF" -N localhost
  # Up when the controller answers and the node has registered as idle (no fixed sleep).
  local state=""
  for _ in $(seq 300); do
    state=$(sinfo -h -N -n localhost -o '%T' 2>/dev/null || true)
    [[ "$state" == idle ]] && { echo "export SLURM_CONF=$SLURM_CONF"; return 0; }
    sleep 0.1
  done
  echo "$0: the node did not become idle (state '${state}'); logs in $dir" >&2
  tail -n 5 "$dir/slurmctld.log" "$dir/slurmd.log" "$dir/munged.log" >&2 2>/dev/null || true
  return 1
}

case "$action" in
  start) start ;;
  stop) stop ;;
  run)
    [[ $# -ge 1 ]] || usage
    trap stop EXIT
    trap 'exit 130' INT TERM
    start >/dev/null
    export SLURM_CONF="$dir/slurm.conf"
    set +e
    "$@"
    code=$?
    exit "$code"
    ;;
  *) usage ;;
esac
