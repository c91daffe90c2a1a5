// The text of gracepack-report JOBID: a header, then each run's moments in time order.
#include <algorithm>
#include <string>
#include <vector>

#include "gracepack/core/report/job.hpp"
#include "gracepack/core/report/run.hpp"

namespace gracepack::report {
namespace {

struct Moment {
  std::int64_t time;
  int order;  // among moments of the same second: the order in which they happen
  std::string text;
};

const char* kIndent = "            ";  // under the clock column

std::string clock(const TimeFormatter& when, std::int64_t t) {
  const std::string s = when(t);
  return s.size() >= 8 ? s.substr(s.size() - 8) : s;
}

std::string verdict(const AuditLine& d) {
  return d.event == AuditEvent::Requeue ? "requeued" : "not requeued";
}

std::string window_text(const WindowUse& w) {
  const std::string of = " of " + format_duration(w.window);
  switch (w.end) {
    case WindowEnd::KilledAtDeadline:
      return "checkpoint window used: all" + of + ", killed at the deadline";
    case WindowEnd::ExitedInTime:
      return "checkpoint window used: " + format_duration(w.used) +
             (w.window > 0 ? of : " (the deadline is not on record)");
    case WindowEnd::Unknown:
      return "checkpoint window used: unknown (the record has no script end)";
    default:
      return "";
  }
}

void grace_moments(const Run& run, const TimeFormatter& when, std::vector<Moment>& out) {
  const AuditLine& r = run.main();
  if (r.preempt_time <= 0) return;
  const WindowUse w = window_use(r);
  std::string text = "grace period began (preemption)";
  text += w.window > 0 ? ": deadline " + clock(when, *w.deadline) + ", a " +
                             format_duration(w.window) + " window"
                       : ": no deadline after it on record";
  out.push_back({r.preempt_time, 1, text});
  if (run.notice && run.notice->notice_delivered) {
    const AuditLine& n = *run.notice;
    std::string t = "notice delivered";
    if (n.processes_signalled) {
      const auto k = *n.processes_signalled;
      t += " to " + std::to_string(k) + (k == 1 ? " process" : " processes");
    }
    // The notice's own grace start: the decision's may differ (a record made up by a fuzzer).
    const auto latency = notice_latency(n);
    if (latency && *latency >= 0) t += ", " + format_duration(*latency) + " after grace start";
    if (latency && *latency < 0)  // seen after a slurmctld restart: its record moved on
      t += ", " + format_duration(-*latency) + " before the grace start slurmctld recorded";
    out.push_back({*n.notice_delivered, 2, t});
  } else {
    out.push_back({r.preempt_time, 2, "no notice on record for this run"});
  }
}

void end_moments(const Run& run, std::vector<Moment>& out) {
  const AuditLine& r = run.main();
  const WindowUse w = window_use(r);
  if (r.script_exit) {
    std::string t = "batch script ended";
    if (r.script_status) t += " (" + describe_wait_status(*r.script_status) + ")";
    if (w.end == WindowEnd::ExitedInTime) t += ", " + format_duration(w.used) + " into the window";
    out.push_back({*r.script_exit, 3, t});
  }
  if (w.end == WindowEnd::KilledAtDeadline)
    out.push_back({*w.deadline, 4, "deadline: Slurm killed what was left"});
  // Under the script's end (or the kill), before what the epilog decided afterwards.
  const std::int64_t at =
      w.end == WindowEnd::ExitedInTime ? *r.script_exit : w.deadline.value_or(r.end_time);
  if (w.end != WindowEnd::None) out.push_back({at, 5, std::string("\n") + window_text(w)});
}

void decision_moments(const Run& run, const Run* next, std::vector<Moment>& out) {
  if (run.ignored) out.push_back({run.ignored->time, 6, "note: " + run.ignored->reason});
  if (!run.decision) {
    out.push_back({run.main().time, 7, "no decision on record (the epilog did not finish?)"});
    return;
  }
  const AuditLine& d = *run.decision;
  std::string t = verdict(d) + " (" + describe_cause(d.cause);
  if (!d.state.empty()) t += ", state " + d.state;
  out.push_back({d.time, 7, t + "): " + d.reason});
  if (d.event != AuditEvent::Requeue) return;
  const auto next_start = next ? run_start_of(next->main()) : std::nullopt;
  out.push_back({d.time, 8,
                 next_start ? "\nrequeue delay: the next run started " +
                                  format_duration(*next_start - d.time) + " after the requeue"
                            : "\nrequeue delay: no later run on record (pending, or another log)"});
}

std::string format_run(const Run& run, const Run* next, std::size_t number,
                       const TimeFormatter& when) {
  const AuditLine& r = run.main();
  const auto start = run_start_of(r);
  std::string out = "run " + std::to_string(number) + " (restart " +
                    std::to_string(r.restart_count) + ")" +
                    (start ? ", started " + when(*start) : ", start not on record") + "\n";
  std::vector<Moment> moments;
  grace_moments(run, when, moments);
  end_moments(run, moments);
  decision_moments(run, next, moments);
  std::stable_sort(moments.begin(), moments.end(), [](const Moment& a, const Moment& b) {
    return a.time != b.time ? a.time < b.time : a.order < b.order;
  });
  for (const Moment& m : moments) {
    const bool continued = !m.text.empty() && m.text.front() == '\n';
    out += "  " + (continued ? std::string(kIndent) : clock(when, m.time) + "  ") +
           (continued ? m.text.substr(1) : m.text) + "\n";
  }
  return out;
}

std::string header(const JobSelector& job, const std::vector<Run>& runs) {
  const AuditLine& first = runs.front().main();
  std::size_t requeues = 0;
  std::optional<std::int64_t> cap;
  for (const Run& run : runs) {
    if (!run.decision) continue;
    requeues += run.decision->event == AuditEvent::Requeue;
    if (auto c = cap_from_reason(run.decision->reason)) cap = c;
  }
  std::string h = "job " + job.name() + " (user " + first.user + ", uid " +
                  std::to_string(first.uid) + ", partition " + first.partition +
                  "): " + std::to_string(runs.size()) + (runs.size() == 1 ? " run" : " runs") +
                  ", requeued " + std::to_string(requeues) + (requeues == 1 ? " time" : " times");
  if (cap) h += " (cap " + std::to_string(*cap) + ")";
  return h + "\n";
}

}  // namespace

std::string format_timeline(const JobSelector& job, const std::vector<Run>& runs,
                            const TimeFormatter& when) {
  if (runs.empty()) return "job " + job.name() + ": no run on record\n";
  std::string out = header(job, runs);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    out += "\n" + format_run(runs[i], i + 1 < runs.size() ? &runs[i + 1] : nullptr, i + 1, when);
  }
  return out;
}

}  // namespace gracepack::report
