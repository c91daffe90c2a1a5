// Each packed task's place in two steps (issue 12 part 2): the step's plan in user_init, then in
// task_init Slurm's own GPU binding (--ntasks-per-gpu, --gpus-per-task, --gpu-bind) as the task
// sees it: the task keeps Slurm's GPU, --pack-gpus adds its share.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "gracepack/core/pack/slurm_gpu_binding.hpp"
#include "gracepack/core/pack/task_placement.hpp"

using namespace gracepack;

namespace {

PackRequest pack(unsigned n) {
  PackRequest r;
  r.per_gpu = n;
  return r;
}

// `gpus` GPUs named 0.., `cpus` CPUs, `tasks` tasks, 400M for the step.
NodeFacts node_of(unsigned gpus, unsigned cpus, unsigned tasks) {
  NodeFacts node;
  for (unsigned c = 0; c < cpus; ++c)
    node.cpus.push_back(Cpu{static_cast<int>(c), static_cast<int>(c), -1});
  for (unsigned g = 0; g < gpus; ++g) node.gpus.push_back(Gpu{std::to_string(g), {}, -1});
  node.tasks = tasks;
  node.memory = 400ull << 20;
  return node;
}

StepPlan step_of(const PackRequest& r, const NodeFacts& node, bool slurm_cpus = false) {
  auto step = plan_step(r, node, PackPolicy{}, slurm_cpus);
  EXPECT_TRUE(step.ok()) << step.error().message;
  return step.ok() ? *step : StepPlan{};
}

std::string message(const Result<TaskPlacement>& p) {
  return p.ok() ? "(placed)" : p.error().message;
}

// A task's CPUs as Slurm left them: all the step's (none bound), or one of them (bound).
const std::vector<int> kAll{0, 1, 2, 3, 4, 5};

}  // namespace

// srun -n4 --ntasks-per-gpu=2 --gres=gpu:2 --pack-gpus, the example: 4 tasks do not fit
// one per GPU, so user_init keeps the misfit; Slurm's single:2 places them two per GPU, and each
// task takes its share: memory, CPUs of its own, half its GPU.
TEST(TaskPlacement, ABarePackGpusTakesSlurmsTasksPerGpu) {
  const NodeFacts node = node_of(2, 4, 4);
  const StepPlan step = step_of(pack(1), node);
  EXPECT_FALSE(step.plan);
  ASSERT_TRUE(step.misfit);
  EXPECT_EQ(step.task_memory, 100ull << 20);
  EXPECT_TRUE(step.shares_gpus());
  std::set<int> cpus;
  for (unsigned t = 0; t < 4; ++t) {
    const std::string gpu = std::to_string(t / 2);
    auto p = place_task(pack(1), step, TaskView{t, "gres/gpu:single:2", {gpu}, kAll}, "n1");
    ASSERT_TRUE(p.ok()) << message(p);
    EXPECT_EQ(p->slot.task, t);
    EXPECT_EQ(p->slot.gpu, t / 2);
    EXPECT_EQ(p->slot.slot, t % 2);
    EXPECT_EQ(p->slot.sharers, 2u);
    EXPECT_EQ(p->slot.gpu_percent, 50u);
    EXPECT_EQ(p->slot.memory, 100ull << 20);
    EXPECT_EQ(p->slurm_binding, "--ntasks-per-gpu=2");
    EXPECT_FALSE(p->slurm_cpus);
    ASSERT_EQ(p->slot.cpus.size(), 1u);
    cpus.insert(p->slot.cpus.front());
    EXPECT_EQ(p->plan.tasks.size(), 4u);
  }
  EXPECT_EQ(cpus.size(), 4u);  // no two tasks on one CPU
  // Without Slurm's binding the same step is refused in every task, naming the node.
  auto alone = place_task(pack(1), step, TaskView{0, "", {"0", "1"}, kAll}, "n1");
  ASSERT_FALSE(alone.ok());
  EXPECT_EQ(alone.error().message,
            "--pack-gpus: 4 tasks cannot be spread 1 per GPU over 2 GPUs; use -n2 with "
            "--pack-gpus, or --pack-gpus=2 with -n4 (on node n1)");
}

