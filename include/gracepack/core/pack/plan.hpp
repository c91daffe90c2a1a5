// The pack planner: from what a step really has on one node and the user's --pack-gpus request,
// one assignment per local task (GPU, CPUs, memory limit, GPU share). Pure and deterministic.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gracepack/core/base/options.hpp"
#include "gracepack/core/base/result.hpp"

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

// Each local task's GPU, as an index into NodeFacts::gpus, in task order.
using GpuLayout = std::vector<unsigned>;

// --pack-gpus=N's own layout: N tasks per GPU, block by block (task t on GPU t/N).
GpuLayout block_layout(unsigned tasks, unsigned per_gpu);

// Why the request's own layout does not fit the step's tasks and GPUs here (4 tasks, 3 per GPU,
// 2 GPUs), with what would; nullopt when it fits. Slurm's own GPU binding may still place them.
std::optional<Error> request_misfit(const PackRequest& request, const NodeFacts& node);

// Each task's memory share (the step's memory over its tasks here, whole MiB; 0: not limited),
// whatever the layout; an error under 1 MiB or the admin's minimum.
Result<std::uint64_t> task_memory_share(const PackRequest& request, const NodeFacts& node,
                                        const PackPolicy& policy);

// The request's own plan: refuses a step whose tasks do not fit N per GPU.
Result<Plan> plan_pack(const PackRequest& request, const NodeFacts& node, const PackPolicy& policy);

// The plan for a layout chosen elsewhere (Slurm's --ntasks-per-gpu, --gpu-bind=map_gpu): a GPU's
// sharers are the tasks the layout puts on it (maybe none, maybe an uneven number); each task's
// slot is its rank among them in task order.
Result<Plan> plan_layout(const PackRequest& request, const NodeFacts& node,
                         const PackPolicy& policy, const GpuLayout& layout);

}  // namespace gracepack
