#!/usr/bin/env bash
# Issue 22: a checkpointing program inside a container, run directly by a --preempt-requeue batch
# script, preempted in the -grace partition. The container is bubblewrap's, as a user starts it:
#   pidns: --unshare-pid (its own PID namespace: bwrap's monitor outside, bwrap's PID 1 inside)
#          and its own /run (a tmpfs: the notice file in the host's /run is out of its sight);
#   nopid: the job's PID namespace, its own mount and user namespaces and /run.
# For each: the program hears of the preemption within the grace-start target, once per process,
# from gracepack (the outer bwrap, which dies of SIGTERM, and bwrap's PID 1 are spared: the
# container goes on and the script after it), reads its deadline from the copy that
# --preempt-requeue=notice=PATH names (slurmctld's grace start + GraceTime), saves; the job is
# requeued once and its rerun resumes from the checkpoint. A process of the user outside the job
# hears nothing. Before issue 22 (7e44b69 to 95eadab) the pidns case ended "Terminated" with no
# checkpoint: bwrap's monitor died of the notice and the job's script ended with it.
source "$(dirname "$0")/preempt_lib.sh"
command -v bwrap >/dev/null || skip "bubblewrap is not installed (scripts/deps.sh installs it)"
as_user bwrap --unshare-pid --ro-bind / / --dev /dev --proc /proc true 2>/dev/null \
  || skip "bwrap cannot make a user and PID namespace here (unprivileged user namespaces off)"

# A process of the test user outside any job: it records any signal it gets. Ended by its own
# pid (which it writes) when the test ends.
as_user bash -c 'echo $$ > outsider.pid; trap "echo TERM >> outsider.log" TERM
  trap "echo USR1 >> outsider.log" USR1; while true; do sleep 0.2 & wait $!; done' \
  </dev/null >/dev/null 2>&1 &
wait_until 10 "the outsider process" test -s outsider.pid
outsider=$(cat outsider.pid)
on_exit "kill -KILL $outsider 2>/dev/null || true"  # it traps TERM

# job_ctr.sh: job.sh with the app inside the container; the script reports how the container
# ended (an outer bwrap killed by the notice ends 143 before the app has saved).
run_case() { # run_case NAME BWRAP-ARGS...
  local name=$1; shift
  rm -f ckpt out.txt "notice.$name."*
  cat > job_ctr.sh <<JOB
#!/bin/bash
echo "job: start restart=\${SLURM_RESTART_COUNT:-0} notice_file=\$GRACEPACK_NOTICE_FILE"
if [ -f ckpt ]; then echo "job: resumed from checkpoint"; exit 0; fi
bwrap --ro-bind / / --dev /dev $* --tmpfs /run --bind "$WORK" "$WORK" --chdir "$WORK" ./app.sh
echo "job: container exited \$?"
JOB
  chmod 755 job_ctr.sh
  chown "$GP_TEST_USER" job_ctr.sh
  local id t0
  id=$(submit_low low-grace --requeue "--preempt-requeue=notice=notice.$name.%j" job_ctr.sh)
  t0=$(preempt)
  wait_requeued "$id" >/dev/null
  cat out.txt
  local copy="$WORK/notice.$name.$id"
  grep -q "^job: start restart=0 notice_file=$copy\$" out.txt \
    || die "$name: GRACEPACK_NOTICE_FILE is not the copy $copy"
  grep -q "^app: cause=preemption" out.txt || die "$name: the app did not read the notice inside the container"
  [ "$(grep -c '^app: notice at' out.txt)" = 1 ] \
    || die "$name: the app's handler ran $(grep -c '^app: notice at' out.txt) times, not once"
  grep -q "^app: checkpoint written" out.txt || die "$name: the app did not save"
  grep -q "^job: container exited 0" out.txt || die "$name: the container did not end by itself with 0"
  grep -q "^job: resumed from checkpoint" out.txt || die "$name: the rerun found no checkpoint"
  local from_grace latency preempt deadline
  from_grace=$(grace_latency "$id")
  latency=$(notice_latency "$t0" 2)
  preempt=$(grep "\"job_id\":$id," "$AUDIT" | grep '"event":"notice"' | sed -n 's/.*"preempt_time":\([0-9]*\).*/\1/p')
  deadline=$(sed -n 's/^app: cause=preemption .*deadline=\([0-9]*\).*/\1/p' out.txt)
  [ "$deadline" = $((preempt + GRACE)) ] \
    || die "$name: deadline $deadline read inside is not slurmctld's grace start $preempt + $GRACE"
  # The copy is the user's file; the rerun's watcher emptied it (no notice for that run yet).
  [ "$(stat -c %U "$copy")" = "$GP_TEST_USER" ] || die "$name: the copy is not the user's"
  [ ! -s "$copy" ] || die "$name: the rerun still finds the first run's notice: $(cat "$copy")"
  check_ledger "$id" 1
  [ "$(audit_events "$id")" = "notice requeue no-requeue " ] || die "$name: audit events: $(audit_events "$id")"
  pass "$name: notice ${from_grace} s after grace start (${latency} s after the preemptor), read inside, saved, 1 requeue, resumed"
}

