#include <gtest/gtest.h>

#include <algorithm>

#include "fake_jobs.hpp"
#include "gracepack/core/preempt/runtime_plumbing.hpp"
#include "gracepack/core/preempt/watcher_logic.hpp"

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
  // v1: the step's directory, and a container runtime's sub-cgroup (runc makes <step>/<id>), but
  // never gracepack's helper cgroup or below it.
  const std::vector<ProcessInfo> v1{
      in(proc(20, 19, u, "app", "slurmstepd", "step_0"), ""),
      in(proc(21, 20, u, "bash", "conmon", "step_0"), "f112da7243ee8bb0"),
      in(proc(22, 19, u, "mps", "slurmstepd", "step_0"), "gracepack"),
      in(proc(23, 22, u, "mps", "mps", "step_0"), "gracepack/inner")};
  scope.v2 = false;
  EXPECT_EQ(pids(signal_targets(v1, scope)), (std::vector<pid_t>{20, 21}));
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

namespace {

// A process of a container as /proc shows it: pids from the watcher's namespace down, namespace
// inodes and the mask of caught signals (SigCgt).
ProcessInfo ns_proc(pid_t pid, pid_t ppid, std::string comm, std::vector<pid_t> nspid,
                    std::uint64_t pid_ns, std::uint64_t mnt_ns, std::uint64_t caught = 0) {
  ProcessInfo p = proc(pid, ppid, 1001, std::move(comm), "", "step_batch");
  p.nspid = std::move(nspid);
  p.pid_ns = pid_ns;
  p.mnt_ns = mnt_ns;
  p.user_ns = mnt_ns + 1;
  p.caught = caught;
  return p;
}

constexpr std::uint64_t kChld = 1ULL << 16, kTerm = 1ULL << 14, kUsr1 = 1ULL << 9;

SignalScope container_scope(int sig) {
  SignalScope s;
  s.self = 99;
  s.shell = 11;
  s.uid = 1001;
  s.signal = sig;
  s.ns_depth = 1;
  return s;
}

}  // namespace

// Issue 22 item 1: `bwrap --unshare-pid ... sh -c app` run by the batch script, as /proc showed
// it (bwrap 0.8): the outer bwrap (its child in new PID, mount and user namespaces: it dies of
// SIGTERM and the script goes on to its end) and bwrap's PID 1 (reaper of everything inside) are
// spared; every process inside gets the notice once.
TEST(SignalTargets, ContainerWithItsOwnPidNamespace) {
  const std::vector<ProcessInfo> job{
      ns_proc(11, 10, "bash", {11}, 1, 10, kChld),           // the batch shell
      ns_proc(12, 11, "bwrap", {12}, 1, 10),                 // outside: the monitor
      ns_proc(13, 12, "bwrap", {13, 1}, 2, 20),              // PID 1 inside, no handler
      ns_proc(14, 13, "sh", {14, 2}, 2, 20, kChld | kTerm),  // the script inside
      ns_proc(15, 14, "python3", {15, 3}, 2, 20, kTerm),     // the application
      ns_proc(16, 15, "python3", {16, 4}, 2, 20)};           // its worker
  EXPECT_EQ(pids(signal_targets(job, container_scope(15))), (std::vector<pid_t>{14, 15, 16}));
  // The same tree where nothing could read the namespace links: NSpid alone tells it.
  std::vector<ProcessInfo> blind = job;
  for (auto& p : blind) p.pid_ns = p.mnt_ns = p.user_ns = 0;
  EXPECT_EQ(pids(signal_targets(blind, container_scope(15))), (std::vector<pid_t>{14, 15, 16}));
  // With the admin's notify_shell the shell gets it too, never the plumbing.
  auto scope = container_scope(15);
  scope.notify_shell = true;
  EXPECT_EQ(pids(signal_targets(job, scope)), (std::vector<pid_t>{11, 14, 15, 16}));
}

