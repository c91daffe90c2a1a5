#include <gtest/gtest.h>

#include <csignal>

#include "gracepack/cgroup.hpp"
#include "gracepack/controller.hpp"
#include "gracepack/preempt.hpp"

using namespace gracepack;

namespace {

JobRecord job(JobState s, std::time_t preempt = 0, unsigned restarts = 0) {
  JobRecord r;
  r.job_id = 42;
  r.user = 1001;
  r.state = s;
  r.preempt_time = preempt;
  r.end_time = preempt ? preempt + 15 : 0;
  r.restart_count = restarts;
  r.partition = "low-grace";
  r.batch_host = "node1";
  return r;
}

class FakeController : public Controller {
 public:
  std::optional<JobRecord> record;
  int requeues = 0;
  bool refuse = false;
  Result<JobRecord> load_job(std::uint32_t) override {
    if (!record) return fail("Socket timed out");
    return *record;
  }
  Status requeue(std::uint32_t) override {
    if (refuse) return fail("Requested operation is presently disabled");
    ++requeues;
    return Ok{};
  }
};

// A slurmctld that is down for the first `down` calls; a requeue may land but lose its answer.
class FlakyController : public FakeController {
 public:
  int down = 0;
  bool lose_answer = false;
  int calls = 0;
  Result<JobRecord> load_job(std::uint32_t id) override {
    if (++calls <= down) return fail_transient("Unable to contact slurm controller");
    return FakeController::load_job(id);
  }
  Status requeue(std::uint32_t id) override {
    if (++calls <= down) return fail_transient("Unable to contact slurm controller");
    auto st = FakeController::requeue(id);
    if (st && lose_answer) {
      lose_answer = false;
      record->restart_count += 1;
      record->state = JobState::Pending;
      return fail_transient("Zero Bytes were transmitted or received");
    }
    return st;
  }
};

// Counts the pauses; allows `limit` of them.
struct Waits {
  int limit;
  int used = 0;
  RetryWait fn() {
    return [this] { return used < limit && ++used > 0; };
  }
};

JobEndOutcome end_job(Controller& ctl, const JobEnd& e) {
  return handle_job_end(ctl, e, nullptr);
}

JobEnd end_on(const std::string& node) {
  JobEnd e;
  e.job_id = 42;
  e.admin_max = 3;
  e.node_name = node;
  e.user = "alice";
  e.now = 1000;
  return e;
}

}  // namespace

TEST(Classify, FromTheRecordNotTheSignal) {
  EXPECT_EQ(classify(job(JobState::Preempted, 100)), Cause::Preemption);
  EXPECT_EQ(classify(job(JobState::Complete, 100)), Cause::Preemption);  // saved and exited early
  EXPECT_EQ(classify(job(JobState::Failed, 100)), Cause::Preemption);    // died mid-checkpoint
  EXPECT_EQ(classify(job(JobState::Running, 100)), Cause::Preemption);   // in its grace window
  EXPECT_EQ(classify(job(JobState::Complete)), Cause::Completion);
  EXPECT_EQ(classify(job(JobState::Failed)), Cause::Failure);
  EXPECT_EQ(classify(job(JobState::Cancelled)), Cause::UserCancel);
  EXPECT_EQ(classify(job(JobState::Cancelled, 100)), Cause::UserCancel);  // cancelled during grace
  EXPECT_EQ(classify(job(JobState::Timeout)), Cause::TimeLimit);
  EXPECT_EQ(classify(job(JobState::NodeFail)), Cause::NodeFailure);
  EXPECT_EQ(classify(job(JobState::Running)), Cause::Running);
}

TEST(Decide, RequeuesPreemptionOnlyUnderTheCap) {
  PreemptRequest req;
  auto d = decide_requeue(job(JobState::Preempted, 100, 0), req, 3);
  EXPECT_TRUE(d.requeue);
  EXPECT_EQ(d.reason, "preemption: requeue 1 of max 3");
  d = decide_requeue(job(JobState::Preempted, 100, 3), req, 3);
  EXPECT_FALSE(d.requeue);
  EXPECT_EQ(d.reason, "requeue cap reached: the job has restarted 3 times, max 3");
  req.max_requeue = 1;  // the user's own cap is lower
  EXPECT_FALSE(decide_requeue(job(JobState::Preempted, 100, 1), req, 3).requeue);
  req.max_requeue = 10;  // ...and never raises the admin's
  EXPECT_FALSE(decide_requeue(job(JobState::Preempted, 100, 3), req, 3).requeue);
}

TEST(Decide, NeverForOtherCauses) {
  PreemptRequest req;
  for (JobState s : {JobState::Complete, JobState::Failed, JobState::Cancelled, JobState::NodeFail,
                     JobState::Timeout, JobState::Running}) {
    EXPECT_FALSE(decide_requeue(job(s), req, 3).requeue) << to_string(s);
  }
  req.on_timelimit = true;
  EXPECT_TRUE(decide_requeue(job(JobState::Timeout), req, 3).requeue);
}

