#include <gtest/gtest.h>

#include "fake_jobs.hpp"
#include "gracepack/core/preempt/policy.hpp"

using namespace gracepack;
using fakes::job;

TEST(Classify, FromTheRecordNotTheSignal) {
  EXPECT_EQ(classify(job(JobState::Preempted, 100)), Cause::Preemption);
  EXPECT_EQ(classify(job(JobState::Complete, 100)), Cause::Preemption);  // saved and exited early
  EXPECT_EQ(classify(job(JobState::Failed, 100)), Cause::Preemption);    // died mid-checkpoint
  EXPECT_EQ(classify(job(JobState::Running, 100)), Cause::Preemption);   // in its grace window
  EXPECT_EQ(classify(job(JobState::Timeout, 100)), Cause::Preemption);   // killed at the deadline
  EXPECT_EQ(classify(job(JobState::Complete)), Cause::Completion);
  EXPECT_EQ(classify(job(JobState::Failed)), Cause::Failure);
  EXPECT_EQ(classify(job(JobState::Cancelled)), Cause::UserCancel);
  EXPECT_EQ(classify(job(JobState::Cancelled, 100)), Cause::UserCancel);  // cancelled during grace
  EXPECT_EQ(classify(job(JobState::Timeout)), Cause::TimeLimit);
  EXPECT_EQ(classify(job(JobState::NodeFail)), Cause::NodeFailure);
  EXPECT_EQ(classify(job(JobState::Running)), Cause::Running);
}

// Slurm 24.11 leaves its GRACE_PREEMPT flag on a job it did not requeue itself: the run after
// gracepack's requeue ends PREEMPTED with no preemption (its preempt time was cleared).
TEST(Classify, PreemptedWithoutAPreemptionOfThisRunIsNotOne) {
  EXPECT_EQ(classify(job(JobState::Preempted, 0, 1)), Cause::Completion);
  EXPECT_FALSE(decide_requeue(job(JobState::Preempted, 0, 1), {}, 5).requeue);
  auto stale = job(JobState::Preempted, 40, 1);  // a preempt time from before this run started
  EXPECT_FALSE(preempted_this_run(stale));
  EXPECT_EQ(classify(stale), Cause::Completion);
  EXPECT_NE(decide_requeue(stale, {}, 5).reason.find("no preemption of this run"),
            std::string::npos);
}

// PreemptMode=SUSPEND,GANG: slurmctld sets the preempt time when it suspends the job and keeps
// it after the resume; the suspend time is then at or after it.
TEST(Classify, AGangSuspensionIsNotAPreemption) {
  auto suspended = job(JobState::Suspended, 100);
  suspended.suspend_time = 100;
  EXPECT_FALSE(preempted_this_run(suspended));
  auto resumed = job(JobState::Running, 100);
  resumed.suspend_time = 160;
  EXPECT_EQ(classify(resumed), Cause::Running);
  resumed.state = JobState::Complete;
  EXPECT_EQ(classify(resumed), Cause::Completion);
  EXPECT_FALSE(decide_requeue(resumed, {}, 5).requeue);
  // Suspended once by an admin, then really preempted later: a preemption.
  auto later = job(JobState::Complete, 300);
  later.suspend_time = 200;
  EXPECT_EQ(classify(later), Cause::Preemption);
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

TEST(Decide, AUserCapAboveTheAdminsIsSaidAtSubmission) {
  PreemptRequest req;
  EXPECT_EQ(cap_warning(req, 5), "");
  req.max_requeue = 5;
  EXPECT_EQ(cap_warning(req, 5), "");
  req.max_requeue = 6;
  EXPECT_EQ(cap_warning(req, 5),
            "--preempt-requeue=max=6: this cluster allows at most 5 requeues per job; the job "
            "will be requeued at most 5 times");
}

TEST(Cause, NamesRoundTrip) {
  for (Cause c : {Cause::Preemption, Cause::UserCancel, Cause::TimeLimit, Cause::NodeFailure,
                  Cause::Completion, Cause::Failure, Cause::Running}) {
    EXPECT_EQ(parse_cause(to_string(c)), c);
  }
  EXPECT_FALSE(parse_cause("preempted").has_value());
}
