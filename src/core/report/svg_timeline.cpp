// gracepack-report JOBID --svg: one row per run on a shared time axis. The run's bar goes from
// its start to the script's end; the grace window is shaded behind it, from grace start to the
// deadline; a red mark shows the notice, a cross a kill at the deadline. Green diamonds mark the
// checkpoints the job acknowledged (hollow: inside the window), a red stripe under the bar the
// work lost since the last one, a green band the grace handed back.
#include <algorithm>
#include <vector>

#include "gracepack/core/report/run.hpp"
#include "gracepack/core/report/svg.hpp"
#include "gracepack/core/report/svg_draw.hpp"

namespace gracepack::report {
namespace {

constexpr double kWidth = 900, kLeft = 80, kRight = 30, kTop = 78, kRow = 64;
constexpr double kMinBar = 3;  // px: the narrowest run bar
const char* kRunFill = "#4a90d9";
const char* kGraceFill = "#f5a623";
const char* kNotice = "#d0021b";
const char* kCheckpoint = "#2e7d32";
const char* kLost = "#b8000f";
const char* kReturned = "#7ed321";

struct Axis {
  std::int64_t t0 = 0, t1 = 1;
  double x(std::int64_t t) const {
    return kLeft +
           (kWidth - kLeft - kRight) * static_cast<double>(t - t0) / static_cast<double>(t1 - t0);
  }
};

// The earliest and latest moment of any run.
Axis axis_for(const std::vector<Run>& runs) {
  std::vector<std::int64_t> times;
  for (const Run& run : runs) {
    const AuditLine& r = run.main();
    for (auto t : {run_start_of(r), r.script_exit, std::optional<std::int64_t>(r.time)})
      if (t && *t > 0) times.push_back(*t);
    if (r.preempt_time > 0) times.push_back(r.preempt_time);
    for (auto t : {r.checkpoint, r.checkpoint_in_window})
      if (t && *t > 0) times.push_back(*t);
    if (auto d = window_use(r).deadline) times.push_back(*d);
  }
  Axis a;
  if (times.empty()) return a;
  a.t0 = *std::min_element(times.begin(), times.end());
  a.t1 = std::max(*std::max_element(times.begin(), times.end()), a.t0 + 1);
  return a;
}

std::string grace(const AuditLine& r, const Axis& a, double y) {
  const auto deadline = window_use(r).deadline;
  if (r.preempt_time <= 0 || !deadline) return "";
  return svg::rect(a.x(r.preempt_time), y - 14, a.x(*deadline) - a.x(r.preempt_time), 28,
                   std::string("fill=\"") + kGraceFill + "\" fill-opacity=\"0.45\" stroke=\"" +
                       kGraceFill + "\"");
}

// What the decision record says of checkpoints (issue 19): the work lost since the last one (a
// stripe under the bar), the grace handed back (a band over the window's end), each
// acknowledgement (a diamond on the bar; hollow inside the window). Tooltips give the numbers.
std::string checkpoint_marks(const Run& run, const Axis& a, double y, const TimeFormatter& when) {
  if (!run.decision) return "";
  const AuditLine& d = *run.decision;
  std::string out;
  const std::int64_t grace = loss_grace_start(d);
  if (d.lost == Lost::SinceCheckpoint && d.checkpoint && grace >= *d.checkpoint) {
    out += svg::rect(a.x(*d.checkpoint), y + 8, a.x(grace) - a.x(*d.checkpoint), 4,
                     std::string("fill=\"") + kLost + "\"");
  }
  const auto deadline = window_use(d).deadline;
  if (d.grace_returned_seconds && *d.grace_returned_seconds > 0 && deadline) {
    const double x = a.x(*deadline - *d.grace_returned_seconds);
    out += svg::rect(x, y - 14, a.x(*deadline) - x, 28,
                     std::string("fill=\"") + kReturned + "\" fill-opacity=\"0.6\"");
  }
  if (d.checkpoint) {
    // The label is the last acknowledgement's: the one inside the window when there is one.
    std::string tip = "checkpoint acknowledged " + when(*d.checkpoint);
    if (!d.checkpoint_label.empty() && !d.checkpoint_in_window) tip += ": " + d.checkpoint_label;
    out += svg::diamond(a.x(*d.checkpoint), y, 7,
                        std::string("fill=\"") + kCheckpoint + "\" stroke=\"white\"", tip);
  }
  if (d.checkpoint_in_window) {
    out += svg::diamond(
        a.x(*d.checkpoint_in_window), y, 7,
        std::string("fill=\"white\" stroke=\"") + kCheckpoint + "\" stroke-width=\"2.5\"",
        "checkpoint acknowledged inside the window " + when(*d.checkpoint_in_window) +
            (d.checkpoint_label.empty() ? "" : ": " + d.checkpoint_label));
  }
  return out;
}

std::string marks(const Run& run, const Axis& a, double y) {
  const AuditLine& r = run.main();
  std::string out;
  if (run.notice && run.notice->notice_delivered) {
    const double x = a.x(*run.notice->notice_delivered);
    out += svg::line(x, y - 18, x, y + 18,
                     std::string("stroke=\"") + kNotice + "\" stroke-width=\"3\"");
  }
  if (const WindowUse w = window_use(r); w.end == WindowEnd::KilledAtDeadline) {
    const double x = a.x(*w.deadline);
    const std::string s = std::string("stroke=\"") + kNotice + "\" stroke-width=\"2\"";
    out += svg::line(x - 6, y - 6, x + 6, y + 6, s) + svg::line(x - 6, y + 6, x + 6, y - 6, s);
  }
  return out;
}

std::string caption(const Run& run) {
  const AuditLine& r = run.main();
  const WindowUse w = window_use(r);
  std::string s =
      run.decision
          ? std::string(run.decision->event == AuditEvent::Requeue ? "requeued" : "not requeued")
          : "no decision";
  s += " (" + describe_cause(r.cause) + ")";
  if (w.end == WindowEnd::ExitedInTime)
    s += ", window used " + format_duration(w.used) +
         (w.window > 0 ? " of " + format_duration(w.window) : "");
  if (w.end == WindowEnd::KilledAtDeadline) s += ", killed at the deadline";
  if (!run.decision) return s;
  const AuditLine& d = *run.decision;
  if (d.lost == Lost::None) s += ", nothing lost";
  if (d.lost == Lost::SinceCheckpoint && d.lost_seconds) {
    s += ", lost " + format_duration(*d.lost_seconds);
    if (d.lost_gpu_seconds && *d.lost_gpu_seconds > 0)
      s += " (" + std::to_string(*d.lost_gpu_seconds) + " GPU-s)";
    else if (d.lost_cpu_seconds)
      s += " (" + std::to_string(*d.lost_cpu_seconds) + " CPU-s)";
  }
  if (d.lost == Lost::Unknown) s += ", loss unknown (no checkpoint)";
  if (d.grace_returned_seconds && *d.grace_returned_seconds > 0)
    s += ", " + format_duration(*d.grace_returned_seconds) + " handed back";
  return s;
}

std::string row(const Run& run, const Run* next, std::size_t i, const Axis& a,
                const TimeFormatter& when) {
  const AuditLine& r = run.main();
  const double y = kTop + 30 + kRow * static_cast<double>(i);
  std::string out = svg::text(12, y + 4, "run " + std::to_string(i + 1), "font-weight=\"bold\"");
  out += grace(r, a, y);
  const auto start = run_start_of(r);
  const std::int64_t end = r.script_exit ? *r.script_exit : r.time;
  // At least a sliver: a run that ended within its first second still shows (seen on the e2e
  // cluster: a resumed run that found its checkpoint and exited).
  if (start)
    out += svg::rect(a.x(*start), y - 7, std::max(kMinBar, a.x(end) - a.x(*start)), 14,
                     std::string("fill=\"") + kRunFill + "\"");
  out += marks(run, a, y);
  out += checkpoint_marks(run, a, y, when);
  // Under the bar, or ending at the right margin when it would run past it (6.5 px a character).
  const std::string text = caption(run);
  const double x = start ? a.x(*start) : kLeft;
  const bool past = x + 6.5 * static_cast<double>(text.size()) > kWidth - kRight;
  out += past ? svg::text(kWidth - kRight, y + 30, text, "font-size=\"11\" text-anchor=\"end\"")
              : svg::text(x, y + 30, text, "font-size=\"11\"");
  // 0: no next run, or its start is not on record.
  const std::int64_t next_start = next ? run_start_of(next->main()).value_or(0) : 0;
  if (run.decision && run.decision->event == AuditEvent::Requeue && next_start > 0) {
    const double x1 = a.x(run.decision->time), x2 = a.x(next_start), yn = y + kRow;
    out += svg::line(x1, y, x2, yn, "stroke=\"#666\" stroke-dasharray=\"4 3\"");
    out += svg::text((x1 + x2) / 2 + 6, (y + yn) / 2,
                     "delay " + format_duration(next_start - run.decision->time),
                     "font-size=\"10\" fill=\"#444\"");
  }
  return out;
}

std::string ticks(const Axis& a, double y, const TimeFormatter& when) {
  std::string out = svg::line(kLeft, y, kWidth - kRight, y, "stroke=\"#333\"");
  constexpr int kTicks = 5;
  for (int i = 0; i <= kTicks; ++i) {
    const std::int64_t t = a.t0 + (a.t1 - a.t0) / kTicks * i;
    const std::string label = when(t);
    out += svg::line(a.x(t), y, a.x(t), y + 5, "stroke=\"#333\"");
    out += svg::text(a.x(t), y + 18, label.size() >= 8 ? label.substr(label.size() - 8) : label,
                     "text-anchor=\"middle\" font-size=\"10\"");
  }
  return out + svg::text(kLeft, y + 34, "from " + when(a.t0) + " to " + when(a.t1),
                         "font-size=\"10\" fill=\"#444\"");
}

}  // namespace

std::string svg_timeline(const JobSelector& job, const std::vector<Run>& runs,
                         const TimeFormatter& when) {
  const Axis a = axis_for(runs);
  const double axis_y = kTop + kRow * static_cast<double>(runs.size()) + 10;
  const double height = axis_y + 70;
  std::string out = svg::open(kWidth, height);
  std::string title = "job " + job.name() + ": " + std::to_string(runs.size()) +
                      (runs.size() == 1 ? " run" : " runs");
  if (!runs.empty())
    title +=
        " (user " + runs.front().main().user + ", partition " + runs.front().main().partition + ")";
  out += svg::text(12, 24, title, "font-size=\"15\" font-weight=\"bold\"");
  out += svg::legend(12, 46,
                     {{kRunFill, "running"},
                      {kGraceFill, "grace window"},
                      {kNotice, "notice delivered / killed at deadline"}});
  out += svg::legend(12, 64,
                     {{kCheckpoint, "checkpoint acknowledged (hollow: inside the window)"},
                      {kLost, "work lost"},
                      {kReturned, "grace handed back"}});
  for (std::size_t i = 0; i < runs.size(); ++i)
    out += row(runs[i], i + 1 < runs.size() ? &runs[i + 1] : nullptr, i, a, when);
  out += ticks(a, axis_y, when);
  return out + svg::close();
}

}  // namespace gracepack::report
