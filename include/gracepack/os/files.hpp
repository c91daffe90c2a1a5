// Files as root must handle them where users can write: descriptors owned by UniqueFd, names
// opened relative to a directory that was verified first, never through a link, never blocking
// (a FIFO or a device is refused before it is opened for reading), never more than a bound.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>

#include "gracepack/core/base/result.hpp"
#include "gracepack/core/preempt/checkpoint.hpp"

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

// Opens `name` in `dir` with `flags` (O_RDONLY, O_WRONLY or O_RDWR) under the same rules as
// read_small_file_at: never through a link, never blocking, only a regular file with one link,
// owned by `owner` when given.
Result<UniqueFd> open_file_at(int dir, const std::string& name, int flags,
                              std::optional<uid_t> owner = std::nullopt);
// Creates `name` in `dir`, empty, with `mode` (O_EXCL: never through a link, never an old file).
Status create_file_at(int dir, const std::string& name, mode_t mode);

// Writes `text` as `name` in `dir` through a temporary file and rename(2): readers see the old or
// the new file, never a part. Never writes through a link.
Status write_file_atomically(int dir, const std::string& name, const std::string& text,
                             mode_t mode);

// The whole content of the file open as `fd`, read from its start (at most `limit` bytes), and
// its content replaced by `text` in place (from the start, then cut to its length): the
// watcher's files, which it reaches only through the descriptors root opened.
Result<std::string> read_whole(int fd, std::size_t limit);
// Rewrites the file behind `fd` from its start with `text`, padded with newlines to the file's
// size, in one write and without truncating: whoever reads it sees the old text or the new one
// (for KEY=VALUE files, whose readers skip empty lines: the watcher's status).
Status rewrite_padded(int fd, const std::string& text);
Status rewrite_whole(int fd, const std::string& text);

// Appends one line to the admin's log file `path` (root): its directory must not be writable by
// group or others (unless sticky), the file must be a regular file with one link owned by root or
// by the directory's owner (e.g. SlurmUser's /var/log/slurm); a missing directory (last
// component) and file are created. A FIFO, link or device there is refused without blocking.
Status append_line(const std::string& path, const std::string& line);

// Removes `name` in `dir`, a file or a whole tree of any depth and size, with descriptor-relative
// calls that never follow a link, iteratively: at most 64 directories open at once; a subtree
// deeper than that is moved up into `dir` under a new name (`name` + ".up" + a number), where a
// later call removes it. Stops at `deadline` with a transient error, leaving the rest in place.
Status remove_tree_at(int dir, const std::string& name,
                      std::chrono::steady_clock::time_point deadline);

// Whether another process holds an exclusive flock on `name` in `dir` (opened as hostile input).
Result<bool> lock_held_at(int dir, const std::string& name);
// Takes the flock on `path` (created 0600, never through a link, a regular file): the descriptor
// that holds it, or nullopt when another process holds it.
Result<std::optional<UniqueFd>> try_lock(const std::string& path);

// A file the caller (the user, in sbatch) named: links followed as the user's own commands would,
// but only a regular file of at most `limit` bytes, opened without blocking.
Result<std::string> read_user_file(const std::string& path, std::size_t limit);

// Replaces the file the user named (`path`, absolute) with `text`, as the user: a temporary file
// with a random name beside it (O_EXCL, never through a link) renamed over it, so that readers,
// and other nodes writing the same file on a shared directory, never see a part.
Status replace_user_file(const std::string& path, const std::string& text);

// The job's checkpoint acknowledgement file (core/preempt/checkpoint.hpp), read as the user by
// the watcher: never through a link in its last component, never blocking (a FIFO, a device),
// a regular file of at most 4096 bytes, its time from the descriptor read (a file replaced
// meanwhile is read whole, old or new). nullopt: there is none; an error says why what is there
// counts as none.
Result<std::optional<AckFile>> read_ack_file(const std::string& path);

// Changes in a directory (inotify: a file made, written, touched, renamed or removed in it), for
// a process that would otherwise poll. Only this machine's changes: a shared file system does
// not report other nodes' writes.
class DirWatch {
 public:
  static Result<DirWatch> open(const std::string& dir);
  // Waits until something changed in the directory or `timeout` passed; true: a change.
  bool wait(std::chrono::milliseconds timeout) const;
  // The same, also returning when `other` (a pidfd: its process ended) is readable.
  enum class Woken { Timeout, Change, Other };
  Woken wait_or(std::chrono::milliseconds timeout, int other) const;

 private:
  explicit DirWatch(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

// A small file by path, for /proc and /sys: no link in the last component, no blocking, 1 MiB.
Result<std::string> read_file(const std::string& path);

// Random bytes from the kernel, as lower-case hex.
Result<std::string> random_hex(std::size_t bytes);

// The user's name, or the number when there is none.
std::string user_name(uid_t uid);

// This process's working directory (absolute), or "" when it cannot be read.
std::string working_directory();

}  // namespace gracepack::os
