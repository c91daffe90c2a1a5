// What the watcher decides, kept apart from how it reads /proc and cgroups so that it is tested
// on made-up process lists: which process is Slurm's extern placeholder (the one whose death
// means "the job was signalled"), which processes get the notice signal, and what a wake-up or a
// poll means.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gracepack/core/preempt/job.hpp"
#include "gracepack/core/preempt/policy.hpp"

namespace gracepack {

struct ProcessInfo {
  pid_t pid = 0;
  pid_t ppid = 0;
  uid_t uid = 0;
  std::string comm;
  std::string parent_comm;
  std::string step;    // the step cgroup it lives in: "step_batch", "step_extern", "step_0"
  std::string cgroup;  // its cgroup below the step's: "user/task_0" (v2), "" (v1), "slurm"
  unsigned long long start = 0;  // start time in clock ticks (/proc/<pid>/stat), against pid reuse
  // Its pid in each PID namespace from the reader's down (/proc/<pid>/status "NSpid"; empty: not
  // shown), the inodes of its PID, mount and user namespaces (0: not readable) and the signals it
  // has handlers for and blocks (bit N-1: signal N): what tells a container runtime's processes
  // apart.
  std::vector<pid_t> nspid;
  std::uint64_t pid_ns = 0, mnt_ns = 0, user_ns = 0;
  std::uint64_t caught = 0, blocked = 0;
  bool operator==(const ProcessInfo&) const = default;
};

// The process whose death means "Slurm signalled the job": Slurm's placeholder in the extern step
// (PrologFlags=Contain; up to 24.11), a root process whose parent is the extern slurmstepd, never
// slurmstepd itself (on cgroup v2 it is listed first) nor an adopted ssh session
// (pam_slurm_adopt: the user's, parent sshd). nullopt where there is none (no extern step, or
// Slurm 25.05 and later, which run no placeholder: the watcher polls slurmctld there).
std::optional<ProcessInfo> find_placeholder(const std::vector<ProcessInfo>& extern_step);

struct SignalScope {
  pid_t self = 0;             // the watcher
  pid_t shell = 0;            // the batch shell as the plugin saw it (0: unknown)
  uid_t uid = 0;              // the job's user
  bool notify_shell = false;  // the admin asked to signal the batch shell too
  bool other_steps = false;   // srun steps too (the notice signal is not Slurm's SIGTERM)
  bool v2 = false;            // the cgroup hierarchy the processes were found in
  int signal = 15;            // the notice signal
  std::size_t ns_depth = 0;   // PID namespaces above and at the watcher's ("NSpid"; 0: unknown)
};

// The processes that get the notice signal: the job user's processes in the task cgroups of the
// batch step (and of the srun steps with other_steps), never slurmstepd's own cgroup or
// gracepack's helpers (an MPS daemon: core::job_task_cgroup), never the batch shell unless
// notify_shell (it is the direct child of the batch slurmstepd, whoever started the watcher),
// srun clients, Slurm's processes or a watcher, nor a container runtime's plumbing
// (core::runtime_plumbing).
std::vector<ProcessInfo> signal_targets(const std::vector<ProcessInfo>& job_processes,
                                        const SignalScope& scope);

enum class WakeVerdict { Deliver, KeepWatching, Stop };
struct Wake {
  WakeVerdict verdict = WakeVerdict::KeepWatching;
  Cause cause = Cause::Running;
};
// After the placeholder died or at a poll: deliver the notice (this run is being preempted),
// keep watching (still running: a signal such as scancel --signal=USR1, or a gang suspension), or
// stop (the job is ending for another reason: scancel, time limit, its end).
Wake judge_wake(const JobRecord& job);

}  // namespace gracepack
