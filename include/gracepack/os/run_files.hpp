// A --preempt-requeue run's files on one node as root and the job's processes handle them
// (core/preempt/job_dir.hpp says what they are): set up by slurmstepd, noted at the batch script's
// end, read by the job epilog; and the run's watcher.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gracepack/core/preempt/job_end.hpp"
#include "gracepack/core/preempt/watcher_args.hpp"
#include "gracepack/os/state_dir.hpp"

namespace gracepack::os {

struct ThisRun {
  RunMarker marker;
  bool made_now = false;   // false: an earlier step of this run made it here
  RunFiles files;          // for the watcher this node may start (none: see no_watcher)
  std::string no_watcher;  // why no watcher may start here
};
// The run's directory, files and marker on this node. The batch step always makes them afresh
// (what had the job's names is quarantined); an srun step reuses its run's (same_run) or makes
// them. Under the state directory's root-only lock, so that steps that start at once do not
// race; what the quarantine holds is removed after the lock is released.
Result<ThisRun> set_up_run(const StateDir& dir, const RunMarker& fresh, bool batch_step);

// What the watcher's status said when the batch script ended, as root sees it: Watching only
// while the watcher holds its lock.
WatchState watcher_seen(const StateDir& dir, const RunMarker& m);

// Notes the batch script's end (time, wait status, what the watcher said) in root's marker.
Status note_script_end(const StateDir& dir, std::uint32_t job, const std::string& run,
                       std::optional<int> status);

// What the job epilog needs from this node's files: root's marker and, on the batch host, the
// watcher's status, with why either is missing or refused.
EpilogFacts read_epilog_facts(const StateDir& dir, std::uint32_t job, uid_t uid);

// Starts the node's watcher of the run, as the caller (the job's user in task_init), detached (a
// shell that later runs `wait` never waits for it), its stderr the job's, unless this node's
// watcher of the run is up already (it holds the run's lock: Ok, nothing started). The watcher
// gets the lock, held, and the run's files as descriptors 3, 4, 5. It must not be readable by the
// user: the kernel then starts it non-dumpable, so that the user cannot take its descriptors
// (the package installs it 0711).
Status start_watcher(const WatcherArgs& args, const std::string& program,
                     std::vector<std::string> env, const std::string& lock_path,
                     const RunFiles& files);

}  // namespace gracepack::os