// -n3 --ntasks-per-gpu=2: two on the first GPU, one alone on the second (a whole GPU).
TEST(TaskPlacement, AnUnevenLastGpu) {
  const StepPlan step = step_of(pack(2), node_of(2, 3, 3));
  ASSERT_TRUE(step.misfit);
  const unsigned want_sharers[] = {2, 2, 1};
  for (unsigned t = 0; t < 3; ++t) {
    auto p =
        place_task(pack(2), step, TaskView{t, "gpu:single:2", {t < 2 ? "0" : "1"}, kAll}, "n1");
    ASSERT_TRUE(p.ok()) << message(p);
    EXPECT_EQ(p->slot.sharers, want_sharers[t]);
    EXPECT_EQ(p->slot.gpu_percent, 100 / want_sharers[t]);
  }
}

// A bare --pack-gpus takes even an uneven map as it is: three tasks share GPU 0, one has GPU 1.
TEST(TaskPlacement, ABarePackGpusTakesAnUnevenMap) {
  const StepPlan step = step_of(pack(1), node_of(2, 4, 4));
  const std::string map = "gpu:map_gpu:0,0,0,1";
  std::set<int> cpus;
  for (unsigned t = 0; t < 4; ++t) {
    auto p = place_task(pack(1), step, TaskView{t, map, {t < 3 ? "0" : "1"}, kAll}, "n1");
    ASSERT_TRUE(p.ok()) << message(p);
    EXPECT_EQ(p->slot.gpu, t < 3 ? 0u : 1u);
    EXPECT_EQ(p->slot.sharers, t < 3 ? 3u : 1u);
    EXPECT_EQ(p->slot.slot, t < 3 ? t : 0u);
    cpus.insert(p->slot.cpus.begin(), p->slot.cpus.end());
  }
  EXPECT_EQ(cpus.size(), 4u);
  // --pack-gpus=2 with the same map is a contradiction, refused with what to drop.
  auto two =
      place_task(pack(2), step_of(pack(2), node_of(2, 4, 4)), TaskView{0, map, {"0"}, kAll}, "n1");
  ASSERT_FALSE(two.ok());
  EXPECT_NE(message(two).find("drop the count"), std::string::npos) << message(two);
  EXPECT_NE(message(two).find("or drop --gpu-bind=map_gpu:0,0,0,1 (on node n1)"), std::string::npos)
      << message(two);
}

// map_gpu:1,0,1,0 with --pack-gpus=2 (e2e.pack_slurm_binding): task 0 is on GPU 1 with the CPUs
// near GPU 1, not those the request's own layout would give it.
TEST(TaskPlacement, TheMapsGpuBringsItsCpus) {
  NodeFacts node = node_of(2, 4, 4);
  node.gpus[0].local_cpus = {0, 1};
  node.gpus[1].local_cpus = {2, 3};
  const StepPlan step = step_of(pack(2), node);
  ASSERT_TRUE(step.plan);
  EXPECT_EQ(step.plan->tasks[0].cpus, std::vector<int>{0});
  auto p = place_task(pack(2), step, TaskView{0, "gpu:map_gpu:1,0,1,0", {"1"}, kAll}, "n1");
  ASSERT_TRUE(p.ok()) << message(p);
  EXPECT_EQ(p->slot.gpu, 1u);
  EXPECT_EQ(p->slot.cpus, std::vector<int>{2});
  EXPECT_EQ(p->plan.tasks[1].gpu, 0u);  // the table shows Slurm's layout
}

