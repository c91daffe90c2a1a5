// The two user options: registration with Slurm and their callbacks, which only parse and store
// into the features (Slurm calls them several times, also in slurmstepd).
#pragma once

#include "gracepack/core/config.hpp"
#include "spank.hpp"

namespace gracepack::spank {

void register_options(const Spank& sp, const Config& config);
// The registered --preempt-requeue, for spank_option_getopt in the job epilog.
spank_option* preempt_option();

}  // namespace gracepack::spank
