// What --pack-gpus reads from Slurm and the node, and what it checks per task; kept apart from
// pack.cpp so that each hook stays short.
#pragma once

#include <optional>
#include <string>

#include "gracepack/core/config.hpp"
#include "gracepack/core/pack_env.hpp"
#include "pack.hpp"
#include "spank.hpp"

namespace gracepack::spank {

Getenv step_env(const Spank& sp);
// GPUs, CPUs (the step's cpuset), memory and task count of the step on this node.
Result<NodeFacts> node_facts(const Spank& sp, const Config& config);
// Starts the step's MPS daemon when the admin enabled it; otherwise says why shares are advisory.
void start_mps(const Spank& sp, const Config& config, Packed& p);

// Slurm's own per-task GPU binding is only in the task's environment (SLURMD_TRES_BIND), so a
// request that contradicts it is found in task_init.
std::optional<Error> gpu_binding_conflict(const Spank& sp, const PackRequest& request,
                                          const Packed& p, const Config& config);

struct MemoryCheck {
  MemoryEnforcement how = MemoryEnforcement::None;
  std::string why;  // when not enforced by the cgroup
};
// Checks from inside the task that its cgroup holds its share, else sets RLIMIT_DATA.
MemoryCheck enforce_memory(const TaskSlot& slot);

struct GpuShare {
  std::string kind;  // whole, mps, advisory
  Env env;
  std::string why;  // when advisory
};
GpuShare gpu_share(const Packed& p, const TaskSlot& slot);

}  // namespace gracepack::spank
