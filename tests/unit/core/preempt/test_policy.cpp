#include <gtest/gtest.h>

#include "fake_jobs.hpp"
#include "gracepack/core/preempt/policy.hpp"

using namespace gracepack;
using fakes::caps;
using fakes::job;
using fakes::preempted;

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
  EXPECT_FALSE(decide_requeue(job(JobState::Preempted, 0, 1), {}, caps(5)).requeue);
  auto stale = job(JobState::Preempted, 40, 1);  // a preempt time from before this run started
  EXPECT_FALSE(preempted_this_run(stale));
  EXPECT_EQ(classify(stale), Cause::Completion);
  EXPECT_NE(decide_requeue(stale, {}, caps(5)).reason.find("no preemption of this run"),
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
  EXPECT_FALSE(decide_requeue(resumed, {}, caps(5)).requeue);
  // Suspended once by an admin, then really preempted later: a preemption.
  auto later = job(JobState::Complete, 300);
  later.suspend_time = 200;
  EXPECT_EQ(classify(later), Cause::Preemption);
}

TEST(Decide, RequeuesPreemptionOnlyUnderTheCap) {
  PreemptRequest req;
  auto d = decide_requeue(preempted(JobState::Preempted, 100, 0), req, caps(3));
  EXPECT_TRUE(d.requeue);
  EXPECT_TRUE(d.counts_preemption);
  EXPECT_EQ(d.reason, "preemption: requeue 1 of max 3");
  d = decide_requeue(preempted(JobState::Preempted, 100, 3), req, caps(3));
  EXPECT_FALSE(d.requeue);
  EXPECT_EQ(d.reason, "requeue cap reached: the job was requeued after 3 preemptions, max 3");
  req.max_requeue = 1;  // the user's own cap is lower
  EXPECT_FALSE(decide_requeue(preempted(JobState::Preempted, 100, 1), req, caps(3)).requeue);
  req.max_requeue = 10;  // ...and never raises the admin's
  EXPECT_FALSE(decide_requeue(preempted(JobState::Preempted, 100, 3), req, caps(3)).requeue);
}

// Issue 20: restarts for other causes (time limits, Slurm's node-failure requeues) are not
// charged to the preemption budget, nor preemptions to theirs.
TEST(Decide, EachCauseHasItsOwnBudget) {
  PreemptRequest req;
  req.on_timelimit = true;
  RequeueBudgets b{2, 1, 0, ""};
  // Restarted 3 times, none after a preemption: the time-limit budget (1) is spent...
  auto j = job(JobState::Timeout, 0, 3);
  auto d = decide_requeue(j, req, b);
  EXPECT_FALSE(d.requeue);
  EXPECT_EQ(d.reason,
            "requeue cap reached: the job has restarted 3 times for causes other than "
            "preemption, max 1");
  // ...and a preemption is still requeued (1 of 2): a failure budget never costs the work.
  j = job(JobState::Preempted, 100, 1);
  d = decide_requeue(j, req, b);
  EXPECT_TRUE(d.requeue) << d.reason;
  EXPECT_EQ(d.reason, "preemption: requeue 1 of max 2");
  // Two preemptions used the preemption budget; one time limit is still requeued.
  j = preempted(JobState::Timeout, 0, 2);
  j.restart_count = 2;
  d = decide_requeue(j, req, b);
  EXPECT_TRUE(d.requeue) << d.reason;
  EXPECT_FALSE(d.counts_preemption);
  EXPECT_EQ(d.reason, "time limit: requeue 1 of max 1 (causes other than preemption)");
  j = preempted(JobState::Preempted, 100, 2);
  EXPECT_FALSE(decide_requeue(j, req, b).requeue);
  // The user's max_other lowers the admin's, never raises it.
  req.max_other = 0;
  EXPECT_FALSE(decide_requeue(job(JobState::Timeout), req, b).requeue);
  req.max_other = 9;
  EXPECT_TRUE(decide_requeue(job(JobState::Timeout), req, b).requeue);
  EXPECT_FALSE(decide_requeue(job(JobState::Timeout, 0, 1), req, b).requeue);
}

// Marks that were never written (the update failed) cannot requeue a job forever: restarts
// without a recorded preemption stop it once they are more than both budgets together.
TEST(Decide, RestartsWithoutMarksHaveACeiling) {
  PreemptRequest req;
  auto j = job(JobState::Preempted, 100, 5);  // 5 restarts, no mark
  EXPECT_TRUE(decide_requeue(j, req, RequeueBudgets{3, 2, 0, ""}).requeue);
  j.restart_count = 6;
  auto d = decide_requeue(j, req, RequeueBudgets{3, 2, 0, ""});
  EXPECT_FALSE(d.requeue);
  EXPECT_EQ(d.reason,
            "requeue cap reached: the job has restarted 6 times without a recorded preemption, "
            "more than both budgets together (5)");
}

// The case (and e2e.preempt_cap's): the budget for other causes is spent (max_other=0,
// an admin's requeue restarted the job once); a preemption is still requeued, even under a
// preemption budget of 1.
TEST(Decide, ASpentFailureBudgetNeverCostsAPreemption) {
  PreemptRequest req;
  req.max_other = 0;
  auto j = job(JobState::Complete, 100, 1);
  auto d = decide_requeue(j, req, RequeueBudgets{1, 5, 0, ""});
  EXPECT_TRUE(d.requeue) << d.reason;
  EXPECT_EQ(d.reason, "preemption: requeue 1 of max 1");
}

