// --preempt-requeue in srun, sbatch and salloc: refuse at once what can never work, before
// anything is submitted (core::check_submission), and say when max= is above the admin's cap.
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "gracepack/core/preempt/policy.hpp"
#include "gracepack/core/preempt/submission.hpp"
#include "gracepack/features/preempt.hpp"
#include "gracepack/os/files.hpp"
#include "gracepack/os/proc.hpp"
#include "gracepack/slurm/api.hpp"

namespace gracepack::features {
namespace {

// Set in sbatch's environment, which the batch step inherits, where the grace start is no event.
const char kPollVar[] = "GRACEPACK_POLL";

const char kUsage[] =
    "On preemption, notify every process of the job at grace start (notice file in "
    "$GRACEPACK_NOTICE_FILE) and requeue the job after its grace window. SPEC: "
    "signal=NAME,max=N,max_other=N,timelimit,notice=PATH,checkpoint=PATH,return_grace.";

// What the user gave sbatch, read the way sbatch reads it (the script only when named).
SbatchOptions sbatch_given(const Step& sp) {
  const std::vector<std::string> args = os::own_arguments();
  const SbatchOptions cli = sbatch_command_line(args);
  auto script = cli.script ? os::read_user_file(*cli.script, 4u << 20) : fail("none");
  return sbatch_options(args, script.error_if() ? std::nullopt : std::optional(*script), sp.env());
}

Submission submission(const Step& sp) {
  const std::string prog = sp.program();
  Submission s;
  if (sp.context() == Context::Local) s.tool = Submission::Tool::Srun;
  if (sp.context() == Context::Allocator && prog == "salloc") s.tool = Submission::Tool::Salloc;
  if (sp.context() == Context::Allocator && prog == "sbatch") s.tool = Submission::Tool::Sbatch;
  s.in_job = sp.getenv("SLURM_JOB_ID").has_value();
  s.job_asked = sp.getenv("SLURM_SPANK__SLURM_SPANK_OPTION_gracepack_preempt_requeue").has_value();
  if (s.tool == Submission::Tool::Sbatch) s.sbatch = sbatch_given(sp);
  s.export_none_drops_options = slurm::export_none_drops_options();
  return s;
}

}  // namespace

OptionText Preempt::option() const {
  return {"preempt-requeue", "SPEC", kUsage};
}

Status Preempt::take(std::string_view value) {
  auto r = parse_preempt_requeue(value);
  if (!r) return r.error();
  request_ = *r;
  return Ok{};
}

Status Preempt::on(Hook hook, const Step& sp, const Config& config) {
  if (hook == Hook::JobEpilog) return end_run(sp, config);
  if (sp.is_step(StepKind::Extern)) {
    if (hook == Hook::Init && config.preempt_requeue) start_placeholder(sp);
    if (hook == Hook::TaskPostFork) adopt_placeholder(sp);
    if (hook == Hook::Exit) reap_placeholder();
    return Ok{};
  }
  if (hook == Hook::InitPostOpt && !sp.remote()) return check_submission(sp, config);
  if (hook == Hook::InitPostOpt) set_up_run(sp, config);
  if (hook == Hook::TaskInit && sp.remote()) return start_watcher(sp, config);
  if (hook == Hook::TaskExit && sp.remote()) note_script_end(sp, config);
  return Ok{};
}

Status Preempt::check_submission(const Step& sp, const Config& config) const {
  if (!request_) return Ok{};
  const Submission s = submission(sp);
  // slurmctld's configuration costs one RPC: asked only where it decides something (no
  // --requeue given; a --signal=B: that send_user_signal would turn into the grace start).
  std::optional<Result<ClusterFacts>> facts;
  const auto cluster = [&]() -> Result<ClusterFacts> {
    if (!facts) facts = slurm::cluster_facts();
    return *facts;
  };
  if (auto st = gracepack::check_submission(s, cluster); !st) return st;
  if (s.tool != Submission::Tool::Sbatch) return Ok{};
  for (const std::string& warning : {cap_warning(*request_, budgets_of(config)),
                                     return_grace_warning(*request_, config.return_grace)}) {
    if (!warning.empty()) std::fprintf(stderr, "gracepack: warning: %s\n", warning.c_str());
  }
  if (s.sbatch.signal && signals_batch_only(*s.sbatch.signal)) (void)cluster();
  // Where the grace start is no event here, the user hears so now, and the batch node's watcher
  // is told to read the job instead (the environment sbatch passes on; a user who sets it only
  // makes their own job poll). Without an extern step the watcher finds that out itself.
  if (facts && *facts) {
    const EventNote n = grace_event_note(s.sbatch, **facts, config.poll_interval);
    if (!n.note.empty()) std::fprintf(stderr, "gracepack: note: %s\n", n.note.c_str());
    if (n.poll) ::setenv(kPollVar, "1", 1);
  }
  return Ok{};
}

}  // namespace gracepack::features
