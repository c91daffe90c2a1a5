// Text about GPUs that task_init reads as root: SLURMD_TRES_BIND, which the user's --gpu-bind and
// --tres-bind choose, and nvidia-smi's memory answer (mps=on). Any input parses or is refused;
// a map that parses never puts more tasks on a GPU than the step has.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "gracepack/core/pack/mps_share.hpp"
#include "gracepack/core/pack/slurm_gpu_binding.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gracepack;
  if (size < 2) return 0;
  const unsigned tasks = data[0] % 130, gpus = data[1] % 17;
  const std::string text(reinterpret_cast<const char*>(data) + 2, size - 2);
  if (auto b = parse_slurm_gpu_binding(text)) {
    (void)b->option();
    // A map puts each of the step's tasks on one GPU: never more on one GPU than there are tasks.
    auto per = slurm_tasks_per_gpu(*b, tasks, gpus);
    if (b->kind == SlurmGpuBinding::Kind::Map && per && *per > tasks) std::abort();
    PackRequest r;
    r.per_gpu = 1 + data[0] % 8;
    (void)pack_binding_conflict(r, *b, tasks, gpus);
  }
  if (auto mib = parse_gpu_memory_mib(text)) {
    if (*mib == 0) std::abort();
  }
  return 0;
}
