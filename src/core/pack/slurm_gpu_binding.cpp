#include "gracepack/core/pack/slurm_gpu_binding.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include "gracepack/core/base/text.hpp"

namespace gracepack {
namespace {

constexpr std::int64_t kMaxCount = 1024;
constexpr std::size_t kMaxMap = 4096;

std::string pack_text(const PackRequest& r) {
  return r.per_gpu == 1 ? "--pack-gpus" : "--pack-gpus=" + std::to_string(r.per_gpu);
}

// map_gpu's list: "1,0", "0*2,1*2" (an id repeated).
std::optional<std::vector<unsigned>> parse_map(std::string_view list) {
  std::vector<unsigned> out;
  for (std::string_view item : text::split(list, ',')) {
    const auto star = item.find('*');
    auto id = text::parse_int(item.substr(0, star), 0, kMaxCount);
    auto times = star == std::string_view::npos
                     ? std::optional<std::int64_t>(1)
                     : text::parse_int(item.substr(star + 1), 0, kMaxCount);
    if (!id || !times || out.size() + static_cast<std::size_t>(*times) > kMaxMap)
      return std::nullopt;
    if (*times == 0) times = 1;  // Slurm reads "id*0" as once
    out.insert(out.end(), static_cast<std::size_t>(*times), static_cast<unsigned>(*id));
  }
  if (out.empty()) return std::nullopt;
  return out;
}

// Tasks per GPU a map gives, by GPU: over `tasks` tasks, the map read cyclically.
std::map<unsigned, unsigned> map_counts(const std::vector<unsigned>& map, unsigned tasks) {
  std::map<unsigned, unsigned> count;
  for (unsigned t = 0; t < tasks; ++t) ++count[map[t % map.size()]];
  return count;
}

}  // namespace

std::string SlurmGpuBinding::option() const {
  switch (kind) {
    case Kind::Single:
      return "--ntasks-per-gpu=" + std::to_string(count);
    case Kind::PerTask:
      return "--gpus-per-task=" + std::to_string(count);
    case Kind::None:
      return "";
    default:
      return "--gpu-bind=" + text;
  }
}

Result<SlurmGpuBinding> parse_slurm_gpu_binding(std::string_view tres_bind) {
  SlurmGpuBinding b;
  // One TRES binding per '+' (gpu is the only one Slurm has today).
  std::string_view gpu;
  for (std::string_view part : text::split(tres_bind, '+')) {
    part = text::trim(part);
    // "gpu:closest" up to 23.02; "gres/gpu:closest" from 23.11 (seen on 26.05).
    if (part.rfind("gres/", 0) == 0) part.remove_prefix(5);
    if (part.rfind("gpu:", 0) == 0) gpu = part.substr(4);
  }
  if (gpu.empty()) return b;
  b.text = std::string(gpu);
  // slurmstepd compares the names without case (xstrncasecmp): --gpu-bind=None is none.
  std::string lower(gpu);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  gpu = lower;
  if (gpu.rfind("verbose,", 0) == 0) gpu.remove_prefix(8);
  const auto colon = gpu.find(':');
  const std::string_view name = gpu.substr(0, colon);
  const std::string_view arg = colon == std::string_view::npos ? "" : gpu.substr(colon + 1);
  // --gpu-bind=none: every task keeps all the step's GPUs, as without a binding.
  if (name == "none") return SlurmGpuBinding{};
  b.kind = SlurmGpuBinding::Kind::Other;
  if (name == "single" || name == "per_task") {
    auto n = text::parse_int(arg, 1, kMaxCount);
    if (!n)
      return fail("SLURMD_TRES_BIND=" + std::string(tres_bind) + ": no count after " +
                  std::string(name));
    b.kind = name == "single" ? SlurmGpuBinding::Kind::Single : SlurmGpuBinding::Kind::PerTask;
    b.count = static_cast<unsigned>(*n);
  } else if (name == "closest") {
    b.kind = SlurmGpuBinding::Kind::Closest;
  } else if (name == "map_gpu" || name == "map") {  // --gpu-bind=map_gpu:, --tres-bind=..:map:
    auto map = parse_map(arg);
    if (!map) return fail("SLURMD_TRES_BIND=" + std::string(tres_bind) + ": a bad map_gpu list");
    b.kind = SlurmGpuBinding::Kind::Map;
    b.map = std::move(*map);
  } else if (name == "mask_gpu" || name == "mask") {
    b.kind = SlurmGpuBinding::Kind::Mask;
  }
  return b;
}

std::optional<unsigned> slurm_tasks_per_gpu(const SlurmGpuBinding& b, unsigned tasks,
                                            unsigned gpus) {
  using K = SlurmGpuBinding::Kind;
  if (b.kind == K::Single) return b.count;
  if (b.kind == K::PerTask && b.count == 1) return 1u;
  if (b.kind != K::Map || tasks == 0) return std::nullopt;
  const auto count = map_counts(b.map, tasks);
  if (count.size() != gpus) return std::nullopt;  // a GPU without tasks, or more than the step has
  const unsigned n = count.begin()->second;
  for (const auto& [gpu, c] : count) {
    if (c != n) return std::nullopt;
  }
  return n;
}

std::optional<Error> pack_binding_conflict(const PackRequest& r, const SlurmGpuBinding& b,
                                           unsigned tasks, unsigned gpus) {
  using K = SlurmGpuBinding::Kind;
  if (b.kind == K::None) return std::nullopt;
  if (b.kind == K::PerTask && b.count > 1) {
    return fail(b.option() + " gives each task " + std::to_string(b.count) + " GPUs, but " +
                pack_text(r) + " gives each task one GPU: drop " + b.option() +
                " (or use --gpus-per-task=1), or drop " + pack_text(r));
  }
  if (r.per_gpu == 1) return std::nullopt;  // a bare --pack-gpus takes Slurm's tasks per GPU
  const auto slurms = slurm_tasks_per_gpu(b, tasks, gpus);
  if (b.kind == K::Map && !slurms) {
    return fail(pack_text(r) + " packs " + std::to_string(r.per_gpu) + " tasks on every GPU, but " +
                b.option() + " does not put the same number on each: drop the count (" +
                "--pack-gpus takes Slurm's binding as it is), or drop " + b.option());
  }
  if (slurms && *slurms != r.per_gpu) {
    return fail(pack_text(r) + " packs " + std::to_string(r.per_gpu) + " tasks per GPU, but " +
                b.option() + " binds " + std::to_string(*slurms) +
                " per GPU: drop the count (--pack-gpus then takes Slurm's " +
                std::to_string(*slurms) + "), or drop " + b.option());
  }
  return std::nullopt;
}

Result<unsigned> slurm_task_gpu(const std::vector<std::string>& step_gpus,
                                const std::vector<std::string>& task_gpus,
                                const SlurmGpuBinding& b) {
  if (task_gpus.size() != 1) {
    return fail(b.option() + " left this task " + std::to_string(task_gpus.size()) + " GPUs (" +
                text::join(task_gpus, ",") + "), but --pack-gpus gives each task one GPU: drop " +
                b.option() + " (--pack-gpus then chooses each task's GPU), or drop --pack-gpus");
  }
  const auto at = std::find(step_gpus.begin(), step_gpus.end(), task_gpus.front());
  if (at == step_gpus.end()) {
    return fail(b.option() + " bound this task to GPU " + task_gpus.front() +
                ", which is not one of the step's GPUs here (" + text::join(step_gpus, ",") + ")");
  }
  return static_cast<unsigned>(at - step_gpus.begin());
}

std::optional<GpuLayout> slurm_layout(const SlurmGpuBinding& b, unsigned tasks,
                                      const std::vector<std::string>& step_gpus,
                                      bool step_relative_ids) {
  using K = SlurmGpuBinding::Kind;
  const auto gpus = static_cast<unsigned>(step_gpus.size());
  if (gpus == 0) return std::nullopt;
  GpuLayout layout(tasks, 0);
  if (b.kind == K::Single) {
    // _get_single_usable_gres: N slots per GPU taken in task order; a step with one GPU gives it
    // to every task; a task past the slots goes block by block (t % GPUs).
    if (gpus == 1) return layout;
    for (unsigned t = 0; t < tasks; ++t) layout[t] = t < b.count * gpus ? t / b.count : t % gpus;
    return layout;
  }
  if (b.kind == K::PerTask && b.count == 1) {
    // _get_gres_per_task: the next free GPU; a task with none left gets the step's first.
    for (unsigned t = 0; t < tasks; ++t) layout[t] = t < gpus ? t : 0;
    return layout;
  }
  if (b.kind != K::Map || b.map.empty()) return std::nullopt;
  // map_gpu's ids are the node's GPU indices (the names SLURM_STEP_GPUS gives them), or positions
  // among the step's GPUs where Slurm numbers devices per step (ConstrainDevices). An id the step
  // does not have binds the task to the step's first GPU (gres.c: "Binding to the first device").
  for (unsigned t = 0; t < tasks; ++t) {
    const unsigned id = b.map[t % b.map.size()];
    if (step_relative_ids) {
      layout[t] = id < gpus ? id : 0;
      continue;
    }
    const auto at = std::find(step_gpus.begin(), step_gpus.end(), std::to_string(id));
    layout[t] = at == step_gpus.end() ? 0 : static_cast<unsigned>(at - step_gpus.begin());
  }
  return layout;
}

bool slurm_numbers_gpus_per_step(const std::vector<std::string>& step_gpus,
                                 const std::vector<std::string>& cuda_visible_devices) {
  if (cuda_visible_devices.size() != step_gpus.size() || cuda_visible_devices == step_gpus)
    return false;
  for (std::size_t i = 0; i < cuda_visible_devices.size(); ++i) {
    if (cuda_visible_devices[i] != std::to_string(i)) return false;
  }
  return true;
}

}  // namespace gracepack
