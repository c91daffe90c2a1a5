#!/usr/bin/env bash
# With the plugin loaded as `required`, jobs run as the unprivileged user, with and without the
# options, and slurmstepd shows gracepack received the values.
source "$(dirname "$0")/lib.sh"
grep -q "^required $GP_PLUGIN" "$GP_CLUSTER_DIR/etc/plugstack.conf" || die "plugin not loaded as required"

out=$(as_user srun -n2 hostname 2>err) || die "plain srun failed: $out $(cat err)"
[ "$(wc -l <<<"$out")" = 2 ] || die "expected 2 lines, got: $out"
pass "srun -n2 runs under the plugin"

out=$(as_user srun -n2 --overcommit --gres=gpu:1 --pack-gpus=2,verbose id -un 2>err) \
  || die "srun --pack-gpus failed: $out $(cat err)"
[ "$(sort -u <<<"$out")" = "$GP_TEST_USER" ] || die "tasks did not run as $GP_TEST_USER: $out"
log_has "gracepack: job [0-9]* step 0: --pack-gpus=2,verbose" \
  || die "slurmstepd did not log the option value: $(new_log | grep gracepack)"
pass "srun --pack-gpus runs; slurmstepd received the value"

id=$(as_user sbatch --parsable --requeue -o job-%j.out --preempt-requeue=signal=USR1 --wrap 'echo hello from $SLURM_JOB_ID')
state=$(wait_job "$id")
[ "$state" = COMPLETED ] || die "batch job $id ended $state"
grep -q "hello from $id" "job-$id.out" || die "batch job output missing"
log_has "\[$id.batch\] gracepack: job $id step [0-9]*: --preempt-requeue=signal=USR1" \
  || die "the batch step did not receive --preempt-requeue"
pass "sbatch --preempt-requeue job $id completed as $GP_TEST_USER; its batch step received the value"
