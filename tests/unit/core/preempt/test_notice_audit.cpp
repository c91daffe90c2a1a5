#include <gtest/gtest.h>

#include <csignal>

#include "fake_jobs.hpp"
#include "gracepack/core/preempt/audit.hpp"
#include "gracepack/core/preempt/notice.hpp"

using namespace gracepack;
using fakes::job;

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
  EXPECT_FALSE(parse_notice(text + "EXTRA=1\n").ok());
}

TEST(Notice, FromTheRecordAtGraceStart) {
  PreemptRequest req;
  req.signal = SIGUSR1;
  auto n = notice_for(fakes::preempted(JobState::Running, 100, 1), req, fakes::caps(3), 101);
  EXPECT_EQ(n.notice_time, 100);
  EXPECT_EQ(n.deadline, 115);
  EXPECT_EQ(n.signal, SIGUSR1);
  EXPECT_TRUE(n.will_requeue);
  EXPECT_EQ(n.max_requeue, 3u);
  EXPECT_EQ(n.preemption, 2u);
  n = notice_for(fakes::preempted(JobState::Running, 100, 3), req, fakes::caps(3), 101);
  EXPECT_FALSE(n.will_requeue);
  auto no_requeue = job(JobState::Running, 100);
  no_requeue.requeue_allowed = false;
  n = notice_for(no_requeue, req, fakes::caps(3), 101);
  EXPECT_FALSE(n.will_requeue);
  EXPECT_NE(notice_message(n, 42, 101).find("--requeue"), std::string::npos);
}

TEST(Notice, MessageSaysDeadlineAndRequeue) {
  Notice n;
  n.deadline = 1015;
  n.max_requeue = 2;
  n.restart_count = 2;
  n.preemption = 3;
  const std::string m = notice_message(n, 7, 1000);
  EXPECT_NE(m.find("job 7 is being preempted"), std::string::npos);
  EXPECT_NE(m.find("(in 15 s)"), std::string::npos);
  EXPECT_NE(
      m.find("It will NOT be requeued: it was requeued after 2 preemptions, the maximum is 2"),
      std::string::npos);
  n.will_requeue = true;
  n.max_requeue = 5;
  n.preemption = 2;
  n.requeue_qos = "protected";
  EXPECT_NE(notice_message(n, 7, 1000)
                .find("The job will be requeued afterwards (requeue 2 of max 5 after preemption), "
                      "into the protected QOS protected (this is its preemption 2)."),
            std::string::npos)
      << notice_message(n, 7, 1000);
}

TEST(Notice, TheBudgetFieldsRoundTrip) {
  Notice n;
  n.notice_time = 100;
  n.deadline = 115;
  n.preemption = 2;
  n.requeue_qos = "protected";
  auto back = parse_notice(format_notice(n));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->preemption, 2u);
  EXPECT_EQ(back->requeue_qos, "protected");
  EXPECT_FALSE(parse_notice(format_notice(n) + "GRACEPACK_PREEMPTION=3\n").ok());
  n.requeue_qos = "bad qos";
  EXPECT_FALSE(parse_notice(format_notice(n)).ok());
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
  r.run_start = 50;
  r.script_exit = 110;
  r.script_status = 0;
  const std::string j = to_json(r);
  // Quotes and backslashes escaped for JSON; a control character never reaches the log
  // (issue 16 item 6): it is written as the text \x0a.
  EXPECT_NE(j.find("\"user\":\"a\\\"b\\\\c\\\\x0a\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"array_task_id\":2"), std::string::npos);
  EXPECT_NE(j.find("\"restart_count\":1"), std::string::npos);
  EXPECT_NE(j.find("\"run_start\":50,\"script_exit\":110,\"script_status\":0"), std::string::npos);
  EXPECT_EQ(j.front(), '{');
  EXPECT_EQ(j.back(), '}');
  EXPECT_EQ(json_escape(std::string("\x01", 1)), "\\u0001");
  r.reason = std::string(5000, 'r');  // bounded
  EXPECT_NE(to_json(r).find("...[3976 more bytes]"), std::string::npos);
}
