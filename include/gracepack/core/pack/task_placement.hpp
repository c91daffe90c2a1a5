// Where each packed task goes, in two steps because Slurm tells its own GPU binding
// (--ntasks-per-gpu, --gpus-per-task, --gpu-bind) only to the task: plan_step() in user_init, from
// what the step has here (the request's own plan, or why it does not fit); place_task() in each
// task's task_init, which reads Slurm's binding and keeps Slurm's GPU for the task, adding the
// memory share, the CPUs near that GPU and the MPS share. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gracepack/core/base/options.hpp"
#include "gracepack/core/base/result.hpp"
#include "gracepack/core/pack/plan.hpp"

namespace gracepack {

struct StepPlan {
  NodeFacts node;
  PackPolicy policy;
  std::optional<Plan> plan;       // the request's own layout; none when it does not fit
  std::optional<Error> misfit;    // why not: the tasks fail unless Slurm's binding places them
  std::uint64_t task_memory = 0;  // every task's share, whatever the layout; 0: not limited
  bool slurm_cpus = false;        // the user gave srun --cpu-bind: tasks keep Slurm's CPUs
  bool step_numbering = false;    // slurm_numbers_gpus_per_step(): ConstrainDevices' numbering
  bool shares_gpus() const { return node.tasks > node.gpus.size(); }
};

// Whether the step's SLURM_CPU_BIND_TYPE, as srun sent it (user_init), is a binding the user asked
// for: srun sets it only for --cpu-bind (or SLURM_CPU_BIND), --hint, -B and --ntasks-per-core;
// "" for --cpu-bind=verbose. none leaves the CPUs unset: --pack-gpus gives its own. mask_cpu is
// left out: an srun inside a task (srun --pty bash) inherits
// the outer task's SLURM_CPU_BIND=quiet,mask_cpu:.. from slurmstepd's automatic binding and would
// pin every inner task to the outer task's CPUs.
bool user_bound_cpus(const std::optional<std::string>& cpu_bind_type);

// user_init: refuses what no layout can fix (no GPU, too few CPUs, the memory share); a request
// whose tasks do not fit N per GPU is kept as `misfit` for task_init to decide.
Result<StepPlan> plan_step(const PackRequest& request, const NodeFacts& node,
                           const PackPolicy& policy, bool slurm_cpus, bool step_numbering = false);

struct TaskPlacement {
  TaskSlot slot;              // with the task's own CPUs where it keeps Slurm's
  Plan plan;                  // the plan the slot belongs to, for the verbose table
  std::string slurm_binding;  // the Slurm option that chose the GPU ("--ntasks-per-gpu=2"), or ""
  bool slurm_cpus = false;    // the task keeps the CPUs Slurm bound it to
};

// What a task sees of Slurm's binding in task_init.
struct TaskView {
  unsigned task = 0;              // its local task number
  std::string tres_bind;          // SLURMD_TRES_BIND ("" without a Slurm GPU binding)
  std::vector<std::string> gpus;  // its SLURM_STEP_GPUS
  std::vector<int> cpus;          // its CPUs as Slurm left them (fewer than the step's: bound)
};

// task_init: without a Slurm GPU binding, the plan's slot or the misfit. With one, the task takes
// the share of Slurm's layout on the GPU Slurm gave it: the forecast's, or the one the task sees
// where that differs from the step's first GPU (with ConstrainDevices every task is labelled with
// the first); it keeps the CPUs Slurm bound it to, if any (Slurm chose its GPU by them), else gets
// CPUs near its GPU. Only a real contradiction is an error, naming what to drop and the node.
Result<TaskPlacement> place_task(const PackRequest& request, const StepPlan& step,
                                 const TaskView& view, const std::string& node_name);

}  // namespace gracepack
