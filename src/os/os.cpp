#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "gracepack/cgroup.hpp"
#include "gracepack/cpuset.hpp"
#include "gracepack/os.hpp"
#include "gracepack/text.hpp"

namespace gracepack::os {
namespace {

class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_;
};

std::string errno_text() {
  return std::strerror(errno);
}

Result<std::string> read_fd(int fd, const std::string& what) {
  std::string out;
  char buf[4096];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot read " + what + ": " + errno_text());
    if (n == 0) return out;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > (1u << 20)) return fail(what + " is larger than 1 MiB");
  }
}

Status write_at(int dirfd, const char* name, const std::string& value, const std::string& dir) {
  UniqueFd fd(::openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return fail("cannot open " + dir + "/" + name + ": " + errno_text());
  if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size())) {
    return fail("cannot write " + value + " to " + dir + "/" + name + ": " + errno_text());
  }
  return Ok{};
}

Result<CgroupPath> memory_cgroup_of(const std::string& pid) {
  auto text = read_file("/proc/" + pid + "/cgroup");
  if (!text) return text.error();
  auto entries = parse_proc_cgroup(*text);
  if (!entries) return entries.error();
  auto mem = memory_cgroup(*entries);
  if (!mem) return fail("process " + pid + " has no memory cgroup");
  return *mem;
}

std::string memory_mount(const CgroupPath& m) {
  return m.v2 ? std::string("/sys/fs/cgroup") : std::string("/sys/fs/cgroup/memory");
}

}  // namespace

Result<int> try_lock(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return fail("cannot open " + path + ": " + errno_text());
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return fd;
  const int err = errno;
  ::close(fd);
  if (err == EWOULDBLOCK) return -1;
  return fail("cannot lock " + path + ": " + std::strerror(err));
}

bool lock_held(const std::string& path) {
  auto fd = try_lock(path);
  if (fd && *fd >= 0) ::close(*fd);
  return fd && *fd < 0;
}

Result<std::string> read_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return fail("cannot open " + path + ": " + errno_text());
  return read_fd(fd.get(), path);
}

Result<std::vector<int>> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0)
    return fail("sched_getaffinity: " + errno_text());
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  }
  return cpus;
}

Status set_affinity(const std::vector<int>& cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int c : cpus) {
    if (c >= 0 && c < CPU_SETSIZE) CPU_SET(c, &set);
  }
  if (sched_setaffinity(0, sizeof set, &set) != 0) {
    return fail("cannot bind to CPUs " + format_cpu_list(cpus) + ": " + errno_text());
  }
  return Ok{};
}

std::vector<Cpu> describe_cpus(const std::vector<int>& ids, const std::string& sys_root) {
  std::map<int, int> numa_of;
  const std::string node_dir = sys_root + "/devices/system/node";
  if (DIR* d = ::opendir(node_dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name.rfind("node", 0) != 0) continue;
      auto node = text::parse_int(std::string_view(name).substr(4), 0, 65535);
      if (!node) continue;
      auto list = read_file(node_dir + "/" + name + "/cpulist");
      if (!list) continue;
      if (auto cpus = parse_cpu_list(*list)) {
        for (int c : *cpus) numa_of[c] = static_cast<int>(*node);
      }
    }
    ::closedir(d);
  }
  std::vector<Cpu> out;
  for (int id : ids) {
    const std::string topo =
        sys_root + "/devices/system/cpu/cpu" + std::to_string(id) + "/topology/";
    auto read_num = [&](const char* f) -> int {
      auto t = read_file(topo + f);
      if (!t) return -1;
      auto n = text::parse_int(text::trim(*t), 0, 1 << 20);
      return n ? static_cast<int>(*n) : -1;
    };
    const int package = read_num("physical_package_id");
    const int core = read_num("core_id");
    Cpu c;
    c.id = id;
    // Unknown topology: every CPU is its own core.
    c.core = (package < 0 || core < 0) ? (1 << 30) + id : package * (1 << 20) + core;
    auto it = numa_of.find(id);
    c.numa = it == numa_of.end() ? -1 : it->second;
    out.push_back(c);
  }
  return out;
}

