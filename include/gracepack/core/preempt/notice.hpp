// The notice a preempted job gets: the file its processes read ($GRACEPACK_NOTICE_FILE, KEY=VALUE
// lines a shell can `source`) and the line printed on the job's stderr. Built from slurmctld's
// record of the job at grace start.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>

#include "gracepack/core/base/options.hpp"
#include "gracepack/core/base/result.hpp"
#include "gracepack/core/preempt/job.hpp"
#include "gracepack/core/preempt/policy.hpp"

namespace gracepack {

struct Notice {
  Cause cause = Cause::Preemption;
  std::time_t notice_time = 0;  // when the grace period started (slurmctld's preempt time)
  std::time_t deadline = 0;     // when Slurm kills the job: grace start + GraceTime
  int signal = 15;
  unsigned restart_count = 0;
  unsigned max_requeue = 0;   // the cap of requeues after preemption
  bool will_requeue = false;  // the cap allows one more requeue
  std::string not_why;        // why it will not be requeued, when that is not the cap
  unsigned preemption = 0;    // this preemption's number for the job (1: its first); 0: unknown
  std::string requeue_qos;    // the QOS the job comes back in (protect_qos); "" : its own
};
std::string format_notice(const Notice& n);
Result<Notice> parse_notice(const std::string& text);

// The notice for a job that slurmctld says is being preempted now (`now` stands in for a missing
// preempt time).
Notice notice_for(const JobRecord& job, const PreemptRequest& request,
                  const RequeueBudgets& budgets, std::time_t now);

// The line printed on the job's stderr at notice time.
std::string notice_message(const Notice& n, std::uint32_t job_id, std::time_t now);

}  // namespace gracepack
