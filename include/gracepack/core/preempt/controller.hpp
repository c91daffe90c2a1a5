// What gracepack asks of slurmctld, as an interface: the real one runs gracepack-ctl
// (src/slurm), tests use fakes.
#pragma once

#include <cstdint>
#include <string>

#include "gracepack/core/base/result.hpp"
#include "gracepack/core/preempt/job.hpp"

namespace gracepack {

class Controller {
 public:
  virtual ~Controller() = default;
  // slurmctld's record of exactly this job id (for an array task, that task's own record, even
  // when its id is the array's). An error that is `transient` means slurmctld did not answer.
  virtual Result<JobRecord> load_job(std::uint32_t job_id) = 0;
  // Requeues the run slurmctld names `id` (see requeue_id): success is judged by that run's own
  // entry in slurmctld's answer.
  virtual Status requeue(const std::string& id) = 0;
  // Records in the job's AdminComment that `preemptions` of its runs were preempted (see
  // preemptions_in), and with `qos` not empty moves the pending job into that QOS, in one update
  // that slurmctld takes whole or refuses whole.
  virtual Status mark(std::uint32_t job_id, unsigned preemptions, const std::string& qos) = 0;
};

}  // namespace gracepack
