// This node's name as Slurm knows it (several slurmd may share a host), in each context.
#pragma once

#include <string>

#include "spank.hpp"

namespace gracepack::spank {

// Batch step: HOSTNAME, which slurmstepd sets to its own node name in the batch environment
// before any plugin runs (the submitted environment cannot choose it). srun steps: the node's
// index in the step's node list (SLURMD_NODENAME there is copied from the batch task by srun and
// names the batch node on every node). Job epilog: SLURMD_NODENAME, set by slurmd.
std::string node_name(const Spank& sp);

}  // namespace gracepack::spank
