#!/usr/bin/env bash
# A packed task that allocates more than its share is OOM-killed alone; its sibling finishes.
source "$(dirname "$0")/lib.sh"
alloc=$(user_copy "$GP_ALLOC")
# 400M over 2 tasks: task 0 takes 300M (over its 200M), task 1 takes 100M and finishes.
set +e
out=$(as_user srun -n2 --gres=gpu:2 --mem=400M --pack-gpus -l bash -c \
  "if [ \$SLURM_PROCID = 0 ]; then exec $alloc 300 3; else exec $alloc 100 3; fi" 2>&1)
rc=$?
set -e
echo "$out"
[ $rc -ne 0 ] || die "srun should fail when a task is OOM-killed"
grep -q "^1: done" <<<"$out" || die "sibling task 1 did not finish"
grep -q "^0: done" <<<"$out" && die "task 0 was not killed"
grep -qi "out of memory\|oom" <<<"$out" || die "no OOM reported for task 0"
pass "task 0 over its 200M share was OOM-killed; task 1 finished"

# Without --pack-gpus the same step shares one 400M limit: both fit (300 + 100 < 400).
out=$(as_user srun -n2 --gres=gpu:2 --mem=400M -l bash -c \
  "if [ \$SLURM_PROCID = 0 ]; then exec $alloc 300 1; else exec $alloc 50 1; fi" 2>&1) \
  || die "the same step without --pack-gpus failed: $out"
pass "without --pack-gpus the step's tasks share its limit"
