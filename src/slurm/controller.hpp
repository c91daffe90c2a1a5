// gracepack's Controller over libslurm. In the plugin the calls resolve against the Slurm
// process that loaded it (libslurmfull); the watcher links libslurm.
#pragma once

#include "gracepack/controller.hpp"

namespace gracepack::slurm {

class SlurmController : public Controller {
 public:
  Result<JobRecord> load_job(std::uint32_t job_id) override;
  Status requeue(std::uint32_t job_id) override;
};

// slurmctld's JobRequeue setting (the default of --requeue), for warnings at submission.
Result<bool> cluster_requeues_by_default();

}  // namespace gracepack::slurm
