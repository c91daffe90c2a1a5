// gracepack-report JOBID: runs assembled from the job's records and told as a timeline.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
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

JobHistory history_of(const std::vector<std::string>& lines, const std::string& job = "6") {
  JobHistory h(*parse_job_selector(job));
  for (const auto& l : lines) h.add(fx::parse(l));
  return h;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST(ReportJob, Selectors) {
  auto plain = parse_job_selector("42");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->id, 42u);
  EXPECT_FALSE(plain->task);
  auto task = parse_job_selector("100_7");
  ASSERT_TRUE(task.ok());
  EXPECT_EQ(task->task, 7u);
  EXPECT_EQ(task->name(), "100_7");
  for (const char* bad : {"", "0", "x", "42_", "_7", "1_2_3", "-4", "4294967296"}) {
    EXPECT_FALSE(parse_job_selector(bad).ok()) << bad;
  }
}

TEST(ReportJob, RunsOfARequeuedJob) {
  const auto runs = history_of(fx::requeued_then_completed()).runs();
  ASSERT_EQ(runs.size(), 2u);
  ASSERT_TRUE(runs[0].notice && runs[0].decision);
  EXPECT_EQ(runs[0].decision->event, AuditEvent::Requeue);
  EXPECT_FALSE(runs[1].notice);
  EXPECT_EQ(runs[1].decision->event, AuditEvent::NoRequeue);
}

TEST(ReportJob, TheTimelineTellsTheStory) {
  const auto runs = history_of(fx::requeued_then_completed()).runs();
  const std::string t = format_timeline(*parse_job_selector("6"), runs, format_utc);
  EXPECT_TRUE(contains(t,
                       "job 6 (user gptest, uid 1001, partition low-grace): 2 runs, "
                       "requeued 1 time (cap 5)"))
      << t;
  EXPECT_TRUE(contains(t, "run 1 (restart 0), started 1970-01-01 00:16:40")) << t;
  EXPECT_TRUE(contains(t,
                       "00:16:42  grace period began (preemption): deadline 00:16:57, a 15 s "
                       "window"))
      << t;
  EXPECT_TRUE(contains(t, "notice delivered to 2 processes, 0 s after grace start")) << t;
  EXPECT_TRUE(contains(t, "batch script ended (exit status 0), 6 s into the window")) << t;
  EXPECT_TRUE(contains(t, "checkpoint window used: 6 s of 15 s")) << t;
  EXPECT_TRUE(contains(t, "requeued (preempted, state COMPLETED): preemption: requeue 1 of max 5"))
      << t;
  EXPECT_TRUE(contains(t, "requeue delay: the next run started 13 s after the requeue")) << t;
  EXPECT_TRUE(contains(t, "not requeued (completed, state COMPLETED): completed without")) << t;
  // The window's use is told before the decision taken after it.
  EXPECT_LT(t.find("checkpoint window used"), t.find("requeued (preempted"));
}

TEST(ReportJob, KilledAtTheDeadline) {
  fx::RunSpec run{9, 0, 1000, 1002, 1017, 9, "PREEMPTED"};
  const auto runs = history_of({fx::notice(run, 1003, 1018),
                                fx::decision(run, "cap", Cause::Preemption, 1018,
                                             "requeue cap reached: the job has restarted 0 "
                                             "times, max 0")},
                               "9")
                        .runs();
  const std::string t = format_timeline(*parse_job_selector("9"), runs, format_utc);
  EXPECT_TRUE(contains(t, "checkpoint window used: all of 15 s, killed at the deadline")) << t;
  EXPECT_TRUE(contains(t, "killed by SIGKILL")) << t;
  EXPECT_TRUE(contains(t, "not requeued (preempted, state PREEMPTED): requeue cap reached")) << t;
  EXPECT_TRUE(contains(t, "1 s after grace start")) << t;
}

TEST(ReportJob, HowAWindowEnded) {
  AuditLine r;
  r.preempt_time = 100, r.end_time = 115, r.state = "PREEMPTED";
  EXPECT_EQ(window_use(r).end, WindowEnd::KilledAtDeadline);  // the state, nothing else known
  r.script_exit = 114, r.script_status = 9;  // killed, the node's clock a second behind
  EXPECT_EQ(window_use(r).end, WindowEnd::KilledAtDeadline);
  r.script_status = 0;  // it exited by itself: PREEMPTED was set later (slurmctld restarted)
  EXPECT_EQ(window_use(r).end, WindowEnd::ExitedInTime);
  r.script_exit.reset(), r.script_status.reset();
  r.state = "COMPLETED";
  EXPECT_EQ(window_use(r).end, WindowEnd::Unknown);
  r.script_exit = 115;  // at the deadline: too late
  EXPECT_EQ(window_use(r).end, WindowEnd::KilledAtDeadline);
  r.script_exit = 114;
  EXPECT_EQ(window_use(r).end, WindowEnd::ExitedInTime);
  EXPECT_EQ(window_use(r).used, 14);
  r.preempt_time = 0;
  EXPECT_EQ(window_use(r).end, WindowEnd::None);
}

