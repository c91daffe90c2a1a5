// The pack planner: from what a step really has on one node and the user's --pack-gpus request,
// one assignment per local task (GPU, CPUs, memory limit, GPU share). Pure and deterministic.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gracepack/core/options.hpp"
#include "gracepack/core/result.hpp"

namespace gracepack {

struct Cpu {
  int id = 0;     // OS CPU id
  int core = 0;   // equal for SMT siblings of one physical core
  int numa = -1;  // -1: unknown
};

struct Gpu {
  std::string id;  // as Slurm names it in SLURM_STEP_GPUS
  std::vector<int>
      local_cpus;  // CPUs near it (sysfs local_cpulist or the admin's map); may be empty
  int numa = -1;
};

// What the step has on this node.
struct NodeFacts {
  std::vector<Cpu> cpus;     // CPUs the step may use, as the kernel reports them
  std::vector<Gpu> gpus;     // the step's GPUs here, in Slurm's order
  std::uint64_t memory = 0;  // the step's memory here in bytes; 0: not limited
  unsigned tasks = 0;        // the step's tasks here
  bool overcommit = false;   // srun --overcommit
  std::string gpu_bind;      // Slurm's own per-task GPU binding, if any (e.g. "gpu:closest")
};

// The admin's limits on packing (from the plugstack line).
struct PackPolicy {
  std::uint64_t min_task_memory = 0;  // bytes; 0: no minimum
};

struct TaskSlot {
  unsigned task = 0;     // local task index on this node
  unsigned gpu = 0;      // index into NodeFacts::gpus
  unsigned slot = 0;     // 0..sharers-1 on that GPU
  unsigned sharers = 1;  // tasks on that GPU
  std::vector<int> cpus;
  int numa = -1;
  std::uint64_t memory = 0;  // bytes; 0: no limit
  unsigned gpu_percent = 100;
};

struct Plan {
  std::vector<TaskSlot> tasks;
  bool cpus_shared = false;  // --overcommit with fewer CPUs than tasks
};

Result<Plan> plan_pack(const PackRequest& request, const NodeFacts& node, const PackPolicy& policy);

}  // namespace gracepack
