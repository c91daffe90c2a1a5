# Helpers for end-to-end tests on the real cluster that tests/cluster/cluster.sh started.
# A test sources this file, runs jobs as the unprivileged test user, and fails with `die`.
set -euo pipefail
# preempt_lib.sh sources this file again: once is enough (a second time would forget the exit
# actions already registered).
if [ -n "${GP_LIB_SOURCED:-}" ]; then return 0; fi
GP_LIB_SOURCED=1
# Every bound on a wait is multiplied by this: 1 on real hardware; the VMs of tests/vm/ run under
# software emulation, several times slower, and set GP_TIME_SCALE (tests/vm/e2e.sh).
TIME_SCALE=${GP_TIME_SCALE:-1}

GP_SOURCE_DIR=${GP_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CLUSTER="$GP_SOURCE_DIR/tests/cluster/cluster.sh"
# The cluster CTest gave this test (cluster.sh reads it from CTest's resource variables).
eval "$("$CLUSTER" env)"
GP_PLUGIN=${GP_PLUGIN:-$(ls /usr/lib/*/slurm-wlm/gracepack.so 2>/dev/null | head -n1)}
SLURMD_LOG="$GP_CLUSTER_DIR/log/slurmd.log"
# The test's working directory, the test user's, inside the cluster's directory.
new_work() {
  WORK=$(mktemp -d "$GP_CLUSTER_DIR/work/$(basename "$0" .sh).XXXX")
  chown "$GP_TEST_USER" "$WORK"
  chmod 755 "$WORK"
  cd "$WORK"
}
new_work

die() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
# install_memlimit: $WORK/memlimit prints the memory limit of the cgroup it runs in (v1:
# memory.limit_in_bytes of its memory cgroup; v2: memory.max of its cgroup), for packed tasks.
install_memlimit() {
  install -m 755 /dev/stdin "$WORK/memlimit" <<'SH'
#!/bin/sh
if grep -q ':memory:' /proc/self/cgroup; then
  cat "/sys/fs/cgroup/memory$(grep ':memory:' /proc/self/cgroup | cut -d: -f3)/memory.limit_in_bytes"
else
  cat "/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/self/cgroup)/memory.max"
fi
SH
}
# cpus_disjoint LIST...: the CPU lists ("0-1,3") share no CPU (compared as sets: "0-1" and "1"
# overlap although the strings differ).
cpus_disjoint() {
  local l r a b seen=" "
  for l in "$@"; do
    for r in ${l//,/ }; do
      a=${r%-*} b=${r#*-}
      for ((c = a; c <= b; c++)); do
        case "$seen" in *" $c "*) return 1 ;; esac
        seen+="$c "
      done
    done
  done
}
# skip REASON: this configuration cannot have what the test needs; CTest counts it as skipped.
skip() { echo "skip: $*"; exit 77; }

# Runs a command as the test user in $WORK; stdout and stderr as the command leaves them.
as_user() { runuser -u "$GP_TEST_USER" -- "$@"; }
# slurm_release: "22.05.8"; slurm_mmmm: 2205. extern_placeholder: Slurm runs a placeholder process
# in the extern step (up to 24.11; removed in 25.05, where gracepack starts its own).
slurm_release() { slurmd -V | awk '{print $2}'; }
slurm_mmmm() { slurm_release | awk '{split($1, v, "."); printf "%d%02d\n", v[1], v[2]}'; }
extern_placeholder() { [ "$(slurm_mmmm)" -lt 2505 ]; }

# Every test leaves the cluster as it found it, whether it passes or fails, so that one failing
# test cannot hold the node and fail the ones after it: on exit its jobs are cancelled, the actions
# it registered with on_exit run (last first), and a node that is no longer up fails the test.
EXIT_ACTIONS=()
on_exit() { EXIT_ACTIONS=("$1" "${EXIT_ACTIONS[@]}"); }
# clear_jobs: cancel every job of the test user and wait until none is left active.
# scancel is repeated: it skips a job caught between its requeue and its restart, which then runs.
clear_jobs() {
  local left i failed=0
  for i in $(seq $((120 * TIME_SCALE))); do
    [ $((i % 4)) = 1 ] && { timeout 10 scancel -u "$GP_TEST_USER" 2>/dev/null || true; }
    # A failing squeue (slurmctld away) is no answer, not "no jobs left"; six in a row (a cluster
    # that is down, e.g. one that failed to start) end the wait instead of an hour of timeouts.
    left=$(timeout 10 squeue -h -u "$GP_TEST_USER" -o %i 2>/dev/null) || {
      left="(squeue failed)"
      failed=$((failed + 1))
      [ "$failed" -lt 6 ] || break
      sleep 0.5
      continue
    }
    failed=0
    [ -z "$left" ] && return 0
    sleep 0.5
  done
  echo "jobs still active after scancel: $left" >&2
  return 1
}
# Nodes of the cluster that are not up (idle, mixed or allocated), as "NAME STATE" lines.
nodes_not_up() {
  local out
  out=$(timeout 10 sinfo -h -N -o '%N %t' 2>/dev/null) || { echo "(sinfo failed)"; return; }
  [ -n "$out" ] || { echo "(sinfo listed no node)"; return; }
  sort -u <<<"$out" | awk '$2 !~ /^(idle|mix|alloc)$/' || true
}
# nodes_up_within SECONDS: waits until every node is up; prints the ones that are not after that.
nodes_up_within() {
  local bad end=$((SECONDS + $1 * TIME_SCALE))
  while true; do
    bad=$(nodes_not_up)
    [ -z "$bad" ] && return 0
    # A deadline, not a count: sinfo against a slurmctld that is down takes its 10 s each time.
    [ "$SECONDS" -lt "$end" ] || break
    sleep 1
  done
  echo "$bad"
}
finish_test() {
  local rc=$? a bad n cleared=1
  set +e
  clear_jobs || { rc=1 cleared=0; }
  bad=$(nodes_up_within 30)
  if [ -n "$bad" ]; then
    echo "FAIL: the test left nodes not up: $bad; $(sinfo -h -R)" >&2
    # What slurmd said about it, before a restart of the cluster loses its log.
    grep -hiE "error|drain|epilog|prolog" "$GP_CLUSTER_DIR"/log/slurmd*.log 2>/dev/null | tail -n 30 >&2
    for n in $(awk '{print $1}' <<<"$bad"); do scontrol update nodename="$n" state=resume 2>/dev/null; done
    rc=1
  fi
  for a in "${EXIT_ACTIONS[@]}"; do eval "$a"; done
  # An exit action may have brought slurmctld back: the jobs it could not cancel before go now.
  [ "$cleared" = 1 ] || clear_jobs
  # The exit actions may have restarted the cluster or changed its configuration: its nodes must
  # be up after them too, for the next test.
  if [ "${#EXIT_ACTIONS[@]}" -gt 0 ]; then
    bad=$(nodes_up_within 30)
    [ -z "$bad" ] || { echo "FAIL: after the test's exit actions, nodes not up: $bad" >&2; rc=1; }
  fi
  exit "$rc"
}
trap finish_test EXIT
# A command that fails under `set -e` (a `x=$(...)` included) says which, instead of a silent exit.
trap 'echo "FAIL: line $LINENO: \"$BASH_COMMAND\" exited $?" >&2' ERR
# A test killed by CTest's timeout never ran its exit trap: clear what it left.
if [ -n "$(timeout 10 squeue -h -u "$GP_TEST_USER" -o %i 2>/dev/null || true)" ]; then
  echo "note: cancelling jobs an earlier test left behind" >&2
  clear_jobs || true
fi

# Sets the cluster's plugstack line for this test and puts the default back when the test ends.
use_plugstack() {
  "$CLUSTER" plugstack "$1"
  on_exit '"$CLUSTER" plugstack "required $GP_PLUGIN"'
}

# wait_until SECONDS WHAT CMD...: polls CMD until it succeeds; after SECONDS the test fails and
# says what it was waiting for. Tests wait for the event they need, never a fixed time.
wait_until() {
  local limit=$(($1 * TIME_SCALE)) what=$2 end
  shift 2
  end=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$end" ] || die "waited ${limit} s for $what"
    sleep 0.2
  done
}

# job_state ID: slurmctld's state of job ID ("COMPLETING" while its epilog runs).
job_state() { scontrol -o show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'; }
# job_over ID: the job has ended and its epilog has finished (slurmctld clears COMPLETING then).
job_over() { case "$(job_state "$1")" in COMPLETED|CANCELLED|FAILED|TIMEOUT|PREEMPTED|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE) return 0 ;; esac; return 1; }
# job_running ID
job_running() { [ "$(job_state "$1")" = RUNNING ]; }

# job_cgroup ID: the job's cgroup directory in the hierarchy proctrack uses (v1: freezer; v2: the
# unified one, where 26.05 names the job's directory after its SLUID), found from one of the
# job's slurmstepd processes.
job_cgroup() {
  local pid path
  pid=$(pgrep -f "^slurmstepd: \[$1\.(batch|extern|[0-9]+)\]" | head -n1)
  [ -n "$pid" ] || return 1
  if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
    path=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
    path=/sys/fs/cgroup${path%%/step_*}
  else
    path=$(awk -F: '$2 ~ /(^|,)freezer(,|$)/ {print $3}' "/proc/$pid/cgroup")
    path=/sys/fs/cgroup/freezer${path%%/step_*}
  fi
  case "${path##*/}" in "job_$1"|s?????????????) ;; *) return 1 ;; esac
  [ -d "$path" ] && echo "$path"
}

# Number of jobs slurmctld knows of (MinJobAge keeps finished ones for minutes).
job_count() { scontrol -o show jobs 2>/dev/null | grep -c '^JobId=' || true; }

# Waits until job $1 has left PENDING/RUNNING/COMPLETING; prints its final state.
wait_job() {
  local id=$1 timeout=${2:-120} state=""
  for _ in $(seq $((timeout * 2))); do
    state=$(scontrol -o show job "$id" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
    case "$state" in PENDING|RUNNING|COMPLETING|CONFIGURING|SUSPENDED|"") sleep 0.5 ;; *) echo "$state"; return 0 ;; esac
  done
  echo "TIMEOUT($state)"
}

