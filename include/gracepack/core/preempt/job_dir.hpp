// The contract between the plugin (root and user sides), the watcher and the job epilog about a
// --preempt-requeue job's files on one node:
//
//   state_dir/                root-owned, not writable by others (checked before use)
//     .markers/               root-only (0700): nobody else can reach, let alone hard-link, a
//     marker
//       JOBID.run             root's marker of this run on this node (0600)
//     JOBID/                  the run's directory: root's, 0711 (enterable, not listable)
//       notice.RUN            the notice file ($GRACEPACK_NOTICE_FILE), root's, 0644
//       lock.RUN              root's, 0644: the node's watcher holds a flock on it for its life
//       watcher               the watcher's status, root's, 0600
//     .quarantine/            root-only: what is left of old directories, until it is removed
//
// Nothing under state_dir is the user's: the user can neither create, replace nor fill anything
// there. The watcher (the job's user, made non-dumpable so that the user cannot take them from
// it) writes the notice and its status through descriptors root opened for it. RUN is the run's
// random nonce, which only the job (its environment) and root know: another user cannot open the
// lock or read the notice of a job that is not theirs.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "gracepack/core/base/result.hpp"
#include "gracepack/core/preempt/policy.hpp"

namespace gracepack {

struct JobDirLayout {
  static constexpr const char* kStatus = "watcher";
  static constexpr const char* kMarkers = ".markers";
  static constexpr const char* kQuarantine = ".quarantine";
  // The largest file root reads from a job directory.
  static constexpr std::size_t kMaxFile = 4096;
  static std::string dir_name(std::uint32_t job) { return std::to_string(job); }
  static std::string marker_name(std::uint32_t job) { return std::to_string(job) + ".run"; }
  static std::string notice_name(std::string_view run) { return "notice." + std::string(run); }
  static std::string lock_name(std::string_view run) { return "lock." + std::string(run); }
  // The descriptors the watcher is handed, in this order from 3 on (os::SpawnOptions::pass_fds).
  static constexpr int kLockFd = 3, kStatusFd = 4, kNoticeFd = 5;
};

// What the watcher's status said when the batch script ended, as root saw it in the batch step
// (task_exit): only "watching" with the lock held proves that no grace period had started.
enum class WatchState { None, Watching, Waking, Delivered, NotPreempted };
const char* to_string(WatchState s);
std::optional<WatchState> parse_watch_state(std::string_view s);

// Root's record of one run of the job on this node, written where the user cannot write.
struct RunMarker {
  std::uint32_t job = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  bool batch = false;  // this node runs the batch script: the job epilog decides here
  std::time_t started = 0;
  std::string run;  // a random nonce naming this run (16 hex digits)
  std::optional<std::uint32_t> array_job;
  std::optional<std::uint32_t> array_task;
  std::string partition;                   // from Slurm's batch environment
  std::optional<std::time_t> script_exit;  // when the batch script ended
  std::optional<int> script_status;        // its wait status
  WatchState watcher_at_exit = WatchState::None;
  bool operator==(const RunMarker&) const = default;
};
RunMarker run_marker(std::uint32_t job, uid_t uid, gid_t gid, bool batch, std::time_t started,
                     std::string run);
std::string format_run_marker(const RunMarker& m);
Result<RunMarker> parse_run_marker(std::string_view text);
// Whether a marker found by an srun step is its run's: the same job and user, and either the batch
// host's (made by this run's batch step, which always starts first there) or made with the run
// nonce the step inherited from the batch script (GRACEPACK_RUN).
bool same_run(const RunMarker& m, std::uint32_t job, uid_t uid, std::string_view run);
// Whether a marker is older than the run slurmctld describes (left by an earlier run whose epilog
// never ran): its batch step started before slurmctld started this run.
bool marker_predates(const RunMarker& m, std::time_t run_start);
bool valid_run_nonce(std::string_view run);

// The watcher's status file (root's; the watcher writes it through a descriptor root opened).
struct WatcherStatus {
  std::string run;  // the marker's nonce, handed to the watcher
  WatchState state = WatchState::Watching;
  std::time_t since = 0;
  std::time_t delivered = 0;     // Delivered: when the job's processes were signalled
  unsigned signalled = 0;        // Delivered: how many
  unsigned targets = 0;          // Delivered: how many it meant to signal
  std::time_t preempt_time = 0;  // Delivered: slurmctld's preempt time read at grace start
  std::time_t deadline = 0;      // Delivered: the job's end time read then (0: not on record)
  std::time_t start_time = 0;    // the run's start, as slurmctld said at grace start
  unsigned restart = 0;          // Slurm's restart count as the plugin read it for the task
  Cause cause = Cause::Running;  // NotPreempted: why the job is ending
  // The job's checkpoint acknowledgements (core/preempt/checkpoint.hpp), as the watcher read them:
  std::time_t ack = 0;         // the last at or before grace start (0: none)
  std::string ack_label;       // its label (printable, bounded)
  std::time_t ack_window = 0;  // the last after grace start, inside the window (0: none)
  std::string ack_note;        // why the file counted as none (printable, bounded)
  std::time_t returned = 0;    // return_grace: when the watcher ended the run after ack_window
  // 1: the watcher reads the acknowledgements through the window; 2: it has read them once more
  // after the batch script ended (root's task_exit waits a moment for that: an application that
  // saves on the notice, acknowledges and exits at once ends the step in the same instant).
  unsigned ack_watch = 0;
  bool operator==(const WatcherStatus&) const = default;
};
std::string format_watcher_status(const WatcherStatus& s);
Result<WatcherStatus> parse_watcher_status(std::string_view text);

}  // namespace gracepack
