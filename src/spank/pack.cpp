// --pack-gpus in slurmstepd: facts of the step on this node -> plan_pack() once, before the tasks
// are forked; then per task the memory limit (root, task_post_fork) and the environment and
// affinity (as the user, task_init).
#include <unistd.h>

#include <cstdio>

#include "gracepack/cpuset.hpp"
#include "gracepack/os.hpp"
#include "gracepack/pack_env.hpp"
#include "gracepack/plan.hpp"
#include "hooks.hpp"
#include "state.hpp"

namespace gracepack::spank {
namespace {

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

bool first_task(const Spank& sp) {
  auto id = sp.local_task_id();
  return id && *id == 0;
}

void to_stderr(const std::string& text) {
  std::fputs(text.c_str(), stderr);
  std::fflush(stderr);
}

// Shares are enforced only when the admin enabled MPS and the daemon answered; otherwise they are
// advisory and the report says why.
void start_mps(const Spank& sp, const Config& config, PackState& ps) {
  if (!config.mps) return;
  auto uid = sp.uid();
  auto gid = sp.gid();
  const std::string path = sp.getenv("PATH").value_or("");
  auto control = os::find_program(config.mps_control, path);
  if (!uid || !gid || !control) {
    ps.mps_note = "MPS control program '" + config.mps_control + "' not found";
    log_error("--pack-gpus: " + ps.mps_note + "; GPU shares are advisory");
    return;
  }
  os::MpsRuntime rt{*control, {"PATH=" + path, "HOME=/tmp"}, *uid, *gid};
  auto job = sp.job_id();
  auto step = sp.step_id();
  const std::string tag =
      (job ? std::to_string(*job) : "0") + "." + (step ? std::to_string(*step) : "0");
  auto daemon = os::MpsDaemon::start(rt, tag);
  if (!daemon) {
    ps.mps_note = daemon.error().message;
    log_error("--pack-gpus: MPS: " + ps.mps_note + "; GPU shares are advisory");
    return;
  }
  ps.mps = std::move(daemon).value();
  // The pinned-memory limit needs one GPU's size; without it only the compute share applies.
  if (auto smi = os::find_program(config.nvidia_smi, path)) {
    os::SpawnOptions q;
    q.argv = {*smi, "--query-gpu=memory.total", "--format=csv,noheader,nounits", "-i",
              ps.node.gpus.front().id};
    q.env = rt.base_env;
    q.uid = rt.uid;
    q.gid = rt.gid;
    auto out = os::run_output(q, std::chrono::seconds(10));
    auto bytes = out ? parse_gpu_memory_mib(*out) : Result<std::uint64_t>(out.error());
    if (bytes) {
      ps.mps->share().gpu_memory = *bytes;
    } else {
      log_info("--pack-gpus: MPS memory limit not set: " + bytes.error().message);
    }
  }
}

}  // namespace

Status pack_user_init(const Spank& sp) {
  PluginState& st = state();
  if (!st.pack || st.pack->off || !st.config) return Ok{};
  auto kind = sp.step_kind();
  if (!kind || *kind != StepKind::Normal) return Ok{};  // the batch script itself is not packed

  PackState& ps = st.packing.emplace();
  ps.node_name = sp.node_name();
  auto node = node_facts(sp, *st.config);
  if (!node) {
    ps.error = fail("--pack-gpus on " + ps.node_name + ": " + node.error().message);
    return Ok{};
  }
  ps.node = std::move(node).value();
  ps.vars = gpu_variables(step_env(sp), ps.node.gpus.size());
  auto plan = plan_pack(*st.pack, ps.node, PackPolicy{st.config->min_task_memory});
  if (!plan) {
    ps.error = fail(plan.error().message + " (on node " + ps.node_name + ")");
    return Ok{};
  }
  ps.plan = std::move(plan).value();
  if (st.pack->per_gpu > 1) start_mps(sp, *st.config, ps);
  log_verbose("--pack-gpus planned " + std::to_string(ps.plan->tasks.size()) + " tasks on " +
              ps.node_name);
  return Ok{};
}

Status pack_task_post_fork(const Spank& sp) {
  const PluginState& st = state();
  if (!st.packing || !st.packing->plan) return Ok{};
  auto id = sp.local_task_id();
  auto pid = sp.task_pid();
  if (!id || !pid || *id < 0 || static_cast<std::size_t>(*id) >= st.packing->plan->tasks.size()) {
    return Ok{};
  }
  const TaskSlot& slot = st.packing->plan->tasks[static_cast<std::size_t>(*id)];
  if (slot.memory == 0) return Ok{};
  // A failure here is no reason to stop the step: the task falls back to RLIMIT_DATA and says so.
  if (auto r = os::set_task_memory_limit(*pid, slot.memory); !r) log_error(r.error().message);
  return Ok{};
}

Status pack_task_init(const Spank& sp) {
  const PluginState& st = state();
  if (!st.packing) return Ok{};
  const PackState& ps = *st.packing;
  // Slurm puts its own per-task GPU binding (--gpu-bind, --ntasks-per-gpu, ...) only into the
  // task's environment, so this conflict is found here rather than when planning.
  std::optional<Error> error = ps.error;
  if (!error) {
    const std::string bind = sp.getenv("SLURMD_TRES_BIND").value_or("");
    if (bind.find("gpu:") != std::string::npos) {
      NodeFacts bound = ps.node;
      bound.gpu_bind = bind;
      auto conflict = plan_pack(*st.pack, bound, PackPolicy{st.config->min_task_memory});
      if (!conflict) error = fail(conflict.error().message + " (on node " + ps.node_name + ")");
    }
  }
  if (error) {
    // One message per node, from its first task; the other tasks fail quietly.
    return first_task(sp) ? *error : fail("");
  }
  auto id = sp.local_task_id();
  if (!id || *id < 0 || static_cast<std::size_t>(*id) >= ps.plan->tasks.size()) {
    return fail("--pack-gpus: this task has no place in the plan");
  }
  const TaskSlot& slot = ps.plan->tasks[static_cast<std::size_t>(*id)];

  const bool omp_set = sp.getenv("OMP_NUM_THREADS").has_value();
  for (const auto& [name, value] : task_environment(slot, ps.node, ps.vars, omp_set)) {
    if (auto r = sp.setenv(name, value); !r) return r;
  }
  if (auto r = os::set_affinity(slot.cpus); !r) return r;

  MemoryEnforcement enforced = MemoryEnforcement::None;
  if (slot.memory > 0) {
    const std::uint64_t have = os::own_memory_limit();
    // The kernel rounds a limit down to whole pages.
    if (have > 0 && have <= slot.memory && slot.memory - have < 65536) {
      enforced = MemoryEnforcement::Cgroup;
    } else if (os::set_data_rlimit(slot.memory)) {
      enforced = MemoryEnforcement::Rlimit;
    }
  }
  if (auto r = sp.setenv("GRACEPACK_MEM_ENFORCED", to_string(enforced)); !r) return r;
  std::string share = slot.sharers > 1 ? "advisory" : "whole";
  if (ps.mps && slot.sharers > 1) {
    share = "mps";
    for (const auto& [name, value] : mps_environment(slot, ps.mps->share())) {
      if (auto r = sp.setenv(name, value); !r) return r;
    }
  }
  if (auto r = sp.setenv("GRACEPACK_GPU_SHARE", share); !r) return r;

  if (st.pack->verbose && first_task(sp)) {
    std::string report = format_plan(*st.pack, ps.node, *ps.plan, ps.node_name, enforced, share);
    if (!ps.mps_note.empty()) report += "gracepack: GPU shares are advisory: " + ps.mps_note + "\n";
    to_stderr(report);
  }
  return Ok{};
}

Status pack_exit(const Spank&) {
  PluginState& st = state();
  if (st.packing && st.packing->mps) {
    const pid_t pid = st.packing->mps->pid();
    st.packing->mps->stop();
    st.packing->mps.reset();
    log_verbose("--pack-gpus: stopped the step's MPS daemon (pid " + std::to_string(pid) + ")");
  }
  return Ok{};
}

}  // namespace gracepack::spank
