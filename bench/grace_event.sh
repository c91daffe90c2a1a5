#!/usr/bin/env bash
# The grace start as an event (issue 17), on one real cluster (this machine's, or a VM's through
# tests/vm/vm.sh run): notice latency and slurmctld RPCs per --preempt-requeue job, on 1 and 3
# nodes, with the event (PrologFlags=Contain: Slurm's extern placeholder up to 24.11,
# gracepack's from 25.05) beside the poll mode (no extern step: the batch node's watcher reads the
# job every poll_interval) in the same run. Prints one table.
#   bench/grace_event.sh     BENCH_RUNS=N preemptions per latency figure (5)
#                            BENCH_PREBUILT=1: use the installed package (no deps, no build)
# Latency: from the preemptor's submission (exact) and from slurmctld's PreemptTime (whole
# seconds, so up to 1 s more than the truth) to the handler of a program the batch script runs.
source "$(dirname "$0")/lib.sh"
RUNS=${BENCH_RUNS:-5}
POLL=5
trap '"$CLUSTER" stop >/dev/null' EXIT
PLUGIN=$(ls /usr/lib/*/slurm-wlm/gracepack.so | head -n1)
GRACE=${GP_GRACE_TIME:-15}
NCPU=$(nproc)
rows=()
row() { rows+=("$(printf '%-58s %14s %14s' "$@")"); }

start() { # start [cluster.sh start args]: a fresh cluster with gracepack and an audit log
  "$CLUSTER" restart "$@" >/dev/null
  eval "$("$CLUSTER" env)"
  W=$GP_CLUSTER_DIR/work/bench
  mkdir -p "$W" && chown "$GP_TEST_USER" "$W" && cd "$W"
  AUDIT=$GP_CLUSTER_DIR/bench-audit.jsonl
  "$CLUSTER" plugstack "required $PLUGIN audit_log=$AUDIT poll_interval=$POLL state_dir=/run/gracepack-%n"
  # SIG: the notice's signal (USR1 on 3 nodes, which Slurm never sends: only gracepack's notice).
  cat > app.sh <<'APP'
#!/bin/bash
[ "${SIG:-TERM}" != TERM ] && trap '' TERM
trap 'echo "notice $EPOCHREALTIME $(hostname -s) ${SLURMD_NODENAME:-}"; exit 0' "${SIG:-TERM}"
echo ready
while true; do sleep 0.2 & wait $!; done
APP
  chmod 755 app.sh; chown "$GP_TEST_USER" app.sh
}
reset_queue() {
  local i
  for i in $(seq 240); do
    [ $((i % 4)) = 1 ] && { as_user scancel -u "$GP_TEST_USER" 2>/dev/null || true; }
    [ -z "$(squeue -h -o %i)" ] && return 0
    sleep 0.5
  done
  echo "bench: the queue did not empty" >&2; exit 1
}
rpc_count() {
  sdiag | awk -v t="$1" '$1 == t { for (i = 2; i <= NF; i++) if ($i ~ /^count:/) { sub("count:", "", $i); print $i; f = 1; exit } }
                         END { if (!f) print 0 }'
}
rpcs() { echo $(( $(rpc_count REQUEST_JOB_INFO_SINGLE) + $(rpc_count REQUEST_JOB_REQUEUE) + $(rpc_count REQUEST_UPDATE_JOB) )); }
epilog_done() { # epilog_done ID: every slurmd has finished the job's epilog (nothing asks slurmctld)
  local f  # "jobid N" up to 24.11, "JobId=N SLUID=..." from 26.05
  for f in "$GP_CLUSTER_DIR"/log/slurmd*.log; do
    grep -qE "completed epilog for (jobid $1\$|JobId=$1( |\$))" "$f" || return 1
  done
}
ready() { [ "$(grep -c '^ready' "$1" 2>/dev/null)" -ge "$2" ]; }

# run_job NODES PREEMPT: one --preempt-requeue job on NODES nodes, preempted or not: on one node
# the program is run directly by the batch script (signal TERM); on three, by an srun step on
# each node (signal USR1: Slurm's own SIGTERM to srun steps is ignored). Prints "RPCS
# LATENCY_FROM_SUBMISSION LATENCY_FROM_PREEMPTTIME NODES_NOTICED" ("-" when not preempted); the
# latencies are the first node's.
run_job() {
  local nodes=$1 preempt=$2 id t0 t1 pt spec=max=1 sig=TERM
  reset_queue
  rm -f out.txt
  sdiag -r >/dev/null
  local launch="./app.sh"
  if [ "$nodes" -gt 1 ]; then
    launch="srun --ntasks-per-node=1 ./app.sh"
    spec=max=1,signal=USR1 sig=USR1
  fi
  if [ "$preempt" = 1 ]; then
    id=$(as_user sbatch --parsable -p low-grace -N "$nodes" --exclusive --mem=100M --requeue \
      --preempt-requeue=$spec --export=ALL,SIG=$sig --open-mode=append -o out.txt --wrap "$launch")
  else
    id=$(as_user sbatch --parsable -p low-grace -N "$nodes" --exclusive --mem=100M --requeue \
      --preempt-requeue=$spec --export=ALL,SIG=$sig -o out.txt --wrap "sleep 30")
  fi
  if [ "$preempt" = 1 ]; then
    wait_for 120 ready out.txt "$nodes"
    t0=$EPOCHREALTIME
    as_user sbatch -p high -N "$nodes" --exclusive -o /dev/null --wrap 'sleep 1' >/dev/null
    wait_for $((GRACE + 60)) grep -q '^notice' out.txt
  fi
  wait_for $((GRACE + 120)) epilog_done "$id"
  local n; n=$(rpcs)
  if [ "$preempt" = 1 ]; then
    t1=$(awk '/^notice/ {print $2}' out.txt | sort -n | head -n1)
    pt=$(grep "\"job_id\":$id," "$AUDIT" | grep '"event":"notice"' |
      sed -n 's/.*"preempt_time":\([0-9]*\).*/\1/p' | head -n1)
    echo "$n $(echo "scale=2; ($t1 - $t0) / 1" | bc) $(echo "scale=2; ($t1 - ${pt:-0}) / 1" | bc)" \
      "$(grep -c '^notice' out.txt)"
  else
    echo "$n - - -"
  fi
}
pct() { # pct P VALUES...: the P-th percentile (nearest rank)
  local p=$1; shift
  printf '%s\n' "$@" | sort -n | awk -v p="$p" '{a[NR]=$1} END {i=int((p*NR+99)/100); if (i<1) i=1; print a[i]}'
}

