#include <gtest/gtest.h>
#include <sys/wait.h>

#include "fake_jobs.hpp"
#include "gracepack/core/preempt/job_end.hpp"

using namespace gracepack;
using fakes::FakeClock;
using fakes::FakeController;
using fakes::job;

namespace {

const char kRun[] = "0123456789abcdef";

RunMarker marker(bool batch = true) {
  RunMarker m;
  m.job = 42;
  m.uid = 1001;
  m.gid = 1001;
  m.batch = batch;
  m.started = 50;
  m.run = kRun;
  m.partition = "low-grace";
  return m;
}

WatcherStatus status(WatchState state, std::time_t preempt = 0) {
  WatcherStatus s;
  s.run = kRun;
  s.state = state;
  s.since = 100;
  if (state == WatchState::Delivered) {
    s.delivered = 101;
    s.signalled = 3;
    s.targets = 3;
    s.preempt_time = preempt;
    s.start_time = 50;
  }
  return s;
}

EpilogFacts facts(std::optional<RunMarker> m, std::optional<WatcherStatus> s) {
  EpilogFacts f;
  f.job_id = 42;
  f.uid = 1001;
  f.budgets = fakes::caps(3);
  f.marker = std::move(m);
  f.status = std::move(s);
  f.user = "alice";
  f.now = 1000;
  return f;
}

// The batch script ended with the watcher watching: root's record of it.
RunMarker ended(int wait_status) {
  RunMarker m = marker();
  m.script_exit = 120;
  m.script_status = wait_status;
  m.watcher_at_exit = WatchState::Watching;
  return m;
}

JobEndOutcome end(FakeController& ctl, const EpilogFacts& f, int budget_waits = 0) {
  FakeClock c;
  Retry retry({std::chrono::seconds(5), std::chrono::seconds(5 * budget_waits)}, c.clock());
  return handle_job_end(ctl, f, retry);
}

}  // namespace

// Issue 9, item 6: non-batch nodes and jobs that were not preempted cost slurmctld nothing.
TEST(EpilogPlan, OnlyTheBatchHostDecidesAndOnlyAPreemptionAsks) {
  EXPECT_FALSE(plan_epilog(facts(std::nullopt, std::nullopt)).decide);
  EXPECT_FALSE(plan_epilog(facts(marker(false), std::nullopt)).decide);
  auto other = marker();
  other.uid = 7;
  EXPECT_FALSE(plan_epilog(facts(other, std::nullopt)).decide);

  auto p = plan_epilog(facts(ended(0), status(WatchState::Watching)));
  EXPECT_TRUE(p.decide);
  EXPECT_FALSE(p.ask_slurm);
  EXPECT_EQ(p.cause, Cause::Completion);
  p = plan_epilog(facts(ended(W_EXITCODE(3, 0)), status(WatchState::Watching)));
  EXPECT_FALSE(p.ask_slurm);
  EXPECT_EQ(p.cause, Cause::Failure);
  // Killed by a signal (scancel, time limit), or a shell reporting its child's: ask.
  EXPECT_TRUE(plan_epilog(facts(ended(W_EXITCODE(0, 15)), status(WatchState::Watching))).ask_slurm);
  EXPECT_TRUE(
      plan_epilog(facts(ended(W_EXITCODE(143, 0)), status(WatchState::Watching))).ask_slurm);
  auto timelimit = facts(ended(0), status(WatchState::Watching));
  timelimit.request.on_timelimit = true;
  EXPECT_TRUE(plan_epilog(timelimit).ask_slurm);

  auto cancelled = status(WatchState::NotPreempted);
  cancelled.cause = Cause::UserCancel;
  p = plan_epilog(facts(marker(), cancelled));
  EXPECT_FALSE(p.ask_slurm);
  EXPECT_EQ(p.cause, Cause::UserCancel);

  EXPECT_TRUE(plan_epilog(facts(marker(), status(WatchState::Delivered, 100))).ask_slurm);
}

