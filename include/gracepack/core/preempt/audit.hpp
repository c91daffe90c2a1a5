// The audit log: one JSON object per line for every notice and requeue decision, written by the
// job epilog (root) on the batch host.
#pragma once

#include <ctime>
#include <optional>
#include <string>

#include "gracepack/core/preempt/checkpoint.hpp"
#include "gracepack/core/preempt/job.hpp"
#include "gracepack/core/preempt/policy.hpp"

namespace gracepack {

struct AuditRecord {
  std::string event;  // notice, requeue, no-requeue, cap, refused, error, ignored
  JobRecord job;
  std::string user;
  Cause cause = Cause::Running;
  std::time_t time = 0;
  std::string decision;
  std::string reason;
  std::optional<std::time_t> notice_delivered;  // when the watcher signalled the job
  std::optional<unsigned> processes_signalled;
  // The grace deadline the watcher read at grace start. slurmctld's end time is the deadline only
  // while the job runs: a job that ends inside its window gets its own end time there.
  std::optional<std::time_t> deadline;
  std::optional<std::time_t> run_start;    // when this run's batch step started (root's marker)
  std::optional<std::time_t> script_exit;  // when the batch script ended (root's marker)
  std::optional<int> script_status;        // its wait status
  // A run with a grace start: what it held, its checkpoint acknowledgements and the work lost
  // (core/preempt/checkpoint.hpp; each field defined in docs/report.md).
  Allocation alloc;                        // known() only where slurmctld's record was read
  std::optional<std::time_t> grace_start;  // the grace start the loss is counted from
  std::optional<std::time_t> checkpoint;
  std::string checkpoint_label;
  std::optional<std::time_t> checkpoint_in_window;
  std::string checkpoint_note;
  std::optional<LostWork> lost;
  std::optional<long long> grace_returned;  // seconds of the window handed back (return_grace)
  // The requeue budgets (issue 20), where slurmctld's record was read: the job's preemptions so
  // far (this run's included) and its restarts for other causes; the QOS it ran in and the one
  // it comes back in (protect_qos), or why it could not be moved there.
  std::optional<unsigned> preemptions;
  std::optional<unsigned> other_requeues;
  std::string requeue_qos;
  std::string qos_note;
};
std::string to_json(const AuditRecord& r);

// JSON string escaping for the audit log.
std::string json_escape(const std::string& s);

}  // namespace gracepack
