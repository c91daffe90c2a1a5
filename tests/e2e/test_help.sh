#!/usr/bin/env bash
# Both options appear in the help of srun, sbatch and salloc, registered in every user context.
source "$(dirname "$0")/lib.sh"
for cmd in srun sbatch salloc; do
  help=$(as_user "$cmd" --help 2>&1)
  for opt in --pack-gpus --preempt-requeue; do
    grep -q -- "$opt" <<<"$help" || die "$cmd --help does not list $opt"
  done
  pass "$cmd --help lists --pack-gpus and --preempt-requeue"
done
# With the option switched off by the admin, it is not offered (and so not silently ignored).
use_plugstack "required $GP_PLUGIN pack_gpus=off"
help=$(as_user srun --help 2>&1)
grep -q -- --pack-gpus <<<"$help" && die "pack_gpus=off still offers --pack-gpus"
grep -q -- --preempt-requeue <<<"$help" || die "pack_gpus=off hid --preempt-requeue too"
out=$(as_user srun --pack-gpus true 2>&1) && die "srun accepted a switched-off option"
pass "pack_gpus=off removes --pack-gpus: $(head -n1 <<<"$out")"
