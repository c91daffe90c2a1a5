#!/usr/bin/env bash
# Issue 9 item 5: `scancel --signal=USR1` before the preemption (a common way to ask a job for a
# checkpoint) kills Slurm's extern placeholder (up to 24.11), which the watcher waits on. The
# watcher must keep watching (by polling now), so the later preemption still brings the notice,
# once. gracepack's own placeholder (Slurm 25.05+) ignores USR1: it stays, the watcher reads
# nothing, and the preemption is an event.
PREEMPT_KEYS="poll_interval=2" source "$(dirname "$0")/preempt_lib.sh"
id=$(submit_low low-grace --requeue --preempt-requeue job.sh)
extern_sleep() { # the extern step's placeholder of job $1, if it still runs
  local dir
  local dir comms
  dir=$(job_cgroup "$1")/step_extern
  [ -d "$dir" ] || return 1
  comms=$(find "$dir" -name cgroup.procs -exec cat {} + | while read -r p; do
    cat "/proc/$p/comm" 2>/dev/null; done)
  [[ $'\n'$comms$'\n' == *$'\n'sleep$'\n'* ]]
}
wait_until 20 "job $id's extern placeholder" extern_sleep "$id"
as_user scancel --signal=USR1 "$id"
if extern_placeholder; then
  placeholder_gone() { ! extern_sleep "$1"; }
  wait_until 20 "the placeholder's death" placeholder_gone "$id"
  # The watcher has seen it: it read the job (still running) or, wrongly, gave up and left.
  reacted() { grep -q '^start_time=' "$GP_STATE_DIR/$1/watcher" 2>/dev/null || ! watcher_watching "$1"; }
  wait_until 20 "the watcher's reaction to the placeholder's death" reacted "$id"
else
  # Once the extern step has handled the USR1, gracepack's placeholder is still there and the
  # watcher has read nothing.
  wait_until 20 "the extern step's USR1" log_has "_handle_signal_container for StepId=$id.extern .*signal=10"
  extern_sleep "$id" || die "USR1 ended gracepack's placeholder in the extern step"
  grep -q '^start_time=' "$GP_STATE_DIR/$id/watcher" && die "the watcher read the job at a USR1"
  watcher_watching "$id" || die "the watcher left at a USR1"
fi
job_running "$id" || die "scancel --signal=USR1 ended the job"
grep -q "app: notice" out.txt && die "the USR1 was taken for a preemption"
t0=$(preempt)
wait_requeued "$id" >/dev/null
cat out.txt
latency=$(notice_latency "$t0" 5)
[ "$(grep -c 'is being preempted' out.txt)" = 1 ] || die "not exactly one notice line"
[ "$(grep -c '^app: notice at' out.txt)" = 1 ] || die "the app did not get exactly one notice"
check_ledger "$id" 1
pass "after scancel --signal=USR1 the watcher kept watching: notice ${latency} s after the preemption, once; one requeue"
