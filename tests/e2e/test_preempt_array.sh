#!/usr/bin/env bash
# A preempted array task is requeued alone: its siblings, running or done, are not touched.
# (a) the first task (split off with an id of its own) is preempted while the other waits;
# (b) issue 9 item 2: the last task dispatched, which holds the array's own job id, is preempted
# after its sibling completed: requeuing the bare id would requeue every task of the array and
# rerun the completed one; gracepack requeues ARRAY_TASK.
source "$(dirname "$0")/preempt_lib.sh"
queue_empty() { [ -z "$(squeue -h -u "$GP_TEST_USER" -o %i)" ]; }
task_running() { [ "$(squeue -h -j "$1" -o %T 2>/dev/null)" = RUNNING ]; }

# Each task needs every CPU, so one runs while the other waits. The task named by PREEMPTED runs
# the app on its first run; the other just says it ran.
array_job() {
  as_user sbatch --parsable -p low-grace -n "$NCPU" --requeue --preempt-requeue --array=0-1 \
    --open-mode=append -o "$1_%a.txt" --wrap "echo \"run \${SLURM_RESTART_COUNT:-0}\"; if [ \"\${SLURM_RESTART_COUNT:-0}\" = 0 ] && [ \"\$SLURM_ARRAY_TASK_ID\" = $2 ]; then ./app.sh; fi"
}

# (a)
arr=$(array_job a 0)
wait_until 30 "array task ${arr}_0 running" task_running "${arr}_0"
id0=$(squeue -h -j "${arr}_0" -o %A)  # the task's own job id
wait_until 20 "the watcher of array task ${arr}_0" watcher_watching "$id0"
preempt >/dev/null
wait_until 60 "the requeue of array task ${arr}_0" decided "$id0" 1
wait_until 120 "the array to finish" queue_empty
cat a_0.txt a_1.txt
[ "$(field "$id0" Restarts)" = 1 ] || die "array task 0 (job $id0) restarted $(field "$id0" Restarts) times"
grep "\"job_id\":$id0," "$AUDIT" | grep '"event":"requeue"' | grep -q "\"array_job_id\":$arr,\"array_task_id\":0" \
  || die "no requeue record for array task 0: $(cat "$AUDIT")"
# Slurm keeps the array's own job id for one of its tasks; address the task as ARRAY_1.
[ "$(field "${arr}_1" JobState)" = COMPLETED ] || die "array task 1 did not run: $(field "${arr}_1" JobState)"
[ "$(field "${arr}_1" Restarts)" = 0 ] || die "array task 1 was requeued too"
[ "$(grep -c '^run' a_1.txt)" = 1 ] || die "array task 1 ran more than once"
pass "(a) array ${arr}: task 0 (job $id0) requeued once after preemption, task 1 untouched"

# (b)
arr=$(array_job b 1)
wait_until 60 "array task ${arr}_1 running" task_running "${arr}_1"
id1=$(squeue -h -j "${arr}_1" -o %A)
[ "$id1" = "$arr" ] || die "array task 1 does not hold the array's id ($id1 vs $arr)"
wait_until 20 "the watcher of array task ${arr}_1" watcher_watching "$id1"
preempt >/dev/null
wait_until 60 "the requeue of array task ${arr}_1" decided "$id1" 1
wait_until 120 "the array to finish" queue_empty
cat b_0.txt b_1.txt
[ "$(grep -c '^run' b_0.txt)" = 1 ] || die "the completed task 0 ran again: $(cat b_0.txt)"
[ "$(field "${arr}_0" Restarts)" = 0 ] || die "array task 0 was requeued"
[ "$(field "${arr}_1" Restarts)" = 1 ] || die "array task 1 restarted $(field "${arr}_1" Restarts) times"
[ "$(grep -c '^run' b_1.txt)" = 2 ] || die "array task 1 did not run exactly twice: $(cat b_1.txt)"
# Issue 20: the preemption is counted on task 1 alone (its update named ARRAY_1, not the id it
# holds, which would reach every task of the array).
[ "$(field "${arr}_1" AdminComment)" = gracepack_preemptions=1 ] \
  || die "array task 1's AdminComment: '$(field "${arr}_1" AdminComment)'"
case "$(field "${arr}_0" AdminComment)" in ""|"(null)") ;; *) die "array task 0's AdminComment: '$(field "${arr}_0" AdminComment)'" ;; esac
grep "\"job_id\":$id1," "$AUDIT" | grep '"event":"requeue"' | grep -q "\"array_job_id\":$arr,\"array_task_id\":1" \
  || die "no requeue record for array task 1: $(cat "$AUDIT")"
pass "(b) array ${arr}: the task holding the array's id was requeued alone as ${arr}_1; task 0 ran once"