// Where gres.conf gives GPUs Cores, Slurm's single:N prefers the GPU near the task's CPUs: the task
// keeps that GPU and the CPUs Slurm bound it to.
TEST(TaskPlacement, SlurmsOwnChoiceOfGpuWins) {
  const StepPlan step = step_of(pack(1), node_of(2, 4, 4));
  auto p = place_task(pack(1), step, TaskView{0, "gpu:single:2", {"1"}, {3}}, "n1");
  ASSERT_TRUE(p.ok()) << message(p);
  EXPECT_EQ(p->slot.gpu, 1u);
  EXPECT_EQ(p->slot.sharers, 2u);
  EXPECT_TRUE(p->slurm_cpus);
  EXPECT_EQ(p->slot.cpus, std::vector<int>{3});  // the CPU Slurm bound it to
  // Slurm moved the task but left every task all the step's CPUs: it keeps the forecast slot's
  // CPUs, which no other task of the plan has.
  auto moved = place_task(pack(1), step, TaskView{0, "gpu:single:2", {"1"}, kAll}, "n1");
  ASSERT_TRUE(moved.ok()) << message(moved);
  EXPECT_EQ(moved->slot.gpu, 1u);
  EXPECT_FALSE(moved->slurm_cpus);
  EXPECT_EQ(moved->slot.cpus, moved->plan.tasks[0].cpus);
  // A task that sees the step's first GPU where the forecast says another may be ConstrainDevices'
  // label: the forecast stands, and the CPUs Slurm bound are kept.
  auto first = place_task(pack(1), step, TaskView{2, "gpu:single:2", {"0"}, {3}}, "n1");
  ASSERT_TRUE(first.ok()) << message(first);
  EXPECT_EQ(first->slot.gpu, 1u);
  EXPECT_TRUE(first->slurm_cpus);
  // Where Slurm left the CPUs unset (no task/affinity), each task gets CPUs near its GPU.
  auto unset = place_task(pack(1), step, TaskView{2, "gpu:single:2", {"1"}, kAll}, "n1");
  ASSERT_TRUE(unset.ok()) << message(unset);
  EXPECT_FALSE(unset->slurm_cpus);
  EXPECT_EQ(unset->slot.cpus, unset->plan.tasks[2].cpus);
}

// ConstrainDevices (Slurm 26.05's gres code read): the step's GPU variables count from 0, every
// bound task's SLURM_STEP_GPUS names the step's first GPU, and map_gpu ids are positions in the
// step. The forecast places the tasks; the label does not.
TEST(TaskPlacement, ConstrainDevicesNumbering) {
  const std::vector<std::string> step_gpus{"2", "3"};
  EXPECT_TRUE(slurm_numbers_gpus_per_step(step_gpus, {"0", "1"}));
  EXPECT_FALSE(slurm_numbers_gpus_per_step(step_gpus, {"2", "3"}));
  EXPECT_FALSE(slurm_numbers_gpus_per_step({"0", "1"}, {"0", "1"}));  // cannot be told
  EXPECT_FALSE(slurm_numbers_gpus_per_step(step_gpus, {}));
  NodeFacts node = node_of(2, 4, 4);
  node.gpus = {Gpu{"2", {}, -1}, Gpu{"3", {}, -1}};
  auto step = plan_step(pack(1), node, PackPolicy{}, false, true);
  ASSERT_TRUE(step.ok()) << step.error().message;
  for (unsigned t = 0; t < 4; ++t) {
    auto single = place_task(pack(1), *step, TaskView{t, "gpu:single:2", {"2"}, kAll}, "n1");
    ASSERT_TRUE(single.ok()) << message(single);
    EXPECT_EQ(single->slot.gpu, t / 2);
    auto map = place_task(pack(1), *step, TaskView{t, "gpu:map_gpu:1,0", {"2"}, kAll}, "n1");
    ASSERT_TRUE(map.ok()) << message(map);
    EXPECT_EQ(map->slot.gpu, t % 2 ? 0u : 1u);  // id 1: the step's second GPU, "3"
  }
}

