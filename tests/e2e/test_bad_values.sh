#!/usr/bin/env bash
# Each malformed option value makes srun, sbatch and salloc exit at once, before anything is
# submitted, with a message that names the option and says what is accepted.
source "$(dirname "$0")/lib.sh"
bad=(
  "--pack-gpus=0" "--pack-gpus=65" "--pack-gpus=two" "--pack-gpus=2,2" "--pack-gpus=off,2"
  "--pack-gpus=-1" "--preempt-requeue=signal=KILL" "--preempt-requeue=signal=STOP"
  "--preempt-requeue=max=-1" "--preempt-requeue=max=abc" "--preempt-requeue=bogus"
  "--preempt-requeue=signal=NOPE"
)
before=$(job_count)
for opt in "${bad[@]}"; do
  name=${opt%%=*}
  for cmd in "srun true" "sbatch --wrap true" "salloc true"; do
    set +e
    out=$(timeout 30 runuser -u "$GP_TEST_USER" -- ${cmd%% *} "$opt" ${cmd#* } 2>&1)
    rc=$?
    set -e
    [ $rc -ne 0 ] || die "${cmd%% *} accepted $opt"
    [ $rc -ne 124 ] || die "${cmd%% *} $opt hung"
    grep -q "gracepack: $name=" <<<"$out" || die "${cmd%% *} $opt: message does not name the option: $out"
    grep -q "accepted:" <<<"$out" || die "${cmd%% *} $opt: message does not say what is accepted: $out"
  done
done
after=$(job_count)
[ "$before" = "$after" ] || die "jobs were submitted for bad values ($before -> $after)"
pass "${#bad[@]} malformed values refused by srun, sbatch and salloc; no job submitted"