// Without a PID namespace (bwrap without --unshare-pid, apptainer's default): the outer process
// is told by its child's other mount and user namespaces.
TEST(SignalTargets, ContainerSharingTheJobsPidNamespace) {
  const std::vector<ProcessInfo> job{
      ns_proc(11, 10, "bash", {11}, 1, 10, kChld), ns_proc(12, 11, "bwrap", {12}, 1, 10),
      ns_proc(13, 12, "python3", {13}, 1, 20, kTerm), ns_proc(14, 13, "python3", {14}, 1, 20)};
  EXPECT_EQ(pids(signal_targets(job, container_scope(15))), (std::vector<pid_t>{13, 14}));
  // Where the kernel hides the links (a non-dumpable runtime), nothing tells it: the outer process
  // is signalled as any other (docs/design.md says so).
  std::vector<ProcessInfo> blind = job;
  for (auto& p : blind) p.pid_ns = p.mnt_ns = p.user_ns = 0;
  EXPECT_EQ(pids(signal_targets(blind, container_scope(15))), (std::vector<pid_t>{12, 13, 14}));
}

// Seen in the 26.05 VM (1 run in 8 of e2e.preempt_container): bash inside `bwrap` without
// --unshare-pid, caught in the instant it blocks every signal around a fork, passed for a
// forwarder in namespaces of its own and was spared: the application never heard the notice.
// Such a process is a forwarder only "by blocking", which the watcher reads again; one that
// catches the signals (dumb-init) is not.
TEST(SignalTargets, AnInstantOfBlockingIsToldFromAForwarder) {
  auto app = ns_proc(13, 12, "app.sh", {13}, 1, 20, kChld | kTerm);
  app.blocked = ~0ULL & ~((1ULL << 8) | (1ULL << 18));  // all but KILL and STOP, as /proc showed
  EXPECT_TRUE(forwarder_by_blocking_only(app));
  const std::vector<ProcessInfo> job{ns_proc(11, 10, "bash", {11}, 1, 10, kChld),
                                     ns_proc(12, 11, "bwrap", {12}, 1, 10), app};
  EXPECT_EQ(pids(signal_targets(job, container_scope(15))), (std::vector<pid_t>{}));
  auto again = job;
  again[2].blocked = kChld;  // read again after the fork
  EXPECT_FALSE(forwarder_by_blocking_only(again[2]));
  EXPECT_EQ(pids(signal_targets(again, container_scope(15))), (std::vector<pid_t>{13}));
  auto dumb_init = app;
  dumb_init.caught = 0x7ffbfeffULL;
  EXPECT_FALSE(forwarder_by_blocking_only(dumb_init));
  auto plain = app;
  plain.blocked = kChld;
  EXPECT_FALSE(forwarder_by_blocking_only(plain));
}

