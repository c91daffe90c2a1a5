// --pack-gpus on top of Slurm's own GPU binding (issue 12 part 2): reading the binding, the real
// contradictions, and each task's slot on the GPU Slurm chose.
#include <gtest/gtest.h>

#include <algorithm>

#include "gracepack/core/slurm_gpu_binding.hpp"

using namespace gracepack;
using K = SlurmGpuBinding::Kind;

namespace {

SlurmGpuBinding bind(const char* tres) {
  auto b = parse_slurm_gpu_binding(tres);
  EXPECT_TRUE(b.ok()) << tres;
  return b.ok() ? *b : SlurmGpuBinding{};
}

PackRequest pack(unsigned n) {
  PackRequest r;
  r.per_gpu = n;
  return r;
}

bool says(const std::optional<Error>& e, const std::string& part) {
  return e && e->message.find(part) != std::string::npos;
}

// Two GPUs, two tasks each, one CPU per task: what plan_pack makes for -n4 --pack-gpus=2.
Plan two_per_gpu() {
  NodeFacts node;
  for (int c = 0; c < 4; ++c) node.cpus.push_back(Cpu{c, c, -1});
  node.gpus = {Gpu{"0", {}, -1}, Gpu{"1", {}, -1}};
  node.tasks = 4;
  node.memory = 400ull << 20;
  return *plan_pack(pack(2), node, PackPolicy{});
}

}  // namespace

// The values measured in SLURMD_TRES_BIND on Slurm 22.05, and the other forms Slurm documents.
TEST(SlurmGpuBinding, ReadsWhatSlurmWrites) {
  EXPECT_EQ(bind("").kind, K::None);
  EXPECT_EQ(bind("gres/nic:closest").kind, K::None);
  // Slurm 23.11 and later write the TRES's full name (seen on 26.05).
  EXPECT_EQ(bind("gres/gpu:closest").kind, K::Closest);
  EXPECT_EQ(bind("gres/gpu:closest").option(), "--gpu-bind=closest");
  EXPECT_EQ(bind("gres/gpu:single:2").count, 2u);
  EXPECT_EQ(bind("gres/gpu:map:1,0").map, (std::vector<unsigned>{1, 0}));
  auto single = bind("gpu:single:2");
  EXPECT_EQ(single.kind, K::Single);
  EXPECT_EQ(single.count, 2u);
  EXPECT_EQ(single.option(), "--ntasks-per-gpu=2");
  auto per_task = bind("gpu:per_task:1");
  EXPECT_EQ(per_task.kind, K::PerTask);
  EXPECT_EQ(per_task.option(), "--gpus-per-task=1");
  EXPECT_EQ(bind("gpu:closest").kind, K::Closest);
  EXPECT_EQ(bind("gpu:verbose,closest").kind, K::Closest);
  EXPECT_EQ(bind("gpu:closest").option(), "--gpu-bind=closest");
  auto map = bind("gpu:map_gpu:1,0,1,0");
  EXPECT_EQ(map.kind, K::Map);
  EXPECT_EQ(map.map, (std::vector<unsigned>{1, 0, 1, 0}));
  EXPECT_EQ(bind("gpu:map_gpu:0*2,1*2").map, (std::vector<unsigned>{0, 0, 1, 1}));
  EXPECT_EQ(bind("gpu:mask_gpu:0x1,0x2").kind, K::Mask);
  EXPECT_EQ(bind("gpu:something_new").kind, K::Other);
  for (const char* bad : {"gpu:single:", "gpu:single:0", "gpu:per_task:x",
                          "gpu:map_gpu:", "gpu:map_gpu:a", "gpu:map_gpu:0*99999"}) {
    EXPECT_FALSE(parse_slurm_gpu_binding(bad).ok()) << bad;
  }
}

