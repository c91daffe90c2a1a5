// Issue 19: checkpoint acknowledgements and the work a preemption destroyed.
#include <gtest/gtest.h>

#include "gracepack/core/preempt/checkpoint.hpp"

namespace gracepack {
namespace {

Result<std::optional<AckFile>> file_at(std::time_t t, std::string label = "") {
  return std::optional<AckFile>(AckFile{t, 0, std::move(label)});
}

TEST(AckLabel, FirstLinePrintableAndBounded) {
  EXPECT_EQ(ack_label("step 12000\nmore\n"), "step 12000");
  EXPECT_EQ(ack_label("step 5 \r\n"), "step 5");
  EXPECT_EQ(ack_label(""), "");
  EXPECT_EQ(ack_label("a\x1b[2Jb"), "a\\x1b[2Jb");
  EXPECT_EQ(ack_label(std::string(500, 'x')).size(), kMaxAckLabel);
}

TEST(JudgeAck, InsideTheRunCountsOthersAreNoneWithAReason) {
  const std::time_t start = 1000, now = 2000;
  auto seen = judge_ack(file_at(1500, "step 3"), start, now);
  ASSERT_TRUE(seen.time.has_value());
  EXPECT_EQ(*seen.time, 1500);
  EXPECT_EQ(seen.label, "step 3");
  EXPECT_TRUE(seen.note.empty());
  // No file: no acknowledgement, nothing to say.
  seen = judge_ack(Result<std::optional<AckFile>>(std::optional<AckFile>()), start, now);
  EXPECT_FALSE(seen.time.has_value());
  EXPECT_TRUE(seen.note.empty());
  // What the reader refused (a FIFO, a link...) is no acknowledgement, and says why.
  seen = judge_ack(Result<std::optional<AckFile>>(fail("it is a FIFO")), start, now);
  EXPECT_FALSE(seen.time.has_value());
  EXPECT_EQ(seen.note, "it is a FIFO");
  // Before the run (an earlier run's) or in the future: none.
  seen = judge_ack(file_at(999), start, now);
  EXPECT_FALSE(seen.time.has_value());
  EXPECT_NE(seen.note.find("before this run started"), std::string::npos);
  seen = judge_ack(file_at(now + 3), start, now);
  EXPECT_FALSE(seen.time.has_value());
  EXPECT_NE(seen.note.find("in the future"), std::string::npos);
  // A clock step of 2 s is tolerated.
  EXPECT_TRUE(judge_ack(file_at(now + 2), start, now).time.has_value());
  EXPECT_TRUE(judge_ack(file_at(start), start, now).time.has_value());
}

// The issue's example: a 2-GPU run started at 0 acknowledges at 20 s, its grace starts at 50 s.
TEST(LostWork, TheIssuesCases) {
  Allocation alloc{1, 4, 2, "a100:2"};
  // Saved inside the window: nothing lost.
  LostWork w = lost_work(1000, 1050, 1020, 1055, alloc);
  EXPECT_EQ(w.kind, LostKind::None);
  EXPECT_EQ(w.seconds, 0);
  EXPECT_EQ(w.gpu_seconds, 0);
  EXPECT_EQ(w.cpu_seconds, 0);
  // No save in the window: 30 s since the checkpoint, 60 GPU-s, 120 CPU-s.
  w = lost_work(1000, 1050, 1020, std::nullopt, alloc);
  EXPECT_EQ(w.kind, LostKind::SinceCheckpoint);
  EXPECT_EQ(w.seconds, 30);
  EXPECT_EQ(w.gpu_seconds, 60);
  EXPECT_EQ(w.cpu_seconds, 120);
  EXPECT_FALSE(w.at_most.has_value());
  // Never acknowledged: unknown, at most the 50 s it had run.
  w = lost_work(1000, 1050, std::nullopt, std::nullopt, alloc);
  EXPECT_EQ(w.kind, LostKind::Unknown);
  EXPECT_FALSE(w.seconds.has_value());
  EXPECT_EQ(w.at_most, 50);
  EXPECT_FALSE(w.gpu_seconds.has_value());
  // An allocation not read: the seconds, no GPU or CPU seconds.
  w = lost_work(1000, 1050, 1020, std::nullopt, Allocation{});
  EXPECT_EQ(w.seconds, 30);
  EXPECT_FALSE(w.gpu_seconds.has_value());
  // A "checkpoint" outside the run or after grace start does not bound the loss.
  EXPECT_EQ(lost_work(1000, 1050, 990, std::nullopt, alloc).kind, LostKind::Unknown);
  EXPECT_EQ(lost_work(1000, 1050, 1051, std::nullopt, alloc).kind, LostKind::Unknown);
  // An acknowledgement at the grace start's second is a save just in time.
  EXPECT_EQ(lost_work(1000, 1050, 1050, std::nullopt, alloc).seconds, 0);
}

TEST(GpusInTres, TotalAndTypes) {
  GpuCount c = gpus_in_tres("cpu=4,mem=8G,node=1,billing=4,gres/gpu=2,gres/gpu:a100=2");
  EXPECT_EQ(c.total, 2u);
  EXPECT_EQ(c.types, "a100:2");
  c = gpus_in_tres("cpu=2,mem=1G,node=1,gres/gpu=3");
  EXPECT_EQ(c.total, 3u);
  EXPECT_EQ(c.types, "");
  c = gpus_in_tres("cpu=8,gres/gpu:a100=1,gres/gpu:v100=2");
  EXPECT_EQ(c.total, 3u);
  EXPECT_EQ(c.types, "a100:1,v100:2");
  EXPECT_EQ(gpus_in_tres("cpu=8,mem=1G").total, 0u);
  EXPECT_EQ(gpus_in_tres("").total, 0u);
  EXPECT_EQ(gpus_in_tres("gres/gpumem=4G,gres/gpu=x").total, 0u);
  EXPECT_EQ(gpus_in_tres("gres/gpu:a$b=1").types, "");
}

TEST(JobRecordAlloc, RoundTripsAndRefusesBadTypes) {
  JobRecord r;
  r.job_id = 5;
  r.state = JobState::Running;
  r.alloc = Allocation{2, 8, 4, "a100:4"};
  auto back = parse_job_record(format_job_record(r));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, r);
  EXPECT_FALSE(parse_job_record("job_id=5\nstate=RUNNING\nalloc_gpu_types=a b\n").ok());
  // A part of an allocation (found by fuzz_job_record) round-trips too.
  auto part = parse_job_record("job_id=5\nstate=RUNNING\nalloc_cpus=5\n");
  ASSERT_TRUE(part.ok());
  EXPECT_EQ(*parse_job_record(format_job_record(*part)), *part);
}

}  // namespace
}  // namespace gracepack

