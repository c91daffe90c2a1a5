// --preempt-requeue in slurmstepd: the run's directory and root's marker (init_post_opt, root),
// the watcher (task_init, as the user) and the batch script's end (task_exit, root).
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "gracepack/core/base/text.hpp"
#include "gracepack/features/preempt.hpp"
#include "gracepack/os/files.hpp"
#include "gracepack/os/run_files.hpp"
#include "gracepack/slurm/api.hpp"

#ifndef GRACEPACK_WATCHER_PATH
#define GRACEPACK_WATCHER_PATH "/usr/libexec/gracepack/gracepack-watcher"
#endif
#ifndef GRACEPACK_CTL_PATH
#define GRACEPACK_CTL_PATH "/usr/libexec/gracepack/gracepack-ctl"
#endif

namespace gracepack::features {
namespace {

const char kRunVar[] = "GRACEPACK_RUN";
// The notice copy's resolved name, set in the batch script's environment, where the job's srun
// steps (on any node, whatever their --chdir) take it from.
const char kCopyVar[] = "GRACEPACK_NOTICE_COPY";
// Where the job's programs acknowledge a durable checkpoint (core/preempt/checkpoint.hpp).
const char kCheckpointVar[] = "GRACEPACK_CHECKPOINT_FILE";

// A marker for a run starting here. The batch step draws the run's nonce; srun steps inherit it
// from the batch script's environment (a step started from outside the job draws its own).
Result<RunMarker> new_marker(const Step& sp, bool batch) {
  auto inherited = batch ? std::nullopt : sp.getenv(kRunVar);
  auto run = inherited && valid_run_nonce(*inherited) ? Result<std::string>(*inherited)
                                                      : os::random_hex(8);
  auto job = sp.job_id(), uid = sp.uid(), gid = sp.gid();
  if (!job || !uid || !gid || !run) return fail("cannot read the job from Slurm");
  RunMarker m = run_marker(*job, *uid, *gid, batch, std::time(nullptr), *run);
  if (auto ids = sp.array_ids()) m.array_job = ids->first, m.array_task = ids->second;
  // Set by slurmstepd in the batch environment before any plugin runs.
  if (batch) m.partition = sp.getenv("SLURM_JOB_PARTITION").value_or("");
  return m;
}

// The job's node count, for spreading its watchers' reads (only timing depends on it).
unsigned nodes(const Step& sp) {
  auto n = text::parse_int(sp.getenv("SLURM_JOB_NUM_NODES").value_or("1"), 1, 1 << 20);
  return static_cast<unsigned>(n.value_or(1));
}

// slurmstepd's own SLURM_CONF (slurmd's, which configless slurmd points at its copy), never the
// job's: with a slurm.conf of their own the user would choose the slurmctld whose answers the
// watcher believes, and so what root's status file says.
std::vector<std::string> watcher_env() {
  std::vector<std::string> env{"PATH=/usr/bin:/bin"};
  if (const char* conf = std::getenv("SLURM_CONF"))
    env.push_back(std::string("SLURM_CONF=") + conf);
  return env;
}

// A file name the batch script's environment hands an srun step in `var` (resolved there once
// for every step, whatever its --chdir): absolute and printable, or none.
std::optional<std::string> inherited_path(const Step& sp, const char* var) {
  auto v = sp.getenv(var);
  if (v && !v->empty() && (*v)[0] == '/' && v->size() < 4096 && text::is_printable(*v)) return v;
  return std::nullopt;
}

// The watcher takes only printable names (its arguments are checked as hostile input): a
// working directory whose name is not (Latin-1, a tab) gives no file, and says so.
Result<std::string> printable_path(Result<std::string> path) {
  if (path && !text::is_printable(*path))
    return fail("the name " + text::printable(*path) + " is not printable text");
  return path;
}

// notice=PATH for this task: the batch script's resolution where an srun step inherited it,
// else resolved here ("%j", relative to this task's working directory).
Result<std::string> notice_copy(const Step& sp, const PreemptRequest& request, std::uint32_t job,
                                bool batch) {
  if (request.notice_copy.empty()) return std::string();
  if (auto inherited = batch ? std::nullopt : inherited_path(sp, kCopyVar)) return *inherited;
  return printable_path(resolve_notice_copy(request.notice_copy, job, os::working_directory()));
}

// The checkpoint acknowledgement file for this task: the batch script's resolution where an
// srun step inherited it, else resolved here (checkpoint=PATH, or the default, relative to the
// batch script's working directory).
Result<std::string> checkpoint_file(const Step& sp, const PreemptRequest& request,
                                    std::uint32_t job, bool batch) {
  if (auto inherited = batch ? std::nullopt : inherited_path(sp, kCheckpointVar)) return *inherited;
  return printable_path(resolve_checkpoint(request.checkpoint, job, os::working_directory()));
}

}  // namespace

void Preempt::set_up_run(const Step& sp, const Config& config) {
  const bool batch = sp.is_step(StepKind::Batch);
  // srun steps too: on the other nodes of a multi-node job an srun step is what brings the job
  // there, and its node needs a notice directory and a watcher of its own.
  if (!request_ || (!batch && !sp.is_step(StepKind::Normal))) return;
  auto dir = os::StateDir::open(node_state_dir(config, node_name(sp)), true);
  auto fresh = dir ? new_marker(sp, batch) : Result<RunMarker>(dir.error());
  auto run = fresh ? os::set_up_run(*dir, *fresh, batch) : Result<os::ThisRun>(fresh.error());
  if (!run) {
    sp.log_error("--preempt-requeue: " + run.error().message + "; the job gets no early notice");
    return;
  }
  const RunMarker& m = run->marker;
  run_ = PreemptRun{m.job,
                    dir->notice_path(m.job, m.run),
                    dir->job_dir_path(m.job) + "/" + JobDirLayout::lock_name(m.run),
                    m.run,
                    batch,
                    std::move(run->files),
                    run->no_watcher};
  if (!run_->no_watcher.empty())
    sp.log_error("--preempt-requeue: " + run_->no_watcher + "; the job gets no early notice");
}

Status Preempt::start_watcher(const Step& sp, const Config& config) const {
  if (!run_) return Ok{};
  auto copy = notice_copy(sp, *request_, run_->job, run_->batch_step);
  if (!copy) {
    std::fprintf(stderr, "gracepack: --preempt-requeue: %s; the notice stays in %s\n",
                 copy.error().message.c_str(), run_->notice.c_str());
    copy = std::string();
  }
  // With notice=PATH the job's programs read the copy, which a container can see.
  std::vector<std::pair<std::string, std::string>> env{
      {"GRACEPACK_NOTICE_FILE", copy->empty() ? run_->notice : *copy}, {kRunVar, run_->run}};
  if (!copy->empty()) env.emplace_back(kCopyVar, *copy);
  auto checkpoint = checkpoint_file(sp, *request_, run_->job, run_->batch_step);
  if (!checkpoint) {
    std::fprintf(stderr,
                 "gracepack: --preempt-requeue: %s; no checkpoint acknowledgement is read\n",
                 checkpoint.error().message.c_str());
    checkpoint = std::string();
  }
  if (!checkpoint->empty()) env.emplace_back(kCheckpointVar, *checkpoint);
  if (auto r = sp.setenv_all(env); !r) return r;
  // One watcher per run and node: the batch step's, or on the job's other nodes one started by
  // the first task of an srun step there while none runs (it holds the run's lock).
  if (!run_->batch_step) {
    auto task = sp.local_task_id();
    if (!task || *task != 0) return Ok{};
  }
  if (!run_->no_watcher.empty()) {
    std::fprintf(stderr, "gracepack: --preempt-requeue: %s; the job gets no early notice\n",
                 run_->no_watcher.c_str());
    return Ok{};
  }
  // S_SLURM_RESTART_COUNT reads 0 in every step (slurmstepd never sets the field it returns,
  // 22.05 to 26.05): the batch environment's, which slurmstepd writes once the job was requeued.
  const auto restart = text::parse_int(sp.getenv("SLURM_RESTART_COUNT").value_or("0"), 0, 65535);
  const WatcherArgs args{.job = run_->job,
                         .dir = run_->notice.substr(0, run_->notice.rfind('/')),
                         .run = run_->run,
                         .shell = run_->batch_step ? ::getpid() : 0,
                         .request = *request_,
                         .budgets = budgets_of(config),
                         .poll = config.poll_interval,
                         .notify_shell = config.notify_shell,
                         .quiet = !run_->batch_step,
                         .ctl = GRACEPACK_CTL_PATH,
                         .restart = static_cast<unsigned>(restart.value_or(0)),
                         .nodes = nodes(sp),
                         .no_event = sp.getenv("GRACEPACK_POLL").value_or("") == "1",
                         .notice_copy = *copy,
                         // The batch node's watcher alone reads it: the epilog there decides.
                         .checkpoint = run_->batch_step ? *checkpoint : std::string(),
                         .return_grace = request_->return_grace && config.return_grace};
  // The job still runs without it; it is still requeued after a preemption, just without notice.
  if (auto st =
          os::start_watcher(args, GRACEPACK_WATCHER_PATH, watcher_env(), run_->lock, run_->files);
      !st) {
    std::fprintf(stderr, "gracepack: --preempt-requeue: %s; the job gets no early notice\n",
                 st.error().message.c_str());
    sp.log_error("--preempt-requeue: " + st.error().message);
  }
  return Ok{};
}

void Preempt::note_script_end(const Step& sp, const Config& config) const {
  if (!run_ || !run_->batch_step) return;
  auto dir = os::StateDir::open(node_state_dir(config, node_name(sp)), false);
  auto st =
      dir ? os::note_script_end(*dir, run_->job, run_->run, sp.task_exit_status().value_or(-1))
          : Status(dir.error());
  if (!st) sp.log_error("--preempt-requeue: " + st.error().message);
}

}  // namespace gracepack::features
