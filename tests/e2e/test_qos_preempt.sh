#!/usr/bin/env bash
# Issue 20: QOS preemption on a cluster with accounting (slurmdbd + MariaDB, cluster.sh --qos):
# PreemptType=preempt/qos, a normal-QOS job preempts scavenger-QOS jobs, GraceTime on the QOS.
#  (a) scav-cancel (PreemptMode=CANCEL): the app hears of it at grace start, reads its notice,
#      saves; gracepack requeues the job once; the audit and the report say so.
#  (b) scav-requeue (PreemptMode=REQUEUE): the same notice; Slurm requeues the job itself and
#      gracepack counts the preemption all the same (AdminComment).
#  (c) protect_after=2 protect_qos=protected: a job preempted in a loop is preempted exactly twice,
#      the second notice says where it comes back, and its third run, in the protected QOS, runs
#      to its end while a normal-QOS job that would have preempted it waits.
#  (d) the same in an account that may not use the protected QOS (slurmctld would let root move it:
#      gracepack asks the association manager): told at the job's start, no notice promises the
#      move, the job is requeued in its own QOS all the same, the audit says why; nothing drains.
#  (e) sacct --duplicates agrees with gracepack-report on every job's runs, preemptions and
#      requeues.
E2E=$(cd "$(dirname "$0")" && pwd)
source "$E2E/lib.sh"
command -v slurmdbd >/dev/null && command -v mariadbd >/dev/null \
  || skip "slurmdbd or mariadb-server is not installed (scripts/deps.sh installs them)"
# A cluster that could not start with accounting is put back as it was before the test fails:
# the next test, and this one's end, need one that answers.
restart_cluster --qos || { restart_cluster; die "cluster.sh start --qos failed (above)"; }
on_exit 'restart_cluster >/dev/null'
PREEMPT_KEYS="protect_after=2 protect_qos=protected" source "$E2E/preempt_lib.sh"
# The app saves in 2 s: each preemption takes a few seconds of the window, not all of it.
export CKPT=2

# preempt_qos: a normal-QOS job that needs every CPU for 2 s; prints the submission time.
preempt_qos() {
  local t; t=$(date +%s.%N)
  as_user sbatch --parsable -p main --qos=normal -n "$NCPU" -o /dev/null --wrap 'sleep 2' >/dev/null
  echo "$t"
}
restarts_are() { [ "$(field "$1" Restarts)" = "$2" ]; }
running_run() { [ "$(field "$1" Restarts)" = "$2" ] && job_running "$1" && watcher_watching "$1"; }

# --- (a) PreemptMode=CANCEL: gracepack's notice and requeue ---
id_a=$(submit_low main --qos=scav-cancel --requeue --preempt-requeue --export=ALL,CKPT job.sh)
t0=$(preempt_qos)
wait_requeued "$id_a" >/dev/null
grep -q '^app: cause=preemption' out.txt || die "(a) the app did not read its notice: $(cat out.txt)"
grep -q '^job: resumed from checkpoint' out.txt || die "(a) the rerun did not resume: $(cat out.txt)"
from_grace=$(grace_latency "$id_a")
check_ledger "$id_a" 1
[ "$(audit_events "$id_a")" = "notice requeue no-requeue " ] || die "(a) audit events: $(audit_events "$id_a")"
[ "$(run_record "$id_a" qos)" = scav-cancel ] || die "(a) the audit's qos: '$(run_record "$id_a" qos)'"
[ "$(run_record "$id_a" preemptions)" = 1 ] || die "(a) the audit's preemptions: '$(run_record "$id_a" preemptions)'"
[ "$(field "$id_a" AdminComment)" = gracepack_preemptions=1 ] || die "(a) AdminComment: $(field "$id_a" AdminComment)"
pass "(a) scav-cancel: notice $from_grace s after grace start, read and saved; 1 requeue by gracepack; audit qos and count"
rm -f ckpt out.txt

# --- (b) PreemptMode=REQUEUE: Slurm's own requeue, counted ---
# The app does not save: Slurm requeues the job at the deadline itself.
id_b=$(submit_low main --qos=scav-requeue --requeue --preempt-requeue --export=ALL,CKPT=600 job.sh)
preempt_qos >/dev/null
wait_until $((GRACE + 60)) "Slurm's requeue of job $id_b" restarts_are "$id_b" 1
wait_until 30 "the epilog's decision about job $id_b's first run" decided "$id_b" 1
grep -q '^app: cause=preemption' out.txt || die "(b) the app did not read its notice: $(cat out.txt)"
grep "\"job_id\":$id_b," "$AUDIT" | grep '"event":"no-requeue"' | grep -q 'Slurm requeues this job itself' \
  || die "(b) audit: $(grep "\"job_id\":$id_b," "$AUDIT")"
