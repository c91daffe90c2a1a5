#!/usr/bin/env bash
# What gracepack creates for a job is root's and closed to other users, and the job's own user can
# change none of it (issue 16 items 2, 3, 5): the run's directory is root's 0711, its notice root's
# 0644 under a name only the job knows, the watcher's status root's 0600; the watcher runs as the
# user without capabilities, installed unreadable (0711) so that it starts non-dumpable and the
# user cannot take the descriptors root handed it. A preempted job is still noticed and requeued
# once, and root's files outside state_dir stay as they were.
source "$(dirname "$0")/preempt_lib.sh"
# A tree of root's files outside state_dir, compared whole before and after (issue 21 item 8): the
# job plants links to it where it can (its working directory, the notice copy's name, root's
# run directory) and none of root's work may change it.
canary=$GP_CLUSTER_DIR/canary
rm -rf "$canary"; mkdir -p "$canary/sub"; chmod 755 "$canary" "$canary/sub"
echo "root's file" > "$canary/file"; echo "root's other file" > "$canary/sub/other"
chmod 644 "$canary/file" "$canary/sub/other"
listing() { find "$canary" -printf '%p %u %g %m %s %T@ %y\n' | sort; }
before=$(listing)
watcher=$(dpkg -L gracepack | grep '/gracepack-watcher$')
[ "$(stat -c '%U %a' "$watcher")" = "root 711" ] || die "the watcher is installed $(stat -c '%U %a' "$watcher"), not root 711"

cat > probe.sh <<'JOB'
#!/bin/bash
d=$(dirname "$GRACEPACK_NOTICE_FILE")
ln -sfn "$CANARY" canary-dir   # root's tree, reachable from the job's working directory
stat -c 'dir %U %a' "$d"
stat -c 'notice %U %a' "$GRACEPACK_NOTICE_FILE"
stat -c 'dir %U %a' "$d"
stat -c 'notice %U %a' "$GRACEPACK_NOTICE_FILE"
echo "ready"
trap 'cat "$GRACEPACK_NOTICE_FILE" | sed "s/^/read: /"; ln -s "$CANARY/file" "$d/x" 2>/dev/null && echo planted; exit 0' TERM
while true; do sleep 0.2 & wait $!; done
JOB
chmod 755 probe.sh; chown "$GP_TEST_USER" probe.sh
# The job also names a slurm.conf of its own (which could name a slurmctld of the user's; here a
# copy of the cluster's, so that the job runs as usual whatever Slurm does with it): the watcher,
# which believes what slurmctld says, must take slurmstepd's.
cp "$SLURM_CONF" evil.conf; chmod 644 evil.conf
id=$(submit_low low-grace --requeue --preempt-requeue --export=ALL,CANARY="$canary",SLURM_CONF="$WORK/evil.conf" probe.sh)
wait_until 30 "job $id's first lines" grep -q "^ready" out.txt
grep -q "^dir root 711$" out.txt || die "the run's directory is not root's with mode 711: $(cat out.txt)"
grep -q "^notice root 644$" out.txt || die "the notice file is not root's with mode 644: $(cat out.txt)"
w=$(pgrep -u "$GP_TEST_USER" -f "gracepack-watcher --job $id " | head -n1 || true)
[ -n "$w" ] || die "no watcher running as the user for job $id"
grep -qE '^CapEff:\s*0+$' "/proc/$w/status" || die "the watcher holds capabilities: $(grep Cap "/proc/$w/status")"
as_user ls "/proc/$w/fd" >/dev/null 2>&1 && die "the user can list the watcher's descriptors (it is dumpable)"
conf=$(tr '\0' '\n' < "/proc/$w/environ" | sed -n 's/^SLURM_CONF=//p')
[ "$conf" = "$SLURM_CONF" ] || die "the watcher reads slurm.conf '$conf', not slurmstepd's '$SLURM_CONF'"
as_user cat "$GP_STATE_DIR/$id/watcher" >/dev/null 2>&1 && die "the user can read the watcher's status"
preempt >/dev/null
wait_until 60 "the epilog's decision about job $id" decided "$id" 1
grep -q "^read: GRACEPACK_CAUSE=preemption" out.txt || die "the job could not read its notice: $(cat out.txt)"
grep -q planted out.txt && die "the job planted a link in root's directory"
[ "$(listing)" = "$before" ] || die "root's tree changed: $(diff <(echo "$before") <(listing))"
grep "\"job_id\":$id," "$AUDIT" | grep -q '"event":"requeue"' || die "the epilog did not decide: $(cat "$AUDIT")"
check_ledger "$id" 1
pass "run directory root/711, notice root/644, status unreadable, watcher without capabilities, non-dumpable and on slurmstepd's slurm.conf; noticed, requeued once"

# notice=PATH where the user left a link to root's file: the watcher (the user) replaces the link
# with a file of its own, empty for the new run; root's file stays as it was.
as_user ln -sfn "$canary/sub/other" copy
cid=$(as_user sbatch --parsable -p main -n1 --mem=50M -o copy.out --preempt-requeue=notice=copy \
  --wrap 'sleep 1')
wait_until 60 "the end of job $cid" job_over "$cid"
[ -f copy ] && [ ! -L copy ] && [ ! -s copy ] && [ "$(stat -c %U copy)" = "$GP_TEST_USER" ] \
  || die "the notice copy is not the user's own empty file: $(ls -l copy) $(cat copy.out)"
[ "$(listing)" = "$before" ] || die "root's tree changed: $(diff <(echo "$before") <(listing))"
pass "notice=PATH over a link to root's file: replaced by the user's own file, root's tree unchanged"

# Another user's run directory: this user can neither list it, nor read its status, nor open its
# lock or notice (their names hold a nonce only that job knows).
other=$GP_OTHER_USER
oid=$(runuser -u "$other" -- sbatch --parsable -p main -n1 --mem=50M -o /dev/null --chdir=/tmp \
  --requeue --preempt-requeue --wrap 'sleep 30')
as_user scancel "$id"  # its rerun holds the node's CPUs
wait_until 60 "the end of job $id" job_over "$id"
wait_until 120 "$other's job $oid to start" job_running "$oid"
wait_until 10 "the directory of $other's job $oid" test -d "$GP_STATE_DIR/$oid"
as_user ls "$GP_STATE_DIR/$oid" >/dev/null 2>&1 && die "$GP_TEST_USER can list $other's run directory"
as_user cat "$GP_STATE_DIR/$oid/watcher" >/dev/null 2>&1 && die "$GP_TEST_USER can read $other's status"
as_user touch "$GP_STATE_DIR/$oid/x" 2>/dev/null && die "$GP_TEST_USER can write into $other's run directory"
as_user ls "$GP_STATE_DIR"/.markers >/dev/null 2>&1 && die "$GP_TEST_USER can list root's markers"
timeout 10 scancel "$oid"
pass "$other's run directory: $GP_TEST_USER can neither list, read nor write it, nor reach a marker"
