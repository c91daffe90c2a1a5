#include "gracepack/os/state_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace gracepack::os {

Result<StateDir> StateDir::open(const std::string& path, bool create) {
  auto fd = open_root_dir(path, create);
  if (!fd) return fd.error();
  return StateDir(std::move(*fd), path);
}

Result<UniqueFd> StateDir::lock() const {
  UniqueFd fd(::openat(fd_.get(), ".lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  struct stat st {};
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != 0)
    return fail("cannot open " + path_ + "/.lock: " + std::strerror(errno));
  while (::flock(fd.get(), LOCK_EX) != 0) {
    if (errno != EINTR) return fail("cannot lock " + path_ + "/.lock: " + std::strerror(errno));
  }
  return fd;
}

std::string StateDir::job_dir_path(std::uint32_t job) const {
  return path_ + "/" + JobDirLayout::dir_name(job);
}

Result<std::optional<RunMarker>> StateDir::read_marker(std::uint32_t job) const {
  auto text = read_small_file_at(fd_.get(), JobDirLayout::marker_name(job), JobDirLayout::kMaxFile,
                                 uid_t{0});
  if (!text) {
    struct stat st {};
    if (::fstatat(fd_.get(), JobDirLayout::marker_name(job).c_str(), &st, AT_SYMLINK_NOFOLLOW) !=
            0 &&
        errno == ENOENT) {
      return std::optional<RunMarker>();
    }
    return text.error();
  }
  auto m = parse_run_marker(*text);
  if (!m) return m.error();
  return std::optional<RunMarker>(*m);
}

Status StateDir::write_marker(const RunMarker& m) const {
  return write_file_atomically(fd_.get(), JobDirLayout::marker_name(m.job), format_run_marker(m),
                               0600);
}

Status StateDir::quarantine(const std::string& name) const {
  struct stat st {};
  if (::fstatat(fd_.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno == ENOENT ? Status(Ok{}) : Status(fail(name + ": " + std::strerror(errno)));
  }
  auto q = open_root_subdir(fd_.get(), JobDirLayout::kQuarantine, 0700);
  if (!q) return q.error();
  auto tag = random_hex(4);
  const std::string aside = name + "." +
                            std::to_string(static_cast<long long>(std::time(nullptr))) + "." +
                            (tag ? *tag : std::string("x"));
  if (::renameat(fd_.get(), name.c_str(), q->get(), aside.c_str()) != 0)
    return fail("cannot move " + path_ + "/" + name + " aside: " + std::strerror(errno));
  if (auto removed = remove_tree_at(q->get(), aside); !removed) {
    return fail(path_ + "/" + name + " is quarantined as " + path_ + "/" +
                JobDirLayout::kQuarantine + "/" + aside +
                " and could not be removed: " + removed.error().message);
  }
  return Ok{};
}

Status StateDir::make_job_dir(std::uint32_t job, uid_t uid, gid_t gid) const {
  const std::string name = JobDirLayout::dir_name(job);
  if (auto st = quarantine(name); !st) return st;
  if (::mkdirat(fd_.get(), name.c_str(), 0700) != 0)
    return fail("cannot create " + job_dir_path(job) + ": " + std::strerror(errno));
  UniqueFd fd(::openat(fd_.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid() || ::fchown(fd.get(), uid, gid) != 0 || ::fchmod(fd.get(), 0700) != 0) {
    return fail("cannot give " + job_dir_path(job) + " to the job's user: " + std::strerror(errno));
  }
  return Ok{};
}

Result<UniqueFd> StateDir::open_job_dir(std::uint32_t job, uid_t uid) const {
  const std::string name = JobDirLayout::dir_name(job);
  UniqueFd fd(::openat(fd_.get(), name.c_str(),
                       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid()) return fail("cannot open " + job_dir_path(job) + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || st.st_uid != uid)
    return fail(job_dir_path(job) + " is not the job user's directory");
  return fd;
}

bool StateDir::has_job_dir(std::uint32_t job, uid_t uid) const {
  return open_job_dir(job, uid).ok();
}

Result<std::optional<std::string>> StateDir::read_job_file(std::uint32_t job, uid_t uid,
                                                           const char* name) const {
  auto dir = open_job_dir(job, uid);
  if (!dir) return dir.error();
  struct stat st {};
  if (::fstatat(dir->get(), name, &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT)
    return std::optional<std::string>();
  auto text = read_small_file_at(dir->get(), name, JobDirLayout::kMaxFile, uid);
  if (!text) return text.error();
  return std::optional<std::string>(std::move(*text));
}

Result<bool> StateDir::job_lock_held(std::uint32_t job, uid_t uid) const {
  auto dir = open_job_dir(job, uid);
  if (!dir) return dir.error();
  return lock_held_at(dir->get(), JobDirLayout::kLock);
}

Status StateDir::clear_job(std::uint32_t job) const {
  Status dir = quarantine(JobDirLayout::dir_name(job));
  if (::unlinkat(fd_.get(), JobDirLayout::marker_name(job).c_str(), 0) != 0 && errno != ENOENT)
    return fail("cannot remove the marker of job " + std::to_string(job) + ": " +
                std::strerror(errno));
  return dir;
}

}  // namespace gracepack::os
