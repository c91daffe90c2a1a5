// Slurm's hostlist expressions, through Slurm's own parser (slurm_hostlist_*, exported by every
// Slurm program that loads the plugin).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace gracepack::slurm {

// The `index`-th host (from 0) of `list` ("gp[1-3]"), nullopt when there is none.
std::optional<std::string> nth_host(const std::string& list, std::uint32_t index);

}  // namespace gracepack::slurm
