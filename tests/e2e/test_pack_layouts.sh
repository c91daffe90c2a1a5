#!/usr/bin/env bash
# The seed document's three hand-made packing layouts, each written as one --pack-gpus job.
# (The test node has 2 CPUs, so layouts with more tasks use --overcommit; Slurm 22.05 refuses
# --nodes=1 together with --gres and --overcommit, and the cluster has one node anyway.)
source "$(dirname "$0")/lib.sh"

# Layout 1: two processes sharing one GPU, one output file per task.
id=$(as_user sbatch --parsable --ntasks=2 --gres=gpu:1 --mem=400M -o wrapper-%j.out --wrap \
  'srun -l --output=out_%j_%t.txt --pack-gpus=2 bash -c "echo task \$SLURM_PROCID gpu \$CUDA_VISIBLE_DEVICES slot \$GRACEPACK_GPU_SLOT of \$GRACEPACK_GPU_TASKS"')
[ "$(wait_job "$id")" = COMPLETED ] || die "layout 1 job $id failed: $(cat wrapper-$id.out)"
grep -q "task 0 gpu 0 slot 0 of 2" "out_${id}_0.txt" || die "layout 1 task 0: $(cat out_${id}_0.txt)"
grep -q "task 1 gpu 0 slot 1 of 2" "out_${id}_1.txt" || die "layout 1 task 1: $(cat out_${id}_1.txt)"
pass "layout 1: 2 tasks share 1 GPU (slots 0 and 1), one output file each"

# Layout 2: one process per GPU on a 4-GPU node, instead of four srun ... & lines.
id=$(as_user sbatch --parsable --ntasks=4 --overcommit --gres=gpu:4 --mem=800M -o wrapper-%j.out --wrap \
  'srun --output=step_%j_%t.txt --pack-gpus bash -c "echo gpu \$CUDA_VISIBLE_DEVICES mem \$GRACEPACK_MEM_LIMIT"')
[ "$(wait_job "$id")" = COMPLETED ] || die "layout 2 job $id failed: $(cat wrapper-$id.out)"
gpus=$(cat step_${id}_*.txt | awk '{print $2}' | sort | tr '\n' ' ')
[ "$gpus" = "0 1 2 3 " ] || die "layout 2: GPUs per task are '$gpus'"
grep -qv "mem 209715200" step_${id}_*.txt && die "layout 2: each task should have 200M"
pass "layout 2: 4 tasks, one per GPU, 200M each"

# Layout 3: two processes per GPU on 4 GPUs, instead of four srun --multi-prog lines.
id=$(as_user sbatch --parsable --ntasks=8 --overcommit --gres=gpu:4 -o wrapper-%j.out --wrap \
  'srun --output=s_%j_%t.txt --pack-gpus=2 bash -c "echo \$CUDA_VISIBLE_DEVICES \$GRACEPACK_GPU_SLOT"')
[ "$(wait_job "$id")" = COMPLETED ] || die "layout 3 job $id failed: $(cat wrapper-$id.out)"
[ "$(ls s_${id}_*.txt | wc -l)" = 8 ] || die "layout 3: expected 8 output files"
[ "$(cat s_${id}_*.txt | sort -u | wc -l)" = 8 ] || die "layout 3: GPU/slot pairs not distinct"
[ "$(cat s_${id}_*.txt | awk '{print $1}' | sort | uniq -c | awk '{print $1}' | sort -u)" = 2 ] \
  || die "layout 3: not exactly 2 tasks per GPU"
pass "layout 3: 8 tasks, 2 per GPU on 4 GPUs, one output file each"
