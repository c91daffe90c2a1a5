#!/usr/bin/env bash
# PreemptMode=REQUEUE (here with a GraceTime): gracepack still delivers the notice, and the job is
# requeued exactly once per preemption. (a) the app saves and exits inside its window: the job
# ends COMPLETED, which Slurm does not requeue, so gracepack does. (b) the app is still busy at
# the deadline (it dies mid-checkpoint): Slurm requeues it and gracepack does not again.
source "$(dirname "$0")/preempt_lib.sh"
sed -i 's/^if \[ -f ckpt \].*$/if [ -f ckpt ]; then echo "job: resumed from checkpoint"; sleep 1000; fi/' job.sh

id=$(submit_low low --requeue --preempt-requeue job.sh)
preempt >/dev/null
wait_until 60 "the epilog's decision about job $id" decided "$id" 1
wait_until 60 "job $id running again" job_running "$id"
cat out.txt
[ "$(field "$id" Restarts)" = 1 ] || die "(a) job $id restarted $(field "$id" Restarts) times, expected 1"
grep -q "^app: cause=preemption" out.txt || die "(a) no notice in PreemptMode=REQUEUE"
# 22.05 ends such a job COMPLETED and leaves the requeue to gracepack; 26.05 requeues it itself
# (seen: the audit says "Slurm requeues this job itself"). Either way: one requeue, not two.
if grep "\"job_id\":$id," "$AUDIT" | grep -q '"event":"requeue"'; then
  by=gracepack
elif grep "\"job_id\":$id," "$AUDIT" | grep -q '"reason":"Slurm requeues this job itself"'; then
  by=Slurm
else
  die "(a) neither gracepack nor Slurm requeued the completed job: $(grep "\"job_id\":$id," "$AUDIT")"
fi
echo "note: (a) requeued by $by on Slurm $(slurm_release)" >&2
as_user scancel "$id"
wait_state "$id" CANCELLED 60
pass "(a) app done inside its window: notice, one requeue, by $by ($(audit_events "$id"))"

rm -f out.txt ckpt
id=$(submit_low low --requeue --preempt-requeue --export=ALL,CKPT=300 job.sh)
preempt >/dev/null
wait_until 80 "the epilog's decision about job $id" decided "$id" 1
wait_until 60 "job $id running again" job_running "$id"
cat out.txt
[ "$(field "$id" Restarts)" = 1 ] || die "(b) job $id restarted $(field "$id" Restarts) times, expected 1 (Slurm's own)"
grep -q "^app: cause=preemption" out.txt || die "(b) no notice"
grep "\"job_id\":$id," "$AUDIT" | grep -q '"event":"requeue"' && die "(b) gracepack requeued a job Slurm requeued"
grep "\"job_id\":$id," "$AUDIT" | grep -q '"reason":"Slurm requeues this job itself"' \
  || die "(b) audit does not say Slurm requeues it: $(grep "\"job_id\":$id," "$AUDIT")"
as_user scancel "$id"
pass "(b) app still busy at the deadline: notice, Slurm's requeue only ($(audit_events "$id"))"
