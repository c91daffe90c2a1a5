#!/usr/bin/env bash
# Issue 9 item 1, issue 16 items 2, 3 and 5: nothing under state_dir is the user's. A job tries
# what a hostile user would: create files, FIFOs, deep trees and hard links in its run's
# directory, write into its notice and status files, take the watcher's descriptors through
# /proc, and hard-link another run's marker. Every attempt fails, the job ends, the node takes the
# next job, state_dir holds nothing of the job afterwards and takes no more room than before.
# (Before the fix the run's directory was the user's, 0700: the review filled /run through it,
# left an 8 MB 70-deep chain in the quarantine for good, forged the status file and, with
# fs.protected_hardlinks=0, hard-linked another job's marker to cost it its requeue.)
source "$(dirname "$0")/preempt_lib.sh"
next_job_runs() { timeout 60 runuser -u "$GP_TEST_USER" -- srun -n1 -t 1 true; }
# What state_dir holds, in KiB: where the job's writes would land (/run as a whole also counts what
# the tests on the other clusters write there meanwhile).
run_used() { local k; k=$(du -sk --one-file-system "$GP_STATE_DIR" 2>/dev/null) || k=0; echo "${k%%[[:space:]]*}"; }
used_before=$(run_used)

cat > hostile.sh <<'JOB'
#!/bin/bash
d=$(dirname "$GRACEPACK_NOTICE_FILE")
try() { if "$@" 2>/dev/null; then echo "ALLOWED: $*"; else echo "refused: $*"; fi; }
mine() { pgrep -u "$(id -u)" -f "gracepack-watcher --job $SLURM_JOB_ID " | head -n1; }
for _ in $(seq 100); do [ -n "$(mine)" ] && break; sleep 0.1; done
try touch "$d/x"
try mkfifo "$d/fifo"
try mkdir -p "$d/deep/deep/deep"
try dd if=/dev/zero of="$d/big" bs=1M count=1
try sh -c "echo forged >> '$GRACEPACK_NOTICE_FILE'"
try sh -c "echo state=delivered > '$d/watcher'"
try rm -f "$GRACEPACK_NOTICE_FILE"
try ln "$GRACEPACK_NOTICE_FILE" "$d/hard"
try ls "$d"
try ls "$(dirname "$d")/.markers"
w=$(mine)
[ -n "$w" ] && try sh -c "echo forged > /proc/$w/fd/4" && try cat "/proc/$w/fd/4"
[ -n "$w" ] || echo "no watcher found"
echo done
JOB
chmod 755 hostile.sh; chown "$GP_TEST_USER" hostile.sh
id=$(as_user sbatch --parsable --requeue --preempt-requeue -o hostile.txt hostile.sh)
wait_ended "$id" 60 1
cat hostile.txt
grep -q '^done' hostile.txt || die "the job did not finish its attempts: $(cat hostile.txt)"
grep -q "no watcher found" hostile.txt && die "the job found no watcher of its own"
grep -q '^ALLOWED' hostile.txt && die "the job could write where root reads: $(grep '^ALLOWED' hostile.txt)"
[ "$(grep -c '^refused' hostile.txt)" -ge 12 ] || die "not every attempt was made: $(cat hostile.txt)"
assert_node_up
next_job_runs || die "the node did not take the next job"
[ "$(field "$id" Restarts)" = 0 ] || die "job $id was requeued"
grep "\"job_id\":$id," "$AUDIT" | grep -q '"reason":"completed without preemption"' \
  || die "audit: $(grep "\"job_id\":$id," "$AUDIT")"
[ -e "$GP_STATE_DIR/$id" ] && die "the job's directory was left behind"
left=$(find "$GP_STATE_DIR" -mindepth 1 -not -path '*/.markers' -not -path '*/.quarantine' \
  -not -name .lock 2>/dev/null)
[ -z "$left" ] || die "state_dir keeps: $left"
# state_dir as it was, give or take the lock and the node's markers (4 KiB blocks).
[ $(($(run_used) - used_before)) -le 64 ] || die "state_dir grew by $(($(run_used) - used_before)) KiB"
pass "every write of the job's under state_dir refused (files, FIFO, tree, notice, status, the watcher's descriptors, markers); job $id ended once, nothing left"

# The audit log in a directory anyone may write (sticky, like /tmp), replaced by a FIFO.
shared=$GP_CLUSTER_DIR/shared-logs
mkdir -p "$shared"; chmod 1777 "$shared"
use_plugstack "required $GP_PLUGIN audit_log=$shared/audit.jsonl"
id=$(as_user sbatch --parsable --requeue --preempt-requeue -o fifo2.txt --wrap "mkfifo $shared/audit.jsonl; echo planted")
wait_until 60 "the end of job $id" job_over "$id"
grep -q planted fifo2.txt || die "the job did not plant the FIFO"
log_has "audit_log: .*audit.jsonl is not a regular file" || die "the epilog did not refuse the FIFO: $(new_log | grep gracepack | tail -n3)"
assert_node_up
next_job_runs || die "the node did not take the next job"
pass "a FIFO as the audit log: refused without blocking, job $id ended, node up"
