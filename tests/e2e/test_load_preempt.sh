#!/usr/bin/env bash
# Load: many preemptible jobs (the load partition oversubscribes the node's CPUs 16-fold) are
# preempted at once by one high-priority job. Every job that asked for --preempt-requeue is
# requeued exactly once and completes from its checkpoint; none that did not ask is requeued;
# every job is accounted for; no process is left behind. Prints the slurmctld RPCs gracepack
# added per job, counted by sdiag over the preemption (the test itself waits with squeue, whose
# RPC type gracepack never uses).
source "$(dirname "$0")/preempt_lib.sh"
# Under software emulation (tests/vm) even 8 jobs did not settle within CTest's 1200 s (26.05 and
# 24.11, 2026-11-30): one emulated CPU cannot carry the load this test is about.
[ "${GP_EMULATED:-0}" = 1 ] && skip "load test: the node is an emulated VM (TCG, no KVM); 8 jobs did not settle in 1200 s there"
N=${GP_LOAD_JOBS:-16}
ASK=$((N * 3 / 4))
[ "$N" = 16 ] || echo "note: $N jobs instead of 16 (GP_LOAD_JOBS, set where the node is emulated)" >&2

ids=()
for i in $(seq "$N"); do
  d=$WORK/j$i
  mkdir "$d"; cp app.sh job.sh "$d/"; chown -R "$GP_TEST_USER" "$d"
  opt=(); [ "$i" -le "$ASK" ] && opt=(--preempt-requeue)
  ids+=("$(as_user sbatch --parsable -p load -n1 --mem=32M --requeue "${opt[@]}" -D "$d" \
    -o "$d/out.txt" --open-mode=append --export=ALL,CKPT=2 "$d/job.sh")")
done
running() { squeue -h -p load -t RUNNING -o %i | wc -l; }
for _ in $(seq $((240 * TIME_SCALE))); do [ "$(running)" = "$N" ] && break; sleep 0.5; done
[ "$(running)" = "$N" ] || die "only $(running) of $N jobs started"
all_watching() {
  local i
  for i in $(seq "$ASK"); do watcher_watching "${ids[$((i - 1))]}" || return 1; done
}
wait_until 60 "the watchers of the $ASK jobs that asked" all_watching

# rpcs: slurmctld's count of the RPC types gracepack sends (job record reads, requeues, the
# update that counts a preemption in the job's AdminComment).
rpcs() {
  sdiag | awk '/REQUEST_JOB_INFO_SINGLE|REQUEST_JOB_REQUEUE|REQUEST_UPDATE_JOB/ {sub(/.*count:/, ""); n += $1} END {print n + 0}'
}
before=$(rpcs)
t0=$(date +%s)
as_user sbatch --parsable -p high -n "$NCPU" --mem=32M -o /dev/null --wrap 'sleep 2' >/dev/null

# Done when the asking jobs have completed their second run and the others are preempted. One
# squeue of the whole partition per look (REQUEST_JOB_INFO; `squeue -j` would send the
# REQUEST_JOB_INFO_SINGLE counted above).
settled() {
  local i states s
  states=$(squeue -h --states=all -p load -o '%i %T')
  for i in $(seq "$N"); do
    s=$(awk -v id="${ids[$((i - 1))]}" '$1 == id {print $2}' <<<"$states")
    if [ "$i" -le "$ASK" ]; then
      [ "$s" = COMPLETED ] && grep -q "job: resumed from checkpoint" "$WORK/j$i/out.txt" || return 1
    else
      [ "$s" = PREEMPTED ] || return 1
    fi
  done
}
for _ in $(seq $((360 * TIME_SCALE))); do settled && break; sleep 0.5; done
elapsed=$(( $(date +%s) - t0 ))
after=$(rpcs)
settled || die "not settled after ${elapsed} s: $(squeue -h --states=all -p load -o '%i %T')"

for i in $(seq "$N"); do
  id=${ids[$((i - 1))]}
  if [ "$i" -le "$ASK" ]; then
    check_ledger "$id" 1
    grep -q "gracepack: job $id is being preempted" "$WORK/j$i/out.txt" || die "job $id: no notice"
  else
    check_ledger "$id" 0
    grep -q "gracepack: job $id is being preempted" "$WORK/j$i/out.txt" \
      && die "job $id did not ask but got gracepack's notice"
  fi
done
for _ in $(seq $((40 * TIME_SCALE))); do [ -z "$(pgrep -u "$GP_TEST_USER")" ] && break; sleep 0.5; done
left=$(pgrep -a -u "$GP_TEST_USER" || true)
[ -z "$left" ] || die "processes left behind: $left"
for id in "${ids[@]}"; do [ -e "$GP_STATE_DIR/$id" ] && die "job $id's directory was left behind"; done
per_job=$(echo "scale=2; ($after - $before) / $ASK" | bc)
echo "load: $N jobs ($ASK with --preempt-requeue) preempted at once, settled in ${elapsed} s;" \
  "gracepack RPCs (job reads + requeues + count updates): $((after - before)) = ${per_job} per asking job"
# Each asking job costs 5 (the watcher's read at grace start, the epilog's read, the requeue, and
# since issue 20 the count: a read and an update); a read repeated while slurmctld, under this
# load, asks clients to back off adds a few: more than 6 per job on average is a regression
# (issue 21 item 7). Jobs that did not ask add none, and each asking job needs its requeue at
# least.
n_rpc=$((after - before))
[ "$n_rpc" -ge "$ASK" ] && [ "$n_rpc" -le $((6 * ASK)) ] \
  || die "gracepack RPCs $n_rpc for $ASK asking jobs: expected $((5 * ASK)), at most $((6 * ASK))"
pass "$N jobs preempted at once: $ASK requeued exactly once and resumed, $((N - ASK)) not requeued, nothing left"
