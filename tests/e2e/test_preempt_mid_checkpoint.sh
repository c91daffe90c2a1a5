#!/usr/bin/env bash
# A job still saving its work at the deadline is killed by Slurm (PreemptMode=CANCEL ends it
# PREEMPTED) and is requeued all the same, once.
source "$(dirname "$0")/preempt_lib.sh"
id=$(submit_low low-grace --requeue --preempt-requeue --export=ALL,CKPT=300 job.sh)
preempt >/dev/null
wait_until 80 "the requeue of job $id" decided "$id" 1
cat out.txt
[ "$(field "$id" Restarts)" = 1 ] || die "job $id killed mid-checkpoint was not requeued"
grep -q "^app: cause=preemption" out.txt || die "no notice"
grep -q "app: checkpoint written" out.txt && die "the checkpoint should not have finished"
grep "\"job_id\":$id," "$AUDIT" | grep '"event":"requeue"' | grep -q '"state":"PREEMPTED"' \
  || die "no requeue of the PREEMPTED job in the audit log: $(grep "\"job_id\":$id," "$AUDIT")"
as_user scancel "$id"
pass "killed mid-checkpoint at the deadline (PREEMPTED): requeued once"
