#!/usr/bin/env bash
# A --preempt-requeue job whose script runs a program directly (no srun, no trap) is preempted in
# the -grace partition: the program hears of it within 2 s of the grace start, reads the deadline,
# checkpoints for 6 s and exits; the job is requeued once, restarts, resumes and completes.
source "$(dirname "$0")/preempt_lib.sh"
id=$(submit_low low-grace --requeue --preempt-requeue job.sh)
t0=$(preempt)
wait_requeued "$id"
latency=$(notice_latency "$t0" 2)
echo "notice latency after the preemptor was submitted: ${latency} s"
from_grace=$(grace_latency "$id")
echo "notice latency after slurmctld's grace start (whole seconds): ${from_grace} s"
grep -q "app: cause=preemption" out.txt || die "notice file does not say preemption"
deadline=$(sed -n 's/.*deadline=\([0-9]*\).*/\1/p' out.txt)
notice=$(sed -n 's/.*notice_time=\([0-9]*\) .*/\1/p' out.txt)
# The notice file's grace start and deadline against slurmctld's PreemptTime (issue 21 item 9).
preempt=$(grep "\"job_id\":$id," "$AUDIT" | grep '"event":"notice"' | sed -n 's/.*"preempt_time":\([0-9]*\).*/\1/p')
[ "$deadline" = $((preempt + GRACE)) ] || die "deadline $deadline is not slurmctld's grace start $preempt + $GRACE"
[ "$notice" -ge "$preempt" ] && [ "$notice" -le $((preempt + 2 * TIME_SCALE)) ] \
  || die "the notice file's time $notice is not within $((2 * TIME_SCALE)) s of slurmctld's grace start $preempt"
grep -q "gracepack: job $id is being preempted; it will be killed at" out.txt || die "no notice line on the job's stderr"
grep -q "app: checkpoint written" out.txt || die "the app did not finish its checkpoint"
grep -q "job: start restart=1" out.txt || die "the restarted job did not see SLURM_RESTART_COUNT=1"
grep -q "job: resumed from checkpoint" out.txt || die "the restarted job did not find its checkpoint"
[ "$(audit_events "$id")" = "notice requeue no-requeue " ] || die "audit events: $(audit_events "$id")"
[ -e "$GP_STATE_DIR/$id" ] && die "the job's notice directory was left behind"
pass "batch-direct app: notice ${from_grace} s after grace start (${latency} s after the preemptor), checkpoint, 1 requeue, resumed, completed"
