#!/usr/bin/env bash
# Handing the grace period back (issue 19 item 4), on one real cluster: how long the job that
# preempts waits for its CPUs when the preempted job acknowledges its checkpoint 1 s into its
# window and then keeps running (ranks that wait for the kill), with return_grace (the admin's key
# on, the job's SPEC asking) beside the same job without it, in the same run. Prints one table.
#   bench/return_grace.sh    BENCH_RUNS=N preemptions per figure (5)
#                            BENCH_PREBUILT=1: use the installed package (no deps, no build)
# Wait: from the preemptor's submission (exact) to its batch script's first line.
source "$(dirname "$0")/lib.sh"
RUNS=${BENCH_RUNS:-5}
trap '"$CLUSTER" stop >/dev/null' EXIT
PLUGIN=$(ls /usr/lib/*/slurm-wlm/gracepack.so | head -n1)
NCPU=$(nproc)
"$CLUSTER" restart >/dev/null
eval "$("$CLUSTER" env)"
W=$GP_CLUSTER_DIR/work/bench
mkdir -p "$W" && chown "$GP_TEST_USER" "$W" && cd "$W"
AUDIT=$GP_CLUSTER_DIR/bench-audit.jsonl
queue_empty() { [ -z "$(squeue -h -o %i)" ]; }
# The preempted job's program: on the notice it checkpoints for 1 s, acknowledges, and waits for
# the kill.
cat > app.sh <<'APP'
#!/bin/bash
trap 'sleep 1; echo "step 1" > "$GRACEPACK_CHECKPOINT_FILE"; trap "" TERM; while true; do sleep 0.2 & wait $!; done' TERM
echo ready
while true; do sleep 0.2 & wait $!; done
APP
printf '#!/bin/bash\n[ "${SLURM_RESTART_COUNT:-0}" -gt 0 ] && exit 0\n./app.sh\n' > job.sh
chmod 755 app.sh job.sh; chown "$GP_TEST_USER" app.sh job.sh

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
# wait_of SPEC: seconds the preemptor waited, once.
wait_of() {
  rm -f out.txt pre.txt
  local id; id=$(as_user sbatch --parsable -p low-grace -n "$NCPU" --requeue --preempt-requeue"$1" -o out.txt job.sh)
  wait_for 60 grep -q '^ready' out.txt
  wait_for 20 test -s "/run/gracepack/$id/watcher"
  local t0; t0=$(date +%s.%N)
  as_user sbatch --parsable -p high -n "$NCPU" -o pre.txt --wrap 'echo "started $(date +%s.%N)"' >/dev/null
  wait_for 120 grep -q '^started' pre.txt
  echo "$(sed -n 's/^started //p' pre.txt) - $t0" | bc
  as_user scancel -u "$GP_TEST_USER" 2>/dev/null || true
  wait_for 120 queue_empty
}
rows=()
for mode in off on; do
  if [ "$mode" = on ]; then
    "$CLUSTER" plugstack "required $PLUGIN audit_log=$AUDIT return_grace=on"
  else
    "$CLUSTER" plugstack "required $PLUGIN audit_log=$AUDIT"
  fi
  waits=()
  for _ in $(seq "$RUNS"); do waits+=("$(wait_of =return_grace)"); done
  rows+=("$(printf '%-44s %8s %8s %8s' "return_grace $mode (admin), job asks" \
    "$(printf '%s\n' "${waits[@]}" | median)" "$(printf '%s\n' "${waits[@]}" | sort -n | head -n1)" \
    "$(printf '%s\n' "${waits[@]}" | sort -n | tail -n1)")")
done
echo "== $(slurmd -V), GraceTime $(scontrol show partition low-grace | sed -n 's/.*GraceTime=\([0-9]*\).*/\1/p') s, KillWait $(scontrol show config | awk '/^KillWait/ {print $3}') s, $RUNS runs each"
printf '%-44s %8s %8s %8s\n' "the preemptor's wait (s), from its submission" median min max
printf '%s\n' "${rows[@]}"
returned=$(grep -o '"grace_returned_seconds":[0-9]*' "$AUDIT" | cut -d: -f2 | median)
echo "grace handed back per run (audit, median): ${returned:-none} s"
