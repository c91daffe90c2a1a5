// Linux CPU lists ("0-3,8,10-11"), as sysfs, cgroups and taskset write them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gracepack/core/base/result.hpp"

namespace gracepack {

// Sorted, without duplicates. Rejects anything that is not a CPU list (ids up to 65535).
Result<std::vector<int>> parse_cpu_list(std::string_view text);

// The shortest list form of a set of ids: "0-3,8".
std::string format_cpu_list(std::vector<int> cpus);

}  // namespace gracepack
