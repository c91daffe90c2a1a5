#include <gtest/gtest.h>

#include <csignal>

#include "gracepack/core/base/options.hpp"

using namespace gracepack;

TEST(PackGpus, NoValueMeansOnePerGpu) {
  for (const char* v : {"", "(null)"}) {
    auto r = parse_pack_gpus(v);
    ASSERT_TRUE(r.ok()) << v;
    EXPECT_EQ(r->per_gpu, 1u);
    EXPECT_FALSE(r->off);
    EXPECT_FALSE(r->verbose);
  }
}

TEST(PackGpus, CountVerboseAndOff) {
  auto r = parse_pack_gpus("2,verbose");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->per_gpu, 2u);
  EXPECT_TRUE(r->verbose);
  auto v = parse_pack_gpus("verbose");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->per_gpu, 1u);
  auto off = parse_pack_gpus("off");
  ASSERT_TRUE(off.ok());
  EXPECT_TRUE(off->off);
  EXPECT_EQ(parse_pack_gpus("64")->per_gpu, 64u);
}

TEST(PackGpus, RejectsMalformedValuesWithUsage) {
  for (const char* v : {"0", "65", "-1", "two", "2,", ",2", "2,3", "off,2", "2 ", "1e3",
                        "99999999999999999999", "off,verbose"}) {
    auto r = parse_pack_gpus(v);
    ASSERT_FALSE(r.ok()) << v;
    EXPECT_EQ(r.error().message.rfind("--pack-gpus=", 0), 0u) << r.error().message;
    EXPECT_NE(r.error().message.find("accepted:"), std::string::npos) << r.error().message;
  }
}

TEST(PackGpus, OutOfRangeSaysSo) {
  auto r = parse_pack_gpus("100");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("out of range"), std::string::npos);
}

TEST(PackGpus, CanonicalValueRoundTrips) {
  for (const char* v : {"", "1", "3,verbose", "off", "verbose"}) {
    auto r = parse_pack_gpus(v);
    ASSERT_TRUE(r.ok());
    auto again = parse_pack_gpus(to_value(*r));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *r) << v;
  }
}

TEST(PreemptRequeue, Defaults) {
  for (const char* v : {"", "(null)"}) {
    auto r = parse_preempt_requeue(v);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->signal, SIGTERM);
    EXPECT_FALSE(r->max_requeue.has_value());
    EXPECT_FALSE(r->on_timelimit);
  }
}

TEST(PreemptRequeue, Items) {
  auto r = parse_preempt_requeue("signal=USR1,max=3,timelimit");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->signal, SIGUSR1);
  EXPECT_EQ(r->max_requeue, 3u);
  EXPECT_TRUE(r->on_timelimit);
  EXPECT_EQ(parse_preempt_requeue("signal=SIGUSR2")->signal, SIGUSR2);
  EXPECT_EQ(parse_preempt_requeue("sig=10")->signal, 10);
  EXPECT_EQ(parse_preempt_requeue("max=0")->max_requeue, 0u);
  EXPECT_EQ(parse_preempt_requeue("max_other=2")->max_other, 2u);  // issue 20
}

TEST(PreemptRequeue, RejectsMalformed) {
  for (const char* v : {"signal=KILL", "signal=9", "signal=STOP", "signal=", "signal=FOO", "max=-1",
                        "max=1001", "max=", "max", "timelimit=1", "bogus", ",", "signal=USR1,",
                        "signal=65", "max_other=1001", "max_other"}) {
    auto r = parse_preempt_requeue(v);
    ASSERT_FALSE(r.ok()) << v;
    EXPECT_EQ(r.error().message.rfind("--preempt-requeue=", 0), 0u);
    EXPECT_NE(r.error().message.find("accepted:"), std::string::npos);
  }
}

TEST(PreemptRequeue, CanonicalValueRoundTrips) {
  for (const char* v : {"", "signal=USR1", "max=2,timelimit", "signal=40", "max=1,max_other=0"}) {
    auto r = parse_preempt_requeue(v);
    ASSERT_TRUE(r.ok()) << v;
    auto again = parse_preempt_requeue(to_value(*r));
    ASSERT_TRUE(again.ok()) << to_value(*r);
    EXPECT_EQ(*again, *r);
  }
}

TEST(Signals, NamesAndNumbers) {
  EXPECT_EQ(signal_name(SIGTERM), "TERM");
  EXPECT_EQ(signal_name(SIGUSR1), "USR1");
  EXPECT_EQ(signal_name(40), "40");
  EXPECT_EQ(parse_signal("TERM"), SIGTERM);
  EXPECT_FALSE(parse_signal("term").has_value());
  EXPECT_FALSE(parse_signal("0").has_value());
}

// Issue 22 item 2: notice=PATH, a copy of the notice the user's container can see.
TEST(PreemptRequeue, NoticeCopy) {
  auto r = parse_preempt_requeue("signal=USR1,notice=ckpt/notice.%j");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->notice_copy, "ckpt/notice.%j");
  EXPECT_EQ(*parse_preempt_requeue(to_value(*r)), *r);
  EXPECT_EQ(*resolve_notice_copy(r->notice_copy, 42, "/home/u/run"), "/home/u/run/ckpt/notice.42");
  EXPECT_EQ(*resolve_notice_copy("/scratch/%j/n%%x", 7, ""), "/scratch/7/n%x");
  EXPECT_EQ(*resolve_notice_copy("n", 7, "/"), "/n");
  // A relative name needs the working directory; a '%' from it is no pattern.
  EXPECT_FALSE(resolve_notice_copy("n", 7, "").ok());
  EXPECT_EQ(*resolve_notice_copy("n.%j", 7, "/w%j"), "/w%j/n.7");
  for (const char* bad : {"notice=", "notice", "notice=dir/", "notice=a/..", "notice=.",
                          "notice=a%u", "notice=a%", "notice=a\tb"}) {
    auto e = parse_preempt_requeue(bad);
    EXPECT_FALSE(e.ok()) << bad;
    if (!e.ok()) {
      EXPECT_NE(e.error().message.find("notice"), std::string::npos) << bad;
    }
  }
  EXPECT_FALSE(parse_preempt_requeue("notice=" + std::string(513, 'a')).ok());
  EXPECT_TRUE(parse_preempt_requeue("notice=" + std::string(512, 'a')).ok());
}

// Issue 19: checkpoint=PATH (the acknowledgement file) and return_grace.
TEST(PreemptRequeue, CheckpointFileAndReturnGrace) {
  auto r = parse_preempt_requeue("checkpoint=ckpt/done.%j,return_grace");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->checkpoint, "ckpt/done.%j");
  EXPECT_TRUE(r->return_grace);
  EXPECT_EQ(*parse_preempt_requeue(to_value(*r)), *r);
  EXPECT_EQ(*resolve_checkpoint(r->checkpoint, 42, "/home/u/run"), "/home/u/run/ckpt/done.42");
  // No checkpoint= : the default name, in the batch script's working directory.
  EXPECT_EQ(*resolve_checkpoint("", 42, "/home/u/run"), "/home/u/run/.gracepack-checkpoint-42");
  EXPECT_FALSE(parse_preempt_requeue("").value().return_grace);
  for (const char* bad : {"checkpoint=", "checkpoint", "checkpoint=dir/", "checkpoint=a%u",
                          "checkpoint=a\tb", "return_grace=1"}) {
    auto e = parse_preempt_requeue(bad);
    EXPECT_FALSE(e.ok()) << bad;
    if (!e.ok()) {
      EXPECT_NE(e.error().message.find(std::string(bad).substr(0, 10)), std::string::npos) << bad;
    }
  }
}
