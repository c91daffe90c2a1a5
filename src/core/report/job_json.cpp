// gracepack-report JOBID --json: each run's moments and verdicts as numbers, for scripts.
#include <optional>
#include <string>

#include "gracepack/core/preempt/audit.hpp"
#include "gracepack/core/report/job.hpp"
#include "gracepack/core/report/run.hpp"

namespace gracepack::report {
namespace {

std::string opt(const std::optional<std::int64_t>& v) {
  return v ? std::to_string(*v) : "null";
}

std::string str(const std::string& s) {
  return "\"" + json_escape(s) + "\"";
}

const char* window_end_name(WindowEnd e) {
  switch (e) {
    case WindowEnd::ExitedInTime:
      return "exited_before_deadline";
    case WindowEnd::KilledAtDeadline:
      return "killed_at_deadline";
    case WindowEnd::Unknown:
      return "unknown";
    default:
      return "none";
  }
}

std::optional<std::int64_t> requeue_delay(const Run& run, const Run* next) {
  if (!run.decision || run.decision->event != AuditEvent::Requeue || !next) return std::nullopt;
  const auto start = run_start_of(next->main());
  if (!start) return std::nullopt;
  return *start - run.decision->time;
}

std::string run_json(const Run& run, const Run* next) {
  const AuditLine& r = run.main();
  const WindowUse w = window_use(r);
  const auto positive = [](std::int64_t v) { return v > 0 ? std::optional(v) : std::nullopt; };
  std::string j =
      "{\"restart_count\":" + std::to_string(r.restart_count) +
      ",\"run_start\":" + opt(run_start_of(r)) +
      ",\"grace_start\":" + opt(positive(r.preempt_time)) + ",\"deadline\":" + opt(w.deadline) +
      ",\"notice_delivered\":" + opt(run.notice ? run.notice->notice_delivered : std::nullopt) +
      ",\"notice_latency\":" + opt(run.notice ? notice_latency(*run.notice) : std::nullopt) +
      ",\"processes_signalled\":" +
      opt(run.notice ? run.notice->processes_signalled : std::nullopt) +
      ",\"script_exit\":" + opt(r.script_exit) + ",\"script_status\":" + opt(r.script_status) +
      ",\"window\":" + opt(positive(w.window)) + ",\"window_used\":" +
      opt(w.end == WindowEnd::ExitedInTime || w.end == WindowEnd::KilledAtDeadline
              ? std::optional(w.used)
              : std::nullopt) +
      ",\"window_end\":" + str(window_end_name(w.end)) +
      ",\"cause\":" + str(r.cause ? to_string(*r.cause) : "unknown") + ",\"state\":" + str(r.state);
  if (run.decision) {
    j += ",\"event\":" + str(to_string(run.decision->event)) +
         ",\"decision\":" + str(run.decision->decision) +
         ",\"reason\":" + str(run.decision->reason) +
         ",\"decided\":" + std::to_string(run.decision->time);
  } else {
    j += ",\"event\":null,\"decision\":null,\"reason\":null,\"decided\":null";
  }
  // Issue 19: the decision record's fields as written, null (or "" for the texts) when absent.
  j += ",\"alloc_nodes\":" + opt(r.alloc_nodes) + ",\"alloc_cpus\":" + opt(r.alloc_cpus) +
       ",\"alloc_gpus\":" + opt(r.alloc_gpus) + ",\"alloc_gpu_types\":" + str(r.alloc_gpu_types) +
       ",\"loss_grace_start\":" + opt(r.grace_start) + ",\"checkpoint\":" + opt(r.checkpoint) +
       ",\"checkpoint_label\":" + str(r.checkpoint_label) +
       ",\"checkpoint_in_window\":" + opt(r.checkpoint_in_window) +
       ",\"checkpoint_note\":" + str(r.checkpoint_note) +
       ",\"lost\":" + (r.lost ? str(to_string(*r.lost)) : std::string("null")) +
       ",\"lost_seconds\":" + opt(r.lost_seconds) +
       ",\"lost_at_most_seconds\":" + opt(r.lost_at_most_seconds) +
       ",\"lost_gpu_seconds\":" + opt(r.lost_gpu_seconds) +
       ",\"lost_cpu_seconds\":" + opt(r.lost_cpu_seconds) +
       ",\"grace_returned_seconds\":" + opt(r.grace_returned_seconds);
  // Issue 20: the requeue budgets, as written.
  j += ",\"qos\":" + str(r.qos) + ",\"preemptions\":" + opt(r.preemptions) +
       ",\"other_requeues\":" + opt(r.other_requeues) + ",\"requeue_qos\":" + str(r.requeue_qos) +
       ",\"qos_note\":" + str(r.qos_note);
  return j + ",\"requeue_delay\":" + opt(requeue_delay(run, next)) + "}";
}

}  // namespace

std::string format_job_json(const JobSelector& job, const std::vector<Run>& runs) {
  std::string out = "{\"job\":" + str(job.name());
  if (!runs.empty()) {
    const AuditLine& first = runs.front().main();
    out += ",\"uid\":" + std::to_string(first.uid) + ",\"user\":" + str(first.user) +
           ",\"partition\":" + str(first.partition);
    const JobBudgets b = job_budgets(runs);
    std::string history;
    for (const auto& q : b.qos) history += (history.empty() ? "" : ",") + str(q);
    out += ",\"qos\":" + str(b.qos.empty() ? "" : b.qos.back()) + ",\"qos_history\":[" + history +
           "],\"preemptions\":" + std::to_string(b.preemptions) +
           ",\"other_requeues\":" + std::to_string(b.other_requeues) +
           ",\"preemption_cap\":" + opt(b.preemption_cap) + ",\"other_cap\":" + opt(b.other_cap);
  }
  out += ",\"runs\":[";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    out += (i ? "," : "") + run_json(runs[i], i + 1 < runs.size() ? &runs[i + 1] : nullptr);
  }
  return out + "]}\n";
}

}  // namespace gracepack::report
