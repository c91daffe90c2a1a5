// What a packed task sees: its GPU variables narrowed to its own GPU, and GRACEPACK_* variables
// that tell it its slot, so one program can choose per-task arguments without a multi-prog file.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gracepack/core/base/env.hpp"
#include "gracepack/core/base/result.hpp"
#include "gracepack/core/pack/plan.hpp"

namespace gracepack {

enum class MemoryEnforcement { None, Cgroup, Rlimit };
const char* to_string(MemoryEnforcement m);

// The vendor variables Slurm (or the site) sets per step with one entry per GPU, in step order.
struct GpuVariables {
  std::vector<std::pair<std::string, std::vector<std::string>>> lists;
  std::vector<std::string> ignored;  // set, but not one entry per GPU: left as they are
};

// Reads the step's GPU variables. The GPU ids come from SLURM_STEP_GPUS (global ids, the names
// the admin's map and sysfs use), else from CUDA_VISIBLE_DEVICES.
std::vector<std::string> step_gpu_ids(const Getenv& getenv);
GpuVariables gpu_variables(const Getenv& getenv, std::size_t gpus);

// The variables to set for one task. OMP_NUM_THREADS only when the user has not set it; the GPU
// variables are left as they are where Slurm bound the task's GPU itself (`slurm_gpu`): Slurm has
// narrowed them, with the index the task's device cgroup gives it.
Env task_environment(const TaskSlot& slot, const NodeFacts& node, const GpuVariables& vars,
                     bool omp_set_by_user, bool slurm_gpu = false);

// Whether the limit found on a task's own cgroup is its share: the kernel rounds a limit down to
// whole pages, so a little below counts.
bool cgroup_enforces(std::uint64_t share, std::uint64_t cgroup_limit);

// How a task's memory share is enforced, and why not by its cgroup when it is not.
struct MemoryCheck {
  MemoryEnforcement how = MemoryEnforcement::None;
  std::string why;
};

// Slurm's own per-task GPU binding (--gpu-bind, --ntasks-per-gpu, --gpus-per-task), found only in
// the task (SLURMD_TRES_BIND): slurm_gpu_binding.hpp.

// A task's GPU share: its whole GPU, an MPS share (the daemon answered and the task reaches it),
// or advisory with the reason.
struct GpuShare {
  std::string kind;  // whole, mps, advisory
  Env env;
  std::string why;
};
struct MpsState {
  const struct MpsShare* share = nullptr;  // the step's daemon, when it answered
  std::string note;                        // why there is none
  std::optional<Error> unreachable;        // why this task cannot reach it
};
GpuShare gpu_share(const TaskSlot& slot, const MpsState& mps);

// What the table says beside the plan: how memory and GPU shares are enforced, and what Slurm
// chose itself (the GPUs with its binding option, the CPUs with --cpu-bind).
struct PlanNotes {
  MemoryEnforcement memory = MemoryEnforcement::None;
  std::string gpu_share;      // mps, advisory
  std::string slurm_binding;  // "--ntasks-per-gpu=2": the GPUs are Slurm's
  bool slurm_cpus = false;    // the CPUs are Slurm's
};

// The per-node table printed with --pack-gpus=...,verbose and on failure.
std::string format_plan(const PackRequest& request, const NodeFacts& node, const Plan& plan,
                        const std::string& node_name, const PlanNotes& notes);

}  // namespace gracepack