TEST(SlurmGpuBinding, TasksPerGpuWhereTheBindingSaysSo) {
  EXPECT_EQ(slurm_tasks_per_gpu(bind("gpu:single:2"), 4, 2), 2u);
  EXPECT_EQ(slurm_tasks_per_gpu(bind("gpu:per_task:1"), 2, 2), 1u);
  EXPECT_EQ(slurm_tasks_per_gpu(bind("gpu:map_gpu:1,0,1,0"), 4, 2), 2u);
  EXPECT_EQ(slurm_tasks_per_gpu(bind("gpu:map_gpu:0,0,0,1"), 4, 2), std::nullopt);  // uneven
  EXPECT_EQ(slurm_tasks_per_gpu(bind("gpu:map_gpu:0"), 4, 2), std::nullopt);        // GPU 1 unused
  EXPECT_EQ(slurm_tasks_per_gpu(bind("gpu:closest"), 4, 2), std::nullopt);
  EXPECT_EQ(slurm_tasks_per_gpu(bind("gpu:per_task:2"), 2, 4), std::nullopt);
}

// Only real contradictions are refused, and the message names what to drop.
TEST(SlurmGpuBinding, OnlyRealContradictionsAndWhatToDrop) {
  EXPECT_FALSE(pack_binding_conflict(pack(1), bind(""), 4, 2));
  EXPECT_FALSE(pack_binding_conflict(pack(1), bind("gpu:single:2"), 4, 2));  // takes Slurm's 2
  EXPECT_FALSE(pack_binding_conflict(pack(2), bind("gpu:single:2"), 4, 2));
  EXPECT_FALSE(pack_binding_conflict(pack(1), bind("gpu:per_task:1"), 2, 2));
  EXPECT_FALSE(pack_binding_conflict(pack(2), bind("gpu:map_gpu:1,0,1,0"), 4, 2));
  EXPECT_FALSE(pack_binding_conflict(pack(2), bind("gpu:closest"), 4, 2));  // decided per task

  auto three = pack_binding_conflict(pack(3), bind("gpu:single:2"), 6, 3);
  EXPECT_TRUE(says(three, "--pack-gpus=3 packs 3 tasks per GPU, but --ntasks-per-gpu=2 binds 2"))
      << (three ? three->message : "");
  EXPECT_TRUE(says(three,
                   "drop the count (--pack-gpus then takes Slurm's 2), or drop "
                   "--ntasks-per-gpu=2"));
  auto own = pack_binding_conflict(pack(2), bind("gpu:per_task:1"), 4, 4);
  EXPECT_TRUE(says(own, "--gpus-per-task=1 binds 1 per GPU")) << (own ? own->message : "");
  auto many = pack_binding_conflict(pack(1), bind("gpu:per_task:2"), 2, 4);
  EXPECT_TRUE(says(many, "--gpus-per-task=2 gives each task 2 GPUs"))
      << (many ? many->message : "");
  EXPECT_TRUE(says(many, "drop --gpus-per-task=2 (or use --gpus-per-task=1), or drop --pack-gpus"));
  auto uneven = pack_binding_conflict(pack(2), bind("gpu:map_gpu:0,0,0,1"), 4, 2);
  EXPECT_TRUE(says(uneven, "does not put the same number on each"));
}

// The task's GPU is the one Slurm left it; several GPUs (closest on a 2-GPU step, measured) are a
// contradiction for that task.
TEST(SlurmGpuBinding, TheTasksGpuIsSlurms) {
  const std::vector<std::string> step{"0", "1"};
  EXPECT_EQ(*slurm_task_gpu(step, {"1"}, bind("gpu:map_gpu:1,0")), 1u);
  EXPECT_EQ(*slurm_task_gpu(step, {"0"}, bind("gpu:per_task:1")), 0u);
  auto both = slurm_task_gpu(step, {"0", "1"}, bind("gpu:closest"));
  ASSERT_FALSE(both.ok());
  EXPECT_NE(both.error().message.find("--gpu-bind=closest left this task 2 GPUs (0,1)"),
            std::string::npos)
      << both.error().message;
  EXPECT_FALSE(slurm_task_gpu(step, {"3"}, bind("gpu:per_task:1")).ok());
  EXPECT_FALSE(slurm_task_gpu(step, {}, bind("gpu:per_task:1")).ok());
}

