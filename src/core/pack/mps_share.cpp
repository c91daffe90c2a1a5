#include "gracepack/core/pack/mps_share.hpp"

#include "gracepack/core/base/text.hpp"

namespace gracepack {

Env mps_environment(const TaskSlot& slot, const MpsShare& share) {
  Env env{{"CUDA_MPS_PIPE_DIRECTORY", share.pipe_dir},
          {"CUDA_MPS_LOG_DIRECTORY", share.log_dir},
          {"CUDA_MPS_ACTIVE_THREAD_PERCENTAGE", std::to_string(slot.gpu_percent)}};
  if (share.gpu_memory > 0 && slot.sharers > 0) {
    const std::uint64_t mib = share.gpu_memory / slot.sharers / (1024 * 1024);
    env.emplace_back("CUDA_MPS_PINNED_DEVICE_MEM_LIMIT", "0=" + std::to_string(mib) + "M");
  }
  return env;
}

Result<std::uint64_t> parse_gpu_memory_mib(const std::string& csv) {
  const auto line = text::trim(text::split(csv, '\n').front());
  auto mib = text::parse_int(line, 1, 1LL << 30);
  if (!mib) return fail("unexpected nvidia-smi output '" + std::string(line) + "'");
  return static_cast<std::uint64_t>(*mib) * 1024 * 1024;
}

}  // namespace gracepack
