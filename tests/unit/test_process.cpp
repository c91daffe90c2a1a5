#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include "gracepack/mps.hpp"
#include "gracepack/os.hpp"
#include "gracepack/process.hpp"

using namespace gracepack;
using namespace std::chrono_literals;

TEST(Process, RunReportsExitCode) {
  os::SpawnOptions o;
  o.argv = {"/bin/sh", "-c", "exit 3"};
  auto rc = os::run(o, 5s);
  ASSERT_TRUE(rc.ok()) << rc.error().message;
  EXPECT_EQ(*rc, 3);
}

TEST(Process, StdinAndOutput) {
  os::SpawnOptions o;
  o.argv = {"/bin/sh", "-c", "read x; echo got-$x-$FOO"};
  o.env = {"FOO=bar"};
  o.stdin_text = "hello\n";
  auto out = os::run_output(o, 5s);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(*out, "got-hello-bar\n");
}

TEST(Process, TimeoutKillsAndReports) {
  os::SpawnOptions o;
  o.argv = {"/bin/sleep", "30"};
  auto rc = os::run(o, 100ms);
  ASSERT_FALSE(rc.ok());
  EXPECT_NE(rc.error().message.find("did not finish"), std::string::npos);
}

TEST(Process, ChildIsKilledWhenItsOwnerLetsGo) {
  pid_t pid = -1;
  {
    os::SpawnOptions o;
    o.argv = {"/bin/sleep", "30"};
    auto c = os::spawn(o);
    ASSERT_TRUE(c.ok());
    pid = c->pid();
    EXPECT_EQ(kill(pid, 0), 0);
  }
  EXPECT_NE(kill(pid, 0), 0) << "child survived its owner";
}

TEST(Process, ForkedCopyNeverActsOnTheChild) {
  os::SpawnOptions o;
  o.argv = {"/bin/sleep", "30"};
  auto c = os::spawn(o);
  ASSERT_TRUE(c.ok());
  const pid_t copy = fork();
  if (copy == 0) {
    c->stop(0ms);  // the copy in a forked process must leave it alone
    _exit(kill(c->pid(), 0) == 0 ? 0 : 1);
  }
  int status = 0;
  waitpid(copy, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(kill(c->pid(), 0), 0) << "a forked copy killed the child";
  c->stop(0ms);
}

TEST(Process, FindProgram) {
  EXPECT_EQ(os::find_program("sh", "/nonexistent"), "/usr/bin/sh");
  EXPECT_EQ(os::find_program("/bin/sh", ""), "/bin/sh");
  EXPECT_FALSE(os::find_program("no-such-program-here", "/usr/bin").has_value());
}

TEST(Lock, OneHolderAtATimeNeverThroughALink) {
  char tmpl[] = "/tmp/gp-lock-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl, path = dir + "/watcher.lock", link = dir + "/link.lock";
  EXPECT_FALSE(os::lock_held(path));
  auto first = os::try_lock(path);
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_GE(*first, 0);
  EXPECT_TRUE(os::lock_held(path));
  auto second = os::try_lock(path);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, -1);
  ::close(*first);
  EXPECT_FALSE(os::lock_held(path));
  ASSERT_EQ(::symlink(path.c_str(), link.c_str()), 0);
  EXPECT_FALSE(os::try_lock(link).ok());
  ::unlink(link.c_str());
  ::unlink(path.c_str());
  ::rmdir(dir.c_str());
}

TEST(Mps, TaskVariables) {
  TaskSlot s;
  s.sharers = 4;
  s.gpu_percent = 25;
  MpsShare share{"/tmp/p", "/tmp/l", 80ull << 30};
  auto env = mps_environment(s, share);
  ASSERT_EQ(env.size(), 4u);
  EXPECT_EQ(env[2],
            (std::pair<std::string, std::string>{"CUDA_MPS_ACTIVE_THREAD_PERCENTAGE", "25"}));
  EXPECT_EQ(env[3],
            (std::pair<std::string, std::string>{"CUDA_MPS_PINNED_DEVICE_MEM_LIMIT", "0=20480M"}));
  share.gpu_memory = 0;
  EXPECT_EQ(mps_environment(s, share).size(), 3u);
}

TEST(Mps, ParsesNvidiaSmi) {
  EXPECT_EQ(*parse_gpu_memory_mib("81559\n"), 81559ull << 20);
  EXPECT_FALSE(parse_gpu_memory_mib("[N/A]\n").ok());
  EXPECT_FALSE(parse_gpu_memory_mib("").ok());
}
