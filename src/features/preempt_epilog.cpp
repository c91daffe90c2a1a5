// --preempt-requeue in the SPANK job epilog (root, a fresh process per job and node): what root's
// marker and the watcher left on this node -> core::handle_job_end (which asks slurmctld only
// when it must, through gracepack-ctl) -> audit records, then the run's files go.
#include <chrono>
#include <cstdlib>

#include "gracepack/core/preempt/epilog_budget.hpp"
#include "gracepack/core/preempt/job_end.hpp"
#include "gracepack/features/preempt.hpp"
#include "gracepack/os/files.hpp"
#include "gracepack/os/run_files.hpp"
#include "gracepack/slurm/ctl_client.hpp"

#ifndef GRACEPACK_CTL_PATH
#define GRACEPACK_CTL_PATH "/usr/libexec/gracepack/gracepack-ctl"
#endif

namespace gracepack::features {
namespace {

void record(const Step& sp, const Config& config, std::uint32_t job, const JobEndOutcome& outcome) {
  for (const AuditRecord& r : outcome.records) {
    if (!config.audit_log.empty()) {
      if (auto st = os::append_line(config.audit_log, to_json(r)); !st)
        sp.log_error("--preempt-requeue: audit_log: " + st.error().message);
    }
    sp.log_info("job " + std::to_string(job) + ": " + r.event + ": " + r.decision + " (" +
                r.reason + ")");
  }
}

}  // namespace

Status Preempt::end_run(const Step& sp, const Config& config) {
  auto value = sp.option_value(option().name);
  if (!value) return Ok{};  // the job did not ask: no file read, no RPC, nothing written
  auto asked = parse_preempt_requeue(*value);
  auto job = sp.job_id();
  auto uid = sp.uid();
  auto dir = os::StateDir::open(node_state_dir(config, node_name(sp)), false);
  if (!asked || !job || !uid || !dir) return Ok{};  // nothing was set up on this node
  EpilogFacts f = os::read_epilog_facts(*dir, *job, *uid);
  f.request = *asked;
  f.budgets = budgets_of(config);
  f.user = os::user_name(*uid);
  std::vector<std::string> env{"PATH=/usr/bin:/bin"};
  const char* conf = std::getenv("SLURM_CONF");
  if (conf) env.push_back(std::string("SLURM_CONF=") + conf);
  // One deadline for all of it, under Slurm's epilog timeout (core/preempt/epilog_budget.hpp).
  const auto start = std::chrono::steady_clock::now();
  std::optional<unsigned> timeout;
  // The admin's file (slurmd's SLURM_CONF, no user's), links followed: a shared configuration
  // is often one.
  if (auto text = conf ? os::read_user_file(conf, 4u << 20) : Result<std::string>(fail("none")))
    timeout = epilog_timeout_from_conf(*text);
  const EpilogBudget budget = epilog_budget(config.ctld_wait, timeout);
  if (!budget.note.empty()) sp.log_error("--preempt-requeue: " + budget.note);
  slurm::CtlController ctl(GRACEPACK_CTL_PATH, env);
  ctl.want_allocation();
  ctl.set_deadline(start + budget.total);
  Retry retry({std::chrono::seconds(5), budget.wait}, RetryClock::real());
  record(sp, config, *job, handle_job_end(ctl, f, retry));
  if (auto st = dir->clear_job(*job); !st) sp.log_error("--preempt-requeue: " + st.error().message);
  if (auto st = dir->sweep_quarantine(std::chrono::seconds(2)); !st)
    sp.log_error("--preempt-requeue: left for a later epilog: " + st.error().message);
  return Ok{};
}

}  // namespace gracepack::features
