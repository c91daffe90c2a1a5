#include "gracepack/os/state_dir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <optional>
#include <set>
#include <vector>

namespace gracepack::os {

Result<StateDir> StateDir::open(const std::string& path, bool create) {
  auto fd = open_root_dir(path, create);
  if (!fd) return fd.error();
  auto markers = open_root_subdir(fd->get(), JobDirLayout::kMarkers, 0700);
  if (!markers) return fail(path + "/" + JobDirLayout::kMarkers + ": " + markers.error().message);
  struct stat st {};
  if (::fstat(markers->get(), &st) != 0 || (st.st_mode & 077))
    return fail(path + "/" + JobDirLayout::kMarkers + " must be root's alone (mode 0700)");
  return StateDir(std::move(*fd), std::move(*markers), path);
}

Result<UniqueFd> StateDir::lock() const {
  UniqueFd fd(::openat(fd_.get(), ".lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return fail("cannot open " + path_ + "/.lock: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != 0)
    return fail(path_ + "/.lock must be a regular file of root's: remove it");
  while (::flock(fd.get(), LOCK_EX) != 0) {
    if (errno != EINTR) return fail("cannot lock " + path_ + "/.lock: " + std::strerror(errno));
  }
  return fd;
}

std::string StateDir::job_dir_path(std::uint32_t job) const {
  return path_ + "/" + JobDirLayout::dir_name(job);
}

std::string StateDir::notice_path(std::uint32_t job, std::string_view run) const {
  return job_dir_path(job) + "/" + JobDirLayout::notice_name(run);
}

Result<std::optional<RunMarker>> StateDir::read_marker(std::uint32_t job) const {
  const std::string name = JobDirLayout::marker_name(job);
  struct stat st {};
  if (::fstatat(markers_.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT)
    return std::optional<RunMarker>();
  auto text = read_small_file_at(markers_.get(), name, JobDirLayout::kMaxFile, uid_t{0});
  if (!text) return text.error();
  auto m = parse_run_marker(*text);
  if (!m) return m.error();
  return std::optional<RunMarker>(*m);
}

Status StateDir::write_marker(const RunMarker& m) const {
  return write_file_atomically(markers_.get(), JobDirLayout::marker_name(m.job),
                               format_run_marker(m), 0600);
}

// Only renamed here (under the node's lock, a rename costs the same for any tree); removed by
// sweep_quarantine.
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
  return Ok{};
}

Status StateDir::make_job_dir(std::uint32_t job, std::string_view run) const {
  const std::string name = JobDirLayout::dir_name(job);
  if (auto st = quarantine(name); !st) return st;
  if (::mkdirat(fd_.get(), name.c_str(), 0711) != 0)
    return fail("cannot create " + job_dir_path(job) + ": " + std::strerror(errno));
  auto dir = open_job_dir(job);
  if (!dir) return dir.error();
  if (::fchmod(dir->get(), 0711) != 0)
    return fail("cannot set the mode of " + job_dir_path(job) + ": " + std::strerror(errno));
  for (const auto& [file, mode] : {std::pair{JobDirLayout::notice_name(run), 0644},
                                   std::pair{JobDirLayout::lock_name(run), 0644},
                                   std::pair{std::string(JobDirLayout::kStatus), 0600}}) {
    if (auto st = create_file_at(dir->get(), file, static_cast<mode_t>(mode)); !st)
      return fail(job_dir_path(job) + ": " + st.error().message);
  }
  return Ok{};
}

Result<UniqueFd> StateDir::open_job_dir(std::uint32_t job) const {
  const std::string name = JobDirLayout::dir_name(job);
  UniqueFd fd(::openat(fd_.get(), name.c_str(),
                       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid()) return fail("cannot open " + job_dir_path(job) + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || st.st_uid != 0 || (st.st_mode & 022))
    return fail(job_dir_path(job) + " is not root's run directory");
  return fd;
}

bool StateDir::has_run_dir(std::uint32_t job, std::string_view run) const {
  auto dir = open_job_dir(job);
  return dir && open_file_at(dir->get(), JobDirLayout::lock_name(run), O_RDONLY, uid_t{0}).ok();
}

Result<RunFiles> StateDir::open_run_files(std::uint32_t job, std::string_view run) const {
  auto dir = open_job_dir(job);
  if (!dir) return dir.error();
  auto status = open_file_at(dir->get(), JobDirLayout::kStatus, O_RDWR, uid_t{0});
  if (!status) return status.error();
  auto notice = open_file_at(dir->get(), JobDirLayout::notice_name(run), O_WRONLY, uid_t{0});
  if (!notice) return notice.error();
  return RunFiles{std::move(*status), std::move(*notice)};
}

Result<std::optional<std::string>> StateDir::read_job_file(std::uint32_t job,
                                                           const std::string& name) const {
  auto dir = open_job_dir(job);
  if (!dir) return dir.error();
  struct stat st {};
  if (::fstatat(dir->get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT)
    return std::optional<std::string>();
  auto text = read_small_file_at(dir->get(), name, JobDirLayout::kMaxFile, uid_t{0});
  if (!text) return text.error();
  return std::optional<std::string>(std::move(*text));
}

Result<bool> StateDir::job_lock_held(std::uint32_t job, std::string_view run) const {
  auto dir = open_job_dir(job);
  if (!dir) return dir.error();
  return lock_held_at(dir->get(), JobDirLayout::lock_name(run));
}

Status StateDir::clear_job(std::uint32_t job) const {
  Status dir = quarantine(JobDirLayout::dir_name(job));
  const std::string marker = JobDirLayout::marker_name(job);
  if (::unlinkat(markers_.get(), marker.c_str(), 0) != 0 && errno != ENOENT)
    return fail("cannot remove the marker of job " + std::to_string(job) + ": " +
                std::strerror(errno));
  // Where releases before 0.2 kept the marker.
  ::unlinkat(fd_.get(), marker.c_str(), 0);
  return dir;
}

Status StateDir::sweep_quarantine(std::chrono::milliseconds budget) const {
  const std::string kQ = JobDirLayout::kQuarantine;
  const auto deadline = std::chrono::steady_clock::now() + budget;
  UniqueFd q(::openat(fd_.get(), JobDirLayout::kQuarantine,
                      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!q.valid())
    return errno == ENOENT ? Status(Ok{}) : Status(fail("cannot open the quarantine"));
  // A subtree moved up by remove_tree_at is a new entry: listed again until none is left. An
  // entry that cannot be removed is passed over, so that it does not keep the others.
  std::set<std::string> failed;
  std::optional<Error> first;
  while (true) {
    const int dup = ::fcntl(q.get(), F_DUPFD_CLOEXEC, 0);
    DIR* d = dup >= 0 ? ::fdopendir(dup) : nullptr;
    if (!d) {
      if (dup >= 0) ::close(dup);
      return fail("cannot list the quarantine");
    }
    ::rewinddir(d);  // the descriptor's offset is shared with every earlier listing
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
      const std::string n = e->d_name;
      if (n != "." && n != ".." && !failed.count(n)) names.push_back(n);
      if (names.size() >= 256) break;
    }
    ::closedir(d);
    if (names.empty()) break;
    for (const std::string& n : names) {
      if (auto st = remove_tree_at(q.get(), n, deadline); !st) {
        if (st.error().transient)
          return fail(path_ + "/" + kQ + "/" + n + ": " + st.error().message);
        failed.insert(n);
        if (!first) first = fail(path_ + "/" + kQ + "/" + n + ": " + st.error().message);
      }
    }
  }
  if (first) return *first;
  return Ok{};
}

}  // namespace gracepack::os
