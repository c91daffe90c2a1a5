#!/usr/bin/env bash
# Several nodes: the cluster restarts with three slurmd on this machine (Slurm's multiple-slurmd
# mode: nodes gp1..gp3 on cluster 1), each with its own notice directory (state_dir=/run/gracepack-%n).
# - A packed step over three nodes gets a plan per node: each node's tasks have their own GPUs
#   and disjoint CPUs, and each node prints its own table, named after the node.
# - A three-node --preempt-requeue job (notice signal USR1, which Slurm itself never sends) is
#   preempted: the app on every node hears USR1 within 2 s and reads its node's notice file; the
#   job is requeued exactly once, from the batch node, and resumes.
source "$(dirname "$0")/lib.sh"
on_exit 'cd / && "$CLUSTER" restart >/dev/null'
restart_cluster --nodes 3
PREEMPT_KEYS="state_dir=/run/gracepack-%n" source "$GP_SOURCE_DIR/tests/e2e/preempt_lib.sh"
NODES=("${GP_NODE_PREFIX}1" "${GP_NODE_PREFIX}2" "${GP_NODE_PREFIX}3")

# 1. One packed step, three nodes, two tasks per node with a GPU each.
out=$(as_user srun -N3 -n6 --ntasks-per-node=2 --mem=200M --gres=gpu:2 --pack-gpus=verbose \
  bash -c 'echo "task $SLURMD_NODENAME $SLURM_PROCID $GRACEPACK_GPU $(taskset -pc $$ | sed "s/.*: //")"' 2>&1)
for n in "${NODES[@]}"; do
  rows=$(grep "^task $n " <<<"$out") || die "no task ran on $n: $out"
  [ "$(wc -l <<<"$rows")" = 2 ] || die "$n ran $(wc -l <<<"$rows") tasks, not 2: $out"
  [ "$(awk '{print $4}' <<<"$rows" | sort -u | wc -l)" = 2 ] || die "$n: tasks share a GPU: $rows"
  # shellcheck disable=SC2046
  cpus_disjoint $(awk '{print $5}' <<<"$rows") || die "$n: tasks share CPUs: $rows"
  grep -q "gracepack: --pack-gpus=1,verbose on $n: 2 tasks" <<<"$out" || die "no plan table for $n: $out"
done
pass "a packed step over 3 nodes: a plan per node, each node's tasks on their own GPU and CPUs"

# 2. A three-node job preempted: the notice on every node, one requeue.
cat > mn.sh <<'JOB'
#!/bin/bash
echo "job: start restart=${SLURM_RESTART_COUNT:-0}"
if [ -f ckpt ]; then echo "job: resumed from checkpoint"; exit 0; fi
NOTICE_SIGNAL=USR1 IGNORE_TERM=1 srun --ntasks-per-node=1 bash -c 'APP_TAG=$SLURMD_NODENAME exec ./app.sh'
echo "job: app exited $?"
JOB
chmod 755 mn.sh; chown "$GP_TEST_USER" mn.sh
id=$(as_user sbatch --parsable -p low-grace -N3 --exclusive --mem=200M --requeue \
  --preempt-requeue=signal=USR1 --open-mode=append -o out.txt --export=ALL,CKPT=3 mn.sh)
# Up when every node's watcher watches and every node's app runs (its srun step has started).
mn_ready() {
  local n
  for n in "${NODES[@]}"; do
    watcher_watching "$id" "/run/gracepack-$n" || return 1
  done
  [ "$(squeue -h -s -j "$id" -o %i | grep -c "^$id\.0$")" = 1 ] || return 1
  # and each app has set its signal handlers (slow under emulation: Slurm's SIGTERM at grace
  # start killed one that had not yet, on 26.05)
  [ "$(grep -c "^${GP_NODE_PREFIX}[0-9]* app: ready$" out.txt)" = 3 ]
}
wait_until 60 "job $id's step and a watcher on each of its nodes" mn_ready
t0=$(date +%s.%N)
as_user sbatch --parsable -p high -N3 --exclusive --mem=200M -o /dev/null --wrap 'sleep 2' >/dev/null
wait_requeued "$id" >/dev/null
# 0.95 s on the host; three slurmd in one emulated VM were slower (7.4 s on 24.11).
limit=$(notice_limit 3)
# Emulated (tests/vm): three slurmd and their watchers share one slow CPU (11.2 s once on 24.11);
# what must hold there is a notice in the first half of the window, long before its end.
if [ "$TIME_SCALE" -gt 1 ] && [ "$limit" -lt $((GRACE / 2)) ]; then
  limit=$((GRACE / 2))
  echo "note: emulated node: notice bound ${limit} s, half of the ${GRACE} s window" >&2
