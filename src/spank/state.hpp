// What one process (srun, sbatch, salloc, one slurmstepd, one prolog/epilog) knows about
// gracepack: the admin's configuration and the user's option values, set once and read by hooks.
#pragma once

#include <optional>
#include <string>

#include "gracepack/config.hpp"
#include "gracepack/options.hpp"

namespace gracepack::spank {

struct PluginState {
  std::optional<Config> config;  // empty: the plugin is disabled
  std::string disabled_reason;   // why, for messages to users who asked for an option
  std::optional<PackRequest> pack;
  std::optional<PreemptRequest> preempt;
  std::optional<Error> option_error;  // a bad value seen where failing at once is not safe

  bool enabled() const { return config.has_value(); }
  bool any_option() const { return pack.has_value() || preempt.has_value(); }
};

PluginState& state();

}  // namespace gracepack::spank
