// Issue 20 in the report: the requeue budgets per cause and the protected QOS, as the decision
// records give them, in the job's story and its JSON, the summary, its JSON and the metrics.
// Every expected number is counted by hand from the records of fixtures.hpp (budgets_story(),
// refused_move()) and of the log below.
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
#include "gracepack/core/report/time.hpp"

using namespace gracepack;
using namespace gracepack::report;
namespace fx = gracepack::report_fixtures;
using fx::group;
using fx::table_row;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<Run> runs_of(const std::vector<std::string>& lines, const std::string& job) {
  JobHistory h(*parse_job_selector(job));
  for (const auto& l : lines) h.add(fx::parse(l));
  return h.runs();
}

std::string story(const std::vector<std::string>& lines, const std::string& job) {
  return format_timeline(*parse_job_selector(job), runs_of(lines, job), format_utc);
}

// The budgets story (job 30, 3 preemptions), the refused move (job 31, 2), the brief's job 6 of
// older records (1 preempted run), and:
//   job 32, alice in gpu: 5 preempted runs, each requeued, older records: 5 preemptions
//   job 33, bob: preemption 1 in partition a, preemption 2 in partition b: counted in b
// Requeues after preemption: 2 + 1 + 1 + 5 + 2 = 11; for another cause: 1 (job 30's time limit).
std::vector<std::string> budget_log() {
  auto lines = fx::budgets_story();
  lines.push_back(fx::refused_move());
  for (const auto& l : fx::requeued_then_completed()) lines.push_back(l);
  for (unsigned i = 0; i < 5; ++i) {
    const auto t = static_cast<std::time_t>(2000 + 100 * i);
    fx::RunSpec run{32, i, t, t + 50, t + 60, 0, "COMPLETED", "alice", "gpu"};
    lines.push_back(fx::decision(run, "requeue", Cause::Preemption, t + 61,
                                 "preemption: requeue " + std::to_string(i + 1) + " of max 5"));
  }
  fx::RunSpec a{33, 0, 3000, 3050, 3060, 0, "COMPLETED", "bob", "a"};
  fx::RunSpec b{33, 1, 3100, 3150, 3160, 0, "COMPLETED", "bob", "b"};
  lines.push_back(fx::budget_decision(a, "requeue", Cause::Preemption, 3061,
                                      "preemption: requeue 1 of max 5", {"normal", 1, 0, "", ""}));
  lines.push_back(fx::budget_decision(b, "requeue", Cause::Preemption, 3161,
                                      "preemption: requeue 2 of max 5", {"normal", 2, 0, "", ""}));
  return lines;
}

Summary summarise(std::uint32_t alert = Summary::kDefaultAlertPreemptions) {
  Summary s({}, alert);
  for (const auto& l : budget_log()) s.add(fx::parse(l));
  return s;
}

}  // namespace

TEST(ReportBudgets, ReadsTheNewFields) {
  const AuditLine r = fx::parse(fx::budgets_story()[4]);  // run 3: into QOS protected
  EXPECT_EQ(r.qos, "normal");
  EXPECT_EQ(r.preemptions, 2);
  EXPECT_EQ(r.other_requeues, 1);
  EXPECT_EQ(r.requeue_qos, "protected");
  EXPECT_EQ(r.qos_note, "");
  const AuditLine refused = fx::parse(fx::refused_move());
  EXPECT_EQ(refused.qos_note,
            "not moved into QOS protected: account gp of user alice may not use QOS protected");
  EXPECT_EQ(refused.requeue_qos, "");
  // Older records: not on record.
  const AuditLine old = fx::parse(fx::requeued_then_completed()[1]);
  EXPECT_EQ(old.qos, "");
  EXPECT_FALSE(old.preemptions);
  EXPECT_FALSE(old.other_requeues);
  EXPECT_EQ(old.requeue_qos, "");
  EXPECT_EQ(old.qos_note, "");
}

