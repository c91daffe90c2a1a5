#!/usr/bin/env bash
# Issue 17: the grace start is an event on every release, at no cost to slurmctld, and the
# extern step's placeholder (Slurm's own up to 24.11, gracepack's from 25.05) never holds a node.
# (1) An unpreempted --preempt-requeue job that runs a minute makes no RPC to slurmctld while it
#     runs and at its end (sdiag, the types gracepack sends); the placeholder is one `sleep` of
#     root's in the extern step, a child of its slurmstepd.
# (2) Every way a job can end with the placeholder there leaves the node idle, the job's cgroups
#     gone within KillWait + 5 s and no process behind: normal end, scancel, time limit, scancel of
#     a suspended job, `scontrol requeue`, the placeholder killed with SIGKILL by root (the job runs
#     on; its watcher then reads the job, once per job).
source "$(dirname "$0")/preempt_lib.sh"
KILLWAIT=5
# The RPC types gracepack sends (a read of one job, a requeue); the test itself waits with squeue
# over all jobs (another type) while it counts.
rpcs() {
  sdiag | awk '/REQUEST_JOB_INFO_SINGLE|REQUEST_JOB_REQUEUE/ {sub(/.*count:/, ""); n += $1} END {print n + 0}'
}
# extern_placeholders ID: "PID PPID UID COMM" of each process in the job's extern step.
extern_placeholders() {
  local dir; dir=$(job_cgroup "$1")/step_extern
  [ -d "$dir" ] || return 0
  find "$dir" -name cgroup.procs -exec cat {} + | while read -r p; do
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" = slurmstepd ] && continue
    echo "$p $(awk '{print $4}' "/proc/$p/stat" 2>/dev/null) $(stat -c %u "/proc/$p" 2>/dev/null) $(cat "/proc/$p/comm" 2>/dev/null)"
  done
}
has_placeholder() { [ -n "$(extern_placeholders "$1")" ]; }
# ended_clean ID CGROUP PLACEHOLDER: the job is over, its cgroup directory gone, its extern
# placeholder (pid) gone, the node idle.
cgroup_gone() { [ -n "$1" ] && [ ! -d "$1" ]; }
pid_gone() { [ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
ended_clean() {
  [ -n "$2" ] || die "job $1 had no cgroup to watch"
  wait_until 120 "the end of job $1" job_over "$1"
  wait_until $((KILLWAIT + 5)) "job $1's cgroups to go ($2)" cgroup_gone "$2"
  wait_until 5 "job $1's placeholder ($3) to go" pid_gone "$3"
  assert_node_up
}

# (1) A minute unpreempted: 0 RPCs while it runs and at its end.
id=$(as_user sbatch --parsable -p low-grace -n1 --requeue --preempt-requeue -o quiet.txt --wrap 'sleep 60; echo done')
wait_until 30 "job $id's watcher" watcher_watching "$id"
wait_until 10 "job $id's extern placeholder" has_placeholder "$id"
read -r pid ppid uid comm < <(extern_placeholders "$id" | head -n1)
[ "$uid" = 0 ] && [ "$comm" = sleep ] || die "the extern placeholder is $comm of uid $uid"
[ "$(cat "/proc/$ppid/comm")" = slurmstepd ] || die "the placeholder's parent is $(cat "/proc/$ppid/comm"), not slurmstepd"
[ "$(extern_placeholders "$id" | wc -l)" = 1 ] || die "more than one process in the extern step: $(extern_placeholders "$id")"
before=$(rpcs)
cg=$(job_cgroup "$id")
[ -n "$cg" ] || die "job $id has no cgroup"
listed() { squeue -h -o %i | grep -qx "$1"; }
gone() { ! listed "$1"; }
wait_until 120 "the end of job $id (no longer listed, its epilog done)" gone "$id"
wait_until 30 "the epilog's decision about job $id" decided "$id" 1
after=$(rpcs)
wait_until $((KILLWAIT + 5)) "job $id's cgroups to go ($cg)" cgroup_gone "$cg"
wait_until 5 "job $id's placeholder ($pid) to go" pid_gone "$pid"
assert_node_up
grep -q done quiet.txt || die "job $id did not finish"
[ "$((after - before))" = 0 ] || die "an unpreempted --preempt-requeue job made $((after - before)) RPCs"
pass "(1) an unpreempted minute-long job: 0 RPCs to slurmctld; its extern placeholder: one sleep of root's, child of slurmstepd"

# (2) Every way to end with the placeholder there.
for how in scancel timelimit suspended requeue sigkill; do
  extra=()
  [ "$how" = timelimit ] && extra=(-t 0:15)
  id=$(as_user sbatch --parsable -p low-grace -n1 --requeue --preempt-requeue "${extra[@]}" -o "$how.txt" \
    --wrap 'echo start; sleep 300')
  wait_until 30 "job $id's watcher" watcher_watching "$id"
  wait_until 10 "job $id's extern placeholder" has_placeholder "$id"
  cg=$(job_cgroup "$id")
  read -r holder _ < <(extern_placeholders "$id" | head -n1)
  case $how in
    scancel) as_user scancel "$id" ;;
    timelimit) : ;;  # its 15 s run out
    suspended)
      scontrol suspend "$id"
      wait_until 20 "job $id suspended" test "$(job_state "$id")" = SUSPENDED
      as_user scancel "$id" ;;
    requeue)
      scontrol requeue "$id"
      for _ in $(seq $((60 * TIME_SCALE))); do [ "$(field "$id" Restarts)" = 1 ] && break; sleep 0.5; done
      [ "$(field "$id" Restarts)" = 1 ] || die "job $id was not requeued"
      wait_until $((KILLWAIT + 5)) "job $id's first run's cgroups to go" cgroup_gone "$cg"
      assert_node_up
      wait_until 120 "job $id's second run" job_running "$id"
      wait_until 5 "the first run's placeholder ($holder) to go" pid_gone "$holder"
      wait_until 10 "the second run's extern placeholder" has_placeholder "$id"
      cg=$(job_cgroup "$id")
      read -r holder _ < <(extern_placeholders "$id" | head -n1)
      as_user scancel "$id" ;;
    sigkill)
      read -r pid _ < <(extern_placeholders "$id" | head -n1)
      kill -KILL "$pid"
      # The job runs on; its watcher read the job once (still running) and stays.
      reacted() { grep -q '^start_time=' "$GP_STATE_DIR/$id/watcher"; }
      wait_until 30 "job $id's watcher to read the job" reacted
      job_running "$id" || die "job $id ended when its placeholder was killed"
      watcher_watching "$id" || die "job $id's watcher left when its placeholder was killed"
      as_user scancel "$id" ;;
  esac
  ended_clean "$id" "$cg" "$holder"
  pgrep -u "$GP_TEST_USER" -f 'sleep 300' >/dev/null && die "a process of job $id outlived it ($how)"
  pass "(2) $how: job $id over, its cgroups gone within $((KILLWAIT + 5)) s, node idle, nothing left"
done
