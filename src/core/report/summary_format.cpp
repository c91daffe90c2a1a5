// The summary as a table for people and as JSON for scripts.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "gracepack/core/preempt/audit.hpp"
#include "gracepack/core/report/summary.hpp"

namespace gracepack::report {
namespace {

std::string hours(std::uint64_t seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(seconds) / 3600.0);
  return buf;
}

// Hours for the lost and returned columns: a sum that is not zero never reads as 0.00.
std::string hours_cell(std::uint64_t seconds) {
  if (seconds > 0 && seconds < 18) return "<0.01";  // under 0.005 h
  return hours(seconds);
}

std::string latency_cell(const LatencyHistogram& h) {
  const auto p50 = h.quantile(0.5), p95 = h.quantile(0.95);
  if (!p50) return "-";
  return std::to_string(*p50) + " s / " + std::to_string(*p95) + " s";
}

std::vector<std::string> row(const std::string& partition, const std::string& user,
                             const Counters& c) {
  auto n = [](std::uint64_t v) { return std::to_string(v); };
  return {partition,
          user,
          n(c.runs),
          n(c.preemptions),
          n(c.notices),
          latency_cell(c.latency),
          hours_cell(c.lost_gpu_seconds),
          hours_cell(c.lost_cpu_seconds),
          n(c.lost_unknown),
          hours_cell(c.grace_returned_seconds),
          n(c.requeues_preemption),
          n(c.requeues_other),
          n(c.qos_moves),
          n(c.max_job_preemptions),
          n(c.jobs_over_threshold),
          n(c.exited_in_time),
          n(c.killed_at_deadline),
          n(c.requeues),
          n(c.caps),
          hours(c.preempted_run_seconds)};
}

// Left-aligned text columns (the first two), right-aligned numbers.
std::string render(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      const std::string pad(width[i] - r[i].size(), ' ');
      line += (i ? "  " : "") + (i < 2 ? r[i] + pad : pad + r[i]);
    }
    out += line.substr(0, line.find_last_not_of(' ') + 1) + "\n";
  }
  return out;
}

std::string quoted(const std::string& s) {
  return "\"" + json_escape(s) + "\"";
}

std::string json_counters(const Counters& c) {
  auto n = [](std::uint64_t v) { return std::to_string(v); };
  auto q = [&](double p) {
    auto v = c.latency.quantile(p);
    return v ? std::to_string(*v) : std::string("null");
  };
  std::string used;
  for (std::size_t i = 0; i < c.window_used.size(); ++i)
    used += (i ? "," : "") + n(c.window_used[i]);
  return "\"runs\":" + n(c.runs) + ",\"preemptions\":" + n(c.preemptions) +
         ",\"notices\":" + n(c.notices) +
         ",\"notice_latency_seconds\":{\"count\":" + n(c.latency.count()) +
         ",\"sum\":" + std::to_string(c.latency.sum()) + ",\"median\":" + q(0.5) +
         ",\"p95\":" + q(0.95) + "}" + ",\"exited_before_deadline\":" + n(c.exited_in_time) +
         ",\"killed_at_deadline\":" + n(c.killed_at_deadline) +
         ",\"end_unknown\":" + n(c.end_unknown) + ",\"requeues\":" + n(c.requeues) +
         ",\"caps\":" + n(c.caps) + ",\"refusals\":" + n(c.refusals) +
         ",\"errors\":" + n(c.errors) +
         ",\"preempted_run_seconds\":" + std::to_string(c.preempted_run_seconds) +
         ",\"run_hours_preempted\":" + hours(c.preempted_run_seconds) +
         ",\"window_used_tenths\":[" + used + "]" + ",\"acknowledged\":" + n(c.acknowledged) +
         ",\"lost_none\":" + n(c.lost_none) +
         ",\"lost_since_checkpoint\":" + n(c.lost_since_checkpoint) +
         ",\"lost_unknown\":" + n(c.lost_unknown) +
         ",\"lost_not_recorded\":" + n(c.lost_not_recorded) +
         ",\"lost_seconds\":" + n(c.lost_seconds) +
         ",\"lost_gpu_seconds\":" + n(c.lost_gpu_seconds) +
         ",\"lost_gpu_hours\":" + hours(c.lost_gpu_seconds) +
         ",\"lost_cpu_seconds\":" + n(c.lost_cpu_seconds) +
         ",\"lost_cpu_hours\":" + hours(c.lost_cpu_seconds) +
         ",\"lost_at_most_seconds\":" + n(c.lost_at_most_seconds) +
         ",\"grace_returned\":" + n(c.grace_returned) +
         ",\"grace_returned_seconds\":" + n(c.grace_returned_seconds) +
         ",\"grace_returned_hours\":" + hours(c.grace_returned_seconds) +
         ",\"requeues_preemption\":" + n(c.requeues_preemption) +
         ",\"requeues_other\":" + n(c.requeues_other) +
         ",\"protected_qos_moves\":" + n(c.qos_moves) +
         ",\"protected_qos_refusals\":" + n(c.qos_refusals) +
         ",\"jobs_preempted_over_threshold\":" + n(c.jobs_over_threshold) +
         ",\"max_job_preemptions\":" + n(c.max_job_preemptions);
}

}  // namespace

