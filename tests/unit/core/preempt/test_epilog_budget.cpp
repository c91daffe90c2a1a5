#include <gtest/gtest.h>

#include "gracepack/core/preempt/epilog_budget.hpp"

using namespace gracepack;
using std::chrono::seconds;

// Issue 16 item 4: one deadline for the whole epilog, under Slurm's limit whatever ctld_wait says.
TEST(EpilogBudget, OneDeadlineUnderSlurmsLimit) {
  auto b = epilog_budget(120, std::nullopt);  // unset: slurmd waits; gracepack still ends
  EXPECT_EQ(b.wait, seconds(120));
  EXPECT_EQ(b.total, seconds(180));  // the wait, then a read and a requeue of 30 s each
  EXPECT_TRUE(b.note.empty());
  b = epilog_budget(120, 300);
  EXPECT_EQ(b.total, seconds(180));
  EXPECT_TRUE(b.note.empty());
  b = epilog_budget(120, 120);  // the case the review measured: ctld_wait + 60 s against 120 s
  EXPECT_EQ(b.total, seconds(110));
  EXPECT_EQ(b.wait, seconds(50));  // the read and the requeue keep their time
  EXPECT_NE(b.note.find("ctld_wait=120 does not fit"), std::string::npos) << b.note;
  b = epilog_budget(0, 5);
  EXPECT_EQ(b.total, seconds(0));
}

TEST(EpilogBudget, SlurmsTimeoutFromSlurmConf) {
  EXPECT_FALSE(epilog_timeout_from_conf("ClusterName=x\nKillWait=5\n"));
  EXPECT_EQ(epilog_timeout_from_conf("PrologEpilogTimeout=90\n"), 90u);
  EXPECT_EQ(epilog_timeout_from_conf("prologepilogtimeout = 60 # comment\n"), 60u);
  EXPECT_EQ(epilog_timeout_from_conf("PrologEpilogTimeout=90\nEpilogTimeout=40\n"), 40u);
  EXPECT_EQ(epilog_timeout_from_conf("#PrologEpilogTimeout=90\n"), std::nullopt);
  EXPECT_EQ(epilog_timeout_from_conf("PrologEpilogTimeout=many\n"), std::nullopt);
}
