#include "gracepack/os/topology.hpp"

#include <dirent.h>
#include <sched.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include "gracepack/core/base/cpuset.hpp"
#include "gracepack/core/base/text.hpp"
#include "gracepack/os/files.hpp"

namespace gracepack::os {
namespace {

struct CpuSetFree {
  void operator()(cpu_set_t* s) const { CPU_FREE(s); }
};
using CpuSetPtr = std::unique_ptr<cpu_set_t, CpuSetFree>;

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] != '.') out.emplace_back(e->d_name);
    }
    ::closedir(d);
  }
  return out;
}

}  // namespace

Result<std::vector<int>> allowed_cpus() {
  // The kernel's mask may be larger than glibc's default 1024 CPUs: grow until it fits.
  for (int n = 1024; n <= (1 << 22); n *= 4) {
    CpuSetPtr set(CPU_ALLOC(n));
    if (!set) return fail("out of memory");
    const std::size_t size = CPU_ALLOC_SIZE(n);
    CPU_ZERO_S(size, set.get());
    if (sched_getaffinity(0, size, set.get()) != 0) {
      if (errno == EINVAL) continue;
      return fail(std::string("sched_getaffinity: ") + std::strerror(errno));
    }
    std::vector<int> cpus;
    for (int c = 0; c < n; ++c) {
      if (CPU_ISSET_S(static_cast<std::size_t>(c), size, set.get())) cpus.push_back(c);
    }
    return cpus;
  }
  return fail("sched_getaffinity: more CPUs than gracepack can handle");
}

Status set_affinity(const std::vector<int>& cpus) {
  int highest = 0;
  for (int c : cpus) highest = std::max(highest, c);
  const int n = highest + 1;
  CpuSetPtr set(CPU_ALLOC(n));
  if (!set) return fail("out of memory");
  const std::size_t size = CPU_ALLOC_SIZE(n);
  CPU_ZERO_S(size, set.get());
  for (int c : cpus) {
    if (c >= 0) CPU_SET_S(static_cast<std::size_t>(c), size, set.get());
  }
  if (sched_setaffinity(0, size, set.get()) != 0) {
    return fail("cannot bind to CPUs " + format_cpu_list(cpus) + ": " + std::strerror(errno));
  }
  return Ok{};
}

std::vector<Cpu> describe_cpus(const std::vector<int>& ids, const std::string& sys_root) {
  std::map<int, int> numa_of;
  const std::string node_dir = sys_root + "/devices/system/node";
  for (const std::string& name : list_dir(node_dir)) {
    if (name.rfind("node", 0) != 0) continue;
    auto node = text::parse_int(std::string_view(name).substr(4), 0, 65535);
    if (!node) continue;
    auto list = read_file(node_dir + "/" + name + "/cpulist");
    if (!list) continue;
    if (auto cpus = parse_cpu_list(*list)) {
      for (int c : *cpus) numa_of[c] = static_cast<int>(*node);
    }
  }
  // (package, core) pairs numbered densely: no arithmetic on ids read from sysfs.
  std::map<std::pair<long long, long long>, int> core_ids;
  std::vector<Cpu> out;
  for (int id : ids) {
    const std::string topo =
        sys_root + "/devices/system/cpu/cpu" + std::to_string(id) + "/topology/";
    auto read_num = [&](const char* f) -> long long {
      auto t = read_file(topo + f);
      if (!t) return -1;
      auto n = text::parse_int(text::trim(*t), 0, INT32_MAX);
      return n ? *n : -1;
    };
    const long long package = read_num("physical_package_id");
    const long long core = read_num("core_id");
    Cpu c;
    c.id = id;
    // Unknown topology: every CPU is its own core.
    const auto key = (package < 0 || core < 0) ? std::pair{-1LL, static_cast<long long>(id)}
                                               : std::pair{package, core};
    c.core = core_ids.emplace(key, static_cast<int>(core_ids.size())).first->second;
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
  for (const std::string& addr : list_dir(nv)) {
    auto info = read_file(nv + "/" + addr + "/information");
    if (!info) continue;
    for (auto line : text::split(*info, '\n')) {
      if (line.rfind("Device Minor:", 0) == 0) {
        pci_of_minor[std::string(text::trim(line.substr(13)))] = addr;
      }
    }
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

Status complete_node_facts(NodeFacts& node,
                           const std::map<std::string, std::vector<int>>& gpu_cpus) {
  auto cpus = allowed_cpus();
  if (!cpus) return cpus.error();
  node.cpus = describe_cpus(*cpus);
  add_gpu_locality(node.gpus, gpu_cpus);
  return Ok{};
}

}  // namespace gracepack::os
