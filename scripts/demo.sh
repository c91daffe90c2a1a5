#!/usr/bin/env bash
# Builds and installs gracepack, starts a real single-node Slurm with it, shows both options at
# work (a packed step, and a preempted job that saves its work and comes back), and stops the
# cluster again. Takes about a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
scripts/deps.sh
scripts/build.sh
export GP_CLUSTER_DIR=${GP_CLUSTER_DIR:-/tmp/gracepack-demo}
# Its own ports; like the tests' cluster it uses the node name localhost, so run one at a time.
export GP_CTLD_PORT=${GP_CTLD_PORT:-6827} GP_SLURMD_PORT=${GP_SLURMD_PORT:-6828}
trap '"$ROOT/tests/cluster/cluster.sh" stop' EXIT
tests/cluster/cluster.sh start
eval "$(tests/cluster/cluster.sh env)"
PLUGIN=$(ls /usr/lib/*/slurm-wlm/gracepack.so | head -n1)
AUDIT=$GP_CLUSTER_DIR/audit.jsonl
tests/cluster/cluster.sh plugstack "required $PLUGIN audit_log=$AUDIT"
cd "$GP_CLUSTER_DIR/work"

# Runs a command as the cluster's unprivileged test user, showing it first.
show() {
  printf '\n\033[1m%s$ %s\033[0m\n' "$GP_TEST_USER" "$*"
  runuser -u "$GP_TEST_USER" -- bash -c "$*" 2>&1 || echo "(exit status $?)"
}

echo; echo "== gracepack's options, as srun --help shows them"
show "srun --help | grep -A4 -E -- '--(pack-gpus|preempt-requeue)'"

echo; echo "== A malformed value is refused before anything is submitted"
show "srun --pack-gpus=3x hostname"
show "salloc --preempt-requeue true"

echo; echo "== --pack-gpus: 4 tasks, 2 per GPU on 2 (fake) GPUs, each with its own GPU, CPUs and memory limit"
show "srun -n4 --overcommit --gres=gpu:2 --mem=800M --pack-gpus=2,verbose bash -c 'echo task \$SLURM_PROCID: CUDA_VISIBLE_DEVICES=\$CUDA_VISIBLE_DEVICES slot \$GRACEPACK_GPU_SLOT/\$GRACEPACK_GPU_TASKS cpus \$GRACEPACK_CPUS limit \$((GRACEPACK_MEM_LIMIT >> 20))M by \$GRACEPACK_MEM_ENFORCED' | sort"

echo; echo "== --preempt-requeue: a job in low-grace (GraceTime ${GP_GRACE_TIME:-15}s) runs a program directly, without srun or trap"
cat > app.sh <<'APP'
#!/bin/bash
# Saves its work when told: the notice file says the deadline.
trap '. "$GRACEPACK_NOTICE_FILE"; echo "app: notified, $((GRACEPACK_DEADLINE - $(date +%s))) s left; saving"; sleep 3; echo saved > ckpt; exit 0' TERM
while true; do sleep 0.2 & wait $!; done
APP
cat > job.sh <<'JOB'
#!/bin/bash
echo "job: run $((SLURM_RESTART_COUNT + 0))"
if [ -f ckpt ]; then echo "job: resumed from the checkpoint, done"; exit 0; fi
./app.sh
JOB
chmod 755 app.sh job.sh; chown "$GP_TEST_USER" app.sh job.sh
id=$(runuser -u "$GP_TEST_USER" -- sbatch --parsable -p low-grace -n "$(nproc)" --requeue --open-mode=append -o demo.out --preempt-requeue job.sh)
echo "submitted job $id"
for _ in $(seq 60); do [ "$(squeue -h -j "$id" -o %T)" = RUNNING ] && break; sleep 0.5; done
sleep 1
echo "a higher-priority job that needs the whole node arrives"
runuser -u "$GP_TEST_USER" -- sbatch -p high -n "$(nproc)" -o /dev/null --wrap 'sleep 2' >/dev/null
for _ in $(seq 120); do
  [ "$(scontrol -o show job "$id" | grep -o 'Restarts=[0-9]*')" = Restarts=1 ] && \
    [ "$(squeue -h -j "$id" -o %T)" = "" ] && break
  sleep 0.5
done
show "cat demo.out"
echo; echo "== the audit log ($AUDIT)"
cat "$AUDIT"
