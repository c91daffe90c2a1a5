#include <gtest/gtest.h>

#include "fake_jobs.hpp"
#include "gracepack/core/preempt/job.hpp"
#include "gracepack/core/preempt/job_dir.hpp"
#include "gracepack/core/preempt/watcher_args.hpp"

using namespace gracepack;

TEST(JobRecord, RoundTripsAndRefusesWhatItDoesNotKnow) {
  JobRecord r = fakes::job(JobState::Preempted, 100, 2);
  r.array_job_id = 40;
  r.array_task_id = 3;
  r.suspend_time = 77;
  r.qos = "scav-cancel";  // issue 20
  r.account = "gp";
  r.preemptions = 2;
  auto back = parse_job_record(format_job_record(r));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, r);
  for (const char* bad :
       {"", "job_id=1\n", "state=RUNNING\n", "job_id=0\nstate=RUNNING\n",
        "job_id=1\nstate=RUNNING\npreemptions=-1\n", "job_id=1\nstate=RUNNING\nqos=\n",
        "job_id=1\nstate=RUNNING\npreemptions=70000\n", "job_id=1\nstate=RUNNING\nwhat=1\n",
        "job_id=1\nstate=DONE\n", "job_id=1\nstate=RUNNING\narray_job_id=3\n",
        "job_id=1\nstate=RUNNING\nbatch=2\n", "job_id=1\njob_id=2\nstate=RUNNING\n"}) {
    EXPECT_FALSE(parse_job_record(bad).ok()) << bad;
  }
}

TEST(JobRecord, ARunIsRequeuedByItsOwnName) {
  JobRecord r = fakes::job(JobState::Running);
  EXPECT_EQ(requeue_id(r), "42");
  r.array_job_id = 42;
  r.array_task_id = 5;
  EXPECT_EQ(requeue_id(r), "42_5");
}

TEST(RunMarker, RoundTripsStrictly) {
  RunMarker m;
  m.job = 9;
  m.uid = 1001;
  m.gid = 100;
  m.batch = true;
  m.started = 1700000000;
  m.run = "00112233aabbccdd";
  m.array_job = 8;
  m.array_task = 1;
  m.partition = "low-grace";
  m.script_exit = 1700000100;
  m.script_status = 256;
  m.watcher_at_exit = WatchState::Watching;
  auto back = parse_run_marker(format_run_marker(m));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, m);
  EXPECT_TRUE(same_run(m, 9, 1001, "ffffffffffffffff"));  // the batch host's: every step's
  EXPECT_FALSE(same_run(m, 9, 1002, m.run));
  EXPECT_FALSE(same_run(m, 10, 1001, m.run));
  m.batch = false;  // another node's: only for the run that made it
  EXPECT_TRUE(same_run(m, 9, 1001, m.run));
  EXPECT_FALSE(same_run(m, 9, 1001, "ffffffffffffffff"));
  EXPECT_FALSE(marker_predates(m, m.started + 3));
  EXPECT_TRUE(marker_predates(m, m.started + 600));
  m.batch = true;
  const std::string good = format_run_marker(m);
  for (const std::string& bad :
       {std::string(""), good + "x=1\n", good + "job=9\n",
        std::string("job=9\nuid=1\ngid=1\nbatch=1\nstarted=1\nrun=xyz\n")}) {
    EXPECT_FALSE(parse_run_marker(bad).ok()) << bad;
  }
}

