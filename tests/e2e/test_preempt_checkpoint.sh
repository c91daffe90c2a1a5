#!/usr/bin/env bash
# Issue 19: what a preemption destroyed. A 2-GPU --preempt-requeue job acknowledges a checkpoint
# ($GRACEPACK_CHECKPOINT_FILE), is preempted, and its requeue record says what was lost:
#  (a) it saves inside its window: lost none, 0 GPU-seconds;
#  (b) it does not: lost since the checkpoint, grace start - acknowledgement, x2 GPUs, x CPUs;
#  (c) it never acknowledges: unknown, at most what it had run;
#  (d) hostile acknowledgement files (a time before the run, a FIFO, a link, a directory, a
#      sparse 100 GB file, a time in the future) block nothing, count as none, and the watcher
#      says why on the job's stderr; the job is requeued once as usual;
#  (e) return_grace where the admin allows it: at the acknowledgement inside the window gracepack
#      ends the run and it is requeued within 2 s; (f) where the admin does not, the job keeps
#      its whole window.
# Every number is checked against the same number computed here from slurmctld's and the file's
# own times.
source "$(dirname "$0")/preempt_lib.sh"

# ck.sh runs the application (ckapp.sh), as batch scripts do: gracepack signals what the script
# runs, not the script's own shell.
cat > ck.sh <<'JOB'
#!/bin/bash
echo "job: start restart=${SLURM_RESTART_COUNT:-0} file=$GRACEPACK_CHECKPOINT_FILE"
if [ "${SLURM_RESTART_COUNT:-0}" -gt 0 ]; then echo "job: resumed"; exit 0; fi
./ckapp.sh
echo "job: app exited $?"
JOB
cat > ckapp.sh <<'JOB'
#!/bin/bash
f=$GRACEPACK_CHECKPOINT_FILE
# The line first: with return_grace the job may be ended the moment the file is written.
ack() { echo "job: acked '$1' at $EPOCHREALTIME"; echo "$1" > "$f"; }
# said TEXT: waits (5 s at most) until the watcher has said that the file counts as none for it.
said() {
  for ((i = 0; i < 50; i++)); do grep -q "counts as none: .*$1" out.txt && return 0; sleep 0.1; done
  echo "job: the watcher said nothing of: $1"
}
hostile() {
  said "before this run started"
  rm -f "$f"; mkfifo "$f"; said "it is a FIFO"
  rm -f "$f"; echo "step 1" > real; ln -s "$PWD/real" "$f"; said "it is a symbolic link"
  rm -f "$f"; mkdir "$f"; said "it is a directory"
  # Made aside and renamed into place: a file being made is an empty file of now, which is an
  # acknowledgement.
  truncate -s 100G sparse.tmp; rmdir "$f"; mv sparse.tmp "$f"; said "more than 4096"
  touch -d "+1 hour" future.tmp; mv -f future.tmp "$f"; said "in the future"
  echo "job: hostile done"
}
on_notice() {
  echo "job: notice at $EPOCHREALTIME"
  case $MODE in
    saved) ack "step 200 (saved in the window)"; exit 0 ;;
    lost|unknown) exit 0 ;;
    hostile) hostile; exit 0 ;;
    return|return_off)
      ack "step 200"
      # Ranks that wait for the kill once their checkpoint is durable.
      trap '' TERM; while true; do sleep 0.2 & wait $!; done ;;
  esac
}
case $MODE in
  saved|lost|return|return_off) ack "step 100" ;;
  unknown) rm -f "$f" ;;
  hostile) touch -d "-1 day" old.tmp; mv old.tmp "$f"; echo "job: an acknowledgement from before the run" ;;
esac
trap on_notice TERM
echo "job: ready"
while true; do sleep 0.2 & wait $!; done
JOB
chmod 755 ck.sh ckapp.sh; chown "$GP_TEST_USER" ck.sh ckapp.sh

ready() { grep -q "^job: ready" out.txt; }
clock_past() { [ "$(date +%s)" -gt "$1" ]; }
# run_case MODE [SPEC]: a 2-GPU job in MODE, preempted once it is ready; sets ID, ACK (the file's
# time before the preemption), PREEMPTOR.
run_case() {
  rm -f out.txt ".gracepack-checkpoint-"*
  ID=$(submit_low low-grace --gres=gpu:2 --requeue --preempt-requeue${2:+=$2} --export=ALL,MODE="$1" ck.sh)
  wait_until 30 "job $ID to be ready" ready
  ACK=""
  if [ -e ".gracepack-checkpoint-$ID" ] && [ "$1" != hostile ]; then
    ACK=$(stat -c %Y ".gracepack-checkpoint-$ID")
    # The preemption comes after the acknowledgement's second, so that the loss is not 0.
    wait_until 5 "the clock to pass the acknowledgement" clock_past $((ACK + 1))
  fi
  PREEMPTOR=$(as_user sbatch --parsable -p high -n "$NCPU" -o /dev/null --wrap 'sleep 1')
}

