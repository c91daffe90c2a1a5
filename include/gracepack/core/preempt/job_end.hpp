// The end of a --preempt-requeue job's run, seen from the job epilog (root) on one node: what
// root's marker and the watcher's status say, whether slurmctld must be asked at all, and the
// decision with its audit records.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "gracepack/core/base/options.hpp"
#include "gracepack/core/preempt/audit.hpp"
#include "gracepack/core/preempt/controller.hpp"
#include "gracepack/core/preempt/job_dir.hpp"
#include "gracepack/core/preempt/policy.hpp"
#include "gracepack/core/preempt/retry.hpp"

namespace gracepack {

struct EpilogFacts {
  std::uint32_t job_id = 0;  // from Slurm
  uid_t uid = 0;             // from Slurm
  PreemptRequest request;
  RequeueBudgets budgets;
  std::optional<RunMarker> marker;      // root's marker on this node; nullopt: none or unusable
  std::string marker_note;              // why there is none
  std::optional<WatcherStatus> status;  // the watcher's status file, if readable and well formed
  std::string status_note;              // why a status file that exists was refused
  std::string user;                     // the job's user name, for the audit record
  std::time_t now = 0;
};

struct EpilogPlan {
  bool decide = false;           // this node runs the batch script: the decision is taken here
  bool ask_slurm = false;        // the decision needs slurmctld's record of the job
  Cause cause = Cause::Running;  // without slurmctld: why the run ended
  std::string why;
};

// No RPC unless it is needed: only the batch host decides (root's marker says which node that is);
// a run whose script exited by itself while its watcher was alive and watching was not preempted
// before it ended (the grace period does not signal the script); a watcher that saw the job
// cancelled or timed out said so. slurmctld is asked when the watcher delivered a notice, when a
// time limit is to be requeued, when a signal ended the script (scancel and time limits signal the
// script and the extern step at once: the watcher may not have heard it yet), and when the
// watcher's account is missing, unfinished or from another run (it was killed, or lost the race
// with the job's end).
EpilogPlan plan_epilog(const EpilogFacts& f);

struct JobEndOutcome {
  bool acted = false;  // false: not the batch host, nothing decided here
  bool asked_slurm = false;
  bool requeued = false;
  std::vector<AuditRecord> records;
};

// Decides and requeues at most once, asking `controller` only when plan_epilog says so. A call
// that fails for a transient reason is repeated while `retry` allows; a requeue whose answer was
// lost is repeated only if slurmctld's record shows it did not land.
JobEndOutcome handle_job_end(Controller& controller, const EpilogFacts& f, Retry& retry);

}  // namespace gracepack
