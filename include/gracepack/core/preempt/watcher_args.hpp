// The watcher's command line, as the plugin writes it and gracepack-watcher reads it: one struct
// and its two conversions, so that both sides cannot drift apart.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "gracepack/core/base/options.hpp"
#include "gracepack/core/base/result.hpp"
#include "gracepack/core/preempt/policy.hpp"

namespace gracepack {

struct WatcherArgs {
  std::uint32_t job = 0;
  std::string dir;  // the job's directory on this node (absolute)
  std::string run;  // this run's nonce (the root marker's), written into the status file
  pid_t shell = 0;  // the batch shell; 0: the watcher of an srun step (another node)
  PreemptRequest request;
  RequeueBudgets budgets;
  unsigned poll = 5;  // seconds between reads where there is no extern placeholder
  bool notify_shell = false;
  bool quiet = false;         // no line on stderr: the batch node's watcher speaks for the job
  std::string ctl;            // gracepack-ctl, which asks slurmctld
  unsigned restart = 0;       // the job's restart count, for the status file
  unsigned nodes = 1;         // the job's node count: its watchers spread their reads of the job
  bool no_event = false;      // the grace start is no event for this job here: read the job instead
  std::string notice_copy;    // notice=PATH resolved (absolute), "" for none
  std::string checkpoint;     // the acknowledgement file, resolved (absolute); "" for none
  bool return_grace = false;  // the job asks for it and the admin allows it
  bool operator==(const WatcherArgs&) const = default;
};

// How long a watcher waits before it reads the job's record at grace start, so that the
// watchers of a job's `nodes` nodes do not all ask slurmctld at the same instant: a share of at
// most 10 ms per node, never more than 500 ms (the notice's budget is a second); `draw` in [0, 1).
std::chrono::milliseconds read_spread(unsigned nodes, double draw);

// argv for execve: `program` then --key value pairs.
std::vector<std::string> to_argv(const WatcherArgs& a, const std::string& program);
// The reverse, from argv without argv[0]. Every value is checked; unknown keys are refused.
Result<WatcherArgs> parse_watcher_args(const std::vector<std::string>& args);

}  // namespace gracepack