wait_until 30 "job $id_b's count" sh -c "scontrol -o show job $id_b | grep -q 'AdminComment=gracepack_preemptions=1 '"
# Its second preemption (protect_after=2) moves it into the protected QOS, Slurm's requeue or not.
wait_until 120 "the second run of job $id_b" running_run "$id_b" 1
preempt_qos >/dev/null
wait_until $((GRACE + 60)) "Slurm's second requeue of job $id_b" restarts_are "$id_b" 2
wait_until 30 "the epilog's decision about job $id_b's second run" decided "$id_b" 2
[ "$(field "$id_b" QOS)" = protected ] || die "(b) after its second preemption job $id_b is in QOS $(field "$id_b" QOS): $(grep "\"job_id\":$id_b," "$AUDIT" | tail -n1)"
# Its third run is ended by a user (a run of its own in sacct and in the audit).
wait_until 120 "the third run of job $id_b" running_run "$id_b" 2
scancel "$id_b"
wait_until 60 "the end of job $id_b" job_over "$id_b"
pass "(b) scav-requeue: notice at grace start, Slurm's own requeue, counted in AdminComment"
rm -f ckpt out.txt

# --- (c) protect_after=2: preempted twice, then it finishes in the protected QOS ---
cat > loop.sh <<'JOB'
#!/bin/bash
echo "loop: start restart=${SLURM_RESTART_COUNT:-0} qos=$SLURM_JOB_QOS"
if [ "${SLURM_RESTART_COUNT:-0}" -ge 2 ]; then
  # The protected run works until the test lets it finish (2 minutes at most).
  for _ in $(seq 240); do [ -e finish ] && break; sleep 0.5; done
  echo "loop: finished"; exit 0
fi
./app.sh
JOB
chmod 755 loop.sh; chown "$GP_TEST_USER" loop.sh
# run_loop ACCOUNT: submits loop.sh and preempts it twice; prints the job id.
run_loop() {
  local id k
  id=$(submit_low main --account="$1" --qos=scav-cancel --requeue --preempt-requeue --export=ALL,CKPT loop.sh)
  for k in 1 2; do
    wait_until 120 "run $k of job $id" running_run "$id" $((k - 1))
    preempt_qos >/dev/null
    wait_until 120 "requeue $k of job $id" restarts_are "$id" "$k"
    wait_until 30 "the epilog's decision about run $k of job $id" decided "$id" "$k"
  done
  echo "$id"
}
id_c=$(run_loop gp)
wait_until 120 "the protected run of job $id_c" running_run "$id_c" 2
[ "$(field "$id_c" QOS)" = protected ] || die "(c) the third run is in QOS $(field "$id_c" QOS)"
grep -q '^loop: start restart=2 qos=protected$' out.txt || die "(c) the third run: $(cat out.txt)"
grep -q 'The job will be requeued afterwards (requeue 2 of max 5 after preemption), into the protected QOS protected (this is its preemption 2).' out.txt \
  || die "(c) the second notice does not say where the job comes back: $(cat out.txt)"
# A normal-QOS job that would have preempted it: slurmctld weighs it and leaves it waiting.
waiter=$(as_user sbatch --parsable -p main --qos=normal -n "$NCPU" -o /dev/null --wrap 'sleep 1')
pending_for_resources() { [ "$(squeue -h -j "$waiter" -o %T)" = PENDING ] && case "$(squeue -h -j "$waiter" -o %r)" in Resources|Priority) ;; *) return 1 ;; esac; }
wait_until 30 "the scheduler to weigh job $waiter" pending_for_resources
[ "$(field "$id_c" PreemptTime)" = None ] && job_running "$id_c" \
  || die "(c) the protected run was preempted: $(scontrol -o show job "$id_c")"
touch finish
wait_until 120 "the end of job $id_c" job_over "$id_c"
[ "$(field "$id_c" JobState)" = COMPLETED ] || die "(c) job $id_c ended $(field "$id_c" JobState)"
wait_until 120 "job $waiter to run after it" job_over "$waiter"
[ "$(field "$id_c" Restarts)" = 2 ] || die "(c) restarts: $(field "$id_c" Restarts)"
moved=$(grep "\"job_id\":$id_c," "$AUDIT" | grep -c '"requeue_qos":"protected"' || true)
[ "$moved" = 1 ] || die "(c) audit records of the move: $moved: $(grep "\"job_id\":$id_c," "$AUDIT")"
pass "(c) protect_after=2: preempted exactly twice, then finished in QOS protected while job $waiter waited"
rm -f ckpt out.txt finish

