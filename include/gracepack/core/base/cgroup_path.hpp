// Cgroup membership as /proc/<pid>/cgroup states it (pure parsing; the I/O is in os/).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gracepack/core/base/result.hpp"

namespace gracepack {

struct CgroupEntry {
  std::string hierarchy;    // "4", or "0" for the v2 unified hierarchy
  std::string controllers;  // "memory", "cpu,cpuacct", "" for v2
  std::string path;         // "/slurm_node/uid_1000/job_5/step_0/task_1"
};

Result<std::vector<CgroupEntry>> parse_proc_cgroup(std::string_view text);

// A cgroup path and the hierarchy it is in (v1 or the v2 unified one).
struct CgroupPath {
  bool v2 = false;
  std::string path;
};

// Where a process's memory is accounted: the v1 memory hierarchy's path, else the v2 path.
std::optional<CgroupPath> memory_cgroup(const std::vector<CgroupEntry>& entries);

// Where proctrack/cgroup keeps a process: the v1 freezer hierarchy's path, else the v2 path.
std::optional<CgroupPath> proctrack_cgroup(const std::vector<CgroupEntry>& entries);

// For a path inside a step's cgroup, the job's cgroup and the step's: ".../job_5/step_batch/task_0"
// (cgroup v1), ".../job_5/step_0/user/task_1" (v2) and ".../s39XM8MSE2QC00/step_0/..." (v2 from
// Slurm 26.05, where a job's cgroup is named after its SLUID); nullopt outside a step.
struct StepCgroup {
  std::string job;
  std::string step;
};
std::optional<StepCgroup> step_cgroup(std::string_view path);

// The directory Slurm names after a step: step_batch, step_extern, step_interactive, step_<id>.
std::string step_dir_name(std::uint32_t step_id);

// Where gracepack keeps the helpers it starts inside a step (the MPS control daemon and its
// clients, nvidia-smi, rm), as a path in the proctrack hierarchy, from slurmstepd's own place
// there: on v2 slurmstepd sits in <step>/slurm and the helpers go to <step>/user/gracepack, below
// user/, which Slurm's final cgroup.kill reaches; on v1 Slurm keeps slurmstepd in the job's
// freezer cgroup and the helpers go to <job>/<step_dir>/gracepack. nullopt outside a job.
std::optional<std::string> helper_cgroup(const CgroupPath& stepd, std::string_view step_dir);
inline constexpr std::string_view kHelperCgroup = "gracepack";

// Whether a process found at `rel` below a step's directory in the proctrack hierarchy is one
// of the job's own (a task or its descendant) and not Slurm's or gracepack's helper: v2 below
// user/task_*, never slurm/ (slurmstepd) nor user/gracepack; v1 the step's directory and any
// sub-cgroup but gracepack's (a container runtime moves its container into one of its own: runc
// with podman's cgroupfs manager makes <step>/<container id>, seen on 22.05).
bool job_task_cgroup(std::string_view rel, bool v2);

// True when `child` is strictly below `parent` (both cgroup paths, no "..", no "//").
bool strictly_below(std::string_view child, std::string_view parent);

// A job's cgroup directory name: "job_<id>" or a SLUID ("s" and 13 Crockford base32 digits).
bool job_cgroup_name(std::string_view name);

// Whether root may write a memory limit into `task` (a packed task's cgroup), seen from
// slurmstepd's own cgroup `stepd`: both in the same step, the task strictly below the step and
// not in slurmstepd's own leaf (v2: step_N/slurm, where the tasks are in step_N/user/task_M; v1:
// slurmstepd sits in step_N itself, the tasks in step_N/task_M).
Status task_limit_allowed(std::string_view task, std::string_view stepd);

}  // namespace gracepack
