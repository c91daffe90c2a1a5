#!/usr/bin/env bash
# Issue 9 item 7: a job directory must never outlive its run nor be reused by another. (a) A job
# makes its directory unremovable for itself (chmod u-w, a read-only subdirectory): the epilog
# still removes it. (b) A directory left from an earlier job with the same id (the ids restart
# here with a fresh cluster), owned by that user and holding a status file that claims a notice
# was delivered: the next job with that id completes normally and is not requeued, and nothing of
# the old directory is read.
source "$(dirname "$0")/preempt_lib.sh"
cat > lock-in.sh <<'JOB'
#!/bin/bash
d=$(dirname "$GRACEPACK_NOTICE_FILE")
mkdir "$d/keep"; touch "$d/keep/f"; chmod 500 "$d/keep"; chmod 500 "$d"
echo locked
JOB
chmod 755 lock-in.sh; chown "$GP_TEST_USER" lock-in.sh
id=$(as_user sbatch --parsable --requeue --preempt-requeue -o lock.txt lock-in.sh)
wait_ended "$id" 60 1
grep -q locked lock.txt || die "the job did not lock its directory: $(cat lock.txt)"
[ -e "/run/gracepack/$id" ] && die "job $id's unremovable directory outlived it"
pass "(a) a directory its user made unremovable is removed at the job's end"

# (b) A fresh cluster: job ids start again at 1.
restart_cluster
use_plugstack "required $GP_PLUGIN audit_log=$AUDIT"
rm -rf /run/gracepack/1
mkdir -p /run/gracepack/1
printf 'delivered=%s\nsignalled=1\npreempt_time=%s\n' "$(date +%s)" "$(date +%s)" > /run/gracepack/1/watcher
printf 'run=0123456789abcdef\nstate=delivered\nsince=1\ndelivered=1\nsignalled=1\npreempt_time=%s\n' \
  "$(date +%s)" > /run/gracepack/1/watcher.new
chown -R "$GP_TEST_USER" /run/gracepack/1
chmod 500 /run/gracepack/1
id=$(as_user sbatch --parsable --requeue --preempt-requeue -o stale.txt --wrap 'echo "notice file: $GRACEPACK_NOTICE_FILE"; ls -A "$(dirname "$GRACEPACK_NOTICE_FILE")"; echo end')
[ "$id" = 1 ] || die "expected job id 1 on a fresh cluster, got $id"
wait_ended "$id" 60 1
cat stale.txt
grep -q watcher.new stale.txt && die "the new job saw the old directory's files"
[ "$(field "$id" Restarts)" = 0 ] || die "a job that completed normally was requeued (stale status file)"
grep '"job_id":1,' "$AUDIT" | grep -q '"reason":"completed without preemption"' \
  || die "audit: $(cat "$AUDIT" 2>/dev/null)"
[ -e /run/gracepack/1 ] && die "job 1's directory was left behind"
pass "(b) an old directory with the same job id was set aside: job 1 completed once, not requeued"
