#!/usr/bin/env bash
# gracepack's watcher runs as the job's user with no capabilities, every process of the job has
# empty CapEff/CapPrm/CapAmb, and nothing of gracepack outlives the job.
source "$(dirname "$0")/preempt_lib.sh"
uid=$(id -u "$GP_TEST_USER")
id=$(as_user sbatch --parsable -p low-grace --requeue --preempt-requeue -o p.txt --wrap 'srun -n1 sleep 6 & sleep 6; wait')
wait_until 20 "the watcher of job $id" watcher_watching "$id"
step_up() { squeue -h -s -j "$1" -o %i | grep -q "^$1\.0$"; }
wait_until 20 "the srun step of job $id" step_up "$id"
job_dir=$(job_cgroup "$id" || true)
[ -n "$job_dir" ] || die "no cgroup for job $id"
watcher=""
checked=0
for pid in $(find "$job_dir" -name cgroup.procs -exec cat {} + | sort -u); do
  st=/proc/$pid/status
  [ -r "$st" ] || continue
  name=$(cat /proc/$pid/comm)
  puid=$(awk '/^Uid:/ {print $2}' "$st")
  # Slurm's own processes run as root: slurmstepd (in the job-level cgroup) and the extern
  # step's placeholder. Everything else belongs to the job.
  [ "$puid" = 0 ] && [ "$name" = slurmstepd ] && continue
  if [ "$puid" = 0 ] && [ "$name" = sleep ] && grep -q step_extern "/proc/$pid/cgroup"; then continue; fi
  [ "$puid" = "$uid" ] || die "process $pid ($name) runs as uid $puid"
  for cap in CapEff CapPrm CapAmb; do
    [ "$(awk "/^$cap:/ {print \$2}" "$st")" = 0000000000000000 ] || die "$name ($pid) has $cap"
  done
  [ "$name" = gracepack-watch ] && watcher=$pid
  checked=$((checked + 1))
done
[ -n "$watcher" ] || die "no gracepack watcher in the job"
pass "$checked processes of job $id (watcher $watcher among them) run as uid $uid with no capabilities"
wait_state "$id" COMPLETED 60
# Gone within KillWait of the job's end; an exited process waiting for init to reap it counts as
# gone (it was reparented when started detached).
alive() { [ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
for _ in $(seq $((40 * TIME_SCALE))); do alive "$watcher" || break; sleep 0.25; done
alive "$watcher" && die "the watcher outlived its job"
for pid in $(pgrep -u "$GP_TEST_USER" gracepack-watch); do alive "$pid" && die "a watcher ($pid) is still running"; done
pass "no gracepack process outlives the job"
