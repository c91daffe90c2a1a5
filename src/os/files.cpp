#include "gracepack/os/files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace gracepack::os {
namespace {

std::string errno_text(int err = errno) {
  return std::strerror(err);
}

Result<std::string> read_all(int fd, std::size_t limit, const std::string& what) {
  std::string out;
  char buf[4096];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot read " + what + ": " + errno_text());
    if (n == 0) return out;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > limit)
      return fail(what + " is larger than " + std::to_string(limit) + " bytes");
  }
}

Status check_root_dir(int fd, const std::string& shown) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail("cannot stat " + shown + ": " + errno_text());
  if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022)) {
    return fail(shown + " must be a directory owned by root, not writable by group or others");
  }
  return Ok{};
}

// Opens `name` without following a link and without opening it for real: O_PATH has no side
// effect on a FIFO or a device.
Result<UniqueFd> open_path_at(int dir, const std::string& name, struct stat& st) {
  UniqueFd fd(::openat(dir, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return fail(name + ": " + errno_text());
  if (::fstat(fd.get(), &st) != 0) return fail("cannot stat " + name + ": " + errno_text());
  return fd;
}

// The checked O_PATH descriptor reopened for I/O (through /proc/self/fd, the same inode).
Result<UniqueFd> reopen(const UniqueFd& path_fd, const struct stat& st, int flags,
                        const std::string& name) {
  const std::string self = "/proc/self/fd/" + std::to_string(path_fd.get());
  UniqueFd fd(::open(self.c_str(), flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd.valid()) return fail("cannot open " + name + ": " + errno_text());
  struct stat again {};
  if (::fstat(fd.get(), &again) != 0 || again.st_ino != st.st_ino || again.st_dev != st.st_dev) {
    return fail(name + " changed while it was opened");
  }
  return fd;
}

Status check_plain_file(const struct stat& st, const std::string& name,
                        std::optional<uid_t> owner) {
  if (S_ISLNK(st.st_mode)) return fail(name + " is a symbolic link");
  if (!S_ISREG(st.st_mode)) return fail(name + " is not a regular file");
  if (st.st_nlink != 1) return fail(name + " has " + std::to_string(st.st_nlink) + " links");
  if (owner && st.st_uid != *owner)
    return fail(name + " belongs to uid " + std::to_string(st.st_uid));
  return Ok{};
}

// Up to `max` entries of the open directory `fd`, read from its start.
std::vector<std::string> list_some(int fd, std::size_t max) {
  std::vector<std::string> out;
  const int dup = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  DIR* d = dup >= 0 ? ::fdopendir(dup) : nullptr;
  if (!d) {
    if (dup >= 0) ::close(dup);
    return out;
  }
  ::rewinddir(d);
  while (dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    out.push_back(n);
    if (out.size() >= max) break;
  }
  ::closedir(d);
  return out;
}

UniqueFd open_dir_at(int dir, const std::string& name) {
  return UniqueFd(
      ::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

Result<UniqueFd> open_root_dir(const std::string& path, bool create) {
  if (create && ::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
    return fail("cannot create " + path + ": " + errno_text());
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return fail("cannot open " + path + ": " + errno_text());
  if (auto st = check_root_dir(fd.get(), path); !st) return st.error();
  return fd;
}

Result<UniqueFd> open_root_subdir(int parent, const std::string& name, mode_t mode) {
  if (::mkdirat(parent, name.c_str(), mode) != 0 && errno != EEXIST)
    return fail("cannot create " + name + ": " + errno_text());
  UniqueFd fd(::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return fail("cannot open " + name + ": " + errno_text());
  if (auto st = check_root_dir(fd.get(), name); !st) return st.error();
  return fd;
}

Result<std::string> read_small_file_at(int dir, const std::string& name, std::size_t limit,
                                       std::optional<uid_t> owner) {
  struct stat st {};
  auto path_fd = open_path_at(dir, name, st);
  if (!path_fd) return path_fd.error();
  if (auto ok = check_plain_file(st, name, owner); !ok) return ok.error();
  if (static_cast<std::size_t>(st.st_size) > limit)
    return fail(name + " is larger than " + std::to_string(limit) + " bytes");
  auto fd = reopen(*path_fd, st, O_RDONLY, name);
  if (!fd) return fd.error();
  return read_all(fd->get(), limit, name);
}

Result<UniqueFd> open_file_at(int dir, const std::string& name, int flags,
                              std::optional<uid_t> owner) {
  struct stat st {};
  auto path_fd = open_path_at(dir, name, st);
  if (!path_fd) return path_fd.error();
  if (auto ok = check_plain_file(st, name, owner); !ok) return ok.error();
  return reopen(*path_fd, st, flags, name);
}

Status create_file_at(int dir, const std::string& name, mode_t mode) {
  UniqueFd fd(
      ::openat(dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!fd.valid()) return fail("cannot create " + name + ": " + errno_text());
  if (::fchmod(fd.get(), mode) != 0) return fail("cannot set the mode of " + name);
  return Ok{};
}

Status write_file_atomically(int dir, const std::string& name, const std::string& text,
                             mode_t mode) {
  const std::string tmp = "." + name + ".tmp";
  ::unlinkat(dir, tmp.c_str(), 0);
  UniqueFd fd(
      ::openat(dir, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!fd.valid()) return fail("cannot write " + tmp + ": " + errno_text());
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("cannot write " + tmp + ": " + errno_text());
    done += static_cast<std::size_t>(n);
  }
  if (::renameat(dir, tmp.c_str(), dir, name.c_str()) != 0)
    return fail("cannot write " + name + ": " + errno_text());
  return Ok{};
}

Status replace_user_file(const std::string& path, const std::string& text) {
  const auto slash = path.rfind('/');
  if (path.empty() || path[0] != '/' || slash + 1 >= path.size())
    return fail("'" + path + "' is not an absolute file name");
  const std::string dir_path = slash == 0 ? "/" : path.substr(0, slash);
  const std::string name = path.substr(slash + 1);
  UniqueFd dir(::open(dir_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) return fail("cannot open " + dir_path + ": " + errno_text());
  auto suffix = random_hex(6);
  if (!suffix) return suffix.error();
  const std::string tmp = "." + name + "." + *suffix;
  UniqueFd fd(::openat(dir.get(), tmp.c_str(),
                       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0644));
  if (!fd.valid()) return fail("cannot write " + dir_path + "/" + tmp + ": " + errno_text());
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = errno_text();
      ::unlinkat(dir.get(), tmp.c_str(), 0);
      return fail("cannot write " + dir_path + "/" + tmp + ": " + why);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::renameat(dir.get(), tmp.c_str(), dir.get(), name.c_str()) != 0) {
    const std::string why = errno_text();
    ::unlinkat(dir.get(), tmp.c_str(), 0);
    return fail("cannot write " + path + ": " + why);
  }
  return Ok{};
}

Result<DirWatch> DirWatch::open(const std::string& dir) {
  UniqueFd fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!fd.valid()) return fail("inotify: " + errno_text());
  if (::inotify_add_watch(
          fd.get(), dir.c_str(),
          IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_ONLYDIR) < 0)
    return fail("cannot watch " + dir + ": " + errno_text());
  return DirWatch(std::move(fd));
}

bool DirWatch::wait(std::chrono::milliseconds timeout) const {
  return wait_or(timeout, -1) == Woken::Change;
}

DirWatch::Woken DirWatch::wait_or(std::chrono::milliseconds timeout, int other) const {
  pollfd p[2] = {{fd_.get(), POLLIN, 0}, {other, POLLIN, 0}};
  if (::poll(p, other >= 0 ? 2 : 1, static_cast<int>(timeout.count())) <= 0) return Woken::Timeout;
  if (p[0].revents) {
    alignas(inotify_event) char buf[4096];
    while (::read(fd_.get(), buf, sizeof buf) > 0) {
    }
  }
  return other >= 0 && p[1].revents ? Woken::Other : Woken::Change;
}

Result<std::optional<AckFile>> read_ack_file(const std::string& path) {
  constexpr off_t kMax = 4096;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return std::optional<AckFile>();
    if (errno == ELOOP) return fail("it is a symbolic link");
    return fail("cannot open it: " + errno_text());
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return fail("cannot stat it: " + errno_text());
  if (S_ISFIFO(st.st_mode)) return fail("it is a FIFO");
  if (S_ISDIR(st.st_mode)) return fail("it is a directory");
  if (!S_ISREG(st.st_mode)) return fail("it is not a regular file");
  // Read as the job's user: a file of another user's (planted in a shared directory) is not the
  // job's word.
  if (st.st_uid != ::geteuid())
    return fail("it belongs to uid " + std::to_string(st.st_uid) + ", not to the job's user");
  if (st.st_size > kMax)
    return fail("it holds " + std::to_string(static_cast<long long>(st.st_size)) +
                " bytes, more than 4096");
  auto text = read_whole(fd.get(), kMax);
  if (!text) return text.error();
  return std::optional<AckFile>(AckFile{st.st_mtim.tv_sec, st.st_mtim.tv_nsec, ack_label(*text),
                                        (st.st_mode & (S_IWGRP | S_IWOTH)) != 0});
}

Result<std::string> read_whole(int fd, std::size_t limit) {
  std::string out;
  char buf[4096];
  off_t at = 0;
  while (true) {
    const ssize_t n = ::pread(fd, buf, sizeof buf, at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(std::string("cannot read: ") + errno_text());
    if (n == 0) return out;
    out.append(buf, static_cast<std::size_t>(n));
    at += n;
    if (out.size() > limit) return fail("larger than " + std::to_string(limit) + " bytes");
  }
}

Status rewrite_whole(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n =
        ::pwrite(fd, text.data() + done, text.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail(std::string("cannot write: ") + errno_text());
    done += static_cast<std::size_t>(n);
  }
  if (::ftruncate(fd, static_cast<off_t>(text.size())) != 0)
    return fail(std::string("cannot cut to size: ") + errno_text());
  return Ok{};
}

Status rewrite_padded(int fd, const std::string& text) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail(std::string("cannot stat: ") + errno_text());
  std::string padded = text;
  if (st.st_size > 0 && static_cast<std::size_t>(st.st_size) > padded.size())
    padded.append(static_cast<std::size_t>(st.st_size) - padded.size(), '\n');
  // One call: a SIGKILL (the step's end) lands before it or after it, never between a write and
  // a truncation.
  const ssize_t n = ::pwrite(fd, padded.data(), padded.size(), 0);
  if (n < 0 || static_cast<std::size_t>(n) != padded.size())
    return fail(std::string("cannot write: ") + (n < 0 ? errno_text() : "short write"));
  return Ok{};
}

Status append_line(const std::string& path, const std::string& line) {
  const auto slash = path.rfind('/');
  if (path.empty() || path.front() != '/' || slash == path.size() - 1)
    return fail("not an absolute file path: " + path);
  const std::string parent = slash == 0 ? "/" : path.substr(0, slash);
  const std::string base = path.substr(slash + 1);
  if (::mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST)
    return fail("cannot create " + parent + ": " + errno_text());
  UniqueFd dir(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir.valid()) return fail("cannot open " + parent + ": " + errno_text());
  struct stat ds {};
  if (::fstat(dir.get(), &ds) != 0) return fail("cannot stat " + parent + ": " + errno_text());
  if ((ds.st_mode & 022) && !(ds.st_mode & S_ISVTX)) {
    return fail(parent + " must not be writable by group or others (or be sticky, like /tmp)");
  }
  UniqueFd fd(::openat(dir.get(), base.c_str(),
                       O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640));
  if (!fd.valid()) {
    if (errno != EEXIST) return fail("cannot create " + path + ": " + errno_text());
    struct stat st {};
    auto path_fd = open_path_at(dir.get(), base, st);
    if (!path_fd) return path_fd.error();
    // Root's file, or the directory owner's (Debian's /var/log/slurm is the slurm user's).
    const uid_t owner = st.st_uid == ds.st_uid ? ds.st_uid : uid_t{0};
    if (auto ok = check_plain_file(st, path, owner); !ok) return ok.error();
    auto opened = reopen(*path_fd, st, O_WRONLY | O_APPEND, path);
    if (!opened) return opened.error();
    fd = std::move(*opened);
  }
  const std::string rec = line + "\n";
  if (::write(fd.get(), rec.data(), rec.size()) != static_cast<ssize_t>(rec.size()))
    return fail("short write to " + path);
  return Ok{};
}

Status remove_tree_at(int top, const std::string& name,
                      std::chrono::steady_clock::time_point deadline) {
  constexpr std::size_t kMaxOpenDirs = 64;
  struct Level {
    UniqueFd fd;
    std::string name;  // its name in the level above (or in `top`)
  };
  UniqueFd first = open_dir_at(top, name);
  if (!first.valid()) {
    if (errno == ENOENT) return Ok{};
    if (errno != ENOTDIR && errno != ELOOP) return fail(name + ": " + errno_text());
    if (::unlinkat(top, name.c_str(), 0) != 0 && errno != ENOENT)
      return fail("cannot remove " + name + ": " + errno_text());
    return Ok{};
  }
  std::vector<Level> stack;
  stack.push_back({std::move(first), name});
  unsigned moved = 0;
  while (!stack.empty()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return fail_transient(name + ": not removed yet (out of time)");
    const int cur = stack.back().fd.get();
    const std::vector<std::string> entries = list_some(cur, 256);
    if (entries.empty()) {
      const std::string gone = stack.back().name;
      stack.pop_back();
      const int parent = stack.empty() ? top : stack.back().fd.get();
      if (::unlinkat(parent, gone.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
        return fail("cannot remove " + gone + ": " + errno_text());
      continue;
    }
    for (const std::string& e : entries) {
      if (::unlinkat(cur, e.c_str(), 0) == 0 || errno == ENOENT) continue;
      if (errno != EISDIR) return fail("cannot remove " + e + ": " + errno_text());
      if (stack.size() >= kMaxOpenDirs) {
        // Deeper than the descriptors held: the subtree becomes an entry of `top` of its own,
        // under a name no earlier, interrupted call has used.
        auto tag = random_hex(4);
        const std::string up =
            name + ".up" + std::to_string(++moved) + "." + (tag ? *tag : std::string("x"));
        if (::renameat(cur, e.c_str(), top, up.c_str()) != 0)
          return fail("cannot move " + e + " up: " + errno_text());
        continue;
      }
      UniqueFd sub = open_dir_at(cur, e);
      if (!sub.valid()) {
        if (errno == ENOENT) continue;
        return fail("cannot open " + e + ": " + errno_text());
      }
      stack.push_back({std::move(sub), e});
      break;
    }
  }
  return Ok{};
}

Result<bool> lock_held_at(int dir, const std::string& name) {
  struct stat st {};
  auto path_fd = open_path_at(dir, name, st);
  if (!path_fd) return path_fd.error();
  if (auto ok = check_plain_file(st, name, std::nullopt); !ok) return ok.error();
  auto fd = reopen(*path_fd, st, O_RDONLY, name);
  if (!fd) return fd.error();
  if (::flock(fd->get(), LOCK_EX | LOCK_NB) == 0) return false;  // closing releases it
  if (errno == EWOULDBLOCK) return true;
  return fail("cannot lock " + name + ": " + errno_text());
}

Result<std::optional<UniqueFd>> try_lock(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600));
  if (!fd.valid()) return fail("cannot open " + path + ": " + errno_text());
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
    return fail(path + " is not a regular file");
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) return std::optional<UniqueFd>(std::move(fd));
  if (errno == EWOULDBLOCK) return std::optional<UniqueFd>();
  return fail("cannot lock " + path + ": " + errno_text());
}

Result<std::string> read_user_file(const std::string& path, std::size_t limit) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd.valid()) return fail("cannot open " + path + ": " + errno_text());
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
    return fail(path + " is not a regular file");
  if (static_cast<std::size_t>(st.st_size) > limit) return fail(path + " is too large");
  return read_all(fd.get(), limit, path);
}

Result<std::string> read_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd.valid()) return fail("cannot open " + path + ": " + errno_text());
  return read_all(fd.get(), 1u << 20, path);
}

Result<std::string> random_hex(std::size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  std::size_t got = 0;
  while (got < bytes) {
    const ssize_t n = ::getrandom(buf.data() + got, bytes - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("getrandom: " + errno_text());
    got += static_cast<std::size_t>(n);
  }
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : buf) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string working_directory() {
  char buf[4096];
  return ::getcwd(buf, sizeof buf) ? std::string(buf) : std::string();
}

std::string user_name(uid_t uid) {
  std::vector<char> buf(4096);
  struct passwd pw {};
  struct passwd* res = nullptr;
  while (true) {
    const int rc = getpwuid_r(uid, &pw, buf.data(), buf.size(), &res);
    if (rc == ERANGE && buf.size() < (1u << 20)) {
      buf.resize(buf.size() * 4);
      continue;
    }
    if (rc == 0 && res) return pw.pw_name;
    return std::to_string(uid);
  }
}

}  // namespace gracepack::os
