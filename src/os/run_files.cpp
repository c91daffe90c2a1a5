#include "gracepack/os/run_files.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <thread>

#include "gracepack/core/base/text.hpp"
#include "gracepack/os/process.hpp"

namespace gracepack::os {

Result<ThisRun> set_up_run(const StateDir& dir, const RunMarker& fresh, bool batch_step) {
  Result<ThisRun> out = fail("not set up");
  {
    auto lock = dir.lock();
    if (!lock) return lock.error();
    auto prior = dir.read_marker(fresh.job);
    if (!batch_step && prior && *prior && same_run(**prior, fresh.job, fresh.uid, fresh.run) &&
        dir.has_run_dir(fresh.job, (*prior)->run)) {
      out = ThisRun{**prior, false, {}, {}};
    } else if (auto st = dir.make_job_dir(fresh.job, fresh.run); !st) {
      return st.error();
    } else if (auto w = dir.write_marker(fresh); !w) {
      return w.error();
    } else {
      out = ThisRun{fresh, true, {}, {}};
    }
    auto dumpable = read_file("/proc/sys/fs/suid_dumpable");
    if (dumpable && text::trim(*dumpable) == "1") {
      out->no_watcher =
          "fs.suid_dumpable=1 leaves the job's processes ptrace-able by the user after they drop "
          "to the user's uid, so the watcher's files are not handed out (set it to 0 or 2)";
    } else if (auto files = dir.open_run_files(out->marker.job, out->marker.run)) {
      out->files = std::move(*files);
    } else {
      return files.error();
    }
  }
  // What was set aside (an earlier run's directory) goes outside the lock: other jobs' steps
  // on the node do not wait for it. Whatever is left waits for the next sweep.
  (void)dir.sweep_quarantine(std::chrono::seconds(2));
  return out;
}

WatchState watcher_seen(const StateDir& dir, const RunMarker& m) {
  auto text = dir.read_job_file(m.job, JobDirLayout::kStatus);
  if (!text || !*text) return WatchState::None;
  auto status = parse_watcher_status(**text);
  if (!status || status->run != m.run) return WatchState::None;
  if (status->state != WatchState::Watching) return status->state;
  auto held = dir.job_lock_held(m.job, m.run);
  return held && *held ? WatchState::Watching : WatchState::None;
}

namespace {

// After a notice, the watcher reads the checkpoint acknowledgements once more when the batch
// script ends (ack_watch 1 -> 2): an application that saves on the notice, acknowledges and exits
// at once ends the step in that same instant, and the step's end ends the watcher. Root waits
// for that reading, 500 ms at most, before the step goes on to end.
void wait_for_last_ack_reading(const StateDir& dir, const RunMarker& m) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  while (true) {
    auto text = dir.read_job_file(m.job, JobDirLayout::kStatus);
    if (!text || !*text) return;
    auto status = parse_watcher_status(**text);
    if (!status || status->run != m.run || status->state != WatchState::Delivered ||
        status->ack_watch != 1)
      return;
    if (std::chrono::steady_clock::now() >= until) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

Status note_script_end(const StateDir& dir, std::uint32_t job, const std::string& run,
                       std::optional<int> status) {
  auto marker = dir.read_marker(job);
  if (!marker) return marker.error();
  if (!*marker || (*marker)->run != run) return fail("root's marker of the run is gone");
  wait_for_last_ack_reading(dir, **marker);
  RunMarker m = **marker;
  m.script_exit = std::time(nullptr);
  m.script_status = status;
  m.watcher_at_exit = watcher_seen(dir, m);
  return dir.write_marker(m);
}

EpilogFacts read_epilog_facts(const StateDir& dir, std::uint32_t job, uid_t uid) {
  EpilogFacts f;
  f.job_id = job;
  f.uid = uid;
  f.now = std::time(nullptr);
  auto marker = dir.read_marker(job);
  if (!marker) f.marker_note = marker.error().message;
  if (marker && *marker) f.marker = **marker;
  if (!f.marker || !f.marker->batch || f.marker->uid != uid) return f;
  auto text = dir.read_job_file(job, JobDirLayout::kStatus);
  // An empty status file: the watcher never wrote one (none started, or it was killed first).
  if (text && (!*text || (*text)->empty())) return f;
  auto status = text ? parse_watcher_status(**text) : Result<WatcherStatus>(text.error());
  if (status) {
    f.status = *status;
  } else {
    f.status_note = status.error().message;
  }
  return f;
}

Status start_watcher(const WatcherArgs& args, const std::string& program,
                     std::vector<std::string> env, const std::string& lock_path,
                     const RunFiles& files) {
  UniqueFd lock(::open(lock_path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!lock.valid()) return fail("cannot open " + lock_path + ": " + std::strerror(errno));
  // Held: this node's watcher of the run is up, once it has written its status. Held with no
  // status yet is a watcher still starting, or a process that holds the lock for a moment (a
  // `flock -n` that checks for the watcher, which the job's own user may run): tried again for up
  // to 2 s, so that a moment's holder does not leave the run without a watcher.
  for (int tries = 0;; ++tries) {
    if (::flock(lock.get(), LOCK_EX | LOCK_NB) == 0) break;
    if (errno != EWOULDBLOCK) return fail("cannot lock " + lock_path + ": " + std::strerror(errno));
    struct stat st {};
    if (tries >= 100 || (::fstat(files.status.get(), &st) == 0 && st.st_size > 0)) return Ok{};
    ::usleep(20000);
  }
  // Readable by the user, it would start dumpable: its descriptors open to the user for a moment.
  if (::access(program.c_str(), R_OK) == 0) {
    return fail(program + " is readable by the job's user; install it mode 0711 (as gracepack's " +
                "package does)");
  }
  SpawnOptions w;
  w.argv = to_argv(args, program);
  w.env = std::move(env);
  w.as = RunAs{::getuid(), ::getgid(), {}};
  w.keep_stderr = true;  // the job's stderr: the notice line goes there
  // The lock travels held: the watcher's copy keeps it for the watcher's life once this task's
  // copy closes at its exec.
  w.pass_fds = {lock.get(), files.status.get(), files.notice.get()};
  auto pid = spawn_detached(w);
  if (!pid) return pid.error();
  // The batch step's watcher: its first status, up to 500 ms: it has emptied the notice copy a
  // past run left by then, before the batch script can read it (a script that ends at once would
  // otherwise end the step, and the watcher, first). An srun step's tasks do not wait.
  for (int waited = 0; args.shell != 0 && waited < 100; ++waited) {
    struct stat st {};
    if (::fstat(files.status.get(), &st) == 0 && st.st_size > 0) break;
    ::usleep(5000);
  }
  return Ok{};
}

}  // namespace gracepack::os
