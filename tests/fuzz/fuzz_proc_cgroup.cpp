// /proc/<pid>/cgroup contents and the paths derived from them.
#include <cstddef>
#include <cstdint>
#include <string>

#include "gracepack/core/base/cgroup_path.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto entries = gracepack::parse_proc_cgroup(text);
  if (!entries) return 0;
  auto mem = gracepack::memory_cgroup(*entries);
  auto track = gracepack::proctrack_cgroup(*entries);
  if (track) {
    if (auto step = gracepack::step_cgroup(track->path)) {
      (void)gracepack::strictly_below(step->step, step->job);
    }
  }
  if (mem && track) {
    (void)gracepack::strictly_below(mem->path, track->path);
    (void)gracepack::task_limit_allowed(mem->path, track->path);
  }
  return 0;
}