TEST(ReportBudgets, TheSummaryReaderKeepsWhatItCounts) {
  AuditLineParser summary_reader(false);
  AuditLine r;
  ASSERT_TRUE(summary_reader.parse(fx::budgets_story()[4], r).ok());
  EXPECT_EQ(r.qos, "");  // only a story shows it
  EXPECT_EQ(r.requeue_qos, "protected");
  EXPECT_EQ(r.preemptions, 2);
  ASSERT_TRUE(summary_reader.parse(fx::refused_move(), r).ok());
  EXPECT_FALSE(r.qos_note.empty());
  EXPECT_EQ(r.requeue_qos, "");  // the previous line's is forgotten
}

TEST(ReportBudgets, RefusesBadValues) {
  const std::string good = fx::refused_move();
  AuditLineParser p;
  AuditLine r;
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {R"("preemptions":2)", R"("preemptions":"2")"},
           {R"("preemptions":2)", R"("preemptions":-1)"},
           {R"("other_requeues":0)", R"("other_requeues":4294967296)"},
           {R"("qos":"normal")", R"("qos":5)"},
           {R"("qos_note":")", R"("qos_note":7,"x":")"}}) {
    std::string bad = good;
    ASSERT_NE(bad.find(from), std::string::npos) << from << " in " << good;
    bad.replace(bad.find(from), from.size(), to);
    EXPECT_FALSE(p.parse(bad, r).ok()) << bad;
  }
  std::string twice = good;
  twice.insert(twice.rfind('}'), R"(,"preemptions":3)");
  EXPECT_FALSE(p.parse(twice, r).ok());
}

TEST(ReportBudgets, ACapOrRefusalCountsItsOwnPreemption) {
  AuditLine r;
  EXPECT_FALSE(preemptions_of(r));
  r.preemptions = 2, r.cause = Cause::Preemption, r.event = AuditEvent::Requeue;
  EXPECT_EQ(preemptions_of(r), 2);
  r.event = AuditEvent::Cap;
  EXPECT_EQ(preemptions_of(r), 3);
  r.event = AuditEvent::Refused;
  EXPECT_EQ(preemptions_of(r), 3);
  r.event = AuditEvent::NoRequeue;  // Slurm's own requeue: already counted
  EXPECT_EQ(preemptions_of(r), 2);
  r.event = AuditEvent::Cap, r.cause = Cause::TimeLimit;  // a cap of other causes
  EXPECT_EQ(preemptions_of(r), 2);
}

TEST(ReportBudgets, TheStoryTellsTheBudgetsAndTheMove) {
  const std::string t = story(fx::budgets_story(), "30");
  EXPECT_TRUE(contains(t,
                       "job 30 (user gptest, uid 1001, partition low-grace): 4 runs, requeued "
                       "3 times (cap 2)\n"
                       "QOS normal, then protected; preempted 3 times, requeued 1 time for other "
                       "causes (cap 1)\n"))
      << t;
  EXPECT_TRUE(contains(t,
                       "00:18:36  requeued (preempted, state COMPLETED): preemption: requeue 2 of "
                       "max 2; into QOS protected (preemption 2, protect_after=2)\n"
                       "              requeued into QOS protected at preemption 2\n"))
      << t;
  EXPECT_TRUE(contains(t, "requeued (time limit, state TIMEOUT): time limit: requeue 1 of max 1"))
      << t;
  EXPECT_EQ(t.find("not moved into"), std::string::npos) << t;
  // The move comes before the requeue delay, both under the decision.
  EXPECT_LT(t.find("requeued into QOS protected"),
            t.find("requeue delay: the next run started 14 s"))
      << t;
}

TEST(ReportBudgets, TheStoryOfARefusedMoveSaysWhy) {
  const std::string t = story({fx::refused_move()}, "31");
  EXPECT_TRUE(contains(t, "QOS normal; preempted 2 times, requeued 0 times for other causes\n"))
      << t;
  EXPECT_TRUE(contains(t,
                       "              not moved into the protected QOS at preemption 2, stays in "
                       "QOS normal: not moved into QOS protected: account gp of user alice may not "
                       "use QOS protected\n"))
      << t;
  EXPECT_EQ(t.find("requeued into QOS"), std::string::npos) << t;
}

