// NVIDIA MPS for one step on one node: a private control daemon run as the job's user, its
// readiness checked before any task starts.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gracepack/core/base/result.hpp"
#include "gracepack/core/pack/mps_share.hpp"
#include "gracepack/os/process.hpp"

namespace gracepack::os {

struct MpsRuntime {
  std::string control;                // the control program's path
  std::vector<std::string> base_env;  // PATH etc. for the daemon and its clients
  uid_t uid = 0;
  gid_t gid = 0;
  std::string cgroup;  // the step's helper cgroup (os/helper_cgroup.hpp) every process joins
};

class MpsDaemon {
 public:
  MpsDaemon() = default;
  MpsDaemon(MpsDaemon&&) = default;
  MpsDaemon& operator=(MpsDaemon&&) = default;
  ~MpsDaemon() { stop(); }

  // Creates a private directory (mode 0700, owned by the caller's effective user, normally the
  // job's), starts `control -f` in it as the user, and waits until a client gets an answer.
  static Result<MpsDaemon> start(const MpsRuntime& rt, const std::string& tag);

  const MpsShare& share() const { return share_; }
  MpsShare& share() { return share_; }
  pid_t pid() const { return daemon_.pid(); }
  // Asks the daemon to quit, kills it by pid if it does not, removes the directory as the user.
  // Only in the process that started it (a forked copy does nothing).
  void stop();
  bool owned_here() const { return owner_ == ::getpid(); }
  // Sends the daemon "quit" through its control program, from any process (slurmstepd runs
  // task_exit in a child process when the admin contains SPANK in the job's namespace); the
  // owner still reaps it and removes the directory in stop().
  void ask_to_quit() const;

 private:
  MpsRuntime rt_;
  pid_t owner_ = -1;  // slurmstepd; the tasks forked from it hold copies that must not act
  std::string dir_;
  MpsShare share_;
  Child daemon_;
};

// Whether this process sees the daemon's pipe directory as slurmstepd made it (with
// job_container/tmpfs a task has its own /tmp and may not).
Status mps_reachable(const MpsShare& share);

// A step's MPS daemon as gracepack wants it, started from what the admin and Slurm said.
struct MpsRequest {
  std::string
      control;       // mps_control: an absolute path, or a name the admin lets the job's PATH find
  std::string smi;   // nvidia_smi, likewise: reads one GPU's memory for the pinned limit
  std::string path;  // the job's PATH
  uid_t uid = 0;
  gid_t gid = 0;
  std::string tag;     // "JOB.STEP", in the private directory's name
  std::string gpu;     // one of the step's GPUs, for nvidia-smi
  std::string cgroup;  // the step's helper cgroup: the daemon, its clients and nvidia-smi join it
};
struct StepMps {
  std::optional<MpsDaemon> daemon;  // running and answering
  std::string note;                 // why there is none (shares are then advisory)
};
StepMps start_step_mps(const MpsRequest& r);

}  // namespace gracepack::os
