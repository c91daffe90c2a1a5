// pam_slurm_adopt's way into a job's extern step, for gracepack's own placeholder there: the
// plugin runs inside the extern slurmstepd (root), whose libslurmfull exports these calls.
// Their prototypes are the same from 22.05 to 26.05 but no installed header declares them;
// slurm_step_id_t gained a `sluid` in 24.11, so the plugin is built per release anyway.
#include <unistd.h>

#include <cstring>

#include "errors.hpp"
#include "gracepack/slurm/api.hpp"

extern "C" {
#include <slurm/slurm.h>
#include <slurm/slurm_version.h>

int slurm_stepd_connect(const char* directory, const char* nodename, slurm_step_id_t* step_id,
                        uint16_t* protocol_version);
int slurm_stepd_add_extern_pid(int fd, uint16_t protocol_version, pid_t pid);
}

namespace gracepack::slurm {

bool extern_step_runs_placeholder() {
  // Slurm's `sleep 100000000` in the extern step, removed in 25.05 (commit 0f533f443a).
  return SLURM_VERSION_NUMBER < SLURM_VERSION_NUM(25, 5, 0);
}

Status add_extern_pid(const std::string& dir, const std::string& node, std::uint32_t job,
                      pid_t pid) {
  slurm_step_id_t id;
  std::memset(&id, 0, sizeof id);
  id.job_id = job;
  id.step_id = SLURM_EXTERN_CONT;
  id.step_het_comp = NO_VAL;
  std::uint16_t protocol = 0;
  const int fd = slurm_stepd_connect(dir.c_str(), node.c_str(), &id, &protocol);
  if (fd < 0) return fail("cannot reach the extern step of job " + std::to_string(job));
  const int rc = slurm_stepd_add_extern_pid(fd, protocol, pid);
  ::close(fd);
  // From 24.11.6, 25.05.1 and 25.11 the step refuses once it is ending (cancelled).
  if (rc != SLURM_SUCCESS)
    return fail("the extern step of job " + std::to_string(job) + " refused process " +
                std::to_string(pid));
  return Ok{};
}

}  // namespace gracepack::slurm
