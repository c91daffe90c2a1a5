#!/usr/bin/env bash
# Builds gracepack, starts a real single-node Slurm with it, shows both options at work, and
# stops the cluster again.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
scripts/deps.sh
scripts/build.sh
export GP_CLUSTER_DIR=${GP_CLUSTER_DIR:-/tmp/gracepack-demo}
# Its own ports, so the demo runs beside a test cluster.
export GP_CTLD_PORT=${GP_CTLD_PORT:-6827} GP_SLURMD_PORT=${GP_SLURMD_PORT:-6828}
trap "$ROOT/tests/cluster/cluster.sh stop" EXIT
tests/cluster/cluster.sh start
eval "$(tests/cluster/cluster.sh env)"
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
show "sbatch --preempt-requeue=signal=KILL --wrap hostname"

echo; echo "== Jobs run under the plugin (slurmstepd logs what gracepack received)"
show "srun -n2 --gres=gpu:2 --mem=400M --pack-gpus bash -c 'echo task \$SLURM_PROCID'"
show "sbatch --wait --requeue --preempt-requeue=signal=USR1 -o demo-%j.out --wrap 'echo batch job \$SLURM_JOB_ID ran'; cat demo-*.out"
grep -h "gracepack:" "$GP_CLUSTER_DIR/log/slurmd.log" | grep -v debug | tail -n 4
