#!/usr/bin/env bash
# --pack-gpus on top of Slurm's own GPU binding (issue 12 part 2): each task keeps the GPU Slurm
# binds it to (the same as Slurm alone), and --pack-gpus adds its memory limit in the task's
# cgroup and CPUs of its own; a real contradiction is refused naming the option to drop.
# The issue's `srun -n4 --ntasks-per-gpu=2 --gres=gpu:2 --pack-gpus` is not allocated as a job
# of its own on a 2-CPU node (Slurm 22.05: "Requested node configuration is not available", with
# and without the plugin, with --overcommit too); it runs as a step with --overcommit inside a
# 2-CPU allocation, which is what the test does.
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

# same_gpus_in ALLOC PACK ARGS...: same_gpus for a step inside `salloc ALLOC` (one allocation for
# both runs); the packed run's stderr (the verbose table) is left in ./err.
same_gpus_in() {
  local alloc=$1 pack=$2 alone packed
  shift 2
  alone=$(as_user salloc $alloc srun "$@" bash -c "$probe" 2>err) || die "srun $* failed: $(cat err)"
  packed=$(as_user salloc $alloc srun "$@" "$pack" bash -c "$probe" 2>err) \
    || die "srun $* $pack failed: $(cat err)"
  [ "$(awk '{print $1, $2}' <<<"$alone" | sort)" = "$(awk '{print $1, $2}' <<<"$packed" | sort)" ] \
    || die "srun $*: GPUs differ with $pack:"$'\n'"alone:"$'\n'"$alone"$'\n'"packed:"$'\n'"$packed"
  echo "$packed"
}

# The issue's example: a bare --pack-gpus takes Slurm's 2 tasks per GPU, adds a 100M limit each
# and prints the table of what it did.
out=$(same_gpus_in "-n2 --gres=gpu:2 --mem=400M" --pack-gpus=1,verbose \
  -n4 --overcommit --ntasks-per-gpu=2 --gres=gpu:2 --mem=400M)
echo "$out"; cat err
[ "$(awk '$1 < 2 {print $2}' <<<"$out" | sort -u)" = 0 ] || die "tasks 0 and 1 are not on GPU 0: $out"
[ "$(awk '$1 >= 2 {print $2}' <<<"$out" | sort -u)" = 1 ] || die "tasks 2 and 3 are not on GPU 1: $out"
awk '{print $3}' <<<"$out" | grep -qv '^104857600$' && die "memory limit is not 100M in every task cgroup: $out"
awk '{print $5}' <<<"$out" | grep -qv '^2$' && die "GRACEPACK_GPU_TASKS is not 2: $out"
grep -q "GPUs as Slurm binds them (--ntasks-per-gpu=2)" err || die "the table does not say whose GPUs: $(cat err)"
for t in 0 1 2 3; do
  grep -Eq "^$t +$((t / 2)) +$((t % 2))/2 .* 100M +cgroup" err || die "no table row for task $t: $(cat err)"
done
pass "-n4 --ntasks-per-gpu=2 --gres=gpu:2 --pack-gpus: Slurm's GPUs, 100M cgroup limit each, the table"

# --pack-gpus=3 with --ntasks-per-gpu=2 really contradicts: refused before any task runs, saying
# which to drop.
rc=0
out=$(as_user salloc -n2 --gres=gpu:2 srun -n4 --overcommit --ntasks-per-gpu=2 --gres=gpu:2 \
  --pack-gpus=3 bash -c 'echo TASK-RAN' 2>&1) || rc=$?
[ "$rc" != 0 ] || die "--pack-gpus=3 --ntasks-per-gpu=2 ran: $out"
grep -q TASK-RAN <<<"$out" && die "a task ran: $out"
grep -q "drop the count (--pack-gpus then takes Slurm's 2), or drop --ntasks-per-gpu=2" <<<"$out" \
  || die "the refusal does not say which to drop: $out"
assert_node_up
pass "--pack-gpus=3 --ntasks-per-gpu=2: refused, naming which to drop"

