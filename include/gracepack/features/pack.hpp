// --pack-gpus in slurmstepd: the facts of the step on this node -> plan_step() once, before the
// tasks are forked (they inherit it); then per task the memory limit (root, task_post_fork) and,
// as the user in task_init, where Slurm's own GPU binding is visible, the task's place
// (place_task()), its environment and affinity.
#pragma once

#include <optional>
#include <variant>

#include "gracepack/core/pack/task_env.hpp"
#include "gracepack/core/pack/task_placement.hpp"
#include "gracepack/features/feature.hpp"
#include "gracepack/os/mps_daemon.hpp"

namespace gracepack::features {

struct PackFailed {  // an impossible request: every task fails in task_init, one message a node
  Error error;
};
struct Packed {  // the step's plan on this node
  GpuVariables vars;
  std::string node_name;
  StepPlan step;
  os::StepMps mps;           // the daemon when it answered (shares enforced), else why not
  os::HelperCgroup helpers;  // where the daemon and every helper of the step run
  std::uint32_t tasks_exited = 0;
};

class Pack : public Feature {
 public:
  OptionText option() const override;
  bool offered(const Config& c) const override { return c.pack_gpus; }
  Status take(std::string_view value) override;
  bool asked() const override { return request_.has_value(); }
  std::string shown() const override { return "--pack-gpus=" + to_value(*request_); }
  Status on(Hook hook, const Step& sp, const Config& config) override;

 private:
  void plan_step(const Step& sp, const Config& config);
  void limit_task(const Step& sp) const;
  Status start_task(const Step& sp, const Config& config) const;
  Status set_task_environment(const Step& sp, const Packed& p, const TaskPlacement& place) const;
  void task_exited(const Step& sp);
  void stop_mps(const Step& sp);
  void end_helpers(const Step& sp);

  std::optional<PackRequest> request_;
  std::variant<std::monostate, PackFailed, Packed> state_;
};

}  // namespace gracepack::features
