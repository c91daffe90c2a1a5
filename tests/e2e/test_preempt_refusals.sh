#!/usr/bin/env bash
# --preempt-requeue where Slurm cannot requeue is refused at submission, with what to do instead.
source "$(dirname "$0")/lib.sh"
before=$(job_count)
expect_fail() { # expect_fail PATTERN cmd...
  local pattern=$1; shift
  set +e
  out=$(timeout 30 runuser -u "$GP_TEST_USER" -- "$@" 2>&1)
  rc=$?
  set -e
  [ $rc -ne 0 ] || die "$* was accepted: $out"
  grep -q -- "$pattern" <<<"$out" || die "$*: message lacks '$pattern': $out"
  pass "$*: $(grep 'gracepack:' <<<"$out" | head -n1 | sed 's/.*gracepack: //')"
}
expect_fail "submit the work with sbatch" salloc --preempt-requeue true
expect_fail "submit the work with sbatch" srun --preempt-requeue true
expect_fail "submitted with --no-requeue" sbatch --no-requeue --preempt-requeue --wrap true
printf '#!/bin/bash\n#SBATCH --no-requeue\ntrue\n' > noreq.sh
expect_fail "submitted with --no-requeue" sbatch --preempt-requeue noreq.sh
[ "$before" = "$(job_count)" ] || die "a refused request submitted a job"

id=$(as_user sbatch --parsable -o in.txt --wrap 'srun --preempt-requeue true; echo "srun exit $?"')
[ "$(wait_job "$id")" = COMPLETED ] || die "job $id failed"
grep -q "give it to sbatch" in.txt || die "srun --preempt-requeue inside a job without it: $(cat in.txt)"
grep -q "srun exit [1-9]" in.txt || die "that srun did not fail"
pass "srun --preempt-requeue inside a job that did not ask: refused, says to give it to sbatch"

id=$(as_user sbatch --parsable -o ok.txt --requeue --preempt-requeue --wrap 'srun true; echo "srun exit $?"')
[ "$(wait_job "$id")" = COMPLETED ] || die "job $id failed"
grep -q "srun exit 0" ok.txt || die "srun inside a --preempt-requeue job failed: $(cat ok.txt)"
pass "srun inside a --preempt-requeue batch job inherits the option and runs"
