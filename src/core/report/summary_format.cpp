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
         ",\"window_used_tenths\":[" + used + "]";
}

}  // namespace

std::string format_table(const Summary& s, const ReadStats& read) {
  const auto groups = s.groups();
  std::string out;
  if (groups.empty()) {
    out = "no record matches\n";
  } else {
    std::vector<std::vector<std::string>> rows{{"PARTITION", "USER", "RUNS", "PREEMPTED", "NOTICES",
                                                "LATENCY p50/p95", "IN TIME", "KILLED", "REQUEUES",
                                                "CAPS", "RUN-HOURS"}};
    for (const auto& g : groups) rows.push_back(row(g.partition, g.user, g.counters));
    if (groups.size() > 1) rows.push_back(row("all", "all", s.total()));
    out = render(rows) +
          "\nPREEMPTED runs ended IN TIME (before the deadline) or were KILLED at it; LATENCY: "
          "grace start to notice delivered;\nRUN-HOURS: how long preempted runs had run when "
          "their grace period began (the log has no CPU count).\n";
  }
  out += std::to_string(read.lines) + " lines in " + std::to_string(read.files) +
         (read.files == 1 ? " file" : " files");
  if (read.skipped) out += ", " + std::to_string(read.skipped) + " skipped (see stderr)";
  return out + "\n";
}

std::string format_json(const Summary& s, const ReadStats& read) {
  std::string out = "{\"files\":" + std::to_string(read.files) +
                    ",\"lines\":" + std::to_string(read.lines) +
                    ",\"skipped_lines\":" + std::to_string(read.skipped) + ",\"groups\":[";
  bool first = true;
  for (const auto& g : s.groups()) {
    out += std::string(first ? "" : ",") + "{\"partition\":" + quoted(g.partition) +
           ",\"user\":" + quoted(g.user) + "," + json_counters(g.counters) + "}";
    first = false;
  }
  return out + "],\"total\":{" + json_counters(s.total()) + "}}\n";
}

}  // namespace gracepack::report
