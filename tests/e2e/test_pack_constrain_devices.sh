#!/usr/bin/env bash
# --pack-gpus on Slurm's own GPU binding where cgroup.conf has ConstrainDevices=yes, the usual
# GPU cluster: Slurm then numbers a step's GPUs from 0 in CUDA_VISIBLE_DEVICES, labels every bound
# task's SLURM_STEP_GPUS with the step's first GPU whatever GPU it has, and reads map_gpu ids as
# positions in the step (Slurm's gres code). A job holding GPUs 0 and 1 makes the step's GPUs 2
# and 3, so the numbering shows. gracepack must place each task on the GPU Slurm's binding gives
# it, not on the label, and leave Slurm's per-task variables as Slurm set them.
source "$(dirname "$0")/lib.sh"

on_exit 'restart_cluster >/dev/null'
restart_cluster --constrain-devices

holder=$(as_user sbatch --parsable -n1 --gres=gpu:2 --mem=100M --wrap 'sleep 600')
on_exit "scancel $holder"
wait_until 30 "the job holding GPUs 0 and 1 to run" job_running "$holder"

probe='echo "$SLURM_PROCID $CUDA_VISIBLE_DEVICES $SLURM_STEP_GPUS $GRACEPACK_GPU $GRACEPACK_GPU_TASKS"'
step() { as_user srun -n2 --overcommit --mem=100M --gres=gpu:2 "$@" bash -c "$probe" 2>err | sort; }

out=$(step) || die "srun failed: $(cat err)"
echo "$out"
[ "$(head -1 <<<"$out")" = "0 0,1 2,3  " ] || die "the step's GPUs are not 2,3 numbered 0,1: $out"
pass "ConstrainDevices: the step's GPUs 2,3 are CUDA devices 0,1"

# --gpu-bind=single:1 (what --ntasks-per-gpu=1 sets; the option itself would also ask for a CPU per
# task, which the holder leaves no room for): task 0 on the step's first GPU (2), task 1 on its
# second (3); Slurm labels both "2" and gives each CUDA device 0 in its own device cgroup.
out=$(step --gpu-bind=single:1 --pack-gpus) || die "srun --gpu-bind=single:1 --pack-gpus failed: $(cat err)"
echo "$out"
[ "$out" = $'0 0 2 2 1\n1 0 2 3 1' ] || die "tasks not on GPUs 2 and 3, or Slurm's variables changed: $out"
pass "--gpu-bind=single:1 --pack-gpus: tasks on GPUs 2 and 3 (Slurm labels both 2), CUDA device 0 each"

# map_gpu:1,0 under ConstrainDevices: positions in the step, so task 0 has GPU 3, task 1 GPU 2.
out=$(step --gpu-bind=map_gpu:1,0 --pack-gpus) || die "srun --gpu-bind=map_gpu:1,0 --pack-gpus failed: $(cat err)"
echo "$out"
[ "$out" = $'0 0 2 3 1\n1 0 2 2 1' ] || die "map_gpu:1,0 did not put task 0 on GPU 3 and task 1 on GPU 2: $out"
pass "--gpu-bind=map_gpu:1,0 --pack-gpus: ids read as positions in the step (tasks on GPUs 3 and 2)"
