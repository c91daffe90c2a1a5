# Helpers for --preempt-requeue tests: a checkpointing app, a preemptible job, a preemptor.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
GRACE=${GP_GRACE_TIME:-15}
NCPU=$(nproc)
AUDIT="$GP_CLUSTER_DIR/audit-$(basename "$0" .sh).jsonl"
use_plugstack "required $GP_PLUGIN audit_log=$AUDIT ${PREEMPT_KEYS:-}"

# app.sh: on the notice it records when it came, reads the notice file, "checkpoints" for
# CKPT seconds and exits; otherwise it loops. It runs as the test user in $WORK.
cat > app.sh <<'APP'
#!/bin/bash
on_notice() {
  echo "app: notice at $(date +%s.%N)"
  for _ in $(seq 50); do [ -s "$GRACEPACK_NOTICE_FILE" ] && break; sleep 0.1; done
  . "$GRACEPACK_NOTICE_FILE"
  echo "app: cause=$GRACEPACK_CAUSE notice_time=$GRACEPACK_NOTICE_TIME deadline=$GRACEPACK_DEADLINE"
  sleep "${CKPT:-6}"; echo "saved" > ckpt; echo "app: checkpoint written"; exit 0
}
trap on_notice ${NOTICE_SIGNAL:-TERM}
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

# submit_low PARTITION [sbatch args...]: a job holding every CPU; prints its id once running.
submit_low() {
  local part=$1; shift
  local id; id=$(as_user sbatch --parsable -p "$part" -n "$NCPU" --open-mode=append -o out.txt "$@")
  for _ in $(seq 120); do
    [ "$(squeue -h -j "$id" -o %T)" = RUNNING ] && break
    sleep 0.25
  done
  [ "$(squeue -h -j "$id" -o %T)" = RUNNING ] || die "job $id did not start"
  sleep 1  # the watcher is up within milliseconds of the batch script
  echo "$id"
}

# preempt: a high-priority job that needs every CPU; prints the submission time (epoch.ns).
preempt() {
  local t; t=$(date +%s.%N)
  as_user sbatch --parsable -p high -n "$NCPU" -o /dev/null --wrap 'sleep 2' >/dev/null
  echo "$t"
}

field() { scontrol -o show job "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# wait_state ID STATE [TIMEOUT]: until the job's state is STATE.
wait_state() {
  for _ in $(seq $(( ${3:-120} * 2 ))); do
    [ "$(field "$1" JobState)" = "$2" ] && return 0
    sleep 0.5
  done
  die "job $1 is $(field "$1" JobState), not $2, after ${3:-120} s: $(cat out.txt 2>/dev/null)"
}

audit_events() { grep "\"job_id\":$1," "$AUDIT" 2>/dev/null | sed 's/.*"event":"\([^"]*\)".*/\1/' | tr '\n' ' '; }
