// Files as root must handle them where users can write: descriptors owned by UniqueFd, names
// opened relative to a directory that was verified first, never through a link, never blocking
// (a FIFO or a device is refused before it is opened for reading), never more than a bound.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>

#include "gracepack/core/result.hpp"

namespace gracepack::os {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

// A directory root relies on: owned by root and not writable by group or others, opened without
// following a link in its last component. With `create`, a missing last component is made 0755.
Result<UniqueFd> open_root_dir(const std::string& path, bool create);
// The same for `name` inside such a directory (created with `mode` when missing).
Result<UniqueFd> open_root_subdir(int parent, const std::string& name, mode_t mode);

// Reads `name` in directory `dir` as hostile input: never through a link, only a regular file
// with one link (no FIFO, device or hard link to someone else's file), owned by `owner` when
// given, at most `limit` bytes. The error says which rule the file broke.
Result<std::string> read_small_file_at(int dir, const std::string& name, std::size_t limit,
                                       std::optional<uid_t> owner = std::nullopt);

// Writes `text` as `name` in `dir` through a temporary file and rename(2): readers see the old or
// the new file, never a part. Never writes through a link.
Status write_file_atomically(int dir, const std::string& name, const std::string& text,
                             mode_t mode);

// Appends one line to the admin's log file `path` (root): its directory must not be writable by
// group or others (unless sticky), the file must be a regular file with one link owned by root or
// by the directory's owner (e.g. SlurmUser's /var/log/slurm); a missing directory (last
// component) and file are created. A FIFO, link or device there is refused without blocking.
Status append_line(const std::string& path, const std::string& line);

// Removes `name` in `dir`, a file or a whole tree, with descriptor-relative calls that never
// follow a link. Bounded in depth and entries.
Status remove_tree_at(int dir, const std::string& name);

// Whether another process holds an exclusive flock on `name` in `dir` (opened as hostile input).
Result<bool> lock_held_at(int dir, const std::string& name);
// Takes the flock on `path` (created 0600, never through a link, a regular file): the descriptor
// that holds it, or nullopt when another process holds it.
Result<std::optional<UniqueFd>> try_lock(const std::string& path);

// A file the caller (the user, in sbatch) named: links followed as the user's own commands would,
// but only a regular file of at most `limit` bytes, opened without blocking.
Result<std::string> read_user_file(const std::string& path, std::size_t limit);

// A small file by path, for /proc and /sys: no link in the last component, no blocking, 1 MiB.
Result<std::string> read_file(const std::string& path);

// Random bytes from the kernel, as lower-case hex.
Result<std::string> random_hex(std::size_t bytes);

// The user's name, or the number when there is none.
std::string user_name(uid_t uid);

}  // namespace gracepack::os
