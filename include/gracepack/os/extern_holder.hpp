// gracepack's stand-in for the extern step's placeholder, for releases where Slurm runs none
// (25.05 and later): a process of the job's user in the extern step's cgroup, so that Slurm's
// signals to the extern step (SIGTERM at grace start) end it, and its end wakes the watcher.
#pragma once

#include <string>

#include "gracepack/core/result.hpp"
#include "gracepack/os/process.hpp"

namespace gracepack::os {

// Starts `argv` (gracepack-watcher --hold SLURMSTEPD_PID) as `as`, detached, and moves it into the
// extern step's slurmstepd leaf (cgroup v2: step_extern/slurm, whose processes Slurm signals with
// the step's). It ends when signalled or when the slurmstepd that started it ends.
// Refused, and nothing left running, on cgroup v1 (a child of slurmstepd would sit outside the
// step) or without an extern step.
Status start_extern_holder(const std::vector<std::string>& argv, const RunAs& as);

}  // namespace gracepack::os
