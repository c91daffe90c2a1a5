// How long the job epilog may take, all of it. Slurm kills a SPANK epilog that outlives
// PrologEpilogTimeout (EpilogTimeout from 25.11) and drains the node; unset, slurmd waits for it
// without limit (read in prep_script_slurmd.c of 22.05 and 26.05) while the job stays COMPLETING.
// So the epilog has one deadline, under Slurm's limit whatever the keys say:
//   total = min(ctld_wait + 2 x call, timeout - margin)
// where `call` is the longest one call to slurmctld may take (30 s: the epilog reads the job,
// then requeues it) and `margin` (10 s) is left for the files, the audit line and the
// quarantine; where the timeout cuts, ctld_wait shrinks to leave the two calls their time.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace gracepack {

struct EpilogBudget {
  std::chrono::seconds wait{0};  // how long the epilog keeps trying while slurmctld does not answer
  std::chrono::seconds total{0};  // the epilog's deadline, from its start
  std::string note;               // why ctld_wait was cut, for the slurmd log
};
inline constexpr std::chrono::seconds kCtlCall{30};
inline constexpr std::chrono::seconds kEpilogMargin{10};

EpilogBudget epilog_budget(unsigned ctld_wait, std::optional<unsigned> slurm_timeout);

// Slurm's timeout of the SPANK epilog from slurm.conf's text: EpilogTimeout (25.11+), else
// PrologEpilogTimeout; keys without case, the last one given counts; nullopt when unset.
// (Include files are not followed: a site that sets it there sets ctld_wait to fit.)
std::optional<unsigned> epilog_timeout_from_conf(std::string_view slurm_conf);

}  // namespace gracepack
