// The hooks gracepack implements, the one rule about which may fail, and the interface each
// feature (one per option) implements: plugin.cpp calls every feature for every hook, so a third
// option is one new file and one line in plugin_state.cpp.
#pragma once

#include "gracepack/core/config.hpp"
#include "gracepack/core/result.hpp"
#include "spank.hpp"

namespace gracepack::spank {

enum class Hook { Init, InitPostOpt, UserInit, TaskPostFork, TaskInit, TaskExit, JobEpilog, Exit };
const char* to_string(Hook h) noexcept;

// Whether a failing hook may return an error to Slurm here. In slurmstepd and slurmd an error
// from anything but task_init drains the node (batch steps, prolog/epilog), so failures there are
// logged and remembered, and reach the user through task_init.
bool may_fail(Context context, Hook hook) noexcept;

class Feature {
 public:
  virtual ~Feature() = default;
  // Whether the job or step asked for this feature.
  virtual bool asked() const = 0;
  // The option as it was given, for log lines ("--pack-gpus=2").
  virtual std::string shown() const = 0;
  // Called for every hook once the configuration is known (never while gracepack is disabled).
  virtual Status on(Hook hook, const Spank& sp, const Config& config) = 0;
};

}  // namespace gracepack::spank
