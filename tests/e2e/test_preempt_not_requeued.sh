#!/usr/bin/env bash
# gracepack requeues preemptions only: not a job its user cancels, one that completes, one that
# hits its time limit, nor a job without the option in the -grace partition.
source "$(dirname "$0")/preempt_lib.sh"

id=$(submit_low low-grace --requeue --preempt-requeue job.sh)
as_user scancel "$id"
wait_ended "$id" 60 1
[ "$(field "$id" Restarts)" = 0 ] || die "a cancelled job was requeued"
grep -q "is being preempted" out.txt && die "a cancelled job was told it was preempted"
[ "$(audit_events "$id")" = "no-requeue " ] || die "cancel audit: $(audit_events "$id")"
grep "\"job_id\":$id," "$AUDIT" | grep -q '"reason":"cancelled by a user"' || die "cancel reason missing"
pass "scancel: not requeued, no notice, audit says cancelled by a user"

id=$(as_user sbatch --parsable -p low-grace --requeue --preempt-requeue -o done.txt --wrap 'echo done')
wait_ended "$id" 60 1
[ "$(field "$id" Restarts)" = 0 ] || die "a completed job was requeued"
grep "\"job_id\":$id," "$AUDIT" | grep -q '"reason":"completed without preemption"' || die "completion reason missing"
pass "completed job: not requeued"

id=$(as_user sbatch --parsable -p low-grace --requeue --preempt-requeue --time=1 -o tl.txt --wrap 'sleep 300')
wait_ended "$id" 150 1
[ "$(field "$id" Restarts)" = 0 ] || die "a timed-out job was requeued"
grep "\"job_id\":$id," "$AUDIT" | grep -q '"cause":"time_limit"' || die "time limit cause missing"
pass "time limit: not requeued, cause time_limit"

rm -f out.txt ckpt
id=$(submit_low low-grace --requeue job.sh)
preempt >/dev/null
wait_ended "$id" 30
[ "$(field "$id" Restarts)" = 0 ] || die "a job without the option was requeued"
grep -q "app: notice" out.txt && die "a job without the option got gracepack's notice"
grep -q "\"job_id\":$id," "$AUDIT" 2>/dev/null && die "a job without the option has audit records"
pass "job without --preempt-requeue in -grace: $(field "$id" JobState), not requeued, no notice"
