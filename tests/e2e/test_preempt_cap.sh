#!/usr/bin/env bash
# With max_requeue=1 a second preemption does not requeue, and the job's stderr and the audit
# record say why. The notice signal here is SIGUSR1, chosen by the user.
PREEMPT_KEYS="max_requeue=1" source "$(dirname "$0")/preempt_lib.sh"
# No checkpoint file: every run waits for its notice.
sed -i 's/^if \[ -f ckpt \].*$//' job.sh
id=$(submit_low low-grace --requeue --preempt-requeue=signal=USR1 --export=ALL,NOTICE_SIGNAL=USR1 job.sh)
preempt >/dev/null
for _ in $(seq $((120 * TIME_SCALE))); do [ "$(field "$id" Restarts)" = 1 ] && [ "$(field "$id" JobState)" = RUNNING ] && break; sleep 0.5; done
[ "$(field "$id" Restarts)" = 1 ] || die "first preemption did not requeue"
[ "$(field "$id" JobState)" = RUNNING ] || die "requeued job did not run again"
# Issue 20: the preemption is counted in slurmctld, in the job's AdminComment (users cannot
# change it), where the next run's decision reads it.
[ "$(field "$id" AdminComment)" = gracepack_preemptions=1 ] \
  || die "AdminComment after the first preemption: '$(field "$id" AdminComment)'"
wait_until 20 "the watcher of the second run" watcher_watching "$id"
preempt >/dev/null
wait_ended "$id" 60 2
cat out.txt
grep -q "SIGUSR1 sent to its processes" out.txt || die "the notice line does not name USR1"
[ "$(grep -c '^app: notice at' out.txt)" = 2 ] || die "the app did not get USR1 at both preemptions"
[ "$(field "$id" Restarts)" = 1 ] || die "second preemption requeued past max_requeue=1"
grep -q "It will NOT be requeued: it was requeued after 1 preemptions, the maximum is 1" out.txt \
  || die "the job's stderr does not say why it is not requeued"
grep "\"job_id\":$id," "$AUDIT" | grep '"event":"cap"' | grep -q "requeue cap reached" \
  || die "no cap record in the audit log: $(cat "$AUDIT")"
pass "max_requeue=1: second preemption not requeued; stderr and audit say why"

# Issue 20: a job whose budget for other causes is spent (max_other=0, and an admin's requeue
# already restarted it once) is still requeued after a preemption: the budgets are apart.
rm -f ckpt out.txt
id=$(submit_low low-grace --requeue --preempt-requeue=max_other=0 job.sh)
scontrol requeue "$id"
for _ in $(seq $((120 * TIME_SCALE))); do [ "$(field "$id" Restarts)" = 1 ] && [ "$(field "$id" JobState)" = RUNNING ] && break; sleep 0.5; done
[ "$(field "$id" Restarts)" = 1 ] && [ "$(field "$id" JobState)" = RUNNING ] || die "the admin's requeue did not restart job $id"
wait_until 20 "the watcher of job $id's second run" watcher_watching "$id"
preempt >/dev/null
for _ in $(seq $((120 * TIME_SCALE))); do [ "$(field "$id" Restarts)" = 2 ] && break; sleep 0.5; done
[ "$(field "$id" Restarts)" = 2 ] || die "a preemption after the other-cause budget was spent did not requeue job $id: $(grep "\"job_id\":$id," "$AUDIT" | tail -n1)"
rec=$(grep "\"job_id\":$id," "$AUDIT" | grep '"event":"requeue"')
grep -q '"preemptions":1,"other_requeues":1' <<<"$rec" || die "the requeue record's counts: $rec"
grep -q '"reason":"preemption: requeue 1 of max 1"' <<<"$rec" || die "the requeue record's reason: $rec"
pass "max_other=0 spent by an admin's requeue: the preemption is still requeued (preemptions 1, other requeues 1)"
