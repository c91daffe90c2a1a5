#!/usr/bin/env bash
# Issue 17 item 4: what Slurm does at grace start with PrologFlags=RunInJob (24.05+), where the
# extern slurmstepd runs the job's prolog and epilog itself: the notice still reaches a program
# the batch script runs, at grace start; then (measured on 26.05.5) the extern step ends a few
# seconds later and Slurm SIGKILLs the batch step long before the grace period's end, so a
# program that needs 20 s of its window cannot save. The node stays up. Whether gracepack's
# epilog then requeues the job is said, not asserted: it did not, on 24.11.5 (the job did not
# leave the queue for minutes) nor on 26.05.5 (slurmctld forgot the job); see
# docs/compatibility.md. The test leaves a fresh cluster behind.
source "$(dirname "$0")/lib.sh"
[ "$(slurm_mmmm)" -ge 2405 ] || skip "Slurm $(slurm_release) has no PrologFlags=RunInJob"
on_exit 'cd / && "$CLUSTER" restart >/dev/null'
restart_cluster --run-in-job
source "$GP_SOURCE_DIR/tests/e2e/preempt_lib.sh"
grep -q "PrologFlags=Contain,RunInJob" "$GP_CLUSTER_DIR/etc/slurm.conf" || die "no RunInJob"
id=$(submit_low low-grace --requeue --preempt-requeue --export=ALL,CKPT=20 job.sh)
t0=$(preempt)
wait_until 30 "job $id's notice" grep -q '^app: notice at' out.txt
latency=$(notice_latency "$t0" 2)
notice=$(sed -n 's/^app: notice at //p' out.txt | head -n1)
# The batch step's end, from slurmd's log (slurmctld may no longer know the job then).
step_ended() { log_has "\[$id.batch\] stepd_cleanup: done with step"; }
wait_until $((GRACE + 30)) "the end of job $id's batch step" step_ended
ended=$(date +%s.%N)
grep -q "app: checkpoint written" out.txt && die "the program saved: RunInJob did not cut the window on Slurm $(slurm_release)"
cut=$(echo "$ended - $notice" | bc)
[ "$(echo "$cut < $GRACE" | bc)" = 1 ] || die "the batch step ended $cut s after the notice, not before the $GRACE s deadline"
assert_node_up
# What slurmd and the job's steps said, kept beside the build for the record (docs/compatibility.md).
{ echo "== Slurm $(slurm_release), job $id with gracepack"; new_log | grep -E "\[$id\.|JobId=$id[^0-9]|jobid $id\$" || true
  echo "== slurmctld"; grep -E "JobId=$id[^0-9]|JobId=$id\$" "$GP_CLUSTER_DIR/log/slurmctld.log" || true
} > "${GP_BUILD_DIR:-/tmp}/run-in-job.log" 2>&1
restarts=$(field "$id" Restarts || true)
echo "note: Slurm $(slurm_release) with RunInJob: notice ${latency} s after the preemptor; the batch step was killed about $cut s after the notice (GraceTime $GRACE s); restarts now: ${restarts:-the job is no longer known}" >&2
pass "RunInJob: notice at grace start (${latency} s), the window cut by Slurm at about ${cut} s, node up"
# What RunInJob leaves of the job may not end (24.11.5): a fresh cluster for the tests after this.
restart_cluster

