// What one process (srun, sbatch, salloc, one slurmstepd, one prolog/epilog) knows about
// gracepack: the admin's configuration and the user's option values, set once and read by hooks.
#pragma once

#include <optional>
#include <string>

#include "gracepack/config.hpp"
#include "gracepack/mps.hpp"
#include "gracepack/options.hpp"
#include "gracepack/pack_env.hpp"
#include "gracepack/plan.hpp"

namespace gracepack::spank {

// The packing of one step on this node, planned once in slurmstepd before the tasks are forked
// (they inherit it) and applied per task.
struct PackState {
  NodeFacts node;
  GpuVariables vars;
  std::string node_name;
  std::optional<Plan> plan;
  std::optional<Error> error;        // an impossible request: the tasks fail in task_init
  std::optional<os::MpsDaemon> mps;  // running and answering: GPU shares are enforced
  std::string mps_note;              // why shares are advisory, when MPS was wanted
};

struct PluginState {
  std::optional<Config> config;  // empty: the plugin is disabled
  std::string disabled_reason;   // why, for messages to users who asked for an option
  std::optional<PackRequest> pack;
  std::optional<PreemptRequest> preempt;
  std::optional<Error> option_error;  // a bad value seen where failing at once is not safe
  std::optional<PackState> packing;   // set in slurmstepd when this step packs
  std::string preempt_dir;            // the batch step's notice directory, once created

  bool enabled() const { return config.has_value(); }
  bool any_option() const { return pack.has_value() || preempt.has_value(); }
};

PluginState& state();

}  // namespace gracepack::spank
