// gracepack-report --summary: the counters, the latency quantiles, the filters, and that memory
// does not grow with the number of records.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixtures.hpp"
#include "gracepack/core/report/json.hpp"
#include "gracepack/core/report/summary.hpp"

using namespace gracepack;
using namespace gracepack::report;
namespace fx = gracepack::report_fixtures;

namespace {

// Six runs of alice and gptest: saved in time and requeued, completed, killed at the deadline
// and capped, refused, an error, cancelled during its grace period.
std::vector<std::string> mixed_log() {
  auto lines = fx::requeued_then_completed();  // gptest, job 6
  fx::RunSpec killed{7, 0, 1000, 4600, 4615, 9, "PREEMPTED", "alice"};
  lines.push_back(fx::notice(killed, 4603, 4616));
  lines.push_back(fx::decision(killed, "cap", Cause::Preemption, 4616, "requeue cap reached"));
  fx::RunSpec refused{8, 0, 2000, 2100, 2105, 0, "COMPLETED", "alice"};
  lines.push_back(fx::decision(refused, "refused", Cause::Preemption, 2106, "cannot be requeued"));
  fx::RunSpec error{9, 0, 3000, 0, 3010, 0, "COMPLETED", "alice", "other"};
  lines.push_back(fx::decision(error, "error", Cause::Running, 3011, "cannot read the job"));
  fx::RunSpec cancelled{10, 0, 5000, 5005, 5007, 15, "CANCELLED", "alice"};
  lines.push_back(fx::decision(cancelled, "no-requeue", Cause::UserCancel, 5008, "cancelled"));
  lines.push_back(R"({"time":5009,"event":"ignored","job_id":10,"uid":1001,"user":"alice"})");
  return lines;
}

Summary summarise(const std::vector<std::string>& lines, SummaryFilter f = {}) {
  Summary s(std::move(f));
  for (const auto& l : lines) s.add(fx::parse(l));
  return s;
}

}  // namespace

TEST(ReportSummary, CountsEachKindOfRun) {
  const Summary s = summarise(mixed_log());
  const auto groups = s.groups();
  ASSERT_EQ(groups.size(), 3u);  // alice/low-grace, gptest/low-grace, alice/other
  const Counters t = s.total();
  EXPECT_EQ(t.runs, 6u);
  EXPECT_EQ(t.preemptions, 3u);  // saved, killed, refused; the cancelled run is not counted
  EXPECT_EQ(t.notices, 2u);
  EXPECT_EQ(t.exited_in_time, 2u);  // job 6 (6 of 15 s) and job 8 (5 of 15 s)
  EXPECT_EQ(t.killed_at_deadline, 1u);
  EXPECT_EQ(t.requeues, 1u);
  EXPECT_EQ(t.caps, 1u);
  EXPECT_EQ(t.refusals, 1u);
  EXPECT_EQ(t.errors, 1u);
  EXPECT_EQ(t.preempted_run_seconds, 2u + 3600u + 100u);
  EXPECT_EQ(t.window_used[4], 1u);  // 6/15 = 40 %
  EXPECT_EQ(t.window_used[3], 1u);  // 5/15 = 33 %
  EXPECT_EQ(t.latency.quantile(0.5), 0);
  EXPECT_EQ(t.latency.quantile(0.95), 3);
  EXPECT_EQ(groups[0].partition, "low-grace");
  EXPECT_EQ(groups[0].user, "alice");
  EXPECT_EQ(groups[0].counters.killed_at_deadline, 1u);
}

TEST(ReportSummary, LatencyQuantilesAreExactAndBounded) {
  LatencyHistogram h;
  EXPECT_FALSE(h.quantile(0.5));
  for (int i = 0; i < 100; ++i) h.add(i);
  EXPECT_EQ(h.quantile(0.5), 49);  // nearest rank: the 50th of 100
  EXPECT_EQ(h.quantile(0.95), 94);
  EXPECT_EQ(h.quantile(1.0), 99);
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.sum(), 4950u);
  LatencyHistogram slow;
  slow.add(-2);  // the node's clock behind slurmctld's
  slow.add(100000);
  EXPECT_EQ(slow.quantile(0.5), 0);
  EXPECT_EQ(slow.quantile(0.95), 100000);  // past the buckets: the largest seen
  h.merge(slow);
  EXPECT_EQ(h.count(), 102u);
}

TEST(ReportSummary, Filters) {
  const auto lines = mixed_log();
  SummaryFilter by_user;
  by_user.user = "gptest";
  EXPECT_EQ(summarise(lines, by_user).total().runs, 2u);
  SummaryFilter by_uid;
  by_uid.user = "1001";
  EXPECT_EQ(summarise(lines, by_uid).total().runs, 6u);  // the fixtures share uid 1001
  SummaryFilter by_partition;
  by_partition.partition = "other";
  EXPECT_EQ(summarise(lines, by_partition).total().errors, 1u);
  SummaryFilter window;
  window.since = 2000, window.until = 4616;              // until is exclusive
  EXPECT_EQ(summarise(lines, window).total().runs, 2u);  // refused (2106), error (3011)
  SummaryFilter not_admin;
  not_admin.only_uid = 1002;
  EXPECT_EQ(summarise(lines, not_admin).counted(), 0u);
}

TEST(ReportSummary, MemoryDoesNotGrowWithTheRecords) {
  Summary s({});
  fx::RunSpec run{1, 0, 1000, 1002, 1008};
  const AuditLine line =
      fx::parse(fx::decision(run, "requeue", Cause::Preemption, 1009, "requeue 1 of max 5"));
  for (int i = 0; i < 200000; ++i) s.add(line);
  EXPECT_EQ(s.groups().size(), 1u);
  EXPECT_EQ(s.total().requeues, 200000u);
  EXPECT_LE(sizeof(Counters), 4450u);  // per partition and user pair
}

TEST(ReportSummary, TableAndJson) {
  const Summary s = summarise(mixed_log());
  ReadStats read{2, 12, 1};
  const std::string table = format_table(s, read);
  EXPECT_NE(table.find("PARTITION  USER"), std::string::npos) << table;
  EXPECT_NE(table.find("\nall "), std::string::npos) << table;
  EXPECT_NE(table.find("12 lines in 2 files, 1 skipped"), std::string::npos) << table;
  EXPECT_NE(format_table(Summary({}), read).find("no record matches"), std::string::npos);
  const std::string j = format_json(s, read);
  std::vector<json::Member> m;
  ASSERT_TRUE(json::read_object(j, m).ok()) << j;
  EXPECT_NE(j.find(R"("skipped_lines":1)"), std::string::npos);
  EXPECT_NE(j.find(R"("median":0,"p95":3)"), std::string::npos) << j;
}