# --- (d) an account that may not use the protected QOS ---
id_d=$(run_loop gp-noprotect)
wait_until 120 "the third run of job $id_d" running_run "$id_d" 2
[ "$(field "$id_d" QOS)" = scav-cancel ] || die "(d) job $id_d is in QOS $(field "$id_d" QOS)"
grep "\"job_id\":$id_d," "$AUDIT" | grep '"event":"requeue"' \
  | grep '"qos_note":"not moved into QOS protected: account gp-noprotect of user '"$GP_TEST_USER"' may not use QOS protected"' \
  | grep -q 'stays in QOS scav-cancel' || die "(d) audit: $(grep "\"job_id\":$id_d," "$AUDIT")"
# Told when it started, and never promised the move.
grep -q "^gracepack: this cluster moves a job preempted 2 times into QOS protected, but not this one: account gp-noprotect of user $GP_TEST_USER may not use QOS protected. It is requeued in its own QOS at every preemption.\$" out.txt \
  || die "(d) the job was not told at its start: $(cat out.txt)"
! grep -q 'into the protected QOS' out.txt || die "(d) a notice promised the move: $(cat out.txt)"
[ "$(field "$id_d" AdminComment)" = gracepack_preemptions=2 ] || die "(d) AdminComment: $(field "$id_d" AdminComment)"
touch finish
wait_until 120 "the end of job $id_d" job_over "$id_d"
assert_node_up
pass "(d) QOS protected refused for account gp-noprotect: requeued in scav-cancel, the audit says why"

# --- (e) sacct and gracepack-report agree ---
# Per job: runs, preempted runs, requeues. sacct --duplicates lists every run; a preempted run is
# PREEMPTED there (gracepack's requeue after it) or REQUEUED (Slurm's own).
# gracepack-report: runs, runs with cause preemption, requeues by gracepack plus Slurm's own.
for id in "$id_a" "$id_b" "$id_c" "$id_d"; do
  wait_until 60 "slurmdbd's record of job $id's end" sh -c \
    "sacct --duplicates -X -n -P -j $id -o State | grep -qvE '^(RUNNING|PENDING|REQUEUED)\$'"
  mine=$(gracepack-report --log "$AUDIT" "$id" --json | python3 -c '
import json, sys
r = json.load(sys.stdin)["runs"]
pre = sum(1 for x in r if x["cause"] == "preemption")
req = sum(1 for x in r if x["decision"] == "requeued" or x["reason"].startswith("Slurm requeues"))
print(len(r), pre, req)')
  theirs=$(sacct --duplicates -X -n -P -j "$id" -o State | python3 -c '
import sys
s = [l.split()[0] for l in sys.stdin.read().split("\n") if l]
print(len(s), sum(1 for x in s if x in ("PREEMPTED", "REQUEUED")), len(s) - 1)')
  echo "note: job $id: sacct states $(sacct --duplicates -X -n -P -j "$id" -o State | tr '\n' ' ')" >&2
  [ "$mine" = "$theirs" ] || die "(e) job $id: gracepack-report says runs/preemptions/requeues $mine, sacct $theirs: $(sacct --duplicates -X -n -P -j "$id" -o JobID,State,Start,End)"
done
pass "(e) sacct --duplicates and gracepack-report agree on runs, preemptions and requeues of 4 jobs"

# --- (f) the report's per-cause counts and the alert on jobs preempted more than once ---
# gracepack requeued a once and c and d twice (b was Slurm's); b and c were moved into the
# protected QOS, d's move was refused; b, c and d were preempted twice: 3 jobs over 1.
totals=$(gracepack-report --summary --json --alert-preemptions 1 --log "$AUDIT" | python3 -c '
import json, sys
t = json.load(sys.stdin)["total"]
print(*(t[k] for k in ("requeues_preemption", "requeues_other", "protected_qos_moves",
                       "protected_qos_refusals", "max_job_preemptions",
                       "jobs_preempted_over_threshold")))')
[ "$totals" = "5 0 2 1 2 3" ] || die "(f) --summary --json: requeues by preemption, other, moves, refusals, max, over 1: $totals, expected 5 0 2 1 2 3"
gauge=$(gracepack-report --summary --openmetrics --alert-preemptions 1 --log "$AUDIT" \
  | awk '/^gracepack_jobs_preempted_over_threshold\{/ {n += $NF} END {print n + 0}')
[ "$gauge" = 3 ] || die "(f) gracepack_jobs_preempted_over_threshold summed to $gauge, expected 3"
pass "(f) the report: 5 requeues after preemption, 0 for other causes, 2 moves and 1 refusal; 3 jobs preempted more than once"
