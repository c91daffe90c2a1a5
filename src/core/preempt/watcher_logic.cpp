#include "gracepack/core/preempt/watcher_logic.hpp"

#include "gracepack/core/base/cgroup_path.hpp"
#include "gracepack/core/preempt/runtime_plumbing.hpp"

namespace gracepack {

std::optional<ProcessInfo> find_placeholder(const std::vector<ProcessInfo>& extern_step) {
  std::optional<ProcessInfo> found;
  for (const ProcessInfo& p : extern_step) {
    if (p.uid != 0 || p.comm == "slurmstepd" || p.parent_comm != "slurmstepd") continue;
    // Slurm execs "sleep 100000000"; prefer it should anything else qualify.
    if (!found || (p.comm == "sleep" && found->comm != "sleep")) found = p;
  }
  return found;
}

std::vector<ProcessInfo> signal_targets(const std::vector<ProcessInfo>& job_processes,
                                        const SignalScope& scope) {
  std::vector<ProcessInfo> out;
  for (const ProcessInfo& p : job_processes) {
    const bool batch = p.step == "step_batch";
    const bool srun_step = p.step.rfind("step_", 0) == 0 && p.step != "step_extern" && !batch;
    if (!batch && !(scope.other_steps && srun_step)) continue;
    if (!job_task_cgroup(p.cgroup, scope.v2)) continue;
    if (p.pid == scope.self || p.uid != scope.uid) continue;
    if (p.comm == "slurmstepd" || p.comm == "srun" || p.comm == "gracepack-watch") continue;
    const bool shell =
        batch && (p.pid == scope.shell || (p.parent_comm == "slurmstepd" && p.pid != scope.self));
    if (shell && !scope.notify_shell) continue;
    if (runtime_plumbing(p, job_processes, scope.ns_depth, scope.signal)) continue;
    out.push_back(p);
  }
  return out;
}

Wake judge_wake(const JobRecord& job) {
  const Cause cause = classify(job);
  if (cause == Cause::Preemption) return {WakeVerdict::Deliver, cause};
  if (job.state == JobState::Running || job.state == JobState::Suspended)
    return {WakeVerdict::KeepWatching, cause};
  return {WakeVerdict::Stop, cause};
}

}  // namespace gracepack
