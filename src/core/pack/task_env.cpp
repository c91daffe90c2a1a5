#include "gracepack/core/pack/task_env.hpp"

#include "gracepack/core/pack/mps_share.hpp"

#include <cstdio>

#include "gracepack/core/base/cpuset.hpp"
#include "gracepack/core/base/text.hpp"

namespace gracepack {
namespace {

// NVIDIA, AMD (ROCm and HIP), Intel (oneAPI Level Zero) and Slurm's generic ordinal.
constexpr const char* kGpuVariables[] = {"CUDA_VISIBLE_DEVICES", "GPU_DEVICE_ORDINAL",
                                         "ROCR_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES",
                                         "ZE_AFFINITY_MASK"};

std::vector<std::string> split_list(const std::string& v) {
  std::vector<std::string> out;
  if (v.empty()) return out;
  for (auto part : text::split(v, ',')) out.emplace_back(part);
  return out;
}

}  // namespace

const char* to_string(MemoryEnforcement m) {
  switch (m) {
    case MemoryEnforcement::Cgroup:
      return "cgroup";
    case MemoryEnforcement::Rlimit:
      return "rlimit-data";
    case MemoryEnforcement::None:
      break;
  }
  return "none";
}

std::vector<std::string> step_gpu_ids(const Getenv& getenv) {
  for (const char* name : {"SLURM_STEP_GPUS", "CUDA_VISIBLE_DEVICES"}) {
    if (auto v = getenv(name); v && !v->empty()) return split_list(*v);
  }
  return {};
}

GpuVariables gpu_variables(const Getenv& getenv, std::size_t gpus) {
  GpuVariables out;
  for (const char* name : kGpuVariables) {
    auto v = getenv(name);
    if (!v) continue;
    auto list = split_list(*v);
    if (list.size() == gpus) {
      out.lists.emplace_back(name, std::move(list));
    } else {
      out.ignored.emplace_back(name);
    }
  }
  return out;
}

Env task_environment(const TaskSlot& slot, const NodeFacts& node, const GpuVariables& vars,
                     bool omp_set_by_user, bool slurm_gpu) {
  Env env;
  if (!slurm_gpu) {
    for (const auto& [name, list] : vars.lists) env.emplace_back(name, list[slot.gpu]);
  }
  env.emplace_back("GRACEPACK_GPU", node.gpus[slot.gpu].id);
  env.emplace_back("GRACEPACK_GPU_INDEX", std::to_string(slot.gpu));
  env.emplace_back("GRACEPACK_GPU_SLOT", std::to_string(slot.slot));
  env.emplace_back("GRACEPACK_GPU_TASKS", std::to_string(slot.sharers));
  env.emplace_back("GRACEPACK_CPUS", format_cpu_list(slot.cpus));
  env.emplace_back("GRACEPACK_MEM_LIMIT", std::to_string(slot.memory));
  if (!omp_set_by_user) env.emplace_back("OMP_NUM_THREADS", std::to_string(slot.cpus.size()));
  return env;
}

bool cgroup_enforces(std::uint64_t share, std::uint64_t cgroup_limit) {
  return cgroup_limit > 0 && cgroup_limit <= share && share - cgroup_limit < 65536;
}

GpuShare gpu_share(const TaskSlot& slot, const MpsState& mps) {
  if (slot.sharers <= 1) return {"whole", {}, ""};
  if (!mps.share) return {"advisory", {}, mps.note};
  if (mps.unreachable) return {"advisory", {}, mps.unreachable->message};
  return {"mps", mps_environment(slot, *mps.share), ""};
}

std::string format_plan(const PackRequest& request, const NodeFacts& node, const Plan& plan,
                        const std::string& node_name, const PlanNotes& notes) {
  std::string out = "gracepack: --pack-gpus=" + to_value(request) + " on " + node_name + ": " +
                    std::to_string(node.tasks) + " tasks, " + std::to_string(node.gpus.size()) +
                    " GPUs, " + std::to_string(node.cpus.size()) + " CPUs, memory " +
                    (node.memory ? text::format_size(node.memory) : std::string("not limited")) +
                    (plan.cpus_shared && !notes.slurm_cpus ? " (CPUs shared: --overcommit)" : "") +
                    "\n";
  if (!notes.slurm_binding.empty())
    out += "gracepack: GPUs as Slurm binds them (" + notes.slurm_binding + ")\n";
  if (notes.slurm_cpus) out += "gracepack: CPUs as Slurm binds them\n";
  char line[256];
  std::snprintf(line, sizeof line, "%-5s %-6s %-5s %-16s %-5s %-8s %-12s %s\n", "task", "gpu",
                "slot", "cpus", "numa", "memory", "enforced", "gpu share");
  out += line;
  for (const TaskSlot& s : plan.tasks) {
    const std::string slot = std::to_string(s.slot) + "/" + std::to_string(s.sharers);
    const std::string numa = s.numa >= 0 ? std::to_string(s.numa) : "-";
    const std::string mem = s.memory ? text::format_size(s.memory) : "-";
    const std::string share =
        s.sharers > 1 ? std::to_string(s.gpu_percent) + "% " + notes.gpu_share : "whole";
    const std::string cpus = notes.slurm_cpus ? "slurm" : format_cpu_list(s.cpus);
    std::snprintf(line, sizeof line, "%-5u %-6s %-5s %-16s %-5s %-8s %-12s %s\n", s.task,
                  node.gpus[s.gpu].id.c_str(), slot.c_str(), cpus.c_str(), numa.c_str(),
                  mem.c_str(), s.memory ? to_string(notes.memory) : "-", share.c_str());
    out += line;
  }
  return out;
}

}  // namespace gracepack
