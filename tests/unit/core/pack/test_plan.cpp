#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "gracepack/core/pack/plan.hpp"

using namespace gracepack;

namespace {

// A node: `cpus` CPUs, `smt` threads per core (siblings numbered core-major, as on most
// machines: cpu = core * smt + thread), `numas` NUMA nodes in blocks (0: unknown), GPUs spread
// over NUMA nodes in blocks with known locality when numas > 0.
NodeFacts make_node(unsigned gpus, unsigned cpus, unsigned smt, unsigned numas, unsigned tasks,
                    std::uint64_t memory = 0, bool overcommit = false) {
  NodeFacts n;
  for (unsigned c = 0; c < cpus; ++c) {
    const int numa = numas ? static_cast<int>(c * numas / cpus) : -1;
    n.cpus.push_back(Cpu{static_cast<int>(c), static_cast<int>(c / smt), numa});
  }
  for (unsigned g = 0; g < gpus; ++g) {
    Gpu gpu{std::to_string(g), {}, numas ? static_cast<int>(g * numas / gpus) : -1};
    n.gpus.push_back(gpu);
  }
  n.tasks = tasks;
  n.memory = memory;
  n.overcommit = overcommit;
  return n;
}

PackRequest per_gpu(unsigned n) {
  PackRequest r;
  r.per_gpu = n;
  return r;
}

void check_invariants(const NodeFacts& node, unsigned n, const Plan& plan, unsigned smt) {
  const std::string where = std::to_string(node.gpus.size()) + " GPUs, " +
                            std::to_string(node.cpus.size()) + " CPUs, smt " + std::to_string(smt) +
                            ", " + std::to_string(n) + " per GPU";
  ASSERT_EQ(plan.tasks.size(), node.tasks) << where;
  std::map<unsigned, unsigned> per_gpu_count;
  std::set<unsigned> slots_seen;
  for (const auto& t : plan.tasks) {
    ++per_gpu_count[t.gpu];
    EXPECT_TRUE(slots_seen.insert(t.gpu * 1000 + t.slot).second) << where;
    EXPECT_EQ(t.sharers, n);
    EXPECT_LT(t.slot, n);
    EXPECT_FALSE(t.cpus.empty()) << where;
    EXPECT_EQ(t.gpu_percent, 100 / n);
  }
  ASSERT_EQ(per_gpu_count.size(), node.gpus.size()) << where;
  for (auto [g, count] : per_gpu_count) EXPECT_EQ(count, n) << where << " gpu " << g;

  if (plan.cpus_shared) {
    EXPECT_LT(node.cpus.size(), node.tasks);
    return;
  }
  // Disjoint, together all of the step's CPUs, sizes differ by at most one.
  std::set<int> all;
  std::size_t lo = SIZE_MAX, hi = 0;
  for (const auto& t : plan.tasks) {
    for (int c : t.cpus) EXPECT_TRUE(all.insert(c).second) << where << " cpu " << c << " twice";
    lo = std::min(lo, t.cpus.size());
    hi = std::max(hi, t.cpus.size());
  }
  EXPECT_EQ(all.size(), node.cpus.size()) << where;
  EXPECT_LE(hi - lo, 1u) << where;
  // Compact: a task of q CPUs touches at most ceil(q/smt)+1 cores (one split core at each end).
  for (const auto& t : plan.tasks) {
    std::set<int> cores;
    for (int c : t.cpus) cores.insert(c / static_cast<int>(smt));
    EXPECT_LE(cores.size(), (t.cpus.size() + smt - 1) / smt + 1) << where;
  }
}

}  // namespace

TEST(Plan, SweepOfTopologiesKeepsInvariants) {
  int plans = 0;
  for (unsigned gpus : {1u, 2u, 3u, 4u, 8u, 16u}) {
    for (unsigned cpus : {2u, 4u, 6u, 16u, 24u, 64u, 128u, 256u}) {
      for (unsigned smt : {1u, 2u}) {
        if (cpus % smt) continue;
        for (unsigned numas : {0u, 1u, 2u, 4u}) {
          for (unsigned n = 1; n <= 8; ++n) {
            const unsigned tasks = gpus * n;
            const bool overcommit = cpus < tasks;
            auto node = make_node(gpus, cpus, smt, numas, tasks, 64ull << 30, overcommit);
            auto plan = plan_pack(per_gpu(n), node, {});
            ASSERT_TRUE(plan.ok()) << plan.error().message;
            check_invariants(node, n, *plan, smt);
            ++plans;
          }
        }
      }
    }
  }
  EXPECT_GT(plans, 2000);
}

