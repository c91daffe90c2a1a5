#include "gracepack/slurm/hostlist.hpp"

extern "C" {
#include <slurm/slurm.h>
}

#include <cstdlib>

namespace gracepack::slurm {

std::optional<std::string> nth_host(const std::string& list, std::uint32_t index) {
  // auto: hostlist_t is a pointer type up to 23.05 and a struct (handled by pointer) from 23.11.
  auto hl = slurm_hostlist_create(list.c_str());
  if (!hl) return std::nullopt;
  std::optional<std::string> name;
  for (std::uint32_t i = 0; i <= index; ++i) {
    char* host = slurm_hostlist_shift(hl);
    if (!host) {
      name.reset();
      break;
    }
    name = host;
    std::free(host);
  }
  slurm_hostlist_destroy(hl);
  return name;
}

}  // namespace gracepack::slurm