TEST(EpilogPlan, AsksWhenTheWatchersAccountIsMissingOrNotTrusted) {
  // Killed by the user before the end: its status still says watching, but root did not see it
  // watching when the script ended.
  auto p = plan_epilog(facts(marker(), status(WatchState::Watching)));
  EXPECT_TRUE(p.ask_slurm);
  EXPECT_NE(p.why.find("not watching"), std::string::npos);
  EXPECT_TRUE(plan_epilog(facts(ended(0), std::nullopt)).ask_slurm);
  EXPECT_TRUE(plan_epilog(facts(ended(0), status(WatchState::Waking))).ask_slurm);
  auto old = status(WatchState::Watching);
  old.run = "ffffffffffffffff";  // another run's file
  p = plan_epilog(facts(ended(0), old));
  EXPECT_TRUE(p.ask_slurm);
  EXPECT_NE(p.why.find("another run"), std::string::npos);
  auto timeout = status(WatchState::NotPreempted);
  timeout.cause = Cause::TimeLimit;
  auto f = facts(marker(), timeout);
  EXPECT_FALSE(plan_epilog(f).ask_slurm);
  f.request.on_timelimit = true;
  EXPECT_TRUE(plan_epilog(f).ask_slurm);
}

TEST(JobEnd, NoRpcForAnUnpreemptedRunYetAnAuditRecord) {
  FakeController ctl;
  auto out = end(ctl, facts(ended(0), status(WatchState::Watching)));
  EXPECT_TRUE(out.acted);
  EXPECT_FALSE(out.asked_slurm);
  EXPECT_EQ(ctl.loads, 0);
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.records[0].event, "no-requeue");
  EXPECT_EQ(out.records[0].reason, "completed without preemption");
  EXPECT_EQ(out.records[0].job.state, JobState::Complete);
  EXPECT_EQ(out.records[0].script_exit, 120);
  out = end(ctl, facts(marker(false), std::nullopt));
  EXPECT_FALSE(out.acted);
  EXPECT_EQ(ctl.loads, 0);
}

TEST(JobEnd, RequeuesOnceAfterANotice) {
  FakeController ctl;
  ctl.record = job(JobState::Complete, 100);
  auto out = end(ctl, facts(marker(), status(WatchState::Delivered, 100)));
  EXPECT_TRUE(out.requeued);
  EXPECT_EQ(ctl.requeues, 1);
  EXPECT_EQ(ctl.requeued_id, "42");
  ASSERT_EQ(out.records.size(), 2u);
  EXPECT_EQ(out.records[0].event, "notice");
  EXPECT_EQ(out.records[0].processes_signalled, 3u);
  EXPECT_EQ(out.records[1].event, "requeue");
}

// Issue 16 items 5 and 9: a notice is on record only for a run slurmctld shows preempted (a
// status that says "delivered" for a run that completed unpreempted writes none), and the record
// says how many of the processes meant were signalled: never "notified" when none was.
TEST(JobEnd, ANoticeIsOnRecordOnlyForAPreemptionAndSaysHowManyWereSignalled) {
  FakeController ctl;
  ctl.record = job(JobState::Complete);  // slurmctld: never preempted
  WatcherStatus other = status(WatchState::Delivered, 100);
  other.run = "fedcba9876543210";  // another run's watcher
  auto out = end(ctl, facts(marker(), other));
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.records[0].event, "no-requeue");
  EXPECT_FALSE(out.records[0].processes_signalled);
  ctl.record = job(JobState::Complete, 100);
  WatcherStatus s = status(WatchState::Delivered, 100);
  s.signalled = 0;
  s.targets = 2;
  out = end(ctl, facts(marker(), s));
  ASSERT_EQ(out.records.size(), 2u);
  EXPECT_EQ(out.records[0].decision, "not notified");
  EXPECT_EQ(out.records[0].reason, "grace period started; 0 of 2 processes signalled");
  s.signalled = 1;
  EXPECT_EQ(end(ctl, facts(marker(), s)).records[0].decision, "partly notified");
  s.signalled = s.targets = 0;  // nothing of the batch step's to signal: the notice file alone
  EXPECT_EQ(end(ctl, facts(marker(), s)).records[0].decision, "notified");
}