// Found on the e2e cluster (job 9 of e2e.preempt_array, Slurm 22.05, GraceTime 15): the app saved
// and the script exited 6 s into its window, and the job ended COMPLETED then, so slurmctld's end
// time in the epilog's record is the job's own end, not the deadline. The report read it as the
// deadline: "a 6 s window", "all of 6 s, killed at the deadline". Records now carry the deadline
// the watcher read at grace start; older ones say what they can.
TEST(ReportJob, ARunThatEndedInsideItsWindowWasNotKilled) {
  const std::string older =
      R"({"time":1796011746,"event":"requeue","job_id":9,"array_job_id":8,"array_task_id":0,)"
      R"("uid":1001,"user":"gptest","partition":"low-grace","state":"COMPLETED",)"
      R"("cause":"preemption","preempt_time":1796011740,"end_time":1796011746,"restart_count":0,)"
      R"("start_time":1796011739,"run_start":1796011739,"script_exit":1796011746,"script_status":0,)"
      R"("decision":"requeued","reason":"preemption: requeue 1 of max 5"})";
  AuditLine r = fx::parse(older);
  WindowUse w = window_use(r);
  EXPECT_EQ(w.end, WindowEnd::ExitedInTime);
  EXPECT_EQ(w.used, 6);
  EXPECT_EQ(w.window, 0);
  EXPECT_FALSE(w.deadline);
  r.end_time += 1;  // slurmctld's end a second after the script's: the same story
  EXPECT_EQ(window_use(r).end, WindowEnd::ExitedInTime);
  EXPECT_EQ(window_use(r).window, 0);
  const auto text = [](const std::string& line) {
    return format_timeline(*parse_job_selector("8_0"), history_of({line}, "8_0").runs(),
                           format_utc);
  };
  std::string t = text(older);
  EXPECT_EQ(t.find("killed"), std::string::npos) << t;
  EXPECT_NE(t.find("checkpoint window used: 6 s (the deadline is not on record)"),
            std::string::npos)
      << t;
  Summary old_summary{SummaryFilter{}};
  old_summary.add(r);
  EXPECT_EQ(old_summary.total().exited_in_time, 1u);
  EXPECT_EQ(old_summary.total().killed_at_deadline, 0u);

  // The same run as the epilog writes it now: the watcher's deadline, 15 s after grace start.
  std::string now = older;
  now.insert(now.find(R"(,"run_start")"), R"(,"deadline":1796011755)");
  r = fx::parse(now);
  ASSERT_EQ(r.deadline, 1796011755);
  w = window_use(r);
  EXPECT_EQ(w.end, WindowEnd::ExitedInTime);
  EXPECT_EQ(w.used, 6);
  EXPECT_EQ(w.window, 15);
  EXPECT_EQ(w.deadline, 1796011755);
  t = text(now);
  EXPECT_NE(t.find("grace period began (preemption): deadline 04:09:15, a 15 s window"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("04:09:06  batch script ended (exit status 0), 6 s into the window"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("checkpoint window used: 6 s of 15 s"), std::string::npos) << t;
  const std::string json =
      format_job_json(*parse_job_selector("8_0"), history_of({now}, "8_0").runs());
  EXPECT_NE(json.find(R"("deadline":1796011755,)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("window":15,"window_used":6,"window_end":"exited_before_deadline")"),
            std::string::npos)
      << json;
  Summary summary{SummaryFilter{}};
  summary.add(r);
  EXPECT_EQ(summary.total().exited_in_time, 1u);
  EXPECT_EQ(summary.total().window_used[4], 1u);  // 6 s of 15: the fifth tenth

  // Killed at the deadline, with the deadline on record: slurmctld's end time is the kill.
  r.state = "PREEMPTED", r.end_time = 1796011755, r.script_exit = 1796011755, r.script_status = 15;
  w = window_use(r);
  EXPECT_EQ(w.end, WindowEnd::KilledAtDeadline);
  EXPECT_EQ(w.used, 15);
}

TEST(ReportJob, LogsGivenTwiceOrInAnyOrderTellTheSameRuns) {
  auto lines = fx::requeued_then_completed();
  const std::string once =
      format_timeline(*parse_job_selector("6"), history_of(lines).runs(), format_utc);
  std::vector<std::string> twice = lines;
  twice.insert(twice.end(), lines.begin(), lines.end());
  std::reverse(twice.begin(), twice.end());
  EXPECT_EQ(format_timeline(*parse_job_selector("6"), history_of(twice).runs(), format_utc), once);
}

TEST(ReportJob, OtherJobsAndArrayTasks) {
  fx::RunSpec task{101, 0, 1000, 0, 1010};
  AuditRecord w = fx::base(task, "no-requeue", Cause::Completion, 1011);
  w.job.array_job_id = 100;
  w.job.array_task_id = 7;
  const std::string line = to_json(w);
  JobHistory by_task(*parse_job_selector("100_7"));
  by_task.add(fx::parse(line));
  EXPECT_EQ(by_task.records().size(), 1u);
  JobHistory by_array(*parse_job_selector("100"));
  by_array.add(fx::parse(line));
  EXPECT_TRUE(by_array.empty());
  EXPECT_EQ(by_array.array_tasks(), (std::set<std::uint32_t>{7}));
  JobHistory other(*parse_job_selector("5"));
  for (const auto& l : fx::requeued_then_completed()) other.add(fx::parse(l));
  EXPECT_TRUE(other.empty());
}

// As e2e.fault_ctld_restart recorded it: slurmctld, restarted, moved the grace start past the
// notice and recorded no deadline after it.
TEST(ReportJob, RecordsOfARestartedSlurmctld) {
  const std::string line =
      R"({"time":1796004616,"event":"notice","job_id":1,"uid":1001,"user":"gptest",)"
      R"("partition":"low-grace","state":"PREEMPTED","cause":"preemption",)"
      R"("preempt_time":1796004611,"end_time":1796004611,"restart_count":0,)"
      R"("start_time":1796004588,"notice_delivered":1796004590,"processes_signalled":2,)"
      R"("run_start":1796004589,"script_exit":1796004592,"script_status":0,)"
      R"("decision":"notified","reason":"grace period started"})";
  JobHistory h(*parse_job_selector("1"));
  h.add(fx::parse(line));
  const std::string t = format_timeline(*parse_job_selector("1"), h.runs(), format_utc);
  EXPECT_TRUE(contains(t, "21 s before the grace start slurmctld recorded")) << t;
  EXPECT_TRUE(contains(t, "grace period began (preemption): no deadline after it on record")) << t;
  EXPECT_FALSE(contains(t, "checkpoint window used")) << t;
}

TEST(ReportJob, ARunWithoutItsDecision) {
  fx::RunSpec run{6, 0, 1000, 1002, 1008};
  const auto runs = history_of({fx::notice(run, 1002, 1009)}).runs();
  ASSERT_EQ(runs.size(), 1u);
  const std::string t = format_timeline(*parse_job_selector("6"), runs, format_utc);
  EXPECT_TRUE(contains(t, "no decision on record")) << t;
}

// Found by fuzz_report: a notice without a grace start, in a run whose decision has one.
TEST(ReportJob, ANoticeWithoutItsGraceStart) {
  fx::RunSpec run{6, 0, 1000, 1002, 1008};
  AuditLine notice = fx::parse(fx::notice(run, 1002, 1009));
  notice.preempt_time = 0;
  JobHistory h(*parse_job_selector("6"));
  h.add(notice);
  h.add(fx::parse(fx::decision(run, "requeue", Cause::Preemption, 1009, "requeue 1 of max 5")));
  const auto runs = h.runs();
  ASSERT_EQ(runs.size(), 1u);
  const std::string t = format_timeline(*parse_job_selector("6"), runs, format_utc);
  EXPECT_TRUE(contains(t, "notice delivered to 2 processes\n")) << t;
  EXPECT_TRUE(
      contains(format_job_json(*parse_job_selector("6"), runs), R"("notice_latency":null)"));
}

TEST(ReportJob, TheJsonIsJsonAndHasTheNumbers) {
  const auto runs = history_of(fx::requeued_then_completed()).runs();
  const std::string j = format_job_json(*parse_job_selector("6"), runs);
  std::vector<json::Member> m;
  ASSERT_TRUE(json::read_object(j, m).ok()) << j;
  EXPECT_TRUE(contains(j, R"("window":15,"window_used":6,"window_end":"exited_before_deadline")"))
      << j;
  EXPECT_TRUE(contains(j, R"("requeue_delay":13)")) << j;
  EXPECT_TRUE(contains(j, R"("notice_latency":0)")) << j;
  EXPECT_TRUE(contains(j, R"("event":"no-requeue")")) << j;
}

TEST(ReportJob, CapsAndDurations) {
  EXPECT_EQ(cap_from_reason("preemption: requeue 1 of max 5"), 5);
  EXPECT_EQ(cap_from_reason("requeue cap reached: the job has restarted 3 times, max 3"), 3);
  EXPECT_FALSE(cap_from_reason("completed without preemption"));
  EXPECT_FALSE(cap_from_reason("max x"));
  EXPECT_EQ(format_duration(6), "6 s");
  EXPECT_EQ(format_duration(250), "4 min 10 s");
  EXPECT_EQ(format_duration(7500), "2 h 5 min");
  EXPECT_EQ(format_duration(-3), "-3 s");
}

TEST(ReportJob, WaitStatusesAndCauses) {
  EXPECT_EQ(describe_wait_status(0), "exit status 0");
  EXPECT_EQ(describe_wait_status(3 << 8), "exit status 3");
  EXPECT_EQ(describe_wait_status(9), "killed by SIGKILL");
  EXPECT_EQ(describe_wait_status(15 | 0x80), "killed by SIGTERM");  // with a core dump
  EXPECT_EQ(describe_wait_status(40), "killed by signal 40");
  EXPECT_EQ(describe_cause(Cause::TimeLimit), "time limit");
  EXPECT_EQ(describe_cause(std::nullopt), "unknown cause");
}