TEST(ReportBudgets, OlderRecordsCountTheirRuns) {
  const std::string t = story(fx::requeued_then_completed(), "6");
  EXPECT_TRUE(contains(t,
                       "requeued 1 time (cap 5)\n"
                       "preempted 1 time, requeued 0 times for other causes\n"))
      << t;
  EXPECT_EQ(t.find("QOS"), std::string::npos) << t;
  const JobBudgets b = job_budgets(runs_of(fx::requeued_then_completed(), "6"));
  EXPECT_EQ(b.preemptions, 1);
  EXPECT_EQ(b.other_requeues, 0);
  EXPECT_EQ(b.preemption_cap, 5);
  EXPECT_FALSE(b.other_cap);
  EXPECT_TRUE(b.qos.empty());
}

TEST(ReportBudgets, TheJobJsonHasTheFields) {
  const std::string j =
      format_job_json(*parse_job_selector("30"), runs_of(fx::budgets_story(), "30"));
  std::vector<json::Member> m;
  ASSERT_TRUE(json::read_object(j, m).ok()) << j;
  EXPECT_TRUE(contains(j, R"("partition":"low-grace","qos":"protected","qos_history":["normal",)"
                          R"("protected"],"preemptions":3,"other_requeues":1,"preemption_cap":2,)"
                          R"("other_cap":1,"runs":[)"))
      << j;
  EXPECT_TRUE(contains(j, R"("qos":"normal","preemptions":2,"other_requeues":1,)"
                          R"("requeue_qos":"protected","qos_note":"")"))
      << j;
  EXPECT_TRUE(contains(j,
                       R"("qos":"protected","preemptions":2,"other_requeues":1,"requeue_qos":"",)"
                       R"("qos_note":"")"))
      << j;
  const std::string old =
      format_job_json(*parse_job_selector("6"), runs_of(fx::requeued_then_completed(), "6"));
  EXPECT_TRUE(contains(old, R"("qos":"","qos_history":[],"preemptions":1,"other_requeues":0,)"
                            R"("preemption_cap":5,"other_cap":null,)"))
      << old;
  EXPECT_TRUE(contains(old, R"("qos":"","preemptions":null,"other_requeues":null,"requeue_qos":"",)"
                            R"("qos_note":"")"))
      << old;
}

TEST(ReportBudgets, TheSummaryCountsRequeuesByCauseAndMoves) {
  const Summary s = summarise();
  const Counters t = s.total();
  EXPECT_EQ(t.requeues, 12u);
  EXPECT_EQ(t.requeues_preemption, 11u);
  EXPECT_EQ(t.requeues_other, 1u);
  EXPECT_EQ(t.qos_moves, 1u);
  EXPECT_EQ(t.qos_refusals, 1u);
  EXPECT_EQ(t.caps, 1u);
  const auto groups = s.groups();
  const Counters& gptest = group(groups, "low-grace", "gptest");
  EXPECT_EQ(gptest.requeues_preemption, 4u);  // job 30's 2, job 31, job 6
  EXPECT_EQ(gptest.requeues_other, 1u);
  EXPECT_EQ(gptest.qos_moves, 1u);
  EXPECT_EQ(group(groups, "gpu", "alice").requeues_preemption, 5u);
  EXPECT_EQ(group(groups, "gpu", "alice").qos_moves, 0u);
}

