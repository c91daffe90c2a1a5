# Helpers for --preempt-requeue tests: a checkpointing app, a preemptible job, a preemptor.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
GRACE=${GP_GRACE_TIME:-15}
NCPU=$(nproc)
# The watcher's poll interval in this test (the plugin's default unless the test sets one).
POLL=$(sed -n 's/.*poll_interval=\([0-9]*\).*/\1/p' <<<"${PREEMPT_KEYS:-}")
POLL=${POLL:-5}
# In a directory nobody made: the epilog creates the audit log's directory when it is missing.
AUDIT="$GP_CLUSTER_DIR/audit.d/$(basename "$0" .sh).jsonl"
use_plugstack "required $GP_PLUGIN audit_log=$AUDIT ${PREEMPT_KEYS:-}"

# write_app: app.sh and job.sh in $WORK (again after a restart_cluster, which makes a new $WORK).
write_app() {
# app.sh: on the notice it records when it came, reads the notice file, "checkpoints" for
# CKPT seconds (after the file GATE exists, when set) and exits; otherwise it loops. It runs as
# the test user in $WORK.
cat > app.sh <<'APP'
#!/bin/bash
# APP_TAG prefixes its lines (several apps, one output); IGNORE_TERM=1 ignores the SIGTERM that
# Slurm sends srun steps at grace start when the notice signal is another one.
# No command substitution in the handler: trixie's bash once failed to parse one in a trap
# ("trap: line 2: unexpected EOF while looking for matching `)'"), and the app never saved.
on_notice() {
  echo "${APP_TAG:+$APP_TAG }app: notice at $EPOCHREALTIME"
  for ((i = 0; i < 50; i++)); do [ -s "$GRACEPACK_NOTICE_FILE" ] && break; sleep 0.1; done
  . "$GRACEPACK_NOTICE_FILE"
  echo "${APP_TAG:+$APP_TAG }app: cause=$GRACEPACK_CAUSE notice_time=$GRACEPACK_NOTICE_TIME deadline=$GRACEPACK_DEADLINE"
  # GATE: the checkpoint waits (up to 60 s) until the test has made the event it needs first.
  if [ -n "${GATE:-}" ]; then for ((i = 0; i < 600; i++)); do [ -e "$GATE" ] && break; sleep 0.1; done; fi
  sleep "${CKPT:-6}"; echo "saved" > ckpt; echo "app: checkpoint written"; exit 0
}
[ -n "${IGNORE_TERM:-}" ] && trap '' TERM
trap on_notice ${NOTICE_SIGNAL:-TERM}
echo "${APP_TAG:+$APP_TAG }app: ready"
while true; do sleep 0.2 & wait $!; done
APP
# job.sh: resumes from the checkpoint when there is one, else runs the app ($LAUNCH: "" or srun).
cat > job.sh <<'JOB'
#!/bin/bash
echo "job: start restart=${SLURM_RESTART_COUNT:-0} notice_file=$GRACEPACK_NOTICE_FILE"
if [ -f ckpt ]; then echo "job: resumed from checkpoint"; exit 0; fi
$LAUNCH ./app.sh
echo "job: app exited $?"
JOB
chmod 755 app.sh job.sh
chown "$GP_TEST_USER" app.sh job.sh
}
write_app

# submit_low PARTITION [sbatch args...]: a job holding every CPU; prints its id once running.
submit_low() {
  local part=$1; shift
  local id; id=$(as_user sbatch --parsable -p "$part" -n "$NCPU" --open-mode=append -o out.txt "$@")
  for _ in $(seq $((120 * TIME_SCALE))); do
    [ "$(squeue -h -j "$id" -o %T)" = RUNNING ] && break
    sleep 0.25
  done
  [ "$(squeue -h -j "$id" -o %T)" = RUNNING ] || die "job $id did not start"
  case " $* " in *" --preempt-requeue"*)
    local end=$((SECONDS + 20 * TIME_SCALE))
    until watcher_watching "$id"; do
      [ "$SECONDS" -lt "$end" ] || die "waited $((20 * TIME_SCALE)) s for the watcher of job $id: $(ls -la "$GP_STATE_DIR/$id" 2>&1)
