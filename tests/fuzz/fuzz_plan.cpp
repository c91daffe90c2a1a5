// The planner on arbitrary small topologies: it either refuses with a message or returns a plan
// whose invariants hold (every task placed, N per GPU, CPUs disjoint unless shared by overcommit).
// The same for an arbitrary layout (Slurm's binding): sharers as the layout puts them.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <vector>

#include "gracepack/core/pack/plan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* d, std::size_t size) {
  using namespace gracepack;
  if (size < 6) return 0;
  NodeFacts node;
  const unsigned gpus = d[0] % 17, cpus = d[1] % 65, tasks = d[2] % 130;
  PackRequest r;
  r.per_gpu = 1 + d[3] % 8;
  node.overcommit = d[4] & 1;
  node.memory = static_cast<std::uint64_t>(d[5]) << 24;
  for (unsigned c = 0; c < cpus; ++c) {
    const std::uint8_t b = 6 + c < size ? d[6 + c] : 0;
    node.cpus.push_back(
        Cpu{static_cast<int>(c), static_cast<int>(b % 32), static_cast<int>(b % 3) - 1});
  }
  for (unsigned g = 0; g < gpus; ++g) {
    Gpu gpu{std::to_string(g), {}, static_cast<int>(g % 3) - 1};
    if (g % 2) gpu.local_cpus = {static_cast<int>(g % (cpus + 1))};
    node.gpus.push_back(gpu);
  }
  node.tasks = tasks;
  if (d[3] & 0x80) {  // a layout from the remaining bytes, as Slurm's binding might give one
    GpuLayout layout(tasks);
    std::vector<unsigned> count(gpus + 1, 0);
    for (unsigned t = 0; t < tasks; ++t) {
      layout[t] = (6 + cpus + t < size ? d[6 + cpus + t] : t) % (gpus + 1);
      ++count[layout[t]];
    }
    auto plan = plan_layout(r, node, PackPolicy{}, layout);
    if (!plan) {
      if (plan.error().message.empty()) std::abort();
      return 0;
    }
    std::set<int> seen;
    for (unsigned t = 0; t < tasks; ++t) {
      const auto& s = plan->tasks[t];
      if (s.task != t || s.gpu != layout[t] || s.sharers != count[s.gpu] || s.slot >= s.sharers ||
          s.cpus.empty())
        std::abort();
      for (int c : s.cpus) {
        if (!seen.insert(c).second && !plan->cpus_shared) std::abort();
      }
    }
    return 0;
  }
  auto plan = plan_pack(r, node, PackPolicy{static_cast<std::uint64_t>(d[4]) << 20});
  if (!plan) {
    if (plan.error().message.empty()) std::abort();
    return 0;
  }
  if (plan->tasks.size() != tasks) std::abort();
  std::set<int> seen;
  for (const auto& t : plan->tasks) {
    if (t.cpus.empty() || t.gpu >= gpus || t.slot >= r.per_gpu) std::abort();
    for (int c : t.cpus) {
      if (!seen.insert(c).second && !plan->cpus_shared) std::abort();
    }
  }
  return 0;
}
