// --preempt-requeue in Slurm's processes, one file per process it runs in: refusals at
// submission (preempt_submit.cpp: srun, sbatch, salloc), the run's files and helpers
// (preempt_step.cpp: slurmstepd of the batch and srun steps), the grace start's placeholder
// (preempt_extern.cpp: the extern slurmstepd), the decision and requeue (preempt_epilog.cpp: the
// job epilog).
#pragma once

#include <optional>

#include "gracepack/core/base/options.hpp"
#include "gracepack/features/feature.hpp"
#include "gracepack/os/process.hpp"
#include "gracepack/os/state_dir.hpp"

namespace gracepack::features {

// This run's directory on this node, as root set it up before the tasks were forked, and the
// descriptors root opened there for the watcher (the tasks inherit them until they exec).
struct PreemptRun {
  std::uint32_t job = 0;
  std::string notice;  // the notice file's path
  std::string lock;    // the watcher's lock's path
  std::string run;     // the marker's nonce
  bool batch_step = false;
  os::RunFiles files;
  std::string no_watcher;  // why no watcher may start on this node
};

class Preempt : public Feature {
 public:
  OptionText option() const override;
  bool offered(const Config& c) const override { return c.preempt_requeue; }
  Status take(std::string_view value) override;
  bool asked() const override { return request_.has_value(); }
  std::string shown() const override { return "--preempt-requeue=" + to_value(*request_); }
  Status on(Hook hook, const Step& sp, const Config& config) override;

 private:
  Status check_submission(const Step& sp, const Config& config) const;
  void set_up_run(const Step& sp, const Config& config);
  Status start_watcher(const Step& sp, const Config& config) const;
  void note_script_end(const Step& sp, const Config& config) const;
  Status end_run(const Step& sp, const Config& config);
  void start_placeholder(const Step& sp);
  void adopt_placeholder(const Step& sp);
  void reap_placeholder();

  std::optional<PreemptRequest> request_;
  std::optional<PreemptRun> run_;
  os::Child placeholder_;  // the extern step's (Slurm 25.05+)
  bool adopted_ = false;
};

}  // namespace gracepack::features
