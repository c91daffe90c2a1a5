// Audit lines for the report's tests, written by the epilog's own writer (to_json) so that the
// reader is tested against what the log really holds.
#pragma once

#include <sys/types.h>

#include <ctime>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "gracepack/core/preempt/audit.hpp"
#include "gracepack/core/report/report.hpp"
#include "gracepack/core/report/summary.hpp"

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

// Issue 19's fields ("\"alloc_gpus\":2,..."), added to a record as the epilog adds them to the
// decision of a run that had a grace start. Where in the line they go does not matter to the
// reader.
inline std::string with(std::string line, const std::string& fields) {
  line.insert(line.rfind('}'), "," + fields);
  return line;
}

// The decision of a preempted run of the lost-work story, as the epilog writes it: the
// allocation, grace start and acknowledgements given, the loss as the epilog computes it
// (lost_work(), core/preempt/checkpoint.hpp), through its own writer.
struct Acks {
  Allocation alloc;
  std::optional<std::time_t> checkpoint, in_window;
  std::string label, note;
  std::optional<long long> returned;
};
inline std::string lost_decision(const RunSpec& s, const Acks& k) {
  AuditRecord r = base(s, "requeue", Cause::Preemption, 1066);
  r.decision = "requeued";
  r.reason = "preemption: requeue 1 of max 5";
  r.alloc = k.alloc;
  r.grace_start = s.preempt;
  r.checkpoint = k.checkpoint;
  r.checkpoint_in_window = k.in_window;
  r.checkpoint_label = k.label;
  r.checkpoint_note = k.note;
  r.lost = lost_work(s.start, s.preempt, k.checkpoint, k.in_window, k.alloc);
  r.grace_returned = k.returned;
  return to_json(r);
}

// Runs of the lost-work story (issue 19), one per job, each preempted at 1050 with its deadline
// at 1065 (15 s), written by the epilog's writer. The numbers are those a person computes:
//   20 alice gpu  2 GPUs, 8 CPUs; acknowledged at 1020 ("step 12000"), killed at the deadline:
//                 lost 1050 - 1020 = 30 s, 30 x 2 = 60 GPU-s, 30 x 8 = 240 CPU-s
//   21 alice gpu  the same, and acknowledged again at 1056 ("step 12500"), inside its window:
//                 lost none (0); the label is that last acknowledgement's
//   22 bob   gpu  4 GPUs, 16 CPUs on 2 nodes; never acknowledged (the file was a FIFO): unknown,
//                 at most 1050 - 1000 = 50 s
//   23 bob   gpu  1 untyped GPU, 4 CPUs; acknowledged at 1054 inside its window and handed the
//                 rest back: gracepack ended it then (SIGTERM), 1065 - 1054 = 11 s returned
//   24 bob   cpu  32 CPUs, no GPU; acknowledged at 1010: lost 40 s, 0 GPU-s, 1280 CPU-s
//   25 alice gpu  preempted, written by a gracepack without checkpoints: none of the fields
// Sums: lost 70 s, 60 GPU-s, 1520 CPU-s; 4 runs acknowledged; 1 unknown (at most 50 s); 2 saved
// (none); 11 s handed back by 1 run; 1 run of an older record.
inline std::vector<std::string> lost_work() {
  const auto run = [](std::uint32_t job, const char* user, const char* partition, std::time_t exit,
                      int status, const char* state) {
    RunSpec s{job, 0, 1000, 1050, exit, status, state, user, partition};
    return s;
  };
  const RunSpec a = run(20, "alice", "gpu", 1065, 9, "PREEMPTED");
  const RunSpec b = run(21, "alice", "gpu", 1057, 0, "COMPLETED");
  const RunSpec c = run(22, "bob", "gpu", 1065, 9, "PREEMPTED");
  const RunSpec d = run(23, "bob", "gpu", 1054, 15, "PREEMPTED");
  const RunSpec e = run(24, "bob", "cpu", 1065, 9, "PREEMPTED");
  const RunSpec f = run(25, "alice", "gpu", 1065, 9, "PREEMPTED");
  const Allocation two{1, 8, 2, "a100:2"};
  return {
      notice(a, 1050, 1066),
      lost_decision(a, {two, 1020, std::nullopt, "step 12000", "", std::nullopt}),
      lost_decision(b, {two, 1020, 1056, "step 12500", "", std::nullopt}),
      lost_decision(
          c,
          {{2, 16, 4, "a100:4"}, std::nullopt, std::nullopt, "", "a FIFO, not read", std::nullopt}),
      lost_decision(d, {{1, 4, 1, ""}, std::nullopt, 1054, "", "", 11}),
      lost_decision(e, {{1, 32, 0, ""}, 1010, std::nullopt, "", "", std::nullopt}),
      decision(f, "requeue", Cause::Preemption, 1066, "preemption: requeue 1 of max 5"),
  };
}

