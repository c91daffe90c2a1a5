#!/usr/bin/env bash
# The user guide's recipes, taken from docs/user-guide.md as written (the blocks marked
# "<!-- recipe: NAME -->") and run on the test cluster. Only what the test node cannot hold is
# changed, and the same way for every recipe: the guide's partition name becomes the cluster's
# -grace partition, --cpus-per-task is dropped and --overcommit added (the node has $(nproc)
# CPUs), --mem=NG becomes 400M, and `python script.py` runs a probe script.py under python3.
source "$(dirname "$0")/preempt_lib.sh"
GUIDE=$GP_SOURCE_DIR/docs/user-guide.md

# recipe NAME: the indented block after the marker, without its indent.
recipe() {
  awk -v m="<!-- recipe: $1 " '
    index($0, m) == 1 {on = 1; next}
    on && /^    / {print substr($0, 5); seen = 1; next}
    on && seen && !/^$/ {exit}
    on && seen && /^$/ {print ""}' "$GUIDE"
}
fit() {
  sed -E -e 's/--partition=main-grace/--partition=low-grace/' -e 's/ --cpus-per-task=[0-9]+//' \
    -e 's/--mem=[0-9]+G/--mem=400M/' -e 's/\bpython script\.py/python3 script.py/'
}
for r in preempt python-notice container-bwrap pack-share pack-one-per-gpu pack-two-per-gpu; do
  [ -n "$(recipe "$r")" ] || die "the user guide has no recipe '$r'"
done

# 1. The preemption recipe, with the guide's Python handler in the program it runs.
{ recipe preempt | fit; } > recipe.sh
{
  cat <<'PY'
import os, signal, sys, time
def save_checkpoint(budget):
    print(f"program: saving, {budget:.0f} s left before the deadline", flush=True)
    time.sleep(2)
    open("ckpt", "w").write("saved\n")
    print("program: checkpoint saved", flush=True)
PY
  recipe python-notice
  cat <<'PY'
if "--resume-from-checkpoint-if-any" in sys.argv and os.path.exists("ckpt"):
    print("program: resumed from checkpoint", flush=True)
    sys.exit(0)
print("program: working", flush=True)
while True:
    time.sleep(0.2)
PY
} > my_script
chown "$GP_TEST_USER" recipe.sh my_script
id=$(as_user sbatch --parsable -n "$NCPU" -o out.txt recipe.sh)
for _ in $(seq $((120 * TIME_SCALE))); do grep -q 'program: working' out.txt 2>/dev/null && break; sleep 0.25; done
grep -q 'program: working' out.txt || die "the recipe's program did not start: $(cat out.txt 2>/dev/null)"
wait_until 20 "the watcher of job $id" watcher_watching "$id"
preempt >/dev/null
wait_requeued "$id" >/dev/null
grep -q "gracepack: job $id is being preempted" out.txt || die "no notice line: $(cat out.txt)"
grep -q 'program: checkpoint saved' out.txt || die "the program did not save: $(cat out.txt)"
grep -q 'program: resumed from checkpoint' out.txt || die "the job did not resume: $(cat out.txt)"
check_ledger "$id" 1
pass "user guide, preemption recipe: the Python handler read the deadline, saved, the job came back and resumed"

# 1b. The container recipe (bubblewrap, its own PID namespace and /run), the same program.
if command -v bwrap >/dev/null; then
  rm -f ckpt
  { recipe container-bwrap | fit; } > recipe_ctr.sh
  chown "$GP_TEST_USER" recipe_ctr.sh
  id=$(as_user sbatch --parsable -n "$NCPU" -o out_ctr.txt recipe_ctr.sh)
  for _ in $(seq $((120 * TIME_SCALE))); do grep -q 'program: working' out_ctr.txt 2>/dev/null && break; sleep 0.25; done
  grep -q 'program: working' out_ctr.txt || die "the container recipe's program did not start: $(cat out_ctr.txt 2>/dev/null)"
  wait_until 20 "the watcher of job $id" watcher_watching "$id"
  preempt >/dev/null
  for _ in $(seq $((120 * TIME_SCALE))); do [ "$(field "$id" Restarts)" = 1 ] && break; sleep 0.5; done
  wait_state "$id" "$(rerun_end_state)" 120
  grep -q 'program: saving, [0-9]* s left' out_ctr.txt || die "the program in the container did not read its deadline: $(cat out_ctr.txt)"
  grep -q 'program: checkpoint saved' out_ctr.txt || die "the program in the container did not save: $(cat out_ctr.txt)"
  grep -q 'program: resumed from checkpoint' out_ctr.txt || die "the container job did not resume: $(cat out_ctr.txt)"
  check_ledger "$id" 1
  pass "user guide, container recipe: the program in bubblewrap read the deadline from the copy, saved, the job came back and resumed"
