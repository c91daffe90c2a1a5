#include "gracepack/os/process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "gracepack/core/base/text.hpp"
#include "gracepack/os/capabilities.hpp"

namespace gracepack::os {

Child::Child(pid_t pid) : pid_(pid), owner_(::getpid()) {}

bool Child::owned() const {
  return pid_ > 0 && owner_ == ::getpid();
}

Child& Child::operator=(Child&& o) noexcept {
  if (this != &o) {
    stop(std::chrono::milliseconds(0));
    pid_ = o.pid_;
    owner_ = o.owner_;
    o.pid_ = -1;
  }
  return *this;
}

Child::~Child() {
  stop(std::chrono::milliseconds(0));
}

std::optional<int> Child::wait_for(std::chrono::milliseconds timeout) {
  if (!owned()) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) {
      pid_ = -1;
      return r == -1 ? -1 : status;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void Child::signal(int sig) const {
  if (owned()) ::kill(pid_, sig);
}

void Child::stop(std::chrono::milliseconds grace) {
  if (!owned()) {
    pid_ = -1;  // a copy inherited through fork: the owner stops it
    return;
  }
  if (grace.count() > 0) {
    signal(SIGTERM);
    if (wait_for(grace)) return;
  }
  signal(SIGKILL);
  wait_for(std::chrono::seconds(5));
}

namespace {

// Everything the child needs, built before fork: between fork and exec the child of a
// multi-threaded slurmstepd may only make async-signal-safe calls (no allocation, no exception).
struct Prepared {
  std::vector<std::string> argv_store, env_store;
  std::vector<char*> argv, envp;
  std::vector<gid_t> groups;
  std::string cgroup_procs;
  int close_from = 3;  // the first descriptor the program must not have
  pid_t parent = 0;    // the spawning process
  const SpawnOptions* o = nullptr;
};

Prepared prepare(const SpawnOptions& o) {
  Prepared p;
  p.o = &o;
  p.argv_store = o.argv;
  p.env_store = o.env;
  for (auto& a : p.argv_store) p.argv.push_back(a.data());
  p.argv.push_back(nullptr);
  for (auto& e : p.env_store) p.envp.push_back(e.data());
  p.envp.push_back(nullptr);
  if (o.as) p.groups = o.as->groups;
  if (!o.cgroup.empty()) p.cgroup_procs = o.cgroup + "/cgroup.procs";
  p.close_from = 3 + static_cast<int>(o.pass_fds.size());
  p.parent = ::getpid();
  return p;
}

// The child joins its cgroup as root: slurmstepd runs user_init with the user's effective uid
// and root's real one, which the child takes back for the mkdir and the write alone.
bool join_cgroup(const Prepared& p) {
  const uid_t euid = ::geteuid();
  const bool regain = euid != 0 && ::getuid() == 0;
  if (regain && ::setresuid(static_cast<uid_t>(-1), 0, static_cast<uid_t>(-1)) != 0) return false;
  bool ok = false;
  struct stat st {};
  // Root's, whoever made it (before 23.02.5 Slurm gives a v1 step's freezer cgroup to the job's
  // user, who could make this one first).
  if ((::mkdir(p.o->cgroup.c_str(), 0755) == 0 || errno == EEXIST) &&
      ::lstat(p.o->cgroup.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == 0) {
    const int fd = ::open(p.cgroup_procs.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      ok = ::write(fd, "0", 1) == 1;
      ::close(fd);
    }
  }
  if (regain && ::setresuid(static_cast<uid_t>(-1), euid, static_cast<uid_t>(-1)) != 0)
    return false;
  return ok;
}

// Puts the descriptors to hand over at 3, 4, ...: first above every target, so that moving one
// never overwrites another that is still to move.
bool place_fds(const SpawnOptions& o) {
  const int n = static_cast<int>(o.pass_fds.size());
  int high[16];
  if (n > 16) return false;
  for (int k = 0; k < n; ++k) {
    high[k] = ::fcntl(o.pass_fds[static_cast<std::size_t>(k)], F_DUPFD_CLOEXEC, 3 + n);
    if (high[k] < 0) return false;
  }
  for (int k = 0; k < n; ++k) {
    if (::dup2(high[k], 3 + k) != 3 + k) return false;  // dup2 clears close-on-exec
  }
  return true;
}

// Closes every descriptor from `first` on: close_range where the kernel has it (5.9), else one
// by one up to the descriptor limit.
void close_from(int first) {
  if (::syscall(SYS_close_range, static_cast<unsigned>(first), ~0U, 0U) == 0) return;
  rlimit rl{};
  long top = ::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
                 ? static_cast<long>(rl.rlim_cur)
                 : 65536;
  if (top > (1L << 20)) top = 1L << 20;
  for (long fd = first; fd < top; ++fd) ::close(static_cast<int>(fd));
}

[[noreturn]] void exec_child(const Prepared& p, int stdin_fd) {
  const SpawnOptions& o = *p.o;
  if (stdin_fd >= 0) {
    ::dup2(stdin_fd, 0);
  } else {
    const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null >= 0) ::dup2(null, 0);
  }
  const int null_out = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null_out >= 0) {
    ::dup2(o.stdout_fd >= 0 ? o.stdout_fd : null_out, 1);
    if (!o.keep_stderr) ::dup2(null_out, 2);
  }
  // The program starts with default signal dispositions and nothing blocked, whatever the caller
  // (slurmstepd, the watcher) ignores.
  for (int sig = 1; sig < 32; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
  }
  for (int sig : o.ignore_signals) ::signal(sig, SIG_IGN);
  if (o.reset_oom_score) {
    const int fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      (void)!::write(fd, "0", 1);
      ::close(fd);
    }
  }
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  // Nothing but 0-2 (and what is handed over) reaches the program: no descriptor of Slurm's or
  // of the caller's.
  if (!o.pass_fds.empty() && !place_fds(o)) _exit(126);
  close_from(p.close_from);
  ::setpgid(0, 0);  // its own process group: a signal to the step's group does not reach it twice
  // In its cgroup before it can start anything: its descendants stay there too.
  if (!o.cgroup.empty() && !join_cgroup(p)) _exit(125);
  if (o.as) {
    const bool root = ::geteuid() == 0;
    if (root) {
      if (::setgroups(p.groups.size(), p.groups.data()) != 0) _exit(126);
      // The bounding set, while the capability to change it is still held.
      for (int cap = 0; cap <= 63; ++cap) ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
    }
    if (::setresgid(o.as->gid, o.as->gid, o.as->gid) != 0) _exit(126);
    if (::setresuid(o.as->uid, o.as->uid, o.as->uid) != 0) _exit(126);
    if (o.as->uid != 0 && (::geteuid() == 0 || ::getuid() == 0)) _exit(126);
    if (!drop_all_capabilities()) _exit(126);
  }
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(126);
  // After the credential change, which clears it; a parent already gone is no parent to die with.
  if (o.die_with_parent) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != p.parent) _exit(126);
  }
  ::execve(p.argv[0], p.argv.data(), p.envp.data());
  _exit(127);
}

