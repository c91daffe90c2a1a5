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
for r in preempt python-notice container-bwrap pack-share pack-one-per-gpu pack-two-per-gpu ack-shell ack-pytorch; do
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

# 4. Checkpoint acknowledgements (issue 19). The shell loop: ./one-step is the work (0.2 s a
# step); preempted after its first acknowledgement, it goes on acknowledging inside its window
# until the deadline; requeued, it resumes from its state file.
{ recipe ack-shell | fit; } > ack-shell.sh
printf '#!/bin/sh\nsleep 0.2\n' > one-step
chmod 755 ack-shell.sh one-step; chown "$GP_TEST_USER" ack-shell.sh one-step
rm -f state out.txt
id=$(submit_low low-grace --preempt-requeue ack-shell.sh)
wait_until 30 "job $id's first acknowledgement" test -s ".gracepack-checkpoint-$id"
preempt >/dev/null
wait_requeued "$id" >/dev/null
[ "$(cat state)" = 100 ] || die "ack-shell: the rerun did not finish from its state: $(cat state)"
[ "$(run_record "$id" lost)" = none ] || die "ack-shell: $(grep "\"job_id\":$id," "$AUDIT")"
run_record "$id" checkpoint_label | grep -qE '^step [0-9]+$' || die "ack-shell: label '$(run_record "$id" checkpoint_label)'"
[ -n "$(run_record "$id" checkpoint_in_window)" ] || die "ack-shell: no acknowledgement inside the window"
pass "user guide, the shell loop's acknowledgements: inside the window, lost none, label '$(run_record "$id" checkpoint_label)'; resumed and finished"

# The PyTorch recipe's save_checkpoint in a small training loop that saves every 5 steps and
# dies of the notice (no handler): lost = grace start - its last acknowledgement.
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  {
    recipe ack-pytorch
    cat <<'PY'
import time
model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
start = torch.load("ckpt.pt")["step"] + 1 if os.path.exists("ckpt.pt") else 0
if start:
    print(f"train: resumed from step {start - 1}", flush=True)
    raise SystemExit(0)
for step in range(start, 100000):
    loss = model(torch.randn(8, 4)).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 5 == 0:
        save_checkpoint(model, optimizer, step)
        print(f"train: saved step {step}", flush=True)
    time.sleep(0.2)
PY
  } > train.py
  printf '#!/bin/bash\n/usr/bin/python3 train.py\n' > train.sh
  chmod 755 train.sh; chown "$GP_TEST_USER" train.py train.sh
  rm -f ckpt.pt out.txt
  id=$(submit_low low-grace --preempt-requeue train.sh)
  wait_until $((120 * TIME_SCALE)) "job $id's first checkpoint" grep -q "^train: saved step" out.txt
  ack=$(stat -c %Y ".gracepack-checkpoint-$id")
  preempt >/dev/null
  wait_requeued "$id" >/dev/null
  grep -q "^train: resumed from step" out.txt || die "ack-pytorch: no resume: $(cat out.txt)"
  grace=$(run_record "$id" grace_start) last=$(run_record "$id" checkpoint)
  [ "$(run_record "$id" lost)" = since_checkpoint ] && [ -n "$last" ] && [ "$last" -ge "$ack" ] \
    && [ "$(run_record "$id" lost_seconds)" = $((grace - last)) ] \
    || die "ack-pytorch: $(grep "\"job_id\":$id," "$AUDIT")"
  run_record "$id" checkpoint_label | grep -qE '^step [0-9]+$' || die "ack-pytorch: label '$(run_record "$id" checkpoint_label)'"
  pass "user guide, PyTorch: torch.save then the acknowledgement; preempted, $(run_record "$id" lost_seconds) s lost since '$(run_record "$id" checkpoint_label)'; resumed"
else
  echo "note: python3-torch is not installed (scripts/deps.sh installs it): the PyTorch recipe was not run" >&2
fi