// Issue 20's fields on a decision, as the epilog writes them where slurmctld's record was read.
struct Budget {
  std::string qos;
  unsigned preemptions = 0;
  unsigned other = 0;
  std::string requeue_qos, note;
};
inline std::string budget_decision(const RunSpec& s, const char* event, Cause cause, std::time_t at,
                                   const std::string& reason, const Budget& b) {
  AuditRecord r = base(s, event, cause, at);
  r.decision = std::string(event) == "requeue" ? "requeued" : "not requeued";
  r.reason = reason;
  r.job.qos = b.qos;
  r.preemptions = b.preemptions;
  r.other_requeues = b.other;
  r.requeue_qos = b.requeue_qos;
  r.qos_note = b.note;
  return to_json(r);
}

// Job 30 of the budgets story (issue 20; max_requeue 2, max_other_requeue 1, protect_after 2,
// protect_qos "protected"), gptest in low-grace:
//   run 1 (restart 0) preempted at 1002, requeued: preemption 1, in QOS normal
//   run 2 (restart 1) timed out, requeued for it: other cause 1 (its record: 0 before it)
//   run 3 (restart 2) preempted at 1110, requeued into QOS protected: preemption 2
//   run 4 (restart 3) preempted at 1140 in QOS protected: cap reached, not requeued; its record
//         says 2 preemptions (the epilog counts those the job comes back from): the job's 3rd
// So: 3 preemptions, 1 requeue for another cause, 2 requeues after preemption, 1 move.
inline std::vector<std::string> budgets_story() {
  const RunSpec r1{30, 0, 1000, 1002, 1008};
  const RunSpec r2{30, 1, 1020, 0, 1080, 9, "TIMEOUT"};
  const RunSpec r3{30, 2, 1100, 1110, 1115};
  const RunSpec r4{30, 3, 1130, 1140, 1155, 9, "PREEMPTED"};
  return {
      notice(r1, 1002, 1009),
      budget_decision(r1, "requeue", Cause::Preemption, 1009, "preemption: requeue 1 of max 2",
                      {"normal", 1, 0, "", ""}),
      budget_decision(r2, "requeue", Cause::TimeLimit, 1081,
                      "time limit: requeue 1 of max 1 (causes other than preemption)",
                      {"normal", 1, 0, "", ""}),
      notice(r3, 1110, 1116),
      budget_decision(r3, "requeue", Cause::Preemption, 1116,
                      "preemption: requeue 2 of max 2; into QOS protected (preemption 2, "
                      "protect_after=2)",
                      {"normal", 2, 1, "protected", ""}),
      notice(r4, 1140, 1156),
      budget_decision(r4, "cap", Cause::Preemption, 1156,
                      "requeue cap reached: the job was requeued after 2 preemptions, max 2",
                      {"protected", 2, 1, "", ""}),
  };
}

// Job 31: preempted a second time, requeued, but the protected QOS was refused.
inline std::string refused_move() {
  const RunSpec r{31, 1, 1000, 1002, 1008};
  const std::string note =
      "not moved into QOS protected: account gp of user alice may not use QOS protected";
  return budget_decision(r, "requeue", Cause::Preemption, 1009,
                         "preemption: requeue 2 of max 5; stays in QOS normal: " + note,
                         {"normal", 2, 0, "", note});
}

inline report::AuditLine parse(const std::string& line) {
  report::AuditLineParser p;
  report::AuditLine out;
  auto st = p.parse(line, out);
  if (!st) throw std::runtime_error(st.error().message + ": " + line);
  return out;
}

// (string_view: gcc 14 takes a reference returned beside a temporary string for a dangling one.)
inline const report::Counters& group(const std::vector<report::Summary::Group>& groups,
                                     std::string_view partition, std::string_view user) {
  for (const auto& g : groups) {
    if (g.partition == partition && g.user == user) return g.counters;
  }
  throw std::runtime_error("no group " + std::string(partition) + "/" + std::string(user));
}

// The cells of the table's row for `partition` and `user`, split at runs of two spaces or more
// (a header such as "LOST GPU-H" holds one space).
inline std::map<std::string, std::string> table_row(const std::string& table,
                                                    const std::string& partition,
                                                    const std::string& user) {
  const auto cells = [](const std::string& line) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at < line.size()) {
      const auto gap = line.find("  ", at);
      out.push_back(line.substr(at, gap == std::string::npos ? std::string::npos : gap - at));
      if (gap == std::string::npos) break;
      at = line.find_first_not_of(' ', gap);
    }
    return out;
  };
  std::istringstream in(table);
  std::string line;
  std::getline(in, line);
  const auto header = cells(line);
  while (std::getline(in, line)) {
    const auto row = cells(line);
    if (row.size() != header.size() || row[0] != partition || row[1] != user) continue;
    std::map<std::string, std::string> out;
    for (std::size_t i = 0; i < row.size(); ++i) out[header[i]] = row[i];
    return out;
  }
  return {};
}

}  // namespace gracepack::report_fixtures
