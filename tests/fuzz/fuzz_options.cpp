// Both option values, from command lines and SLURM_SPANK_* variables. A value that parses must
// survive its canonical form unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "gracepack/core/base/options.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string v(reinterpret_cast<const char*>(data), size);
  if (auto p = gracepack::parse_pack_gpus(v)) {
    auto again = gracepack::parse_pack_gpus(gracepack::to_value(*p));
    if (!again || !(*again == *p)) std::abort();
  }
  if (auto r = gracepack::parse_preempt_requeue(v)) {
    auto again = gracepack::parse_preempt_requeue(gracepack::to_value(*r));
    if (!again || !(*again == *r)) std::abort();
  }
  return 0;
}
