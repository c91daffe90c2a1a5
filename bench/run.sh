#!/usr/bin/env bash
# gracepack's benchmarks on a real one-node Slurm, each figure against Slurm without gracepack in
# the same run. Prints one table. Needs root; starts and stops its own cluster.
#   bench/run.sh    BENCH_RUNS=N launches per figure (20);
#                   BENCH_SECTIONS="launch notice rpc rpc3 rss plan" (rpc3 restarts with 3 nodes);
#                   BENCH_PREBUILT=1: use the installed package (no deps, no build)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
if [ "${BENCH_PREBUILT:-0}" != 1 ]; then  # a VM (tests/vm/bench.sh) has the package installed
  scripts/deps.sh
  scripts/build.sh
fi
export GP_CLUSTER_DIR=${GP_CLUSTER_DIR:-/tmp/gracepack-bench}
export GP_CTLD_PORT=${GP_CTLD_PORT:-6837} GP_SLURMD_PORT=${GP_SLURMD_PORT:-6838}
RUNS=${BENCH_RUNS:-20}
SECTIONS=${BENCH_SECTIONS:-launch notice rpc rss plan rpc3}
want() { [[ " $SECTIONS " == *" $1 "* ]]; }
CLUSTER=$ROOT/tests/cluster/cluster.sh
trap '"$CLUSTER" stop >/dev/null' EXIT
"$CLUSTER" start >/dev/null
eval "$("$CLUSTER" env)"
PLUGIN=$(ls /usr/lib/*/slurm-wlm/gracepack.so | head -n1)
W=$GP_CLUSTER_DIR/work/bench
mkdir -p "$W" && chown "$GP_TEST_USER" "$W" && cd "$W"
as_user() { runuser -u "$GP_TEST_USER" -- "$@"; }
NCPU=$(nproc)
GRACE=${GP_GRACE_TIME:-15}
rows=()
row() { rows+=("$(printf '%-62s %12s %12s %8s' "$@")"); }

# Median wall time in ms of RUNS runs of a command.
median_ms() {
  local t=()
  for _ in $(seq "$RUNS"); do
    local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N)
    t+=($(( (e - s) / 1000000 )))
  done
  printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
ratio() { echo "scale=2; $1 / $2" | bc; }
# Each scenario starts from an empty queue: no job of an earlier one can be preempted again.
# scancel is repeated: it skips a job caught between its requeue and its restart, which then runs.
reset_queue() {
  local i
  for i in $(seq 120); do
    [ $((i % 4)) = 1 ] && { as_user scancel -u "$GP_TEST_USER" 2>/dev/null || true; }
    [ -z "$(squeue -h -o %i)" ] && return 0
    sleep 0.5
  done
  echo "bench: the queue did not empty" >&2; exit 1
}

# --- srun launch time -----------------------------------------------------------------------
if want launch; then
  "$CLUSTER" plugstack ""
  base=$(median_ms as_user srun -n2 --gres=gpu:2 true)
  "$CLUSTER" plugstack "required $PLUGIN"
  loaded=$(median_ms as_user srun -n2 --gres=gpu:2 true)
  packed=$(median_ms as_user srun -n2 --gres=gpu:2 --pack-gpus true)
  row "srun -n2 true, plugin loaded (median ms)" "$base" "$loaded" "$(ratio "$loaded" "$base")"
  row "srun -n2 --pack-gpus true (median ms)" "$base" "$packed" "$(ratio "$packed" "$base")"
  # Steps inside a --preempt-requeue job start a watcher attempt per node (it leaves at once
  # where one runs): srun steps timed inside one batch job, against a plain job on Slurm alone.
  step_ms() { # step_ms sbatch-args...: median ms of RUNS `srun -n2 true` inside one batch job
    reset_queue
    rm -f steps.out
    local id; id=$(as_user sbatch --parsable -n2 -o steps.out "$@" --wrap "for i in \$(seq $RUNS); do
      s=\$(date +%s%N); srun -n2 true; e=\$(date +%s%N); echo step \$(( (e - s) / 1000000 )); done")
    for _ in $(seq 600); do [ -z "$(squeue -h -j "$id" 2>/dev/null)" ] && break; sleep 0.5; done
    awk '/^step / {print $2}' steps.out | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
  }
  "$CLUSTER" plugstack ""
  step_base=$(step_ms)
  "$CLUSTER" plugstack "required $PLUGIN"
  step_gp=$(step_ms --requeue --preempt-requeue)
  row "srun -n2 true in a --preempt-requeue job (median ms)" "$step_base" "$step_gp" "$(ratio "$step_gp" "$step_base")"
fi

# --- notice latency and the grace time left --------------------------------------------------
cat > app.sh <<'APP'
#!/bin/bash
trap 'echo "notice $(date +%s.%N)"; exit 0' TERM
while true; do sleep 0.2 & wait $!; done
APP
chmod 755 app.sh; chown "$GP_TEST_USER" app.sh
# held ID: the job's watcher holds the run's lock (lock.RUN in its directory): it is up.
held() {
  local lock; lock=$(ls -d "/run/gracepack/$1"/lock.* 2>/dev/null | head -n1)
  [ -f "$lock" ] && ! flock -n "$lock" true 2>/dev/null
}
# latency LAUNCH [sbatch options]: seconds from the preemptor's submission to the app's signal.
latency() {
  local launch=$1; shift
  reset_queue
  rm -f lat.out
  local id; id=$(as_user sbatch --parsable -p low-grace -n "$NCPU" -o lat.out "$@" --wrap "$launch ./app.sh")
  for _ in $(seq 120); do [ "$(squeue -h -j "$id" -o %T)" = RUNNING ] && break; sleep 0.25; done
  # With gracepack, until the job's watcher holds its lock (it is up); the app is up by then too.
  if [[ " $* " == *--preempt-requeue* ]]; then
    for _ in $(seq 120); do held "$id" && break; sleep 0.1; done
  else
    for _ in $(seq 120); do pgrep -u "$GP_TEST_USER" -f "app.sh" >/dev/null && break; sleep 0.1; done
  fi
  local t0; t0=$(date +%s.%N)
  as_user sbatch -p high -n "$NCPU" -o /dev/null --wrap 'sleep 1' >/dev/null
  for _ in $(seq $(( (GRACE + 40) * 4 ))); do grep -q '^notice' lat.out 2>/dev/null && break; sleep 0.25; done
  local t1; t1=$(sed -n 's/^notice //p' lat.out | head -n1)
  reset_queue
  if [ -n "$t1" ]; then echo "scale=2; ($t1 - $t0) / 1" | bc; else echo "none"; fi
}
left() { [ "$1" = none ] && echo 0 || echo "scale=0; 100 * ($GRACE - $1) / $GRACE" | bc; }
if want notice; then
  "$CLUSTER" plugstack ""
  slurm_batch=$(latency "")
  slurm_srun=$(latency "srun")
  "$CLUSTER" plugstack "required $PLUGIN"
  gp_batch=$(latency "" --requeue --preempt-requeue=max=1)
  gp_srun=$(latency "srun" --requeue --preempt-requeue=max=1)
  row "notice latency, app run by the batch script (s)" "$slurm_batch" "$gp_batch" "-"
  row "notice latency, app under srun (s)" "$slurm_srun" "$gp_srun" "-"
  row "GraceTime=${GRACE}s left to a batch-run app (%)" "$(left "$slurm_batch")" "$(left "$gp_batch")" "-"
  row "GraceTime=${GRACE}s left to an srun app (%)" "$(left "$slurm_srun")" "$(left "$gp_srun")" "-"
fi

# --- slurmctld RPCs per job (sdiag, by message type) ----------------------------------------
# While counting, nothing here asks slurmctld anything: the waits read the daemons' logs.
rpc_count() { # sdiag prints "REQUEST_JOB_INFO_SINGLE ( 2021) count:5 ave_time:..."
  sdiag | awk -v t="$1" '$1 == t { for (i = 2; i <= NF; i++) if ($i ~ /^count:/) { sub("count:", "", $i); print $i; f = 1; exit } }
                         END { if (!f) print 0 }'
}
gp_types="REQUEST_JOB_INFO_SINGLE REQUEST_JOB_REQUEUE REQUEST_BUILD_INFO"
rpcs() { local n=0; for t in $gp_types; do n=$((n + $(rpc_count "$t"))); done; echo "$n"; }
wait_log() { # wait_log FILE PATTERN SECONDS
  for _ in $(seq $(( $3 * 4 ))); do grep -q -- "$2" "$1" && return 0; sleep 0.25; done
  echo "bench: no '$2' in $1 after $3 s" >&2; exit 1
}
CTLD_LOG=$GP_CLUSTER_DIR/log/slurmctld.log
SLURMD_LOG=$GP_CLUSTER_DIR/log/slurmd.log
one_job_rpcs() { # one_job_rpcs sbatch-args...: those RPCs from submission to the end of its epilog
  reset_queue
  sdiag -r >/dev/null
  local id; id=$(as_user sbatch --parsable -o /dev/null "$@" --wrap 'sleep 1')
  wait_log "$SLURMD_LOG" "completed epilog for \(jobid $id\$\|JobId=$id \)" 60
  rpcs
}
preempted_job_rpcs() { # the same for a job preempted in low-grace (the requeue included)
  reset_queue
  sdiag -r >/dev/null
  local id; id=$(as_user sbatch --parsable -p low-grace -n "$NCPU" --requeue -o /dev/null "$@" --wrap './app.sh')
  wait_log "$CTLD_LOG" "Started JobId=$id \|Allocate JobId=$id " 60
  for _ in $(seq 120); do pgrep -u "$GP_TEST_USER" -f "app.sh" >/dev/null && break; sleep 0.1; done
  as_user sbatch -p high -n "$NCPU" -o /dev/null --wrap 'sleep 1' >/dev/null
  wait_log "$SLURMD_LOG" "completed epilog for \(jobid $id\$\|JobId=$id \)" $((GRACE + 60))
  rpcs
}
if want rpc; then
  "$CLUSTER" plugstack ""
  none_rpc=$(one_job_rpcs --requeue)
  none_pre=$(preempted_job_rpcs)
  "$CLUSTER" plugstack "required $PLUGIN"
  gp_rpc=$(one_job_rpcs --requeue --preempt-requeue)
  gp_pre=$(preempted_job_rpcs --preempt-requeue=max=1)
  row "RPCs ($gp_types) per unpreempted job" "$none_rpc" "$gp_rpc" "+$((gp_rpc - none_rpc))"
  row "RPCs (same types) per preempted job" "$none_pre" "$gp_pre" "+$((gp_pre - none_pre))"
fi

# --- memory of gracepack's own process -------------------------------------------------------
if want rss; then
  "$CLUSTER" plugstack "required $PLUGIN"
  reset_queue
  id=$(as_user sbatch --parsable --requeue --preempt-requeue -o /dev/null --wrap 'sleep 20')
  # This job's watcher, by its command line (not a step's that left at once, nor an exited one).
  watcher() { pgrep -u "$GP_TEST_USER" -f "gracepack-watcher --job $id " | head -n1 || true; }
  # Up and waiting: it holds the job's lock once it has started watching.
  for _ in $(seq 120); do [ -n "$(watcher)" ] && held "$id" && break; sleep 0.25; done
  wpid=$(watcher)
  [ -n "$wpid" ] || { echo "bench: no watcher started within 30 s" >&2; exit 1; }
  rss=$(ps -o rss= -p "$wpid" | tr -d ' ')
  row "RSS of gracepack-watcher, one per job (KiB)" "-" "$rss" "-"
  as_user scancel "$id" || true
fi

# --- a 3-node job that is not preempted: what its end costs slurmctld ----------------------
# Only the batch host decides, from root's marker and the watcher's status: the other nodes'
# epilogs and the batch host's send nothing (before: one read per node).
if want rpc3; then
  "$CLUSTER" restart --nodes 3 >/dev/null
  eval "$("$CLUSTER" env)"
  mkdir -p "$W" && chown "$GP_TEST_USER" "$W" && cd "$W"
  three_node_rpcs() {
    reset_queue
    sdiag -r >/dev/null
    local id; id=$(as_user sbatch --parsable -N3 --exclusive --mem=100M -o /dev/null "$@" \
      --wrap 'srun --ntasks-per-node=1 sleep 1')
    for n in gp1 gp2 gp3; do wait_log "$GP_CLUSTER_DIR/log/slurmd-$n.log" "completed epilog for \(jobid $id\$\|JobId=$id \)" 60; done
    rpcs
  }
  "$CLUSTER" plugstack ""
  none3=$(three_node_rpcs --requeue)
  "$CLUSTER" plugstack "required $PLUGIN state_dir=/run/gracepack-%n"
  gp3=$(three_node_rpcs --requeue --preempt-requeue)
  row "RPCs (same types) per unpreempted 3-node job" "$none3" "$gp3" "+$((gp3 - none3))"
fi

if want plan; then
  plan=$("$ROOT/build/bench_plan" --benchmark_filter='BM_Plan/8/256/64' 2>/dev/null | awk '/BM_Plan/ {print $2 " " $3}')
  row "plan_pack, 8 GPUs 256 CPUs 64 tasks" "-" "$plan" "-"
fi

echo
echo "gracepack benchmarks: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, Slurm $(sinfo -V | awk '{print $2}'), $RUNS runs per launch figure"
printf '%-62s %12s %12s %8s\n' "figure" "Slurm alone" "gracepack" "ratio"
printf '%s\n' "${rows[@]}"
