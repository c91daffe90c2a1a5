#!/usr/bin/env bash
# Impossible --pack-gpus requests fail the step before any task starts, with one message that says
# what was asked, what the step has and what would work; the node stays up and the next job runs.
source "$(dirname "$0")/lib.sh"

expect_refused() { # expect_refused "PATTERN" srun args...
  local pattern=$1; shift
  set +e
  out=$(as_user srun "$@" bash -c 'echo TASK-RAN' 2>&1)
  rc=$?
  set -e
  [ $rc -ne 0 ] || die "srun $* succeeded: $out"
  grep -q TASK-RAN <<<"$out" && die "srun $*: a task ran: $out"
  grep -q -- "$pattern" <<<"$out" || die "srun $*: message lacks '$pattern': $out"
  [ "$(grep -c 'gracepack: ' <<<"$out")" = 1 ] || die "srun $*: not exactly one gracepack message: $out"
  assert_node_up
  as_user srun -n1 true || die "the job after srun $* failed"
  pass "srun $*: $(grep 'gracepack: ' <<<"$out" | sed 's/.*gracepack: //')"
}

expect_refused "3 tasks cannot be spread 1 per GPU over 2 GPUs; use -n2" -n3 --overcommit --gres=gpu:2 --pack-gpus
expect_refused "2 tasks cannot be spread 2 per GPU over 2 GPUs; use -n4" -n2 --gres=gpu:2 --pack-gpus=2
expect_refused "the step has no GPU" -n2 --pack-gpus
expect_refused "drop --gpu-bind=closest" -n2 --gres=gpu:2 --gpu-bind=closest --pack-gpus

use_plugstack "required $GP_PLUGIN min_task_mem=300M"
expect_refused "below this cluster's minimum of 300M per task; ask for --mem=600M" -n2 --gres=gpu:2 --mem=400M --pack-gpus
