#include "gracepack/os/cgroups.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "gracepack/core/base/text.hpp"
#include "gracepack/os/files.hpp"
#include "gracepack/os/process.hpp"

namespace gracepack::os {
namespace {

Result<std::vector<CgroupEntry>> entries_of(const std::string& pid, const CgroupRoots& roots) {
  auto text = read_file(roots.proc + "/" + pid + "/cgroup");
  if (!text) return text.error();
  return parse_proc_cgroup(*text);
}

Status write_at(int dirfd, const char* name, const std::string& value, const std::string& dir) {
  // O_TRUNC as a shell redirection does: cgroupfs ignores it, a fixture file needs it.
  UniqueFd fd(::openat(dirfd, name, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return fail("cannot open " + dir + "/" + name + ": " + std::strerror(errno));
  if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size())) {
    return fail("cannot write " + value + " to " + dir + "/" + name + ": " + std::strerror(errno));
  }
  return Ok{};
}

Result<std::uint64_t> read_limit(int dirfd, const char* name, const std::string& dir) {
  auto text = read_small_file_at(dirfd, name, 64);
  if (!text) return fail("cannot read " + dir + "/" + name + ": " + text.error().message);
  const auto v = text::trim(*text);
  if (v == "max") return std::uint64_t{0};
  auto n = text::parse_int(v, 0, INT64_MAX);
  if (!n) return fail(dir + "/" + name + " holds '" + std::string(v) + "'");
  // v1 writes "no limit" as a page-aligned LONG_MAX.
  return *n >= (INT64_C(1) << 62) ? std::uint64_t{0} : static_cast<std::uint64_t>(*n);
}

}  // namespace

Result<CgroupPath> memory_cgroup_of(const std::string& pid, const CgroupRoots& roots) {
  auto entries = entries_of(pid, roots);
  if (!entries) return entries.error();
  auto mem = memory_cgroup(*entries);
  if (!mem) return fail("process " + pid + " has no memory cgroup");
  return *mem;
}

std::string memory_dir(const CgroupPath& p, const CgroupRoots& roots) {
  return (p.v2 ? roots.mount : roots.mount + "/memory") + p.path;
}

Status set_task_memory_limit(pid_t pid, std::uint64_t bytes, const CgroupRoots& roots) {
  auto own = memory_cgroup_of("self", roots);
  if (!own) return own.error();
  auto task = memory_cgroup_of(std::to_string(pid), roots);
  if (!task) return task.error();
  if (task->v2 != own->v2) return fail("task and slurmstepd are in different cgroup hierarchies");
  if (auto ok = task_limit_allowed(task->path, own->path); !ok) {
    return fail("task " + std::to_string(pid) + ": " + ok.error().message +
                "; not writing a limit there");
  }
  const std::string dir = memory_dir(*task, roots);
  UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dfd.valid()) return fail("cannot open " + dir + ": " + std::strerror(errno));
  const std::string value = std::to_string(bytes);
  const char* file = task->v2 ? "memory.max" : "memory.limit_in_bytes";
  if (::faccessat(dfd.get(), file, F_OK, AT_SYMLINK_NOFOLLOW) != 0) {
    return fail(dir + " has no " + file +
                " (the memory controller is not enabled there: cgroup.subtree_control of its "
                "parent lacks memory)");
  }
  if (auto st = write_at(dfd.get(), file, value, dir); !st) return st;
  // With swap accounting, memory+swap gets the same limit so the task cannot spill to swap.
  if (!task->v2 &&
      ::faccessat(dfd.get(), "memory.memsw.limit_in_bytes", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
    (void)write_at(dfd.get(), "memory.memsw.limit_in_bytes", value, dir);
  }
  auto now = read_limit(dfd.get(), file, dir);
  if (!now) return now.error();
  // The kernel rounds a limit down to whole pages.
  if (*now == 0 || *now > bytes || bytes - *now >= 65536) {
    return fail(dir + "/" + file + " reads " + std::to_string(*now) + " after writing " + value);
  }
  return Ok{};
}

Result<std::uint64_t> own_memory_limit(const CgroupRoots& roots) {
  auto own = memory_cgroup_of("self", roots);
  if (!own) return own.error();
  const std::string dir = memory_dir(*own, roots);
  UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dfd.valid()) return fail("cannot open " + dir + ": " + std::strerror(errno));
  return read_limit(dfd.get(), own->v2 ? "memory.max" : "memory.limit_in_bytes", dir);
}

MemoryCheck enforce_task_memory(std::uint64_t share) {
  if (share == 0) return {};
  auto have = own_memory_limit();
  if (have && cgroup_enforces(share, *have)) return {MemoryEnforcement::Cgroup, ""};
  const std::string why = have ? "the task's cgroup limit is " +
                                     (*have ? text::format_size(*have) : std::string("unlimited")) +
                                     ", not its share of " + text::format_size(share)
                               : have.error().message;
  if (set_data_rlimit(share)) {
    return {MemoryEnforcement::Rlimit, "RLIMIT_DATA instead of a cgroup limit: " + why};
  }
  return {MemoryEnforcement::None, why};
}

Result<JobCgroups> own_job_cgroups(const CgroupRoots& roots) {
  auto entries = entries_of("self", roots);
  if (!entries) return entries.error();
  auto cg = proctrack_cgroup(*entries);
  if (!cg) return fail("no freezer or unified cgroup in /proc/self/cgroup");
  auto step = step_cgroup(cg->path);
  if (!step) return fail("not inside a Slurm step's cgroup: " + cg->path);
  const std::string mount = cg->v2 ? roots.mount : roots.mount + "/freezer";
  return JobCgroups{mount + step->job, mount + step->step, cg->v2};
}

std::vector<std::string> subdirs(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      if (e->d_type == DT_DIR && e->d_name[0] != '.') out.emplace_back(e->d_name);
    }
    ::closedir(d);
  }
  return out;
}

}  // namespace gracepack::os

namespace gracepack::os {}  // namespace gracepack::os
