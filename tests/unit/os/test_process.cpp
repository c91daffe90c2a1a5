#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include "gracepack/os/files.hpp"
#include "gracepack/os/mps_daemon.hpp"
#include "gracepack/os/process.hpp"

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

// A child that exits without reading its stdin: the write fails with EPIPE and must not raise
// SIGPIPE in the caller (slurmstepd, which may not ignore it). More than a pipe's buffer makes the
// write outlast the child.
TEST(Process, AChildThatDoesNotReadItsStdinRaisesNoSigpipe) {
  EXPECT_EXIT(
      {
        std::signal(SIGPIPE, SIG_DFL);
        os::SpawnOptions o;
        o.argv = {"/bin/true"};
        o.stdin_text.assign(1 << 20, 'x');
        auto rc = os::run(o, 5s);
        std::_Exit(rc.ok() && *rc == 0 ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
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
  os::UniqueFd dfd(::open(tmpl, O_RDONLY | O_DIRECTORY));
  {
    auto first = os::try_lock(path);
    ASSERT_TRUE(first.ok()) << first.error().message;
    ASSERT_TRUE(first->has_value());
    EXPECT_EQ(*os::lock_held_at(dfd.get(), "watcher.lock"), true);
    auto second = os::try_lock(path);
    ASSERT_TRUE(second.ok());
    EXPECT_FALSE(second->has_value());
  }
  EXPECT_EQ(*os::lock_held_at(dfd.get(), "watcher.lock"), false);
  ASSERT_EQ(::symlink(path.c_str(), link.c_str()), 0);
  EXPECT_FALSE(os::try_lock(link).ok());
  EXPECT_FALSE(os::lock_held_at(dfd.get(), "link.lock").ok());
  ::unlink(link.c_str());
  ::unlink(path.c_str());
  ::rmdir(dir.c_str());
}

// Issue 9 item 8: a child as another user has only that user's ids and no supplementary group,
// no capability, no new privileges, default signal dispositions and only descriptors 0-2.
TEST(Process, AChildAsAUserHoldsNothingOfItsParent) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to change user";
  const int leaked = ::open("/dev/null", O_RDONLY);  // not close-on-exec
  ASSERT_GE(leaked, 3);
  ::signal(SIGUSR1, SIG_IGN);
  os::SpawnOptions o;
  o.argv = {"/bin/sh", "-c",
            "id -u; id -G; grep -E '^(CapEff|CapPrm|CapBnd|NoNewPrivs|SigIgn)' /proc/self/status; "
            "ls /proc/self/fd | wc -l"};
  o.env = {"PATH=/usr/bin:/bin"};
  o.as = os::RunAs{65534, 65534, {}};
  auto out = os::run_output(o, 5s);
  ::signal(SIGUSR1, SIG_DFL);
  ::close(leaked);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_NE(out->find("65534\n65534\n"), std::string::npos) << *out;
  EXPECT_NE(out->find("CapEff:\t0000000000000000"), std::string::npos) << *out;
  EXPECT_NE(out->find("CapPrm:\t0000000000000000"), std::string::npos) << *out;
  EXPECT_NE(out->find("CapBnd:\t0000000000000000"), std::string::npos) << *out;
  EXPECT_NE(out->find("NoNewPrivs:\t1"), std::string::npos) << *out;
  EXPECT_NE(out->find("SigIgn:\t0000000000000000"), std::string::npos) << *out;
  // ls sees 0, 1, 2 and the descriptor of the directory it lists.
  EXPECT_NE(out->find("\n4\n"), std::string::npos) << *out;
}

TEST(Process, AUsersChildNeedsTheUsersGroup) {
  os::SpawnOptions o;
  o.argv = {"/bin/true"};
  o.as = os::RunAs{1001, 0, {}};
  EXPECT_FALSE(os::spawn(o).ok());
  EXPECT_FALSE(os::spawn_detached(o).ok());
}

TEST(Mps, TaskVariables) {
  TaskSlot s;
  s.sharers = 4;
  s.gpu_percent = 25;
  MpsShare share{"/tmp/p", "/tmp/l", 80ull << 30, 0, 0};
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
