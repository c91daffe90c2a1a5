#!/usr/bin/env bash
# Issue 9 item 1: a user replaces the files of the job's directory with FIFOs (and, where the
# admin put the audit log in a directory users may write, the audit log too). Root opens them
# only as regular files with one link and never blocks: the job ends, the node takes the next
# job, and the audit record says what was ignored.
source "$(dirname "$0")/preempt_lib.sh"
next_job_runs() { timeout 60 runuser -u "$GP_TEST_USER" -- srun -n1 -t 1 true; }

cat > fifos.sh <<'JOB'
#!/bin/bash
d=$(dirname "$GRACEPACK_NOTICE_FILE")
for _ in $(seq 600); do [ -f "$d/watcher" ] && break; sleep 0.1; done
# Where the watcher has no process to wait on (Slurm 25.05+), it rewrites its status file at each
# poll, replacing whatever was planted; the user, who owns it, ends it first (seen on 26.05).
mine() { for p in /proc/[0-9]*; do
  case "$(tr '\0' ' ' < "$p/cmdline" 2>/dev/null)" in
    "gracepack-watcher --job $SLURM_JOB_ID "*|*"/gracepack-watcher --job $SLURM_JOB_ID "*) echo "${p#/proc/}" ;;
  esac; done; }
ws=$(mine); [ -n "$ws" ] || echo "no watcher found"
for w in $ws; do kill -KILL "$w"; done
for _ in $(seq 600); do [ -z "$(mine)" ] && break; sleep 0.1; done
rm -f "$d/watcher" "$d/watcher.lock" "$d/notice"
mkfifo "$d/watcher" "$d/watcher.lock" "$d/notice"
echo planted
JOB
chmod 755 fifos.sh; chown "$GP_TEST_USER" fifos.sh
id=$(as_user sbatch --parsable --requeue --preempt-requeue -o fifos.txt fifos.sh)
wait_ended "$id" 60 1
grep -q planted fifos.txt || die "the job did not plant its FIFOs: $(cat fifos.txt)"
grep -q "no watcher found" fifos.txt && die "the job found no watcher of its own to end"
assert_node_up
next_job_runs || die "the node did not take the next job"
grep "\"job_id\":$id," "$AUDIT" | grep '"event":"ignored"' | grep -q "not a regular file" \
  || die "no audit record of the ignored status file: $(grep "\"job_id\":$id," "$AUDIT")"
[ "$(field "$id" Restarts)" = 0 ] || die "job $id was requeued"
[ -e "/run/gracepack/$id" ] && die "the job's directory was left behind"
pass "FIFOs in the job's directory: job $id ended, epilog did not block, audit says what it ignored"

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
