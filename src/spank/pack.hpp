// --pack-gpus in slurmstepd: the facts of the step on this node -> plan_pack() once, before the
// tasks are forked (they inherit it); then per task the memory limit (root, task_post_fork) and
// the environment and affinity (as the user, task_init).
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "gracepack/core/pack_env.hpp"
#include "gracepack/core/plan.hpp"
#include "gracepack/os/mps_daemon.hpp"
#include "hooks.hpp"

namespace gracepack::spank {

// An impossible request: every task fails in task_init, with one message per node.
struct PackFailed {
  Error error;
};
// The step's plan on this node.
struct Packed {
  NodeFacts node;
  GpuVariables vars;
  std::string node_name;
  Plan plan;
  std::optional<os::MpsDaemon> mps;  // running and answering: GPU shares are enforced
  std::string mps_note;              // why shares are advisory, when MPS was wanted
};

class Pack : public Feature {
 public:
  std::optional<PackRequest> request;  // set by the option's callback

  bool asked() const override { return request.has_value(); }
  std::string shown() const override;
  Status on(Hook hook, const Spank& sp, const Config& config) override;

 private:
  void plan_step(const Spank& sp, const Config& config);
  void limit_task(const Spank& sp) const;
  Status start_task(const Spank& sp, const Config& config) const;
  Status set_task_environment(const Spank& sp, const Packed& p, const TaskSlot& slot) const;
  void stop_mps();

  std::variant<std::monostate, PackFailed, Packed> state_;
};

}  // namespace gracepack::spank
