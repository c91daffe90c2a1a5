#include "gracepack/os/run_files.hpp"

#include <unistd.h>

#include <ctime>

#include "gracepack/os/process.hpp"

namespace gracepack::os {

Result<ThisRun> set_up_run(const StateDir& dir, const RunMarker& fresh, bool batch_step) {
  auto lock = dir.lock();
  if (!lock) return lock.error();
  auto prior = dir.read_marker(fresh.job);
  if (!batch_step && prior && *prior && same_run(**prior, fresh.job, fresh.uid, fresh.run) &&
      dir.has_job_dir(fresh.job, fresh.uid)) {
    return ThisRun{**prior, false};
  }
  if (auto st = dir.make_job_dir(fresh.job, fresh.uid, fresh.gid); !st) return st.error();
  if (auto st = dir.write_marker(fresh); !st) return st.error();
  return ThisRun{fresh, true};
}

WatchState watcher_seen(const StateDir& dir, const RunMarker& m) {
  auto text = dir.read_job_file(m.job, m.uid, JobDirLayout::kStatus);
  if (!text || !*text) return WatchState::None;
  auto status = parse_watcher_status(**text);
  if (!status || status->run != m.run) return WatchState::None;
  if (status->state != WatchState::Watching) return status->state;
  auto held = dir.job_lock_held(m.job, m.uid);
  return held && *held ? WatchState::Watching : WatchState::None;
}

Status note_script_end(const StateDir& dir, std::uint32_t job, const std::string& run,
                       std::optional<int> status) {
  auto marker = dir.read_marker(job);
  if (!marker) return marker.error();
  if (!*marker || (*marker)->run != run) return fail("root's marker of the run is gone");
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
  auto text = dir.read_job_file(job, uid, JobDirLayout::kStatus);
  if (text && !*text) return f;  // no status file: the watcher never wrote one
  auto status = text ? parse_watcher_status(**text) : Result<WatcherStatus>(text.error());
  if (status) {
    f.status = *status;
  } else {
    f.status_note = status.error().message;
  }
  return f;
}

Status start_watcher(const WatcherArgs& args, const std::string& program,
                     std::vector<std::string> env) {
  SpawnOptions w;
  w.argv = to_argv(args, program);
  w.env = std::move(env);
  w.as = RunAs{::getuid(), ::getgid(), {}};
  w.keep_stderr = true;  // the job's stderr: the notice line goes there
  auto pid = spawn_detached(w);
  if (!pid) return pid.error();
  return Ok{};
}

}  // namespace gracepack::os
