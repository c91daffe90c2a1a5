#!/usr/bin/env bash
# --pack-gpus=N with mps=on: one MPS control daemon per step, as the user, answering before the
# tasks start; each task gets its compute share and pinned-memory limit; the daemon is stopped
# and its directory removed when the step ends. A stand-in replaces NVIDIA's control program here
# (no GPU in CI); the real one is checked on a GPU machine (see docs/benchmarks.md).
source "$(dirname "$0")/lib.sh"
mps=$(user_copy "$GP_SOURCE_DIR/tests/e2e/fake-mps-control")
smi=$(user_copy "$GP_SOURCE_DIR/tests/e2e/fake-nvidia-smi")
use_plugstack "required $GP_PLUGIN mps=on mps_control=$mps nvidia_smi=$smi"
uid=$(id -u "$GP_TEST_USER")

# Each srun is bounded: a step that cannot end must fail the test, not hang it.
bound=$((120 * TIME_SCALE))
out=$(as_user timeout "$bound" srun -n4 --overcommit --gres=gpu:2 --pack-gpus=2,verbose bash -c \
  'echo "T $SLURM_PROCID $CUDA_VISIBLE_DEVICES $CUDA_MPS_ACTIVE_THREAD_PERCENTAGE $CUDA_MPS_PINNED_DEVICE_MEM_LIMIT $CUDA_MPS_PIPE_DIRECTORY $GRACEPACK_GPU_SHARE $SLURM_JOB_ID"; cat $CUDA_MPS_LOG_DIRECTORY/daemon.info' 2>&1) \
  || die "srun failed: $out"
echo "$out"
[ "$(grep -c '^T ' <<<"$out")" = 4 ] || die "expected 4 tasks"
grep '^T ' <<<"$out" | awk '$4 != 50 || $5 != "0=40960M" || $7 != "mps" {bad=1} END {exit bad}' \
  || die "tasks lack a 50% compute share and a 40960M pinned limit"
[ "$(grep '^T ' <<<"$out" | awk '{print $6}' | sort -u | wc -l)" = 1 ] || die "tasks do not share one daemon"
grep -q "^uid=$uid$" <<<"$out" || die "the daemon did not run as the job's user"
grep -E '^Cap(Eff|Prm|Amb):' <<<"$out" | grep -qv '0000000000000000$' && die "the daemon holds capabilities"
grep -q "50% mps" <<<"$out" || die "report does not say the share is enforced by MPS"
# The daemon goes with the step's last task: on cgroup v2 it shares slurmstepd's cgroup, which
# Slurm's SIGKILL does not reach and whose emptiness it waits for (then drains the node).
jid=$(grep '^T ' <<<"$out" | awk '{print $8}' | head -n1)
wait_until 30 "the end of job $jid (its MPS daemon gone with its tasks)" job_over "$jid"
assert_node_up
pipe=$(grep '^T ' <<<"$out" | awk '{print $6}' | head -n1)
dir=$(dirname "$pipe")
gone() { [ ! -e "$1" ]; }
wait_until 10 "the removal of the MPS directory $dir" gone "$dir"
pgrep -u "$GP_TEST_USER" -f fake-mps-control >/dev/null && die "an MPS daemon outlived its step"
log_has "gracepack: --pack-gpus: stopped the step's MPS daemon" || die "the step's exit hook did not stop the MPS daemon"
pass "mps=on: daemon as the user without capabilities, 50% + 40960M per task, stopped and removed"

# One task per GPU needs no sharing: no daemon.
out=$(as_user timeout "$bound" srun -n2 --gres=gpu:2 --pack-gpus bash -c 'echo "${CUDA_MPS_PIPE_DIRECTORY:-none} $GRACEPACK_GPU_SHARE"' 2>/dev/null)
[ "$(sort -u <<<"$out")" = "none whole" ] || die "a daemon was started for one task per GPU: $out"
pass "--pack-gpus=1 starts no MPS daemon"

# A control program that does not answer: the step runs, the shares are advisory, and it says so.
use_plugstack "required $GP_PLUGIN mps=on mps_control=/bin/false"
out=$(as_user timeout "$bound" srun -n4 --overcommit --gres=gpu:2 --pack-gpus=2,verbose bash -c 'echo "S ${CUDA_MPS_PIPE_DIRECTORY:-none} $GRACEPACK_GPU_SHARE"' 2>&1) \
  || die "srun failed when MPS did not start: $out"
[ "$(grep '^S ' <<<"$out" | sort -u)" = "S none advisory" ] || die "shares not advisory: $out"
grep -q "GPU shares are advisory: " <<<"$out" || die "the report does not say why: $out"
pass "MPS not answering: step runs, shares reported advisory with the reason"
