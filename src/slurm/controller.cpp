#include "controller.hpp"

extern "C" {
#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>
#include <slurm/slurm_version.h>
}

#include <string>

namespace gracepack::slurm {
namespace {

std::string last_error() {
  return slurm_strerror(slurm_get_errno());
}

// slurmctld did not answer (down, restarting, in standby): the same call may work later.
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

JobState state_of(uint32_t s) {
  switch (s & JOB_STATE_BASE) {
    case JOB_PENDING:
      return JobState::Pending;
    case JOB_RUNNING:
      return JobState::Running;
    case JOB_SUSPENDED:
      return JobState::Suspended;
    case JOB_COMPLETE:
      return JobState::Complete;
    case JOB_CANCELLED:
      return JobState::Cancelled;
    case JOB_FAILED:
      return JobState::Failed;
    case JOB_TIMEOUT:
      return JobState::Timeout;
    case JOB_NODE_FAIL:
      return JobState::NodeFail;
    case JOB_PREEMPTED:
      return JobState::Preempted;
    case JOB_OOM:
      return JobState::OutOfMemory;
    default:
      return JobState::Other;
  }
}

}  // namespace

Result<JobRecord> SlurmController::load_job(std::uint32_t job_id) {
  job_info_msg_t* msg = nullptr;
  if (slurm_load_job(&msg, job_id, SHOW_ALL) != SLURM_SUCCESS || !msg) {
    return error_of("slurm_load_job(" + std::to_string(job_id) + ")", slurm_get_errno());
  }
  if (msg->record_count < 1) {
    slurm_free_job_info_msg(msg);
    return fail("slurmctld has no record of job " + std::to_string(job_id));
  }
  const slurm_job_info_t& j = msg->job_array[0];
  JobRecord r;
  r.job_id = j.job_id;
  if (j.array_task_id != NO_VAL) {
    r.array_job_id = j.array_job_id;
    r.array_task_id = j.array_task_id;
  }
  r.user = j.user_id;
  r.state = state_of(j.job_state);
  // Slurm's own requeue in progress (PreemptMode=REQUEUE), or already pending again.
  r.requeued_by_slurm = (j.job_state & (JOB_REQUEUE | JOB_REQUEUE_HOLD | JOB_REQUEUE_FED)) != 0 ||
                        r.state == JobState::Pending;
  r.requeue_allowed = j.requeue != 0;
  r.batch = j.batch_flag != 0;
  r.end_time = j.end_time;
  r.preempt_time = j.preempt_time;
  r.restart_count = j.restart_cnt;
  r.partition = j.partition ? j.partition : "";
  r.batch_host = j.batch_host ? j.batch_host : "";
  slurm_free_job_info_msg(msg);
  return r;
}

Status SlurmController::requeue(std::uint32_t job_id) {
  // slurm_requeue2 keeps its signature from 22.05 to 26.05 (slurm_requeue changed in 26.05).
  std::string id = std::to_string(job_id);
  job_array_resp_msg_t* resp = nullptr;
  const int rc = slurm_requeue2(id.data(), 0, &resp);
  int err = rc == SLURM_SUCCESS ? SLURM_SUCCESS : slurm_get_errno();
  if (resp) {
    for (uint32_t i = 0; i < resp->job_array_count; ++i) {
      if (resp->error_code[i] != SLURM_SUCCESS && err == SLURM_SUCCESS) err = resp->error_code[i];
    }
    slurm_free_job_array_resp(resp);
  }
  if (err != SLURM_SUCCESS) return error_of("slurm_requeue2(" + id + ")", err);
  return Ok{};
}

Result<bool> cluster_requeues_by_default() {
  slurm_conf_t* conf = nullptr;
  if (slurm_load_ctl_conf(0, &conf) != SLURM_SUCCESS || !conf) {
    return fail("slurm_load_ctl_conf: " + last_error());
  }
  const bool requeue = conf->job_requeue != 0;
  slurm_free_ctl_conf(conf);
  return requeue;
}

}  // namespace gracepack::slurm
