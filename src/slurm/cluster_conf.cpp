// slurm_load_ctl_conf, for what sbatch says of --preempt-requeue (the plugin runs inside sbatch,
// where libslurm is initialised): one RPC per submission that asks for the option.
#include <cstring>

#include "errors.hpp"
#include "gracepack/slurm/api.hpp"

extern "C" {
#include <slurm/slurm.h>
#include <slurm/slurm_version.h>
}

namespace gracepack::slurm {

Result<ClusterFacts> cluster_facts() {
  slurm_conf_t* conf = nullptr;
  if (slurm_load_ctl_conf(0, &conf) != SLURM_SUCCESS || !conf) {
    return error_of("slurm_load_ctl_conf", last_errno());
  }
  ClusterFacts f;
  f.requeue_by_default = conf->job_requeue != 0;
  f.extern_step = (conf->prolog_flags & PROLOG_FLAG_CONTAIN) != 0;
  // SlurmctldParameters=preempt_send_user_signal, or from 23.02 PreemptParameters=send_user_signal
  // (slurmctld reads both, without case).
  f.send_user_signal =
      conf->slurmctld_params && strcasestr(conf->slurmctld_params, "preempt_send_user_signal");
#if SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(23, 2, 0)
  f.send_user_signal = f.send_user_signal || (conf->preempt_params &&
                                              strcasestr(conf->preempt_params, "send_user_signal"));
#endif
#if SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(26, 5, 0)
  slurm_free_conf(conf);  // slurm_free_ctl_conf before 26.05
#else
  slurm_free_ctl_conf(conf);
#endif
  return f;
}

bool export_none_drops_options() {
  return SLURM_VERSION_NUMBER < SLURM_VERSION_NUM(23, 2, 5);
}

}  // namespace gracepack::slurm
