// Cgroup membership as /proc/<pid>/cgroup states it (pure parsing; the I/O is in os/).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gracepack/result.hpp"

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

// For a path inside a step's cgroup (".../job_5/step_batch/task_0"), the job's cgroup
// (".../job_5") and the step's (".../job_5/step_batch"); nullopt outside a step.
struct StepCgroup {
  std::string job;
  std::string step;
};
std::optional<StepCgroup> step_cgroup(std::string_view path);

// True when `child` is strictly below `parent` (both cgroup paths, no "..", no "//").
bool strictly_below(std::string_view child, std::string_view parent);

}  // namespace gracepack
