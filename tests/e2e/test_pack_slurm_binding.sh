#!/usr/bin/env bash
# --pack-gpus on top of Slurm's own GPU binding (issue 12 part 2): each task keeps the GPU Slurm
# binds it to (the same as Slurm alone), and --pack-gpus adds its memory limit in the task's
# cgroup and CPUs of its own; a real contradiction is refused naming the option to drop.
# `srun -n4 --ntasks-per-gpu=2 --gres=gpu:2` cannot be allocated on this 2-CPU test node with
# Slurm 22.05 ("Requested node configuration is not available", measured with and without the
# plugin), so the bindings here are --gpus-per-task=1 and --gpu-bind=map_gpu.
source "$(dirname "$0")/lib.sh"

install_memlimit
probe='echo "$SLURM_PROCID $CUDA_VISIBLE_DEVICES $(./memlimit) $GRACEPACK_MEM_ENFORCED $GRACEPACK_GPU_TASKS"'
# same_gpus PACK ARGS...: each task's CUDA_VISIBLE_DEVICES with the --pack-gpus option PACK is the
# one Slurm alone gives it; prints the packed tasks' lines.
same_gpus() {
  local pack=$1 alone packed
  shift
  alone=$(as_user srun "$@" bash -c "$probe" 2>err) || die "srun $* failed: $(cat err)"
  packed=$(as_user srun "$@" "$pack" bash -c "$probe" 2>err) || die "srun $* $pack failed: $(cat err)"
  [ "$(awk '{print $1, $2}' <<<"$alone" | sort)" = "$(awk '{print $1, $2}' <<<"$packed" | sort)" ] \
    || die "srun $*: GPUs differ with --pack-gpus:"$'\n'"alone:"$'\n'"$alone"$'\n'"packed:"$'\n'"$packed"
  echo "$packed"
}

out=$(same_gpus --pack-gpus -n2 --gpus-per-task=1 --mem=400M)
echo "$out"
awk '{print $3}' <<<"$out" | grep -qv '^209715200$' && die "memory limit is not 200M in every task cgroup: $out"
awk '{print $4}' <<<"$out" | grep -qv '^cgroup$' && die "GRACEPACK_MEM_ENFORCED is not cgroup: $out"
pass "-n2 --gpus-per-task=1 --mem=400M --pack-gpus: Slurm's GPU per task, 200M cgroup limit each"

out=$(same_gpus --pack-gpus=2 -n4 --overcommit --gres=gpu:2 --gpu-bind=map_gpu:1,0,1,0 --mem=400M)
echo "$out"
[ "$(awk '$1 == 0 || $1 == 2 {print $2}' <<<"$out" | sort -u)" = 1 ] || die "tasks 0 and 2 are not on GPU 1: $out"
awk '{print $3}' <<<"$out" | grep -qv '^104857600$' && die "memory limit is not 100M in every task cgroup: $out"
awk '{print $5}' <<<"$out" | grep -qv '^2$' && die "GRACEPACK_GPU_TASKS is not 2: $out"
pass "-n4 --gpu-bind=map_gpu:1,0,1,0 --mem=400M --pack-gpus=2: Slurm's GPUs, 100M each, 2 tasks per GPU"

# A map that puts 3 tasks on GPU 0 and 1 on GPU 1 contradicts --pack-gpus=2.
rc=0
out=$(as_user srun -n4 --overcommit --gres=gpu:2 --gpu-bind=map_gpu:0,0,0,1 --pack-gpus=2 bash -c 'echo TASK-RAN' 2>&1) || rc=$?
[ "$rc" != 0 ] || die "an uneven map_gpu with --pack-gpus=2 ran: $out"
grep -q TASK-RAN <<<"$out" && die "a task ran: $out"
grep -q "does not put the same number on each: drop the count" <<<"$out" || die "the refusal does not say what to drop: $out"
grep -q "or drop --gpu-bind=map_gpu:0,0,0,1" <<<"$out" || die "the refusal does not name the binding: $out"
assert_node_up
pass "an uneven --gpu-bind=map_gpu with --pack-gpus=2: refused, naming what to drop"
