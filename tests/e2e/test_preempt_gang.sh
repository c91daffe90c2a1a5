#!/usr/bin/env bash
# Issue 9 item 4: PreemptMode=SUSPEND,GANG. A preemption that suspends a job and resumes it later
# does not end the run: a suspended-then-resumed --preempt-requeue job gets no notice and no
# signal, completes once and is not requeued; both with Slurm's extern placeholder (the watcher
# waits on it) and without (the watcher polls slurmctld every 2 s).
PREEMPT_KEYS="poll_interval=2" source "$(dirname "$0")/preempt_lib.sh"
on_exit 'restart_cluster >/dev/null'
# 12 s of work; a SIGTERM would be noted.
write_work() {
  cat > work.sh <<'JOB'
#!/bin/bash
trap 'echo "job: got TERM"' TERM
for _ in $(seq 24); do sleep 0.5 & wait $!; done
echo "job: work done"
JOB
  chmod 755 work.sh
  chown "$GP_TEST_USER" work.sh
}
suspended() { [ "$(job_state "$1")" = SUSPENDED ]; }
for mode in contain no-contain; do
  args=(--gang)
  [ "$mode" = no-contain ] && args+=(--no-contain)
  restart_cluster "${args[@]}"
  use_plugstack "required $GP_PLUGIN audit_log=$AUDIT poll_interval=2"
  write_work
  id=$(as_user sbatch --parsable -p low-suspend -n "$NCPU" --mem=100M --requeue --preempt-requeue -o gang.txt work.sh)
  wait_until 30 "job $id running" job_running "$id"
  wait_until 20 "the watcher of job $id" watcher_watching "$id"
  as_user sbatch --parsable -p high -n "$NCPU" --mem=100M -o /dev/null --wrap 'sleep 4' >/dev/null
  wait_until 30 "job $id suspended by the gang scheduler" suspended "$id"
  wait_ended "$id" 90 1
  cat gang.txt
  [ "$(job_state "$id")" = COMPLETED ] || die "($mode) job $id ended $(job_state "$id")"
  grep -q "job: work done" gang.txt || die "($mode) the job did not finish its work"
  grep -q "got TERM" gang.txt && die "($mode) the resumed job was sent SIGTERM"
  grep -q "is being preempted" gang.txt && die "($mode) a suspension was taken for a preemption"
  [ "$(field "$id" Restarts)" = 0 ] || die "($mode) job $id was requeued"
  grep "\"job_id\":$id," "$AUDIT" | grep -q '"reason":"completed without preemption"' \
    || die "($mode) audit: $(grep "\"job_id\":$id," "$AUDIT")"
  pass "($mode) suspended by the gang scheduler and resumed: no notice, no signal, completed once"
done