// slurmctld's end time is the job's own end once a job ended inside its grace window: the
// deadline the watcher read at grace start goes into both records for the report; only this
// run's watcher's.
TEST(JobEnd, TheRecordsCarryTheDeadlineTheWatcherRead) {
  FakeController ctl;
  ctl.record = job(JobState::Complete, 100);
  ctl.record->end_time = 106;  // the script saved and exited 6 s into its window
  WatcherStatus s = status(WatchState::Delivered, 100);
  s.deadline = 115;
  auto out = end(ctl, facts(marker(), s));
  ASSERT_EQ(out.records.size(), 2u);
  for (const AuditRecord& r : out.records) {
    EXPECT_EQ(r.deadline, 115) << r.event;
    EXPECT_NE(to_json(r).find(",\"deadline\":115,"), std::string::npos) << to_json(r);
  }
  s.run = "fedcba9876543210";  // an earlier run's watcher
  for (const AuditRecord& r : end(ctl, facts(marker(), s)).records) EXPECT_FALSE(r.deadline);
  s = status(WatchState::Delivered, 100);  // a watcher of an older version: no deadline
  for (const AuditRecord& r : end(ctl, facts(marker(), s)).records) {
    EXPECT_FALSE(r.deadline);
    EXPECT_EQ(to_json(r).find("deadline"), std::string::npos);
  }
}

// Issue 9, item 2: the array task that holds the array's own id is requeued as ARRAY_TASK.
TEST(JobEnd, AnArrayTaskIsRequeuedByItsOwnName) {
  FakeController ctl;
  ctl.record = job(JobState::Preempted, 100);
  ctl.record->array_job_id = 42;  // this task holds the array's id
  ctl.record->array_task_id = 1;
  auto out = end(ctl, facts(marker(), status(WatchState::Delivered, 100)));
  EXPECT_TRUE(out.requeued);
  EXPECT_EQ(ctl.requeued_id, "42_1");
}

TEST(JobEnd, ARunAlreadyRequeuedOrAnotherUsersRecordIsLeftAlone) {
  FakeController ctl;
  ctl.record = job(JobState::Preempted, 100, 1);
  ctl.record->start_time = 900;  // slurmctld started a later run than root's marker knows
  auto out = end(ctl, facts(marker(), status(WatchState::Delivered, 100)));
  EXPECT_FALSE(out.requeued);
  EXPECT_NE(out.records.back().reason.find("from an earlier run"), std::string::npos);
  ctl.record = job(JobState::Preempted, 100);
  ctl.record->user = 7;
  out = end(ctl, facts(marker(), status(WatchState::Delivered, 100)));
  EXPECT_FALSE(out.requeued);
  EXPECT_EQ(out.records.back().event, "error");
  EXPECT_EQ(ctl.requeues, 0);
}

TEST(JobEnd, CapRefusalAndErrorsAreRecorded) {
  FakeController ctl;
  ctl.record = fakes::preempted(JobState::Preempted, 100, 3);
  auto out = end(ctl, facts(marker(), std::nullopt));
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.records[0].event, "cap");
  EXPECT_EQ(ctl.requeues, 0);

  ctl.record = job(JobState::Preempted, 100);
  ctl.record->requeue_allowed = false;
  EXPECT_EQ(end(ctl, facts(marker(), std::nullopt)).records[0].event, "refused");

  ctl.record = job(JobState::Preempted, 100);
  ctl.refuse = true;
  out = end(ctl, facts(marker(), std::nullopt));
  EXPECT_FALSE(out.requeued);
  EXPECT_EQ(out.records[0].event, "error");
  EXPECT_NE(out.records[0].reason.find("presently disabled"), std::string::npos);

  ctl.record.reset();
  out = end(ctl, facts(marker(), std::nullopt));
  EXPECT_EQ(out.records[0].event, "error");
  EXPECT_NE(out.records[0].reason.find("Socket timed out"), std::string::npos);
}

