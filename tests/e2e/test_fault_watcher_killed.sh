#!/usr/bin/env bash
# A user kills their job's gracepack watcher: the job keeps running and finishes, nothing is left
# behind, and a preemption still ends in one requeue (the epilog decides; only the early notice
# is lost).
source "$(dirname "$0")/preempt_lib.sh"
watcher_of() { # the watcher started for job $1, found by its command line
  pgrep -u "$GP_TEST_USER" -f "gracepack-watcher --job $1 " | head -n1 || true
}
wait_watcher() { # the watcher of job $1, waiting up to 10 s for it to start
  for _ in $(seq $((40 * TIME_SCALE))); do [ -n "$(watcher_of "$1")" ] && break; sleep 0.25; done
  watcher_of "$1"
}

id=$(as_user sbatch --parsable --requeue --preempt-requeue -o k1.txt --wrap 'sleep 4; echo finished')
w=$(wait_watcher "$id")
[ -n "$w" ] || die "no watcher for job $id"
as_user kill -KILL "$w"
wait_state "$id" COMPLETED 60
grep -q finished k1.txt || die "the job did not finish after its watcher was killed"
wait_until 30 "the epilog's decision about job $id" decided "$id" 1
[ -e "$GP_STATE_DIR/$id" ] && die "the job's directory was left behind"
grep "\"job_id\":$id," "$AUDIT" | grep '"event":"no-requeue"' >/dev/null || die "the epilog did not run its decision"
pass "watcher killed: job $id finished, directory removed, epilog decided"

id=$(submit_low low-grace --requeue --preempt-requeue --export=ALL,CKPT=300 job.sh)
w=$(wait_watcher "$id")
[ -n "$w" ] || die "no watcher for job $id"
as_user kill -KILL "$w"
preempt >/dev/null
for _ in $(seq $((160 * TIME_SCALE))); do [ "$(field "$id" Restarts)" = 1 ] && break; sleep 0.5; done
[ "$(field "$id" Restarts)" = 1 ] || die "job $id was not requeued after its watcher was killed"
grep -q "is being preempted" out.txt && die "a notice came although the watcher was killed"
check_ledger "$id" 1
as_user scancel "$id"
wait_until $((60 * TIME_SCALE)) "the end of job $id" job_over "$id"
check_ledger "$id" 1  # and no second requeue on its way out (issue 21 item 6)
pass "watcher killed, then preempted: no early notice, requeued once by the epilog"