# (a) saved inside the window.
run_case saved
wait_requeued "$ID" >/dev/null
check_ledger "$ID" 1
preempt_t=$(run_record "$ID" grace_start)
[ "$(run_record "$ID" lost)" = none ] || die "(a) lost=$(run_record "$ID" lost): $(grep "\"job_id\":$ID," "$AUDIT")"
[ "$(run_record "$ID" lost_seconds)" = 0 ] && [ "$(run_record "$ID" lost_gpu_seconds)" = 0 ] \
  || die "(a) $(grep "\"job_id\":$ID," "$AUDIT")"
[ "$(run_record "$ID" checkpoint)" = "$ACK" ] || die "(a) checkpoint $(run_record "$ID" checkpoint), the file said $ACK"
win=$(run_record "$ID" checkpoint_in_window)
[ -n "$win" ] && [ "$win" -ge "$preempt_t" ] || die "(a) checkpoint_in_window '$win', grace start $preempt_t"
[ "$(run_record "$ID" alloc_gpus)" = 2 ] && [ "$(run_record "$ID" alloc_cpus)" = "$NCPU" ] && [ "$(run_record "$ID" alloc_nodes)" = 1 ] \
  || die "(a) allocation: $(grep "\"job_id\":$ID," "$AUDIT")"
[ "$(run_record "$ID" checkpoint_label)" = "step 200 (saved in the window)" ] || die "(a) label '$(run_record "$ID" checkpoint_label)'"
pass "(a) saved inside the window: lost none, 0 GPU-seconds; 2 GPUs and $NCPU CPUs on record"

# (b) no save in the window: grace start - acknowledgement.
run_case lost
wait_requeued "$ID" >/dev/null
check_ledger "$ID" 1
preempt_t=$(run_record "$ID" grace_start)
want=$((preempt_t - ACK))
[ "$want" -gt 0 ] || die "(b) the preemption ($preempt_t) came before the acknowledgement ($ACK)"
[ "$(run_record "$ID" lost)" = since_checkpoint ] && [ "$(run_record "$ID" lost_seconds)" = "$want" ] \
  && [ "$(run_record "$ID" lost_gpu_seconds)" = $((2 * want)) ] && [ "$(run_record "$ID" lost_cpu_seconds)" = $((NCPU * want)) ] \
  || die "(b) expected $want s lost ($((2 * want)) GPU-s): $(grep "\"job_id\":$ID," "$AUDIT")"
[ -z "$(run_record "$ID" checkpoint_in_window)" ] || die "(b) an acknowledgement inside the window on record"
LOST_ID=$ID LOST_S=$want
pass "(b) no save in the window: $want s lost since the acknowledgement, $((2 * want)) GPU-seconds"

# (c) never acknowledged.
run_case unknown
wait_requeued "$ID" >/dev/null
start_t=$(run_record "$ID" start_time) preempt_t=$(run_record "$ID" grace_start)
[ "$(run_record "$ID" lost)" = unknown ] && [ -z "$(run_record "$ID" lost_seconds)" ] \
  && [ "$(run_record "$ID" lost_at_most_seconds)" = $((preempt_t - start_t)) ] \
  || die "(c) $(grep "\"job_id\":$ID," "$AUDIT")"
pass "(c) never acknowledged: unknown, at most $((preempt_t - start_t)) s"

# (d) hostile files: nothing blocks, each counts as none and is named.
run_case hostile
wait_requeued "$ID" >/dev/null
check_ledger "$ID" 1
grep -q "^job: hostile done" out.txt || die "(d) the job did not get through its files: $(cat out.txt)"
grep -q "^job: the watcher said nothing" out.txt && die "(d) $(grep '^job: the watcher said nothing' out.txt)"
[ "$(run_record "$ID" lost)" = unknown ] || die "(d) a hostile file counted: $(grep "\"job_id\":$ID," "$AUDIT")"
run_record "$ID" checkpoint_note | grep -q "in the future" || die "(d) note: $(run_record "$ID" checkpoint_note)"
[ -z "$(run_record "$ID" checkpoint)$(run_record "$ID" checkpoint_in_window)" ] || die "(d) an acknowledgement on record"
pass "(d) a time before the run, a FIFO, a link, a directory, a 100 GB sparse file, a time in the future: none blocked, each counted as none and was named; requeued once"

