// The preemption policy: what slurmctld's record of a job says ended (or will end) this run, and
// whether gracepack requeues it. Pure: the record comes from src/slurm; tests build their own.
#pragma once

#include <string>

#include "gracepack/core/base/config.hpp"
#include "gracepack/core/base/options.hpp"
#include "gracepack/core/preempt/job.hpp"

namespace gracepack {

enum class Cause { Preemption, UserCancel, TimeLimit, NodeFailure, Completion, Failure, Running };
const char* to_string(Cause c);
std::optional<Cause> parse_cause(std::string_view s);

// Whether this run was chosen for a preemption that ends it: slurmctld's preempt time falls in
// this run (Slurm 24.x leaves a requeued run marked PREEMPTED with no preempt time), and it is
// not the mark of a gang suspension (PreemptMode=SUSPEND,GANG sets the preempt time when it
// suspends a job and keeps it after the resume; the suspend time is then at or after it).
bool preempted_this_run(const JobRecord& job);

// Tells the cause apart from the record (preempt, start and suspend times, state), not from a
// signal.
Cause classify(const JobRecord& job);

// The admin's requeue budgets, one per cause, and the guarantee of progress (plugstack.conf:
// max_requeue, max_other_requeue, protect_after, protect_qos). A preemption is never charged to
// the budget of other causes, nor they to its: a job that used its time-limit requeues is still
// requeued after a preemption.
struct RequeueBudgets {
  unsigned preemption = 5;     // requeues after a preemption
  unsigned other = 5;          // requeues for any other cause (time limit; Slurm's node failures)
  unsigned protect_after = 0;  // at this preemption the job goes to protect_qos; 0: never
  std::string protect_qos;
  bool operator==(const RequeueBudgets&) const = default;
};

RequeueBudgets budgets_of(const Config& config);

// Of a job's restarts, those that followed no preemption (Slurm's restart count counts all).
unsigned other_restarts(const JobRecord& job);

struct Decision {
  bool requeue = false;
  std::string reason;  // for the user, the audit record and the log
  // This run was preempted and comes back (gracepack's requeue or Slurm's own): the job's
  // preemption count goes up by one.
  bool counts_preemption = false;
  std::string qos;  // the QOS it comes back in (protect_qos); "" : its own
};

// Whether gracepack requeues a job that has ended, given the user's request and the budgets.
Decision decide_requeue(const JobRecord& job, const PreemptRequest& request,
                        const RequeueBudgets& budgets);

// The effective caps: the admin's, lowered by the user's own (max=, max_other=).
unsigned requeue_cap(const PreemptRequest& request, const RequeueBudgets& budgets);
unsigned other_requeue_cap(const PreemptRequest& request, const RequeueBudgets& budgets);

// A line for the submitting user when their max= or max_other= is above the admin's cap; empty
// otherwise.
std::string cap_warning(const PreemptRequest& request, const RequeueBudgets& budgets);
// A line for the submitting user who asks for return_grace where the admin does not allow it.
std::string return_grace_warning(const PreemptRequest& request, bool admin_allows);

}  // namespace gracepack