TEST(Decide, RespectsSlurmAndTheJobsSettings) {
  PreemptRequest req;
  auto j = job(JobState::Preempted, 100);
  j.requeued_by_slurm = true;
  EXPECT_FALSE(decide_requeue(j, req, 3).requeue);
  j = job(JobState::Preempted, 100);
  j.requeue_allowed = false;
  auto d = decide_requeue(j, req, 3);
  EXPECT_FALSE(d.requeue);
  EXPECT_NE(d.reason.find("--requeue"), std::string::npos);
  j = job(JobState::Preempted, 100);
  j.batch = false;
  EXPECT_FALSE(decide_requeue(j, req, 3).requeue);
}

TEST(Notice, RoundTripsAndIsShellReadable) {
  Notice n;
  n.notice_time = 1700000000;
  n.deadline = 1700000015;
  n.signal = SIGUSR1;
  n.restart_count = 1;
  n.max_requeue = 3;
  n.will_requeue = true;
  const std::string text = format_notice(n);
  EXPECT_NE(text.find("GRACEPACK_DEADLINE=1700000015\n"), std::string::npos);
  EXPECT_NE(text.find("GRACEPACK_SIGNAL=USR1\n"), std::string::npos);
  auto back = parse_notice(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->deadline, n.deadline);
  EXPECT_EQ(back->signal, SIGUSR1);
  EXPECT_TRUE(back->will_requeue);
  for (const char* bad :
       {"", "GRACEPACK_CAUSE=preemption\n", "garbage", "GRACEPACK_CAUSE=x\nGRACEPACK_CAUSE=y\n"}) {
    EXPECT_FALSE(parse_notice(bad).ok()) << bad;
  }
}

TEST(Notice, MessageSaysDeadlineAndRequeue) {
  Notice n;
  n.deadline = 1015;
  n.max_requeue = 2;
  n.restart_count = 2;
  const std::string m = notice_message(n, 7, 1000);
  EXPECT_NE(m.find("job 7 is being preempted"), std::string::npos);
  EXPECT_NE(m.find("(in 15 s)"), std::string::npos);
  EXPECT_NE(m.find("It will NOT be requeued: it has restarted 2 times, the maximum is 2"),
            std::string::npos);
}

TEST(Audit, JsonEscapesAndCarriesTheFields) {
  AuditRecord r;
  r.event = "requeue";
  r.job = job(JobState::Preempted, 100, 1);
  r.job.array_job_id = 40;
  r.job.array_task_id = 2;
  r.user = "a\"b\\c\n";
  r.cause = Cause::Preemption;
  r.decision = "requeued";
  r.reason = "x";
  const std::string j = to_json(r);
  EXPECT_NE(j.find("\"user\":\"a\\\"b\\\\c\\n\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"array_task_id\":2"), std::string::npos);
  EXPECT_NE(j.find("\"restart_count\":1"), std::string::npos);
  EXPECT_EQ(j.front(), '{');
  EXPECT_EQ(j.back(), '}');
  EXPECT_EQ(json_escape(std::string("\x01", 1)), "\\u0001");
}

TEST(JobEnd, RequeuesOnceFromTheBatchHostOnly) {
  FakeController ctl;
  ctl.record = job(JobState::Complete, 100);
  JobEnd e = end_on("node2");
  auto out = end_job(ctl, e);
  EXPECT_FALSE(out.acted);
  EXPECT_EQ(ctl.requeues, 0);

  e = end_on("node1");
  e.watcher = WatcherStatus{101, 3, 100};
  out = end_job(ctl, e);
  EXPECT_TRUE(out.acted);
  EXPECT_TRUE(out.requeued);
  EXPECT_EQ(ctl.requeues, 1);
  ASSERT_EQ(out.records.size(), 2u);
  EXPECT_EQ(out.records[0].event, "notice");
  EXPECT_EQ(out.records[0].processes_signalled, 3u);
  EXPECT_EQ(out.records[1].event, "requeue");
}

TEST(JobEnd, CapRefusalAndErrorsAreRecorded) {
  FakeController ctl;
  ctl.record = job(JobState::Preempted, 100, 3);
  auto out = end_job(ctl, end_on("node1"));
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.records[0].event, "cap");
  EXPECT_EQ(ctl.requeues, 0);

  ctl.record = job(JobState::Preempted, 100);
  ctl.record->requeue_allowed = false;
  EXPECT_EQ(end_job(ctl, end_on("node1")).records[0].event, "refused");

  ctl.record = job(JobState::Preempted, 100);
  ctl.refuse = true;
  out = end_job(ctl, end_on("node1"));
  EXPECT_FALSE(out.requeued);
  EXPECT_EQ(out.records[0].event, "error");
  EXPECT_NE(out.records[0].reason.find("presently disabled"), std::string::npos);

  ctl.record.reset();
  out = end_job(ctl, end_on("node1"));
  EXPECT_EQ(out.records[0].event, "error");
  EXPECT_NE(out.records[0].reason.find("Socket timed out"), std::string::npos);
}

