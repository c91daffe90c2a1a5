// --preempt-requeue in the SPANK job epilog (root, a fresh process per job and node): what root's
// marker and the watcher left on this node -> core::handle_job_end (which asks slurmctld only
// when it must, through gracepack-ctl) -> audit records, then the run's files go.
#include <cstdlib>
#include <ctime>

#include "gracepack/core/job_end.hpp"
#include "gracepack/os/files.hpp"
#include "gracepack/os/state_dir.hpp"
#include "gracepack/slurm/ctl_client.hpp"
#include "node.hpp"
#include "options.hpp"
#include "preempt.hpp"

#ifndef GRACEPACK_CTL_PATH
#define GRACEPACK_CTL_PATH "/usr/libexec/gracepack/gracepack-ctl"
#endif

namespace gracepack::spank {
namespace {

// What this node's files say; user files are read as hostile input and only for the batch host.
EpilogFacts read_facts(const os::StateDir& dir, std::uint32_t job, uid_t uid) {
  EpilogFacts f;
  f.job_id = job;
  f.uid = uid;
  f.now = std::time(nullptr);
  auto marker = dir.read_marker(job);
  if (!marker) f.marker_note = marker.error().message;
  if (marker && *marker) f.marker = **marker;
  if (!f.marker || !f.marker->batch || f.marker->uid != uid) return f;
  auto text = dir.read_job_file(job, uid, JobDirLayout::kStatus);
  if (text && !*text) return f;  // no status file: the watcher never wrote one
  auto status = text ? parse_watcher_status(**text) : Result<WatcherStatus>(text.error());
  if (status) {
    f.status = *status;
  } else {
    f.status_note = status.error().message;
  }
  return f;
}

slurm::CtlController controller() {
  std::vector<std::string> env{"PATH=/usr/bin:/bin"};
  if (const char* conf = std::getenv("SLURM_CONF"))
    env.push_back(std::string("SLURM_CONF=") + conf);
  return slurm::CtlController(GRACEPACK_CTL_PATH, env);
}

void record(const Config& config, std::uint32_t job, const JobEndOutcome& outcome) {
  for (const AuditRecord& r : outcome.records) {
    if (!config.audit_log.empty()) {
      if (auto st = os::append_line(config.audit_log, to_json(r)); !st)
        log_error("--preempt-requeue: audit_log: " + st.error().message);
    }
    log_info("job " + std::to_string(job) + ": " + r.event + ": " + r.decision + " (" + r.reason +
             ")");
  }
}

}  // namespace

Status Preempt::end_run(const Spank& sp, const Config& config) const {
  auto value = sp.option_value(preempt_option());
  if (!value) return Ok{};  // the job did not ask: no file read, no RPC, nothing written
  auto asked = parse_preempt_requeue(*value);
  auto job = sp.job_id();
  auto uid = sp.uid();
  if (!asked || !job || !uid) return Ok{};
  auto dir = os::StateDir::open(node_state_dir(config, node_name(sp)), false);
  if (!dir) return Ok{};  // nothing was set up on this node
  EpilogFacts f = read_facts(*dir, *job, *uid);
  f.request = *asked;
  f.admin_max = config.max_requeue;
  f.user = os::user_name(*uid);
  auto ctl = controller();
  Retry retry({std::chrono::seconds(5), std::chrono::seconds(config.ctld_wait)},
              RetryClock::real());
  record(config, *job, handle_job_end(ctl, f, retry));
  if (auto st = dir->clear_job(*job); !st) log_error("--preempt-requeue: " + st.error().message);
  return Ok{};
}

}  // namespace gracepack::spank
