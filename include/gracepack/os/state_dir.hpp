// A node's state_dir as root handles it (see core/job_dir.hpp for the layout): verified once,
// then every name in it opened relative to it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "gracepack/core/job_dir.hpp"
#include "gracepack/os/files.hpp"

namespace gracepack::os {

class StateDir {
 public:
  // Opens (with `create`, makes) the node's state_dir: root's, not writable by others.
  static Result<StateDir> open(const std::string& path, bool create);

  const std::string& path() const { return path_; }

  // Serialises root's setup of job directories between steps that start at once (the lock file
  // is root's, 0600: no user can hold it).
  Result<UniqueFd> lock() const;
  std::string job_dir_path(std::uint32_t job) const;

  // Root's marker of the job's run on this node; nullopt when there is none.
  Result<std::optional<RunMarker>> read_marker(std::uint32_t job) const;
  Status write_marker(const RunMarker& m) const;

  // A fresh job directory for `uid`, 0700. Whatever has the job's names already (a directory
  // left by an earlier run, even another user's after the job ids wrapped, and its marker) is
  // moved into the quarantine first and removed there: nothing of another run is ever reused.
  Status make_job_dir(std::uint32_t job, uid_t uid, gid_t gid) const;
  // Whether the job's directory exists as a directory of `uid`.
  bool has_job_dir(std::uint32_t job, uid_t uid) const;

  // A file in the job's directory, read as hostile input (the directory must be `uid`'s);
  // nullopt when there is no such file.
  Result<std::optional<std::string>> read_job_file(std::uint32_t job, uid_t uid,
                                                   const char* name) const;
  // Whether the node's watcher holds the job's lock.
  Result<bool> job_lock_held(std::uint32_t job, uid_t uid) const;

  // Removes the job's directory and marker: renamed into the quarantine (root-only, out of the
  // user's reach), then removed there without following links. What cannot be removed stays in
  // the quarantine and the error says so.
  Status clear_job(std::uint32_t job) const;

 private:
  StateDir(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  Result<UniqueFd> open_job_dir(std::uint32_t job, uid_t uid) const;
  Status quarantine(const std::string& name) const;

  UniqueFd fd_;
  std::string path_;
};

}  // namespace gracepack::os
