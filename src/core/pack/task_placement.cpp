#include "gracepack/core/pack/task_placement.hpp"

#include <algorithm>

#include "gracepack/core/pack/slurm_gpu_binding.hpp"

namespace gracepack {
namespace {

Error on_node(const Error& e, const std::string& node_name) {
  return Error{e.message + " (on node " + node_name + ")"};
}

unsigned most_on_one_gpu(const GpuLayout& layout) {
  std::vector<unsigned> count;
  for (unsigned g : layout) {
    if (g >= count.size()) count.resize(g + 1, 0);
    ++count[g];
  }
  return count.empty() ? 0 : *std::max_element(count.begin(), count.end());
}

// Slurm put the task on another GPU than its layout forecast (single:N or per_task by the task's
// CPUs, gres.conf Cores): the task keeps that GPU; it shares it as the layout shares that GPU.
TaskSlot on_slurms_own_gpu(TaskSlot slot, unsigned gpu, const GpuLayout& layout) {
  slot.gpu = gpu;
  slot.sharers =
      std::max<unsigned>(1, static_cast<unsigned>(std::count(layout.begin(), layout.end(), gpu)));
  slot.slot = std::min(slot.slot, slot.sharers - 1);
  slot.gpu_percent = std::max(1u, 100 / slot.sharers);
  return slot;
}

// Slurm's task/affinity bound the task's CPUs: fewer than the step has here.
bool slurm_bound_task_cpus(const StepPlan& step, const TaskView& view) {
  return !view.cpus.empty() && view.cpus.size() < step.node.cpus.size();
}

// A task that keeps Slurm's CPUs reports those.
TaskPlacement keeping_cpus(TaskPlacement place, const TaskView& view) {
  if (place.slurm_cpus) place.slot.cpus = view.cpus;
  return place;
}

}  // namespace

bool user_bound_cpus(const std::optional<std::string>& cpu_bind_type) {
  return cpu_bind_type && !cpu_bind_type->empty() && *cpu_bind_type != "none" &&
         cpu_bind_type->rfind("mask_cpu", 0) != 0;
}

Result<StepPlan> plan_step(const PackRequest& request, const NodeFacts& node,
                           const PackPolicy& policy, bool slurm_cpus, bool step_numbering) {
  StepPlan step{node, policy,     std::nullopt,  request_misfit(request, node),
                0,    slurm_cpus, step_numbering};
  auto memory = task_memory_share(request, node, policy);
  if (!memory) return memory.error();
  step.task_memory = *memory;
  if (step.misfit) {
    // Checks the rest (GPUs, CPUs) on a layout that fits: only the counts are left to Slurm.
    if (auto any = plan_layout(request, node, policy, GpuLayout(node.tasks, 0)); !any)
      return any.error();
    return step;
  }
  auto plan = plan_pack(request, node, policy);
  if (!plan) return plan.error();
  step.plan = std::move(*plan);
  return step;
}

Result<TaskPlacement> place_task(const PackRequest& request, const StepPlan& step,
                                 const TaskView& view, const std::string& node_name) {
  const unsigned task = view.task;
  auto b = parse_slurm_gpu_binding(view.tres_bind);
  if (!b) return on_node(b.error(), node_name);
  if (b->kind == SlurmGpuBinding::Kind::None) {
    if (step.misfit) return on_node(*step.misfit, node_name);
    if (!step.plan || task >= step.plan->tasks.size())
      return fail("--pack-gpus: this task has no place in the plan");
    return keeping_cpus(TaskPlacement{step.plan->tasks[task], *step.plan, "", step.slurm_cpus},
                        view);
  }
  const NodeFacts& node = step.node;
  std::vector<std::string> step_gpus;
  for (const Gpu& g : node.gpus) step_gpus.push_back(g.id);
  const auto gpus = static_cast<unsigned>(step_gpus.size());
  if (auto conflict = pack_binding_conflict(request, *b, node.tasks, gpus))
    return on_node(*conflict, node_name);
  auto seen = slurm_task_gpu(step_gpus, view.gpus, *b);
  if (!seen) return on_node(seen.error(), node_name);
  // Slurm chose the GPU by the task's CPUs where it bound them: the task keeps them.
  const bool slurm_cpus = step.slurm_cpus || slurm_bound_task_cpus(step, view);
  if (auto layout = slurm_layout(*b, node.tasks, step_gpus, step.step_numbering)) {
    const unsigned most = most_on_one_gpu(*layout);
    if (request.per_gpu > 1 && most > request.per_gpu) {
      return on_node(fail("--pack-gpus=" + std::to_string(request.per_gpu) + " packs " +
                          std::to_string(request.per_gpu) + " tasks per GPU, but " + b->option() +
                          " puts " + std::to_string(most) + " of the " +
                          std::to_string(node.tasks) + " tasks on one of the " +
                          std::to_string(gpus) + " GPUs: drop the count (--pack-gpus takes " +
                          "Slurm's binding as it is), or drop " + b->option()),
                     node_name);
    }
    auto plan = plan_layout(request, node, step.policy, *layout);
    if (!plan) return on_node(plan.error(), node_name);
    if (task >= plan->tasks.size()) return fail("--pack-gpus: this task has no place in the plan");
    const TaskSlot& slot = plan->tasks[task];
    // What the task sees overrules the forecast only where it can be told from ConstrainDevices'
    // label (the step's first GPU for every task). Its CPUs stay the forecast slot's unless Slurm
    // bound them: the plan keeps those apart from every other task's.
    if (!step.step_numbering && *seen != slot.gpu && *seen != 0)
      return keeping_cpus(
          TaskPlacement{on_slurms_own_gpu(slot, *seen, *layout), *plan, b->option(), slurm_cpus},
          view);
    return keeping_cpus(TaskPlacement{slot, *plan, b->option(), slurm_cpus}, view);
  }
  // closest, mask_gpu: which tasks share a GPU is not known in advance; the request's own slot
  // serves when Slurm chose the same GPU.
  if (step.plan && task < step.plan->tasks.size() && step.plan->tasks[task].gpu == *seen)
    return keeping_cpus(TaskPlacement{step.plan->tasks[task], *step.plan, b->option(), slurm_cpus},
                        view);
  if (step.misfit) {
    return on_node(Error{step.misfit->message + " (" + b->option() +
                         " does not say in advance which tasks share a GPU)"},
                   node_name);
  }
  return on_node(fail(b->option() + " bound this task to another GPU than --pack-gpus would, " +
                      "and its share there cannot be told in advance: drop " + b->option() +
                      ", or drop --pack-gpus"),
                 node_name);
}

}  // namespace gracepack
