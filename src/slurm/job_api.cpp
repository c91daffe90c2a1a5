// slurm_load_job and slurm_requeue2, for gracepack-ctl.
#include "errors.hpp"
#include "gracepack/core/preempt/checkpoint.hpp"
#include "gracepack/slurm/api.hpp"

extern "C" {
#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>
#include <slurm/slurm_version.h>
}

#include <memory>

namespace gracepack::slurm {
namespace {

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

std::uint32_t id_of(const slurm_job_info_t& j) {
#if SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(25, 11, 0)
  return j.step_id.job_id;  // job_id stays only "for backwards compatibility"
#else
  return j.job_id;
#endif
}

int load(std::uint32_t job_id, job_info_msg_t** msg) {
#if SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(26, 5, 0)
  // A step id with only the job id set: slurmctld looks the job up by its number. Not
  // SLURM_STEP_ID_INITIALIZER: a C compound literal.
  slurm_step_id_t id;
  id.sluid = 0;
  id.job_id = job_id;
  id.step_het_comp = NO_VAL;
  id.step_id = NO_VAL;
  return slurm_load_job(msg, id, SHOW_ALL);
#else
  return slurm_load_job(msg, job_id, SHOW_ALL);
#endif
}

}  // namespace

void init_library() {
  static bool done = false;
  if (!done) slurm_init(nullptr);
  done = true;
}

Result<JobRecord> load_job(std::uint32_t job_id) {
  job_info_msg_t* raw = nullptr;
  if (load(job_id, &raw) != SLURM_SUCCESS || !raw) {
    return error_of("slurm_load_job(" + std::to_string(job_id) + ")", last_errno());
  }
  std::unique_ptr<job_info_msg_t, void (*)(job_info_msg_t*)> msg(raw, slurm_free_job_info_msg);
  for (uint32_t i = 0; i < msg->record_count; ++i) {
    const slurm_job_info_t& j = msg->job_array[i];
    if (id_of(j) != job_id) continue;
    JobRecord r;
    r.job_id = job_id;
    if (j.array_task_id != NO_VAL && j.array_job_id) {
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
    r.start_time = j.start_time;
    r.end_time = j.end_time;
    r.preempt_time = j.preempt_time;
    r.suspend_time = j.suspend_time;
    r.restart_count = j.restart_cnt;
    r.partition = j.partition ? j.partition : "";
    r.batch_host = j.batch_host ? j.batch_host : "";
    // What the run holds, for the work a preemption destroys (issue 19).
    r.alloc.nodes = j.num_nodes;
    r.alloc.cpus = j.num_cpus;
    GpuCount gpus = gpus_in_tres(j.tres_alloc_str ? j.tres_alloc_str : "");
    // A cluster whose AccountingStorageTRES does not count gres/gpu (Slurm's default) has none
    // there: the job's GRES total ("gpu:a100:2"), kept after the job ended, else the per-node
    // detail, which only a running job has.
    if (gpus.total == 0 && j.gres_total) gpus = gpus_in_gres_detail(j.gres_total);
    if (gpus.total == 0) {
      for (uint32_t n = 0; j.gres_detail_str && n < j.gres_detail_cnt; ++n)
        if (j.gres_detail_str[n]) add_gpus(gpus, gpus_in_gres_detail(j.gres_detail_str[n]));
    }
    r.alloc.gpus = gpus.total;
    r.alloc.gpu_types = gpus.types;
    // The requeue budgets (issue 20).
    r.qos = j.qos ? j.qos : "";
    r.account = j.account ? j.account : "";
    r.preemptions = preemptions_in(j.admin_comment ? j.admin_comment : "");
    return r;
  }
  return fail("slurmctld has no record of job " + std::to_string(job_id));
}

Status requeue(const std::string& id) {
  // slurm_requeue2 keeps its signature from 22.05 to 26.05 (slurm_requeue changed in 26.05).
  std::string arg = id;
  job_array_resp_msg_t* resp = nullptr;
  const int rc = slurm_requeue2(arg.data(), 0, &resp);
  int err = rc == SLURM_SUCCESS ? SLURM_SUCCESS : last_errno();
  if (resp) {
    // The answer names each id it acted on: this run's own entry decides.
    for (uint32_t i = 0; i < resp->job_array_count; ++i) {
      const char* name = resp->job_array_id ? resp->job_array_id[i] : nullptr;
      if (name && id != name) continue;
      err = resp->error_code[i];
    }
    slurm_free_job_array_resp(resp);
  }
  if (err != SLURM_SUCCESS) return error_of("slurm_requeue2(" + id + ")", err);
  return Ok{};
}

Status mark(std::uint32_t job_id, unsigned preemptions, const std::string& qos) {
  // The comment as it is now: the site's words in it are kept.
  job_info_msg_t* raw = nullptr;
  if (load(job_id, &raw) != SLURM_SUCCESS || !raw)
    return error_of("slurm_load_job(" + std::to_string(job_id) + ")", last_errno());
  std::unique_ptr<job_info_msg_t, void (*)(job_info_msg_t*)> msg(raw, slurm_free_job_info_msg);
  const slurm_job_info_t* found = nullptr;
  for (uint32_t i = 0; i < msg->record_count; ++i) {
    if (id_of(msg->job_array[i]) == job_id) found = &msg->job_array[i];
  }
  if (!found) return fail("slurmctld has no record of job " + std::to_string(job_id));
  std::string comment =
      with_preemptions(found->admin_comment ? found->admin_comment : "", preemptions);
  // The id as text: job_desc_msg_t names the job by job_id up to 25.05 and by step_id after,
  // job_id_str in every release.
  std::string id = std::to_string(job_id);
  std::string q = qos;
  job_desc_msg_t d;
  slurm_init_job_desc_msg(&d);
  d.job_id_str = id.data();
  d.admin_comment = comment.data();
  if (!q.empty()) d.qos = q.data();
  if (slurm_update_job(&d) != SLURM_SUCCESS)
    return error_of("slurm_update_job(" + id + (q.empty() ? "" : " qos=" + q) + ")", last_errno());
  return Ok{};
}

}  // namespace gracepack::slurm
