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
grep -q "app: cause=preemption" out.txt || die "notice file does not say preemption"
deadline=$(sed -n 's/.*deadline=\([0-9]*\).*/\1/p' out.txt)
notice=$(sed -n 's/.*notice_time=\([0-9]*\) .*/\1/p' out.txt)
[ $((deadline - notice)) = "$GRACE" ] || die "deadline $deadline is not grace start $notice + $GRACE"
grep -q "gracepack: job $id is being preempted; it will be killed at" out.txt || die "no notice line on the job's stderr"
grep -q "app: checkpoint written" out.txt || die "the app did not finish its checkpoint"
grep -q "job: start restart=1" out.txt || die "the restarted job did not see SLURM_RESTART_COUNT=1"
grep -q "job: resumed from checkpoint" out.txt || die "the restarted job did not find its checkpoint"
[ "$(audit_events "$id")" = "notice requeue no-requeue " ] || die "audit events: $(audit_events "$id")"
[ -e "/run/gracepack/$id" ] && die "the job's notice directory was left behind"
pass "batch-direct app: notice ${latency} s after preemption, checkpoint, 1 requeue, resumed, completed"