TEST(Decide, ProtectsAtTheKthPreemption) {
  PreemptRequest req;
  RequeueBudgets b{5, 5, 2, "protected"};
  auto j = preempted(JobState::Preempted, 100, 0);
  j.qos = "scavenger";
  EXPECT_EQ(decide_requeue(j, req, b).qos, "");  // the first preemption
  j = preempted(JobState::Preempted, 100, 1);
  j.qos = "scavenger";
  auto d = decide_requeue(j, req, b);  // the second: into the protected QOS
  EXPECT_TRUE(d.requeue);
  EXPECT_EQ(d.qos, "protected");
  j.qos = "protected";  // already there
  EXPECT_EQ(decide_requeue(j, req, b).qos, "");
  // Slurm's own requeue (PreemptMode=REQUEUE) counts and protects as well.
  j = preempted(JobState::Preempted, 100, 1);
  j.qos = "scavenger";
  j.requeued_by_slurm = true;
  d = decide_requeue(j, req, b);
  EXPECT_FALSE(d.requeue);
  EXPECT_TRUE(d.counts_preemption);
  EXPECT_EQ(d.qos, "protected");
  // Over the cap: no requeue, no move.
  j = preempted(JobState::Preempted, 100, 5);
  d = decide_requeue(j, req, b);
  EXPECT_FALSE(d.requeue);
  EXPECT_EQ(d.qos, "");
}

TEST(Budgets, ThePreemptionMarkKeepsTheSitesComment) {
  EXPECT_EQ(preemptions_in(""), 0u);
  EXPECT_EQ(preemptions_in("gracepack_preemptions=3"), 3u);
  EXPECT_EQ(preemptions_in("site=x gracepack_preemptions=12;more"), 12u);
  EXPECT_EQ(preemptions_in("xgracepack_preemptions=3"), 0u);  // not a word of its own
  EXPECT_EQ(preemptions_in("gracepack_preemptions=-1"), 0u);
  EXPECT_EQ(preemptions_in("gracepack_preemptions=99999999"), 0u);
  EXPECT_EQ(with_preemptions("", 1), "gracepack_preemptions=1");
  EXPECT_EQ(with_preemptions("site=x", 1), "site=x gracepack_preemptions=1");
  EXPECT_EQ(with_preemptions("a gracepack_preemptions=1;b", 2), "a gracepack_preemptions=2;b");
  for (unsigned n : {0u, 1u, 7u, 65535u})
    EXPECT_EQ(preemptions_in(with_preemptions("a,b; c", n)), n);
}

TEST(Decide, NeverForOtherCauses) {
  PreemptRequest req;
  for (JobState s : {JobState::Complete, JobState::Failed, JobState::Cancelled, JobState::NodeFail,
                     JobState::Timeout, JobState::Running}) {
    EXPECT_FALSE(decide_requeue(job(s), req, caps(3)).requeue) << to_string(s);
  }
  req.on_timelimit = true;
  EXPECT_TRUE(decide_requeue(job(JobState::Timeout), req, caps(3)).requeue);
}

TEST(Decide, RespectsSlurmAndTheJobsSettings) {
  PreemptRequest req;
  auto j = job(JobState::Preempted, 100);
  j.requeued_by_slurm = true;
  EXPECT_FALSE(decide_requeue(j, req, caps(3)).requeue);
  j = job(JobState::Preempted, 100);
  j.requeue_allowed = false;
  auto d = decide_requeue(j, req, caps(3));
  EXPECT_FALSE(d.requeue);
  EXPECT_NE(d.reason.find("--requeue"), std::string::npos);
  j = job(JobState::Preempted, 100);
  j.batch = false;
  EXPECT_FALSE(decide_requeue(j, req, caps(3)).requeue);
}

TEST(Decide, AUserCapAboveTheAdminsIsSaidAtSubmission) {
  PreemptRequest req;
  EXPECT_EQ(cap_warning(req, caps(5)), "");
  req.max_requeue = 5;
  EXPECT_EQ(cap_warning(req, caps(5)), "");
  req.max_requeue = 6;
  EXPECT_EQ(cap_warning(req, caps(5)),
            "--preempt-requeue=max=6: this cluster allows at most 5 requeues after preemption "
            "per job; the job will be requeued at most 5 times after a preemption");
  req.max_requeue.reset();
  req.max_other = 2;
  EXPECT_EQ(cap_warning(req, RequeueBudgets{5, 1, 0, ""}),
            "--preempt-requeue=max_other=2: this cluster allows at most 1 requeues for other "
            "causes (time limit) per job; the job will be requeued at most 1 times for them");
}

TEST(Cause, NamesRoundTrip) {
  for (Cause c : {Cause::Preemption, Cause::UserCancel, Cause::TimeLimit, Cause::NodeFailure,
                  Cause::Completion, Cause::Failure, Cause::Running}) {
    EXPECT_EQ(parse_cause(to_string(c)), c);
  }
  EXPECT_FALSE(parse_cause("preempted").has_value());
}
