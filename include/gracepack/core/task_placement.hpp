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

#include "gracepack/core/options.hpp"
#include "gracepack/core/plan.hpp"
#include "gracepack/core/result.hpp"

namespace gracepack {

struct StepPlan {
  NodeFacts node;
  PackPolicy policy;
  std::optional<Plan> plan;       // the request's own layout; none when it does not fit
  std::optional<Error> misfit;    // why not: the tasks fail unless Slurm's binding places them
  std::uint64_t task_memory = 0;  // every task's share, whatever the layout; 0: not limited
  bool slurm_cpus = false;        // the user gave srun --cpu-bind: tasks keep Slurm's CPUs
  bool shares_gpus() const { return node.tasks > node.gpus.size(); }
};

// Whether the step's SLURM_CPU_BIND_TYPE, as srun sent it (user_init), is a binding the user asked
// for: srun sets it only for an explicit --cpu-bind (or SLURM_CPU_BIND), "" for --cpu-bind=verbose.
bool user_bound_cpus(const std::optional<std::string>& cpu_bind_type);

// user_init: refuses what no layout can fix (no GPU, too few CPUs, the memory share); a request
// whose tasks do not fit N per GPU is kept as `misfit` for task_init to decide.
Result<StepPlan> plan_step(const PackRequest& request, const NodeFacts& node,
                           const PackPolicy& policy, bool slurm_cpus);

struct TaskPlacement {
  TaskSlot slot;
  Plan plan;                  // the plan the slot belongs to, for the verbose table
  std::string slurm_binding;  // the Slurm option that chose the GPU ("--ntasks-per-gpu=2"), or ""
  bool slurm_cpus = false;    // the task keeps the CPUs Slurm bound it to
};

// task_init: without a Slurm binding (`tres_bind`: the task's SLURMD_TRES_BIND) the plan's slot or
// the misfit; with one, the task keeps the GPU Slurm left it (`task_gpus`: the task's
// SLURM_STEP_GPUS) and takes the share of Slurm's layout; only a real contradiction is an error,
// naming what to drop and the node.
Result<TaskPlacement> place_task(const PackRequest& request, const StepPlan& step, unsigned task,
                                 std::string_view tres_bind,
                                 const std::vector<std::string>& task_gpus,
                                 const std::string& node_name);

}  // namespace gracepack
