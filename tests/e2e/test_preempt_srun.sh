#!/usr/bin/env bash
# The same with the program under srun in the batch script. (Slurm itself sends SIGTERM to srun
# steps at grace start, so a program under srun must handle SIGTERM whatever signal is chosen.)
source "$(dirname "$0")/preempt_lib.sh"
id=$(submit_low low-grace --requeue --preempt-requeue --export=ALL,LAUNCH=srun job.sh)
t0=$(preempt)
for _ in $(seq 120); do [ "$(field "$id" Restarts)" = 1 ] && break; sleep 0.5; done
[ "$(field "$id" Restarts)" = 1 ] || die "job $id was not requeued: $(cat out.txt)"
wait_state "$id" COMPLETED 120
cat out.txt
t1=$(sed -n 's/^app: notice at //p' out.txt | head -n1)
[ -n "$t1" ] || die "the srun app got no notice"
latency=$(echo "$t1 - $t0" | bc)
echo "notice latency (srun step): ${latency} s"
[ "$(echo "$latency < 2" | bc)" = 1 ] || die "notice came ${latency} s after the preemption"
grep -q "app: cause=preemption" out.txt || die "the srun app did not read the notice file"
grep -q "app: checkpoint written" out.txt || die "the srun app did not finish its checkpoint"
grep -q "job: resumed from checkpoint" out.txt || die "restart did not resume"
[ "$(field "$id" Restarts)" = 1 ] || die "requeued more than once"
pass "srun app: notice ${latency} s after preemption, requeued once, resumed"
