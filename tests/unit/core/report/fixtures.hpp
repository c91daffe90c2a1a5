// Audit lines for the report's tests, written by the epilog's own writer (to_json) so that the
// reader is tested against what the log really holds.
#pragma once

#include <sys/types.h>

#include <ctime>
#include <stdexcept>
#include <string>
#include <vector>

#include "gracepack/core/preempt/audit.hpp"
#include "gracepack/core/report/report.hpp"

namespace gracepack::report_fixtures {

// One run of job `job` (uid 1001, gptest, low-grace) that started at `start`. With `preempt`,
// grace began then and the deadline is 15 s later; the script ended at `exit`. As on a real
// cluster, slurmctld's end time is the deadline unless the job ended by itself before it (then
// its own end), and the watcher's deadline is on record.
struct RunSpec {
  std::uint32_t job = 6;
  unsigned restart = 0;
  std::time_t start = 1000;
  std::time_t preempt = 0;  // 0: not preempted
  std::time_t exit = 1100;
  int status = 0;
  std::string state = "COMPLETED";
  std::string user = "gptest";
  std::string partition = "low-grace";
  uid_t uid = 1001;
};

inline AuditRecord base(const RunSpec& s, const char* event, Cause cause, std::time_t at) {
  AuditRecord r;
  r.event = event;
  r.job.job_id = s.job;
  r.job.user = s.uid;
  r.job.partition = s.partition;
  r.job.state = parse_job_state(s.state).value_or(JobState::Other);
  r.job.restart_count = s.restart;
  r.job.start_time = s.start;
  r.job.preempt_time = s.preempt;
  const bool in_time = s.state != "PREEMPTED" && s.exit < s.preempt + 15;
  r.job.end_time = !s.preempt ? 0 : in_time ? s.exit : s.preempt + 15;
  if (s.preempt) r.deadline = s.preempt + 15;
  r.user = s.user;
  r.cause = cause;
  r.time = at;
  r.run_start = s.start;
  r.script_exit = s.exit;
  r.script_status = s.status;
  return r;
}

inline std::string notice(const RunSpec& s, std::time_t delivered, std::time_t at) {
  AuditRecord r = base(s, "notice", Cause::Preemption, at);
  r.decision = "notified";
  r.reason = "grace period started; the job's processes were signalled";
  r.notice_delivered = delivered;
  r.processes_signalled = 2;
  return to_json(r);
}

inline std::string decision(const RunSpec& s, const char* event, Cause cause, std::time_t at,
                            const std::string& reason) {
  AuditRecord r = base(s, event, cause, at);
  r.decision = std::string(event) == "requeue" ? "requeued" : "not requeued";
  r.reason = reason;
  return to_json(r);
}

// The story of the brief: preempted at 1002, notice at 1002, script ended at 1008 (6 s of a
// 15 s window), requeued at 1009; run 2 started at 1022 and completed.
inline std::vector<std::string> requeued_then_completed() {
  RunSpec run1{6, 0, 1000, 1002, 1008};
  RunSpec run2{6, 1, 1022, 0, 1036};
  return {notice(run1, 1002, 1009),
          decision(run1, "requeue", Cause::Preemption, 1009, "preemption: requeue 1 of max 5"),
          decision(run2, "no-requeue", Cause::Completion, 1037, "completed without preemption")};
}

inline report::AuditLine parse(const std::string& line) {
  report::AuditLineParser p;
  report::AuditLine out;
  auto st = p.parse(line, out);
  if (!st) throw std::runtime_error(st.error().message + ": " + line);
  return out;
}

}  // namespace gracepack::report_fixtures
