// --preempt-requeue in Slurm's processes, one file per process it runs in: refusals at
// submission (preempt_submit.cpp: srun, sbatch, salloc), the run's directory, marker and watcher
// (preempt_step.cpp: slurmstepd), the decision and requeue (preempt_epilog.cpp: the job epilog).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "gracepack/core/options.hpp"
#include "hooks.hpp"

namespace gracepack::spank {

// This run's directory on this node, as root set it up before the tasks were forked.
struct PreemptRun {
  std::uint32_t job = 0;
  std::string dir;
  std::string run;  // the marker's nonce
  bool batch_step = false;
};

class Preempt : public Feature {
 public:
  std::optional<PreemptRequest> request;  // set by the option's callback

  bool asked() const override { return request.has_value(); }
  std::string shown() const override;
  Status on(Hook hook, const Spank& sp, const Config& config) override;

 private:
  Status check_submission(const Spank& sp, const Config& config) const;
  void set_up_run(const Spank& sp, const Config& config);
  Status start_watcher(const Spank& sp, const Config& config) const;
  void record_script_end(const Spank& sp, const Config& config) const;
  Status end_run(const Spank& sp, const Config& config) const;

  std::optional<PreemptRun> run_;
};

}  // namespace gracepack::spank
