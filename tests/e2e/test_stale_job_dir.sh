#!/usr/bin/env bash
# Issue 9 item 7, issue 16 item 2: a job directory must never outlive its run nor be reused by
# another. (a) A job tries to make its directory unremovable (chmod, a subdirectory): it cannot,
# the directory is root's, and it goes at the job's end. (b) A directory left from an earlier job
# with the same id (the ids restart here with a fresh cluster), as an older release left them:
# owned by that user, holding a status file that claims a notice was delivered and a tree 200
# directories deep (the review's 70-deep chain stayed in the quarantine for good): the next job
# with that id completes normally and is not requeued, nothing of the old directory is read, and
# all of it is removed.
source "$(dirname "$0")/preempt_lib.sh"
cat > lock-in.sh <<'JOB'
#!/bin/bash
d=$(dirname "$GRACEPACK_NOTICE_FILE")
mkdir "$d/keep" 2>/dev/null && echo "made a subdirectory"
chmod 500 "$d" 2>/dev/null && echo "changed its mode"
echo tried
JOB
chmod 755 lock-in.sh; chown "$GP_TEST_USER" lock-in.sh
id=$(as_user sbatch --parsable --requeue --preempt-requeue -o lock.txt lock-in.sh)
wait_ended "$id" 60 1
grep -q tried lock.txt || die "the job did not try: $(cat lock.txt)"
grep -qE "made|changed" lock.txt && die "the job changed its directory: $(cat lock.txt)"
[ -e "$GP_STATE_DIR/$id" ] && die "job $id's directory outlived it"
pass "(a) the job can neither add to nor lock its root-owned directory; it went at the job's end"

# (b) A fresh cluster: job ids start again at the first ($GP_FIRST_JOB; 1 on cluster 1).
restart_cluster
use_plugstack "required $GP_PLUGIN audit_log=$AUDIT"
rm -rf "${GP_STATE_DIR:?}/${GP_FIRST_JOB:?}"
mkdir -p "$GP_STATE_DIR/$GP_FIRST_JOB"
printf 'delivered=%s\nsignalled=1\npreempt_time=%s\n' "$(date +%s)" "$(date +%s)" > "$GP_STATE_DIR/$GP_FIRST_JOB"/watcher
printf 'run=0123456789abcdef\nstate=delivered\nsince=1\ndelivered=1\nsignalled=1\npreempt_time=%s\n' \
  "$(date +%s)" > "$GP_STATE_DIR/$GP_FIRST_JOB"/watcher.new
deep=$GP_STATE_DIR/$GP_FIRST_JOB/deep
for _ in $(seq 200); do deep=$deep/d; done
mkdir -p "$deep"
chown -R "$GP_TEST_USER" "$GP_STATE_DIR/$GP_FIRST_JOB"
chmod 500 "$GP_STATE_DIR/$GP_FIRST_JOB"
id=$(as_user sbatch --parsable --requeue --preempt-requeue -o stale.txt --wrap 'echo "notice file: $GRACEPACK_NOTICE_FILE"; d=$(dirname "$GRACEPACK_NOTICE_FILE"); for f in watcher.new deep; do [ -e "$d/$f" ] && echo "saw $f"; done; echo end')
[ "$id" = "$GP_FIRST_JOB" ] || die "expected job id $GP_FIRST_JOB on a fresh cluster, got $id"
wait_ended "$id" 60 1
cat stale.txt
grep -q end stale.txt || die "the job did not run: $(cat stale.txt)"
grep -q '^saw ' stale.txt && die "the new job saw the old directory's files"
[ "$(field "$id" Restarts)" = 0 ] || die "a job that completed normally was requeued (stale status file)"
grep "\"job_id\":$id," "$AUDIT" | grep -q '"reason":"completed without preemption"' \
  || die "audit: $(cat "$AUDIT" 2>/dev/null)"
[ -e "$GP_STATE_DIR/$GP_FIRST_JOB" ] && die "job $id's directory was left behind"
[ -z "$(ls -A "$GP_STATE_DIR"/.quarantine 2>/dev/null)" ] || die "the quarantine keeps: $(ls -A "$GP_STATE_DIR"/.quarantine)"
pass "(b) an old directory with the same job id (200 deep) was set aside and removed: job $id completed once, not requeued"
