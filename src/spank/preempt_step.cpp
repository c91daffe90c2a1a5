// --preempt-requeue in slurmstepd: the run's directory and root's marker (init_post_opt, root),
// the watcher (task_init, as the user) and the batch script's end (task_exit, root).
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "gracepack/core/text.hpp"
#include "gracepack/core/watcher_args.hpp"
#include "gracepack/os/extern_holder.hpp"
#include "gracepack/os/files.hpp"
#include "gracepack/os/process.hpp"
#include "gracepack/os/state_dir.hpp"
#include "gracepack/slurm/api.hpp"
#include "node.hpp"
#include "preempt.hpp"

#ifndef GRACEPACK_WATCHER_PATH
#define GRACEPACK_WATCHER_PATH "/usr/libexec/gracepack/gracepack-watcher"
#endif
#ifndef GRACEPACK_CTL_PATH
#define GRACEPACK_CTL_PATH "/usr/libexec/gracepack/gracepack-ctl"
#endif

namespace gracepack::spank {
namespace {

const char kRunVar[] = "GRACEPACK_RUN";

// The run's nonce: the batch step draws it; srun steps inherit it from the batch script's
// environment (a step started from outside the job draws its own).
Result<std::string> run_nonce(const Spank& sp, bool batch) {
  if (!batch) {
    auto inherited = sp.getenv(kRunVar);
    if (inherited && valid_run_nonce(*inherited)) return *inherited;
  }
  return os::random_hex(8);
}

Result<RunMarker> new_marker(const Spank& sp, bool batch) {
  auto job = sp.job_id();
  auto uid = sp.uid();
  auto gid = sp.gid();
  auto run = run_nonce(sp, batch);
  if (!job || !uid || !gid || !run) return fail("cannot read the job from Slurm");
  RunMarker m;
  m.job = *job;
  m.uid = *uid;
  m.gid = *gid;
  m.batch = batch;
  m.started = std::time(nullptr);
  m.run = *run;
  if (auto ids = sp.array_ids()) m.array_job = ids->first, m.array_task = ids->second;
  // Set by slurmstepd in the batch environment before any plugin runs.
  if (batch) m.partition = sp.getenv("SLURM_JOB_PARTITION").value_or("");
  return m;
}

// The marker of this run, made now unless an earlier step of the run made it here.
struct ThisRun {
  RunMarker marker;
  bool made_now = false;
};
Result<ThisRun> this_run(const Spank& sp, const os::StateDir& dir, bool batch_step) {
  auto fresh = new_marker(sp, batch_step);
  if (!fresh) return fresh.error();
  auto prior = dir.read_marker(fresh->job);
  if (!batch_step && prior && *prior && same_run(**prior, fresh->job, fresh->uid, fresh->run) &&
      dir.has_job_dir(fresh->job, fresh->uid)) {
    return ThisRun{**prior, false};
  }
  if (auto st = dir.make_job_dir(fresh->job, fresh->uid, fresh->gid); !st) return st.error();
  if (auto st = dir.write_marker(*fresh); !st) return st.error();
  return ThisRun{*fresh, true};
}

// Where Slurm's extern step runs no placeholder (25.05+), one holder per run and node stands in.
void start_holder(const RunMarker& m) {
  if (slurm::extern_step_has_placeholder()) return;
  const os::RunAs as{m.uid, m.gid, {}};
  if (auto st = os::start_extern_holder({GRACEPACK_WATCHER_PATH, "--hold"}, as); !st)
    log_verbose("--preempt-requeue: no holder in the extern step (" + st.error().message +
                "): the watcher polls slurmctld");
}

std::vector<std::string> watcher_env(const Spank& sp) {
  std::vector<std::string> env{"PATH=/usr/bin:/bin"};
  // The job's own SLURM_CONF (configless clusters set it for jobs), else slurmstepd's.
  if (auto conf = sp.getenv("SLURM_CONF")) {
    env.push_back("SLURM_CONF=" + *conf);
  } else if (const char* own = std::getenv("SLURM_CONF")) {
    env.push_back(std::string("SLURM_CONF=") + own);
  }
  return env;
}

WatchState watcher_seen(const os::StateDir& dir, const RunMarker& m) {
  auto text = dir.read_job_file(m.job, m.uid, JobDirLayout::kStatus);
  auto status = text && *text ? parse_watcher_status(**text) : Result<WatcherStatus>(fail("none"));
  if (!status || status->run != m.run) return WatchState::None;
  if (status->state != WatchState::Watching) return status->state;
  auto held = dir.job_lock_held(m.job, m.uid);
  return held && *held ? WatchState::Watching : WatchState::None;
}

}  // namespace

void Preempt::set_up_run(const Spank& sp, const Config& config) {
  const bool batch = sp.is_step(StepKind::Batch);
  // srun steps too: on the other nodes of a multi-node job an srun step is what brings the job
  // there, and its node needs a notice directory and a watcher of its own.
  if (!request || (!batch && !sp.is_step(StepKind::Normal))) return;
  auto dir = os::StateDir::open(node_state_dir(config, node_name(sp)), true);
  auto lock = dir ? dir->lock() : Result<os::UniqueFd>(dir.error());
  auto run = lock ? this_run(sp, *dir, batch) : Result<ThisRun>(lock.error());
  if (!run) {
    log_error("--preempt-requeue: " + run.error().message + "; the job gets no early notice");
    return;
  }
  const RunMarker& m = run->marker;
  run_ = PreemptRun{m.job, dir->job_dir_path(m.job), m.run, batch};
  if (run->made_now) start_holder(m);
}

Status Preempt::start_watcher(const Spank& sp, const Config& config) const {
  if (!run_) return Ok{};
  if (auto r = sp.setenv("GRACEPACK_NOTICE_FILE", run_->dir + "/" + JobDirLayout::kNotice); !r)
    return r;
  if (auto r = sp.setenv(kRunVar, run_->run); !r) return r;
  // One watcher per run and node: the batch step's, or on the job's other nodes one started by
  // the first task of the first srun step there (a later one finds the lock held).
  if (!run_->batch_step) {
    auto task = sp.local_task_id();
    if (!task || *task != 0) return Ok{};
    auto lock = os::try_lock(run_->dir + "/" + JobDirLayout::kLock);
    if (!lock || !*lock) return Ok{};
  }
  WatcherArgs args;
  args.job = run_->job;
  args.dir = run_->dir;
  args.run = run_->run;
  args.shell = run_->batch_step ? ::getpid() : 0;
  args.request = *request;
  args.admin_max = config.max_requeue;
  args.poll = config.poll_interval;
  args.notify_shell = config.notify_shell;
  args.quiet = !run_->batch_step;
  args.ctl = GRACEPACK_CTL_PATH;
  // Set by slurmstepd in the task's environment by now (not yet when the run was set up).
  args.restart = static_cast<unsigned>(
      text::parse_int(sp.getenv("SLURM_RESTART_COUNT").value_or("0"), 0, 65535).value_or(0));
  os::SpawnOptions w;
  w.argv = to_argv(args, GRACEPACK_WATCHER_PATH);
  w.env = watcher_env(sp);
  w.as = os::RunAs{::getuid(), ::getgid(), {}};
  w.keep_stderr = true;  // the job's stderr: the notice line goes there
  if (auto r = os::spawn_detached(w); !r) {
    // The job still runs; it is still requeued after a preemption, just without an early notice.
    std::fprintf(stderr, "gracepack: --preempt-requeue: %s; the job gets no early notice\n",
                 r.error().message.c_str());
  }
  return Ok{};
}

void Preempt::record_script_end(const Spank& sp, const Config& config) const {
  if (!run_ || !run_->batch_step) return;
  auto dir = os::StateDir::open(node_state_dir(config, node_name(sp)), false);
  auto marker = dir ? dir->read_marker(run_->job) : Result<std::optional<RunMarker>>(dir.error());
  if (!marker || !*marker || (*marker)->run != run_->run) return;
  RunMarker m = **marker;
  m.script_exit = std::time(nullptr);
  if (auto status = sp.task_exit_status()) m.script_status = *status;
  m.watcher_at_exit = watcher_seen(*dir, m);
  if (auto st = dir->write_marker(m); !st) log_error("--preempt-requeue: " + st.error().message);
}

}  // namespace gracepack::spank
