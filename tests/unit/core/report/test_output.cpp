// The report's other outputs: metrics for Prometheus, SVG, and dates.
#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>

#include "fixtures.hpp"
#include "gracepack/core/report/summary.hpp"
#include "gracepack/core/report/svg.hpp"
#include "gracepack/core/report/time.hpp"

using namespace gracepack;
using namespace gracepack::report;
namespace fx = gracepack::report_fixtures;

namespace {

Summary sample() {
  Summary s({});
  for (const auto& l : fx::requeued_then_completed()) s.add(fx::parse(l));
  fx::RunSpec odd{7, 0, 1000, 1002, 1017, 9, "PREEMPTED", "a\"b\\c"};
  s.add(fx::parse(fx::decision(odd, "cap", Cause::Preemption, 1018, "requeue cap reached")));
  return s;
}

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// Every sample belongs to the family declared last, by the format's naming rule.
void expect_declared(const std::string& text, bool openmetrics) {
  std::istringstream in(text);
  std::string line, family, type;
  while (std::getline(in, line)) {
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream t(line.substr(7));
      t >> family >> type;
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    const std::string name = line.substr(0, line.find_first_of("{ "));
    const std::string base = openmetrics && type == "counter" ? family + "_total" : family;
    const bool ok = name == base ||
                    (type == "summary" && (name == family + "_sum" || name == family + "_count"));
    EXPECT_TRUE(ok) << line << " under " << family << " " << type;
  }
}

}  // namespace

TEST(ReportMetrics, OpenMetrics) {
  const std::string om = format_metrics(sample(), ReadStats{1, 4, 0}, MetricsFormat::OpenMetrics);
  EXPECT_EQ(om.substr(om.size() - 6), "# EOF\n");
  EXPECT_EQ(count(om, "# EOF"), 1u);
  EXPECT_NE(om.find("# TYPE gracepack_preemptions counter\n"), std::string::npos);
  EXPECT_NE(om.find("gracepack_preemptions_total{partition=\"low-grace\",user=\"gptest\"} 1\n"),
            std::string::npos)
      << om;
  EXPECT_NE(om.find(R"(user="a\"b\\c"} 1)"), std::string::npos) << om;
  EXPECT_NE(om.find("# UNIT gracepack_notice_latency_seconds seconds\n"), std::string::npos);
  EXPECT_NE(om.find("quantile=\"0.95\"} 0\n"), std::string::npos) << om;
  expect_declared(om, true);
}

TEST(ReportMetrics, PrometheusTextForTheTextfileCollector) {
  const std::string p = format_metrics(sample(), ReadStats{}, MetricsFormat::PrometheusText);
  EXPECT_EQ(p.find("# EOF"), std::string::npos);
  EXPECT_EQ(p.find("# UNIT"), std::string::npos);
  EXPECT_NE(p.find("# TYPE gracepack_preemptions_total counter\n"), std::string::npos);
  EXPECT_NE(p.find("# HELP gracepack_preemptions_total "), std::string::npos);
  expect_declared(p, false);
}

TEST(ReportMetrics, NoRecordsStillDeclaresTheFamilies) {
  const std::string om = format_metrics(Summary({}), ReadStats{}, MetricsFormat::OpenMetrics);
  EXPECT_NE(om.find("# TYPE gracepack_runs counter"), std::string::npos);
  EXPECT_NE(om.find("gracepack_audit_skipped_lines 0\n# EOF\n"), std::string::npos);
}

TEST(ReportSvg, EscapesTextForXml) {
  EXPECT_EQ(xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
  EXPECT_EQ(xml_escape("\xC3\xA9t\xC3"), "\xC3\xA9t?");  // a cut UTF-8 sequence
  EXPECT_EQ(xml_escape("x\x01y\xFFz"), "x y?z");
}

TEST(ReportSvg, TimelineAndHistogramAreWholeDocuments) {
  JobHistory h(*parse_job_selector("6"));
  for (const auto& l : fx::requeued_then_completed()) h.add(fx::parse(l));
  for (const std::string& svg : {svg_timeline(*parse_job_selector("6"), h.runs(), format_utc),
                                 svg_window_histogram(sample().total(), "Grace <window> used")}) {
    EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
    EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
    EXPECT_EQ(count(svg, "<text"), count(svg, "</text>"));
    EXPECT_EQ(svg.find("<window>"), std::string::npos);
    EXPECT_EQ(svg.find("nan"), std::string::npos);
  }
  const std::string t = svg_timeline(*parse_job_selector("6"), h.runs(), format_utc);
  EXPECT_NE(t.find("delay 13 s"), std::string::npos);
  EXPECT_NE(t.find("window used 6 s of 15 s"), std::string::npos);
  // A run that started and ended in the same second still has a bar.
  fx::RunSpec quick{6, 0, 1000, 0, 1000};
  JobHistory one(*parse_job_selector("6"));
  one.add(fx::parse(fx::decision(quick, "no-requeue", Cause::Completion, 1001, "completed")));
  const std::string q = svg_timeline(*parse_job_selector("6"), one.runs(), format_utc);
  EXPECT_NE(q.find("width=\"3.0\" height=\"14.0\""), std::string::npos) << q;
  EXPECT_NE(svg_timeline(*parse_job_selector("6"), {}, format_utc).find("0 runs"),
            std::string::npos);
}

TEST(ReportTime, Dates) {
  auto utc = parse_date("2026-11-30T00:00Z");
  ASSERT_TRUE(utc.ok());
  EXPECT_TRUE(utc->utc);
  EXPECT_EQ(epoch_from_utc(utc->civil), 1795996800);
  auto local = parse_date("2000-02-29 12:34:56");
  ASSERT_TRUE(local.ok());
  EXPECT_FALSE(local->utc);
  EXPECT_EQ(epoch_from_utc(local->civil), 951827696);
  EXPECT_EQ(parse_date("@1796001432")->epoch, 1796001432);
  EXPECT_EQ(epoch_from_utc(parse_date("2026-11-30")->civil), 1795996800);
  for (const char* bad : {"", "yesterday", "2026-02-29", "2026-11-31", "2026-11-30T25:00",
                          "2026-11-30T10", "2026-11-30x10:00", "@", "@-5", "26-11-30", "Z"}) {
    EXPECT_FALSE(parse_date(bad).ok()) << bad;
  }
}

TEST(ReportTime, CivilAndEpochAgree) {
  EXPECT_EQ(format_utc(0), "1970-01-01 00:00:00");
  EXPECT_EQ(format_utc(1796001425), "2026-11-30 01:17:05");
  EXPECT_EQ(format_utc(951827696), "2000-02-29 12:34:56");
  for (std::int64_t t = -86400 * 400; t < 86400LL * 365 * 500; t += 86400 * 37 + 3599) {
    EXPECT_EQ(epoch_from_utc(utc_from_epoch(t)), t);
  }
}
