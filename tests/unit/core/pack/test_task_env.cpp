#include <gtest/gtest.h>

#include <map>

#include "gracepack/core/pack/task_env.hpp"

using namespace gracepack;

namespace {
Getenv from(std::map<std::string, std::string> m) {
  return [m](const std::string& k) -> std::optional<std::string> {
    auto it = m.find(k);
    return it == m.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}
std::string get(const Env& env, const std::string& k) {
  for (const auto& [n, v] : env) {
    if (n == k) return v;
  }
  return "<unset>";
}
}  // namespace

TEST(PackEnv, GlobalIdsFromStepGpusAndLocalIndicesKept) {
  // ConstrainDevices: CUDA_VISIBLE_DEVICES is local (0,1) while SLURM_STEP_GPUS is global.
  auto env = from({{"SLURM_STEP_GPUS", "2,3"},
                   {"CUDA_VISIBLE_DEVICES", "0,1"},
                   {"ROCR_VISIBLE_DEVICES", "0,1"},
                   {"ZE_AFFINITY_MASK", "0"}});
  EXPECT_EQ(step_gpu_ids(env), (std::vector<std::string>{"2", "3"}));
  auto vars = gpu_variables(env, 2);
  ASSERT_EQ(vars.lists.size(), 2u);
  EXPECT_EQ(vars.ignored, std::vector<std::string>{"ZE_AFFINITY_MASK"});

  NodeFacts node;
  node.gpus = {Gpu{"2", {}, -1}, Gpu{"3", {}, -1}};
  TaskSlot slot;
  slot.gpu = 1;
  slot.slot = 1;
  slot.sharers = 2;
  slot.cpus = {4, 5, 6};
  slot.memory = 200ull << 20;
  auto out = task_environment(slot, node, vars, false);
  EXPECT_EQ(get(out, "CUDA_VISIBLE_DEVICES"), "1");
  EXPECT_EQ(get(out, "ROCR_VISIBLE_DEVICES"), "1");
  EXPECT_EQ(get(out, "ZE_AFFINITY_MASK"), "<unset>");
  EXPECT_EQ(get(out, "GRACEPACK_GPU"), "3");
  EXPECT_EQ(get(out, "GRACEPACK_GPU_SLOT"), "1");
  EXPECT_EQ(get(out, "GRACEPACK_GPU_TASKS"), "2");
  EXPECT_EQ(get(out, "GRACEPACK_CPUS"), "4-6");
  EXPECT_EQ(get(out, "GRACEPACK_MEM_LIMIT"), "209715200");
  EXPECT_EQ(get(out, "OMP_NUM_THREADS"), "3");
  EXPECT_EQ(get(task_environment(slot, node, vars, true), "OMP_NUM_THREADS"), "<unset>");
  // Slurm bound the GPU itself (--ntasks-per-gpu): its per-task values stay (with
  // ConstrainDevices the task's device is 0 in its own cgroup, not the step's 1).
  auto slurms = task_environment(slot, node, vars, false, true);
  EXPECT_EQ(get(slurms, "CUDA_VISIBLE_DEVICES"), "<unset>");
  EXPECT_EQ(get(slurms, "ROCR_VISIBLE_DEVICES"), "<unset>");
  EXPECT_EQ(get(slurms, "GRACEPACK_GPU"), "3");
  EXPECT_EQ(get(slurms, "GRACEPACK_GPU_TASKS"), "2");
}

TEST(PackEnv, FallsBackToCudaVisibleDevices) {
  EXPECT_EQ(step_gpu_ids(from({{"CUDA_VISIBLE_DEVICES", "0,1,2"}})).size(), 3u);
  EXPECT_TRUE(step_gpu_ids(from({})).empty());
}

TEST(PackEnv, ReportHasOneRowPerTask) {
  NodeFacts node;
  node.gpus = {Gpu{"0", {}, 0}};
  node.tasks = 2;
  node.cpus = {Cpu{0, 0, 0}, Cpu{1, 1, 0}};
  node.memory = 400ull << 20;
  Plan plan;
  for (unsigned t = 0; t < 2; ++t) {
    TaskSlot s;
    s.task = t;
    s.slot = t;
    s.sharers = 2;
    s.cpus = {static_cast<int>(t)};
    s.memory = 200ull << 20;
    s.gpu_percent = 50;
    s.numa = 0;
    plan.tasks.push_back(s);
  }
  PackRequest r;
  r.per_gpu = 2;
  const std::string table =
      format_plan(r, node, plan, "n1", PlanNotes{MemoryEnforcement::Cgroup, "mps", "", false});
  EXPECT_NE(table.find("on n1: 2 tasks, 1 GPUs, 2 CPUs, memory 400M"), std::string::npos) << table;
  EXPECT_NE(table.find("1     0      1/2   1                0     200M     cgroup       50% mps"),
            std::string::npos)
      << table;
  EXPECT_EQ(table.find("Slurm"), std::string::npos) << table;
  // Where Slurm chose the GPUs (--ntasks-per-gpu) and the CPUs (--cpu-bind), the table says so.
  const std::string slurms = format_plan(
      r, node, plan, "n1", PlanNotes{MemoryEnforcement::Cgroup, "mps", "--ntasks-per-gpu=2", true});
  EXPECT_NE(slurms.find("GPUs as Slurm binds them (--ntasks-per-gpu=2)"), std::string::npos)
      << slurms;
  EXPECT_NE(slurms.find("CPUs as Slurm binds them"), std::string::npos) << slurms;
  EXPECT_NE(slurms.find("1     0      1/2   slurm            0     200M     cgroup       50% mps"),
            std::string::npos)
      << slurms;
}