void add_gpu_locality(std::vector<Gpu>& gpus,
                      const std::map<std::string, std::vector<int>>& admin_map,
                      const std::string& sys_root, const std::string& proc_root) {
  // NVIDIA: /proc/driver/nvidia/gpus/<pci address>/information has "Device Minor: N", and N is
  // the index in /dev/nvidiaN that gres.conf (and so SLURM_STEP_GPUS) uses.
  std::map<std::string, std::string> pci_of_minor;
  const std::string nv = proc_root + "/driver/nvidia/gpus";
  if (DIR* d = ::opendir(nv.c_str())) {
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] == '.') continue;
      auto info = read_file(nv + "/" + e->d_name + "/information");
      if (!info) continue;
      for (auto line : text::split(*info, '\n')) {
        if (line.rfind("Device Minor:", 0) == 0) {
          pci_of_minor[std::string(text::trim(line.substr(13)))] = e->d_name;
        }
      }
    }
    ::closedir(d);
  }
  for (Gpu& g : gpus) {
    if (auto it = admin_map.find(g.id); it != admin_map.end()) {
      g.local_cpus = it->second;
      continue;
    }
    auto pci = pci_of_minor.find(g.id);
    if (pci == pci_of_minor.end()) continue;
    std::string addr = pci->second;
    for (char& ch : addr) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const std::string dev = sys_root + "/bus/pci/devices/" + addr;
    if (auto list = read_file(dev + "/local_cpulist")) {
      if (auto cpus = parse_cpu_list(*list)) g.local_cpus = *cpus;
    }
    if (auto numa = read_file(dev + "/numa_node")) {
      if (auto n = text::parse_int(text::trim(*numa), -1, 65535)) g.numa = static_cast<int>(*n);
    }
  }
}

Status set_task_memory_limit(pid_t pid, std::uint64_t bytes) {
  auto own = memory_cgroup_of("self");
  if (!own) return own.error();
  auto task = memory_cgroup_of(std::to_string(pid));
  if (!task) return task.error();
  if (task->v2 != own->v2 || !strictly_below(task->path, own->path)) {
    return fail("task " + std::to_string(pid) + " is in memory cgroup " + task->path +
                ", not below the step's " + own->path + "; not writing a limit there");
  }
  const std::string dir = memory_mount(*task) + task->path;
  UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dfd.valid()) return fail("cannot open " + dir + ": " + errno_text());
  const std::string value = std::to_string(bytes);
  if (task->v2) return write_at(dfd.get(), "memory.max", value, dir);
  if (auto st = write_at(dfd.get(), "memory.limit_in_bytes", value, dir); !st) return st;
  // With swap accounting, memory+swap gets the same limit so the task cannot spill to swap.
  if (::faccessat(dfd.get(), "memory.memsw.limit_in_bytes", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
    (void)write_at(dfd.get(), "memory.memsw.limit_in_bytes", value, dir);
  }
  return Ok{};
}

std::uint64_t own_memory_limit() {
  auto own = memory_cgroup_of("self");
  if (!own) return 0;
  const std::string dir = memory_mount(*own) + own->path;
  auto text = read_file(dir + (own->v2 ? "/memory.max" : "/memory.limit_in_bytes"));
  if (!text) return 0;
  auto n = text::parse_int(text::trim(*text), 0, INT64_MAX);
  return n ? static_cast<std::uint64_t>(*n) : 0;
}

Status set_data_rlimit(std::uint64_t bytes) {
  rlimit rl{static_cast<rlim_t>(bytes), static_cast<rlim_t>(bytes)};
  if (setrlimit(RLIMIT_DATA, &rl) != 0) return fail("cannot set RLIMIT_DATA: " + errno_text());
  return Ok{};
}

}  // namespace gracepack::os

namespace gracepack::os {

Result<JobCgroups> own_job_cgroups() {
  auto text = read_file("/proc/self/cgroup");
  if (!text) return text.error();
  auto entries = parse_proc_cgroup(*text);
  if (!entries) return entries.error();
  auto cg = proctrack_cgroup(*entries);
  if (!cg) return fail("no freezer or unified cgroup in /proc/self/cgroup");
  auto step = step_cgroup(cg->path);
  if (!step) return fail("not inside a Slurm step's cgroup: " + cg->path);
  const std::string mount = cg->v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/freezer";
  return JobCgroups{mount + step->job, mount + step->step};
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

std::vector<pid_t> pids_in_tree(const std::string& dir) {
  std::vector<pid_t> pids;
  if (auto procs = read_file(dir + "/cgroup.procs")) {
    for (auto line : text::split(*procs, '\n')) {
      if (auto pid = text::parse_int(text::trim(line), 1, 1 << 30))
        pids.push_back(static_cast<pid_t>(*pid));
    }
  }
  for (const auto& sub : subdirs(dir)) {
    auto more = pids_in_tree(dir + "/" + sub);
    pids.insert(pids.end(), more.begin(), more.end());
  }
  return pids;
}

std::string process_name(pid_t pid) {
  auto comm = read_file("/proc/" + std::to_string(pid) + "/comm");
  return comm ? std::string(text::trim(*comm)) : std::string();
}

}  // namespace gracepack::os
