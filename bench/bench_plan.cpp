// The planner's cost at task launch: it runs once per step per node, in slurmstepd.
#include <benchmark/benchmark.h>

#include "gracepack/core/pack/plan.hpp"

static void BM_Plan(benchmark::State& state) {
  using namespace gracepack;
  const unsigned gpus = static_cast<unsigned>(state.range(0));
  const unsigned cpus = static_cast<unsigned>(state.range(1));
  const unsigned tasks = static_cast<unsigned>(state.range(2));
  NodeFacts node;
  for (unsigned c = 0; c < cpus; ++c) {
    node.cpus.push_back(
        Cpu{static_cast<int>(c), static_cast<int>(c / 2), static_cast<int>(c * 2 / cpus)});
  }
  for (unsigned g = 0; g < gpus; ++g)
    node.gpus.push_back(Gpu{std::to_string(g), {}, static_cast<int>(g * 2 / gpus)});
  node.tasks = tasks;
  node.memory = 1ull << 40;
  PackRequest r;
  r.per_gpu = tasks / gpus;
  for (auto _ : state) {
    auto plan = plan_pack(r, node, {});
    benchmark::DoNotOptimize(plan);
  }
}
BENCHMARK(BM_Plan)
    ->Args({8, 256, 64})
    ->Args({4, 24, 8})
    ->Args({16, 256, 128})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