namespace gracepack {
namespace {

TEST(GpusInGresDetail, PerNodeAndAddedUp) {
  GpuCount c = gpus_in_gres_detail("gpu:2(IDX:0-1)");
  EXPECT_EQ(c.total, 2u);
  EXPECT_EQ(c.types, "");
  c = gpus_in_gres_detail("gpu:a100:2(IDX:0,2),mps:0");
  EXPECT_EQ(c.total, 2u);
  EXPECT_EQ(c.types, "a100:2");
  GpuCount more = gpus_in_gres_detail("gpu:a100:1(IDX:3),gpu:v100:1(IDX:0)");
  EXPECT_EQ(more.total, 2u);
  add_gpus(c, more);
  EXPECT_EQ(c.total, 4u);
  EXPECT_EQ(c.types, "a100:3,v100:1");
  EXPECT_EQ(gpus_in_gres_detail("mps:100(0/100)").total, 0u);
  EXPECT_EQ(gpus_in_gres_detail("").total, 0u);
  EXPECT_EQ(gpus_in_gres_detail("gpu:x(IDX:0)").total, 0u);
}

}  // namespace
}  // namespace gracepack

namespace gracepack {
namespace {

TEST(InsideWindow, AfterTheGraceStartOrAfterTheNoticeInItsSecond) {
  AckSeen seen;
  EXPECT_FALSE(inside_window(seen, 100, 100, 500));
  seen.time = 101;
  EXPECT_TRUE(inside_window(seen, 100, 100, 500));
  seen.time = 100;
  seen.time_ns = 600;  // the app heard the notice (100 s + 500 ns) and saved
  EXPECT_TRUE(inside_window(seen, 100, 100, 500));
  seen.time_ns = 400;  // before the notice, in the grace start's second
  EXPECT_FALSE(inside_window(seen, 100, 100, 500));
  seen.time = 99;
  EXPECT_FALSE(inside_window(seen, 100, 100, 500));
}

}  // namespace
}  // namespace gracepack
