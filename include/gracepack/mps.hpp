// NVIDIA MPS for one step on one node: a private control daemon run as the job's user, its
// readiness checked before any task starts, and the per-task share variables.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "gracepack/pack_env.hpp"
#include "gracepack/process.hpp"
#include "gracepack/result.hpp"

namespace gracepack {

// What the tasks need to reach the daemon and what share each gets.
struct MpsShare {
  std::string pipe_dir;
  std::string log_dir;
  std::uint64_t gpu_memory = 0;  // one GPU's memory in bytes; 0: unknown (no pinned limit)
};

// CUDA_MPS_* variables for one task. Device index 0: the task sees only its own GPU.
Env mps_environment(const TaskSlot& slot, const MpsShare& share);

// Reads one GPU's total memory from `nvidia-smi --query-gpu=memory.total` output (MiB).
Result<std::uint64_t> parse_gpu_memory_mib(const std::string& csv);

namespace os {

struct MpsRuntime {
  std::string control;                // the control program's path
  std::vector<std::string> base_env;  // PATH etc. for the daemon and its clients
  uid_t uid = 0;
  gid_t gid = 0;
};

class MpsDaemon {
 public:
  MpsDaemon() = default;
  MpsDaemon(MpsDaemon&&) = default;
  MpsDaemon& operator=(MpsDaemon&&) = default;
  ~MpsDaemon() { stop(); }

  // Creates a private directory (mode 0700, owned by the caller's effective user, normally the
  // job's), starts `control -f` in it as the user, and waits until a client gets an answer.
  static Result<MpsDaemon> start(const MpsRuntime& rt, const std::string& tag);

  const MpsShare& share() const { return share_; }
  MpsShare& share() { return share_; }
  pid_t pid() const { return daemon_.pid(); }
  // Asks the daemon to quit, kills it by pid if it does not, removes the directory as the user.
  void stop();

 private:
  MpsRuntime rt_;
  pid_t owner_ = -1;  // slurmstepd; the tasks forked from it hold copies that must not act
  std::string dir_;
  MpsShare share_;
  Child daemon_;
};

}  // namespace os
}  // namespace gracepack
