#!/usr/bin/env bash
# Without PrologFlags=Contain (no extern step) the grace start is no event: the job's stderr says
# so, and the batch node's watcher reads the job's record every poll_interval seconds: the notice
# is later but still inside the grace window. (sbatch says it too where it asks slurmctld's
# configuration anyway: a job without --requeue.)
source "$(dirname "$0")/lib.sh"
on_exit 'cd / && "$CLUSTER" restart >/dev/null'
restart_cluster --no-contain
POLL_MODE=1 PREEMPT_KEYS="poll_interval=2" source "$GP_SOURCE_DIR/tests/e2e/preempt_lib.sh"
grep -q PrologFlags=Contain "$GP_CLUSTER_DIR/etc/slurm.conf" && die "cluster still has the extern step"
id=$(submit_low low-grace --requeue --preempt-requeue job.sh)
wait_until 20 "the job's note that the grace start is no event here" \
  grep -q "gracepack: note: this node runs no extern step" out.txt
t0=$(preempt)
wait_requeued "$id"
latency=$(notice_latency "$t0" 4)
echo "notice latency without the extern step (poll_interval=2): ${latency} s"
grep -q "job: resumed from checkpoint" out.txt || die "restart did not resume"
pass "no extern step: notice ${latency} s after preemption by polling, requeued once, resumed"