run_case pidns --unshare-pid --proc /proc
run_case nopid --ro-bind /proc /proc

# podman, rootless (its own user, mount and PID namespaces; `podman run` passes signals on, conmon
# is the parent of the container's PID 1, here the app's bash, which traps SIGTERM): where podman
# and runc can run a container as the test user (cgroup v1 takes runc with cgroupfs; crun refuses
# a hybrid hierarchy). The image holds bash and sleep from this machine; everything podman keeps
# lives in a short directory of the test's (podman refuses a runroot over 50 characters), and its
# pause process is started inside the job, so it ends with the job.
podman_case() {
  rm -rf ckpt out.txt ctrroot notice.podman.*
  local pm; pm=$(mktemp -d /tmp/gppm.XXXXXX)
  chown "$GP_TEST_USER" "$pm"
  on_exit "rm -rf $pm"
  mkdir -p ctrroot/tmp ctrroot/run
  local b l
  for b in /bin/bash /bin/sleep; do
    cp --parents -L "$b" ctrroot/
    for l in $(ldd "$b" | grep -o '/[^ ]*'); do cp --parents -L "$l" ctrroot/; done
  done
  tar -C ctrroot -cf ctr.tar . && chmod 644 ctr.tar
  cat > job_pm.sh <<JOB
#!/bin/bash
echo "job: start restart=\${SLURM_RESTART_COUNT:-0} notice_file=\$GRACEPACK_NOTICE_FILE"
if [ -f ckpt ]; then echo "job: resumed from checkpoint"; exit 0; fi
# A runtime directory per run: the first run's pause process died with its job, and podman
# refuses a directory that names a dead one.
n=\${SLURM_RESTART_COUNT:-0}\${PROBE:+p}
export XDG_RUNTIME_DIR=$pm/x\$n
mkdir -p -m 700 "\$XDG_RUNTIME_DIR"
P="podman --root $pm/s\$n --runroot $pm/r\$n --storage-driver=vfs --runtime=runc --cgroup-manager=cgroupfs --events-backend=file"
\$P import ctr.tar localhost/gpbash >/dev/null 2>import.err || { echo "job: podman import failed: \$(cat import.err)"; exit 3; }
if [ -n "\${PROBE:-}" ]; then \$P run --rm --network=none localhost/gpbash /bin/bash -c "echo probe: ran"; exit; fi
\$P run --rm --network=none -v "$WORK:$WORK" -w "$WORK" --env GRACEPACK_NOTICE_FILE localhost/gpbash /bin/bash ./app.sh
echo "job: container exited \$?"
JOB
  chmod 755 job_pm.sh
  chown -R "$GP_TEST_USER" job_pm.sh ctrroot ctr.tar
  # A job without the plugin's options first: can podman run a container here at all?
  # (-t 2: a podman that hangs ends with its job within 2 minutes; sbatch --wait returns then.)
  as_user sbatch --wait -t 2 -o probe.txt --export=ALL,PROBE=1 job_pm.sh >/dev/null 2>&1 || true
  if ! grep -q '^probe: ran' probe.txt 2>/dev/null; then
    echo "note: podman could not run a container in a job here: $(cat probe.txt 2>&1)" >&2
    return 0
  fi
  local id t0
  id=$(submit_low low-grace --requeue "--preempt-requeue=notice=notice.podman.%j" job_pm.sh)
  # On cgroup v1 runc moves the container into a cgroup of its own below the step, which Slurm's
  # kill at the job's end does not reach: what is left of this job's container is ended here.
  on_exit "kill -KILL \$(cat /sys/fs/cgroup/freezer/slurm*/uid_*/job_$id/step_*/*/cgroup.procs 2>/dev/null) 2>/dev/null || true"
  for _ in $(seq $((120 * TIME_SCALE))); do grep -q '^app: ready' out.txt 2>/dev/null && break; sleep 0.25; done
  grep -q '^app: ready' out.txt || die "podman: the app did not start: $(cat out.txt)"
  t0=$(preempt)
  wait_requeued "$id" >/dev/null
  cat out.txt
  [ "$(grep -c '^app: notice at' out.txt)" = 1 ] \
    || die "podman: the app's handler ran $(grep -c '^app: notice at' out.txt) times, not once"
  grep -q "^app: cause=preemption" out.txt || die "podman: the app did not read the notice inside"
  grep -q "^app: checkpoint written" out.txt || die "podman: the app did not save"
  grep -q "^job: container exited 0" out.txt || die "podman: the container did not end by itself with 0"
  grep -q "^job: resumed from checkpoint" out.txt || die "podman: the rerun found no checkpoint"
  local from_grace; from_grace=$(grace_latency "$id")
  check_ledger "$id" 1
  pass "podman: notice ${from_grace} s after grace start, once, read inside, saved, 1 requeue, resumed"
}
if command -v podman >/dev/null && command -v runc >/dev/null; then
  podman_case
else
  echo "note: podman or runc is not installed: the podman case was not run" >&2
fi
[ ! -s outsider.log ] || die "a process outside the job was signalled: $(cat outsider.log)"
pass "the user's process outside the job heard nothing"
