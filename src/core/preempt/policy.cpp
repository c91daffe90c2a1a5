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

unsigned requeue_cap(const PreemptRequest& request, const RequeueBudgets& budgets) {
  return request.max_requeue ? std::min(*request.max_requeue, budgets.preemption)
                             : budgets.preemption;
}

unsigned other_requeue_cap(const PreemptRequest& request, const RequeueBudgets& budgets) {
  return request.max_other ? std::min(*request.max_other, budgets.other) : budgets.other;
}

RequeueBudgets budgets_of(const Config& config) {
  return {config.max_requeue, config.max_other_requeue, config.protect_after, config.protect_qos};
}

unsigned other_restarts(const JobRecord& job) {
  return job.restart_count - std::min(job.preemptions, job.restart_count);
}

std::string cap_warning(const PreemptRequest& request, const RequeueBudgets& budgets) {
  std::string out;
  if (request.max_requeue && *request.max_requeue > budgets.preemption) {
    out = "--preempt-requeue=max=" + std::to_string(*request.max_requeue) +
          ": this cluster allows at most " + std::to_string(budgets.preemption) +
          " requeues after preemption per job; the job will be requeued at most " +
          std::to_string(budgets.preemption) + " times after a preemption";
  }
  if (request.max_other && *request.max_other > budgets.other) {
    if (!out.empty()) out += "\n";
    out += "--preempt-requeue=max_other=" + std::to_string(*request.max_other) +
           ": this cluster allows at most " + std::to_string(budgets.other) +
           " requeues for other causes (time limit) per job; the job will be requeued at most " +
           std::to_string(budgets.other) + " times for them";
  }
  return out;
}

std::string return_grace_warning(const PreemptRequest& request, bool admin_allows) {
  if (!request.return_grace || admin_allows) return "";
  return "--preempt-requeue=return_grace: this cluster does not hand grace periods back "
         "(its admin has not set return_grace=yes); the job keeps its whole window";
}

namespace {

// Where a preempted job comes back: the protected QOS from its protect_after-th preemption on.
std::string protection(const JobRecord& job, const RequeueBudgets& budgets) {
  if (!budgets.protect_after || budgets.protect_qos.empty()) return "";
  const unsigned nth = job.preemptions + 1;
  if (nth < budgets.protect_after || job.qos == budgets.protect_qos) return "";
  return budgets.protect_qos;
}

Decision refuse(std::string why) {
  Decision d;
  d.reason = std::move(why);
  return d;
}

Decision accept(std::string why) {
  Decision d = refuse(std::move(why));
  d.requeue = true;
  return d;
}

}  // namespace

Decision decide_requeue(const JobRecord& job, const PreemptRequest& request,
                        const RequeueBudgets& budgets) {
  if (!job.batch) return refuse("interactive jobs (srun, salloc) cannot be requeued");
  const Cause cause = classify(job);
  if (job.requeued_by_slurm) {
    Decision d = refuse("Slurm requeues this job itself");
    // Slurm's own requeue of a preempted run (PreemptMode=REQUEUE) is a preemption all the same.
    if (cause == Cause::Preemption) {
      d.counts_preemption = true;
      d.qos = protection(job, budgets);
    }
    return d;
  }
  switch (cause) {
    case Cause::Preemption:
      break;
    case Cause::TimeLimit:
      if (request.on_timelimit) break;
      return refuse("time limit reached (add 'timelimit' to --preempt-requeue to requeue then)");
    case Cause::UserCancel:
      return refuse("cancelled by a user");
    case Cause::NodeFailure:
      return refuse("node failure (Slurm's own requeue rules apply)");
    case Cause::Completion:
      return refuse(job.state == JobState::Preempted
                        ? "ended PREEMPTED, but slurmctld records no preemption of this run"
                        : "completed without preemption");
    case Cause::Failure:
      return refuse("failed without preemption");
    case Cause::Running:
      return refuse("still running");
  }
  if (!job.requeue_allowed) {
    return refuse(
        "the job cannot be requeued (submitted with --no-requeue, or JobRequeue=0 without "
        "--requeue): submit with --requeue");
  }
  if (cause == Cause::Preemption) {
    const unsigned cap = requeue_cap(request, budgets);
    if (job.preemptions >= cap) {
      return refuse("requeue cap reached: the job was requeued after " +
                    std::to_string(job.preemptions) + " preemptions, max " + std::to_string(cap));
    }
    // A ceiling, whatever the marks say: a job whose marks were never written (the update
    // failed) shows its preemptions as restarts for other causes; once those are more than both
    // budgets together it is not requeued again, so it is never requeued without end. A job
    // that only spent its budget for other causes is far below it.
    const unsigned both = cap + other_requeue_cap(request, budgets);
    if (other_restarts(job) > both) {
      return refuse("requeue cap reached: the job has restarted " +
                    std::to_string(other_restarts(job)) +
                    " times without a recorded preemption, more than both budgets together (" +
                    std::to_string(both) + ")");
    }
    Decision d = accept("preemption: requeue " + std::to_string(job.preemptions + 1) + " of max " +
                        std::to_string(cap));
    d.counts_preemption = true;
    d.qos = protection(job, budgets);
    return d;
  }
  const unsigned cap = other_requeue_cap(request, budgets);
  const unsigned others = other_restarts(job);
  if (others >= cap) {
    return refuse("requeue cap reached: the job has restarted " + std::to_string(others) +
                  " times for causes other than preemption, max " + std::to_string(cap));
  }
  return accept("time limit: requeue " + std::to_string(others + 1) + " of max " +
                std::to_string(cap) + " (causes other than preemption)");
}

}  // namespace gracepack
