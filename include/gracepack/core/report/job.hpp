// gracepack-report JOBID: one job's runs as a timeline, from the records of that job only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "gracepack/core/report/report.hpp"
#include "gracepack/core/report/time.hpp"

namespace gracepack::report {

// "42", or "100_7" for task 7 of array 100.
struct JobSelector {
  std::uint32_t id = 0;
  std::optional<std::uint32_t> task;
  bool matches(const AuditLine& r) const;
  std::string name() const;
};
Result<JobSelector> parse_job_selector(std::string_view s);

// One run of the job: its decision, and the notice and refusal note that precede it. A run whose
// epilog did not finish may lack its decision.
struct Run {
  std::optional<AuditLine> ignored;
  std::optional<AuditLine> notice;
  std::optional<AuditLine> decision;
  const AuditLine& main() const;  // the decision, else the notice, else the note
};

class JobHistory {
 public:
  explicit JobHistory(JobSelector job) : job_(job) {}

  // Keeps `r` if it is this job's; the same record twice (a log given twice) is kept once.
  void add(const AuditLine& r);
  bool empty() const { return records_.empty(); }
  const std::vector<AuditLine>& records() const { return records_; }
  // Tasks of an array whose id is this selector's bare id (to suggest "100_7"), at most kMaxTasks.
  const std::set<std::uint32_t>& array_tasks() const { return tasks_; }
  // Ordered by restart count and start; a run is the records that share both.
  std::vector<Run> runs() const;

  static constexpr std::size_t kMaxTasks = 1000;

 private:
  JobSelector job_;
  std::vector<AuditLine> records_;
  std::set<std::uint32_t> tasks_;
};

// The requeue cap a decision's reason names ("... of max 5", "... max 5"), if any.
std::optional<std::int64_t> cap_from_reason(std::string_view reason);

// The job's requeue budgets as its records tell them (issue 20).
struct JobBudgets {
  // The largest preemptions_of() its records (run.hpp); without the field (older records), its
  // runs whose cause is preemption.
  std::int64_t preemptions = 0;
  // Its requeues for causes other than preemption: the largest `other_requeues` (this run's
  // restarts before it) plus one where that run was itself requeued for such a cause; without
  // the field, its `requeue` decisions whose cause is not preemption.
  std::int64_t other_requeues = 0;
  std::optional<std::int64_t> preemption_cap;  // the last such cap its decisions' reasons name
  std::optional<std::int64_t> other_cap;       // the cap of causes other than preemption
  // The QOS it ran in and was moved into (`qos`, `requeue_qos`), in run order, each change once.
  std::vector<std::string> qos;
};
JobBudgets job_budgets(const std::vector<Run>& runs);

// "6 s", "4 min 10 s", "2 h 5 min".
std::string format_duration(std::int64_t seconds);

// The timeline for a terminal. `when` renders the times ("YYYY-MM-DD HH:MM:SS", local or UTC).
std::string format_timeline(const JobSelector& job, const std::vector<Run>& runs,
                            const TimeFormatter& when);

// The same runs as one JSON object, for scripts (times in epoch seconds, null when unknown).
std::string format_job_json(const JobSelector& job, const std::vector<Run>& runs);

}  // namespace gracepack::report
