// What --preempt-requeue refuses at submission, before anything is submitted: what can never
// work (salloc, an interactive srun, an srun option not given to the job, --no-requeue,
// --export=NONE where Slurm drops the option), with what to do instead.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "gracepack/core/base/result.hpp"
#include "gracepack/core/preempt/sbatch_args.hpp"

namespace gracepack {

// What slurmctld's configuration says that matters at submission.
struct ClusterFacts {
  bool requeue_by_default = true;  // JobRequeue=1
  // PrologFlags=Contain: every node of a job runs an extern step, which Slurm signals at grace
  // start; gracepack's watchers wake on that (no RPC).
  bool extern_step = true;
  // PreemptParameters=send_user_signal (22.05: SlurmctldParameters=preempt_send_user_signal):
  // with a job's --signal=B:..., Slurm signals only the batch shell at grace start.
  bool send_user_signal = false;
};

struct Submission {
  enum class Tool { Srun, Sbatch, Salloc, Other } tool = Tool::Other;
  bool in_job = false;                     // srun: inside an allocation (SLURM_JOB_ID)
  bool job_asked = false;                  // srun: the job was submitted with --preempt-requeue
  SbatchOptions sbatch;                    // sbatch: what the user gave it
  bool export_none_drops_options = false;  // this Slurm release drops them (before 23.02.5)
};

// `cluster` (slurmctld's configuration) is asked only when the user gave neither --requeue nor
// --no-requeue.
Status check_submission(const Submission& s, const std::function<Result<ClusterFacts>()>& cluster);

// Where this cluster gives gracepack no grace-start event for the job (no extern step; Slurm's
// send_user_signal with a --signal=B: job), what the user gets instead: a note for sbatch's
// stderr, and whether the job's watcher must read the job every `poll` seconds (the batch node's
// alone). Empty when the grace start is an event on every node.
struct EventNote {
  std::string note;
  bool poll = false;
};
EventNote grace_event_note(const SbatchOptions& o, const ClusterFacts& c, unsigned poll);

}  // namespace gracepack
