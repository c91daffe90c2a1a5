#!/usr/bin/env bash
# slurmctld goes away during a job's grace period and comes back: stopped cleanly (TERM), or
# crashed (KILL, no state saved at exit). The job's app has its notice before slurmctld goes and
# ends while it is away. Slurm runs the job epilog only once slurmctld is back and has ended the
# job, so gracepack's decision waits for it: the job is requeued exactly once, resumes from its
# checkpoint, and slurmctld's log, its restart count and gracepack's audit agree.
source "$(dirname "$0")/preempt_lib.sh"
on_exit '"$CLUSTER" daemon start slurmctld'

for how in stop kill; do
  rm -f ckpt out.txt
  id=$(submit_low low-grace --requeue --preempt-requeue --export=ALL,CKPT=2 job.sh)
  preempt >/dev/null
  for _ in $(seq 40); do grep -q '^app: notice' out.txt && break; sleep 0.25; done
  grep -q '^app: notice' out.txt || die "job $id: no notice"
  "$CLUSTER" daemon "$how" slurmctld
  sleep 20  # the app checkpoints and exits; the grace period ends; slurmctld is away
  grep -q '^app: checkpoint written' out.txt || die "job $id: the app did not checkpoint: $(cat out.txt)"
  "$CLUSTER" daemon start slurmctld
  wait_requeued "$id" >/dev/null
  grep -q "job: resumed from checkpoint" out.txt || die "job $id did not resume: $(cat out.txt)"
  check_ledger "$id" 1
  [ "$(audit_events "$id")" = "notice requeue no-requeue " ] || die "audit events: $(audit_events "$id")"
  pass "slurmctld $how (SIG$([ "$how" = stop ] && echo TERM || echo KILL)) for 20 s in the grace period: job $id requeued exactly once, resumed"
done
