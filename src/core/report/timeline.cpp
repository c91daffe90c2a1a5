// The text of gracepack-report JOBID: a header, then each run's moments in time order.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "gracepack/core/base/text.hpp"
#include "gracepack/core/report/job.hpp"
#include "gracepack/core/report/run.hpp"

namespace gracepack::report {
namespace {

struct Moment {
  std::int64_t time;
  // Among moments of the same second, the order in which they happen: 0 a checkpoint before grace
  // start, 1 grace start, 2 notice, 3 a checkpoint in the window, 4 grace handed back, 5 the
  // script's end, 6 the kill, 7 the window's use, 8 a note, 9 the decision, 10 the requeue delay.
  int order;
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

// The acknowledgements the decision record names (issue 19), and the grace handed back.
void checkpoint_moments(const Run& run, std::vector<Moment>& out) {
  if (!run.decision) return;
  const AuditLine& d = *run.decision;
  const std::int64_t grace = loss_grace_start(d);
  // The label is the last acknowledgement's: the one inside the window when there is one.
  const auto label = [&](bool last) {
    return last && !d.checkpoint_label.empty() ? ": \"" + d.checkpoint_label + "\"" : "";
  };
  if (d.checkpoint) {
    std::string t = "checkpoint acknowledged" + label(!d.checkpoint_in_window);
    if (grace > 0 && *d.checkpoint <= grace)
      t += ", " + format_duration(grace - *d.checkpoint) + " before grace start";
    out.push_back({*d.checkpoint, 0, t});
  }
  if (d.checkpoint_in_window) {
    std::string t = "checkpoint acknowledged inside the window" + label(true);
    if (grace > 0 && *d.checkpoint_in_window >= grace)
      t += ", " + format_duration(*d.checkpoint_in_window - grace) + " after grace start";
    out.push_back({*d.checkpoint_in_window, 3, t});
  }
  const auto deadline = window_use(d).deadline;
  if (d.grace_returned_seconds && *d.grace_returned_seconds > 0 && deadline)
    out.push_back({*deadline - *d.grace_returned_seconds, 4,
                   "gracepack ended the run at that acknowledgement: " +
                       format_duration(*d.grace_returned_seconds) + " of grace handed back"});
}

void end_moments(const Run& run, std::vector<Moment>& out) {
  const AuditLine& r = run.main();
  const WindowUse w = window_use(r);
  if (r.script_exit) {
    std::string t = "batch script ended";
    if (r.script_status) t += " (" + describe_wait_status(*r.script_status) + ")";
    if (w.end == WindowEnd::ExitedInTime) t += ", " + format_duration(w.used) + " into the window";
    out.push_back({*r.script_exit, 5, t});
  }
  if (w.end == WindowEnd::KilledAtDeadline)
    out.push_back({*w.deadline, 6, "deadline: Slurm killed what was left"});
  // Under the script's end (or the kill), before what the epilog decided afterwards.
  const std::int64_t at =
      w.end == WindowEnd::ExitedInTime ? *r.script_exit : w.deadline.value_or(r.end_time);
  if (w.end != WindowEnd::None) out.push_back({at, 7, std::string("\n") + window_text(w)});
}

void decision_moments(const Run& run, const Run* next, std::vector<Moment>& out) {
  if (run.ignored) out.push_back({run.ignored->time, 8, "note: " + run.ignored->reason});
  if (!run.decision) {
    out.push_back({run.main().time, 9, "no decision on record (the epilog did not finish?)"});
    return;
  }
  const AuditLine& d = *run.decision;
  std::string t = verdict(d) + " (" + describe_cause(d.cause);
  if (!d.state.empty()) t += ", state " + d.state;
  out.push_back({d.time, 9, t + "): " + d.reason});
  // The protected QOS (issue 20), under the decision: from the record's fields, not its reason.
  const std::string nth =
      d.preemptions ? " at preemption " + std::to_string(*d.preemptions) : std::string();
  if (!d.requeue_qos.empty())
    out.push_back({d.time, 9,
                   d.event == AuditEvent::Requeue
                       ? "\nrequeued into QOS " + d.requeue_qos + nth
                       : "\nmoved into QOS " + d.requeue_qos + nth + " (Slurm requeues the job)"});
  if (!d.qos_note.empty())
    out.push_back({d.time, 9,
                   "\nnot moved into the protected QOS" + nth + ", stays in QOS " +
                       (d.qos.empty() ? std::string("(not on record)") : d.qos) + ": " +
                       d.qos_note});
  if (d.event != AuditEvent::Requeue) return;
  const auto next_start = next ? run_start_of(next->main()) : std::nullopt;
  out.push_back({d.time, 10,
                 next_start ? "\nrequeue delay: the next run started " +
                                  format_duration(*next_start - d.time) + " after the requeue"
                            : "\nrequeue delay: no later run on record (pending, or another log)"});
}

std::string with_hours(std::int64_t seconds, const char* unit) {
  std::string s = std::to_string(seconds) + " " + unit + "-s";
  if (seconds >= 3600) {
    char buf[48];
    std::snprintf(buf, sizeof buf, " (%.2f %s-h)", static_cast<double>(seconds) / 3600.0, unit);
    s += buf;
  }
  return s;
}

std::string allocation_text(const AuditLine& d) {
  std::vector<std::string> parts;
  const auto count = [&](const std::optional<std::int64_t>& v, const char* one, const char* many) {
    if (v) parts.push_back(std::to_string(*v) + " " + (*v == 1 ? one : many));
  };
  count(d.alloc_nodes, "node", "nodes");
  count(d.alloc_cpus, "CPU", "CPUs");
  count(d.alloc_gpus, "GPU", "GPUs");
  if (parts.empty()) return "";
  std::string s = text::join(parts, ", ");
  if (!d.alloc_gpu_types.empty()) s += " (" + d.alloc_gpu_types + ")";
  return s;
}

// What the run lost and handed back, under its moments: from the decision record's fields.
std::string lost_lines(const Run& run, const TimeFormatter& when) {
  if (!run.decision) return "";
  const AuditLine& d = *run.decision;
  std::vector<std::string> lines;
  std::string cost;  // ": 60 GPU-s, 240 CPU-s"
  if (d.lost_gpu_seconds && (*d.lost_gpu_seconds > 0 || d.alloc_gpus.value_or(1) > 0))
    cost += with_hours(*d.lost_gpu_seconds, "GPU");  // but no "0 GPU-s" for a run without GPUs
  if (d.lost_cpu_seconds)
    cost += (cost.empty() ? "" : ", ") + with_hours(*d.lost_cpu_seconds, "CPU");
  if (!cost.empty()) cost = ": " + cost;
  if (d.lost == Lost::None) {
    lines.push_back("work lost: none (a checkpoint acknowledged inside the window saved it)");
  } else if (d.lost == Lost::SinceCheckpoint) {
    std::string t = "work lost: ";
    t += d.lost_seconds ? format_duration(*d.lost_seconds) : "the time";
    t += d.checkpoint ? " since the checkpoint at " + clock(when, *d.checkpoint)
                      : " since the checkpoint";
    lines.push_back(t + cost);
  } else if (d.lost == Lost::Unknown) {
    std::string t = "work lost: unknown, no checkpoint acknowledged";
    if (d.lost_at_most_seconds)
      t += "; at most " + format_duration(*d.lost_at_most_seconds) + ", the run up to grace start";
    lines.push_back(t);
  } else if (d.lost == Lost::Other) {
    lines.push_back("work lost: a kind this version of the report does not know");
  } else if (d.preempt_time > 0) {
    lines.push_back("work lost: not on record (a record of a gracepack without checkpoints)");
  }
  if (const std::string a = allocation_text(d); !a.empty()) lines.push_back("allocation: " + a);
  if (!d.checkpoint_note.empty())
    lines.push_back("acknowledgement file not counted: " + d.checkpoint_note);
  if (d.grace_returned_seconds && *d.grace_returned_seconds > 0) {
    const WindowUse w = window_use(d);
    lines.push_back("grace handed back: " + format_duration(*d.grace_returned_seconds) +
                    (w.window > 0 ? " of the " + format_duration(w.window) + " window" : ""));
  }
  std::string out;
  for (const auto& l : lines) out += "  " + l + "\n";
  return out;
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
  checkpoint_moments(run, moments);
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
  return out + lost_lines(run, when);
}

std::string times(std::int64_t n) {
  return std::to_string(n) + (n == 1 ? " time" : " times");
}

// The job, its runs and requeues; then its QOS and its count of each budget (issue 20).
std::string header(const JobSelector& job, const std::vector<Run>& runs) {
  const AuditLine& first = runs.front().main();
  std::size_t requeues = 0;
  for (const Run& run : runs) {
    if (run.decision) requeues += run.decision->event == AuditEvent::Requeue;
  }
  const JobBudgets b = job_budgets(runs);
  std::string h = "job " + job.name() + " (user " + first.user + ", uid " +
                  std::to_string(first.uid) + ", partition " + first.partition +
                  "): " + std::to_string(runs.size()) + (runs.size() == 1 ? " run" : " runs") +
                  ", requeued " + times(static_cast<std::int64_t>(requeues));
  if (b.preemption_cap) h += " (cap " + std::to_string(*b.preemption_cap) + ")";
  h += "\n";
  if (!b.qos.empty()) h += "QOS " + text::join(b.qos, ", then ") + "; ";
  h += "preempted " + times(b.preemptions) + ", requeued " + times(b.other_requeues) +
       " for other causes";
  if (b.other_cap) h += " (cap " + std::to_string(*b.other_cap) + ")";
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
