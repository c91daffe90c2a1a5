// CPU lists from sysfs, cgroups and the admin's gpu_cpus map: format(parse(x)) parses back equal.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "gracepack/core/base/cpuset.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;
  auto cpus = gracepack::parse_cpu_list(std::string(reinterpret_cast<const char*>(data), size));
  if (cpus) {
    auto again = gracepack::parse_cpu_list(gracepack::format_cpu_list(*cpus));
    if (!again || *again != *cpus) std::abort();
  }
  return 0;
}
