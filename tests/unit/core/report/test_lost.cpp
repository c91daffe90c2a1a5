// Issue 19 in the report: the checkpoint acknowledgements, the work lost and the grace handed
// back, as the decision records give them, in the job's story, its JSON and SVG, the summary and
// the metrics. Every expected number is computed by hand from the records of
// report_fixtures::lost_work() (fixtures.hpp says how).
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "fixtures.hpp"
#include "gracepack/core/report/job.hpp"
#include "gracepack/core/report/json.hpp"
#include "gracepack/core/report/run.hpp"
#include "gracepack/core/report/summary.hpp"
#include "gracepack/core/report/svg.hpp"
#include "gracepack/core/report/time.hpp"

using namespace gracepack;
using namespace gracepack::report;
namespace fx = gracepack::report_fixtures;
using fx::group;
using fx::table_row;

namespace {

std::vector<Run> runs_of(const std::string& job) {
  JobHistory h(*parse_job_selector(job));
  for (const auto& l : fx::lost_work()) h.add(fx::parse(l));
  return h.runs();
}

std::string story(const std::string& job) {
  return format_timeline(*parse_job_selector(job), runs_of(job), format_utc);
}

std::string json_of(const std::string& job) {
  return format_job_json(*parse_job_selector(job), runs_of(job));
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

Summary summarise(SummaryFilter f = {}) {
  Summary s(std::move(f));
  for (const auto& l : fx::lost_work()) s.add(fx::parse(l));
  return s;
}

}  // namespace

TEST(ReportLost, ReadsTheNewFields) {
  const auto lines = fx::lost_work();
  const AuditLine a = fx::parse(lines[1]);
  EXPECT_EQ(a.alloc_nodes, 1);
  EXPECT_EQ(a.alloc_cpus, 8);
  EXPECT_EQ(a.alloc_gpus, 2);
  EXPECT_EQ(a.alloc_gpu_types, "a100:2");
  EXPECT_EQ(a.grace_start, 1050);
  EXPECT_EQ(a.checkpoint, 1020);
  EXPECT_EQ(a.checkpoint_label, "step 12000");
  EXPECT_FALSE(a.checkpoint_in_window);
  EXPECT_EQ(a.lost, Lost::SinceCheckpoint);
  EXPECT_EQ(a.lost_seconds, 30);
  EXPECT_EQ(a.lost_gpu_seconds, 60);
  EXPECT_EQ(a.lost_cpu_seconds, 240);
  EXPECT_FALSE(a.lost_at_most_seconds);
  EXPECT_FALSE(a.grace_returned_seconds);
  EXPECT_TRUE(acknowledged(a));
  const AuditLine c = fx::parse(lines[3]);
  EXPECT_EQ(c.lost, Lost::Unknown);
  EXPECT_EQ(c.lost_at_most_seconds, 50);
  EXPECT_FALSE(c.lost_seconds);
  EXPECT_EQ(c.checkpoint_note, "a FIFO, not read");
  EXPECT_FALSE(acknowledged(c));
  const AuditLine d = fx::parse(lines[4]);
  EXPECT_EQ(d.checkpoint_in_window, 1054);
  EXPECT_EQ(d.grace_returned_seconds, 11);
  EXPECT_EQ(d.alloc_gpu_types, "");
  const AuditLine old = fx::parse(lines[6]);  // an older gracepack's record
  EXPECT_FALSE(old.lost || old.alloc_gpus || old.checkpoint || old.lost_seconds);
  EXPECT_FALSE(acknowledged(old));
}

TEST(ReportLost, TheSummaryReaderSkipsOnlyTheStoryTexts) {
  AuditLineParser summary_reader(false);
  AuditLine r;
  ASSERT_TRUE(summary_reader.parse(fx::lost_work()[1], r).ok());
  EXPECT_EQ(r.checkpoint_label, "");
  EXPECT_EQ(r.alloc_gpu_types, "");
  EXPECT_EQ(r.lost_gpu_seconds, 60);
  EXPECT_EQ(r.checkpoint, 1020);
}

TEST(ReportLost, RefusesBadValuesAndKnowsNoOtherLoss) {
  const std::string base = fx::lost_work()[6];
  AuditLineParser p;
  AuditLine r;
  for (const char* bad :
       {R"("lost_seconds":-1)", R"("lost_gpu_seconds":"60")", R"("lost":5)",
        R"("alloc_gpus":4294967296)", R"("checkpoint":1.5)",
        R"("lost_cpu_seconds":9007199254740993)", R"("lost":"none","lost":"unknown")"}) {
    EXPECT_FALSE(p.parse(fx::with(base, bad), r).ok()) << bad;
  }
  ASSERT_TRUE(p.parse(fx::with(base, R"("lost":"some_day")"), r).ok());
  EXPECT_EQ(r.lost, Lost::Other);  // a later version's value: counted nowhere
  // A label longer than the epilog writes, or with control bytes, arrives bounded and printable.
  ASSERT_TRUE(
      p.parse(fx::with(base, "\"checkpoint_label\":\"" + std::string(100, 'x') + "\""), r).ok());
  EXPECT_EQ(r.checkpoint_label.rfind(std::string(64, 'x'), 0), 0u);
  EXPECT_TRUE(contains(r.checkpoint_label, "[36 more bytes]")) << r.checkpoint_label;
  ASSERT_TRUE(p.parse(fx::with(base, R"("checkpoint_label":"a\u001b[2Jb")"), r).ok());
  EXPECT_EQ(r.checkpoint_label, "a\\x1b[2Jb");
}

// The reader guesses each next key from the previous line's layout: lines of other layouts, one
// after another, must still read every field.
TEST(ReportLost, FieldsInAnyOrderLineAfterLine) {
  const std::string a = fx::lost_work()[1];
  const std::string reordered =
      R"({"lost_cpu_seconds":240,"reason":"r","checkpoint":1020,"time":5,"lost":"since_checkpoint",)"
      R"("event":"requeue","uid":7,"alloc_gpus":2,"job_id":20,"lost_gpu_seconds":60})";
  AuditLineParser p;
  for (int round = 0; round < 3; ++round) {
    for (const std::string& line : {a, reordered}) {
      AuditLine r;
      ASSERT_TRUE(p.parse(line, r).ok()) << line;
      EXPECT_EQ(r.job_id, 20u);
      EXPECT_EQ(r.checkpoint, 1020);
      EXPECT_EQ(r.lost, Lost::SinceCheckpoint);
      EXPECT_EQ(r.alloc_gpus, 2);
      EXPECT_EQ(r.lost_gpu_seconds, 60);
      EXPECT_EQ(r.lost_cpu_seconds, 240);
      EXPECT_EQ(r.event, AuditEvent::Requeue);
    }
  }
}

TEST(ReportLost, TheStoryOfARunThatLostWorkSinceItsCheckpoint) {
  const std::string t = story("20");
  // 1020 is 00:17:00 UTC, 1050 00:17:30, 1065 00:17:45.
  EXPECT_TRUE(
      contains(t, "00:17:00  checkpoint acknowledged: \"step 12000\", 30 s before grace start"))
      << t;
  EXPECT_TRUE(
      contains(t, "  work lost: 30 s since the checkpoint at 00:17:00: 60 GPU-s, 240 CPU-s\n"))
      << t;
  EXPECT_TRUE(contains(t, "  allocation: 1 node, 8 CPUs, 2 GPUs (a100:2)\n")) << t;
  EXPECT_FALSE(contains(t, "handed back")) << t;
  // The checkpoint comes first: it is before the grace start.
  EXPECT_LT(t.find("checkpoint acknowledged"), t.find("grace period began"));
  EXPECT_LT(t.find("requeued (preempted"), t.find("work lost"));
}

TEST(ReportLost, TheStoryOfARunSavedInsideItsWindow) {
  const std::string t = story("21");
  EXPECT_TRUE(contains(t,
                       "00:17:36  checkpoint acknowledged inside the window: \"step 12500\", 6 s "
                       "after grace start"))
      << t;
  // The label is the last acknowledgement's, not the earlier one's.
  EXPECT_TRUE(contains(t, "00:17:00  checkpoint acknowledged, 30 s before grace start\n")) << t;
  EXPECT_TRUE(
      contains(t, "  work lost: none (a checkpoint acknowledged inside the window saved it)\n"))
      << t;
  EXPECT_LT(t.find("grace period began"), t.find("inside the window"));
  EXPECT_LT(t.find("inside the window"), t.find("batch script ended"));
}

TEST(ReportLost, TheStoryOfARunThatNeverAcknowledged) {
  const std::string t = story("22");
  EXPECT_TRUE(
      contains(t,
               "  work lost: unknown, no checkpoint acknowledged; at most 50 s, the run up to "
               "grace start\n"))
      << t;
  EXPECT_TRUE(contains(t, "  allocation: 2 nodes, 16 CPUs, 4 GPUs (a100:4)\n")) << t;
  EXPECT_TRUE(contains(t, "  acknowledgement file not counted: a FIFO, not read\n")) << t;
  EXPECT_FALSE(contains(t, "  checkpoint acknowledged")) << t;
}

TEST(ReportLost, TheStoryOfARunThatHandedItsGraceBack) {
  const std::string t = story("23");
  EXPECT_TRUE(
      contains(t, "00:17:34  checkpoint acknowledged inside the window, 4 s after grace start"))
      << t;
  EXPECT_TRUE(contains(t,
                       "00:17:34  gracepack ended the run at that acknowledgement: 11 s of grace "
                       "handed back"))
      << t;
  EXPECT_TRUE(contains(t, "  grace handed back: 11 s of the 15 s window\n")) << t;
  EXPECT_TRUE(contains(t, "  allocation: 1 node, 4 CPUs, 1 GPU\n")) << t;
  // Ended by gracepack's signal, state PREEMPTED: not killed at the deadline, 4 s of 15 used.
  EXPECT_FALSE(contains(t, "killed at the deadline")) << t;
  EXPECT_TRUE(contains(t, "checkpoint window used: 4 s of 15 s")) << t;
  const WindowUse w = window_use(fx::parse(fx::lost_work()[4]));
  EXPECT_EQ(w.end, WindowEnd::ExitedInTime);
  EXPECT_EQ(w.used, 4);
}

TEST(ReportLost, AnOlderRecordSaysItDoesNotKnow) {
  const std::string t = story("25");
  EXPECT_TRUE(
      contains(t, "  work lost: not on record (a record of a gracepack without checkpoints)\n"))
      << t;
  EXPECT_FALSE(contains(t, "allocation:")) << t;
}

TEST(ReportLost, AnUnpreemptedRunSaysNothingOfLostWork) {
  JobHistory h(*parse_job_selector("6"));
  for (const auto& l : fx::requeued_then_completed()) h.add(fx::parse(l));
  const std::string t = format_timeline(*parse_job_selector("6"), h.runs(), format_utc);
  const std::string second = t.substr(t.find("run 2 "));  // completed, no grace start
  EXPECT_FALSE(contains(second, "work lost")) << t;
  EXPECT_FALSE(contains(second, "allocation")) << t;
  // The first run was preempted, in a record of the time before checkpoints.
  EXPECT_TRUE(contains(t.substr(0, t.find("run 2 ")), "work lost: not on record")) << t;
}

// The epilog may write the grace start the loss counts from (`grace_start`) when slurmctld's
// preempt_time has moved since (Slurm 22.05 shows the kill's moment once the window is over):
// the story's "before grace start" and the lost stripe count from it, as lost_seconds does.
TEST(ReportLost, TheLossCountsFromTheRecordsGraceStart) {
  std::string line = fx::lost_work()[1];  // "grace_start":1050
  line.replace(line.find(R"("preempt_time":1050)"), 19, R"("preempt_time":1060)");
  const AuditLine r = fx::parse(line);
  EXPECT_EQ(r.preempt_time, 1060);
  EXPECT_EQ(r.grace_start, 1050);
  EXPECT_EQ(loss_grace_start(r), 1050);
  AuditLine without = r;
  without.grace_start.reset();
  EXPECT_EQ(loss_grace_start(without), 1060);  // an older writer's: preempt_time
  JobHistory h(*parse_job_selector("20"));
  h.add(r);
  const std::string t = format_timeline(*parse_job_selector("20"), h.runs(), format_utc);
  EXPECT_TRUE(contains(t, "checkpoint acknowledged: \"step 12000\", 30 s before grace start")) << t;
  EXPECT_TRUE(contains(t, "work lost: 30 s since the checkpoint")) << t;
  EXPECT_TRUE(contains(format_job_json(*parse_job_selector("20"), h.runs()),
                       R"("loss_grace_start":1050,"checkpoint":1020,)"));
  const std::string svg = svg_timeline(*parse_job_selector("20"), h.runs(), format_utc);
  EXPECT_TRUE(contains(svg, "fill=\"#b8000f\"/>")) << svg;
}

TEST(ReportLost, TheJobJsonHasTheFieldsAsWritten) {
  for (const char* job : {"20", "21", "22", "23", "24", "25"}) {
    std::vector<json::Member> m;
    ASSERT_TRUE(json::read_object(json_of(job), m).ok()) << json_of(job);
  }
  EXPECT_TRUE(
      contains(json_of("20"),
               R"("alloc_nodes":1,"alloc_cpus":8,"alloc_gpus":2,"alloc_gpu_types":"a100:2",)"
               R"("loss_grace_start":1050,"checkpoint":1020,"checkpoint_label":"step 12000",)"
               R"("checkpoint_in_window":null,"checkpoint_note":"","lost":"since_checkpoint",)"
               R"("lost_seconds":30,"lost_at_most_seconds":null,"lost_gpu_seconds":60,)"
               R"("lost_cpu_seconds":240,"grace_returned_seconds":null)"))
      << json_of("20");
  EXPECT_TRUE(contains(json_of("21"), R"("checkpoint_in_window":1056,)")) << json_of("21");
  EXPECT_TRUE(contains(json_of("21"), R"("lost":"none","lost_seconds":0,)")) << json_of("21");
  EXPECT_TRUE(contains(
      json_of("22"), R"("checkpoint_note":"a FIFO, not read","lost":"unknown","lost_seconds":null,)"
                     R"("lost_at_most_seconds":50,"lost_gpu_seconds":null,)"))
      << json_of("22");
  EXPECT_TRUE(contains(json_of("23"), R"("grace_returned_seconds":11,)")) << json_of("23");
  EXPECT_TRUE(contains(json_of("23"), R"("window_used":4,"window_end":"exited_before_deadline")"))
      << json_of("23");
  EXPECT_TRUE(contains(json_of("25"), R"("alloc_nodes":null,)")) << json_of("25");
  EXPECT_TRUE(contains(json_of("25"), R"("lost":null,)")) << json_of("25");
}

TEST(ReportLost, TheSummarySumsTheRecordsFields) {
  const Summary s = summarise();
  const Counters t = s.total();
  EXPECT_EQ(t.runs, 6u);
  EXPECT_EQ(t.preemptions, 6u);
  EXPECT_EQ(t.lost_seconds, 30u + 0 + 0 + 40);
  EXPECT_EQ(t.lost_gpu_seconds, 60u);
  EXPECT_EQ(t.lost_cpu_seconds, 240u + 1280);
  EXPECT_EQ(t.acknowledged, 4u);  // 20, 21, 23, 24
  EXPECT_EQ(t.lost_none, 2u);     // 21, 23
  EXPECT_EQ(t.lost_since_checkpoint, 2u);
  EXPECT_EQ(t.lost_unknown, 1u);  // 22
  EXPECT_EQ(t.lost_at_most_seconds, 50u);
  EXPECT_EQ(t.lost_not_recorded, 1u);  // 25
  EXPECT_EQ(t.grace_returned, 1u);
  EXPECT_EQ(t.grace_returned_seconds, 11u);
  EXPECT_EQ(t.exited_in_time, 2u);  // 21 by itself, 23 ended by gracepack at its acknowledgement
  EXPECT_EQ(t.killed_at_deadline, 4u);
  const auto groups = s.groups();
  ASSERT_EQ(groups.size(), 3u);
  const Counters& alice = group(groups, "gpu", "alice");
  EXPECT_EQ(alice.lost_gpu_seconds, 60u);
  EXPECT_EQ(alice.lost_cpu_seconds, 240u);
  EXPECT_EQ(alice.lost_unknown, 0u);
  EXPECT_EQ(alice.acknowledged, 2u);
  EXPECT_EQ(alice.lost_not_recorded, 1u);
  const Counters& bob = group(groups, "gpu", "bob");
  EXPECT_EQ(bob.lost_gpu_seconds, 0u);
  EXPECT_EQ(bob.lost_unknown, 1u);
  EXPECT_EQ(bob.grace_returned_seconds, 11u);
  EXPECT_EQ(bob.acknowledged, 1u);
  const Counters& cpu = group(groups, "cpu", "bob");
  EXPECT_EQ(cpu.lost_cpu_seconds, 1280u);
  EXPECT_EQ(cpu.lost_gpu_seconds, 0u);
  SummaryFilter only_bob;
  only_bob.user = "bob";
  EXPECT_EQ(summarise(only_bob).total().lost_cpu_seconds, 1280u);
  // Notices carry none of it: counting them too would count a run twice.
  Summary notices({});
  notices.add(fx::parse(fx::with(fx::lost_work()[0], R"("lost":"unknown","lost_gpu_seconds":9)")));
  EXPECT_EQ(notices.total().lost_gpu_seconds, 0u);
  EXPECT_EQ(notices.total().lost_unknown, 0u);
}

TEST(ReportLost, TheTableHasTheNewColumns) {
  const std::string table = format_table(summarise(), ReadStats{1, 7, 0});
  EXPECT_TRUE(contains(table, "LOST GPU-H  LOST CPU-H  UNKNOWN  GRACE RETURNED-H  RQ PREEMPT"))
      << table;
  auto alice = table_row(table, "gpu", "alice");
  EXPECT_EQ(alice["LOST GPU-H"], "0.02") << table;  // 60 / 3600 = 0.0167
  EXPECT_EQ(alice["LOST CPU-H"], "0.07") << table;  // 240 / 3600
  EXPECT_EQ(alice["UNKNOWN"], "0");
  EXPECT_EQ(alice["GRACE RETURNED-H"], "0.00");
  auto bob = table_row(table, "gpu", "bob");
  EXPECT_EQ(bob["UNKNOWN"], "1") << table;
  EXPECT_EQ(bob["GRACE RETURNED-H"], "<0.01") << table;  // 11 s: not nothing
  auto all = table_row(table, "all", "all");
  EXPECT_EQ(all["LOST CPU-H"], "0.42") << table;  // 1520 / 3600
  EXPECT_EQ(all["RUN-HOURS"], "0.08") << table;   // 6 x 50 s
  EXPECT_TRUE(contains(table,
                       "1 run with a grace start from records without checkpoint fields (an older "
                       "gracepack): in neither LOST nor UNKNOWN."))
      << table;
  // The columns a script reads from the right keep their places: IN TIME ... RUN-HOURS last.
  std::istringstream in(table);
  std::string header;
  std::getline(in, header);
  const std::string right = "IN TIME  KILLED  REQUEUES  CAPS  RUN-HOURS";
  EXPECT_EQ(header.substr(header.size() - right.size()), right);
  // Without older records, no such line.
  Summary fresh({});
  fresh.add(fx::parse(fx::lost_work()[1]));
  EXPECT_FALSE(contains(format_table(fresh, ReadStats{}), "older gracepack"));
}

TEST(ReportLost, TheSummaryJsonHasExactSeconds) {
  const std::string j = format_json(summarise(), ReadStats{1, 7, 0});
  std::vector<json::Member> m;
  ASSERT_TRUE(json::read_object(j, m).ok()) << j;
  const std::string total = j.substr(j.find("\"total\":"));
  EXPECT_TRUE(contains(
      total, R"("acknowledged":4,"lost_none":2,"lost_since_checkpoint":2,"lost_unknown":1,)"
             R"("lost_not_recorded":1,"lost_seconds":70,"lost_gpu_seconds":60,)"
             R"("lost_gpu_hours":0.02,"lost_cpu_seconds":1520,"lost_cpu_hours":0.42,)"
             R"("lost_at_most_seconds":50,"grace_returned":1,"grace_returned_seconds":11,)"
             R"("grace_returned_hours":0.00,)"))
      << total;
}

TEST(ReportLost, MetricsCountTheSameNumbers) {
  const Summary s = summarise();
  for (auto f : {MetricsFormat::OpenMetrics, MetricsFormat::PrometheusText}) {
    const std::string m = format_metrics(s, ReadStats{}, f);
    const bool om = f == MetricsFormat::OpenMetrics;
    for (const char* fam :
         {"gracepack_lost_gpu_seconds", "gracepack_lost_cpu_seconds", "gracepack_acknowledged_runs",
          "gracepack_lost_unknown_runs", "gracepack_grace_returned_seconds"}) {
      const std::string declared = om ? fam : std::string(fam) + "_total";
      EXPECT_TRUE(contains(m, "# TYPE " + declared + " counter\n")) << fam;
      EXPECT_TRUE(contains(m, "# HELP " + declared + " ")) << fam;
      EXPECT_EQ(count(m, "# TYPE " + declared + " "), 1u) << fam;
    }
    EXPECT_EQ(contains(m, "# UNIT gracepack_lost_gpu_seconds seconds\n"), om);
    EXPECT_EQ(contains(m, "# UNIT gracepack_grace_returned_seconds seconds\n"), om);
    EXPECT_FALSE(contains(m, "# UNIT gracepack_acknowledged_runs"));
    for (const char* sample :
         {R"(gracepack_lost_gpu_seconds_total{partition="gpu",user="alice"} 60)",
          R"(gracepack_lost_gpu_seconds_total{partition="gpu",user="bob"} 0)",
          R"(gracepack_lost_cpu_seconds_total{partition="gpu",user="alice"} 240)",
          R"(gracepack_lost_cpu_seconds_total{partition="cpu",user="bob"} 1280)",
          R"(gracepack_acknowledged_runs_total{partition="gpu",user="alice"} 2)",
          R"(gracepack_acknowledged_runs_total{partition="gpu",user="bob"} 1)",
          R"(gracepack_lost_unknown_runs_total{partition="gpu",user="bob"} 1)",
          R"(gracepack_lost_unknown_runs_total{partition="gpu",user="alice"} 0)",
          R"(gracepack_grace_returned_seconds_total{partition="gpu",user="bob"} 11)"}) {
      EXPECT_TRUE(contains(m, std::string(sample) + "\n")) << sample << "\n" << m;
    }
    EXPECT_EQ(om, m.size() >= 6 && m.substr(m.size() - 6) == "# EOF\n");
  }
}

TEST(ReportLost, TheSvgMarksAcknowledgementsLossAndHandBack) {
  const auto svg = [](const std::string& job) {
    return svg_timeline(*parse_job_selector(job), runs_of(job), format_utc);
  };
  const std::string a = svg("20");
  EXPECT_EQ(count(a, "<polygon"), 1u) << a;  // the checkpoint at 1020
  EXPECT_TRUE(contains(a, "<title>checkpoint acknowledged 1970-01-01 00:17:00: step 12000</title>"))
      << a;
  EXPECT_TRUE(contains(a, "fill=\"#b8000f\"/>")) << a;  // the lost stripe, 1020 to 1050
  EXPECT_TRUE(contains(a, "lost 30 s (60 GPU-s)")) << a;
  const std::string b = svg("21");
  EXPECT_EQ(count(b, "<polygon"), 2u) << b;  // 1020, and 1056 inside the window (hollow)
  EXPECT_TRUE(contains(b, "fill=\"white\" stroke=\"#2e7d32\"")) << b;
  EXPECT_TRUE(contains(b, "inside the window 1970-01-01 00:17:36: step 12500</title>")) << b;
  EXPECT_TRUE(contains(b, "<title>checkpoint acknowledged 1970-01-01 00:17:00</title>")) << b;
  EXPECT_TRUE(contains(b, "nothing lost")) << b;
  EXPECT_FALSE(contains(b, "fill=\"#b8000f\"/>")) << b;
  const std::string c = svg("22");
  EXPECT_EQ(count(c, "<polygon"), 0u) << c;
  EXPECT_TRUE(contains(c, "loss unknown (no checkpoint)")) << c;
  const std::string d = svg("23");
  EXPECT_TRUE(contains(d, "fill=\"#7ed321\" fill-opacity=\"0.6\"")) << d;  // 1054 to 1065
  EXPECT_TRUE(contains(d, "11 s handed back")) << d;
  EXPECT_FALSE(contains(d, "killed at the deadline")) << d;
  for (const std::string& s : {a, b, c, d, svg("24"), svg("25")}) {
    EXPECT_EQ(s.substr(s.size() - 7), "</svg>\n");
    EXPECT_EQ(count(s, "<polygon"), count(s, "</polygon>"));
    EXPECT_EQ(count(s, "<text"), count(s, "</text>"));
    EXPECT_TRUE(contains(s, "checkpoint acknowledged (hollow: inside the window)"));  // legend
  }
}