# (e) return_grace, allowed by the admin: ended at the acknowledgement inside the window and
# requeued within 2 s of it; the preemptor starts that much earlier.
use_plugstack "required $GP_PLUGIN audit_log=$AUDIT return_grace=yes"
run_case return return_grace
wait_requeued "$ID" >/dev/null
check_ledger "$ID" 1
t_ack=$(sed -n "s/^job: acked 'step 200' at //p" out.txt)
[ -n "$t_ack" ] || die "(e) no acknowledgement inside the window: $(cat out.txt)"
t_requeue=$(grep "Requeuing JobId=$ID\$" "$GP_CLUSTER_DIR/log/slurmctld.log" | head -n1 | sed 's/^\[\([^]]*\)\].*/\1/')
t_requeue=$(date -d "$t_requeue" +%s.%N)
delay=$(echo "$t_requeue - $t_ack" | bc)
[ "$(echo "$delay >= 0 && $delay < 2 * $TIME_SCALE" | bc)" = 1 ] || die "(e) requeued $delay s after the acknowledgement"
returned=$(run_record "$ID" grace_returned_seconds)
[ -n "$returned" ] && [ "$returned" -gt 0 ] || die "(e) no grace handed back on record: $(grep "\"job_id\":$ID," "$AUDIT")"
[ "$(run_record "$ID" lost)" = none ] || die "(e) lost=$(run_record "$ID" lost)"
grep -q "ending it now (return_grace)" out.txt || die "(e) the job was not told: $(cat out.txt)"
started=$(field "$PREEMPTOR" StartTime)
pass "(e) return_grace: requeued $delay s after the acknowledgement inside the window; $returned s of the window handed back; the preemptor started $started"

# (f) the same job where the admin does not allow it: warned at submission, keeps its window.
use_plugstack "required $GP_PLUGIN audit_log=$AUDIT"
err=$(as_user sbatch --parsable --test-only --requeue --preempt-requeue=return_grace --wrap true 2>&1 || true)
grep -q "does not hand grace periods back" <<<"$err" || die "(f) no warning at submission: $err"
run_case return_off return_grace
wait_requeued "$ID" >/dev/null
check_ledger "$ID" 1
grep -q "ending it now" out.txt && die "(f) the run was ended although the admin does not allow it"
[ -z "$(run_record "$ID" grace_returned_seconds)" ] || die "(f) grace handed back on record"
[ "$(run_record "$ID" lost)" = none ] || die "(f) lost=$(run_record "$ID" lost)"
pass "(f) return_grace where the admin does not allow it: warned at submission, the whole window kept"

# (g) The report and the metrics say what the records say: gracepack-report's totals equal the
# sums of the audit records' own fields, and the story of run (b) names its loss.
REPORT=$(command -v gracepack-report) || die "gracepack-report is not installed"
"$REPORT" --log "$AUDIT" --summary --json > summary.json
"$REPORT" --log "$AUDIT" --summary --prometheus > metrics.prom
python3 - "$AUDIT" summary.json metrics.prom <<'PY' || die "(g) the report disagrees with the audit records"
import json, re, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
runs = [r for r in recs if r["event"] != "notice" and r.get("lost")]
total = json.load(open(sys.argv[2]))["total"]
want = {
    "lost_seconds": sum(r.get("lost_seconds", 0) for r in runs),
    "lost_gpu_seconds": sum(r.get("lost_gpu_seconds", 0) for r in runs),
    "lost_cpu_seconds": sum(r.get("lost_cpu_seconds", 0) for r in runs),
    "lost_unknown": sum(r["lost"] == "unknown" for r in runs),
    "lost_none": sum(r["lost"] == "none" for r in runs),
    "acknowledged": sum(("checkpoint" in r) or ("checkpoint_in_window" in r) for r in runs),
    "grace_returned_seconds": sum(r.get("grace_returned_seconds", 0) for r in runs),
}
bad = {k: (v, total.get(k)) for k, v in want.items() if total.get(k) != v}
prom = open(sys.argv[3]).read()
def metric(name):
    return sum(float(m) for m in re.findall(r"^" + name + r"(?:_total)?\{[^}]*\} (\S+)$", prom, re.M))
for name, key in [("gracepack_lost_gpu_seconds", "lost_gpu_seconds"),
                  ("gracepack_lost_cpu_seconds", "lost_cpu_seconds"),
                  ("gracepack_grace_returned_seconds", "grace_returned_seconds"),
                  ("gracepack_lost_unknown_runs", "lost_unknown"),
                  ("gracepack_acknowledged_runs", "acknowledged")]:
    if metric(name) != want[key]:
        bad[name] = (want[key], metric(name))
print("records:", want)
if bad:
    print("differ (audit, report):", bad)
    sys.exit(1)
PY
story=$("$REPORT" --log "$AUDIT" "$LOST_ID")
grep -q "work lost: $LOST_S s since the checkpoint" <<<"$story" || die "(g) job $LOST_ID's story: $story"
pass "(g) gracepack-report's totals and metrics equal the audit records' sums; job $LOST_ID's story says $LOST_S s lost"
