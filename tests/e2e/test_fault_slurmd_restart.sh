#!/usr/bin/env bash
# slurmd restarts while jobs run. A --preempt-requeue job keeps its watcher (it lives in the job,
# not in slurmd), still hears of a later preemption within 2 s, and is requeued exactly once by the
# epilog that the new slurmd runs. A packed job's steps launched by the new slurmd are still
# planned. The node stays up throughout.
source "$(dirname "$0")/preempt_lib.sh"
on_exit '"$CLUSTER" daemon start slurmd'

id=$(submit_low low-grace --requeue --preempt-requeue job.sh)
old=$(cat "$GP_CLUSTER_DIR/run/slurmd.pid")
"$CLUSTER" daemon stop slurmd
"$CLUSTER" daemon start slurmd
[ "$(cat "$GP_CLUSTER_DIR/run/slurmd.pid")" != "$old" ] || die "slurmd was not restarted"
node_busy() { sinfo -h -n "$GP_NODE" -o %t | grep -Eq '^(alloc|mix)$'; }
wait_until 20 "the node back under the new slurmd" node_busy
assert_node_up
[ "$(field "$id" JobState)" = RUNNING ] || die "job $id did not survive the slurmd restart"
t0=$(preempt)
wait_requeued "$id" >/dev/null
latency=$(notice_latency "$t0" 2)
grep -q "job: resumed from checkpoint" out.txt || die "job $id did not resume: $(cat out.txt)"
check_ledger "$id" 1
[ "$(audit_events "$id")" = "notice requeue no-requeue " ] || die "audit events: $(audit_events "$id")"
pass "slurmd restarted under a --preempt-requeue job: notice ${latency} s after preemption, requeued once"

id=$(as_user sbatch --parsable -n2 --gres=gpu:2 --mem=400M -o pk-%j.out --pack-gpus --wrap '
srun -n2 bash -c "echo first \$SLURM_PROCID \$GRACEPACK_GPU; sleep 6"
srun -n2 bash -c "echo second \$SLURM_PROCID \$GRACEPACK_GPU"')
wait_until 20 "the first step of job $id" grep -q '^first' "pk-$id.out"
"$CLUSTER" daemon stop slurmd
"$CLUSTER" daemon start slurmd
[ "$(wait_job "$id")" = COMPLETED ] || die "packed job $id failed: $(cat "pk-$id.out")"
[ "$(grep '^second' "pk-$id.out" | awk '{print $3}' | sort -u | wc -l)" = 2 ] \
  || die "the step launched by the new slurmd was not packed: $(cat "pk-$id.out")"
assert_node_up
pass "slurmd restarted under a packed job: its running step finished, the next step was planned"
