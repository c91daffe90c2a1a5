#!/usr/bin/env bash
# A job that uses neither option sees exactly what it would see without the plugin: the same
# environment variables and the same processes in the job, but for one (issue 17): from Slurm
# 25.05, where Slurm runs no placeholder in the extern step, gracepack runs its own there for
# every job (the extern step is not told the job's options), an idle `sleep` of root's.
source "$(dirname "$0")/lib.sh"

# Variable names a step sees, and the commands of every process in the job's cgroup while it runs
# (found from the job's own cgroup, so nothing outside the job is counted).
probe() {
  local tag=$1
  as_user srun -n1 bash -c 'env | cut -d= -f1 | sort' > "env.$tag" 2>&1 || die "srun failed ($tag)"
  as_user sbatch --parsable -o "batch.$tag" --wrap 'env | cut -d= -f1 | sort; sleep 8' > "id.$tag"
  local id; id=$(cat "id.$tag")
  local dir=""
  # The job's processes once its script runs its sleep: the batch shell's child.
  script_sleeping() {
    local comms
    dir=$(job_cgroup "$id") || return 1
    comms=$(find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null | while read -r p; do
      cat "/proc/$p/comm" 2>/dev/null; done)
    [[ $'\n'$comms$'\n' == *$'\n'sleep$'\n'* ]]
  }
  wait_until 20 "the script of job $id ($tag) at its sleep" script_sleeping
  # With gracepack, its watcher has started by then when the job asked for it; this job did not.
  # Each process as "STEP COMM".
  find "$dir" -name cgroup.procs | while read -r f; do
    step=${f#"$dir"/}; step=${step%%/*}
    # A cgroup can go between find and the read (task_special, seen on 24.11).
    { cat "$f" 2>/dev/null || true; } | while read -r pid; do
      echo "$step $(cat "/proc/$pid/comm" 2>/dev/null)"
    done
  done | sort > "procs.$tag"
  [ "$(wait_job "$id")" = COMPLETED ] || die "batch job $id did not complete ($tag)"
}

probe plugin
use_plugstack ""
probe none
"$CLUSTER" plugstack "required $GP_PLUGIN"

diff -u env.none env.plugin || die "srun step environment differs with the plugin loaded"
diff -u batch.none batch.plugin || die "batch step environment differs with the plugin loaded"
if extern_placeholder; then
  diff -u procs.none procs.plugin || die "processes in the job differ with the plugin loaded"
else
  # gracepack's placeholder, and nothing else.
  diff <({ cat procs.none; echo "step_extern sleep"; } | sort) procs.plugin | grep . && \
    die "processes in the job differ with the plugin loaded by more than its extern placeholder: $(diff procs.none procs.plugin)"
  echo "note: Slurm $(slurm_release): gracepack's placeholder is the one process the plugin adds" >&2
fi
[ -s procs.plugin ] || die "no process seen in the job"
pass "same variables ($(wc -l < env.plugin) in the step) and same processes ($(tr '\n' ' ' < procs.plugin)) with and without gracepack"
