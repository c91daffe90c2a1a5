#!/usr/bin/env bash
# sbatch --pack-gpus applies to every srun step of the job; --pack-gpus=off in a step undoes it;
# a step that did not ask is never changed.
source "$(dirname "$0")/lib.sh"
id=$(as_user sbatch --parsable --ntasks=2 --gres=gpu:2 --mem=400M -o jl-%j.out --pack-gpus --wrap '
srun -n2 bash -c "echo packed \$SLURM_PROCID \$CUDA_VISIBLE_DEVICES \${GRACEPACK_GPU:-none}"
srun -n2 --pack-gpus=off bash -c "echo off \$SLURM_PROCID \$CUDA_VISIBLE_DEVICES \${GRACEPACK_GPU:-none}"
echo batch ${GRACEPACK_GPU:-none}')
[ "$(wait_job "$id")" = COMPLETED ] || die "job $id failed: $(cat jl-$id.out)"
cat "jl-$id.out"
[ "$(grep -c '^packed' "jl-$id.out")" = 2 ] || die "packed step output missing"
[ "$(grep '^packed' "jl-$id.out" | awk '{print $3}' | sort -u | wc -l)" = 2 ] || die "steps did not inherit --pack-gpus"
# Both tasks of the off step ran and show the step's two GPUs, unpacked (issue 21 item 5: an off
# step that never ran printed nothing, and a negative grep passed).
[ "$(grep -c '^off [01] 0,1 none$' "jl-$id.out")" = 2 ] \
  || die "--pack-gpus=off did not run unpacked on both tasks: $(grep '^off' "jl-$id.out")"
grep -q "^batch none$" "jl-$id.out" || die "the batch script itself was packed"
pass "sbatch --pack-gpus packs the steps; --pack-gpus=off undoes it; the batch script is untouched"

out=$(as_user srun -n2 --gres=gpu:2 bash -c 'echo $CUDA_VISIBLE_DEVICES ${GRACEPACK_GPU:-none}' 2>/dev/null)
[ "$(sort -u <<<"$out")" = "0,1 none" ] || die "a step without --pack-gpus was changed: $out"
pass "a step without --pack-gpus is unchanged"
