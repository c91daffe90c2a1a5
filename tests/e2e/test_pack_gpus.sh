#!/usr/bin/env bash
# --pack-gpus on the real cluster: each task its own GPU, disjoint CPUs, its own memory limit in
# its own cgroup; N tasks per GPU; the report.
source "$(dirname "$0")/lib.sh"

# Every task prints: task id, CUDA_VISIBLE_DEVICES, its CPU affinity, its cgroup's memory limit
# (cgroup v1: memory.limit_in_bytes of its memory cgroup; v2: memory.max of its cgroup).
install_memlimit
probe='echo "$SLURM_PROCID $CUDA_VISIBLE_DEVICES $(taskset -pc $$ | sed "s/.*: //") $(./memlimit) $GRACEPACK_GPU_SLOT $GRACEPACK_GPU_TASKS $GRACEPACK_MEM_ENFORCED"'

out=$(as_user srun -n2 --gres=gpu:2 --mem=400M --pack-gpus bash -c "$probe" 2>err) || die "srun failed: $(cat err)"
echo "$out"
[ "$(wc -l <<<"$out")" = 2 ] || die "expected 2 tasks"
[ "$(awk '{print $2}' <<<"$out" | sort -u | wc -l)" = 2 ] || die "tasks do not see different GPUs"
awk '{print $2}' <<<"$out" | grep -qv '^[0-9]$' && die "a task sees more than one GPU"
cpus=$(awk '{print $3}' <<<"$out")
[ "$(sort -u <<<"$cpus" | wc -l)" = 2 ] || die "CPU sets are not disjoint: $cpus"
grep -q '^$' <<<"$cpus" && die "empty CPU set"
for cpu in $cpus; do grep -q -- '-\|,' <<<"$cpu" && die "2 tasks on 2 CPUs should get one CPU each: $cpu"; done
awk '{print $4}' <<<"$out" | grep -qv '^209715200$' && die "memory limit is not 200M in every task cgroup"
awk '{print $7}' <<<"$out" | grep -qv '^cgroup$' && die "GRACEPACK_MEM_ENFORCED is not cgroup"
pass "-n2 --gres=gpu:2 --mem=400M --pack-gpus: own GPU, disjoint CPUs, 200M cgroup limit each"

out=$(as_user srun -n4 --overcommit --gres=gpu:2 --pack-gpus=2 bash -c "$probe" 2>err) || die "srun failed: $(cat err)"
echo "$out"
[ "$(awk '{print $2}' <<<"$out" | sort | uniq -c | awk '{print $1}' | sort -u)" = 2 ] \
  || die "each GPU should carry exactly two tasks"
[ "$(awk '$6 == 2 {print $2 "/" $5}' <<<"$out" | sort -u | wc -l)" = 4 ] || die "slots are not distinct per GPU"
pass "-n4 --overcommit --gres=gpu:2 --pack-gpus=2: each GPU carries exactly two tasks"

out=$(as_user srun -n2 --gres=gpu:2 --pack-gpus=verbose true 2>&1) || die "verbose srun failed: $out"
grep -q "task  gpu    slot  cpus" <<<"$out" || die "verbose report missing: $out"
[ "$(grep -c '^[0-9] ' <<<"$out")" = 2 ] || die "report should have a row per task: $out"
pass "verbose prints the plan table on the step's stderr"

# The admin's GPU -> CPU map wins over block order: GPU 0 near CPU 1, GPU 1 near CPU 0.
use_plugstack "required $GP_PLUGIN gpu_cpus=0:1;1:0"
out=$(as_user srun -n2 --gres=gpu:2 --pack-gpus bash -c "$probe" 2>err) || die "srun failed: $(cat err)"
[ "$(awk '$2 == 0 {print $3}' <<<"$out")" = 1 ] || die "GPU 0's task is not on CPU 1: $out"
[ "$(awk '$2 == 1 {print $3}' <<<"$out")" = 0 ] || die "GPU 1's task is not on CPU 0: $out"
pass "gpu_cpus map places each task on the CPUs near its GPU"
