#include "gracepack/process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "gracepack/capabilities.hpp"
#include "gracepack/text.hpp"

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

// In the child, between fork and exec: only async-signal-safe calls, then _exit on failure.
[[noreturn]] void exec_child(const SpawnOptions& o, int stdin_fd, char* const* argv,
                             char* const* envp) {
  if (stdin_fd >= 0) {
    ::dup2(stdin_fd, 0);
    ::close(stdin_fd);
  } else {
    const int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, 0);
  }
  const int null_out = ::open("/dev/null", O_WRONLY);
  if (null_out >= 0) {
    ::dup2(o.stdout_fd >= 0 ? o.stdout_fd : null_out, 1);
    if (!o.keep_stderr) ::dup2(null_out, 2);
  }
  ::setpgid(0, 0);  // its own process group: a signal to the step's group does not reach it twice
  if (o.gid && ::setresgid(*o.gid, *o.gid, *o.gid) != 0) _exit(126);
  if (o.uid) {
    if (::setresuid(*o.uid, *o.uid, *o.uid) != 0) _exit(126);
    if (::geteuid() == 0 && *o.uid != 0) _exit(126);
  }
  if (o.uid && !drop_all_capabilities()) _exit(126);
  // After the credential change, which clears it.
  if (o.die_with_parent) ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  ::execve(argv[0], argv, envp);
  _exit(127);
}

}  // namespace

Result<Child> spawn(const SpawnOptions& o) {
  if (o.argv.empty()) return fail("nothing to run");
  std::vector<char*> argv, envp;
  for (const auto& a : o.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : o.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  int pipefd[2] = {-1, -1};
  if (!o.stdin_text.empty() && ::pipe2(pipefd, O_CLOEXEC) != 0) {
    return fail(std::string("pipe: ") + std::strerror(errno));
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    if (pipefd[0] >= 0) ::close(pipefd[0]), ::close(pipefd[1]);
    return fail("cannot start " + o.argv[0] + ": " + std::strerror(errno));
  }
  if (pid == 0) {
    if (pipefd[1] >= 0) ::close(pipefd[1]);
    exec_child(o, pipefd[0], argv.data(), envp.data());
  }
  if (pipefd[0] >= 0) {
    ::close(pipefd[0]);
    // Small commands fit the pipe buffer; SIGPIPE is avoided by MSG-less write + ignore errors.
    const ssize_t n = ::write(pipefd[1], o.stdin_text.data(), o.stdin_text.size());
    (void)n;
    ::close(pipefd[1]);
  }
  return Child(pid);
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

}  // namespace gracepack::os

namespace gracepack::os {

Result<std::string> run_output(SpawnOptions options, std::chrono::milliseconds timeout) {
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
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[4096];
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > (1u << 20)) break;
  }
  ::close(fds[0]);
  auto status = child->wait_for(std::chrono::duration_cast<std::chrono::milliseconds>(std::max(
      deadline - std::chrono::steady_clock::now(), std::chrono::steady_clock::duration(0))));
  if (!status) {
    child->stop(std::chrono::milliseconds(0));
    return fail(options.argv[0] + " did not finish within " + std::to_string(timeout.count()) +
                " ms");
  }
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    return fail(options.argv[0] + " failed (status " + std::to_string(*status) + ")");
  }
  return out;
}

}  // namespace gracepack::os

namespace gracepack::os {

Status spawn_detached(const SpawnOptions& options) {
  const pid_t middle = ::fork();
  if (middle < 0) return fail("cannot start " + options.argv[0] + ": " + std::strerror(errno));
  if (middle == 0) {
    auto child = spawn(options);
    if (child) (void)child->release();
    _exit(child ? 0 : 1);
  }
  int status = 0;
  while (::waitpid(middle, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return fail("cannot start " + options.argv[0]);
  }
  return Ok{};
}

Result<int> run_in_child(const std::function<int()>& fn, std::chrono::milliseconds timeout) {
  const pid_t pid = ::fork();
  if (pid < 0) return fail(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) _exit(fn() & 0xff);
  Child child(pid);
  auto status = child.wait_for(timeout);
  if (!status) {
    child.stop(std::chrono::milliseconds(0));
    return fail("no answer within " + std::to_string(timeout.count() / 1000) + " s");
  }
  if (!WIFEXITED(*status))
    return fail("the call died with signal " + std::to_string(WTERMSIG(*status)));
  return WEXITSTATUS(*status);
}

}  // namespace gracepack::os