# The extern step's placeholder (Slurm's up to 24.11, gracepack's from 25.05): its memory.
start
id=$(as_user sbatch --parsable -p low-grace -n1 -o /dev/null --wrap 'sleep 20')
holder=""
for _ in $(seq 100); do
  holder=$(pgrep -x sleep -u root -P "$(pgrep -f "slurmstepd: \[$id.extern\]" | head -n1)" 2>/dev/null | head -n1 || true)
  [ -n "$holder" ] && break
  sleep 0.2
done
holder_rss=$([ -n "$holder" ] && ps -o rss= -p "$holder" | tr -d ' ' || echo none)
reset_queue

declare -A lat_sub lat_pt rpc_idle rpc_pre noticed
for nodes in 1 3; do
  for mode in event poll; do
    args=()
    [ "$nodes" = 3 ] && args+=(--nodes 3)
    [ "$mode" = poll ] && args+=(--no-contain)
    start "${args[@]}"
    k=$nodes.$mode
    read -r rpc_idle[$k] _ _ _ < <(run_job "$nodes" 0)
    subs=() pts=() pre=()
    runs=$RUNS
    [ "$nodes" = 3 ] && runs=1
    for _ in $(seq "$runs"); do
      read -r n s p c < <(run_job "$nodes" 1)
      pre+=("$n") subs+=("$s") pts+=("$p")
      noticed[$k]=$c
    done
    rpc_pre[$k]=$(pct 50 "${pre[@]}")
    lat_sub[$k]="$(pct 50 "${subs[@]}")/$(pct 95 "${subs[@]}")"
    lat_pt[$k]="$(pct 50 "${pts[@]}")/$(pct 95 "${pts[@]}")"
  done
done
row "RSS of the extern step's placeholder, one per job and node (KiB)" "$holder_rss" "-"
for nodes in 1 3; do
  row "RPCs, unpreempted job on $nodes node(s), its life" "${rpc_idle[$nodes.event]}" "${rpc_idle[$nodes.poll]}"
  row "RPCs, preempted job on $nodes node(s) (median)" "${rpc_pre[$nodes.event]}" "${rpc_pre[$nodes.poll]}"
  row "notice after the preemptor, p50/p95 s ($nodes node(s))" "${lat_sub[$nodes.event]}" "${lat_sub[$nodes.poll]}"
  row "notice after PreemptTime (whole s), p50/p95 ($nodes node(s))" "${lat_pt[$nodes.event]}" "${lat_pt[$nodes.poll]}"
  row "nodes whose program got the notice ($nodes node(s))" "${noticed[$nodes.event]}/$nodes" "${noticed[$nodes.poll]}/$nodes"
done
echo
echo "grace start as an event: $(date -u +%Y-%m-%dT%H:%MZ), Slurm $(sinfo -V | awk '{print $2}'), cgroup $(stat -fc %T /sys/fs/cgroup), $NCPU CPUs, $RUNS preemptions per 1-node latency (1 for 3 nodes), poll_interval=$POLL, GraceTime=$GRACE"
printf '%-58s %14s %14s\n' "figure" "event" "poll mode"
printf '%s\n' "${rows[@]}"
