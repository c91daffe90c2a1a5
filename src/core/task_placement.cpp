#include "gracepack/core/task_placement.hpp"

#include <algorithm>

#include "gracepack/core/slurm_gpu_binding.hpp"

namespace gracepack {
namespace {

Error on_node(const Error& e, const std::string& node_name) {
  return Error{e.message + " (on node " + node_name + ")"};
}

// Slurm put the task on another GPU than its layout forecast (single:N by the task's CPUs): the
// task keeps that GPU and the CPUs Slurm chose near it; it shares the GPU as the layout shares it.
TaskSlot on_slurms_own_gpu(TaskSlot slot, unsigned gpu, const GpuLayout& layout) {
  slot.gpu = gpu;
  slot.sharers =
      std::max<unsigned>(1, static_cast<unsigned>(std::count(layout.begin(), layout.end(), gpu)));
  slot.slot = std::min(slot.slot, slot.sharers - 1);
  slot.gpu_percent = 100 / slot.sharers;
  slot.cpus.clear();
  return slot;
}

}  // namespace

bool user_bound_cpus(const std::optional<std::string>& cpu_bind_type) {
  return cpu_bind_type && !cpu_bind_type->empty();
}

Result<StepPlan> plan_step(const PackRequest& request, const NodeFacts& node,
                           const PackPolicy& policy, bool slurm_cpus) {
  StepPlan step{node, policy, std::nullopt, request_misfit(request, node), 0, slurm_cpus};
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

Result<TaskPlacement> place_task(const PackRequest& request, const StepPlan& step, unsigned task,
                                 std::string_view tres_bind,
                                 const std::vector<std::string>& task_gpus,
                                 const std::string& node_name) {
  auto b = parse_slurm_gpu_binding(tres_bind);
  if (!b) return on_node(b.error(), node_name);
  if (b->kind == SlurmGpuBinding::Kind::None) {
    if (step.misfit) return on_node(*step.misfit, node_name);
    if (!step.plan || task >= step.plan->tasks.size())
      return fail("--pack-gpus: this task has no place in the plan");
    return TaskPlacement{step.plan->tasks[task], *step.plan, "", step.slurm_cpus};
  }
  const NodeFacts& node = step.node;
  std::vector<std::string> step_gpus;
  for (const Gpu& g : node.gpus) step_gpus.push_back(g.id);
  const auto gpus = static_cast<unsigned>(step_gpus.size());
  if (auto conflict = pack_binding_conflict(request, *b, node.tasks, gpus))
    return on_node(*conflict, node_name);
  auto gpu = slurm_task_gpu(step_gpus, task_gpus, *b);
  if (!gpu) return on_node(gpu.error(), node_name);
  if (auto layout = slurm_layout(*b, node.tasks, step_gpus)) {
    auto plan = plan_layout(request, node, step.policy, *layout);
    if (!plan) return on_node(plan.error(), node_name);
    if (task >= plan->tasks.size()) return fail("--pack-gpus: this task has no place in the plan");
    TaskSlot slot = plan->tasks[task];
    if (slot.gpu == *gpu) return TaskPlacement{slot, *plan, b->option(), step.slurm_cpus};
    return TaskPlacement{on_slurms_own_gpu(slot, *gpu, *layout), *plan, b->option(), true};
  }
  // closest, mask_gpu: which tasks share a GPU is not known in advance; the request's own slot
  // serves when Slurm chose the same GPU.
  if (step.plan && task < step.plan->tasks.size() && step.plan->tasks[task].gpu == *gpu)
    return TaskPlacement{step.plan->tasks[task], *step.plan, b->option(), step.slurm_cpus};
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
