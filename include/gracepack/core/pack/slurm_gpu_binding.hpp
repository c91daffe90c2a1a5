// Slurm's own per-task GPU binding (--ntasks-per-gpu, --gpus-per-task, --gpu-bind), as a task
// sees it in SLURMD_TRES_BIND, and how --pack-gpus can add to it instead of refusing it: the
// task's GPU is Slurm's, --pack-gpus adds the memory share, the MPS share and CPUs near that GPU.
// Pure: the hook hands in the variables. Measured on Slurm 22.05 (fake GPUs, the e2e cluster):
// --gpus-per-task=1 sets SLURMD_TRES_BIND=gpu:per_task:1 and narrows each task's
// SLURM_STEP_GPUS and CUDA_VISIBLE_DEVICES to its GPU; --gpu-bind=map_gpu:1,0,1,0 likewise
// (gpu:map_gpu:1,0,1,0); --gpu-bind=closest leaves each task every GPU of the step.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gracepack/core/base/options.hpp"
#include "gracepack/core/base/result.hpp"
#include "gracepack/core/pack/plan.hpp"

namespace gracepack {

struct SlurmGpuBinding {
  enum class Kind { None, Single, PerTask, Closest, Map, Mask, Other };
  Kind kind = Kind::None;
  unsigned count = 0;         // Single: tasks per GPU; PerTask: GPUs per task
  std::vector<unsigned> map;  // Map: each task's GPU (a step-local index), repeated cyclically
  std::string text;           // what follows "gpu:" in SLURMD_TRES_BIND, for messages
  // The option a user gives Slurm for it, for messages: "--ntasks-per-gpu=2".
  std::string option() const;
};

// Reads SLURMD_TRES_BIND ("gpu:single:2", "gpu:per_task:1", "gpu:verbose,closest",
// "gpu:map_gpu:1,0*2"); Kind::None when it binds no GPU. A binding this version does not know is
// Kind::Other, never an error: Slurm has already applied it.
Result<SlurmGpuBinding> parse_slurm_gpu_binding(std::string_view tres_bind);

// How many tasks Slurm binds to each GPU where its binding says so in advance (single:N,
// per_task:1, a map that puts the same number on every GPU); nullopt where the binding leaves it
// to the allocation (closest, mask) or a map is uneven.
std::optional<unsigned> slurm_tasks_per_gpu(const SlurmGpuBinding& b, unsigned tasks,
                                            unsigned gpus);

// A real contradiction between --pack-gpus[=N] and Slurm's binding, with the option to drop;
// nullopt when --pack-gpus can build on the binding. A bare --pack-gpus (N = 1) takes Slurm's
// tasks per GPU; --pack-gpus=N contradicts a binding that puts another number on a GPU, and any
// binding that gives a task several GPUs contradicts --pack-gpus (one GPU per task).
std::optional<Error> pack_binding_conflict(const PackRequest& request, const SlurmGpuBinding& b,
                                           unsigned tasks, unsigned gpus);

// This task's GPU, as an index into the step's GPUs on the node, from the task's own GPU ids as
// Slurm left them (SLURM_STEP_GPUS in the task). An error when Slurm left the task several GPUs
// or one the step does not have, naming the binding.
Result<unsigned> slurm_task_gpu(const std::vector<std::string>& step_gpus,
                                const std::vector<std::string>& task_gpus,
                                const SlurmGpuBinding& b);

// Where Slurm puts each of the step's tasks here, from the task numbers, as Slurm 26.05's gres
// code does without gres.conf Cores: single:N (--ntasks-per-gpu) N per GPU block by block,
// per_task:1 one each then the first GPU, a map by its ids (node indices, or positions in the step
// where `step_relative_ids`). nullopt where it depends on the task's CPUs alone (closest, mask).
// Where gres.conf gives GPUs Cores and Slurm bound the tasks' CPUs, single:N and per_task prefer a
// GPU near the task's CPUs: a forecast, which place_task() checks against what the task sees.
std::optional<GpuLayout> slurm_layout(const SlurmGpuBinding& b, unsigned tasks,
                                      const std::vector<std::string>& step_gpus,
                                      bool step_relative_ids = false);

// Whether Slurm numbers the step's GPUs from 0 in its GPU variables (ConstrainDevices: the step's
// CUDA_VISIBLE_DEVICES is 0,1,.. while SLURM_STEP_GPUS names the node's GPUs). Slurm then also
// reads map_gpu ids as positions in the step, and labels every bound task's SLURM_STEP_GPUS with
// the step's first GPU, whatever GPU its device cgroup gives it. False where the two lists are the
// same (they agree in both modes: a step on the node's GPUs 0..k-1).
bool slurm_numbers_gpus_per_step(const std::vector<std::string>& step_gpus,
                                 const std::vector<std::string>& cuda_visible_devices);

}  // namespace gracepack