// A child that exits before reading its stdin (a client that finds no daemon) makes the write
// raise SIGPIPE, which would kill the Slurm process gracepack runs in if it does not ignore it:
// blocked for the write, a pending one taken back, the mask restored.
void write_ignoring_sigpipe(int fd, const std::string& text) {
  sigset_t pipe_only, old;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  sigset_t pending;
  sigemptyset(&pending);
  const bool was_pending = ::sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
  ::pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
  const ssize_t n = ::write(fd, text.data(), text.size());
  (void)n;  // a child that reads less gets EOF; what it did is its exit status
  sigemptyset(&pending);
  if (!was_pending && ::sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
    const timespec zero{0, 0};
    while (::sigtimedwait(&pipe_only, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

}  // namespace

Result<Child> spawn(const SpawnOptions& o) {
  if (o.argv.empty()) return fail("nothing to run");
  if (o.pass_fds.size() > 16) return fail("too many descriptors to hand over");
  if (o.as && o.as->uid != 0 && o.as->gid == 0)
    return fail("a user's child needs the user's group");
  const Prepared p = prepare(o);
  int pipefd[2] = {-1, -1};
  if (!o.stdin_text.empty() && ::pipe2(pipefd, O_CLOEXEC) != 0) {
    return fail(std::string("pipe: ") + std::strerror(errno));
  }
  // No handler of the caller's may run in the child before it resets them (exec_child unblocks).
  sigset_t all, old;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  const pid_t pid = ::fork();
  if (pid == 0) exec_child(p, pipefd[0]);
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) {
    if (pipefd[0] >= 0) ::close(pipefd[0]), ::close(pipefd[1]);
    return fail("cannot start " + o.argv[0] + ": " + std::strerror(errno));
  }
  if (pipefd[0] >= 0) {
    ::close(pipefd[0]);
    // Small commands fit the pipe buffer; a child that does not read gets EOF, not a block.
    write_ignoring_sigpipe(pipefd[1], o.stdin_text);
    ::close(pipefd[1]);
  }
  return Child(pid);
}

Result<pid_t> spawn_detached(const SpawnOptions& o) {
  if (o.argv.empty()) return fail("nothing to run");
  if (o.pass_fds.size() > 16) return fail("too many descriptors to hand over");
  if (o.as && o.as->uid != 0 && o.as->gid == 0)
    return fail("a user's child needs the user's group");
  const Prepared p = prepare(o);
  int report[2];  // the intermediate process tells the grandchild's pid through it
  if (::pipe2(report, O_CLOEXEC) != 0) return fail(std::string("pipe: ") + std::strerror(errno));
  sigset_t all, old;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  const pid_t middle = ::fork();
  if (middle != 0) ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (middle < 0) {
    ::close(report[0]), ::close(report[1]);
    return fail("cannot start " + o.argv[0] + ": " + std::strerror(errno));
  }
  if (middle == 0) {
    const pid_t pid = ::fork();
    if (pid == 0) exec_child(p, -1);
    const ssize_t n = ::write(report[1], &pid, sizeof pid);
    _exit(pid > 0 && n == sizeof pid ? 0 : 1);
  }
  ::close(report[1]);
  int status = 0;
  while (::waitpid(middle, &status, 0) < 0 && errno == EINTR) {
  }
  pid_t pid = -1;
  const ssize_t n = ::read(report[0], &pid, sizeof pid);
  ::close(report[0]);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || n != sizeof pid || pid <= 0) {
    return fail("cannot start " + o.argv[0]);
  }
  return pid;
}

std::optional<std::string> find_program(const std::string& program, const std::string& path_list) {
  auto executable = [](const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
  };
  if (program.find('/') != std::string::npos) {
    return executable(program) ? std::optional<std::string>(program) : std::nullopt;
  }
  const std::string all =
      path_list + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (auto dir : text::split(all, ':')) {
    if (dir.empty() || dir.front() != '/') continue;
    const std::string candidate = std::string(dir) + "/" + program;
    if (executable(candidate)) return candidate;
  }
  return std::nullopt;
}

Status set_data_rlimit(std::uint64_t bytes) {
  rlimit rl{static_cast<rlim_t>(bytes), static_cast<rlim_t>(bytes)};
  if (setrlimit(RLIMIT_DATA, &rl) != 0)
    return fail(std::string("cannot set RLIMIT_DATA: ") + std::strerror(errno));
  return Ok{};
}

Result<int> run(const SpawnOptions& options, std::chrono::milliseconds timeout) {
  auto child = spawn(options);
  if (!child) return child.error();
  auto status = child->wait_for(timeout);
  if (!status) {
    child->stop(std::chrono::milliseconds(0));
    return fail(options.argv[0] + " did not finish within " + std::to_string(timeout.count()) +
                " ms");
  }
  if (WIFEXITED(*status)) return WEXITSTATUS(*status);
  return fail(options.argv[0] + " was killed by signal " + std::to_string(WTERMSIG(*status)));
}

Result<Output> run_capture(SpawnOptions options, std::chrono::milliseconds timeout) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return fail(std::string("pipe: ") + std::strerror(errno));
  options.stdout_fd = fds[1];
  auto child = spawn(options);
  ::close(fds[1]);
  if (!child) {
    ::close(fds[0]);
    return child.error();
  }
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd pfd{fds[0], POLLIN, 0};
    const int r = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    char buf[4096];
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > (1u << 20)) break;
  }
  ::close(fds[0]);
  auto status = child->wait_for(std::chrono::duration_cast<std::chrono::milliseconds>(std::max(
      deadline - std::chrono::steady_clock::now(), std::chrono::steady_clock::duration(0))));
  if (!status) {
    child->stop(std::chrono::milliseconds(0));
    return fail_transient(options.argv[0] + " did not finish within " +
                          std::to_string(timeout.count() / 1000) + " s");
  }
  if (!WIFEXITED(*status)) {
    return fail(options.argv[0] + " was killed by signal " + std::to_string(WTERMSIG(*status)));
  }
  return Output{WEXITSTATUS(*status), std::move(out)};
}

Result<std::string> run_output(SpawnOptions options, std::chrono::milliseconds timeout) {
  auto r = run_capture(std::move(options), timeout);
  if (!r) return r.error();
  if (r->code != 0) return fail("exited with status " + std::to_string(r->code));
  return std::move(r->out);
}

}  // namespace gracepack::os
