#include "pack_facts.hpp"

#include "gracepack/core/text.hpp"
#include "gracepack/os/cgroups.hpp"
#include "gracepack/os/process.hpp"
#include "gracepack/os/topology.hpp"

namespace gracepack::spank {

Getenv step_env(const Spank& sp) {
  return [&sp](const std::string& name) { return sp.getenv(name); };
}

Result<NodeFacts> node_facts(const Spank& sp, const Config& config) {
  NodeFacts node;
  auto tasks = sp.local_task_count();
  if (!tasks) return tasks.error();
  node.tasks = *tasks;
  auto mem = sp.step_alloc_mem_bytes();
  node.memory = mem ? *mem : 0;
  auto cpus = os::allowed_cpus();
  if (!cpus) return cpus.error();
  node.cpus = os::describe_cpus(*cpus);
  for (const std::string& id : step_gpu_ids(step_env(sp))) node.gpus.push_back(Gpu{id, {}, -1});
  os::add_gpu_locality(node.gpus, config.gpu_cpus);
  node.overcommit = sp.getenv("SLURM_OVERCOMMIT").value_or("0") == "1";
  return node;
}

namespace {

// The pinned-memory limit needs one GPU's size; without it only the compute share applies.
void read_gpu_memory(const Config& config, const os::MpsRuntime& rt, const std::string& path,
                     Packed& p) {
  auto smi = os::find_program(config.nvidia_smi, path);
  if (!smi) return;
  os::SpawnOptions q;
  q.argv = {*smi, "--query-gpu=memory.total", "--format=csv,noheader,nounits", "-i",
            p.node.gpus.front().id};
  q.env = rt.base_env;
  q.as = os::RunAs{rt.uid, rt.gid, {}};
  auto out = os::run_output(q, std::chrono::seconds(10));
  auto bytes = out ? parse_gpu_memory_mib(*out) : Result<std::uint64_t>(out.error());
  if (bytes) {
    p.mps->share().gpu_memory = *bytes;
  } else {
    log_info("--pack-gpus: MPS memory limit not set: " + bytes.error().message);
  }
}

}  // namespace

void start_mps(const Spank& sp, const Config& config, Packed& p) {
  if (!config.mps) return;
  auto uid = sp.uid();
  auto gid = sp.gid();
  const std::string path = sp.getenv("PATH").value_or("");
  auto control = os::find_program(config.mps_control, path);
  if (!uid || !gid || !control) {
    p.mps_note = "MPS control program '" + config.mps_control + "' not found";
    log_error("--pack-gpus: " + p.mps_note + "; GPU shares are advisory");
    return;
  }
  os::MpsRuntime rt{*control, {"PATH=" + path, "HOME=/tmp"}, *uid, *gid};
  auto job = sp.job_id();
  auto step = sp.step_id();
  const std::string tag =
      (job ? std::to_string(*job) : "0") + "." + (step ? std::to_string(*step) : "0");
  auto daemon = os::MpsDaemon::start(rt, tag);
  if (!daemon) {
    p.mps_note = daemon.error().message;
    log_error("--pack-gpus: MPS: " + p.mps_note + "; GPU shares are advisory");
    return;
  }
  p.mps = std::move(daemon).value();
  read_gpu_memory(config, rt, path, p);
}

std::optional<Error> gpu_binding_conflict(const Spank& sp, const PackRequest& request,
                                          const Packed& p, const Config& config) {
  const std::string bind = slurm_gpu_binding(sp.getenv("SLURMD_TRES_BIND").value_or(""));
  if (bind.empty()) return std::nullopt;
  NodeFacts bound = p.node;
  bound.gpu_bind = bind;
  auto conflict = plan_pack(request, bound, PackPolicy{config.min_task_memory});
  if (!conflict) return fail(conflict.error().message + " (on node " + p.node_name + ")");
  return std::nullopt;
}

MemoryCheck enforce_memory(const TaskSlot& slot) {
  if (slot.memory == 0) return {};
  auto have = os::own_memory_limit();
  if (have && cgroup_enforces(slot.memory, *have)) return {MemoryEnforcement::Cgroup, ""};
  const std::string why = have ? "the task's cgroup limit is " +
                                     (*have ? text::format_size(*have) : std::string("unlimited")) +
                                     ", not its share of " + text::format_size(slot.memory)
                               : have.error().message;
  if (os::set_data_rlimit(slot.memory)) {
    return {MemoryEnforcement::Rlimit, "RLIMIT_DATA instead of a cgroup limit: " + why};
  }
  return {MemoryEnforcement::None, why};
}

GpuShare gpu_share(const Packed& p, const TaskSlot& slot) {
  if (slot.sharers <= 1) return {"whole", {}, ""};
  if (!p.mps) return {"advisory", {}, p.mps_note};
  if (auto r = os::mps_reachable(p.mps->share()); !r) return {"advisory", {}, r.error().message};
  return {"mps", mps_environment(slot, p.mps->share()), ""};
}

}  // namespace gracepack::spank
