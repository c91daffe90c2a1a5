#include "gracepack/os/proc.hpp"

#include <dirent.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "gracepack/core/proc_text.hpp"
#include "gracepack/core/text.hpp"

namespace gracepack::os {
namespace {

std::optional<ProcStat> stat_of(pid_t pid, const std::string& proc_root) {
  auto text = read_file(proc_root + "/" + std::to_string(pid) + "/stat");
  return text ? parse_proc_stat(*text) : std::nullopt;
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
  std::vector<unsigned long long> inodes;
  const std::string fds = proc_root + "/self/fd";
  if (DIR* d = ::opendir(fds.c_str())) {
    while (dirent* e = ::readdir(d)) {
      char target[64];
      const std::string link = fds + "/" + e->d_name;
      const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
      if (n <= 0) continue;
      const std::string_view t(target, static_cast<std::size_t>(n));
      if (t.rfind("socket:[", 0) != 0 || t.back() != ']') continue;
      if (auto i = text::parse_int(t.substr(8, t.size() - 9), 0, INT64_MAX))
        inodes.push_back(static_cast<unsigned long long>(*i));
    }
    ::closedir(d);
  }
  auto sockets = read_file(proc_root + "/self/net/unix");
  if (inodes.empty() || !sockets) return std::nullopt;
  for (const std::string& path : unix_socket_paths(*sockets, inodes)) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) continue;
    if (auto node = stepd_socket_node(path, job, step))
      return StepdSocket{path.substr(0, slash), *node};
  }
  return std::nullopt;
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
