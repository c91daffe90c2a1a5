#!/usr/bin/env bash
# Issue 16 items 1 and 7: whatever gracepack starts inside a step ends with the step, descendants
# included, and the notice reaches the job's tasks, not those helpers.
# (1) The MPS control program and nvidia-smi each leave a descendant in a session of its own that
# ignores SIGTERM (a user's program first in PATH could, or an MPS server outliving its daemon).
# Before the fix, on 22.05/cgroup v1 the descendant sat in the job's freezer cgroup beside
# slurmstepd and outlived the job; on 26.05/v2 it sat in step_N/slurm, which Slurm's final
# cgroup.kill never reaches, and the node drained "Kill task failed". Now: none is left, the
# node is idle, and no cgroup of gracepack's remains.
# (2) A --preempt-requeue=signal=USR1 job whose srun step shares a GPU through MPS: at grace start
# the step's tasks get USR1, the step's MPS daemon gets nothing.
eval "$("$(dirname "$0")/../cluster/cluster.sh" env)"
TOOLS=$GP_CLUSTER_DIR/tools
mkdir -p "$TOOLS"
chmod 755 "$TOOLS"
src=$(cd "$(dirname "$0")" && pwd)
for t in mps-control nvidia-smi; do
  install -m 755 "$src/leaky-helper" "$TOOLS/leaky-$t"
  install -m 755 "$src/fake-$t" "$TOOLS/fake-$t"
done
PREEMPT_KEYS="mps=on mps_control=$TOOLS/leaky-mps-control nvidia_smi=$TOOLS/leaky-nvidia-smi" \
  source "$(dirname "$0")/preempt_lib.sh"
leftovers() { pgrep -u "$GP_TEST_USER" -f 'sleep 86400' || true; }
no_leftovers() { [ -z "$(leftovers)" ]; }
on_exit 'pkill -KILL -u "$GP_TEST_USER" -f "sleep 86400" || true'
helper_cgroups() { find /sys/fs/cgroup -type d -path '*/step_*/*' -name gracepack 2>/dev/null || true; }

# (1) A packed step with MPS; each srun bounded: a step that cannot end fails the test.
out=$(as_user timeout $((120 * TIME_SCALE)) srun -p low -n2 --overcommit --gres=gpu:1 \
  --pack-gpus=2,verbose bash -c 'echo "T $SLURM_JOB_ID $GRACEPACK_GPU_SHARE"' 2>&1) \
  || die "srun failed: $out"
echo "$out"
[ "$(grep '^T ' <<<"$out" | awk '{print $3}' | sort -u)" = mps ] || die "the tasks do not share through MPS"
jid=$(grep '^T ' <<<"$out" | awk '{print $2}' | head -n1)
wait_until 60 "the end of job $jid" job_over "$jid"
assert_node_up
wait_until 10 "the helpers' descendants to be gone (left: $(leftovers))" no_leftovers
[ -z "$(helper_cgroups)" ] || die "gracepack's helper cgroup outlived the step: $(helper_cgroups)"
as_user timeout 60 srun -p low -n1 true || die "the node did not take the next job"
pass "(1) the MPS daemon's and nvidia-smi's detached descendants ended with the step; node up, no cgroup left"

# (2) The notice at grace start: USR1 to the tasks, nothing to the MPS daemon.
cat > mps-job.sh <<'JOB'
#!/bin/bash
echo "job: start restart=${SLURM_RESTART_COUNT:-0}"
if [ -f ckpt ]; then echo "job: resumed from checkpoint"; exit 0; fi
srun -n2 --overcommit --gres=gpu:1 --pack-gpus=2 bash -c 'echo "mpslog $CUDA_MPS_LOG_DIRECTORY"; exec ./app.sh'
echo "job: step exited $?"
JOB
chmod 755 mps-job.sh
chown "$GP_TEST_USER" mps-job.sh
id=$(submit_low low-grace --gres=gpu:1 --requeue --preempt-requeue=signal=USR1 \
  --export=ALL,NOTICE_SIGNAL=USR1,IGNORE_TERM=1,CKPT=4 mps-job.sh)
both_ready() { [ "$(grep -c '^app: ready' out.txt)" -ge 2 ]; }
wait_until 60 "the packed step's two tasks" both_ready
log=$(sed -n 's/^mpslog //p' out.txt | head -n1)
[ -n "$log" ] && [ -d "$log" ] || die "the step has no MPS daemon: $(cat out.txt)"
preempt >/dev/null
both_noticed() { [ "$(grep -c '^app: notice' out.txt)" -ge 2 ]; }
wait_until 30 "USR1 at both tasks" both_noticed
[ ! -s "$log/signals" ] || die "the MPS daemon was signalled: $(cat "$log/signals")"
wait_requeued "$id" >/dev/null
check_ledger "$id" 1
assert_node_up
wait_until 10 "the helpers' descendants to be gone (left: $(leftovers))" no_leftovers
pass "(2) USR1 reached both tasks of the packed step, not its MPS daemon; requeued once"
