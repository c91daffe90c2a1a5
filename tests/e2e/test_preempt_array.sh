#!/usr/bin/env bash
# A preempted array task is requeued alone: the array's other task is not touched.
source "$(dirname "$0")/preempt_lib.sh"
# Each task needs every CPU, so task 0 runs while task 1 waits.
arr=$(as_user sbatch --parsable -p low-grace -n "$NCPU" --requeue --preempt-requeue --array=0-1 \
  --open-mode=append -o 'arr_%a.txt' --wrap 'echo "run ${SLURM_RESTART_COUNT:-0}"; if [ "${SLURM_RESTART_COUNT:-0}" = 0 ] && [ "$SLURM_ARRAY_TASK_ID" = 0 ]; then ./app.sh; fi')
for _ in $(seq 120); do [ "$(squeue -h -j "${arr}_0" -o %T 2>/dev/null)" = RUNNING ] && break; sleep 0.25; done
sleep 1
id0=$(squeue -h -j "${arr}_0" -o %A)  # the task's own job id
preempt >/dev/null
# Task 0 is requeued and reruns, then task 1 runs: the queue empties.
sleep 2
for _ in $(seq 240); do [ -z "$(squeue -h -u "$GP_TEST_USER" -o %i)" ] && break; sleep 0.5; done
cat arr_0.txt arr_1.txt
[ "$(field "$id0" Restarts)" = 1 ] || die "array task 0 (job $id0) restarted $(field "$id0" Restarts) times"
grep "\"job_id\":$id0," "$AUDIT" | grep '"event":"requeue"' | grep -q "\"array_job_id\":$arr,\"array_task_id\":0" \
  || die "no requeue record for array task 0: $(cat "$AUDIT")"
# Slurm keeps the array's own job id for one of its tasks; address the task as ARRAY_1.
[ "$(field "${arr}_1" JobState)" = COMPLETED ] || die "array task 1 did not run: $(field "${arr}_1" JobState)"
[ "$(field "${arr}_1" Restarts)" = 0 ] || die "array task 1 was requeued too"
[ "$(grep -c '^run' arr_1.txt)" = 1 ] || die "array task 1 ran more than once"
pass "array ${arr}: task 0 (job $id0) requeued once after preemption, task 1 untouched"