# Log lines slurmd and slurmstepd wrote since this test began.
LOG_START=$(wc -l < "$SLURMD_LOG" 2>/dev/null || echo 0)
new_log() { tail -n +"$((LOG_START + 1))" "$SLURMD_LOG"; }

# restart_cluster [start ARGS]: a fresh cluster (which removes the old one's directory, this
# test's working directory with it); the test goes on in a new working directory.
restart_cluster() {
  cd /
  "$CLUSTER" restart "$@" >/dev/null || return 1
  new_work
  LOG_START=0
}

# Copies a test helper binary where the test user can run it.
user_copy() { install -m 755 -o "$GP_TEST_USER" "$1" "$WORK/"; echo "$WORK/$(basename "$1")"; }

# The node must still take jobs: gracepack never drains it.
assert_node_up() {
  local s; s=$(sinfo -h -n "$GP_NODE" -o %t)
  case "$s" in idle|mix|alloc|comp*) ;; *) die "node is $s: $(sinfo -R)";; esac
}

# log_has PATTERN: the slurmd log (since this test began) has a line matching PATTERN, waiting up
# to 10 s for slurmstepd's last lines. Not `new_log | grep -q`: under pipefail, grep -q leaving
# early kills tail with SIGPIPE and the pipeline fails although the line is there.
log_has() {
  for _ in $(seq $((40 * TIME_SCALE))); do
    grep -q -- "$1" < <(new_log) && return 0
    sleep 0.25
  done
  return 1
}
