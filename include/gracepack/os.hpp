// Adapters to the kernel: files, CPU topology, affinity, memory cgroups and limits. Everything
// that touches /proc, /sys or a syscall for the packing path is here, behind plain values.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gracepack/plan.hpp"
#include "gracepack/result.hpp"

namespace gracepack::os {

// Reads a whole (small) file without following a symlink in its last component.
Result<std::string> read_file(const std::string& path);

// An exclusive flock on `path` (created 0600 if missing, never through a link). Returns the
// descriptor that holds it until closed or the process exits, or -1 when another process holds it.
Result<int> try_lock(const std::string& path);
// Whether another process holds that lock now (nothing is kept).
bool lock_held(const std::string& path);

// The CPUs this process may run on (in slurmstepd: the step's cpuset).
Result<std::vector<int>> allowed_cpus();
Status set_affinity(const std::vector<int>& cpus);

// Core and NUMA node of each CPU, from sysfs under `sys_root` (normally "/sys").
std::vector<Cpu> describe_cpus(const std::vector<int>& ids, const std::string& sys_root = "/sys");

// Fills in each GPU's nearby CPUs: from the admin's map (GPU id -> CPUs) first, else from the
// NVIDIA driver's PCI address and sysfs local_cpulist/numa_node. Unknown stays empty.
void add_gpu_locality(std::vector<Gpu>& gpus,
                      const std::map<std::string, std::vector<int>>& admin_map,
                      const std::string& sys_root = "/sys", const std::string& proc_root = "/proc");

// Writes `bytes` as the memory limit of task `pid`'s own memory cgroup. Refuses unless that
// cgroup lies strictly below the caller's own (slurmstepd's step cgroup), so nothing outside the
// step is ever written. Runs as root in slurmstepd.
Status set_task_memory_limit(pid_t pid, std::uint64_t bytes);

// The memory limit of this process's own cgroup (0 when unlimited or unknown).
std::uint64_t own_memory_limit();

Status set_data_rlimit(std::uint64_t bytes);

// The cgroup directories (absolute) of this process's job and step, as proctrack keeps them.
struct JobCgroups {
  std::string job;   // /sys/fs/cgroup/freezer/slurm_n/uid_1/job_5
  std::string step;  // .../job_5/step_batch
};
Result<JobCgroups> own_job_cgroups();

// Every process in `dir` and its sub-cgroups.
std::vector<pid_t> pids_in_tree(const std::string& dir);
// The names of `dir`'s sub-directories.
std::vector<std::string> subdirs(const std::string& dir);
// /proc/<pid>/comm, "" when gone.
std::string process_name(pid_t pid);

}  // namespace gracepack::os