std::string format_table(const Summary& s, const ReadStats& read) {
  const auto groups = s.groups();
  std::string out;
  if (groups.empty()) {
    out = "no record matches\n";
  } else {
    // The lost-work and budget columns sit before IN TIME: the columns a script reads from the
    // right (IN TIME ... RUN-HOURS, since LATENCY's cell has spaces) keep their places.
    const std::string over = "JOBS >" + std::to_string(s.alert_preemptions());
    std::vector<std::vector<std::string>> rows{
        {"PARTITION",       "USER",       "RUNS",       "PREEMPTED",   "NOTICES",
         "LATENCY p50/p95", "LOST GPU-H", "LOST CPU-H", "UNKNOWN",     "GRACE RETURNED-H",
         "RQ PREEMPT",      "RQ OTHER",   "TO QOS",     "MAX PREEMPT", over,
         "IN TIME",         "KILLED",     "REQUEUES",   "CAPS",        "RUN-HOURS"}};
    for (const auto& g : groups) rows.push_back(row(g.partition, g.user, g.counters));
    const Counters total = s.total();
    if (groups.size() > 1) rows.push_back(row("all", "all", total));
    out = render(rows) +
          "\nPREEMPTED runs ended IN TIME (before the deadline) or were KILLED at it; LATENCY: "
          "grace start to notice delivered;\nLOST GPU-H, LOST CPU-H: work lost, the allocation's "
          "GPUs and CPUs times the time from each run's last\nacknowledged checkpoint to its grace "
          "start (0 when one was acknowledged inside the window); UNKNOWN: runs\nwith a grace "
          "start that never acknowledged a checkpoint; GRACE RETURNED-H: hours of grace window "
          "handed back;\nRQ PREEMPT, RQ OTHER: requeues after a preemption, and for other causes "
          "(time limit); TO QOS: runs moved\ninto the protected QOS; MAX PREEMPT: the most "
          "preemptions of one job; " +
          over + ": jobs preempted more than " + std::to_string(s.alert_preemptions()) +
          " times;\nRUN-HOURS: how long preempted runs had run when their grace period began. "
          "Checkpoints are the jobs' own word.\n";
    if (total.lost_not_recorded > 0)
      out += std::to_string(total.lost_not_recorded) +
             (total.lost_not_recorded == 1 ? " run" : " runs") +
             " with a grace start from records without checkpoint fields (an older gracepack): "
             "in neither LOST nor UNKNOWN.\n";
    if (total.qos_refusals > 0)
      out += std::to_string(total.qos_refusals) +
             (total.qos_refusals == 1 ? " run was" : " runs were") +
             " not moved into the protected QOS: refused (the jobs' stories say "
             "why).\n";
  }
  out += std::to_string(read.lines) + " lines in " + std::to_string(read.files) +
         (read.files == 1 ? " file" : " files");
  if (read.skipped) out += ", " + std::to_string(read.skipped) + " skipped (see stderr)";
  return out + "\n";
}

std::string format_json(const Summary& s, const ReadStats& read) {
  std::string out =
      "{\"files\":" + std::to_string(read.files) + ",\"lines\":" + std::to_string(read.lines) +
      ",\"skipped_lines\":" + std::to_string(read.skipped) +
      ",\"alert_preemptions\":" + std::to_string(s.alert_preemptions()) + ",\"groups\":[";
  bool first = true;
  for (const auto& g : s.groups()) {
    out += std::string(first ? "" : ",") + "{\"partition\":" + quoted(g.partition) +
           ",\"user\":" + quoted(g.user) + "," + json_counters(g.counters) + "}";
    first = false;
  }
  return out + "],\"total\":{" + json_counters(s.total()) + "}}\n";
}

}  // namespace gracepack::report
