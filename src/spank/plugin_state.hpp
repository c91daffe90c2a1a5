// What one process (srun, sbatch, salloc, one slurmstepd, one job epilog) knows about gracepack:
// the admin's configuration or why there is none, an option value that could not be parsed where
// failing at once is unsafe, and the features with their own state.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "hooks.hpp"
#include "pack.hpp"
#include "preempt.hpp"

namespace gracepack::spank {

struct Disabled {
  std::string reason;  // for messages to users who asked for an option
};
struct Enabled {
  Config config;
};

struct PluginState {
  std::variant<Disabled, Enabled> mode = Disabled{"not configured yet"};
  std::optional<Error> option_error;  // a bad value seen in slurmstepd: task_init fails the step
  Pack pack;
  Preempt preempt;

  const Config* config() const {
    const auto* e = std::get_if<Enabled>(&mode);
    return e ? &e->config : nullptr;
  }
  std::vector<Feature*> features() { return {&pack, &preempt}; }
  bool any_asked() { return pack.asked() || preempt.asked(); }
};

PluginState& state();

// Parses the plugstack arguments and registers the options (Init; the job epilog on 22.05, which
// Slurm calls without slurm_spank_init).
Status configure(const Spank& sp, const std::vector<std::string>& args);

}  // namespace gracepack::spank