TEST(ReportBudgets, JobsPreemptedOverTheThreshold) {
  // Jobs: 30 with 3 preemptions, 31 with 2, 6 with 1, 32 with 5, 33 with 2.
  for (const auto& [alert, over] : std::vector<std::pair<std::uint32_t, std::uint64_t>>{
           {0, 5}, {1, 4}, {2, 2}, {3, 1}, {4, 1}, {5, 0}}) {
    const Summary s = summarise(alert);
    EXPECT_EQ(s.total().jobs_over_threshold, over) << "more than " << alert;
    EXPECT_EQ(s.total().max_job_preemptions, 5u);
  }
  const Summary s = summarise(2);
  EXPECT_EQ(s.jobs().size(), 5u);
  const auto groups = s.groups();
  EXPECT_EQ(group(groups, "low-grace", "gptest").max_job_preemptions, 3u);  // job 30
  EXPECT_EQ(group(groups, "low-grace", "gptest").jobs_over_threshold, 1u);
  EXPECT_EQ(group(groups, "gpu", "alice").max_job_preemptions, 5u);  // job 32, older records
  EXPECT_EQ(group(groups, "gpu", "alice").jobs_over_threshold, 1u);
  // Job 33 counts in the group of its last record.
  EXPECT_EQ(group(groups, "a", "bob").max_job_preemptions, 0u);
  EXPECT_EQ(group(groups, "b", "bob").max_job_preemptions, 2u);
  EXPECT_EQ(group(groups, "b", "bob").jobs_over_threshold, 0u);
  // A job seen only in records without a preemption takes no place.
  Summary none({});
  for (const auto& l : fx::lost_work()) none.add(fx::parse(l));  // each preempted once
  EXPECT_EQ(none.jobs().size(), 6u);
  Summary plain({});
  plain.add(fx::parse(fx::requeued_then_completed()[2]));  // completed
  EXPECT_EQ(plain.jobs().size(), 0u);
  EXPECT_EQ(plain.total().max_job_preemptions, 0u);
}

TEST(ReportBudgets, TheJobTableGrowsAndFindsEveryJob) {
  EXPECT_EQ(sizeof(JobPreemptions::Entry), 16u);
  JobPreemptions t;
  EXPECT_EQ(t.find(7), nullptr);
  for (std::uint32_t j = 0; j < 100000; ++j) {
    auto& e = t.insert(j * 3);
    e.group = 1;
    e.runs = j;
  }
  EXPECT_EQ(t.size(), 100000u);
  EXPECT_GE(t.capacity() * 3, t.size() * 4);  // at most 3/4 full
  EXPECT_LE(t.capacity(), 262144u);
  for (std::uint32_t j = 0; j < 100000; ++j) {
    const auto* e = t.find(j * 3);
    ASSERT_NE(e, nullptr) << j;
    EXPECT_EQ(e->runs, j);
  }
  EXPECT_EQ(t.find(1), nullptr);
  EXPECT_EQ(&t.insert(300), t.find(300));  // found, not added again
  EXPECT_EQ(t.size(), 100000u);
}

TEST(ReportBudgets, TheTableHasTheNewColumns) {
  const std::string table = format_table(summarise(), ReadStats{1, 20, 0});
  EXPECT_TRUE(contains(table,
                       "GRACE RETURNED-H  RQ PREEMPT  RQ OTHER  TO QOS  MAX PREEMPT  JOBS >3  "
                       "IN TIME"))
      << table;
  auto gptest = table_row(table, "low-grace", "gptest");
  EXPECT_EQ(gptest["RQ PREEMPT"], "4") << table;
  EXPECT_EQ(gptest["RQ OTHER"], "1") << table;
  EXPECT_EQ(gptest["TO QOS"], "1") << table;
  EXPECT_EQ(gptest["MAX PREEMPT"], "3") << table;
  EXPECT_EQ(gptest["JOBS >3"], "0") << table;
  auto all = table_row(table, "all", "all");
  EXPECT_EQ(all["RQ PREEMPT"], "11") << table;
  EXPECT_EQ(all["RQ OTHER"], "1") << table;
  EXPECT_EQ(all["REQUEUES"], "12") << table;
  EXPECT_EQ(all["MAX PREEMPT"], "5") << table;
  EXPECT_EQ(all["JOBS >3"], "1") << table;
  EXPECT_TRUE(contains(table, "JOBS >3: jobs preempted more than 3 times;")) << table;
  EXPECT_TRUE(contains(table, "1 run was not moved into the protected QOS: refused")) << table;
  // The threshold names the column.
  const std::string two = format_table(summarise(2), ReadStats{});
  EXPECT_EQ(table_row(two, "all", "all")["JOBS >2"], "2") << two;
  // The columns a script reads from the right keep their places.
  std::istringstream in(table);
  std::string header;
  std::getline(in, header);
  const std::string right = "IN TIME  KILLED  REQUEUES  CAPS  RUN-HOURS";
  EXPECT_EQ(header.substr(header.size() - right.size()), right);
}

