// What one process (srun, sbatch, salloc, one slurmstepd, one job epilog) knows about gracepack,
// and what the plugin does with a hook: the admin's configuration or why there is none, an option
// value that could not be parsed where failing at once is unsafe, and the features, each with its
// own state.
#pragma once

#include <array>
#include <optional>
#include <variant>
#include <vector>

#include "gracepack/features/pack.hpp"
#include "gracepack/features/preempt.hpp"

namespace gracepack::features {

struct Disabled {
  std::string reason;  // for messages to users who asked for an option
};
struct Enabled {
  Config config;
};

struct Plugin {
  std::variant<Disabled, Enabled> mode = Disabled{"not configured yet"};
  std::optional<Error> option_error;  // a bad value seen in slurmstepd: task_init fails the step
  Pack pack;
  Preempt preempt;

  const Config* config() const {
    const auto* e = std::get_if<Enabled>(&mode);
    return e ? &e->config : nullptr;
  }
  // The registry: an option's index here is its `val` with Slurm.
  std::array<Feature*, 2> features() { return {&pack, &preempt}; }

  // A hook, as Slurm calls it (args: the plugstack line's words).
  Status run(Hook hook, const Step& sp, const std::vector<std::string>& args);
  // An option's value from Slurm (`remote`: in slurmstepd, where a bad value must not fail).
  Status take_option(std::size_t index, std::string_view value, bool remote);
};

}  // namespace gracepack::features
