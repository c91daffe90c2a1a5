#include "hooks.hpp"
#include "state.hpp"

namespace gracepack::spank {

Status job_epilog(const Spank& sp, const std::vector<std::string>& args) {
  // Slurm 22.05 calls the job epilog without slurm_spank_init: read the configuration here.
  if (!state().enabled()) {
    if (auto st = init(sp, args); !st) return st;
  }
  return preempt_job_epilog(sp, preempt_option());
}

}  // namespace gracepack::spank
