// Child processes that gracepack starts: spawned with an explicit environment and, as another
// user, with that user's credentials only (groups set first, no capability in any set, no new
// privileges on exec), only descriptors 0-2 open (and those handed over on purpose); owned by a
// Child that kills and reaps it if nobody else did. Only processes started here are ever signalled,
// by their pid.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gracepack/core/base/result.hpp"

namespace gracepack::os {

// Who a child runs as: uid and gid together, and its supplementary groups (none by default).
struct RunAs {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
};

struct SpawnOptions {
  std::vector<std::string> argv;  // argv[0] is a path
  std::vector<std::string> env;   // the whole environment, KEY=VALUE
  std::optional<RunAs> as;        // run as this user, with every capability dropped
  bool die_with_parent = false;   // SIGKILL when the spawning process dies
  std::string stdin_text;         // written to the child's stdin, which is then closed
  int stdout_fd = -1;             // the child's stdout (default /dev/null)
  bool keep_stderr = false;       // inherit stderr (e.g. the job's) instead of /dev/null
  // A cgroup directory the child joins before it runs anything (created when missing); a child
  // that cannot join it exits 125 without running the program. Root's, so the caller is root or
  // keeps root's real uid (slurmstepd in user_init), which the child takes back for this alone.
  std::string cgroup;
  // Descriptors handed to the program as 3, 4, ... in this order; every other one is closed.
  std::vector<int> pass_fds;
  // Signals the program starts with ignored (every other one at its default).
  std::vector<int> ignore_signals;
  // The OOM killer's view of it back to neutral (slurmstepd runs with -1000).
  bool reset_oom_score = false;
};

class Child {
 public:
  Child() = default;
  explicit Child(pid_t pid);
  Child(Child&& o) noexcept : pid_(o.pid_), owner_(o.owner_) { o.pid_ = -1; }
  Child& operator=(Child&& o) noexcept;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child();

  pid_t pid() const { return pid_; }
  // Gives up ownership: the process is no longer stopped by this object.
  pid_t release() {
    const pid_t p = pid_;
    pid_ = -1;
    return p;
  }
  bool running() const { return pid_ > 0; }
  // The exit status (as waitpid reports it), or nullopt if still running after `timeout`.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);
  void signal(int sig) const;
  // SIGTERM, then SIGKILL after `grace`; always reaps.
  void stop(std::chrono::milliseconds grace);

 private:
  bool owned() const;

  pid_t pid_ = -1;
  pid_t owner_ = -1;  // the process that started it; a forked copy elsewhere never acts on it
};

Result<Child> spawn(const SpawnOptions& options);

// Starts `options` so that it is not a child of the caller (double fork): a shell that later
// runs `wait` never waits for it. Returns its pid once the intermediate process has exited.
Result<pid_t> spawn_detached(const SpawnOptions& options);

// Finds `program` (a name or a path) in `path_list` (a PATH value) and the standard directories.
std::optional<std::string> find_program(const std::string& program, const std::string& path_list);

// This process's RLIMIT_DATA (the memory fallback where no cgroup limit can be set; never
// RLIMIT_AS, which breaks CUDA).
Status set_data_rlimit(std::uint64_t bytes);

// Runs `options` to completion within `timeout`; its exit code, or an error.
Result<int> run(const SpawnOptions& options, std::chrono::milliseconds timeout);

// Runs `options` within `timeout`; its exit code and standard output (at most 1 MiB).
struct Output {
  int code = 0;
  std::string out;
};
Result<Output> run_capture(SpawnOptions options, std::chrono::milliseconds timeout);
// The same, and only the output of a child that exited 0.
Result<std::string> run_output(SpawnOptions options, std::chrono::milliseconds timeout);

}  // namespace gracepack::os
