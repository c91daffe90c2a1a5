#include "gracepack/core/submission.hpp"

namespace gracepack {
namespace {

const char kBatchOnly[] =
    "--preempt-requeue: Slurm can only requeue batch jobs; submit the work with sbatch "
    "--preempt-requeue";

Status check_sbatch(const Submission& s, const std::function<Result<bool>()>& cluster_requeues) {
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
    auto by_default = cluster_requeues();
    if (by_default && !*by_default) {
      return fail(
          "--preempt-requeue: this cluster does not requeue jobs unless asked "
          "(JobRequeue=0): add --requeue");
    }
  }
  return Ok{};
}

}  // namespace

Status check_submission(const Submission& s,
                        const std::function<Result<bool>()>& cluster_requeues) {
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
      return check_sbatch(s, cluster_requeues);
    case Submission::Tool::Other:
      break;
  }
  return Ok{};
}

}  // namespace gracepack
