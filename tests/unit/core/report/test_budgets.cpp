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
