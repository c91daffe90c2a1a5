// A node's state_dir as root handles it (see core/preempt/job_dir.hpp for the layout): verified
// once, then every name in it opened relative to it. Everything in it is root's.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "gracepack/core/preempt/job_dir.hpp"
#include "gracepack/os/files.hpp"

namespace gracepack::os {

// The descriptors root opens for the run's watcher: it writes its status and the notice through
// them, never by name.
struct RunFiles {
  UniqueFd status;  // read and write
  UniqueFd notice;  // write
};

class StateDir {
 public:
  // Opens (with `create`, makes) the node's state_dir: root's, not writable by others; with its
  // root-only markers directory.
  static Result<StateDir> open(const std::string& path, bool create);

  const std::string& path() const { return path_; }

  // Serialises root's setup of job directories between steps that start at once (the lock file
  // is root's, 0600: no user can hold it).
  Result<UniqueFd> lock() const;
  std::string job_dir_path(std::uint32_t job) const;
  std::string notice_path(std::uint32_t job, std::string_view run) const;

  // Root's marker of the job's run on this node; nullopt when there is none.
  Result<std::optional<RunMarker>> read_marker(std::uint32_t job) const;
  Status write_marker(const RunMarker& m) const;

  // A fresh directory for the run `run` of `job`, with its notice, lock and status files, all
  // root's. Whatever had the job's name already (a directory left by an earlier run, even one of
  // another user's after the job ids wrapped) is moved into the quarantine first, not removed
  // here (sweep_quarantine does, outside the node's lock): nothing of another run is reused.
  Status make_job_dir(std::uint32_t job, std::string_view run) const;
  // Whether the job's directory exists with this run's files.
  bool has_run_dir(std::uint32_t job, std::string_view run) const;
  // The descriptors for the run's watcher.
  Result<RunFiles> open_run_files(std::uint32_t job, std::string_view run) const;

  // A file in the job's directory, read as root's own (regular, one link, root's, bounded);
  // nullopt when there is no such file.
  Result<std::optional<std::string>> read_job_file(std::uint32_t job,
                                                   const std::string& name) const;
  // Whether the node's watcher of run `run` holds its lock.
  Result<bool> job_lock_held(std::uint32_t job, std::string_view run) const;

  // Moves the job's directory into the quarantine and removes the marker. The quarantine is
  // emptied by sweep_quarantine.
  Status clear_job(std::uint32_t job) const;

  // Removes what the quarantine holds, whatever its depth or size (iteratively, never following a
  // link), for at most `budget`; what is left waits for the next sweep.
  Status sweep_quarantine(std::chrono::milliseconds budget) const;

 private:
  StateDir(UniqueFd fd, UniqueFd markers, std::string path)
      : fd_(std::move(fd)), markers_(std::move(markers)), path_(std::move(path)) {}
  Result<UniqueFd> open_job_dir(std::uint32_t job) const;
  Status quarantine(const std::string& name) const;

  UniqueFd fd_;
  UniqueFd markers_;
  std::string path_;
};

}  // namespace gracepack::os