fi
for n in "${NODES[@]}"; do
  t1=$(sed -n "s/^$n app: notice at //p" out.txt | head -n1)
  [ -n "$t1" ] || die "the app on $n got no USR1: $(cat out.txt)"
  l=$(echo "$t1 - $t0" | bc)
  [ "$(echo "$l < $limit" | bc)" = 1 ] || die "the notice reached $n $l s after the preemption (limit $limit s)"
  grep -q "^$n app: cause=preemption notice_time=[0-9]* deadline=[0-9]*" out.txt \
    || die "the app on $n did not read its node's notice file: $(cat out.txt)"
  echo "notice on $n: ${l} s after the preemption"
done
[ "$(grep -c 'is being preempted' out.txt)" = 1 ] || die "not exactly one notice line on stderr: $(cat out.txt)"
grep -q "job: resumed from checkpoint" out.txt || die "job $id did not resume: $(cat out.txt)"
check_ledger "$id" 1
[ "$(audit_events "$id")" = "notice requeue no-requeue " ] || die "audit events: $(audit_events "$id")"
for n in "${NODES[@]}"; do [ -e "/run/gracepack-$n/$id" ] && die "$n kept the job's directory"; done
pass "a 3-node job preempted: USR1 and the notice file on every node, requeued exactly once"

# 3. Issue 9 item 6: a 3-node --preempt-requeue job that is not preempted costs slurmctld nothing
# at its end: only the batch host decides, and its watcher was watching when the script ended.
# sdiag counts the RPC types gracepack sends; the test waits with `squeue -p`, another type.
# 0 RPCs from the moment every node's watcher watches to the end of the job's epilogs, on every
# release: the watchers wait on the extern step's placeholder (Slurm's up to 24.11, gracepack's
# from 25.05) and read nothing. (Counted from then: srun itself reads the job once on 26.05.)
rpcs() {
  sdiag | awk '/REQUEST_JOB_INFO_SINGLE|REQUEST_JOB_REQUEUE/ {sub(/.*count:/, ""); n += $1} END {print n + 0}'
}
queue_empty() { [ -z "$(squeue -h -p low-grace -o %i)" ]; }
rm -f go
id=$(as_user sbatch --parsable -p low-grace -N3 --exclusive --mem=200M --requeue --preempt-requeue \
  -o quiet.txt --wrap 'srun --ntasks-per-node=1 bash -c "for i in \$(seq 3000); do [ -e go ] && break; sleep 0.1; done; echo ran on \$SLURMD_NODENAME"')
# Up when each node's watcher watches.
quiet_ready() {
  local n
  for n in "${NODES[@]}"; do watcher_watching "$id" "/run/gracepack-$n" || return 1; done
}
wait_until 60 "job $id's watcher on each of its nodes" quiet_ready
before=$(rpcs)
as_user touch go
wait_until 90 "the end of job $id" queue_empty
after=$(rpcs)
[ "$(grep -c '^ran on' quiet.txt)" = 3 ] || die "the job did not run on 3 nodes: $(cat quiet.txt)"
grep "\"job_id\":$id," "$AUDIT" | grep -q '"reason":"completed without preemption"' \
  || die "the batch host did not decide: $(grep "\"job_id\":$id," "$AUDIT")"
[ "$((after - before))" = 0 ] || die "gracepack sent $((after - before)) RPCs while an unpreempted 3-node job ran and at its end"
for n in "${NODES[@]}"; do [ -e "/run/gracepack-$n/$id" ] && die "$n kept the job's directory"; done
pass "an unpreempted 3-node job: decided on the batch host with 0 RPCs to slurmctld while it ran and at its end, nothing left"
