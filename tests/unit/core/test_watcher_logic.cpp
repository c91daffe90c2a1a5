#include <gtest/gtest.h>

#include <algorithm>

#include "fake_jobs.hpp"
#include "gracepack/core/watcher_logic.hpp"

using namespace gracepack;

namespace {

ProcessInfo proc(pid_t pid, pid_t ppid, uid_t uid, std::string comm, std::string parent,
                 std::string step) {
  ProcessInfo p;
  p.pid = pid;
  p.ppid = ppid;
  p.uid = uid;
  p.comm = std::move(comm);
  p.parent_comm = std::move(parent);
  p.step = std::move(step);
  return p;
}

std::vector<pid_t> pids(const std::vector<ProcessInfo>& ps) {
  std::vector<pid_t> out;
  for (const auto& p : ps) out.push_back(p.pid);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

// Issue 9 item 5 and issue 10: the placeholder, never slurmstepd (listed first on cgroup v2) nor
// an adopted ssh session.
TEST(Placeholder, IsSlurmsOwnSleepOnV1AndV2) {
  const std::vector<ProcessInfo> v1{proc(300, 299, 0, "sleep", "slurmstepd", "step_extern")};
  EXPECT_EQ(find_placeholder(v1)->pid, 300);
  const std::vector<ProcessInfo> v2{
      proc(299, 1, 0, "slurmstepd", "systemd", "step_extern"),  // step_extern/slurm
      proc(400, 390, 1001, "bash", "sshd", "step_extern"),      // adopted by pam_slurm_adopt
      proc(300, 299, 0, "sleep", "slurmstepd", "step_extern")};
  EXPECT_EQ(find_placeholder(v2)->pid, 300);
  // Slurm 25.05+ runs none; after scancel --signal=USR1 killed it there is none either.
  EXPECT_FALSE(find_placeholder({v2[0], v2[1]}).has_value());
  // A user's process that calls itself "sleep" and was reparented is not Slurm's.
  const std::vector<ProcessInfo> fake{v2[0], proc(500, 1, 1001, "sleep", "systemd", "step_extern")};
  EXPECT_FALSE(find_placeholder(fake).has_value());
}

// Issue 9 item 3: whoever starts the watcher, the batch shell is found and spared.
TEST(SignalTargets, NeverTheBatchShellUnlessAsked) {
  const uid_t u = 1001;
  const std::vector<ProcessInfo> job{
      proc(10, 9, 0, "slurmstepd", "slurmd", "step_batch"),
      proc(11, 10, u, "bash", "slurmstepd", "step_batch"),  // the batch shell
      proc(12, 11, u, "python3", "bash", "step_batch"),     // the app run directly
      proc(13, 11, u, "srun", "bash", "step_batch"),        // an srun client
      proc(14, 1, u, "gracepack-watch", "systemd", "step_batch"),
      proc(15, 11, 0, "sudo", "bash", "step_batch"),   // not the user's
      proc(20, 19, u, "app", "slurmstepd", "step_0"),  // an srun step's task
      proc(30, 29, 0, "sleep", "slurmstepd", "step_extern")};
  SignalScope scope;
  scope.self = 14;
  scope.uid = u;
  scope.shell = 0;  // a watcher started by a later srun step knows no shell pid
  EXPECT_EQ(pids(signal_targets(job, scope)), (std::vector<pid_t>{12}));
  scope.shell = 11;
  EXPECT_EQ(pids(signal_targets(job, scope)), (std::vector<pid_t>{12}));
  scope.other_steps = true;  // a signal other than Slurm's own SIGTERM
  EXPECT_EQ(pids(signal_targets(job, scope)), (std::vector<pid_t>{12, 20}));
  scope.notify_shell = true;
  EXPECT_EQ(pids(signal_targets(job, scope)), (std::vector<pid_t>{11, 12, 20}));
}

// Issue 16 item 7: the notice goes to the job's tasks, not to the step's MPS daemon (or anything
// else in gracepack's helper cgroup) nor to what sits beside slurmstepd, on v2 and v1.
TEST(SignalTargets, NeverSlurmstepdsCgroupNorGracepacksHelpers) {
  const uid_t u = 1001;
  auto in = [](ProcessInfo p, std::string cg) {
    p.cgroup = std::move(cg);
    return p;
  };
  const std::vector<ProcessInfo> v2{
      in(proc(20, 19, u, "app", "slurmstepd", "step_0"), "user/task_0"),
      in(proc(21, 20, u, "worker", "app", "step_0"), "user/task_0/inner"),
      in(proc(22, 19, u, "nvidia-cuda-mps", "slurmstepd", "step_0"), "user/gracepack"),
      in(proc(23, 22, u, "nvidia-cuda-mps", "nvidia-cuda-mps", "step_0"), "user/gracepack"),
      in(proc(24, 19, u, "leftover", "slurmstepd", "step_0"), "slurm")};
  SignalScope scope;
  scope.uid = u;
  scope.other_steps = true;
  scope.v2 = true;
  EXPECT_EQ(pids(signal_targets(v2, scope)), (std::vector<pid_t>{20, 21}));
  const std::vector<ProcessInfo> v1{
      in(proc(20, 19, u, "app", "slurmstepd", "step_0"), ""),
      in(proc(22, 19, u, "mps", "slurmstepd", "step_0"), "gracepack")};
  scope.v2 = false;
  EXPECT_EQ(pids(signal_targets(v1, scope)), (std::vector<pid_t>{20}));
}

TEST(Wake, DeliverKeepWatchingOrStop) {
  using fakes::job;
  EXPECT_EQ(judge_wake(job(JobState::Running, 100)).verdict, WakeVerdict::Deliver);
  // scancel --signal=USR1 killed the placeholder: keep watching (issue 9 item 5).
  EXPECT_EQ(judge_wake(job(JobState::Running)).verdict, WakeVerdict::KeepWatching);
  auto resumed = job(JobState::Running, 100);  // gang: suspended then resumed (item 4)
  resumed.suspend_time = 130;
  EXPECT_EQ(judge_wake(resumed).verdict, WakeVerdict::KeepWatching);
  auto suspended = job(JobState::Suspended, 100);
  suspended.suspend_time = 100;
  EXPECT_EQ(judge_wake(suspended).verdict, WakeVerdict::KeepWatching);
  auto w = judge_wake(job(JobState::Cancelled));
  EXPECT_EQ(w.verdict, WakeVerdict::Stop);
  EXPECT_EQ(w.cause, Cause::UserCancel);
  EXPECT_EQ(judge_wake(job(JobState::Timeout)).cause, Cause::TimeLimit);
}
