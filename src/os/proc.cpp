#include "gracepack/os/proc.hpp"

#include <dirent.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstring>

#include "gracepack/core/base/proc_text.hpp"
#include "gracepack/core/base/text.hpp"

namespace gracepack::os {
namespace {

std::optional<ProcStat> stat_of(pid_t pid, const std::string& proc_root) {
  auto text = read_file(proc_root + "/" + std::to_string(pid) + "/stat");
  return text ? parse_proc_stat(*text) : std::nullopt;
}

// The namespace's inode (stat follows the /proc/<pid>/ns link, which the kernel allows to the
// process's owner while it is dumpable); 0 where it cannot be read.
std::uint64_t namespace_id(pid_t pid, const char* kind, const std::string& proc_root) {
  struct stat st {};
  const std::string path = proc_root + "/" + std::to_string(pid) + "/ns/" + kind;
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<std::uint64_t>(st.st_ino);
}

void collect(const std::string& dir, const std::string& rel, const std::string& step,
             const std::string& proc_root, int depth, std::vector<ProcessInfo>& out) {
  if (depth > 16) return;
  if (auto procs = read_file(dir + "/cgroup.procs")) {
    for (auto line : text::split(*procs, '\n')) {
      auto pid = text::parse_int(text::trim(line), 1, INT32_MAX);
      if (!pid) continue;
      if (auto p = read_process(static_cast<pid_t>(*pid), proc_root)) {
        p->step = step;
        p->cgroup = rel;
        out.push_back(std::move(*p));
      }
    }
  }
  if (DIR* d = ::opendir(dir.c_str())) {
    std::vector<std::string> subs;
    while (dirent* e = ::readdir(d)) {
      if (e->d_type == DT_DIR && e->d_name[0] != '.') subs.emplace_back(e->d_name);
    }
    ::closedir(d);
    for (const auto& s : subs)
      collect(dir + "/" + s, rel.empty() ? s : rel + "/" + s, step, proc_root, depth + 1, out);
  }
}

}  // namespace

std::optional<ProcessInfo> read_process(pid_t pid, const std::string& proc_root) {
  auto st = stat_of(pid, proc_root);
  if (!st) return std::nullopt;
  auto status = read_file(proc_root + "/" + std::to_string(pid) + "/status");
  auto uid = status ? parse_status_uid(*status) : std::nullopt;
  if (!uid) return std::nullopt;
  ProcessInfo p;
  p.pid = pid;
  p.ppid = st->ppid;
  p.uid = *uid;
  p.comm = st->comm;
  p.start = st->start;
  p.nspid = parse_status_nspid(*status);
  p.caught = parse_status_caught(*status);
  p.blocked = parse_status_blocked(*status);
  p.pid_ns = namespace_id(pid, "pid", proc_root);
  p.mnt_ns = namespace_id(pid, "mnt", proc_root);
  p.user_ns = namespace_id(pid, "user", proc_root);
  if (st->ppid > 0) {
    if (auto parent = stat_of(st->ppid, proc_root)) p.parent_comm = parent->comm;
  }
  return p;
}

std::vector<ProcessInfo> processes_in(const std::string& dir, const std::string& step,
                                      const std::string& proc_root) {
  std::vector<ProcessInfo> out;
  collect(dir, "", step, proc_root, 0, out);
  return out;
}

Result<ProcessHandle> open_process(const ProcessInfo& p, const std::string& proc_root) {
  ProcessHandle h{UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, p.pid, 0))), p};
  if (!h.pidfd.valid() && errno != ENOSYS)
    return fail("pidfd_open(" + std::to_string(p.pid) + "): " + std::strerror(errno));
  // The pid may have been reused since it was read: the handle must name the same process.
  auto now = stat_of(p.pid, proc_root);
  if (!now || now->start != p.start) return fail("process " + std::to_string(p.pid) + " is gone");
  return h;
}

Status signal_process(const ProcessHandle& h, int sig, const std::string& proc_root) {
  if (h.pidfd.valid()) {
    if (::syscall(SYS_pidfd_send_signal, h.pidfd.get(), sig, nullptr, 0) == 0) return Ok{};
    if (errno != ENOSYS) return fail(std::string("pidfd_send_signal: ") + std::strerror(errno));
  }
  auto now = stat_of(h.info.pid, proc_root);
  if (!now || now->start != h.info.start)
    return fail("process " + std::to_string(h.info.pid) + " is gone");
  if (::kill(h.info.pid, sig) != 0) return fail(std::string("kill: ") + std::strerror(errno));
  return Ok{};
}

void wait_for_exit(const ProcessHandle& h, const std::string& proc_root) {
  if (h.pidfd.valid()) {
    pollfd p{h.pidfd.get(), POLLIN, 0};
    while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
    }
    return;
  }
  while (true) {
    auto now = stat_of(h.info.pid, proc_root);
    if (!now || now->start != h.info.start) return;
    ::usleep(100000);
  }
}

std::optional<StepdSocket> stepd_socket(std::uint32_t job, std::uint32_t step,
                                        const std::string& proc_root) {
  // The kernel's own word on each socket this process holds (getsockname), never the text of
  // /proc/net/unix, where any user's socket path can add lines.
  const std::string fds = proc_root + "/self/fd";
  DIR* d = ::opendir(fds.c_str());
  if (!d) return std::nullopt;
  std::optional<StepdSocket> found;
  while (dirent* e = ::readdir(d)) {
    auto fd = text::parse_int(e->d_name, 0, INT32_MAX);
    if (!fd || *fd == ::dirfd(d)) continue;
    struct stat st {};
    if (::fstat(static_cast<int>(*fd), &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    sockaddr_un addr{};
    socklen_t len = sizeof addr;
    if (::getsockname(static_cast<int>(*fd), reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
        addr.sun_family != AF_UNIX || len <= offsetof(sockaddr_un, sun_path) ||
        addr.sun_path[0] != '/')
      continue;
    const std::string path(addr.sun_path,
                           ::strnlen(addr.sun_path, len - offsetof(sockaddr_un, sun_path)));
    const auto slash = path.rfind('/');
    if (auto node = stepd_socket_node(path, job, step)) {
      found = StepdSocket{path.substr(0, slash), *node};
      break;
    }
  }
  ::closedir(d);
  return found;
}

std::vector<std::string> own_arguments() {
  std::vector<std::string> args;
  auto cmdline = read_file("/proc/self/cmdline");
  if (!cmdline) return args;
  for (auto a : text::split(*cmdline, '\0')) args.emplace_back(a);
  if (!args.empty()) args.erase(args.begin());                // the program
  if (!args.empty() && args.back().empty()) args.pop_back();  // after the final NUL
  return args;
}

}  // namespace gracepack::os
