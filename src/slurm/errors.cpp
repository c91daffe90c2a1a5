#include "errors.hpp"

extern "C" {
#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>
#include <slurm/slurm_version.h>
}

#include <cerrno>

namespace gracepack::slurm {

int last_errno() {
#if SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(24, 11, 0)
  return errno;  // slurm_get_errno() was `return errno;` and is gone
#else
  return slurm_get_errno();
#endif
}

bool unreachable(int err) {
  switch (err) {
    case SLURM_COMMUNICATIONS_CONNECTION_ERROR:
    case SLURM_COMMUNICATIONS_SEND_ERROR:
    case SLURM_COMMUNICATIONS_RECEIVE_ERROR:
    case SLURM_COMMUNICATIONS_SHUTDOWN_ERROR:
    case SLURMCTLD_COMMUNICATIONS_CONNECTION_ERROR:
    case SLURMCTLD_COMMUNICATIONS_SEND_ERROR:
    case SLURMCTLD_COMMUNICATIONS_RECEIVE_ERROR:
    case SLURMCTLD_COMMUNICATIONS_SHUTDOWN_ERROR:
#if SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(23, 2, 0)
    case SLURMCTLD_COMMUNICATIONS_BACKOFF:  // RPC rate limiting, new in 23.02
#endif
    case SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT:
    case ESLURM_IN_STANDBY_MODE:
    case ESLURM_IN_STANDBY_USE_BACKUP:
    case EAGAIN:
    case ETIMEDOUT:
    case ECONNREFUSED:
      return true;
    default:
      return false;
  }
}

Error error_of(const std::string& what, int err) {
  Error e = fail(what + ": " + slurm_strerror(err));
  e.transient = unreachable(err);
  return e;
}

}  // namespace gracepack::slurm
