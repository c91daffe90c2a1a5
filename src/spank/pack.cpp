#include "pack.hpp"

#include <cstdio>

#include "gracepack/os/cgroups.hpp"
#include "gracepack/os/topology.hpp"
#include "node.hpp"
#include "pack_facts.hpp"

namespace gracepack::spank {
namespace {

bool first_task(const Spank& sp) {
  auto id = sp.local_task_id();
  return id && *id == 0;
}

const TaskSlot* slot_of(const Spank& sp, const Plan& plan) {
  auto id = sp.local_task_id();
  if (!id || *id < 0 || static_cast<std::size_t>(*id) >= plan.tasks.size()) return nullptr;
  return &plan.tasks[static_cast<std::size_t>(*id)];
}

}  // namespace

std::string Pack::shown() const {
  return "--pack-gpus=" + (request ? to_value(*request) : std::string("?"));
}

Status Pack::on(Hook hook, const Spank& sp, const Config& config) {
  if (!sp.remote() || !request) return Ok{};
  switch (hook) {
    case Hook::UserInit:
      // The batch script itself is never packed, and a step may opt out with --pack-gpus=off.
      if (!request->off && sp.is_step(StepKind::Normal)) plan_step(sp, config);
      return Ok{};
    case Hook::TaskPostFork:
      limit_task(sp);
      return Ok{};
    case Hook::TaskInit:
      return start_task(sp, config);
    case Hook::Exit:
      stop_mps();
      return Ok{};
    default:
      return Ok{};
  }
}

void Pack::plan_step(const Spank& sp, const Config& config) {
  const std::string node_name = spank::node_name(sp);
  auto node = node_facts(sp, config);
  if (!node) {
    state_ = PackFailed{fail("--pack-gpus on " + node_name + ": " + node.error().message)};
    return;
  }
  auto plan = plan_pack(*request, *node, PackPolicy{config.min_task_memory});
  if (!plan) {
    state_ = PackFailed{fail(plan.error().message + " (on node " + node_name + ")")};
    return;
  }
  Packed p{*node, gpu_variables(step_env(sp), node->gpus.size()), node_name, *plan, {}, {}};
  if (request->per_gpu > 1) start_mps(sp, config, p);
  log_verbose("--pack-gpus planned " + std::to_string(p.plan.tasks.size()) + " tasks on " +
              node_name);
  state_ = std::move(p);
}

void Pack::limit_task(const Spank& sp) const {
  const auto* p = std::get_if<Packed>(&state_);
  const TaskSlot* slot = p ? slot_of(sp, p->plan) : nullptr;
  auto pid = sp.task_pid();
  if (!slot || !pid || slot->memory == 0) return;
  // A failure here is no reason to stop the step: the task falls back to RLIMIT_DATA, says so.
  if (auto r = os::set_task_memory_limit(*pid, slot->memory); !r) log_error(r.error().message);
}

Status Pack::start_task(const Spank& sp, const Config& config) const {
  if (std::holds_alternative<std::monostate>(state_)) return Ok{};
  std::optional<Error> error;
  if (const auto* f = std::get_if<PackFailed>(&state_)) error = f->error;
  const auto* p = std::get_if<Packed>(&state_);
  if (p) error = gpu_binding_conflict(sp, *request, *p, config);
  // One message per node, from its first task; the other tasks fail quietly.
  if (error) return first_task(sp) ? *error : fail("");
  const TaskSlot* slot = slot_of(sp, p->plan);
  if (!slot) return fail("--pack-gpus: this task has no place in the plan");
  return set_task_environment(sp, *p, *slot);
}

Status Pack::set_task_environment(const Spank& sp, const Packed& p, const TaskSlot& slot) const {
  const bool omp_set = sp.getenv("OMP_NUM_THREADS").has_value();
  Env env = task_environment(slot, p.node, p.vars, omp_set);
  if (auto r = os::set_affinity(slot.cpus); !r) return r;
  const MemoryCheck memory = enforce_memory(slot);
  env.emplace_back("GRACEPACK_MEM_ENFORCED", to_string(memory.how));
  const GpuShare share = gpu_share(p, slot);
  env.insert(env.end(), share.env.begin(), share.env.end());
  env.emplace_back("GRACEPACK_GPU_SHARE", share.kind);
  for (const auto& [name, value] : env) {
    if (auto r = sp.setenv(name, value); !r) return r;
  }
  if (request->verbose && first_task(sp)) {
    std::string report = format_plan(*request, p.node, p.plan, p.node_name, memory.how, share.kind);
    if (!memory.why.empty()) report += "gracepack: memory: " + memory.why + "\n";
    if (!share.why.empty()) report += "gracepack: GPU shares are advisory: " + share.why + "\n";
    std::fputs(report.c_str(), stderr);
    std::fflush(stderr);
  }
  return Ok{};
}

void Pack::stop_mps() {
  auto* p = std::get_if<Packed>(&state_);
  if (!p || !p->mps) return;
  const pid_t pid = p->mps->pid();
  p->mps->stop();
  p->mps.reset();
  log_verbose("--pack-gpus: stopped the step's MPS daemon (pid " + std::to_string(pid) + ")");
}

}  // namespace gracepack::spank