TEST(JobEnd, APreemptionSlurmctldForgotIsTakenFromTheWatcherOfThisRun) {
  FakeController ctl;
  ctl.record = job(JobState::Complete);  // slurmctld crashed and came back without preempt_time
  auto f = facts(marker(), status(WatchState::Delivered, 100));
  auto out = end(ctl, f);
  EXPECT_TRUE(out.requeued);
  EXPECT_NE(out.records.back().reason.find("no longer shows the preemption"), std::string::npos);

  ctl.record = job(JobState::Cancelled);  // a user's scancel stays a cancel
  EXPECT_FALSE(end(ctl, f).requeued);
  ctl.record = job(JobState::Complete);
  f.status->run = "ffffffffffffffff";  // a status file of another run proves nothing
  EXPECT_FALSE(end(ctl, f).requeued);
  f = facts(marker(), status(WatchState::Delivered, 40));  // before this run started
  EXPECT_FALSE(end(ctl, f).requeued);
  EXPECT_EQ(ctl.requeues, 1);
}

TEST(JobEnd, WaitsForSlurmctldThenRequeuesOnce) {
  FakeController ctl;
  ctl.record = job(JobState::Preempted, 100);
  ctl.down = 3;  // slurmctld answers the fourth call
  auto out = end(ctl, facts(marker(), std::nullopt), 10);
  EXPECT_TRUE(out.requeued);
  EXPECT_EQ(ctl.requeues, 1);
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.records[0].event, "requeue");
  EXPECT_NE(out.records[0].reason.find("3 retries"), std::string::npos) << out.records[0].reason;
}

TEST(JobEnd, ARequeueWhoseAnswerWasLostIsNotRepeated) {
  FakeController ctl;
  ctl.record = job(JobState::Preempted, 100);
  ctl.lose_answer = true;
  auto out = end(ctl, facts(marker(), std::nullopt), 10);
  EXPECT_TRUE(out.requeued);
  EXPECT_EQ(ctl.requeues, 1);
  EXPECT_NE(out.records[0].reason.find("landed although its answer was lost"), std::string::npos)
      << out.records[0].reason;
}

TEST(JobEnd, GivesUpWhenSlurmctldStaysDownAndSaysWhy) {
  FakeController ctl;
  ctl.record = job(JobState::Preempted, 100);
  ctl.down = 100;
  auto out = end(ctl, facts(marker(), std::nullopt), 4);
  EXPECT_FALSE(out.requeued);
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.records[0].event, "error");
  EXPECT_NE(out.records[0].reason.find("Unable to contact"), std::string::npos);
  EXPECT_NE(out.records[0].reason.find("4 retries"), std::string::npos);

  // A refusal is final: no pause, no second try.
  FakeController refusing;
  refusing.record = job(JobState::Preempted, 100);
  refusing.refuse = true;
  FakeClock c;
  Retry retry({std::chrono::seconds(5), std::chrono::seconds(50)}, c.clock());
  out = handle_job_end(refusing, facts(marker(), std::nullopt), retry);
  EXPECT_EQ(c.pauses, 0);
  EXPECT_EQ(out.records[0].event, "error");
}

TEST(Retry, StaysWithinItsBudget) {
  FakeClock c;
  Retry r({std::chrono::seconds(5), std::chrono::seconds(12)}, c.clock());
  EXPECT_TRUE(r.again());
  EXPECT_TRUE(r.again());
  EXPECT_FALSE(r.again());
  EXPECT_EQ(r.waits(), 2u);
  EXPECT_EQ(c.pauses, 2);
}

// Issue 16 item 8: the watcher backs off (250 ms, 500 ms, 1 s, 2 s, 2 s ...) while slurmctld
// asks clients to, within its budget.
TEST(Retry, BacksOffUpToItsCap) {
  FakeClock c;
  using std::chrono::milliseconds;
  Retry r({milliseconds(250), milliseconds(6000), 2, milliseconds(2000)}, c.clock());
  std::vector<long> pauses;
  auto last = c.t;
  while (r.again()) {
    pauses.push_back(std::chrono::duration_cast<milliseconds>(c.t - last).count());
    last = c.t;
  }
  EXPECT_EQ(pauses, (std::vector<long>{250, 500, 1000, 2000, 2000}));
  EXPECT_EQ(r.left(), milliseconds(250));
}

