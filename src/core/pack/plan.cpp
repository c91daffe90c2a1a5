#include "gracepack/core/pack/plan.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "gracepack/core/base/text.hpp"

namespace gracepack {
namespace {

std::string request_text(const PackRequest& r) {
  return r.per_gpu == 1 ? "--pack-gpus" : "--pack-gpus=" + std::to_string(r.per_gpu);
}

std::string plural(unsigned n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

// What no layout can fix: no GPU, no CPU, fewer CPUs than tasks without --overcommit.
Status check_step(const PackRequest& r, const NodeFacts& node) {
  const unsigned n = r.per_gpu;
  if (node.gpus.empty()) {
    return fail(request_text(r) + ": the step has no GPU on this node; ask for GPUs, e.g. srun -n" +
                std::to_string(std::max(1u, node.tasks)) + " --gres=gpu:" +
                std::to_string(std::max(1u, node.tasks / n)) + " " + request_text(r));
  }
  if (node.tasks == 0) return fail(request_text(r) + ": the step has no task on this node");
  if (node.cpus.empty()) return fail(request_text(r) + ": the step has no CPU on this node");
  if (node.cpus.size() < node.tasks && !node.overcommit) {
    return fail(request_text(r) + ": " + plural(node.tasks, "task") + " but the step has only " +
                plural(static_cast<unsigned>(node.cpus.size()), "CPU") +
                " on this node; ask for more CPUs (e.g. --cpus-per-task=1 with -n" +
                std::to_string(node.tasks) + ") or add --overcommit to let tasks share CPUs");
  }
  return Ok{};
}

bool near(const Gpu& g, const Cpu& c) {
  if (!g.local_cpus.empty()) {
    return std::binary_search(g.local_cpus.begin(), g.local_cpus.end(), c.id);
  }
  return g.numa >= 0 && c.numa == g.numa;
}

bool locality_known(const Gpu& g) {
  return !g.local_cpus.empty() || g.numa >= 0;
}

// Core-major order: SMT siblings next to each other, NUMA nodes in blocks.
std::vector<Cpu> compact_order(std::vector<Cpu> cpus) {
  std::sort(cpus.begin(), cpus.end(), [](const Cpu& a, const Cpu& b) {
    return std::tie(a.numa, a.core, a.id) < std::tie(b.numa, b.core, b.id);
  });
  return cpus;
}

int majority_numa(const std::vector<Cpu>& cpus) {
  std::map<int, int> count;
  for (const Cpu& c : cpus) ++count[c.numa];
  int best = -1, best_n = 0;
  for (auto [numa, n] : count) {
    if (n > best_n) best = numa, best_n = n;
  }
  return best;
}

}  // namespace

std::optional<Error> request_misfit(const PackRequest& r, const NodeFacts& node) {
  const auto gpus = static_cast<unsigned>(node.gpus.size());
  const unsigned n = r.per_gpu;
  if (gpus == 0 || node.tasks == gpus * n) return std::nullopt;
  std::string msg = request_text(r) + ": " + plural(node.tasks, "task") + " cannot be spread " +
                    std::to_string(n) + " per GPU over " + plural(gpus, "GPU") + "; use -n" +
                    std::to_string(gpus * n) + " with " + request_text(r);
  if (node.tasks > 0 && node.tasks % gpus == 0) {
    msg += ", or --pack-gpus=" + std::to_string(node.tasks / gpus) + " with -n" +
           std::to_string(node.tasks);
  }
  return Error{msg};
}

Result<std::uint64_t> task_memory_share(const PackRequest& r, const NodeFacts& node,
                                        const PackPolicy& policy) {
  const unsigned tasks = std::max(1u, node.tasks);
  if (node.memory == 0) return std::uint64_t{0};
  const std::uint64_t memory = node.memory / tasks / (1024 * 1024) * (1024 * 1024);  // whole MiB
  // Less than 1 MiB each would round to 0, which means "no limit".
  if (memory == 0) {
    return fail(request_text(r) + ": " + plural(tasks, "task") + " cannot share the step's " +
                text::format_size(node.memory) +
                " (less than 1M each); ask for more memory, e.g. --mem=" + std::to_string(tasks) +
                "M");
  }
  if (memory < policy.min_task_memory) {
    return fail(request_text(r) + ": each of " + plural(tasks, "task") + " would get " +
                text::format_size(memory) + " of the step's " + text::format_size(node.memory) +
                ", below this cluster's minimum of " + text::format_size(policy.min_task_memory) +
                " per task; ask for --mem=" + text::format_size(policy.min_task_memory * tasks) +
                " or run fewer tasks");
  }
  return memory;
}

GpuLayout block_layout(unsigned tasks, unsigned per_gpu) {
  GpuLayout layout(tasks);
  for (unsigned t = 0; t < tasks; ++t) layout[t] = t / std::max(1u, per_gpu);
  return layout;
}

Result<Plan> plan_pack(const PackRequest& r, const NodeFacts& node, const PackPolicy& policy) {
  if (auto st = check_step(r, node); !st) return st.error();
  if (auto misfit = request_misfit(r, node)) return *misfit;
  return plan_layout(r, node, policy, block_layout(node.tasks, r.per_gpu));
}

Result<Plan> plan_layout(const PackRequest& r, const NodeFacts& node, const PackPolicy& policy,
                         const GpuLayout& layout) {
  if (auto st = check_step(r, node); !st) return st.error();
  const auto gpus = static_cast<unsigned>(node.gpus.size());
  const unsigned tasks = node.tasks;
  if (layout.size() != tasks) {
    return fail(request_text(r) + ": a layout of " +
                plural(static_cast<unsigned>(layout.size()), "task") + " for " +
                plural(tasks, "task"));
  }
  for (unsigned g : layout) {
    if (g >= gpus)
      return fail(request_text(r) + ": a task on GPU index " + std::to_string(g) + " of " +
                  plural(gpus, "GPU"));
  }
  auto memory = task_memory_share(r, node, policy);
  if (!memory) return memory.error();
  // Each task's rank among the tasks on its GPU, and how many share each GPU.
  std::vector<unsigned> sharers(gpus, 0), rank(tasks, 0);
  for (unsigned t = 0; t < tasks; ++t) rank[t] = sharers[layout[t]]++;

  Plan plan;
  const std::vector<Cpu> ordered = compact_order(node.cpus);
  const auto ncpu = static_cast<unsigned>(ordered.size());
  std::vector<std::vector<Cpu>> task_cpus(tasks);

  if (ncpu < tasks) {
    // --overcommit: one CPU each, shared round-robin, near the task's GPU where possible.
    plan.cpus_shared = true;
    std::map<unsigned, unsigned> next_for_gpu;
    for (unsigned t = 0; t < tasks; ++t) {
      const Gpu& g = node.gpus[layout[t]];
      std::vector<Cpu> local;
      for (const Cpu& c : ordered) {
        if (near(g, c)) local.push_back(c);
      }
      const std::vector<Cpu>& pool = local.empty() ? ordered : local;
      const unsigned i = local.empty() ? t : next_for_gpu[layout[t]]++;
      task_cpus[t] = {pool[i % pool.size()]};
    }
  } else {
    // Each task gets floor(C/T) CPUs, the first C%T tasks one more; a GPU's share is its tasks'.
    std::vector<unsigned> quota(tasks, ncpu / tasks);
    for (unsigned t = 0; t < ncpu % tasks; ++t) ++quota[t];
    std::vector<unsigned> gpu_quota(gpus, 0);
    for (unsigned t = 0; t < tasks; ++t) gpu_quota[layout[t]] += quota[t];

    // GPUs whose locality is known choose first, from the CPUs near them.
    std::vector<unsigned> order(gpus);
    for (unsigned g = 0; g < gpus; ++g) order[g] = g;
    std::stable_partition(order.begin(), order.end(),
                          [&](unsigned g) { return locality_known(node.gpus[g]); });
    std::vector<bool> taken(ncpu, false);
    std::vector<std::vector<Cpu>> gpu_cpus(gpus);
    for (unsigned g : order) {
      for (int pass = 0; pass < 2 && gpu_cpus[g].size() < gpu_quota[g]; ++pass) {
        for (unsigned i = 0; i < ncpu && gpu_cpus[g].size() < gpu_quota[g]; ++i) {
          if (taken[i] || (pass == 0 && !near(node.gpus[g], ordered[i]))) continue;
          taken[i] = true;
          gpu_cpus[g].push_back(ordered[i]);
        }
      }
      gpu_cpus[g] = compact_order(gpu_cpus[g]);
    }
    std::vector<std::size_t> at(gpus, 0);  // the next free CPU in each GPU's share
    for (unsigned t = 0; t < tasks; ++t) {
      const std::vector<Cpu>& mine = gpu_cpus[layout[t]];
      std::size_t& from = at[layout[t]];
      task_cpus[t].assign(mine.begin() + static_cast<long>(from),
                          mine.begin() + static_cast<long>(from + quota[t]));
      from += quota[t];
    }
  }

  for (unsigned t = 0; t < tasks; ++t) {
    TaskSlot s;
    s.task = t;
    s.gpu = layout[t];
    s.slot = rank[t];
    s.sharers = sharers[layout[t]];
    for (const Cpu& c : task_cpus[t]) s.cpus.push_back(c.id);
    std::sort(s.cpus.begin(), s.cpus.end());
    const Gpu& g = node.gpus[s.gpu];
    s.numa = g.numa >= 0 ? g.numa : majority_numa(task_cpus[t]);
    s.memory = *memory;
    s.gpu_percent = std::max(1u, 100 / s.sharers);  // at most 100 clients share a GPU in MPS
    plan.tasks.push_back(std::move(s));
  }
  return plan;
}

}  // namespace gracepack
