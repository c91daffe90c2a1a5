#include "gracepack/features/pack.hpp"

#include <chrono>
#include <cstdio>

#include "gracepack/core/pack/slurm_gpu_binding.hpp"
#include "gracepack/os/cgroups.hpp"
#include "gracepack/os/topology.hpp"

namespace gracepack::features {
namespace {

const char kUsage[] =
    "Pack N tasks per GPU (default 1) on each node of the step: every task gets its own GPU, "
    "CPUs near it and an enforced memory share. Values: N, N,verbose, off.";

bool first_task(const Step& sp) {
  auto id = sp.local_task_id();
  return id && *id == 0;
}

// What Slurm says of the step on this node; the kernel adds its CPUs and the GPUs' locality.
Result<NodeFacts> node_facts(const Step& sp, const Config& config) {
  NodeFacts node;
  auto tasks = sp.local_task_count();
  if (!tasks) return tasks.error();
  node.tasks = *tasks;
  node.memory = sp.step_alloc_mem_bytes().value_or(0);
  for (const std::string& id : step_gpu_ids(sp.env())) node.gpus.push_back(Gpu{id, {}, -1});
  node.overcommit = sp.getenv("SLURM_OVERCOMMIT").value_or("0") == "1";
  if (auto st = os::complete_node_facts(node, config.gpu_cpus); !st) return st.error();
  return node;
}

std::vector<std::string> cuda_devices(const GpuVariables& vars) {
  for (const auto& [name, list] : vars.lists) {
    if (name == "CUDA_VISIBLE_DEVICES") return list;
  }
  return {};
}

// What the task sees of Slurm's binding: SLURMD_TRES_BIND and SLURM_STEP_GPUS, which slurmstepd
// sets per task after user_init, and the CPUs Slurm's task/affinity left it.
Result<TaskView> task_view(const Step& sp) {
  auto cpus = os::allowed_cpus();
  if (!cpus) return cpus.error();
  const auto id = sp.local_task_id();
  return TaskView{id && *id >= 0 ? static_cast<unsigned>(*id) : ~0u,
                  sp.getenv("SLURMD_TRES_BIND").value_or(""), step_gpu_ids(sp.env()), *cpus};
}

// Every helper of the step (the daemon, its clients, nvidia-smi) runs in the step's helper
// cgroup, so that whatever it leaves behind ends with the step; none starts where there is none.
os::StepMps start_mps(const Step& sp, const Config& config, const NodeFacts& node,
                      const os::HelperCgroup& helpers) {
  const auto job = sp.job_id(), step = sp.step_id();
  const os::MpsRequest r{config.mps_control,
                         config.nvidia_smi,
                         sp.getenv("PATH").value_or(""),
                         sp.uid().value_or(0),
                         sp.gid().value_or(0),
                         std::to_string(job.value_or(0)) + "." + std::to_string(step.value_or(0)),
                         node.gpus.front().id,
                         helpers.dir};
  os::StepMps mps = os::start_step_mps(r);
  if (!mps.daemon) sp.log_error("--pack-gpus: MPS: " + mps.note + "; GPU shares are advisory");
  return mps;
}

}  // namespace

OptionText Pack::option() const {
  return {"pack-gpus", "N", kUsage};
}

Status Pack::take(std::string_view value) {
  auto r = parse_pack_gpus(value);
  if (!r) return r.error();
  request_ = *r;
  return Ok{};
}

Status Pack::on(Hook hook, const Step& sp, const Config& config) {
  if (!sp.remote() || !request_) return Ok{};
  // The batch script itself is never packed, and a step may opt out with --pack-gpus=off.
  if (hook == Hook::UserInit && !request_->off && sp.is_step(StepKind::Normal))
    plan_step(sp, config);
  if (hook == Hook::TaskPostFork) limit_task(sp);
  if (hook == Hook::TaskInit) return start_task(sp, config);
  if (hook == Hook::TaskExit) task_exited(sp);
  if (hook == Hook::Exit) {
    stop_mps(sp);
    end_helpers(sp);
  }
  return Ok{};
}

// The MPS daemon and everything the step's helpers started go with the step's last task on this
// node, not at slurm_spank_exit: Slurm removes the step's cgroups before that hook (v2: and waits
// for the step to empty before it), and a helper cgroup still populated would keep them.
void Pack::task_exited(const Step& sp) {
  auto* p = std::get_if<Packed>(&state_);
  if (!p || (!p->mps.daemon && p->helpers.dir.empty())) return;
  const std::uint32_t tasks = sp.local_task_count().value_or(p->step.node.tasks);
  if (++p->tasks_exited < tasks) return;
  if (p->mps.daemon && p->mps.daemon->owned_here()) {
    stop_mps(sp);
  } else if (p->mps.daemon) {
    p->mps.daemon->ask_to_quit();  // slurmstepd's own process reaps it at slurm_spank_exit
  }
  // Whatever the helpers left (an MPS server, a detached descendant) goes now: Slurm removes the
  // step's cgroups before slurm_spank_exit and cannot remove one that still holds gracepack's.
  end_helpers(sp);
}

void Pack::end_helpers(const Step& sp) {
  auto* p = std::get_if<Packed>(&state_);
  if (!p || p->helpers.dir.empty()) return;
  if (auto st = os::end_helpers(p->helpers, std::chrono::seconds(5)); !st)
    sp.log_error("--pack-gpus: " + st.error().message);
}

void Pack::stop_mps(const Step& sp) {
  auto* p = std::get_if<Packed>(&state_);
  if (!p || !p->mps.daemon) return;
  const pid_t pid = p->mps.daemon->pid();
  p->mps.daemon.reset();  // asks it to quit, kills it by pid if it does not, removes its directory
  sp.log_verbose("--pack-gpus: stopped the step's MPS daemon (pid " + std::to_string(pid) + ")");
}

void Pack::plan_step(const Step& sp, const Config& config) {
  const std::string node_name = features::node_name(sp);
  auto node = node_facts(sp, config);
  if (!node) {
    state_ = PackFailed{fail("--pack-gpus on " + node_name + ": " + node.error().message)};
    return;
  }
  // srun sends SLURM_CPU_BIND_TYPE only for a binding the user asked for (read here, before
  // slurmstepd sets it for every task).
  const GpuVariables vars = gpu_variables(sp.env(), node->gpus.size());
  auto step =
      gracepack::plan_step(*request_, *node, PackPolicy{config.min_task_memory},
                           user_bound_cpus(sp.getenv("SLURM_CPU_BIND_TYPE")),
                           slurm_numbers_gpus_per_step(step_gpu_ids(sp.env()), cuda_devices(vars)));
  if (!step) {
    state_ = PackFailed{fail(step.error().message + " (on node " + node_name + ")")};
    return;
  }
  Packed p{vars, node_name, std::move(*step), {}, {}};
  // Slurm's own binding may still put several tasks on a GPU where the request does not fit.
  if (p.step.shares_gpus() && config.mps) {
    auto helpers = sp.helper_cgroup();
    if (helpers) {
      p.helpers = *helpers;
      p.mps = start_mps(sp, config, p.step.node, p.helpers);
    } else {
      p.mps.note = "no cgroup for its helpers: " + helpers.error().message;
      sp.log_error("--pack-gpus: MPS: " + p.mps.note + "; GPU shares are advisory");
    }
  }
  sp.log_verbose("--pack-gpus planned " + std::to_string(p.step.node.tasks) + " tasks on " +
                 node_name);
  state_ = std::move(p);
}

void Pack::limit_task(const Step& sp) const {
  const auto* p = std::get_if<Packed>(&state_);
  auto pid = sp.task_pid();
  // Every task's share is the same, whichever GPU Slurm's binding gives it.
  if (!p || !pid || p->step.task_memory == 0) return;
  // A failure here is no reason to stop the step: the task falls back to RLIMIT_DATA, says so.
  if (auto r = os::set_task_memory_limit(*pid, p->step.task_memory); !r)
    sp.log_error(r.error().message);
}

Status Pack::start_task(const Step& sp, const Config& /*config*/) const {
  if (std::holds_alternative<std::monostate>(state_)) return Ok{};
  const auto* p = std::get_if<Packed>(&state_);
  // Slurm's own GPU binding (--ntasks-per-gpu, --gpus-per-task, --gpu-bind) is known only here:
  // the task's GPU is then Slurm's, the plan adds its share (memory, CPUs, MPS).
  Result<TaskView> view = task_view(sp);
  Result<TaskPlacement> place = !p      ? Result<TaskPlacement>(std::get<PackFailed>(state_).error)
                                : !view ? Result<TaskPlacement>(view.error())
                                        : place_task(*request_, p->step, *view, p->node_name);
  // One message per node, from its first task; the other tasks fail quietly.
  if (!place) return first_task(sp) ? Status(place.error()) : fail("");
  return set_task_environment(sp, *p, *place);
}

Status Pack::set_task_environment(const Step& sp, const Packed& p,
                                  const TaskPlacement& place) const {
  const TaskSlot& slot = place.slot;
  if (!place.slurm_cpus) {
    if (auto r = os::set_affinity(slot.cpus); !r) return r;
  }
  Env env = task_environment(slot, p.step.node, p.vars, sp.getenv("OMP_NUM_THREADS").has_value(),
                             !place.slurm_binding.empty());
  const MemoryCheck memory = os::enforce_task_memory(slot.memory);
  const MpsShare* share = p.mps.daemon ? &p.mps.daemon->share() : nullptr;
  const GpuShare gpu = gpu_share(
      slot, {share, p.mps.note, share ? os::mps_reachable(*share).error_if() : std::nullopt});
  env.emplace_back("GRACEPACK_MEM_ENFORCED", to_string(memory.how));
  env.insert(env.end(), gpu.env.begin(), gpu.env.end());
  env.emplace_back("GRACEPACK_GPU_SHARE", gpu.kind);
  if (auto r = sp.setenv_all(env); !r) return r;
  if (request_->verbose && first_task(sp)) {
    const PlanNotes notes{memory.how, gpu.kind, place.slurm_binding, place.slurm_cpus};
    std::string report = format_plan(*request_, p.step.node, place.plan, p.node_name, notes);
    if (!memory.why.empty()) report += "gracepack: memory: " + memory.why + "\n";
    if (!gpu.why.empty()) report += "gracepack: GPU shares are advisory: " + gpu.why + "\n";
    std::fputs(report.c_str(), stderr);
    std::fflush(stderr);
  }
  return Ok{};
}

}  // namespace gracepack::features