TEST(JobEnd, AStatusFileRootRefusedIsOnRecord) {
  FakeController ctl;
  ctl.record = job(JobState::Complete);
  auto f = facts(ended(0), std::nullopt);
  f.status_note = "watcher is not a regular file";
  auto out = end(ctl, f);
  ASSERT_EQ(out.records.size(), 2u);
  EXPECT_EQ(out.records[0].event, "ignored");
  EXPECT_NE(out.records[0].reason.find("not a regular file"), std::string::npos);
  EXPECT_TRUE(out.asked_slurm);  // without the watcher's word, slurmctld is asked
  EXPECT_EQ(out.records[1].reason, "completed without preemption");
}

// Issue 19 item 3: a preempted run's record carries its allocation, its acknowledgements and the
// work lost; an unpreempted run's carries none of it.
TEST(JobEnd, APreemptedRunsRecordSaysWhatWasLost) {
  FakeController ctl;
  ctl.record = job(JobState::Complete, 100);  // started 50, grace start 100
  ctl.record->alloc = Allocation{1, 4, 2, "a100:2"};
  WatcherStatus s = status(WatchState::Delivered, 100);
  s.ack = 70;
  s.ack_label = "step 120";
  auto out = end(ctl, facts(marker(), s));
  ASSERT_EQ(out.records.size(), 2u);
  const AuditRecord& r = out.records[1];
  EXPECT_EQ(r.event, "requeue");
  EXPECT_EQ(r.checkpoint, 70);
  ASSERT_TRUE(r.lost);
  EXPECT_EQ(r.lost->kind, LostKind::SinceCheckpoint);
  EXPECT_EQ(r.lost->seconds, 30);
  EXPECT_EQ(r.lost->gpu_seconds, 60);
  EXPECT_EQ(r.lost->cpu_seconds, 120);
  const std::string j = to_json(r);
  for (const char* field :
       {",\"alloc_nodes\":1,\"alloc_cpus\":4,\"alloc_gpus\":2,\"alloc_gpu_types\":\"a100:2\"",
        ",\"checkpoint\":70,\"checkpoint_label\":\"step 120\"", ",\"lost\":\"since_checkpoint\"",
        ",\"lost_seconds\":30", ",\"lost_gpu_seconds\":60", ",\"lost_cpu_seconds\":120"})
    EXPECT_NE(j.find(field), std::string::npos) << field << " in " << j;
  // The notice record carries none of it: one record per run counts.
  EXPECT_EQ(to_json(out.records[0]).find("lost"), std::string::npos);

  // Saved inside the window: 0 lost.
  s.ack_window = 104;
  out = end(ctl, facts(marker(), s));
  EXPECT_EQ(out.records[1].lost->kind, LostKind::None);
  EXPECT_EQ(out.records[1].lost->gpu_seconds, 0);
  EXPECT_EQ(out.records[1].checkpoint_in_window, 104);
  EXPECT_NE(to_json(out.records[1]).find(",\"checkpoint_in_window\":104"), std::string::npos);

  // Never acknowledged: unknown, at most the 50 s the run had run; a note says why a file there
  // did not count.
  s = status(WatchState::Delivered, 100);
  s.ack_note = "it is a FIFO";
  out = end(ctl, facts(marker(), s));
  EXPECT_EQ(out.records[1].lost->kind, LostKind::Unknown);
  EXPECT_NE(to_json(out.records[1]).find(",\"lost\":\"unknown\",\"lost_at_most_seconds\":50"),
            std::string::npos)
      << to_json(out.records[1]);
  EXPECT_NE(to_json(out.records[1]).find(",\"checkpoint_note\":\"it is a FIFO\""),
            std::string::npos);

  // The watcher's "before" that slurmctld's grace start puts inside the window.
  s = status(WatchState::Delivered, 100);
  s.ack = 102;
  EXPECT_EQ(end(ctl, facts(marker(), s)).records[1].lost->kind, LostKind::None);

  // return_grace: the seconds of the window handed back.
  s = status(WatchState::Delivered, 100);
  s.deadline = 115;
  s.ack_window = 104;
  s.returned = 105;
  out = end(ctl, facts(marker(), s));
  EXPECT_EQ(out.records[1].grace_returned, 10);
  EXPECT_NE(to_json(out.records[1]).find(",\"grace_returned_seconds\":10"), std::string::npos);

  // Not preempted (the script ended while the watcher watched): nothing of it.
  s = status(WatchState::Watching);
  s.ack = 70;
  out = end(ctl, facts(ended(0), s));
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_FALSE(out.records[0].lost);
  EXPECT_EQ(to_json(out.records[0]).find("checkpoint"), std::string::npos);
}

