#!/usr/bin/env bash
# Issue 17 item 4: PrologFlags=RunInJob (Slurm 24.05+) makes the extern slurmstepd run the job's
# prolog and epilog itself, and before the epilog its pause_for_job_completion SIGKILLs every
# other step of the job (read in the source). What Slurm really does at grace start, and that
# gracepack gives the notice and requeues once either way: a program that needs 20 s of its
# 30 s (emulated: 60 s) window to save.
source "$(dirname "$0")/lib.sh"
[ "$(slurm_mmmm)" -ge 2405 ] || skip "Slurm $(slurm_release) has no PrologFlags=RunInJob"
on_exit 'cd / && "$CLUSTER" restart >/dev/null'
restart_cluster --run-in-job
source "$GP_SOURCE_DIR/tests/e2e/preempt_lib.sh"
grep -q "PrologFlags=Contain,RunInJob" "$GP_CLUSTER_DIR/etc/slurm.conf" || die "no RunInJob"
id=$(submit_low low-grace --requeue --preempt-requeue --export=ALL,CKPT=20 job.sh)
t0=$(preempt)
for _ in $(seq $((160 * TIME_SCALE))); do [ "$(field "$id" Restarts)" = 1 ] && break; sleep 0.5; done
[ "$(field "$id" Restarts)" = 1 ] || die "job $id was not requeued: $(cat out.txt)"
latency=$(notice_latency "$t0" 2)
check_ledger "$id" 1
echo "notice ${latency} s after the preemptor" >&2
if grep -q "app: checkpoint written" out.txt; then
  echo "note: Slurm $(slurm_release) with RunInJob: the program had its grace window and saved" >&2
else
  # How long the program lived after its notice: what RunInJob left of the window.
  echo "note: Slurm $(slurm_release) with RunInJob: the program was killed before it saved (the grace window was cut short)" >&2
fi
grep "\"job_id\":$id," "$AUDIT" | grep -q '"event":"notice"' || die "no notice on record"
assert_node_up
pass "RunInJob: notice ${latency} s after the preemption, requeued exactly once ($(grep -c 'app: checkpoint written' out.txt) checkpoint written)"
