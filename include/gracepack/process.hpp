// Child processes that gracepack starts: spawned with an explicit environment, optionally as
// another user with no capabilities, and owned by a Child that kills and reaps it if nobody else
// did. Only processes started here are ever signalled, by their pid.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "gracepack/result.hpp"

namespace gracepack::os {

struct SpawnOptions {
  std::vector<std::string> argv;  // argv[0] is a path
  std::vector<std::string> env;   // the whole environment, KEY=VALUE
  std::optional<uid_t> uid;       // run as this user (all ids), with every capability dropped
  std::optional<gid_t> gid;
  bool die_with_parent = false;  // SIGKILL when the spawning process dies
  std::string stdin_text;        // written to the child's stdin, which is then closed
  int stdout_fd = -1;            // the child's stdout (default /dev/null)
  bool keep_stderr = false;      // inherit stderr (e.g. the job's) instead of /dev/null
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
// runs `wait` never waits for it. Returns once the intermediate process has exited.
Status spawn_detached(const SpawnOptions& options);

// Runs `fn` in a forked child and returns its result, killing the child after `timeout`: for
// library calls that may hang (an RPC to slurmctld).
Result<int> run_in_child(const std::function<int()>& fn, std::chrono::milliseconds timeout);

// Finds `program` (a name or a path) in `path_list` (a PATH value) and the standard directories.
std::optional<std::string> find_program(const std::string& program, const std::string& path_list);

// Runs `options` to completion within `timeout`; its exit code, or an error.
Result<int> run(const SpawnOptions& options, std::chrono::milliseconds timeout);

// Runs `options` to completion within `timeout`; its standard output if it exited 0.
Result<std::string> run_output(SpawnOptions options, std::chrono::milliseconds timeout);

}  // namespace gracepack::os