// map_gpu:1,0,1,0 puts tasks 0 and 2 on GPU 1, tasks 1 and 3 on GPU 0: each takes the plan's CPUs
// and share for its rank on that GPU, and the plan's memory share.
TEST(SlurmGpuBinding, EachTaskTakesThePlansShareOnSlurmsGpu) {
  const Plan plan = two_per_gpu();
  const auto map = bind("gpu:map_gpu:1,0,1,0");
  const std::vector<unsigned> gpu_of{1, 0, 1, 0};
  std::vector<int> cpus_seen;
  for (unsigned t = 0; t < 4; ++t) {
    auto rank = slurm_rank_on_gpu(map, t);
    ASSERT_TRUE(rank);
    EXPECT_EQ(*rank, t / 2);
    auto slot = slot_on_slurms_gpu(plan, t, gpu_of[t], *rank);
    ASSERT_TRUE(slot.ok()) << slot.error().message;
    EXPECT_EQ(slot->task, t);
    EXPECT_EQ(slot->gpu, gpu_of[t]);
    EXPECT_EQ(slot->sharers, 2u);
    EXPECT_EQ(slot->memory, 100ull << 20);
    EXPECT_EQ(slot->gpu_percent, 50u);
    ASSERT_EQ(slot->cpus.size(), 1u);
    cpus_seen.push_back(slot->cpus.front());
  }
  std::sort(cpus_seen.begin(), cpus_seen.end());
  EXPECT_EQ(cpus_seen, (std::vector<int>{0, 1, 2, 3}));  // still disjoint
  // single:2 is block by block: the plan's own layout.
  for (unsigned t = 0; t < 4; ++t) {
    auto slot = slot_on_slurms_gpu(plan, t, t / 2, *slurm_rank_on_gpu(bind("gpu:single:2"), t));
    ASSERT_TRUE(slot.ok());
    EXPECT_EQ(slot->cpus, plan.tasks[t].cpus);
  }
  EXPECT_FALSE(slurm_rank_on_gpu(bind("gpu:closest"), 0));
  EXPECT_FALSE(slot_on_slurms_gpu(plan, 3, 0, 2).ok());  // a third task on a GPU planned for two
}

// What task_init asks: without a binding the plan's slot; with one, the share on Slurm's GPU;
// a contradiction names the node.
TEST(SlurmGpuBinding, TheTasksSlotInTaskInit) {
  const Plan plan = two_per_gpu();
  NodeFacts node;
  node.gpus = {Gpu{"0", {}, -1}, Gpu{"1", {}, -1}};
  node.tasks = 4;
  auto plain = task_slot(pack(2), plan, node, 3, "", {"0", "1"}, "n1");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->gpu, 1u);
  EXPECT_EQ(plain->cpus, plan.tasks[3].cpus);
  auto mapped = task_slot(pack(2), plan, node, 0, "gpu:map_gpu:1,0,1,0", {"1"}, "n1");
  ASSERT_TRUE(mapped.ok()) << mapped.error().message;
  EXPECT_EQ(mapped->gpu, 1u);
  EXPECT_EQ(mapped->task, 0u);
  EXPECT_EQ(mapped->cpus, plan.tasks[2].cpus);  // the plan's first share of GPU 1
  auto both = task_slot(pack(2), plan, node, 0, "gpu:closest", {"0", "1"}, "n1");
  ASSERT_FALSE(both.ok());
  EXPECT_NE(both.error().message.find("drop --gpu-bind=closest"), std::string::npos);
  EXPECT_NE(both.error().message.find("(on node n1)"), std::string::npos);
  auto three = task_slot(pack(3), plan, node, 0, "gpu:single:2", {"0"}, "n1");
  ASSERT_FALSE(three.ok());
  EXPECT_NE(three.error().message.find("or drop --ntasks-per-gpu=2 (on node n1)"),
            std::string::npos)
      << three.error().message;
}
