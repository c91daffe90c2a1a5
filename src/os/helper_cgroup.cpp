#include "gracepack/os/helper_cgroup.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "gracepack/core/base/cgroup_path.hpp"
#include "gracepack/core/base/text.hpp"
#include "gracepack/os/files.hpp"

namespace gracepack::os {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<pid_t> listed(const std::string& dir, bool& gone) {
  std::vector<pid_t> pids;
  auto text = read_file(dir + "/cgroup.procs");
  gone = !text && ::access(dir.c_str(), F_OK) != 0;
  if (!text) return pids;
  for (auto line : text::split(*text, '\n')) {
    if (auto pid = text::parse_int(text::trim(line), 1, INT32_MAX))
      pids.push_back(static_cast<pid_t>(*pid));
  }
  return pids;
}

bool write_value(const std::string& path, std::string_view value) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC));
  return fd.valid() &&
         ::write(fd.get(), value.data(), value.size()) == static_cast<ssize_t>(value.size());
}

// Without cgroup.kill: a pidfd pins the process that holds each pid now; the pids still listed
// after that are in the helper cgroup (a reused pid would be elsewhere). Without pidfds (before
// 5.3) the pid itself, read from the cgroup just before.
void kill_listed(const std::string& dir, const std::vector<pid_t>& pids) {
  std::vector<std::pair<pid_t, UniqueFd>> pinned;
  for (pid_t pid : pids)
    pinned.emplace_back(pid, UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))));
  bool gone = false;
  const auto now = listed(dir, gone);
  for (auto& [pid, fd] : pinned) {
    if (std::find(now.begin(), now.end(), pid) == now.end()) continue;
    if (!fd.valid() || ::syscall(SYS_pidfd_send_signal, fd.get(), SIGKILL, nullptr, 0) != 0) {
      if (errno == ENOSYS || !fd.valid()) ::kill(pid, SIGKILL);
    }
  }
}

// v1: frozen, nothing in the cgroup can fork while it is signalled; the signals land at the thaw.
void kill_frozen_v1(const std::string& dir, Clock::time_point deadline) {
  const std::string state = dir + "/freezer.state";
  if (!write_value(state, "FROZEN")) return;
  while (Clock::now() < deadline) {
    auto s = read_file(state);
    if (!s || text::trim(*s) == "FROZEN") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  bool gone = false;
  kill_listed(dir, listed(dir, gone));
  write_value(state, "THAWED");
}

}  // namespace

Result<HelperCgroup> helper_cgroup_of_step(const std::string& step_dir, const CgroupRoots& roots) {
  auto text = read_file(roots.proc + "/self/cgroup");
  if (!text) return text.error();
  auto entries = parse_proc_cgroup(*text);
  if (!entries) return entries.error();
  auto own = proctrack_cgroup(*entries);
  if (!own) return fail("slurmstepd has no freezer or unified cgroup");
  auto path = helper_cgroup(*own, step_dir);
  if (!path) return fail("slurmstepd's cgroup " + own->path + " is not a job's");
  return HelperCgroup{(own->v2 ? roots.mount : roots.mount + "/freezer") + *path, own->v2};
}

Status end_helpers(const HelperCgroup& cg, std::chrono::milliseconds bound) {
  if (cg.dir.empty()) return Ok{};
  const auto deadline = Clock::now() + bound;
  const bool has_kill = cg.v2 && ::access((cg.dir + "/cgroup.kill").c_str(), F_OK) == 0;
  while (true) {
    bool gone = false;
    const auto pids = listed(cg.dir, gone);
    if (gone) return Ok{};
    if (pids.empty()) break;
    if (Clock::now() >= deadline) {
      return fail("helper processes still in " + cg.dir + " after " +
                  std::to_string(bound.count()) + " ms");
    }
    if (has_kill) {
      write_value(cg.dir + "/cgroup.kill", "1");
    } else if (cg.v2) {
      kill_listed(cg.dir, pids);
    } else {
      kill_frozen_v1(cg.dir, deadline);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (::rmdir(cg.dir.c_str()) != 0 && errno != ENOENT)
    return fail("cannot remove " + cg.dir + ": " + std::strerror(errno));
  return Ok{};
}

}  // namespace gracepack::os
