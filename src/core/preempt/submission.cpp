#include "gracepack/core/preempt/submission.hpp"

namespace gracepack {
namespace {

const char kBatchOnly[] =
    "--preempt-requeue: Slurm can only requeue batch jobs; submit the work with sbatch "
    "--preempt-requeue";

Status check_sbatch(const Submission& s, const std::function<Result<ClusterFacts>()>& cluster) {
  if (s.sbatch.requeue && !*s.sbatch.requeue) {
    return fail(
        "--preempt-requeue cannot requeue a job submitted with --no-requeue: drop one of them");
  }
  if (exports_none(s.sbatch) && s.export_none_drops_options) {
    return fail(
        "--preempt-requeue does not reach the batch script with --export=NONE on Slurm "
        "before 23.02.5 (Slurm drops the option's variables): use --export=ALL or name the "
        "variables to export");
  }
  if (!s.sbatch.requeue) {
    auto facts = cluster();
    if (facts && !facts->requeue_by_default) {
      return fail(
          "--preempt-requeue: this cluster does not requeue jobs unless asked "
          "(JobRequeue=0): add --requeue");
    }
  }
  return Ok{};
}

}  // namespace

Status check_submission(const Submission& s, const std::function<Result<ClusterFacts>()>& cluster) {
  switch (s.tool) {
    case Submission::Tool::Salloc:
      return fail(std::string(kBatchOnly) + " (salloc allocations are interactive)");
    case Submission::Tool::Srun:
      if (!s.in_job)
        return fail(std::string(kBatchOnly) + " (this srun makes an interactive allocation)");
      if (!s.job_asked) {
        return fail(
            "--preempt-requeue applies to a whole batch job: give it to sbatch "
            "(#SBATCH --preempt-requeue), not to one srun");
      }
      return Ok{};
    case Submission::Tool::Sbatch:
      return check_sbatch(s, cluster);
    case Submission::Tool::Other:
      break;
  }
  return Ok{};
}

EventNote grace_event_note(const SbatchOptions& o, const ClusterFacts& c, unsigned poll) {
  const std::string every = "every " + std::to_string(poll) + " s (poll_interval)";
  if (!c.extern_step) {
    return {
        "this cluster runs no extern step (PrologFlags=Contain is not set), so the start of a "
        "grace period is no event on its nodes: gracepack reads the job from slurmctld " +
            every +
            " on the batch node, and the notice may come that much after the grace period "
            "starts; processes on other nodes hear only Slurm's own SIGTERM to srun steps",
        true};
  }
  if (c.send_user_signal && o.signal && signals_batch_only(*o.signal)) {
    return {"with --signal=" + *o.signal +
                " and this cluster's send_user_signal, Slurm sends the grace start to the batch "
                "shell alone, as that signal: gracepack reads the job from slurmctld " +
                every + " on the batch node instead of hearing it",
            true};
  }
  return {};
}

}  // namespace gracepack