else
  echo "note: bubblewrap is not installed: the container recipe was not run" >&2
fi

# 2. The three packing recipes, each as a batch script around its #SBATCH line and srun line.
cat > script.py <<'PY'
import os
e = os.environ
print("task", e["SLURM_PROCID"], "gpu", e.get("CUDA_VISIBLE_DEVICES"), "slot",
      e.get("GRACEPACK_GPU_SLOT"), "of", e.get("GRACEPACK_GPU_TASKS"), "mem",
      e.get("GRACEPACK_MEM_LIMIT"), "cpus", len(os.sched_getaffinity(0)))
PY
chown "$GP_TEST_USER" script.py
run_recipe() { # run_recipe NAME NTASKS: submits the recipe, prints the job id once it completed
  { echo '#!/bin/bash'; recipe "$1" | fit; } > "$1.sh"
  chown "$GP_TEST_USER" "$1.sh"
  local over=(); [ "$2" -gt "$NCPU" ] && over=(--overcommit)
  local id; id=$(as_user sbatch --parsable "${over[@]}" -o "$1-%j.out" "$1.sh")
  [ "$(wait_job "$id")" = COMPLETED ] || die "recipe $1: job $id failed: $(cat "$1-$id.out")"
  echo "$id"
}
id=$(run_recipe pack-share 2)
grep -q "task 0 gpu 0 slot 0 of 2" myjob_output_0.out || die "pack-share task 0: $(cat myjob_output_0.out)"
grep -q "task 1 gpu 0 slot 1 of 2" myjob_output_1.out || die "pack-share task 1: $(cat myjob_output_1.out)"
pass "user guide, two processes sharing one GPU: slots 0 and 1 of GPU 0, one output file each"

id=$(run_recipe pack-one-per-gpu 4)
[ "$(ls "$id"-task-*.out | wc -l)" = 4 ] || die "pack-one-per-gpu: expected 4 output files"
[ "$(cat "$id"-task-*.out | awk '{print $5}' | sort | tr '\n' ' ')" = "0 1 2 3 " ] \
  || die "pack-one-per-gpu: GPUs are not one per task: $(cat "$id"-task-*.out)"
[ "$(cat "$id"-task-*.out | awk '{print $11}' | sort -u)" = 104857600 ] \
  || die "pack-one-per-gpu: each task should have 100M: $(cat "$id"-task-*.out)"
pass "user guide, one process per GPU: 4 tasks on GPUs 0-3, 100M each"

id=$(run_recipe pack-two-per-gpu 8)
[ "$(ls "$id"-task-*.out | wc -l)" = 8 ] || die "pack-two-per-gpu: expected 8 output files"
[ "$(cat "$id"-task-*.out | awk '{print $5, $7}' | sort -u | wc -l)" = 8 ] \
  || die "pack-two-per-gpu: GPU/slot pairs are not distinct: $(cat "$id"-task-*.out)"
[ "$(cat "$id"-task-*.out | awk '{print $5}' | sort | uniq -c | awk '{print $1}' | sort -u)" = 2 ] \
  || die "pack-two-per-gpu: not exactly 2 tasks per GPU: $(cat "$id"-task-*.out)"
pass "user guide, two processes per GPU: 8 tasks, 2 on each of 4 GPUs"