TEST(WatcherStatusFile, RoundTripsEachState) {
  WatcherStatus s;
  s.run = "00112233aabbccdd";
  s.since = 100;
  for (WatchState st : {WatchState::Watching, WatchState::Waking, WatchState::Delivered,
                        WatchState::NotPreempted}) {
    s.state = st;
    s.delivered = st == WatchState::Delivered ? 101 : 0;
    s.signalled = st == WatchState::Delivered ? 4 : 0;
    s.preempt_time = st == WatchState::Delivered ? 99 : 0;
    s.deadline = st == WatchState::Delivered ? 114 : 0;
    s.cause = st == WatchState::NotPreempted ? Cause::UserCancel : Cause::Running;
    s.restart = 2;
    // Issue 19: the acknowledgements as the watcher read them.
    s.ack = st == WatchState::Delivered ? 80 : 0;
    s.ack_label = st == WatchState::Delivered ? "step 12000" : "";
    s.ack_window = st == WatchState::Delivered ? 105 : 0;
    s.ack_note = st == WatchState::Delivered ? "it is a FIFO" : "";
    s.returned = st == WatchState::Delivered ? 106 : 0;
    s.ack_watch = st == WatchState::Delivered ? 2 : 0;
    auto back = parse_watcher_status(format_watcher_status(s));
    ASSERT_TRUE(back.ok()) << to_string(st) << ": " << back.error().message;
    EXPECT_EQ(*back, s);
  }
  for (const char* bad :
       {"", "run=00112233aabbccdd\n", "run=00112233aabbccdd\nstate=delivered\nsince=1\n",
        "run=zz\nstate=watching\nsince=1\n",
        "run=00112233aabbccdd\nstate=watching\nsince=1\nrm=1\n",
        "run=00112233aabbccdd\nstate=not_preempted\nsince=1\n",
        "run=00112233aabbccdd\nstate=watching\nsince=1\nack_label=\n",
        "run=00112233aabbccdd\nstate=watching\nsince=1\nack_note=a\x1b\n",
        "run=00112233aabbccdd\nstate=watching\nsince=1\nack=x\n",
        "run=00112233aabbccdd\nstate=watching\nsince=1\nack_watch=3\n",
        "delivered=1\nsignalled=1\npreempt_time=1\n"}) {
    EXPECT_FALSE(parse_watcher_status(bad).ok()) << bad;
  }
}

TEST(WatcherArgs, RoundTripAndRefusals) {
  WatcherArgs a;
  a.job = 12;
  a.dir = "/run/gracepack/12";
  a.run = "00112233aabbccdd";
  a.shell = 4321;
  a.request.signal = 10;
  a.request.max_requeue = 2;
  a.budgets = {4, 2, 3, "protected"};
  a.poll = 7;
  a.notify_shell = true;
  a.quiet = true;
  a.ctl = "/usr/libexec/gracepack/gracepack-ctl";
  a.restart = 3;
  a.nodes = 64;
  a.no_event = true;
  a.request.notice_copy = "ckpt/notice.%j";
  a.notice_copy = "/home/u/ckpt/notice.12";
  a.checkpoint = "/home/u/.gracepack-checkpoint-12";
  a.return_grace = true;
  a.request.return_grace = true;
  auto argv = to_argv(a, "/usr/libexec/gracepack/gracepack-watcher");
  EXPECT_EQ(argv.front(), "/usr/libexec/gracepack/gracepack-watcher");
  auto back = parse_watcher_args(std::vector<std::string>(argv.begin() + 1, argv.end()));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, a);
  for (auto bad : std::vector<std::vector<std::string>>{
           {},
           {"--job", "12"},
           {"--job", "x", "--dir", "/d", "--run", "00112233aabbccdd", "--ctl", "/c"},
           {"--job", "1", "--dir", "rel", "--run", "00112233aabbccdd", "--ctl", "/c"},
           {"--job", "1", "--dir", "/d", "--run", "00112233aabbccdd", "--ctl", "/c", "--evil", "1"},
           {"--job", "1", "--dir", "/d", "--run", "00112233aabbccdd", "--ctl", "/c", "--nodes",
            "0"},
           {"--job", "1", "--dir", "/d", "--run", "00112233aabbccdd", "--ctl", "/c",
            "--notice-copy", "rel/notice"},
           {"--job", "1", "--dir", "/d", "--run", "00112233aabbccdd", "--ctl", "/c",
            "--notice-copy", "/a\nb"},
           {"--job", "1", "--dir", "/d", "--run", "00112233aabbccdd", "--ctl", "/c", "--checkpoint",
            "rel/ack"},
           {"--job", "1", "--dir", "/d", "--run", "00112233aabbccdd", "--ctl"}}) {
    EXPECT_FALSE(parse_watcher_args(bad).ok());
  }
}

// Issue 16 item 8: a job's watchers on N nodes spread their reads of the job at grace start over
// up to 10 ms a node, never beyond half a second; one node reads at once.
TEST(WatcherArgs, ReadsAreSpreadOverTheJobsNodes) {
  using std::chrono::milliseconds;
  EXPECT_EQ(read_spread(1, 0.9), milliseconds(0));
  EXPECT_EQ(read_spread(3, 0.5), milliseconds(15));
  EXPECT_EQ(read_spread(64, 0.999), milliseconds(499));
  EXPECT_EQ(read_spread(100000, 0.5), milliseconds(250));
  EXPECT_EQ(read_spread(8, 1.5), milliseconds(79));
}
