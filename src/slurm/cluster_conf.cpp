// slurm_load_ctl_conf, for sbatch's refusal of --preempt-requeue where the cluster does not
// requeue (the plugin runs inside sbatch, where libslurm is initialised).
#include "errors.hpp"
#include "gracepack/slurm/api.hpp"

extern "C" {
#include <slurm/slurm.h>
#include <slurm/slurm_version.h>
}

namespace gracepack::slurm {

Result<bool> cluster_requeues_by_default() {
  slurm_conf_t* conf = nullptr;
  if (slurm_load_ctl_conf(0, &conf) != SLURM_SUCCESS || !conf) {
    return error_of("slurm_load_ctl_conf", last_errno());
  }
  const bool requeue = conf->job_requeue != 0;
#if SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(26, 5, 0)
  slurm_free_conf(conf);  // slurm_free_ctl_conf before 26.05
#else
  slurm_free_ctl_conf(conf);
#endif
  return requeue;
}

bool export_none_drops_options() {
  return SLURM_VERSION_NUMBER < SLURM_VERSION_NUM(23, 2, 5);
}

}  // namespace gracepack::slurm
