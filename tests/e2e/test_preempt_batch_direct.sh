#!/usr/bin/env bash
# A --preempt-requeue job whose script runs a program directly (no srun, no trap) is preempted in
# the -grace partition: the program hears of it within 2 s of the grace start, reads the deadline,
# checkpoints for 6 s and exits; the job is requeued once, restarts, resumes and completes.
source "$(dirname "$0")/preempt_lib.sh"
id=$(submit_low low-grace --requeue --preempt-requeue job.sh)
t0=$(preempt)
wait_state "$id" COMPLETED 120
for _ in $(seq 60); do [ "$(field "$id" Restarts)" = 1 ] && break; sleep 0.5; done
[ "$(field "$id" Restarts)" = 1 ] || die "job $id was not requeued: $(cat out.txt)"
wait_state "$id" COMPLETED 120
cat out.txt
t1=$(sed -n 's/^app: notice at //p' out.txt)
[ -n "$t1" ] || die "the app got no notice"
latency=$(echo "$t1 - $t0" | bc)
echo "notice latency after the preemptor was submitted: ${latency} s"
[ "$(echo "$latency < 2" | bc)" = 1 ] || die "notice came ${latency} s after the preemption"
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
