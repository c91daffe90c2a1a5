#!/usr/bin/env bash
# `cluster.sh start --qos`: real accounting (slurmdbd on a private MariaDB) and QOS preemption
# (preempt/qos), without the plugin. The associations refuse a QOS nobody may use and one the
# account lacks; a normal-QOS job that needs every CPU preempts a scav-cancel job (GraceTime, then
# PREEMPTED) and a scav-requeue job (requeued, runs again); slurmctld and sacct both show it.
source "$(dirname "$0")/lib.sh"
GRACE=8
# The next test gets the default cluster (no accounting, the plugin) back.
on_exit 'restart_cluster >/dev/null'
GP_GRACE_TIME=$GRACE GP_PLUGSTACK_LINE="" restart_cluster --qos
eval "$("$CLUSTER" env)"
[ "${GP_QOS:-}" = 1 ] || die "cluster.sh env does not say GP_QOS=1: $("$CLUSTER" env)"
NCPU=$(sinfo -h -n "$GP_NODE" -o %c)

field() { scontrol -o show job "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
epoch() { date -d "$1" +%s; }
state_is() { [ "$(job_state "$1")" = "$2" ]; }
# sacct_is ID FIELD VALUE: slurmdbd has the job's FIELD (its last run) at VALUE.
sacct_is() { [ "$(sacct -X -n -P -j "$1" -o "$2")" = "$3" ]; }

# --- What the associations allow -------------------------------------------------------------
refused() { # refused WHY SBATCH_ARGS...: sbatch fails at submit with a QOS error
  local why=$1 out; shift
  if out=$(as_user sbatch --parsable --hold -p main -o /dev/null "$@" --wrap true 2>&1); then
    scancel "$out" 2>/dev/null || true
    die "$why: accepted as job $out"
  fi
  grep -qi "qos" <<<"$out" || die "$why: refused, but not for its QOS: $out"
  pass "$why: refused ($(tail -n1 <<<"$out"))"
}
accepted() { # accepted WHY SBATCH_ARGS...
  local why=$1 id; shift
  id=$(as_user sbatch --parsable --hold -p main -o /dev/null "$@" --wrap true 2>&1) || die "$why: refused: $id"
  scancel "$id"
}
refused "--qos=unlisted (no association lists it)" --qos=unlisted
refused "-A gp-noprotect --qos=protected (not in that account's QOS)" -A gp-noprotect --qos=protected
accepted "--qos=protected in gp" --qos=protected
accepted "-A gp-noprotect --qos=scav-cancel" -A gp-noprotect --qos=scav-cancel
pass "protected in gp and scav-cancel in gp-noprotect are accepted"

# --- QOS preemption --------------------------------------------------------------------------
cancel=$(as_user sbatch --parsable --qos=scav-cancel -p main -c 1 --mem=100M -o /dev/null --wrap 'sleep 600')
requeue=$(as_user sbatch --parsable --qos=scav-requeue -p main -c 1 --mem=100M -o requeue.txt \
  --open-mode=append --wrap 'echo "run ${SLURM_RESTART_COUNT:-0}"; sleep 600')
wait_until 60 "the scavengers $cancel and $requeue running" sh -c \
  "[ \"\$(squeue -h -t R -j $cancel,$requeue -o %i | wc -l)\" = 2 ]"
normal=$(as_user sbatch --parsable -p main -c "$NCPU" --mem=100M -o /dev/null --wrap 'sleep 3')
preempting() { [ "$(field "$1" PreemptTime)" != None ] && job_running "$1"; }
wait_until 20 "the grace period of job $cancel" preempting "$cancel"
# slurmctld moves PreemptTime to the kill at the grace period's end: read it inside the window.
ptime=$(epoch "$(field "$cancel" PreemptTime)")
pend=$(epoch "$(field "$cancel" EndTime)")
submit=$(epoch "$(field "$normal" SubmitTime)")
[ $((pend - ptime)) = "$GRACE" ] || die "job $cancel: end $pend is not GraceTime $GRACE s after preemption $ptime"
[ $((ptime - submit)) -le 5 ] || die "job $cancel preempted $((ptime - submit)) s after job $normal was submitted"
pass "job $cancel (scav-cancel) preempted $((ptime - submit)) s after job $normal was submitted, end set GraceTime ($GRACE s) later"

wait_until $((GRACE + 60)) "job $cancel PREEMPTED" state_is "$cancel" PREEMPTED
wait_until 30 "sacct: job $cancel PREEMPTED" sacct_is "$cancel" State PREEMPTED
end=$(epoch "$(sacct -X -n -P -j "$cancel" -o End)")
# Slurm ends the grace period on its timer, up to ~30 s late (slurm-facts.md).
[ $((end - ptime)) -ge "$GRACE" ] && [ $((end - ptime)) -le $((GRACE + 35)) ] \
  || die "job $cancel ended $((end - ptime)) s after its preemption, GraceTime is $GRACE"
pass "job $cancel: PREEMPTED in slurmctld and sacct, ended $((end - ptime)) s after its preemption (GraceTime $GRACE)"

wait_until $((GRACE + 60)) "job $normal COMPLETED" state_is "$normal" COMPLETED
wait_until 30 "sacct: job $normal COMPLETED" sacct_is "$normal" State COMPLETED
[ "$(sacct -X -n -P -j "$normal" -o QOS,Account)" = "normal|gp" ] \
  || die "job $normal ran as $(sacct -X -n -P -j "$normal" -o QOS,Account), expected normal|gp (the defaults)"
[ "$(epoch "$(sacct -X -n -P -j "$normal" -o Start)")" -ge "$end" ] || die "job $normal started before job $cancel ended"
pass "job $normal (normal QOS, account gp by default) ran after the scavenger ended and COMPLETED"

# The scav-requeue job: requeued at its grace period's end, it runs again once the normal job is done.
ran_again() { [ "$(field "$requeue" Restarts)" = 1 ] && job_running "$requeue" && grep -q "^run 1$" requeue.txt; }
wait_until 60 "job $requeue running again" ran_again
# (22.05's sacct has no Restarts field: each run is a line of its own.)
runs=$(sacct --duplicates -X -n -P -j "$requeue" -o JobID,State,Start,End)
echo "sacct --duplicates of job $requeue:" >&2; echo "$runs" >&2
[ "$(wc -l <<<"$runs")" = 2 ] && sed -n 1p <<<"$runs" | grep -q "^$requeue|PREEMPTED|" \
  && sed -n 2p <<<"$runs" | grep -q "^$requeue|RUNNING|" \
  || die "sacct --duplicates does not show job $requeue's two runs (PREEMPTED, then RUNNING)"
[ "$(sacct -X -n -P -j "$requeue" -o State)" = RUNNING ] || die "sacct without --duplicates: $(sacct -X -n -P -j "$requeue" -o State)"
pass "job $requeue (scav-requeue): preempted, requeued (Restarts=1), running again; sacct --duplicates shows both runs"
