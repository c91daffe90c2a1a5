// The audit log as gracepack-report reads it: any bytes, cut into lines at any block boundary,
// each line parsed and, when it is a record, counted and told. Checks that the splitter's lines
// do not depend on where the blocks end and that the outputs stay whole documents.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "gracepack/core/report/job.hpp"
#include "gracepack/core/report/report.hpp"
#include "gracepack/core/report/summary.hpp"
#include "gracepack/core/report/svg.hpp"

namespace {

using namespace gracepack::report;

std::vector<std::string> split(std::string_view data, std::size_t cut) {
  std::vector<std::string> lines;
  LineSplitter s(4096);
  auto on = [&](std::string_view line, std::uint64_t, bool too_long) {
    lines.push_back(too_long ? "<too long>" : std::string(line));
  };
  s.feed(data.substr(0, cut), on);
  s.feed(data.substr(cut), on);
  s.finish(on);
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto lines = split(text, size / 2);
  if (lines != split(text, size ? size - 1 : 0)) std::abort();
  AuditLineParser parser;
  AuditLine record;
  Summary summary({}, 1);  // a low alert threshold: jobs preempted twice count
  JobHistory history(JobSelector{6, std::nullopt});
  for (const auto& line : lines) {
    if (!parser.parse(line, record)) continue;
    summary.add(record);
    history.add(record);
    AuditLine again;
    if (!parser.parse(line, again) || !(again == record)) std::abort();
  }
  const auto runs = history.runs();
  (void)format_timeline(JobSelector{6, std::nullopt}, runs, format_utc);
  (void)format_job_json(JobSelector{6, std::nullopt}, runs);
  const std::string svg = svg_timeline(JobSelector{6, std::nullopt}, runs, format_utc);
  if (svg.find("</svg>") == std::string::npos) std::abort();
  const Counters total = summary.total();
  if (total.jobs_over_threshold > summary.jobs().size()) std::abort();
  (void)format_metrics(summary, ReadStats{}, MetricsFormat::OpenMetrics);
  (void)format_json(summary, ReadStats{});
  (void)svg_window_histogram(summary.total(), "t");
  return 0;
}
