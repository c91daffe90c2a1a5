#!/usr/bin/env bash
# An option given to sbatch reaches the job's srun steps, also valueless (Slurm passes "(null)").
source "$(dirname "$0")/lib.sh"
id=$(as_user sbatch --parsable -o lvl-%j.out -n2 --overcommit --gres=gpu:1 --pack-gpus=2 --wrap 'srun -n2 true; srun -n1 --pack-gpus=off true')
[ "$(wait_job "$id")" = COMPLETED ] || die "job $id did not complete: $(cat lvl-$id.out)"
log_has "\[$id.0\] gracepack: job $id step 0: --pack-gpus=2" || die "step 0 did not inherit --pack-gpus=2"
log_has "\[$id.1\] gracepack: job $id step 1: --pack-gpus=off" || die "step 1 did not override with off"
pass "sbatch --pack-gpus=2 reaches step 0; --pack-gpus=off overrides in step 1"

id=$(as_user sbatch --parsable -o lvl-%j.out --gres=gpu:1 --pack-gpus --wrap 'srun -n1 true')
[ "$(wait_job "$id")" = COMPLETED ] || die "job $id did not complete: $(cat lvl-$id.out)"
log_has "\[$id.0\] gracepack: job $id step 0: --pack-gpus=1" || die "valueless sbatch option not seen as 1 in the step"
pass "valueless sbatch --pack-gpus reaches the step as --pack-gpus=1"
