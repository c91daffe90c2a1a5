// A job as slurmctld records it: only the fields gracepack's decisions read, copied out of
// slurmctld's job record by src/slurm (gracepack-ctl) and passed between processes as text.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "gracepack/core/base/result.hpp"

namespace gracepack {

enum class JobState {
  Pending,
  Running,
  Suspended,
  Complete,
  Cancelled,
  Failed,
  Timeout,
  NodeFail,
  Preempted,
  OutOfMemory,
  Other
};
const char* to_string(JobState s);
std::optional<JobState> parse_job_state(std::string_view s);

// What a run holds, from slurmctld's record (num_nodes, num_cpus, the allocation's TRES): the
// work a preemption destroys is counted in it. All 0: not read.
struct Allocation {
  unsigned nodes = 0;
  unsigned cpus = 0;
  unsigned gpus = 0;      // every GPU of the run, typed or not
  std::string gpu_types;  // "a100:2,v100:1"; "" when the GPUs have no type
  bool known() const { return nodes > 0; }
  bool operator==(const Allocation&) const = default;
};

struct JobRecord {
  std::uint32_t job_id = 0;
  std::optional<std::uint32_t> array_job_id;  // set for array tasks
  std::optional<std::uint32_t> array_task_id;
  uid_t user = 0;
  JobState state = JobState::Other;
  bool requeued_by_slurm = false;  // Slurm itself requeues it (PreemptMode=REQUEUE, node failure)
  bool requeue_allowed = true;     // the job's --requeue setting as slurmctld resolved it
  bool batch = true;
  std::time_t start_time = 0;    // this run's start
  std::time_t end_time = 0;      // at preemption: grace start + GraceTime
  std::time_t preempt_time = 0;  // 0: never chosen for preemption in this run
  std::time_t suspend_time = 0;  // last suspend or resume (gang scheduling, scontrol suspend)
  unsigned restart_count = 0;
  std::string partition;
  std::string batch_host;
  Allocation alloc;
  // For the requeue budgets (gracepack-ctl job-full): the job's QOS and account, and how many of
  // its runs were preempted and requeued before this one (gracepack's mark in the job's
  // AdminComment, which only Slurm's operators can change).
  std::string qos;
  std::string account;
  unsigned preemptions = 0;
  bool operator==(const JobRecord&) const = default;
};

// KEY=VALUE lines, one field each; parse(format(r)) == r. Unknown keys are refused.
std::string format_job_record(const JobRecord& r);
Result<JobRecord> parse_job_record(std::string_view text);

// How slurmctld names this run for a requeue: "123", or "100_7" for task 7 of array 100. Never
// the bare array id: for the task that holds it, that would requeue every task of the array.
std::string requeue_id(const JobRecord& r);

// gracepack's mark in a job's AdminComment: "gracepack_preemptions=N" among whatever else the
// site keeps there (words separated by spaces, commas or semicolons). 0 where there is none or it
// is malformed.
unsigned preemptions_in(std::string_view admin_comment);
// The comment with the mark set to `n`, everything else kept; the mark is appended when absent.
std::string with_preemptions(std::string_view admin_comment, unsigned n);
inline constexpr const char* kPreemptionMark = "gracepack_preemptions=";

}  // namespace gracepack
