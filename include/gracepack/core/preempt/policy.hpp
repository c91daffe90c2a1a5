// The preemption policy: what slurmctld's record of a job says ended (or will end) this run, and
// whether gracepack requeues it. Pure: the record comes from src/slurm; tests build their own.
#pragma once

#include <string>

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

struct Decision {
  bool requeue = false;
  std::string reason;  // for the user, the audit record and the log
};

// Whether gracepack requeues a job that has ended, given the user's request and the admin's cap.
Decision decide_requeue(const JobRecord& job, const PreemptRequest& request, unsigned admin_max);

// The effective cap: the admin's, lowered by the user's own.
unsigned requeue_cap(const PreemptRequest& request, unsigned admin_max);

// A line for the submitting user when their max= is above the admin's cap; empty otherwise.
std::string cap_warning(const PreemptRequest& request, unsigned admin_max);
// A line for the submitting user who asks for return_grace where the admin does not allow it.
std::string return_grace_warning(const PreemptRequest& request, bool admin_allows);

}  // namespace gracepack
