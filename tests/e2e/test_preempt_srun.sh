#!/usr/bin/env bash
# The same with the program under srun in the batch script. (Slurm itself sends SIGTERM to srun
# steps at grace start, so a program under srun must handle SIGTERM whatever signal is chosen.)
source "$(dirname "$0")/preempt_lib.sh"
id=$(submit_low low-grace --requeue --preempt-requeue --export=ALL,LAUNCH=srun job.sh)
# The srun step's tasks must be up first: a step whose slurmstepd is still starting misses
# Slurm's grace-start SIGTERM (seen on 24.11 under emulation: "sending signal 15 to all steps"
# 0.3 s before step 0 had started its tasks; they heard only the deadline's).
all_ready() { [ "$(grep -c '^app: ready' out.txt)" -ge "$NCPU" ]; }  # one task per CPU
wait_until 60 "the srun app's signal handlers" all_ready
t0=$(preempt)
wait_requeued "$id"
latency=$(notice_latency "$t0" 2)
from_grace=$(grace_latency "$id")
echo "notice latency (srun step): ${latency} s after the preemptor, ${from_grace} s after slurmctld's grace start"
grep -q "app: cause=preemption" out.txt || die "the srun app did not read the notice file"
grep -q "app: checkpoint written" out.txt || die "the srun app did not finish its checkpoint"
grep -q "job: resumed from checkpoint" out.txt || die "restart did not resume"
[ "$(field "$id" Restarts)" = 1 ] || die "requeued more than once"
pass "srun app: notice ${latency} s after preemption, requeued once, resumed"
