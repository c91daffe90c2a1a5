// Slurm error codes as gracepack errors (internal to src/slurm).
#pragma once

#include <string>

#include "gracepack/core/base/result.hpp"

namespace gracepack::slurm {

// The error of the last libslurm call (slurm_get_errno() is gone from 24.11: errno holds it).
int last_errno();
// slurmctld did not answer (down, restarting, in standby): the same call may work later.
bool unreachable(int err);
Error error_of(const std::string& what, int err);

}  // namespace gracepack::slurm
