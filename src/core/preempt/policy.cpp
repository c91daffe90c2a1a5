#include "gracepack/core/preempt/policy.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace gracepack {
namespace {

constexpr std::array<std::pair<Cause, const char*>, 7> kCauses{{
    {Cause::Preemption, "preemption"},
    {Cause::UserCancel, "cancelled"},
    {Cause::TimeLimit, "time_limit"},
    {Cause::NodeFailure, "node_failure"},
    {Cause::Completion, "completed"},
    {Cause::Failure, "failed"},
    {Cause::Running, "running"},
}};

}  // namespace

const char* to_string(Cause c) {
  for (const auto& [cause, name] : kCauses) {
    if (cause == c) return name;
  }
  return "running";
}

std::optional<Cause> parse_cause(std::string_view s) {
  for (const auto& [cause, name] : kCauses) {
    if (s == name) return cause;
  }
  return std::nullopt;
}

bool preempted_this_run(const JobRecord& job) {
  if (!job.preempt_time) return false;
  if (job.start_time && job.preempt_time < job.start_time) return false;
  return !(job.suspend_time && job.suspend_time >= job.preempt_time);
}

Cause classify(const JobRecord& job) {
  switch (job.state) {
    // A user who cancels during the grace period wants the job gone.
    case JobState::Cancelled:
      return Cause::UserCancel;
    case JobState::NodeFail:
      return Cause::NodeFailure;
    default:
      break;
  }
  // Killed at the deadline, exited by itself inside its grace window, or still running in it.
  if (preempted_this_run(job)) return Cause::Preemption;
  switch (job.state) {
    case JobState::Timeout:
      return Cause::TimeLimit;
    // PREEMPTED without a preemption of this run: a run after a requeue, on Slurm 24.x.
    case JobState::Preempted:
    case JobState::Complete:
      return Cause::Completion;
    case JobState::Failed:
    case JobState::OutOfMemory:
    case JobState::Other:
      return Cause::Failure;
    default:
      return Cause::Running;
  }
}

unsigned requeue_cap(const PreemptRequest& request, unsigned admin_max) {
  return request.max_requeue ? std::min(*request.max_requeue, admin_max) : admin_max;
}

std::string cap_warning(const PreemptRequest& request, unsigned admin_max) {
  if (!request.max_requeue || *request.max_requeue <= admin_max) return "";
  return "--preempt-requeue=max=" + std::to_string(*request.max_requeue) +
         ": this cluster allows at most " + std::to_string(admin_max) +
         " requeues per job; the job will be requeued at most " + std::to_string(admin_max) +
         " times";
}

std::string return_grace_warning(const PreemptRequest& request, bool admin_allows) {
  if (!request.return_grace || admin_allows) return "";
  return "--preempt-requeue=return_grace: this cluster does not hand grace periods back "
         "(its admin has not set return_grace=yes); the job keeps its whole window";
}

Decision decide_requeue(const JobRecord& job, const PreemptRequest& request, unsigned admin_max) {
  const unsigned cap = requeue_cap(request, admin_max);
  if (!job.batch) return {false, "interactive jobs (srun, salloc) cannot be requeued"};
  if (job.requeued_by_slurm) return {false, "Slurm requeues this job itself"};
  const Cause cause = classify(job);
  switch (cause) {
    case Cause::Preemption:
      break;
    case Cause::TimeLimit:
      if (request.on_timelimit) break;
      return {false, "time limit reached (add 'timelimit' to --preempt-requeue to requeue then)"};
    case Cause::UserCancel:
      return {false, "cancelled by a user"};
    case Cause::NodeFailure:
      return {false, "node failure (Slurm's own requeue rules apply)"};
    case Cause::Completion:
      return {false, job.state == JobState::Preempted
                         ? "ended PREEMPTED, but slurmctld records no preemption of this run"
                         : "completed without preemption"};
    case Cause::Failure:
      return {false, "failed without preemption"};
    case Cause::Running:
      return {false, "still running"};
  }
  if (!job.requeue_allowed) {
    return {false,
            "the job cannot be requeued (submitted with --no-requeue, or JobRequeue=0 without "
            "--requeue): submit with --requeue"};
  }
  if (job.restart_count >= cap) {
    return {false, "requeue cap reached: the job has restarted " +
                       std::to_string(job.restart_count) + " times, max " + std::to_string(cap)};
  }
  return {true, std::string(cause == Cause::TimeLimit ? "time limit" : "preemption") +
                    ": requeue " + std::to_string(job.restart_count + 1) + " of max " +
                    std::to_string(cap)};
}

}  // namespace gracepack
