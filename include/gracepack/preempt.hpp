// The preemption policy: what slurmctld's record of a job says happened to it, whether it is
// requeued, and the notice file and audit record that say so. Pure: the record comes in through
// the Controller interface (src/slurm/controller.cpp talks to slurmctld; tests hand in fakes).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "gracepack/options.hpp"
#include "gracepack/result.hpp"

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

// Only what the decisions need, copied out of slurmctld's job record.
struct JobRecord {
  std::uint32_t job_id = 0;
  std::optional<std::uint32_t> array_job_id;  // set for array tasks
  std::optional<std::uint32_t> array_task_id;
  uid_t user = 0;
  JobState state = JobState::Other;
  bool requeued_by_slurm = false;  // Slurm itself requeues it (PreemptMode=REQUEUE, node failure)
  bool requeue_allowed = true;     // the job's --requeue setting as slurmctld resolved it
  bool batch = true;
  std::time_t end_time = 0;      // at preemption: grace start + GraceTime
  std::time_t preempt_time = 0;  // 0: never chosen for preemption
  unsigned restart_count = 0;
  std::string partition;
  std::string batch_host;
};

enum class Cause { Preemption, UserCancel, TimeLimit, NodeFailure, Completion, Failure, Running };
const char* to_string(Cause c);
const char* to_string(JobState s);

// Tells the cause apart from the record (preempt time, state), not from a signal.
Cause classify(const JobRecord& job);

struct Decision {
  bool requeue = false;
  std::string reason;  // for the user, the audit record and the log
};

// Whether gracepack requeues a job that has ended, given the user's request and the admin's cap.
Decision decide_requeue(const JobRecord& job, const PreemptRequest& request, unsigned admin_max);

// The effective cap: the admin's, lowered by the user's own.
unsigned requeue_cap(const PreemptRequest& request, unsigned admin_max);

// The notice file: KEY=VALUE lines that a shell can `source`.
struct Notice {
  Cause cause = Cause::Preemption;
  std::time_t notice_time = 0;  // when the grace period started (slurmctld's preempt time)
  std::time_t deadline = 0;     // when Slurm kills the job: grace start + GraceTime
  int signal = 15;
  unsigned restart_count = 0;
  unsigned max_requeue = 0;
  bool will_requeue = false;  // the cap allows one more requeue
};
std::string format_notice(const Notice& n);
Result<Notice> parse_notice(const std::string& text);

// The line printed on the job's stderr at notice time.
std::string notice_message(const Notice& n, std::uint32_t job_id, std::time_t now);

struct AuditRecord {
  std::string event;  // notice, requeue, no-requeue, cap, refused, error
  JobRecord job;
  std::string user;
  Cause cause = Cause::Running;
  std::time_t time = 0;
  std::string decision;
  std::string reason;
  std::optional<std::time_t> notice_delivered;  // when the watcher signalled the job
  std::optional<unsigned> processes_signalled;
};
std::string to_json(const AuditRecord& r);

// JSON string escaping for the audit log.
std::string json_escape(const std::string& s);

}  // namespace gracepack
