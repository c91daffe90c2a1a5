// What gracepack asks of slurmctld, as an interface: the real one is src/slurm/controller.cpp
// (libslurm), tests use fakes.
#pragma once

#include <cstdint>
#include <functional>

#include "gracepack/preempt.hpp"
#include "gracepack/result.hpp"

namespace gracepack {

class Controller {
 public:
  virtual ~Controller() = default;
  virtual Result<JobRecord> load_job(std::uint32_t job_id) = 0;
  // Requeues this job (an array task's own id requeues that task only).
  virtual Status requeue(std::uint32_t job_id) = 0;
};

// What the watcher left for the epilog: when it signalled the job, how many processes, and the
// preemption time it read from slurmctld then (a slurmctld that crashes before saving its state
// forgets the preemption; the epilog then goes by this).
struct WatcherStatus {
  std::time_t delivered = 0;
  unsigned signalled = 0;
  std::time_t preempt_time = 0;
};
std::string format_watcher_status(const WatcherStatus& s);
Result<WatcherStatus> parse_watcher_status(const std::string& text);

// The end of a job that asked for --preempt-requeue, seen from the job epilog on one node.
struct JobEnd {
  std::uint32_t job_id = 0;
  PreemptRequest request;
  unsigned admin_max = 0;
  std::string node_name;                 // this node, as Slurm names it
  std::optional<WatcherStatus> watcher;  // present when the notice was delivered here
  std::string user;                      // the job's user name, for the audit record
  std::time_t now = 0;
};

struct JobEndOutcome {
  bool acted = false;  // false: not the batch host, nothing to do here
  bool requeued = false;
  std::vector<AuditRecord> records;
};

// Called when slurmctld did not answer (restarting, failing over): pauses, and says whether to
// try again. The plugin bounds the total by the admin's ctld_wait; tests count the calls.
using RetryWait = std::function<bool()>;

// Loads the job, decides, requeues at most once (only on the batch host), and says what happened.
// A call that fails for a transient reason is tried again while `retry` allows. A requeue whose
// answer was lost is not repeated blindly: the job is read again first, and a restart count that
// grew (or a job pending again) means the requeue landed.
JobEndOutcome handle_job_end(Controller& controller, const JobEnd& end, const RetryWait& retry);

}  // namespace gracepack
