#include "gracepack/os/extern_holder.hpp"

#include <signal.h>
#include <unistd.h>

#include "gracepack/os/cgroups.hpp"

namespace gracepack::os {

Status start_extern_holder(const std::vector<std::string>& argv, const RunAs& as) {
  auto cg = own_job_cgroups();
  if (!cg) return cg.error();
  if (!cg->v2) return fail("cgroup v1: no place in the extern step for a holder");
  const std::string dir = cg->job + "/step_extern/slurm";
  if (::access(dir.c_str(), F_OK) != 0) return fail("the job has no extern step (" + dir + ")");
  SpawnOptions o;
  o.argv = argv;
  o.as = as;
  auto pid = spawn_detached(o);
  if (!pid) return pid.error();
  if (auto st = move_into_cgroup(*pid, dir); !st) {
    ::kill(*pid, SIGKILL);  // ours, started just now: it must not linger outside the step
    return st;
  }
  return Ok{};
}

}  // namespace gracepack::os