// Only real contradictions fail, naming what to drop and the node.
TEST(TaskPlacement, ContradictionsNameWhatToDrop) {
  const StepPlan six = step_of(pack(3), node_of(3, 6, 6));
  auto three = place_task(pack(3), six, TaskView{0, "gpu:single:2", {"0"}, kAll}, "n1");
  // 5 tasks with --ntasks-per-gpu=2 on 2 GPUs: Slurm's fifth task goes back to GPU 0 (3 there).
  auto five = place_task(pack(2), step_of(pack(2), node_of(2, 5, 5)),
                         TaskView{0, "gpu:single:2", {"0"}, kAll}, "n1");
  ASSERT_FALSE(five.ok());
  EXPECT_NE(message(five).find("puts 3 of the 5 tasks on one of the 2 GPUs: drop the count"),
            std::string::npos)
      << message(five);
  EXPECT_TRUE(place_task(pack(1), step_of(pack(1), node_of(2, 5, 5)),
                         TaskView{4, "gpu:single:2", {"0"}, kAll}, "n1")
                  .ok());
  // --gpu-bind=none is no binding: the request's own plan.
  auto none = place_task(pack(1), step_of(pack(1), node_of(2, 2, 2)),
                         TaskView{1, "gres/gpu:none", {"0", "1"}, kAll}, "n1");
  ASSERT_TRUE(none.ok()) << message(none);
  EXPECT_TRUE(none->slurm_binding.empty());
  ASSERT_FALSE(three.ok());
  EXPECT_NE(message(three).find("or drop --ntasks-per-gpu=2 (on node n1)"), std::string::npos)
      << message(three);
  const StepPlan two = step_of(pack(1), node_of(2, 2, 2));
  auto both = place_task(pack(1), two, TaskView{0, "gpu:closest", {"0", "1"}, kAll}, "n1");
  ASSERT_FALSE(both.ok());
  EXPECT_NE(message(both).find("drop --gpu-bind=closest"), std::string::npos) << message(both);
  // closest leaving the task the GPU the request gives it: the request's slot.
  auto near = place_task(pack(1), two, TaskView{1, "gpu:closest", {"1"}, kAll}, "n1");
  ASSERT_TRUE(near.ok()) << message(near);
  EXPECT_EQ(near->slot.cpus, two.plan->tasks[1].cpus);
  EXPECT_EQ(near->slurm_binding, "--gpu-bind=closest");
  // closest cannot rescue tasks that do not fit: the count message, and why Slurm's binding
  // does not help.
  const StepPlan four = step_of(pack(1), node_of(2, 4, 4));
  auto misfit = place_task(pack(1), four, TaskView{0, "gpu:closest", {"0"}, kAll}, "n1");
  ASSERT_FALSE(misfit.ok());
  EXPECT_NE(message(misfit).find("4 tasks cannot be spread 1 per GPU over 2 GPUs"),
            std::string::npos)
      << message(misfit);
  EXPECT_NE(message(misfit).find("--gpu-bind=closest does not say in advance"), std::string::npos)
      << message(misfit);
}

// Without Slurm's GPU binding: the request's plan; an explicit --cpu-bind keeps Slurm's CPUs.
TEST(TaskPlacement, TheRequestsOwnPlanAndTheUsersCpuBind) {
  const StepPlan step = step_of(pack(2), node_of(2, 4, 4), true);
  auto p = place_task(pack(2), step, TaskView{3, "", {"0", "1"}, kAll}, "n1");
  ASSERT_TRUE(p.ok()) << message(p);
  EXPECT_EQ(p->slot.gpu, 1u);
  EXPECT_TRUE(p->slurm_cpus);
  EXPECT_TRUE(p->slurm_binding.empty());
  EXPECT_FALSE(user_bound_cpus(std::nullopt));
  EXPECT_FALSE(user_bound_cpus(""));  // --cpu-bind=verbose
  EXPECT_TRUE(user_bound_cpus("map_cpu:"));
  EXPECT_TRUE(user_bound_cpus("threads"));     // --hint=nomultithread
  EXPECT_FALSE(user_bound_cpus("none"));       // Slurm leaves them unset: --pack-gpus binds
  EXPECT_FALSE(user_bound_cpus("mask_cpu:"));  // inherited by an srun inside a task
}

// What no binding can fix is refused in user_init already: no GPU, too few CPUs, memory.
TEST(TaskPlacement, WhatNoBindingFixesFailsTheStep) {
  EXPECT_FALSE(plan_step(pack(1), node_of(0, 4, 4), PackPolicy{}, false).ok());
  EXPECT_FALSE(plan_step(pack(1), node_of(2, 2, 4), PackPolicy{}, false).ok());  // 4 tasks, 2 CPUs
  NodeFacts over = node_of(2, 2, 4);
  over.overcommit = true;
  EXPECT_TRUE(plan_step(pack(1), over, PackPolicy{}, false).ok());
  auto small = plan_step(pack(1), node_of(2, 4, 4), PackPolicy{1ull << 30}, false);
  ASSERT_FALSE(small.ok());
  EXPECT_NE(small.error().message.find("below this cluster's minimum"), std::string::npos);
}
