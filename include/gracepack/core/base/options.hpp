// The two user options and their one parser each. Values come from srun/sbatch/salloc command
// lines, from SLURM_SPANK_* variables when a job-level option reaches its steps, and in slurmstepd
// again: parsing is pure and idempotent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gracepack/core/base/result.hpp"

namespace gracepack {

inline constexpr unsigned kMaxTasksPerGpu = 64;
inline constexpr unsigned kMaxUserRequeue = 1000;
inline constexpr std::size_t kMaxNoticeCopy = 512;  // bytes of notice=PATH as given

// --pack-gpus[=N][,verbose] | --pack-gpus=off
struct PackRequest {
  bool off = false;      // the step opts out of a job-level --pack-gpus
  unsigned per_gpu = 1;  // tasks per GPU
  bool verbose = false;  // print the plan table to the step's stderr
  bool operator==(const PackRequest&) const = default;
};

// --preempt-requeue[=ITEM,...]  items: signal=NAME|NUMBER, max=N, max_other=N, timelimit,
// notice=PATH, checkpoint=PATH, return_grace
struct PreemptRequest {
  int signal = 15;  // the notice signal (SIGTERM by default)
  std::optional<unsigned>
      max_requeue;  // the user's own cap after preemption, never above the admin's
  std::optional<unsigned> max_other;  // the same for requeues of other causes (time limit)
  bool on_timelimit = false;          // requeue on time limit too
  // Where the watcher, as the user, also writes the notice (a container that does not see /run
  // reads it there): as given, "%j" for the job id, relative to the job's working directory.
  std::string notice_copy;
  // checkpoint=PATH: the file the job's programs touch when a checkpoint is durable
  // ($GRACEPACK_CHECKPOINT_FILE); "" : kDefaultCheckpoint. Same rules as notice=PATH.
  std::string checkpoint;
  // return_grace: at an acknowledgement inside the grace window gracepack ends the run and
  // requeues it at once (where the admin allows it), handing the rest of the window back.
  bool return_grace = false;
  bool operator==(const PreemptRequest&) const = default;
};
// Relative to the batch script's working directory.
constexpr const char* kDefaultCheckpoint = ".gracepack-checkpoint-%j";

Result<PackRequest> parse_pack_gpus(std::string_view value);
Result<PreemptRequest> parse_preempt_requeue(std::string_view value);

// The notice copy's file name for job `job`: "%j" replaced, "%%" made "%", a relative name taken
// from `cwd` (the task's working directory, absolute).
Result<std::string> resolve_notice_copy(std::string_view spec, std::uint32_t job,
                                        std::string_view cwd);
// The same for checkpoint=PATH (kDefaultCheckpoint when `spec` is empty).
Result<std::string> resolve_checkpoint(std::string_view spec, std::uint32_t job,
                                       std::string_view cwd);

// Canonical value strings: parse(to_value(x)) == x.
std::string to_value(const PackRequest& r);
std::string to_value(const PreemptRequest& r);

// "USR1" for 10; a number for a signal without a name here.
std::string signal_name(int sig);
std::optional<int> parse_signal(std::string_view s);

}  // namespace gracepack
