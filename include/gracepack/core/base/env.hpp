// Environment variables as plain C++: a list to set, and a way to read one (the step's
// environment in slurmstepd, the process's own elsewhere, a map in tests). Shared by sbatch's
// options (preemption) and the task environment (packing).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gracepack {

using Env = std::vector<std::pair<std::string, std::string>>;
using Getenv = std::function<std::optional<std::string>(const std::string&)>;

}  // namespace gracepack
