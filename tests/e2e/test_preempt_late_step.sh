#!/usr/bin/env bash
# Issue 9 item 3: the user guide's flow. The program saves and exits on the notice; the batch
# script goes on and starts one more srun step inside the grace period. That step must not start
# a second watcher that repeats the notice and kills the batch shell before the deadline: the late
# step and the script finish, the notice is given once, and the job is requeued once.
source "$(dirname "$0")/preempt_lib.sh"
cat > late.sh <<'JOB'
#!/bin/bash
echo "job: start restart=${SLURM_RESTART_COUNT:-0}"
if [ -f ckpt ]; then echo "job: resumed from checkpoint"; exit 0; fi
./app.sh
echo "job: app exited $?"
srun -n1 bash -c 'trap "echo late: got TERM" TERM; trap "echo late: got USR1" USR1
  for i in $(seq 40); do sleep 0.2; done; echo "late step done"'
echo "job: script done"
JOB
chmod 755 late.sh; chown "$GP_TEST_USER" late.sh
id=$(submit_low low-grace --requeue --preempt-requeue --export=ALL,CKPT=1 late.sh)
preempt >/dev/null
wait_requeued "$id" >/dev/null
cat out.txt
grep -q "late step done" out.txt || die "the late srun step was killed: $(cat out.txt)"
grep -q "job: script done" out.txt || die "the batch script was killed before its end"
[ "$(grep -c 'is being preempted' out.txt)" = 1 ] || die "the notice was given more than once"
[ "$(grep -c '^app: notice at' out.txt)" = 1 ] || die "the app got more than one notice"
# A second watcher, started by the late step, would say nothing on stderr (srun steps' watchers are
# quiet) but signal the step's processes: the late step traps both signals (issue 21 item 13).
grep -q "^late: got" out.txt && die "the late step was signalled again: $(grep '^late: got' out.txt)"
check_ledger "$id" 1
pass "a step started after the notice ran to its end; one notice, one requeue"
