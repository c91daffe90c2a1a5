#include "gracepack/core/report/job.hpp"

#include <algorithm>
#include <tuple>

#include "gracepack/core/base/text.hpp"
#include "gracepack/core/report/run.hpp"

namespace gracepack::report {
namespace {

constexpr std::int64_t kMaxId = 0xFFFFFFFF;

// Within a run: the note on a refused status file, then the notice, then the decision.
int event_rank(AuditEvent e) {
  if (e == AuditEvent::Ignored) return 0;
  if (e == AuditEvent::Notice) return 1;
  return is_decision(e) ? 2 : 3;
}

auto run_key(const AuditLine& r) {
  return std::make_tuple(r.restart_count, run_start_of(r).value_or(0));
}

// Records of one run share the epilog's clock reading, so time keeps runs apart that share a
// restart count and lack a start (records of older versions).
auto sort_key(const AuditLine& r) {
  return std::make_tuple(r.restart_count, run_start_of(r).value_or(r.time), r.time,
                         event_rank(r.event));
}

// Puts `r` in its place in `run`; false when that place is taken or the run already has its
// decision (then `r` starts the next run).
bool place(Run& run, const AuditLine& r) {
  std::optional<AuditLine>* slot = r.event == AuditEvent::Ignored  ? &run.ignored
                                   : r.event == AuditEvent::Notice ? &run.notice
                                   : is_decision(r.event)          ? &run.decision
                                                                   : nullptr;
  if (!slot) return true;  // a later version's event: not part of this story
  if (*slot || run.decision) return false;
  *slot = r;
  return true;
}

}  // namespace

bool JobSelector::matches(const AuditLine& r) const {
  if (!task) return r.job_id == id;
  return r.array_job_id == id && r.array_task_id == task;
}

std::string JobSelector::name() const {
  return std::to_string(id) + (task ? "_" + std::to_string(*task) : "");
}

Result<JobSelector> parse_job_selector(std::string_view s) {
  const auto parts = text::split(s, '_');
  auto id = text::parse_int(parts[0], 1, kMaxId);
  auto task = parts.size() == 2 ? text::parse_int(parts[1], 0, kMaxId) : std::nullopt;
  if (!id || parts.size() > 2 || (parts.size() == 2 && !task))
    return fail("'" + std::string(s) + "' is not a job id (42, or 100_7 for an array task)");
  JobSelector j;
  j.id = static_cast<std::uint32_t>(*id);
  if (task) j.task = static_cast<std::uint32_t>(*task);
  return j;
}

const AuditLine& Run::main() const {
  return decision ? *decision : notice ? *notice : *ignored;
}

void JobHistory::add(const AuditLine& r) {
  if (!job_.task && r.array_job_id == job_.id && r.array_task_id && tasks_.size() < kMaxTasks)
    tasks_.insert(*r.array_task_id);
  if (!job_.matches(r)) return;
  if (std::find(records_.begin(), records_.end(), r) == records_.end()) records_.push_back(r);
}

std::vector<Run> JobHistory::runs() const {
  std::vector<const AuditLine*> sorted;
  for (const auto& r : records_) sorted.push_back(&r);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](auto* a, auto* b) { return sort_key(*a) < sort_key(*b); });
  std::vector<Run> runs;
  for (const AuditLine* r : sorted) {
    if (!is_decision(r->event) && r->event != AuditEvent::Notice && r->event != AuditEvent::Ignored)
      continue;
    const bool same = !runs.empty() && run_key(runs.back().main()) == run_key(*r);
    if (!same || !place(runs.back(), *r)) {
      runs.emplace_back();
      place(runs.back(), *r);
    }
  }
  return runs;
}

std::optional<std::int64_t> cap_from_reason(std::string_view reason) {
  const auto at = reason.rfind("max ");
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view digits = reason.substr(at + 4);
  digits = digits.substr(0, std::min(digits.find_first_not_of("0123456789"), digits.size()));
  return text::parse_int(digits, 0, 1000000);
}

JobBudgets job_budgets(const std::vector<Run>& runs) {
  JobBudgets b;
  std::optional<std::int64_t> field, others_field;
  std::int64_t preempted_runs = 0, other_requeues = 0;
  const auto note_qos = [&](const std::string& q) {
    if (!q.empty() && (b.qos.empty() || b.qos.back() != q)) b.qos.push_back(q);
  };
  for (const Run& run : runs) {
    for (const auto* r : {&run.ignored, &run.notice, &run.decision}) {
      if (!*r) continue;
      const AuditLine& l = **r;
      if (auto n = preemptions_of(l)) field = std::max(field.value_or(0), *n);
      note_qos(l.qos);
    }
    if (!run.decision) continue;
    const AuditLine& d = *run.decision;
    const bool preemption = d.cause == Cause::Preemption;
    const bool requeued_other = d.event == AuditEvent::Requeue && !preemption;
    preempted_runs += preemption;
    other_requeues += requeued_other;
    if (d.other_requeues)
      others_field = std::max(others_field.value_or(0), *d.other_requeues + requeued_other);
    note_qos(d.requeue_qos);
    // A cap of other causes names them; a ceiling on all restarts is neither cap.
    if (auto cap = cap_from_reason(d.reason)) {
      if (d.reason.find("causes other than preemption") != std::string::npos)
        b.other_cap = cap;
      else if (d.reason.find(" in all, max ") == std::string::npos)
        b.preemption_cap = cap;
    }
  }
  b.preemptions = field.value_or(preempted_runs);
  b.other_requeues = others_field.value_or(other_requeues);
  return b;
}

std::string format_duration(std::int64_t s) {
  const std::string sign = s < 0 ? "-" : "";
  if (s < 0) s = -s;
  if (s < 120) return sign + std::to_string(s) + " s";
  if (s < 7200) return sign + std::to_string(s / 60) + " min " + std::to_string(s % 60) + " s";
  return sign + std::to_string(s / 3600) + " h " + std::to_string(s % 3600 / 60) + " min";
}

}  // namespace gracepack::report
