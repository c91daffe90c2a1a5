// Slurm's cgroups as this node has them (v1 or v2), seen through /proc/<pid>/cgroup: a packed
// task's memory limit, and the job's and step's directories. Roots are parameters for tests on
// fixture trees.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "gracepack/core/base/cgroup_path.hpp"
#include "gracepack/core/base/result.hpp"
#include "gracepack/core/pack/task_env.hpp"

namespace gracepack::os {

struct CgroupRoots {
  std::string mount = "/sys/fs/cgroup";
  std::string proc = "/proc";
};

// The memory cgroup of `pid` ("self" for the caller).
Result<CgroupPath> memory_cgroup_of(const std::string& pid, const CgroupRoots& roots = {});
// The directory of a cgroup path in the hierarchy that holds it.
std::string memory_dir(const CgroupPath& p, const CgroupRoots& roots = {});

// Writes `bytes` as the memory limit of task `pid`'s own cgroup, refused unless that cgroup is in
// the caller's (slurmstepd's) step and not slurmstepd's own (core::task_limit_allowed); v1 also
// limits memory+swap when swap is accounted. Reads the limit back. Runs as root in slurmstepd.
Status set_task_memory_limit(pid_t pid, std::uint64_t bytes, const CgroupRoots& roots = {});

// The memory limit of the caller's own cgroup: 0 when unlimited; an error says why it is unknown.
Result<std::uint64_t> own_memory_limit(const CgroupRoots& roots = {});

// In a packed task: whether its cgroup holds its share (root wrote it in task_post_fork), else
// RLIMIT_DATA with the reason (never RLIMIT_AS, which breaks CUDA).
MemoryCheck enforce_task_memory(std::uint64_t share);

// The caller's job and step directories in the hierarchy proctrack uses (v1 freezer, else v2).
struct JobCgroups {
  std::string job;   // /sys/fs/cgroup/freezer/slurm_n/uid_1/job_5
  std::string step;  // .../job_5/step_batch
  bool v2 = false;
};
Result<JobCgroups> own_job_cgroups(const CgroupRoots& roots = {});

// The names of `dir`'s sub-directories.
std::vector<std::string> subdirs(const std::string& dir);

}  // namespace gracepack::os
