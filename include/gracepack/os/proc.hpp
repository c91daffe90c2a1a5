// Processes as /proc and the cgroup tree show them, and signals sent through pidfds so that a pid
// reused between reading and signalling is never hit. Readers take their roots for tests.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gracepack/core/preempt/watcher_logic.hpp"
#include "gracepack/os/files.hpp"

namespace gracepack::os {

// pid, parent, real uid, names and start time; nullopt when the process is gone.
std::optional<ProcessInfo> read_process(pid_t pid, const std::string& proc_root = "/proc");

// Every process in the cgroup directory `dir` and below it, with `step` as its step name.
std::vector<ProcessInfo> processes_in(const std::string& dir, const std::string& step,
                                      const std::string& proc_root = "/proc");

// Exactly the process `p` describes (same start time): a pidfd on it where the kernel has them
// (pidfd_open 5.3, pidfd_send_signal 5.1), so that a pid reused between reading and signalling is
// never hit; on older kernels the pid, its start time checked again just before each signal (a
// window of microseconds). An error when it is gone.
struct ProcessHandle {
  UniqueFd pidfd;  // invalid: the kernel has no pidfd_open
  ProcessInfo info;
};
Result<ProcessHandle> open_process(const ProcessInfo& p, const std::string& proc_root = "/proc");
Status signal_process(const ProcessHandle& h, int sig, const std::string& proc_root = "/proc");
// Returns once the process has exited: poll(2) on its pidfd, else its start time read every
// 100 ms.
void wait_for_exit(const ProcessHandle& h, const std::string& proc_root = "/proc");

// In slurmstepd: the step's socket that this process holds open
// (<SlurmdSpoolDir>/<node>_<job>.<step>), as getsockname(2) names it: its directory, and this
// node's name as slurmd gave it to slurmstepd, which no job can choose; nullopt when there is
// none. (/proc/net/unix is not read: a user's socket path there can forge lines.)
struct StepdSocket {
  std::string dir;
  std::string node;
};
std::optional<StepdSocket> stepd_socket(std::uint32_t job, std::uint32_t step,
                                        const std::string& proc_root = "/proc");

// This process's arguments after the program's name (/proc/self/cmdline).
std::vector<std::string> own_arguments();

}  // namespace gracepack::os
