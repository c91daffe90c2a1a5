// CPUs and GPUs of this node as the kernel and the NVIDIA driver describe them, and the calling
// thread's CPU affinity. Readers take the /sys and /proc roots so tests run on fixture trees.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "gracepack/core/base/result.hpp"
#include "gracepack/core/pack/plan.hpp"

namespace gracepack::os {

// The CPUs this process may run on (in slurmstepd: the step's cpuset; in a task: the CPUs Slurm's
// task/affinity bound it to), for any number of CPUs.
Result<std::vector<int>> allowed_cpus();
Status set_affinity(const std::vector<int>& cpus);

// Core and NUMA node of each CPU, from sysfs under `sys_root`. SMT siblings share a core id;
// unknown topology makes every CPU its own core.
std::vector<Cpu> describe_cpus(const std::vector<int>& ids, const std::string& sys_root = "/sys");

// Fills in each GPU's nearby CPUs: from the admin's map (GPU id -> CPUs) first, else from the
// NVIDIA driver's PCI address and sysfs local_cpulist/numa_node. Unknown stays empty.
void add_gpu_locality(std::vector<Gpu>& gpus,
                      const std::map<std::string, std::vector<int>>& admin_map,
                      const std::string& sys_root = "/sys", const std::string& proc_root = "/proc");

// Adds what the kernel knows to what Slurm said of the step: its CPUs (the step's cpuset, with
// cores and NUMA nodes) and each GPU's nearby CPUs.
Status complete_node_facts(NodeFacts& node,
                           const std::map<std::string, std::vector<int>>& gpu_cpus);

}  // namespace gracepack::os
