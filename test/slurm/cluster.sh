#!/bin/bash
# A single-node Slurm cluster (munged + slurmctld + slurmd) for the Slurm executor's tests.
# Runs as root without systemd (a CI container). Idempotent; everything lives under $SLURM_BASE
# (default $TMPDIR/dev-tools-slurm).
#   test/slurm/cluster.sh up     install if missing, start, wait until the node is idle;
#                                prints `export SLURM_CONF=...` as its last line
#   test/slurm/cluster.sh down   stop the daemons by the pids in their pid files
#   test/slurm/cluster.sh status exit 0 when the node answers and is usable
set -euo pipefail
BASE=${SLURM_BASE:-${TMPDIR:-/tmp}/dev-tools-slurm}
export SLURM_CONF=$BASE/slurm.conf
MSOCK=$BASE/munge/munge.socket.2
T0=$(date +%s%N)
el() { local ms=$(( ($(date +%s%N) - T0) / 1000000 )); printf '%d.%03d' $((ms / 1000)) $((ms % 1000)); }
log() { echo "[slurm +$(el)s] $*" >&2; }
# alive <pidfile> <comm>: the pid in the file is that daemon (not a reused pid), and not a zombie.
alive() {
  local p st; p=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$p" ] && [ "$(cat /proc/$p/comm 2>/dev/null)" = "$2" ] || return 1
  st=$(awk '{print $3}' /proc/$p/stat 2>/dev/null); [ -n "$st" ] && [ "$st" != Z ]
}

node_state() { sinfo -h -n "$(hostname -s)" -o %T 2>/dev/null || true; }

up() {
  if [ "$(id -u)" != 0 ]; then echo "cluster.sh: needs root (slurmd runs jobs as their users)" >&2; exit 1; fi
  if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null ||
     ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
    log "installed $(slurmctld -V)"
  fi
  local host ncpu mem; host=$(hostname -s); ncpu=$(nproc)
  # The node's memory in MB, a little under what slurmd measures (more would drain the node):
  # without it RealMemory is 1 MB and any --mem is refused.
  mem=$(awk '/^MemTotal:/ { print int($2 / 1024 * 0.95) }' /proc/meminfo)
  # munged wants its key 0600 and the socket's folder reachable by all (0755).
  mkdir -p "$BASE"/munge "$BASE"/state "$BASE"/spool "$BASE"/log
  chmod 755 "$BASE" "$BASE"/munge
  [ -s "$BASE"/munge/munge.key ] || mungekey -c -k "$BASE"/munge/munge.key
  chmod 600 "$BASE"/munge/munge.key
  # sched_interval=1 and batch_sched_delay=0 start a job in ~0.5 s instead of 2-3 s.
  # proctrack/linuxproc and task/none: no cgroups in a container. No accounting: sacct is unusable.
  local conf
  conf=$(cat <<EOF
ClusterName=local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MSOCK
StateSaveLocation=$BASE/state
SlurmdSpoolDir=$BASE/spool
SlurmctldPidFile=$BASE/slurmctld.pid
SlurmdPidFile=$BASE/slurmd.pid
SlurmctldLogFile=$BASE/log/slurmctld.log
SlurmdLogFile=$BASE/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$BASE/log/jobcomp.log
MpiDefault=none
ReturnToService=2
KillWait=${SLURM_KILL_WAIT:-5}
MinJobAge=300
SchedulerParameters=batch_sched_delay=0,sched_interval=1
NodeName=$host NodeAddr=127.0.0.1 CPUs=$ncpu RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
)
  if [ "$(cat "$SLURM_CONF" 2>/dev/null)" != "$conf" ]; then
    printf '%s\n' "$conf" > "$SLURM_CONF"
    # A node's definition (CPUs, RealMemory) is read only as the daemons start.
    stop_daemons
  fi
  if ! alive "$BASE"/munge/munged.pid munged; then
    munged -S "$MSOCK" --key-file="$BASE"/munge/munge.key --pid-file="$BASE"/munge/munged.pid \
      --log-file="$BASE"/munge/munged.log --seed-file="$BASE"/munge/munged.seed
    log "started munged"
  fi
  local d
  for d in slurmctld slurmd; do
    if ! alive "$BASE/$d.pid" "$d"; then
      rm -f "$BASE/$d.pid"
      "$d" -f "$SLURM_CONF"
      for _ in $(seq 50); do [ -s "$BASE/$d.pid" ] && break; sleep 0.1; done
      log "started $d"
    fi
  done
  local st=""
  for _ in $(seq 300); do
    st=$(node_state)
    case "$st" in idle*|mixed*|allocated*) break ;;
      down*|drain*) scontrol update NodeName="$host" State=RESUME 2>/dev/null || true ;; esac
    sleep 0.1
  done
  case "$st" in idle*|mixed*|allocated*) ;;
    *) log "node not ready (state '$st'); logs in $BASE/log"; exit 1 ;; esac
  log "ready: node $host is $st"
  echo "export SLURM_CONF=$SLURM_CONF"
}

# stop_pids <pidfile>:<comm>...: each daemon by the pid in its file, waiting until it is gone.
stop_pids() {
  local pf f comm p
  for pf in "$@"; do
    f=${pf%%:*}; comm=${pf##*:}
    alive "$f" "$comm" || continue
    p=$(cat "$f"); kill "$p" 2>/dev/null || true
    # A zombie counts as gone: PID 1 in some containers reaps late.
    for _ in $(seq 100); do alive "$f" "$comm" || break; sleep 0.1; done
    log "stopped $comm"
  done
}

stop_daemons() { stop_pids "$BASE"/slurmd.pid:slurmd "$BASE"/slurmctld.pid:slurmctld; }

down() { stop_pids "$BASE"/slurmd.pid:slurmd "$BASE"/slurmctld.pid:slurmctld "$BASE"/munge/munged.pid:munged; }

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) alive "$BASE"/slurmctld.pid slurmctld && alive "$BASE"/slurmd.pid slurmd && case "$(node_state)" in idle*|mixed*|allocated*) exit 0 ;; *) exit 1 ;; esac ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