TEST(ReportBudgets, TheSummaryJsonHasTheSums) {
  const std::string j = format_json(summarise(4), ReadStats{1, 20, 0});
  std::vector<json::Member> m;
  ASSERT_TRUE(json::read_object(j, m).ok()) << j;
  EXPECT_TRUE(contains(j, R"("skipped_lines":0,"alert_preemptions":4,"groups":[)")) << j;
  const std::string total = j.substr(j.find("\"total\":"));
  EXPECT_TRUE(contains(total,
                       R"("requeues_preemption":11,"requeues_other":1,"protected_qos_moves":1,)"
                       R"("protected_qos_refusals":1,"jobs_preempted_over_threshold":1,)"
                       R"("max_job_preemptions":5}})"))
      << total;
  EXPECT_TRUE(contains(j, R"("partition":"b","user":"bob",)")) << j;
}

TEST(ReportBudgets, MetricsCountRequeuesByCauseAndAlertOnJobs) {
  const Summary s = summarise();
  for (auto f : {MetricsFormat::OpenMetrics, MetricsFormat::PrometheusText}) {
    const std::string m = format_metrics(s, ReadStats{}, f);
    const bool om = f == MetricsFormat::OpenMetrics;
    for (const char* fam : {"gracepack_requeues_by_cause", "gracepack_protected_qos_moves",
                            "gracepack_protected_qos_refusals"}) {
      const std::string declared = om ? fam : std::string(fam) + "_total";
      EXPECT_TRUE(contains(m, "# TYPE " + declared + " counter\n")) << fam;
      EXPECT_TRUE(contains(m, "# HELP " + declared + " ")) << fam;
    }
    for (const char* fam :
         {"gracepack_jobs_preempted_over_threshold", "gracepack_job_preemptions_max"}) {
      EXPECT_TRUE(contains(m, "# TYPE " + std::string(fam) + " gauge\n")) << fam;
      EXPECT_TRUE(contains(m, "# HELP " + std::string(fam) + " ")) << fam;
      EXPECT_FALSE(contains(m, std::string(fam) + "_total")) << fam;
    }
    for (
        const char* sample :
        {R"(gracepack_requeues_by_cause_total{partition="low-grace",user="gptest",cause="preemption"} 4)",
         R"(gracepack_requeues_by_cause_total{partition="low-grace",user="gptest",cause="other"} 1)",
         R"(gracepack_requeues_by_cause_total{partition="gpu",user="alice",cause="preemption"} 5)",
         R"(gracepack_requeues_by_cause_total{partition="gpu",user="alice",cause="other"} 0)",
         R"(gracepack_requeues_total{partition="low-grace",user="gptest"} 5)",
         R"(gracepack_protected_qos_moves_total{partition="low-grace",user="gptest"} 1)",
         R"(gracepack_protected_qos_refusals_total{partition="low-grace",user="gptest"} 1)",
         R"(gracepack_protected_qos_moves_total{partition="gpu",user="alice"} 0)",
         R"(gracepack_jobs_preempted_over_threshold{partition="gpu",user="alice",threshold="3"} 1)",
         R"(gracepack_jobs_preempted_over_threshold{partition="low-grace",user="gptest",threshold="3"} 0)",
         R"(gracepack_job_preemptions_max{partition="low-grace",user="gptest"} 3)",
         R"(gracepack_job_preemptions_max{partition="b",user="bob"} 2)",
         R"(gracepack_job_preemptions_max{partition="a",user="bob"} 0)"}) {
      EXPECT_TRUE(contains(m, std::string(sample) + "\n")) << sample << "\n" << m;
    }
    EXPECT_EQ(om, m.size() >= 6 && m.substr(m.size() - 6) == "# EOF\n");
  }
  const std::string two = format_metrics(summarise(2), ReadStats{}, MetricsFormat::OpenMetrics);
  EXPECT_TRUE(contains(two, R"(gracepack_jobs_preempted_over_threshold{partition="low-grace",)"
                            R"(user="gptest",threshold="2"} 1)"))
      << two;
}
