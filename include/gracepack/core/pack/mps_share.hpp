// MPS shares as a packed task sees them: the CUDA_MPS_* variables of one task and the GPU memory
// nvidia-smi reports. Pure; the daemon itself is os/mps_daemon.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "gracepack/core/base/result.hpp"
#include "gracepack/core/pack/task_env.hpp"

namespace gracepack {

// What the tasks need to reach the daemon and what share each gets.
struct MpsShare {
  std::string pipe_dir;
  std::string log_dir;
  std::uint64_t gpu_memory = 0;  // one GPU's memory in bytes; 0: unknown (no pinned limit)
  dev_t pipe_dev = 0;            // the pipe directory as slurmstepd made it: a task that does
  ino_t pipe_ino = 0;            // not see this same directory cannot reach the daemon
};

// CUDA_MPS_* variables for one task. Device index 0: the task sees only its own GPU.
Env mps_environment(const TaskSlot& slot, const MpsShare& share);

// Reads one GPU's total memory from `nvidia-smi --query-gpu=memory.total` output (MiB).
Result<std::uint64_t> parse_gpu_memory_mib(const std::string& csv);

}  // namespace gracepack
