// The hooks gracepack implements, the one rule about which may fail, and the interface of a
// feature (one per user option). The plugin hands every hook to every feature: a third option is
// one new feature and one line in plugin.hpp's registry.
#pragma once

#include <string>
#include <string_view>

#include "gracepack/core/base/config.hpp"
#include "gracepack/features/step.hpp"

namespace gracepack::features {

enum class Hook { Init, InitPostOpt, UserInit, TaskPostFork, TaskInit, TaskExit, JobEpilog, Exit };
const char* to_string(Hook h) noexcept;

// Whether a failing hook may return an error to Slurm here. In slurmstepd and slurmd an error
// from anything but task_init drains the node (batch steps, prolog/epilog), so failures there are
// logged and remembered, and reach the user through task_init.
bool may_fail(Context context, Hook hook) noexcept;

// A user option as Slurm shows it (`--NAME[=ARG]`, USAGE in --help).
struct OptionText {
  const char* name;
  const char* arg;
  const char* usage;
};

class Feature {
 public:
  virtual ~Feature() = default;
  virtual OptionText option() const = 0;
  virtual bool offered(const Config& config) const = 0;
  // Parses and keeps the option's value (Slurm may call it several times).
  virtual Status take(std::string_view value) = 0;
  virtual bool asked() const = 0;
  virtual std::string shown() const = 0;  // "--pack-gpus=2", for log lines
  // Every hook, once the configuration is known (never while gracepack is disabled).
  virtual Status on(Hook hook, const Step& sp, const Config& config) = 0;
};

// This node's name as Slurm knows it (several slurmd may share a host): in the batch step
// HOSTNAME, which slurmstepd sets to its own node name before any plugin runs (the submitted
// environment cannot choose it); in srun steps the node's index in the step's node list (their
// SLURMD_NODENAME is the batch node's, copied by srun); in the job epilog slurmd's SLURMD_NODENAME.
std::string node_name(const Step& sp);

}  // namespace gracepack::features
