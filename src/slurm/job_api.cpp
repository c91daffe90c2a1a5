// slurm_load_job and slurm_requeue2, for gracepack-ctl.
#include "errors.hpp"
#include "gracepack/core/preempt/checkpoint.hpp"
#include "gracepack/slurm/api.hpp"

extern "C" {
#include <slurm/slurm.h>
#include <slurm/slurmdb.h>

// libslurm exports its bitstring functions (22.05 to 26.05) without a public header: the two a
// QOS bitmap needs. bit_test returns int up to 23.x and bool after: read as bool, both are right
// (0 or 1 in the low byte).
bool slurm_bit_test(bitstr_t* b, bitoff_t bit);
bitoff_t slurm_bit_size(bitstr_t* b);
#include <slurm/slurm_errno.h>
#include <slurm/slurm_version.h>
}

#include <pwd.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <vector>

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

// A libslurm list of strings, destroyed with its owner's message (no destructor for the items:
// they are ours).
template <typename ListT>
ListT string_list(const std::vector<std::string>& items) {
  ListT l = slurm_list_create(nullptr);
  for (const std::string& s : items) slurm_list_append(l, const_cast<char*>(s.c_str()));
  return l;
}

// Whether the job's association may use QOS `qos`, as slurmctld's association manager says (root
// sees every association; a user, where PrivateData allows, their own). slurmctld itself lets
// root move a job into any QOS, so gracepack asks first.
Status qos_allowed(const slurm_job_info_t& j, const std::string& qos) {
  const passwd* pw = ::getpwuid(j.user_id);
  if (!pw) return fail("no user name for uid " + std::to_string(j.user_id));
  const std::string user = pw->pw_name;
  const std::string account = j.account ? j.account : "";
  const std::string partition = j.partition ? j.partition : "";
  // Every QOS the caller may see (a handful): an empty list tells a hidden one from a missing one.
  const std::vector<std::string> users{user}, accounts{account};
  assoc_mgr_info_request_msg_t req{};
  req.flags = ASSOC_MGR_INFO_FLAG_ASSOC | ASSOC_MGR_INFO_FLAG_QOS;
  req.user_list = string_list<decltype(req.user_list)>(users);
  req.acct_list = string_list<decltype(req.acct_list)>(accounts);
  assoc_mgr_info_msg_t* raw = nullptr;
  const int rc = slurm_load_assoc_mgr_info(&req, &raw);
  const int err = rc == SLURM_SUCCESS ? SLURM_SUCCESS : last_errno();
  slurm_list_destroy(req.user_list);
  slurm_list_destroy(req.acct_list);
  if (err != SLURM_SUCCESS || !raw) return error_of("slurm_load_assoc_mgr_info", err);
  std::unique_ptr<assoc_mgr_info_msg_t, void (*)(assoc_mgr_info_msg_t*)> msg(
      raw, slurm_free_assoc_mgr_info_msg);
  // The QOS' id, from its record.
  std::optional<std::uint32_t> id;
  if (msg->qos_list) {
    auto it = slurm_list_iterator_create(msg->qos_list);
    while (auto* q = static_cast<slurmdb_qos_rec_t*>(slurm_list_next(it))) {
      if (q->name && qos == q->name) id = q->id;
    }
    slurm_list_iterator_destroy(it);
  }
  // A user may be shown no QOS and no association (PrivateData=qos,accounts,users): only root's
  // reading refuses; a user's is "cannot tell" (transient: the watcher then promises nothing
  // and says nothing, and the epilog, root, decides).
  const bool sees_all = ::getuid() == 0;
  const bool sees_qos = msg->qos_list && slurm_list_count(msg->qos_list) > 0;
  if (!id) {
    if (!sees_all && !sees_qos)
      return fail_transient("cannot tell: slurmctld shows this user no QOS");
    return fail("slurmctld knows no QOS named " + qos);
  }
  // The job's association: its user, its account, its partition or none (a partition's own
  // association wins over the account-wide one, as slurmctld chooses it).
  const slurmdb_assoc_rec_t* found = nullptr;
  if (msg->assoc_list) {
    auto it = slurm_list_iterator_create(msg->assoc_list);
    while (auto* a = static_cast<slurmdb_assoc_rec_t*>(slurm_list_next(it))) {
      if (!a->user || user != a->user || !a->acct || account != a->acct) continue;
      const std::string part = a->partition ? a->partition : "";
      if (part == partition || (part.empty() && !found)) found = a;
    }
    slurm_list_iterator_destroy(it);
  }
  if (!found || !found->usage || !found->usage->valid_qos) {
    const std::string why =
        "slurmctld shows no association of user " + user + " in account " + account;
    if (!sees_all) return fail_transient("cannot tell: " + why);
    return fail(why);
  }
  if (static_cast<std::int64_t>(*id) >= slurm_bit_size(found->usage->valid_qos) ||
      !slurm_bit_test(found->usage->valid_qos, static_cast<bitoff_t>(*id)))
    return fail("account " + account + " of user " + user + " may not use QOS " + qos);
  return Ok{};
}

// slurmctld's record of exactly `job_id`, in its message.
struct LoadedJob {
  std::unique_ptr<job_info_msg_t, void (*)(job_info_msg_t*)> msg{nullptr, slurm_free_job_info_msg};
  const slurm_job_info_t* job = nullptr;
};
Result<LoadedJob> load_one(std::uint32_t job_id) {
  job_info_msg_t* raw = nullptr;
  if (load(job_id, &raw) != SLURM_SUCCESS || !raw)
    return error_of("slurm_load_job(" + std::to_string(job_id) + ")", last_errno());
  LoadedJob l;
  l.msg.reset(raw);
  for (uint32_t i = 0; i < raw->record_count; ++i) {
    if (id_of(raw->job_array[i]) == job_id) l.job = &raw->job_array[i];
  }
  if (!l.job) return fail("slurmctld has no record of job " + std::to_string(job_id));
  return l;
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

Status check_qos(std::uint32_t job_id, const std::string& qos) {
  auto l = load_one(job_id);
  if (!l) return l.error();
  return qos_allowed(*l->job, qos);
}

Status mark(std::uint32_t job_id, unsigned preemptions, const std::string& qos) {
  // The comment as it is now: the site's words in it are kept.
  auto l = load_one(job_id);
  if (!l) return l.error();
  const slurm_job_info_t* found = l->job;
  if (!qos.empty()) {
    if (auto st = qos_allowed(*found, qos); !st) return st;
  }
  std::string comment =
      with_preemptions(found->admin_comment ? found->admin_comment : "", preemptions);
  // The id as text: job_desc_msg_t names the job by job_id up to 25.05 and by step_id after,
  // job_id_str in every release. An array task by its array's id and its index, never by its own
  // number: the task that holds the array's number would have the update apply to every task
  // still pending in the array.
  std::string id = std::to_string(job_id);
  if (found->array_task_id != NO_VAL && found->array_job_id)
    id = std::to_string(found->array_job_id) + "_" + std::to_string(found->array_task_id);
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