// Issue 20: a preempted run that comes back is counted in the job's AdminComment (gracepack's
// requeue and Slurm's own alike), the audit carries the per-cause counts, and at protect_after
// the job goes into the protected QOS; a QOS slurmctld refuses leaves it requeued as it was.
TEST(JobEnd, APreemptionIsCountedAndProtectsAtTheKth) {
  FakeController ctl;
  ctl.record = fakes::preempted(JobState::Preempted, 100, 1);
  ctl.record->restart_count = 2;  // one restart for another cause
  ctl.record->qos = "scav";
  auto f = facts(marker(), status(WatchState::Delivered, 100));
  f.budgets = {5, 5, 3, "protected"};
  auto out = end(ctl, f);
  ASSERT_TRUE(out.requeued);
  ASSERT_EQ(ctl.marks.size(), 1u);
  EXPECT_EQ(ctl.marks[0], "42 2 ");
  EXPECT_EQ(out.records.back().preemptions, 2u);
  EXPECT_EQ(out.records.back().other_requeues, 1u);
  EXPECT_NE(to_json(out.records.back()).find("\"preemptions\":2,\"other_requeues\":1"),
            std::string::npos)
      << to_json(out.records.back());

  // The third preemption: into the protected QOS.
  ctl.record->state = JobState::Preempted;
  ctl.record->restart_count = 3;
  out = end(ctl, f);
  ASSERT_TRUE(out.requeued);
  EXPECT_EQ(ctl.marks.back(), "42 3 protected");
  EXPECT_EQ(out.records.back().requeue_qos, "protected");
  EXPECT_NE(out.records.back().reason.find("into QOS protected (preemption 3, protect_after=3)"),
            std::string::npos)
      << out.records.back().reason;

  // A QOS slurmctld refuses: requeued as before, the count recorded, the reason on record.
  ctl.record = fakes::preempted(JobState::Preempted, 100, 2);
  ctl.record->qos = "scav";
  ctl.refuse_qos = "protected";
  ctl.marks.clear();
  out = end(ctl, f);
  ASSERT_TRUE(out.requeued);
  ASSERT_EQ(ctl.marks.size(), 1u);
  EXPECT_EQ(ctl.marks[0], "42 3 ");
  EXPECT_EQ(out.records.back().requeue_qos, "");
  EXPECT_NE(out.records.back().qos_note.find("Invalid qos specification"), std::string::npos);
  EXPECT_NE(out.records.back().reason.find("stays in QOS scav"), std::string::npos);

  // Slurm's own requeue (PreemptMode=REQUEUE): not requeued by gracepack, counted all the same.
  ctl.record = fakes::preempted(JobState::Preempted, 100, 0);
  ctl.record->requeued_by_slurm = true;
  ctl.marks.clear();
  const int before = ctl.requeues;
  out = end(ctl, f);
  EXPECT_FALSE(out.requeued);
  EXPECT_EQ(ctl.requeues, before);
  ASSERT_EQ(ctl.marks.size(), 1u);
  EXPECT_EQ(ctl.marks[0], "42 1 ");

  // A run that was not preempted is not counted.
  ctl.record = job(JobState::Complete);
  ctl.marks.clear();
  out = end(ctl, facts(ended(0), std::nullopt));
  EXPECT_TRUE(ctl.marks.empty());
}