TEST(Plan, TasksOnTheirGpusNumaNodeWhenBalanced) {
  for (unsigned numas : {2u, 4u}) {
    for (unsigned n : {1u, 2u, 3u}) {
      auto node = make_node(8, 96, 2, numas, 8 * n);
      auto plan = plan_pack(per_gpu(n), node, {});
      ASSERT_TRUE(plan.ok());
      for (const auto& t : plan->tasks) {
        const int gpu_numa = node.gpus[t.gpu].numa;
        EXPECT_EQ(t.numa, gpu_numa);
        for (int c : t.cpus) EXPECT_EQ(node.cpus[static_cast<std::size_t>(c)].numa, gpu_numa);
      }
    }
  }
}

TEST(Plan, AdminCpuMapWins) {
  // GPU 0 is near CPUs 2-3, GPU 1 near 0-1: the opposite of block order.
  auto node = make_node(2, 4, 1, 0, 2);
  node.gpus[0].local_cpus = {2, 3};
  node.gpus[1].local_cpus = {0, 1};
  auto plan = plan_pack(per_gpu(1), node, {});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->tasks[0].cpus, (std::vector<int>{2, 3}));
  EXPECT_EQ(plan->tasks[1].cpus, (std::vector<int>{0, 1}));
}

TEST(Plan, SmtSiblingsStayTogether) {
  // Siblings numbered the other common way: cpu c and c+8 share a core.
  NodeFacts node;
  for (int c = 0; c < 16; ++c) node.cpus.push_back(Cpu{c, c % 8, 0});
  node.gpus = {Gpu{"0", {}, -1}, Gpu{"1", {}, -1}};
  node.tasks = 4;
  auto plan = plan_pack(per_gpu(2), node, {});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->tasks[0].cpus, (std::vector<int>{0, 1, 8, 9}));
  EXPECT_EQ(plan->tasks[3].cpus, (std::vector<int>{6, 7, 14, 15}));
}

TEST(Plan, MemorySplitEvenlyInWholeMiB) {
  auto node = make_node(2, 4, 1, 0, 2, 400ull << 20);
  auto plan = plan_pack(per_gpu(1), node, {});
  ASSERT_TRUE(plan.ok());
  for (const auto& t : plan->tasks) EXPECT_EQ(t.memory, 200ull << 20);
  node = make_node(3, 6, 1, 0, 3, 1000ull << 20);
  plan = plan_pack(per_gpu(1), node, {});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->tasks[0].memory, 333ull << 20);
  node.memory = 0;
  EXPECT_EQ(plan_pack(per_gpu(1), node, {})->tasks[0].memory, 0u);
  // Issue 9 item 12: under 1 MiB each would round to 0, "no limit": refused, with what to ask.
  node.memory = 2ull << 20;
  auto tiny = plan_pack(per_gpu(1), node, {});
  ASSERT_FALSE(tiny.ok());
  EXPECT_NE(tiny.error().message.find("less than 1M each"), std::string::npos)
      << tiny.error().message;
  EXPECT_NE(tiny.error().message.find("--mem=3M"), std::string::npos) << tiny.error().message;
}

TEST(Plan, ErrorsSayWhatWasAskedAndWhatWouldWork) {
  auto node = make_node(2, 8, 1, 0, 4);
  auto r = plan_pack(per_gpu(3), node, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "--pack-gpus=3: 4 tasks cannot be spread 3 per GPU over 2 GPUs; use -n6 with "
            "--pack-gpus=3, or --pack-gpus=2 with -n4");

  node = make_node(0, 8, 1, 0, 2);
  r = plan_pack(per_gpu(1), node, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("no GPU"), std::string::npos);
  EXPECT_NE(r.error().message.find("--gres=gpu:"), std::string::npos);

  node = make_node(2, 2, 1, 0, 4);
  r = plan_pack(per_gpu(2), node, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("4 tasks but the step has only 2 CPUs"), std::string::npos);
  EXPECT_NE(r.error().message.find("--overcommit"), std::string::npos);
  node.overcommit = true;
  EXPECT_TRUE(plan_pack(per_gpu(2), node, {}).ok());

  node = make_node(2, 8, 1, 0, 4, 400ull << 20);
  r = plan_pack(per_gpu(2), node, PackPolicy{1ull << 30});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "--pack-gpus=2: each of 4 tasks would get 100M of the step's 400M, below this "
            "cluster's minimum of 1G per task; ask for --mem=4G or run fewer tasks");
}

TEST(Plan, OvercommitSharesCpusNearTheGpu) {
  auto node = make_node(2, 2, 1, 0, 4, 0, true);
  node.gpus[0].local_cpus = {1};
  node.gpus[1].local_cpus = {0};
  auto plan = plan_pack(per_gpu(2), node, {});
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->cpus_shared);
  EXPECT_EQ(plan->tasks[0].cpus, std::vector<int>{1});
  EXPECT_EQ(plan->tasks[1].cpus, std::vector<int>{1});
  EXPECT_EQ(plan->tasks[2].cpus, std::vector<int>{0});
}
