// What --preempt-requeue refuses at submission, before anything is submitted: what can never
// work (salloc, an interactive srun, an srun option not given to the job, --no-requeue,
// --export=NONE where Slurm drops the option), with what to do instead.
#pragma once

#include <functional>

#include "gracepack/core/result.hpp"
#include "gracepack/core/sbatch_args.hpp"

namespace gracepack {

struct Submission {
  enum class Tool { Srun, Sbatch, Salloc, Other } tool = Tool::Other;
  bool in_job = false;                     // srun: inside an allocation (SLURM_JOB_ID)
  bool job_asked = false;                  // srun: the job was submitted with --preempt-requeue
  SbatchOptions sbatch;                    // sbatch: what the user gave it
  bool export_none_drops_options = false;  // this Slurm release drops them (before 23.02.5)
};

// `cluster_requeues` (JobRequeue) is asked only when the user gave neither --requeue nor
// --no-requeue.
Status check_submission(const Submission& s, const std::function<Result<bool>()>& cluster_requeues);

}  // namespace gracepack