the job's output: $(cat out.txt 2>&1)
slurmd on job $id: $(grep -E "[Jj]ob[Ii]d[= ]$id( |\$)|job_$id|StepId=$id\." "$SLURMD_LOG" 2>/dev/null | tail -n 20)"
      sleep 0.2
    done ;;
  esac
  echo "$id"
}

# preempt: a high-priority job that needs every CPU; prints the submission time (epoch.ns).
preempt() {
  local t; t=$(date +%s.%N)
  as_user sbatch --parsable -p high -n "$NCPU" -o /dev/null --wrap 'sleep 2' >/dev/null
  echo "$t"
}

field() { scontrol -o show job "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# watcher_watching ID [STATE_DIR]: the job's watcher on this node is up: it has written its status
# and holds the lock of the run's directory for its life (lock.RUN; root tries it here without
# waiting). The lock is tried only once the status is there: a try while the task starts the
# watcher would hold the lock for that moment (start_watcher waits such a moment out).
watcher_watching() {
  local d=${2:-$GP_STATE_DIR}/$1 lock
  [ -s "$d/watcher" ] || return 1
  lock=$(ls -d "$d"/lock.* 2>/dev/null | head -n1)
  [ -f "$lock" ] && ! flock -n "$lock" true
}

# decisions ID: the epilog's decision records for job ID in the audit log (one per ended run).
decisions() { grep "\"job_id\":$1," "$AUDIT" 2>/dev/null | grep -cE '"event":"(requeue|no-requeue|cap|refused|error)"' || true; }
# decided ID N: the epilog has decided about N runs of job ID.
decided() { [ "$(decisions "$1")" -ge "$2" ]; }

# wait_state ID STATE [TIMEOUT]: until the job's state is STATE.
wait_state() {
  for _ in $(seq $(( ${3:-120} * 2 ))); do
    [ "$(field "$1" JobState)" = "$2" ] && return 0
    sleep 0.5
  done
  die "job $1 is $(field "$1" JobState), not $2, after ${3:-120} s: $(cat out.txt 2>/dev/null)
slurmctld on job $1: $(grep -E "JobId=$1( |$)" "$GP_CLUSTER_DIR/log/slurmctld.log" 2>/dev/null | tail -n 25)"
}

# run_record ID FIELD: one field of the requeue record of job ID's first run (empty: none).
run_record() {
  grep "\"job_id\":$1," "$AUDIT" | grep '"event":"requeue"' | head -n1 |
    python3 -c 'import json, sys; r = json.loads(sys.stdin.read()); v = r.get(sys.argv[1]); print("" if v is None else v)' "$2"
}

audit_events() { grep "\"job_id\":$1," "$AUDIT" 2>/dev/null | sed 's/.*"event":"\([^"]*\)".*/\1/' | tr '\n' ' '; }

# rerun_end_state: the state slurmctld gives a requeued job's next run that ends by itself.
# Slurm 24.11 sets GRACE_PREEMPT at grace start and clears it only on its own requeue path, so
# after gracepack's requeue (`scontrol requeue`'s RPC) the rerun ends PREEMPTED with exit code 0
# and keeps the first run's end time, so slurmctld purges it MinJobAge after that (seen on
# 24.11.5; 22.05.8 and 26.05.5 say COMPLETED). gracepack does not requeue it again.
rerun_end_state() { [ "$(slurm_mmmm)" = 2411 ] && echo PREEMPTED || echo COMPLETED; }

# wait_requeued ID: until the job has been requeued once and its second run has completed.
wait_requeued() {
  for _ in $(seq $((120 * TIME_SCALE))); do [ "$(field "$1" Restarts)" = 1 ] && break; sleep 0.5; done
  [ "$(field "$1" Restarts)" = 1 ] || die "job $1 was not requeued: $(cat out.txt)"
  local end; end=$(rerun_end_state)
  [ "$end" = COMPLETED ] || echo "note: Slurm $(slurm_release) ends a requeued job's rerun $end (exit 0 checked)" >&2
  wait_state "$1" "$end" 120
  [ "$(field "$1" ExitCode)" = 0:0 ] || die "job $1's rerun exited $(field "$1" ExitCode): $(cat out.txt)"
  cat out.txt
}

# notice_limit MAX: the bound on a notice's delay: MAX seconds, multiplied by TIME_SCALE. The grace
# start is an event on every release (Slurm's extern placeholder up to 24.11, gracepack's from
# 25.05); only a test that removes the extern step (POLL_MODE=1) waits for the watcher's read,
# every $POLL s: then at least POLL + 4 s (said on stderr).
# notice_latency T0 MAX: seconds from T0 (the preemptor's submission) to the app's first notice;
# fails above notice_limit MAX.
notice_limit() {
  local limit=$(($1 * TIME_SCALE))
  if [ "${POLL_MODE:-0}" = 1 ] && [ "$limit" -lt $(((POLL + 4) * TIME_SCALE)) ]; then
    limit=$(((POLL + 4) * TIME_SCALE))
    echo "note: no extern step: the watcher reads the job every $POLL s; notice limit $limit s" >&2
  fi
  echo "$limit"
}
notice_latency() {
  local limit; limit=$(notice_limit "$2")
  local t1; t1=$(sed -n 's/^app: notice at //p' out.txt | head -n1)
  [ -n "$t1" ] || die "the app got no notice"
  local l; l=$(echo "$t1 - $1" | bc)
  [ "$(echo "$l < $limit" | bc)" = 1 ] || die "notice came $l s after the preemption (limit $limit s)"
  echo "$l"
}

# grace_latency ID: seconds from the grace start as slurmctld recorded it (PreemptTime, whole
# seconds, from the audit's notice record: the epilog read it from slurmctld) to the app's first
# notice. The target is 1 s on real hardware and 2 s under emulation (GP_TIME_SCALE > 1); with
# the whole second it is checked as < target + 1. A notice before the grace start fails too.
grace_latency() {
  local preempt t1 l target=1
  [ "$TIME_SCALE" -gt 1 ] && target=2
  preempt=$(grep "\"job_id\":$1," "$AUDIT" | grep '"event":"notice"' | head -n1 |
    sed -n 's/.*"preempt_time":\([0-9]*\).*/\1/p')
  [ -n "$preempt" ] || die "job $1: no notice record with slurmctld's preempt time"
  t1=$(sed -n 's/^app: notice at //p' out.txt | head -n1)
  [ -n "$t1" ] || die "the app got no notice"
  l=$(echo "$t1 - $preempt" | bc)
  [ "$(echo "$l >= 0 && $l < $target + 1" | bc)" = 1 ] \
    || die "notice $l s after slurmctld's grace start $preempt (target $target s, whole seconds)"
  echo "$l"
}

# wait_ended ID SECONDS [RUNS]: until the job has ended and its epilog has returned (slurmctld
# clears COMPLETING then), and with RUNS until the audit log holds the decisions about RUNS runs.
wait_ended() {
  wait_until "$2" "the end of job $1" job_over "$1"
  [ -z "${3:-}" ] || wait_until 30 "the epilog's decision about run $3 of job $1" decided "$1" "$3"
}

# check_ledger ID N: the cluster's three records of job ID agree that it was requeued exactly N
# times: slurmctld's restart count, slurmctld's log ("Requeuing JobId=ID"), and the requeues that
# gracepack's audit log (plus Slurm's own preemption requeues) account for. The job must still be
# known to slurmctld: none is lost.
check_ledger() {
  local id=$1 n=$2 restarts logged audited own
  restarts=$(field "$id" Restarts)
  [ -n "$restarts" ] || die "job $id is lost: slurmctld has no record of it"
  logged=$(grep -c "Requeuing JobId=$id\$" "$GP_CLUSTER_DIR/log/slurmctld.log" || true)
  audited=$(grep "\"job_id\":$id," "$AUDIT" 2>/dev/null | grep -c '"event":"requeue"' || true)
  own=$(grep -c "preempted JobId=$id has been requeued" "$GP_CLUSTER_DIR/log/slurmctld.log" || true)
  [ "$restarts" = "$n" ] && [ "$logged" = "$n" ] && [ $((audited + own)) = "$n" ] \
    || die "job $id: expected $n requeue(s); restarts=$restarts, slurmctld logged $logged, audit $audited + Slurm's own $own"
}
