#!/usr/bin/env bash
# Issue 9 item 9: with job_container/tmpfs every job has its own /tmp. The MPS daemon's directory
# that slurmstepd makes may then not be the one a task sees: a share is reported "mps" only when
# the task sees the daemon's very directory; otherwise it is "advisory" and the report says why.
source "$(dirname "$0")/lib.sh"
on_exit 'restart_cluster >/dev/null'
restart_cluster --tmpfs
mps=$(user_copy "$GP_SOURCE_DIR/tests/e2e/fake-mps-control")
smi=$(user_copy "$GP_SOURCE_DIR/tests/e2e/fake-nvidia-smi")
use_plugstack "required $GP_PLUGIN mps=on mps_control=$mps nvidia_smi=$smi"
# The private /tmp is in place for a job of this cluster.
private_tmp() {
  local out
  out=$(as_user srun -n1 bash -c 'touch /tmp/gp-private-probe; stat -c %i /tmp') || return 1
  [ ! -e /tmp/gp-private-probe ] && [ "$out" != "$(stat -c %i /tmp)" ]
}
private_tmp || die "job_container/tmpfs did not give the job a private /tmp"
out=$(as_user timeout $((120 * TIME_SCALE)) srun -n4 --overcommit --gres=gpu:2 --pack-gpus=2,verbose bash -c \
  'echo "T $SLURM_PROCID ${CUDA_MPS_PIPE_DIRECTORY:-none} $GRACEPACK_GPU_SHARE"' 2>&1) \
  || die "srun failed: $out"
echo "$out"
[ "$(grep -c '^T ' <<<"$out")" = 4 ] || die "expected 4 tasks"
[ "$(grep '^T ' <<<"$out" | awk '{print $3 " " $4}' | sort -u)" = "none advisory" ] \
  || die "a task that cannot see the daemon's directory was told its share is enforced: $out"
grep -q "GPU shares are advisory: .*MPS pipe directory" <<<"$out" \
  || die "the report does not say why the shares are advisory: $out"
pass "job_container/tmpfs: the tasks cannot reach the daemon; shares reported advisory, with the reason"