// PID 1 inside: the application itself when it has no children or when it handles the notice
// signal and is no forwarder (an entry script that traps it); a runtime's init with children
// (bwrap's: nothing caught; catatonit, tini: everything blocked; dumb-init: everything caught) is
// spared.
TEST(SignalTargets, PidOneIsTheApplicationOrTheRuntimesInit) {
  auto tree = [](std::uint64_t pid1_caught, bool children, std::uint64_t pid1_blocked = 0) {
    std::vector<ProcessInfo> job{ns_proc(20, 11, "conmon", {20}, 1, 10),
                                 ns_proc(21, 20, "app", {21, 1}, 2, 20, pid1_caught)};
    job[1].blocked = pid1_blocked;
    if (children) job.push_back(ns_proc(22, 21, "worker", {22, 2}, 2, 20));
    return job;
  };
  const auto usr1 = container_scope(10);
  // The application as PID 1 (podman without --init), with or without a handler: the kernel
  // delivers to a namespace's init only what it handles, so this kills nothing.
  EXPECT_EQ(pids(signal_targets(tree(0, false), usr1)), (std::vector<pid_t>{21}));
  EXPECT_EQ(pids(signal_targets(tree(kUsr1, true), usr1)), (std::vector<pid_t>{21, 22}));
  // An entry script (bash: SIGINT, SIGCHLD and the trapped signal) is the application.
  EXPECT_EQ(pids(signal_targets(tree(kUsr1 | kChld | 2, true), usr1)),
            (std::vector<pid_t>{21, 22}));
  // A runtime's init with children is spared: its children hear it from gracepack once, not a
  // second time through the init.
  EXPECT_EQ(pids(signal_targets(tree(0, true), usr1)), (std::vector<pid_t>{22}));
  EXPECT_EQ(pids(signal_targets(tree(0x7ffbfeffULL, true), usr1)), (std::vector<pid_t>{22}));
  EXPECT_EQ(pids(signal_targets(tree(0, true, 0xfffffffe3ffbfa07ULL), usr1)),
            (std::vector<pid_t>{22}));  // catatonit's SigBlk as podman --init showed it
  // Handling another signal than the notice's does not make PID 1 the application.
  EXPECT_EQ(pids(signal_targets(tree(kTerm | kChld, true), usr1)), (std::vector<pid_t>{22}));
  // Where NSpid is unknown (kernels before 4.1), no process is taken for an init.
  auto unknown = usr1;
  unknown.ns_depth = 0;
  EXPECT_EQ(pids(signal_targets(tree(0, true), unknown)), (std::vector<pid_t>{21, 22}));
}

// Rootless podman 4.3 with runc, as /proc showed it on the test machine: `podman run` (the batch
// script's child) entered the rootless user and mount namespaces and catches every signal to pass
// it on; conmon (reparented to init) is the parent of the container's PID 1, an entry script
// that traps SIGTERM. podman and conmon are spared, the script and its child get the notice once.
TEST(SignalTargets, RootlessPodman) {
  auto with = [](ProcessInfo p, std::uint64_t user, std::uint64_t caught, std::uint64_t blocked) {
    p.user_ns = user;
    p.caught = caught;
    p.blocked = blocked;
    return p;
  };
  const std::vector<ProcessInfo> job{
      with(ns_proc(11, 10, "bash", {11}, 1, 4026531832), 4026531837, 0x14202, 0x10000),
      with(ns_proc(12, 11, "podman", {12}, 1, 4026532246), 4026532245, 0xfffffffd7ffbfeffULL, 0),
      with(ns_proc(13, 1, "conmon", {13}, 1, 4026532246), 4026532245, 0x4006, 0x10200),
      with(ns_proc(14, 13, "bash", {14, 1}, 2, 4026532174), 4026532245, 0x14002, 0x10000),
      with(ns_proc(15, 14, "sleep", {15, 2}, 2, 4026532174), 4026532245, 0, 0)};
  EXPECT_EQ(pids(signal_targets(job, container_scope(15))), (std::vector<pid_t>{14, 15}));
  // The same forwarder in its parent's namespaces is an ordinary process (a Go program).
  std::vector<ProcessInfo> plain = job;
  plain[1].mnt_ns = plain[0].mnt_ns;
  plain[1].user_ns = plain[0].user_ns;
  EXPECT_EQ(pids(signal_targets(plain, container_scope(15))), (std::vector<pid_t>{12, 14, 15}));
}

// Nested: a container started inside a container; every boundary and init with children is
// spared at each level.
TEST(SignalTargets, NestedContainers) {
  const std::vector<ProcessInfo> job{
      ns_proc(12, 11, "bwrap", {12}, 1, 10), ns_proc(13, 12, "bwrap", {13, 1}, 2, 20),
      ns_proc(14, 13, "bwrap", {14, 2}, 2, 20), ns_proc(15, 14, "bwrap", {15, 3, 1}, 3, 30),
      ns_proc(16, 15, "app", {16, 4, 2}, 3, 30, kTerm)};
  EXPECT_EQ(pids(signal_targets(job, container_scope(15))), (std::vector<pid_t>{16}));
}
