// The cgroup of the helpers gracepack starts inside a step (the MPS control daemon and its
// clients, nvidia-smi, rm): every helper joins it before it runs (SpawnOptions::cgroup), so its
// descendants stay there whatever they do (setsid, double fork), and end_helpers() ends them all
// with the step's last task. Where it is and why: core/base/cgroup_path.hpp (helper_cgroup).
#pragma once

#include <chrono>
#include <string>

#include "gracepack/core/base/result.hpp"
#include "gracepack/os/cgroups.hpp"

namespace gracepack::os {

struct HelperCgroup {
  std::string dir;  // /sys/fs/cgroup/.../step_0/user/gracepack (v2), .../freezer/.../gracepack (v1)
  bool v2 = false;
};

// slurmstepd's helper cgroup for its step `step_dir` ("step_0"), from its own /proc/self/cgroup.
// Not created here: the first helper makes it.
Result<HelperCgroup> helper_cgroup_of_step(const std::string& step_dir,
                                           const CgroupRoots& roots = {});

// Ends every process in the helper cgroup and removes it, within `bound`: v2 cgroup.kill (kernel
// 5.14; before it, SIGKILL through a pidfd to each process still listed there), v1 frozen first so
// that nothing forks or exits while it is signalled. Root. A missing cgroup is nothing to do.
Status end_helpers(const HelperCgroup& cg, std::chrono::milliseconds bound);

}  // namespace gracepack::os