TEST(JobEnd, APreemptionSlurmctldForgotIsTakenFromTheWatcher) {
  FakeController ctl;
  ctl.record = job(JobState::Complete);  // slurmctld crashed and came back without preempt_time
  JobEnd e = end_on("node1");
  e.watcher = WatcherStatus{101, 2, 100};
  auto out = end_job(ctl, e);
  EXPECT_TRUE(out.requeued);
  EXPECT_EQ(ctl.requeues, 1);
  EXPECT_NE(out.records.back().reason.find("no longer shows the preemption"), std::string::npos);

  // A user's scancel stays a cancel; without the watcher's word a completion stays one.
  ctl.record = job(JobState::Cancelled);
  EXPECT_FALSE(end_job(ctl, e).requeued);
  ctl.record = job(JobState::Complete);
  e.watcher.reset();
  EXPECT_FALSE(end_job(ctl, e).requeued);
  EXPECT_EQ(ctl.requeues, 1);
}

TEST(JobEnd, WaitsForSlurmctldThenRequeuesOnce) {
  FlakyController ctl;
  ctl.record = job(JobState::Preempted, 100);
  ctl.down = 3;  // load fails twice... and the first requeue once
  Waits w{10};
  auto out = handle_job_end(ctl, end_on("node1"), w.fn());
  EXPECT_TRUE(out.requeued);
  EXPECT_EQ(ctl.requeues, 1);
  EXPECT_EQ(w.used, 3);
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.records[0].event, "requeue");
  EXPECT_NE(out.records[0].reason.find("3 retries"), std::string::npos) << out.records[0].reason;
}

TEST(JobEnd, ARequeueWhoseAnswerWasLostIsNotRepeated) {
  FlakyController ctl;
  ctl.record = job(JobState::Preempted, 100);
  ctl.lose_answer = true;
  Waits w{10};
  auto out = handle_job_end(ctl, end_on("node1"), w.fn());
  EXPECT_TRUE(out.requeued);
  EXPECT_EQ(ctl.requeues, 1);
  EXPECT_NE(out.records[0].reason.find("landed although its answer was lost"), std::string::npos)
      << out.records[0].reason;
}

TEST(JobEnd, GivesUpWhenSlurmctldStaysDownAndSaysWhy) {
  FlakyController ctl;
  ctl.record = job(JobState::Preempted, 100);
  ctl.down = 100;
  Waits w{4};
  auto out = handle_job_end(ctl, end_on("node1"), w.fn());
  EXPECT_FALSE(out.requeued);
  EXPECT_EQ(w.used, 4);
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.records[0].event, "error");
  EXPECT_NE(out.records[0].reason.find("Unable to contact"), std::string::npos);
  EXPECT_NE(out.records[0].reason.find("4 retries"), std::string::npos);

  // A refusal is final: no pause, no second try.
  FakeController refusing;
  refusing.record = job(JobState::Preempted, 100);
  refusing.refuse = true;
  Waits none{10};
  out = handle_job_end(refusing, end_on("node1"), none.fn());
  EXPECT_EQ(none.used, 0);
  EXPECT_EQ(out.records[0].event, "error");
}

TEST(WatcherStatus, ParsesStrictly) {
  auto s = parse_watcher_status(format_watcher_status({123, 4, 120}));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->delivered, 123);
  EXPECT_EQ(s->signalled, 4u);
  EXPECT_EQ(s->preempt_time, 120);
  for (const char* bad : {"", "delivered=1\n", "delivered=x\nsignalled=1\n", "rm=1\n",
                          "delivered=1\nsignalled=1\nsignalled=2\n"}) {
    EXPECT_FALSE(parse_watcher_status(bad).ok()) << bad;
  }
}

TEST(StepCgroup, FindsJobAndStep) {
  auto s = step_cgroup("/slurm_n1/uid_1001/job_5/step_batch/task_0");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->job, "/slurm_n1/uid_1001/job_5");
  EXPECT_EQ(s->step, "/slurm_n1/uid_1001/job_5/step_batch");
  s = step_cgroup("/system.slice/slurmstepd.scope/job_7/step_0/user/task_1");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->step, "/system.slice/slurmstepd.scope/job_7/step_0");
  EXPECT_FALSE(step_cgroup("/user.slice/session-1.scope").has_value());
  EXPECT_FALSE(step_cgroup("/step_0/job_1").has_value());
}
