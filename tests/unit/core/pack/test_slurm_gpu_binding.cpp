// --pack-gpus on top of Slurm's own GPU binding (issue 12 part 2): reading the binding, the real
// contradictions, and each task's slot on the GPU Slurm chose.
#include <gtest/gtest.h>

#include "gracepack/core/pack/slurm_gpu_binding.hpp"

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
  EXPECT_EQ(bind("gres/gpu:none").kind, K::None);  // --gpu-bind=none: no binding
  // slurmstepd reads the names without case, and "id*0" as once.
  EXPECT_EQ(bind("gres/gpu:None").kind, K::None);
  EXPECT_EQ(bind("gpu:Single:2").kind, K::Single);
  EXPECT_EQ(bind("gpu:map_gpu:1*0,0").map, (std::vector<unsigned>{1, 0}));
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

// Slurm's layout as its gres code makes it (_get_single_usable_gres, map_gpu by node index).
TEST(SlurmGpuBinding, SlurmsLayoutFromTheTaskNumber) {
  const std::vector<std::string> two{"0", "1"};
  EXPECT_EQ(slurm_layout(bind("gpu:single:2"), 4, two), (GpuLayout{0, 0, 1, 1}));
  EXPECT_EQ(slurm_layout(bind("gpu:single:2"), 3, two), (GpuLayout{0, 0, 1}));  // -n3
  // More tasks than slots: Slurm's fallback, block by block over the GPUs.
  EXPECT_EQ(slurm_layout(bind("gpu:single:1"), 3, two), (GpuLayout{0, 1, 0}));
  // A step with one GPU gives it to every task, whatever N.
  EXPECT_EQ(slurm_layout(bind("gpu:single:2"), 3, {"5"}), (GpuLayout{0, 0, 0}));
  EXPECT_EQ(slurm_layout(bind("gpu:per_task:1"), 2, two), (GpuLayout{0, 1}));
  // _get_gres_per_task: a task with no free GPU left is bound to the step's first.
  EXPECT_EQ(slurm_layout(bind("gpu:per_task:1"), 3, two), (GpuLayout{0, 1, 0}));
  EXPECT_EQ(slurm_layout(bind("gpu:map_gpu:1,0,1,0"), 4, two), (GpuLayout{1, 0, 1, 0}));
  EXPECT_EQ(slurm_layout(bind("gpu:map_gpu:0,0,0,1"), 4, two), (GpuLayout{0, 0, 0, 1}));
  // Node indices, not positions: a step on GPUs 2 and 3.
  EXPECT_EQ(slurm_layout(bind("gpu:map_gpu:3,2"), 4, {"2", "3"}), (GpuLayout{1, 0, 1, 0}));
  // An id the step does not have: Slurm binds the task to the step's first GPU.
  EXPECT_EQ(slurm_layout(bind("gpu:map_gpu:0,1"), 2, {"2", "3"}), (GpuLayout{0, 0}));
  // ConstrainDevices: ids are positions in the step.
  EXPECT_EQ(slurm_layout(bind("gpu:map_gpu:0,1"), 2, {"2", "3"}, true), (GpuLayout{0, 1}));
  EXPECT_EQ(slurm_layout(bind("gpu:map_gpu:5"), 1, {"2", "3"}, true), (GpuLayout{0}));
  EXPECT_EQ(slurm_layout(bind("gpu:closest"), 2, two), std::nullopt);
  EXPECT_EQ(slurm_layout(bind("gpu:mask_gpu:0x1,0x2"), 2, two), std::nullopt);
  EXPECT_EQ(slurm_layout(bind("gpu:single:2"), 2, {}), std::nullopt);
}
