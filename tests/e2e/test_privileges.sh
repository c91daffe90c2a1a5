#!/usr/bin/env bash
# What gracepack creates for a job is the job user's and private, and nothing the user plants in
# the job's directory makes root follow it: the epilog reads the user's files without following
# links, removes the directory as the user, and leaves everything outside the directory as it was.
source "$(dirname "$0")/preempt_lib.sh"
uid=$(id -u "$GP_TEST_USER")
canary=$GP_CLUSTER_DIR/canary
echo "root's file" > "$canary"; chmod 644 "$canary"
before=$(stat -c '%U %a %s %Y' "$canary")

# A job that, once preempted, replaces its status file and adds links to root's file and to /etc.
cat > plant.sh <<'JOB'
#!/bin/bash
d=$(dirname "$GRACEPACK_NOTICE_FILE")
stat -c 'dir %U %a' "$d"
trap 'stat -c "notice %U %a" "$GRACEPACK_NOTICE_FILE";
      rm -f "$d/watcher"; ln -s "$CANARY" "$d/watcher"; ln -s /etc "$d/etc"; ln -s "$CANARY" "$d/x";
      echo planted; exit 0' TERM
while true; do sleep 0.2 & wait $!; done
JOB
chmod 755 plant.sh; chown "$GP_TEST_USER" plant.sh
id=$(submit_low low-grace --requeue --preempt-requeue --export=ALL,CANARY="$canary" plant.sh)
wait_until 30 "job $id's first line" grep -q "^dir " out.txt
grep -q "^dir $GP_TEST_USER 700$" out.txt || die "the job's directory is not the user's with mode 700: $(cat out.txt)"
w=$(pgrep -u "$GP_TEST_USER" -f "gracepack-watcher --job $id " | head -n1 || true)
[ -n "$w" ] || die "no watcher running as the user for job $id"
preempt >/dev/null
for _ in $(seq $((60 * TIME_SCALE))); do grep -q planted out.txt && break; sleep 0.5; done
grep -q "^notice $GP_TEST_USER 600$" out.txt || die "the notice file is not the user's with mode 600: $(cat out.txt)"
grep -q planted out.txt || die "the job did not plant its links: $(cat out.txt)"
wait_until 60 "the epilog's decision about job $id" decided "$id" 1
[ "$(stat -c '%U %a %s %Y' "$canary")" = "$before" ] || die "root's file changed: $(stat "$canary")"
[ "$(cat "$canary")" = "root's file" ] || die "root's file was written"
[ -d /etc ] && [ -f /etc/passwd ] || die "/etc was touched"
[ -e "/run/gracepack/$id" ] && die "the job's directory was left behind"
grep "\"job_id\":$id," "$AUDIT" | grep -q '"event":"requeue"' || die "the epilog did not decide: $(cat "$AUDIT")"
check_ledger "$id" 1
pass "job directory $GP_TEST_USER/700, notice $GP_TEST_USER/600; planted links followed by nobody, directory removed, one requeue"

# Another user's job directory is closed to this user: neither readable nor writable.
other=gptest2
id "$other" >/dev/null 2>&1 || useradd --no-create-home --shell /bin/bash "$other"
oid=$(runuser -u "$other" -- sbatch --parsable -p main -n1 --mem=50M -o /dev/null --chdir=/tmp \
  --requeue --preempt-requeue --wrap 'sleep 30')
as_user scancel "$id"  # its rerun holds the node's CPUs
wait_until 60 "the end of job $id" job_over "$id"
# Then its start (it waited for the CPUs once under emulation), then its directory.
wait_until 120 "$other's job $oid to start" job_running "$oid"
wait_until 10 "the directory of $other's job $oid" test -d "/run/gracepack/$oid"
[ "$(stat -c '%U %a' "/run/gracepack/$oid")" = "$other 700" ] || die "$other's directory: $(stat -c '%U %a' "/run/gracepack/$oid")"
as_user ls "/run/gracepack/$oid" >/dev/null 2>&1 && die "$GP_TEST_USER can list $other's job directory"
as_user touch "/run/gracepack/$oid/watcher" 2>/dev/null && die "$GP_TEST_USER can write into $other's job directory"
timeout 10 scancel "$oid"
pass "$other's job directory is $other/700: $GP_TEST_USER can neither list nor write it"
