#!/usr/bin/env bash
# The plugstack.conf line's arguments: a bad key with `optional` leaves every job running and the
# key's name in srun's stderr and the slurmd log; with `required` srun/sbatch fail at once.
source "$(dirname "$0")/lib.sh"

use_plugstack "optional $GP_PLUGIN no_such_key=1"
out=$(as_user srun -n1 echo job-ran 2>&1) || die "srun failed under optional bad config: $out"
grep -q job-ran <<<"$out" || die "job did not run: $out"
grep -q "unknown key 'no_such_key'" <<<"$out" || die "srun stderr does not name the key: $out"
out=$(as_user srun -n1 --pack-gpus echo job-ran 2>&1) || die "srun --pack-gpus failed under optional: $out"
grep -q "have no effect" <<<"$out" || die "user not told the option has no effect: $out"
id=$(as_user sbatch --parsable -o opt-%j.out --wrap 'echo batch-ran')
[ "$(wait_job "$id")" = COMPLETED ] || die "batch job $id did not complete under optional bad config"
log_has "error: gracepack: plugstack.conf: unknown key 'no_such_key'" \
  || die "slurmd log does not name the key"
pass "optional + bad key: jobs run, key named on srun stderr and in the slurmd log"

"$CLUSTER" plugstack "optional $GP_PLUGIN pack_gpus=sometimes"
out=$(as_user srun -n1 echo job-ran 2>&1) || die "srun failed under optional bad value: $out"
grep -q "pack_gpus=sometimes: expected on or off" <<<"$out" || die "bad value not explained: $out"
pass "optional + bad value: job runs, value explained"

"$CLUSTER" plugstack "required $GP_PLUGIN no_such_key=1"
before=$(job_count)
out=$(as_user srun -n1 echo job-ran 2>&1) && die "srun ran under required bad config: $out"
grep -q "unknown key 'no_such_key'" <<<"$out" || die "required: srun stderr does not name the key: $out"
out=$(as_user sbatch --wrap true 2>&1) && die "sbatch submitted under required bad config: $out"
grep -q "unknown key 'no_such_key'" <<<"$out" || die "required: sbatch stderr does not name the key"
[ "$before" = "$(job_count)" ] || die "a job was submitted under required bad config"
pass "required + bad key: srun and sbatch fail at once naming the key"

"$CLUSTER" plugstack "required $GP_PLUGIN"
out=$(as_user srun -n1 echo job-ran 2>&1) || die "next job after the bad config failed: $out"
pass "next job runs normally"
