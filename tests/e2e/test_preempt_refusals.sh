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

# Issue 9 item 11: only what sbatch reads counts. Words after the script's name are the script's,
# and #SBATCH lines after the first command are ignored by sbatch: both jobs are valid.
printf '#!/bin/bash\necho "args: $*"\n' > args.sh
chmod 755 args.sh; chown "$GP_TEST_USER" args.sh
id=$(as_user sbatch --parsable --requeue --preempt-requeue -o args.txt args.sh --no-requeue) \
  || die "a script argument --no-requeue was taken for sbatch's option"
[ "$(wait_job "$id")" = COMPLETED ] || die "job $id failed"
grep -q "args: --no-requeue" args.txt || die "the script did not get its argument: $(cat args.txt)"
printf '#!/bin/bash\n#SBATCH --requeue\necho start\n#SBATCH --no-requeue\n' > late.sh
id=$(as_user sbatch --parsable --preempt-requeue -o late.txt late.sh) \
  || die "an #SBATCH line after the first command was read"
[ "$(wait_job "$id")" = COMPLETED ] || die "job $id failed"
pass "script arguments and #SBATCH lines after the first command do not count: both jobs accepted"

# Issue 9 item 14: a user's max= above the admin's cap is said at submission; the job still goes.
set +e
out=$(as_user sbatch --parsable --requeue --preempt-requeue=max=6 -o /dev/null --wrap true 2>&1)
rc=$?
set -e
[ "$rc" = 0 ] || die "sbatch --preempt-requeue=max=6 failed: $out"
grep -q "gracepack: warning: --preempt-requeue=max=6: this cluster allows at most 5 requeues after preemption per job" <<<"$out" \
  || die "no warning about the admin's cap: $out"
id=$(tail -n1 <<<"$out")
[ "$(wait_job "$id")" = COMPLETED ] || die "job $id failed"
pass "max=6 over the admin's 5: warned on stderr, job $id submitted and run"

# On Slurm before 23.02.5, --export=NONE drops the option's variables before the batch step.
if [ "$(slurmd -V | awk '{split($2, v, "."); printf "%d%02d", v[1], v[2]}')" -lt 2302 ]; then
  expect_fail "--export=NONE" sbatch --requeue --preempt-requeue --export=NONE --wrap true
fi
