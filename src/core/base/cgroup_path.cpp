#include "gracepack/core/base/cgroup_path.hpp"

#include "gracepack/core/base/text.hpp"

namespace gracepack {

Result<std::vector<CgroupEntry>> parse_proc_cgroup(std::string_view text) {
  std::vector<CgroupEntry> out;
  for (std::string_view line : text::split(text, '\n')) {
    if (line.empty()) continue;
    const auto a = line.find(':');
    const auto b = a == std::string_view::npos ? a : line.find(':', a + 1);
    if (b == std::string_view::npos)
      return fail("not a /proc/<pid>/cgroup line: '" + std::string(line) + "'");
    CgroupEntry e{std::string(line.substr(0, a)), std::string(line.substr(a + 1, b - a - 1)),
                  std::string(line.substr(b + 1))};
    if (e.path.empty() || e.path.front() != '/') {
      return fail("not a /proc/<pid>/cgroup line: '" + std::string(line) + "'");
    }
    out.push_back(std::move(e));
  }
  return out;
}

namespace {

// The v1 hierarchy that has `controller`, else the v2 unified hierarchy.
std::optional<CgroupPath> hierarchy_with(const std::vector<CgroupEntry>& entries,
                                         std::string_view controller) {
  for (const auto& e : entries) {
    for (auto c : text::split(e.controllers, ',')) {
      if (c == controller) return CgroupPath{false, e.path};
    }
  }
  for (const auto& e : entries) {
    if (e.hierarchy == "0" && e.controllers.empty()) return CgroupPath{true, e.path};
  }
  return std::nullopt;
}

}  // namespace

std::optional<CgroupPath> memory_cgroup(const std::vector<CgroupEntry>& entries) {
  return hierarchy_with(entries, "memory");
}

std::optional<CgroupPath> proctrack_cgroup(const std::vector<CgroupEntry>& entries) {
  return hierarchy_with(entries, "freezer");
}

bool job_cgroup_name(std::string_view name) {
  if (name.rfind("job_", 0) == 0) {
    return name.size() > 4 && text::parse_int(name.substr(4), 1, UINT32_MAX).has_value();
  }
  constexpr std::string_view kCb32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZabcdefghjkmnpqrstvwxyz";
  return name.size() == 14 && name[0] == 's' &&
         name.substr(1).find_first_not_of(kCb32) == std::string_view::npos;
}

std::optional<StepCgroup> step_cgroup(std::string_view path) {
  const auto parts = text::split(path, '/');
  std::string prefix;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].rfind("step_", 0) == 0 && parts[i].size() > 5 && !prefix.empty() &&
        job_cgroup_name(parts[i - 1])) {
      return StepCgroup{prefix, prefix + "/" + std::string(parts[i])};
    }
    prefix += "/" + std::string(parts[i]);
  }
  return std::nullopt;
}

Status task_limit_allowed(std::string_view task, std::string_view stepd) {
  const auto own = step_cgroup(stepd);
  const auto mine = step_cgroup(task);
  const std::string shown = "task cgroup " + std::string(task);
  if (!own) return fail("slurmstepd is not in a step's cgroup (" + std::string(stepd) + ")");
  if (!mine || mine->step != own->step || !strictly_below(task, own->step)) {
    return fail(shown + " is not below the step's " + own->step);
  }
  if (stepd != own->step && (task == stepd || strictly_below(task, stepd))) {
    return fail(shown + " is slurmstepd's own");
  }
  return Ok{};
}

std::string step_dir_name(std::uint32_t step_id) {
  switch (step_id) {
    case 0xfffffffbU:
      return "step_batch";
    case 0xfffffffcU:
      return "step_extern";
    case 0xfffffffaU:
      return "step_interactive";
    default:
      return "step_" + std::to_string(step_id);
  }
}

std::optional<std::string> helper_cgroup(const CgroupPath& stepd, std::string_view step_dir) {
  if (step_dir.rfind("step_", 0) != 0 || step_dir.find('/') != std::string_view::npos)
    return std::nullopt;
  if (stepd.v2) {
    const auto step = step_cgroup(stepd.path);
    if (!step) return std::nullopt;
    return step->step + "/user/" + std::string(kHelperCgroup);
  }
  // v1: the job's freezer cgroup (Slurm keeps slurmstepd there), or a step's when a site put it
  // there.
  if (const auto step = step_cgroup(stepd.path))
    return step->job + "/" + std::string(step_dir) + "/" + std::string(kHelperCgroup);
  const auto slash = stepd.path.rfind('/');
  if (slash == std::string::npos ||
      !job_cgroup_name(std::string_view(stepd.path).substr(slash + 1)))
    return std::nullopt;
  return stepd.path + "/" + std::string(step_dir) + "/" + std::string(kHelperCgroup);
}

bool job_task_cgroup(std::string_view rel, bool v2) {
  // A task's own sub-cgroups (a container runtime's, say) stay the task's.
  if (v2) return rel.rfind("user/task_", 0) == 0;
  const bool helper = rel.substr(0, rel.find('/')) == kHelperCgroup;
  return !helper;
}

bool strictly_below(std::string_view child, std::string_view parent) {
  for (auto p : {child, parent}) {
    if (p.empty() || p.front() != '/' || p.find("/../") != std::string_view::npos ||
        p.find("//") != std::string_view::npos ||
        p.substr(p.size() >= 3 ? p.size() - 3 : 0) == "/..") {
      return false;
    }
  }
  if (parent == "/") return child.size() > 1;
  return child.size() > parent.size() + 1 && child.substr(0, parent.size()) == parent &&
         child[parent.size()] == '/';
}

}  // namespace gracepack
