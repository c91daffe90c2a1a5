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

}  // namespace

TEST(ReportBudgets, ReadsTheNewFields) {
  const AuditLine r = fx::parse(fx::budgets_story()[4]);  // run 3: into QOS protected
  EXPECT_EQ(r.qos, "normal");
  EXPECT_EQ(r.preemptions, 2);
  EXPECT_EQ(r.other_requeues, 1);
  EXPECT_EQ(r.requeue_qos, "protected");
  EXPECT_EQ(r.qos_note, "");
  const AuditLine refused = fx::parse(fx::refused_move());
  EXPECT_EQ(refused.qos_note, "slurmctld refused QOS protected: Invalid qos specification");
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
                       "QOS normal: slurmctld refused QOS protected: Invalid qos specification\n"))
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