# One GPU, --ntasks-per-gpu=2, as a job of its own.
out=$(same_gpus --pack-gpus -n2 --ntasks-per-gpu=2 --gres=gpu:1 --mem=400M)
echo "$out"
awk '{print $5}' <<<"$out" | grep -qv '^2$' && die "GRACEPACK_GPU_TASKS is not 2: $out"
awk '{print $3}' <<<"$out" | grep -qv '^209715200$' && die "memory limit is not 200M in every task cgroup: $out"
pass "-n2 --ntasks-per-gpu=2 --gres=gpu:1 --pack-gpus: both on Slurm's GPU, 200M each"

# CPUs: where Slurm's task/affinity bound them (it chose the GPU by them) each task keeps its own;
# with --cpu-bind=none Slurm leaves them unset and --pack-gpus gives each task one of its own.
cpus='echo "$SLURM_PROCID $(taskset -pc $$ | sed "s/.*: //") $GRACEPACK_CPUS"'
for bind in "" --cpu-bind=none; do
  out=$(as_user srun -n2 --ntasks-per-gpu=2 --gres=gpu:1 $bind --pack-gpus=1,verbose bash -c "$cpus" 2>err) \
    || die "srun -n2 --ntasks-per-gpu=2 $bind failed: $(cat err)"
  echo "$out"; grep -v "queued\|allocated" err
  awk '$2 != $3 {bad = 1} END {exit !bad}' <<<"$out" && die "GRACEPACK_CPUS is not the task's affinity: $out"
  [ "$(wc -l <<<"$out")" = 2 ] || die "not two tasks: $out"
  # shellcheck disable=SC2046
  cpus_disjoint $(awk '{print $2}' <<<"$out") || die "the two tasks share their CPUs: $out"
  if [ -z "$bind" ]; then
    grep -q "CPUs as Slurm binds them" err || die "the table does not say the CPUs are Slurm's: $(cat err)"
  else
    grep -q "CPUs as Slurm binds them" err && die "--cpu-bind=none: the CPUs are not --pack-gpus's: $(cat err)"
  fi
done
pass "CPUs: Slurm's where task/affinity bound them; one each from --pack-gpus with --cpu-bind=none"

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

# A bare --pack-gpus takes an uneven map as it is: 3 tasks share GPU 0, one has GPU 1 whole.
out=$(same_gpus --pack-gpus -n4 --overcommit --gres=gpu:2 --gpu-bind=map_gpu:0,0,0,1 --mem=400M)
echo "$out"
[ "$(awk '{print $1, $2, $5}' <<<"$out" | sort | paste -sd' ')" = "0 0 3 1 0 3 2 0 3 3 1 1" ] \
  || die "not 3 tasks on GPU 0 and 1 on GPU 1: $out"
pass "-n4 --gpu-bind=map_gpu:0,0,0,1 --pack-gpus: Slurm's uneven map, 3 tasks share GPU 0"

# An explicit --cpu-bind is the user's: each task keeps the CPU Slurm binds it to.
cpus=$(as_user srun -n2 --gres=gpu:2 --cpu-bind=map_cpu:1,0 --pack-gpus \
  bash -c 'echo "$SLURM_PROCID $(taskset -pc $$ | sed "s/.*: //") $GRACEPACK_CPUS"' 2>err) \
  || die "srun --cpu-bind=map_cpu:1,0 --pack-gpus failed: $(cat err)"
echo "$cpus"
[ "$(sort <<<"$cpus" | paste -sd' ')" = "0 1 1 1 0 0" ] || die "the tasks do not run on Slurm's CPUs 1 and 0: $cpus"
pass "--cpu-bind=map_cpu:1,0 --pack-gpus: each task on the CPU Slurm bound it to"

# A map that puts 3 tasks on GPU 0 and 1 on GPU 1 contradicts --pack-gpus=2.
rc=0
out=$(as_user srun -n4 --overcommit --gres=gpu:2 --gpu-bind=map_gpu:0,0,0,1 --pack-gpus=2 bash -c 'echo TASK-RAN' 2>&1) || rc=$?
[ "$rc" != 0 ] || die "an uneven map_gpu with --pack-gpus=2 ran: $out"
grep -q TASK-RAN <<<"$out" && die "a task ran: $out"
grep -q "does not put the same number on each: drop the count" <<<"$out" || die "the refusal does not say what to drop: $out"
grep -q "or drop --gpu-bind=map_gpu:0,0,0,1" <<<"$out" || die "the refusal does not name the binding: $out"
assert_node_up
pass "an uneven --gpu-bind=map_gpu with --pack-gpus=2: refused, naming what to drop"
